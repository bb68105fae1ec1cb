"""Peak resident memory of fit and predict on a large training set.

    python benchmarks/bench_memory.py [--n-samples 20000] [--n-timesteps 100]
        [--n-features 8] [--hidden 64] [--max-iter 3] [--target-mb 600]

Fits ``ElmanClassifier`` on float64 X of shape (n_samples, n_timesteps,
n_features) (by default 20000 x 100 x 8, X itself 128 MB) in a fresh
subprocess, and predicts on it in another, and reports each child's peak
resident set size (``ru_maxrss``): the whole process, Python, NumPy, SciPy and
scikit-learn, X and y included. It says whether the fit stays under the target
(600 MB). MB here is 10**6 bytes, the unit in which X is 128 MB.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

MB = 1e6


def peak_rss_bytes():
    """This process's peak resident set size so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # KiB on Linux


def current_rss_bytes():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def make_problem(n_samples, n_timesteps, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_timesteps, n_features))
    y = (X[:, -1, 0] > 0).astype(int) + 2 * (X[:, 0, 0] > 0)  # 4 classes
    return X, y


def child(phase, args):
    """Run in a fresh process: fit or predict, then print the figures as JSON."""
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_elman import ElmanClassifier

    imports = current_rss_bytes()
    X, y = make_problem(args.n_samples, args.n_timesteps, args.n_features)
    baseline = current_rss_bytes()  # imports, X and y
    start = time.perf_counter()
    with warnings.catch_warnings():
        # max_iter is kept small on purpose: the peak is reached in the first
        # evaluation, and every later one repeats it.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if phase == "fit":
            clf = ElmanClassifier(
                hidden_layer_sizes=args.hidden, max_iter=args.max_iter, random_state=0
            ).fit(X, y)
        else:
            # a model fitted on a few samples only: its fit does not set the peak
            clf = ElmanClassifier(
                hidden_layer_sizes=args.hidden, max_iter=1, random_state=0
            ).fit(X[:200], y[:200])
            start = time.perf_counter()
            clf.predict_proba(X)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "phase": phase,
                "peak_bytes": peak_rss_bytes(),
                "imports_bytes": imports,
                "baseline_bytes": baseline,
                "seconds": elapsed,
                "n_iter": int(clf.n_iter_),
            }
        )
    )


def run_child(phase, argv):
    command = [sys.executable, __file__, "--child", phase, *argv]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"{phase} child failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-timesteps", type=int, default=100)
    parser.add_argument("--n-features", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=64, help="n_hidden (1 layer)")
    parser.add_argument("--max-iter", type=int, default=3, help="L-BFGS iterations")
    parser.add_argument("--target-mb", type=float, default=600.0)
    parser.add_argument("--child", choices=["fit", "predict"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args)
        return

    n, T, d, h = args.n_samples, args.n_timesteps, args.n_features, args.hidden
    forwarded = [a for a in argv if a != "--child"]
    print(
        f"X: float64 ({n}, {T}, {d}) = {n * T * d * 8 / MB:.0f} MB; "
        f"ElmanClassifier(hidden_layer_sizes={h}, max_iter={args.max_iter})"
    )
    print(
        "For scale: every step's hidden state, (n_timesteps, n_samples, n_hidden) "
        f"float64, is {n * T * h * 8 / MB:.0f} MB.\n"
    )
    results = {}
    for phase in ("fit", "predict"):
        r = run_child(phase, forwarded)
        results[phase] = r
        baseline = r["baseline_bytes"]
        extra = (
            ""
            if baseline is None
            else f" (imports {r['imports_bytes'] / MB:.0f} MB, + X and y "
            f"{baseline / MB:.0f} MB; {phase} added "
            f"{(r['peak_bytes'] - baseline) / MB:.0f} MB)"
        )
        print(
            f"{phase:>7}: peak RSS {r['peak_bytes'] / MB:7.0f} MB{extra}, "
            f"{r['seconds']:.1f} s"
            + (f", {r['n_iter']} L-BFGS iterations" if phase == "fit" else "")
        )
    fit_peak = results["fit"]["peak_bytes"] / MB
    verdict = "under" if fit_peak < args.target_mb else "OVER"
    print(
        f"\nfit peak {fit_peak:.0f} MB is {verdict} the {args.target_mb:.0f} MB target "
        f"({fit_peak / args.target_mb:.1f}x)."
    )
    predict_peak = results["predict"]["peak_bytes"] / MB
    verdict = "under" if predict_peak < args.target_mb else "OVER"
    print(f"predict peak {predict_peak:.0f} MB is {verdict} the target.")


if __name__ == "__main__":
    main()
