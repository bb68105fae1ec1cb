"""The cost of an L-BFGS iteration outside the objective, with BLAS threaded or not.

    python benchmarks/bench_solver.py [--repeats 3] [--out benchmarks/results]

OpenBLAS runs a dot product or an axpy of more than 10,000 entries on all its
threads. L-BFGS-B does a few dozen of them per iteration, on vectors as long
as the network's weights, and each one that wakes a second thread costs far
more than it computes. The fit therefore runs L-BFGS-B with BLAS limited to
one thread (``_solver.fit_lbfgs``), while the objective spreads its chunks
over the threads BLAS may use. This script measures:

- SciPy's L-BFGS-B alone, 100 iterations on a quadratic of n = 10,000,
  10,001, 20,000 and 100,000 weights, with BLAS at its default number of
  threads and at one;
- ``ElmanClassifier`` fits, 100 iterations on a small problem (53 sequences of
  2 steps, 64 bidirectional hidden units, the size of the accuracy recipe's
  pooled fits) with 8 to 16 features per step, so that the weights number
  9,473 to 10,497, with the solver's one-thread limit and without it (the
  limit replaced by a no-op, as before it existed).

Reports the best of ``--repeats`` runs in ms per iteration, and writes
``bench_solver.txt`` to ``--out``.
"""

import argparse
import contextlib
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.optimize
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_elman import ElmanClassifier, _solver

N_ITER = 100


def lbfgs_ms_per_iteration(n, threads):
    """SciPy's L-BFGS-B alone: a diagonal quadratic of ``n`` weights."""
    scales = np.linspace(1.0, 10.0, n)

    def quadratic(x):
        g = scales * x
        return 0.5 * float(g @ x), g

    options = {"maxiter": N_ITER, "gtol": 0.0, "ftol": 0.0}
    with threadpool_limits(threads, user_api="blas"):
        start = time.perf_counter()
        result = scipy.optimize.minimize(
            quadratic, np.ones(n), jac=True, method="L-BFGS-B", options=options
        )
    return (time.perf_counter() - start) / result.nit * 1e3


def fit_ms_per_iteration(n_features, limited):
    """An ElmanClassifier fit of N_ITER iterations; ``limited=False`` replaces
    the solver's one-thread limit with a no-op."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(53, 2, n_features))
    y = rng.randint(0, 2, 53)
    clf = ElmanClassifier(
        hidden_layer_sizes=(64,),
        bidirectional=True,
        alpha=0.01,
        max_iter=N_ITER,
        tol=0.0,
        random_state=0,
    )
    saved = _solver._one_blas_thread
    if not limited:
        _solver._one_blas_thread = contextlib.nullcontext()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter is the point here
            start = time.perf_counter()
            clf.fit(X, y)
            elapsed = time.perf_counter() - start
    finally:
        _solver._one_blas_thread = saved
    n_weights = clf._fitted_layout().size
    return elapsed / clf.n_iter_ * 1e3, n_weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    blas = sorted(
        {(p["internal_api"], p["version"], p["num_threads"]) for p in threadpool_info()}
    )
    lines = [
        "L-BFGS iterations with BLAS threaded or on one thread",
        "",
        "Command: python benchmarks/bench_solver.py",
        f"Machine: {platform.platform()}; numpy {np.__version__}, scipy "
        f"{scipy.__version__}; BLAS (api, version, threads): {blas}",
        f"Best of {args.repeats} runs of {N_ITER} iterations, ms per iteration.",
        "",
        "SciPy L-BFGS-B alone (a quadratic of n weights):",
        f"{'n':>8} {'default threads':>16} {'one thread':>11}",
    ]
    for n in (10_000, 10_001, 20_000, 100_000):
        default = min(lbfgs_ms_per_iteration(n, None) for _ in range(args.repeats))
        one = min(lbfgs_ms_per_iteration(n, 1) for _ in range(args.repeats))
        lines.append(f"{n:>8} {default:>16.3f} {one:>11.3f}")
        print(lines[-1], flush=True)
    lines += [
        "",
        "ElmanClassifier fit (53 sequences of 2 steps, 64 bidirectional units):",
        f"{'features':>8} {'weights':>8} {'without the limit':>18} {'with it':>8}",
    ]
    for n_features in (8, 12, 13, 16):
        without = min(
            fit_ms_per_iteration(n_features, False)[0] for _ in range(args.repeats)
        )
        runs = [fit_ms_per_iteration(n_features, True) for _ in range(args.repeats)]
        with_limit, n_weights = min(runs)
        lines.append(
            f"{n_features:>8} {n_weights:>8} {without:>18.3f} {with_limit:>8.3f}"
        )
        print(lines[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_solver.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
