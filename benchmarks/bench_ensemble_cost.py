"""What a seed ensemble costs: fit and predict time against one network.

    python benchmarks/bench_ensemble_cost.py [--n-seeds 5] [--repeats 3] [--out FILE]

On scikit-learn's digits read as 8 rows of 8 pixels (all 1797 images, scaled
to [0, 1]), times the fit and the prediction of one bidirectional
``ElmanClassifier(32)`` per seed, one after the other, and of the ensembles of
the user guide's recipe over the same seeds: ``VotingClassifier(voting="soft")``
and ``BaggingClassifier(bootstrap=False)`` on the flattened sequences, with
``n_jobs=1`` and ``n_jobs=2``. Each process does its matrix products on one BLAS
thread. The worker processes of ``n_jobs=2`` are started, and import the
package, before the timings; that is timed on its own. Every time is the best of
``--repeats`` runs, since other processes on a shared machine only ever add to
it. Prints a Markdown report and writes it to ``--out`` if given.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

# the sibling script: python puts benchmarks/ on sys.path when running this one
from bench_architectures import (
    N_HIDDEN,
    command_line,
    environment,
    load_average,
    to_sequences,
)
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.ensemble import BaggingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from sklearn_elman import ElmanClassifier


def warm_up(X, y):
    """Import the package and fit a tiny network, in a worker process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ElmanClassifier(2, max_iter=1).fit(X, y).n_iter_


def best_time(repeats, function, *args):
    """The shortest of `repeats` wall times of function(*args), and its result."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args)
        seconds.append(time.perf_counter() - start)
    return min(seconds), result


def predict_proba(fitted, X):
    """Of a model, or of each of a list of models."""
    if isinstance(fitted, list):
        return [model.predict_proba(X) for model in fitted]
    return fitted.predict_proba(X)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    digits = load_digits()
    X, y = digits.images / 16.0, digits.target  # (1797, 8, 8)
    X_flat = X.reshape(len(X), -1)
    seeds = range(args.n_seeds)

    def network(seed=None):
        return ElmanClassifier(N_HIDDEN, bidirectional=True, random_state=seed)

    def one_after_the_other(X, y):
        return [network(seed).fit(X, y) for seed in seeds]

    def voting(n_jobs):
        members = [(f"seed{seed}", network(seed)) for seed in seeds]
        return VotingClassifier(members, voting="soft", n_jobs=n_jobs)

    def bagging(n_jobs):
        member = make_pipeline(
            FunctionTransformer(to_sequences, kw_args={"n_features": 8}), network()
        )
        return BaggingClassifier(
            member,
            n_estimators=args.n_seeds,
            bootstrap=False,
            random_state=0,
            n_jobs=n_jobs,
        )

    n = args.n_seeds
    cases = [  # (name, fit(X, y) -> fitted, X)
        ("one network (seed 0)", network(0).fit, X),
        (f"{n} networks, one after the other", one_after_the_other, X),
    ]
    for n_jobs in (1, 2):
        cases += [
            (
                f"VotingClassifier(voting='soft'), n_jobs={n_jobs}",
                voting(n_jobs).fit,
                X,
            ),
            (
                f"BaggingClassifier(bootstrap=False), n_jobs={n_jobs}",
                bagging(n_jobs).fit,
                X_flat,
            ),
        ]

    lines = [
        "# What a seed ensemble costs",
        "",
        f"Command: `{command_line(__file__, argv)}`",
        "",
        f"- {environment()}; load average at the start: {load_average()}",
        f"- digits as 8 rows of 8 pixels, all {len(X)} images; bidirectional "
        f"ElmanClassifier({N_HIDDEN}), library defaults; {n} seeds; best of "
        f"{args.repeats} runs",
    ]
    start = time.perf_counter()
    Parallel(n_jobs=2)([delayed(warm_up)(X[:20], y[:20])] * 4)
    lines.append(
        "- starting 2 worker processes (loky) and a first fit in each: "
        f"{time.perf_counter() - start:.1f} s"
    )
    lines += ["", "| what | fit (s) | x one network | predict all (s) |"]
    lines.append("|---|---:|---:|---:|")
    print("\n".join(lines), flush=True)
    fit_one = None
    for name, fit, X_in in cases:
        fit_seconds, fitted = best_time(args.repeats, fit, X_in, y)
        fit_one = fit_one or fit_seconds
        predict_seconds, _ = best_time(args.repeats, predict_proba, fitted, X_in)
        lines.append(
            f"| {name} | {fit_seconds:.1f} | {fit_seconds / fit_one:.1f} | "
            f"{predict_seconds:.3f} |"
        )
        print(lines[-1], flush=True)
    lines.append(f"\nLoad average at the end: {load_average()}.")
    print(lines[-1])
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # reaching max_iter is part of the fixed budget
        warnings.simplefilter("ignore", ConvergenceWarning)
        main()
