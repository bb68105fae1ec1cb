"""How long ElmanClassifierCV takes on a large set of long, ragged sequences.

    python benchmarks/bench_cv_scale.py [--n-samples 500] [--min-steps 100]
        [--max-steps 1300] [--n-jobs 2] [--seeds 0] [--out benchmarks/results]

A generated set of the shape of a real one that today's accuracy recipe could
not fit in 30 minutes on 2 cores: ``--n-samples`` sequences of
``--min-steps`` to ``--max-steps`` steps (uniform), 3 features, 4 classes
told by the shape of a bump placed anywhere in the sequence (its sign and its
width), under noise. Fits ``ElmanClassifierCV(random_state=seed)`` at its
defaults on ``joblib.parallel_config(n_jobs=--n-jobs)`` on 80% of the
sequences and scores the other 20%. Writes ``bench_cv_scale.md`` to
``--out``.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.model_selection import train_test_split

from sklearn_elman import ElmanClassifierCV


def make_long_sequences(n_samples, min_steps, max_steps, seed):
    """Ragged sequences of 3 features and their 4 classes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n_samples)
    X = []
    for label in y:
        n_steps = int(rng.integers(min_steps, max_steps + 1))
        x = rng.normal(scale=1.0, size=(n_steps, 3))
        width = 10 if label % 2 == 0 else 40
        start = int(rng.integers(0, n_steps - width))
        bump = np.sin(np.linspace(0, np.pi, width)) * (3.0 if label < 2 else -3.0)
        x[start : start + width, 0] += bump
        x[:, 1] += np.cumsum(rng.normal(scale=0.1, size=n_steps))  # a slow drift
        X.append(x)
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--min-steps", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=1300)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        X, y = make_long_sequences(args.n_samples, args.min_steps, args.max_steps, seed)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=seed
        )
        start = time.perf_counter()
        with parallel_config(n_jobs=args.n_jobs):
            clf = ElmanClassifierCV(random_state=seed).fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        score = clf.score(X_test, y_test)
        n_settings = len(clf.cv_results_["params"])
        rows.append((seed, fit_s, score, n_settings, clf.best_params_))
        print(f"seed {seed}: fit {fit_s:.0f} s, test accuracy {score:.3f}", flush=True)
    lines = [
        "# ElmanClassifierCV on long, ragged sequences",
        "",
        f"Command: `python {' '.join(sys.argv)}`",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{args.n_jobs} joblib worker(s). {args.n_samples} sequences of "
        f"{args.min_steps} to {args.max_steps} steps of 3 features, 4 classes; "
        "80% to fit, 20% to score.",
        "",
        "| seed | fit time (s) | test accuracy | settings searched | best setting |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {seed} | {fit_s:.0f} | {score:.3f} | {n} | {best} |"
        for seed, fit_s, score, n, best in rows
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_cv_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
