"""Cross-validated accuracy of the architectures on scikit-learn's digits.

    python benchmarks/bench_architectures.py [--datasets rows pixels]
        [--n-splits 5] [--n-jobs 2] [--out benchmarks/results/bench_architectures.md]

scikit-learn's bundled handwritten digits (1797 images of 8x8 pixels, nothing
downloaded), scaled to [0, 1], read as sequences two ways:

- ``rows``: 8 time steps of 8 features, one row of pixels per step;
- ``pixels``: 64 time steps of 1 feature, pixel by pixel, row after row: a
  longer memory and less input per step.

Every model gets the same flat ``(n_samples, 64)`` array and the same folds of
a ``StratifiedKFold(n_splits, shuffle=True, random_state=0)``; the recurrent
networks reshape it back to sequences with a ``FunctionTransformer``, as the
user guide's ensemble recipe does. The MLP sees the same 64 numbers in both
readings, so its rows are the same up to rounding. All networks have 32 hidden
units per layer and the library's defaults of ``alpha``, ``max_iter`` and
``tol`` (the report prints them), and the MLP ``solver="lbfgs"`` with the same
values: nothing is tuned. The ensembles are ``Bagging*(bootstrap=False, n_estimators=5,
random_state=0, n_jobs=--n-jobs)``, one member per seed. The matrix products
run on one BLAS thread (the workers of ``n_jobs`` too). Prints a Markdown
report and writes it to ``--out``.
"""

import argparse
import importlib.metadata
import os
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.ensemble import BaggingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from sklearn_elman import ElmanClassifier

N_HIDDEN = 32
DEFAULTS = {
    key: ElmanClassifier().get_params()[key] for key in ("alpha", "max_iter", "tol")
}
N_SEEDS = 5
# n_features per time step of each reading of the 64 pixels
DATASETS = {"rows": 8, "pixels": 1}
DATASET_NAMES = {
    "rows": "digits, 8 rows of 8 pixels (8 steps x 8 features)",
    "pixels": "digits, pixel by pixel (64 steps x 1 feature)",
}


def to_sequences(X, n_features):
    """(n_samples, n_timesteps * n_features) back to 3-D sequences."""
    return X.reshape(len(X), -1, n_features)


def models(n_features, n_jobs):
    """The compared models, each taking the flat (n_samples, 64) array."""

    def elman(hidden_layer_sizes=N_HIDDEN, **params):
        return make_pipeline(
            FunctionTransformer(to_sequences, kw_args={"n_features": n_features}),
            ElmanClassifier(hidden_layer_sizes, random_state=0, **params),
        )

    def seeds(member):
        return BaggingClassifier(
            member,
            n_estimators=N_SEEDS,
            bootstrap=False,
            random_state=0,
            n_jobs=n_jobs,
        )

    mlp = MLPClassifier(N_HIDDEN, solver="lbfgs", random_state=0, **DEFAULTS)
    return {
        "MLPClassifier, 64 flat features": mlp,
        f"MLPClassifier, {N_SEEDS} seeds (bagging)": seeds(mlp),
        "ElmanClassifier": elman(),
        "ElmanClassifier, 2 stacked layers": elman((N_HIDDEN, N_HIDDEN)),
        "ElmanClassifier, bidirectional": elman(bidirectional=True),
        f"ElmanClassifier, bidirectional, {N_SEEDS} seeds (bagging)": seeds(
            elman(bidirectional=True)
        ),
    }


def environment():
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("numpy", "scipy", "scikit-learn", "joblib")
    )
    return (
        f"Python {platform.python_version()}, {versions}; "
        f"{os.cpu_count()} logical CPUs ({platform.processor() or platform.machine()})"
    )


def command_line(script, argv):
    """The command that ran a script of benchmarks/, for its report."""
    return shlex.join(["python", f"benchmarks/{Path(script).name}", *argv])


def load_average():
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=[*DATASETS])
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=2, help="of the ensembles")
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/bench_architectures.md")
    )
    args = parser.parse_args(argv)

    digits = load_digits()
    X = digits.data / 16.0  # (n_samples, 64): rows of pixels, one after the other
    y = digits.target
    cv = StratifiedKFold(args.n_splits, shuffle=True, random_state=0)

    lines = [
        "# Architectures on scikit-learn's digits",
        "",
        f"Command: `{command_line(__file__, argv)}`",
        "",
        f"- {environment()}",
        f"- {len(X)} images; test accuracy over the {args.n_splits} folds of "
        f"StratifiedKFold(n_splits={args.n_splits}, shuffle=True, random_state=0), "
        "mean ± standard deviation; fit time: mean seconds per fold",
        f"- {N_HIDDEN} hidden units per layer, alpha={DEFAULTS['alpha']:g}, "
        f"max_iter={DEFAULTS['max_iter']}, tol={DEFAULTS['tol']:g} "
        f"(defaults, not tuned); ensembles: {N_SEEDS} seeds, bagging without "
        f"bootstrap, n_jobs={args.n_jobs}; one BLAS thread per process",
    ]
    print("\n".join(lines), flush=True)
    load_at_start = load_average()
    start_all = time.perf_counter()
    for dataset in args.datasets:
        block = [
            "",
            f"## {DATASET_NAMES[dataset]}",
            "",
            "| model | test accuracy | train accuracy | fit time (s) |",
            "|---|---:|---:|---:|",
        ]
        print("\n".join(block), flush=True)
        start = time.perf_counter()
        for name, model in models(DATASETS[dataset], args.n_jobs).items():
            with warnings.catch_warnings():
                # Reaching max_iter is part of the fixed budget, not a failure.
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores = cross_validate(model, X, y, cv=cv, return_train_score=True)
            test, train = scores["test_score"], scores["train_score"]
            row = (
                f"| {name} | {test.mean():.3f} ± {test.std():.3f} | "
                f"{train.mean():.3f} | {scores['fit_time'].mean():.1f} |"
            )
            block.append(row)
            print(row, flush=True)
        seconds = time.perf_counter() - start
        tail = f"\nRuntime of this dataset: {seconds:.0f} s."
        block.append(tail)
        print(tail, flush=True)
        lines += block
    tail = (
        f"\nTotal runtime: {time.perf_counter() - start_all:.0f} s. Load average "
        f"(1, 5, 15 min) at the start: {load_at_start}, at the end: {load_average()} "
        f"on {os.cpu_count()} CPUs: above that count, other processes slowed the fit "
        "times; the accuracies do not depend on it."
    )
    print(tail)
    lines.append(tail)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"):
        main()
