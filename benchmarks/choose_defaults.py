"""The networks' defaults, chosen by cross-validation on training splits only.

    python benchmarks/choose_defaults.py [--datasets NAME ...] [--readouts ...]
        [--alphas ...] [--hidden ...] [--folds 3] [--out benchmarks/results]

For each candidate setting of ``readout``, ``alpha`` and
``hidden_layer_sizes``, and each data set of ``bench_accuracy.py``, the
cross-validated score (stratified ``--folds``-fold for classification,
shuffled for regression, ``random_state=0``) of
``make_pipeline(SequenceScaler(), Network(**setting, random_state=0))`` on
the set's training split. The test splits are never read: the defaults are
chosen here, and ``bench_accuracy.py`` reports them on the test splits.

Writes ``choose_defaults.md`` (one row per setting: each set's score, the
mean over the classification sets, the mean rank) and ``choose_defaults.json``
to ``--out``.
"""

import argparse
import itertools
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

sys.path.insert(0, str(Path(__file__).parent))
from bench_accuracy import DATASETS, load

from sklearn_elman import ElmanClassifier, ElmanRegressor, SequenceScaler


def candidates(readouts, alphas, hidden):
    for readout, alpha, n_hidden in itertools.product(readouts, alphas, hidden):
        pools = readout.split("+")
        yield {
            "readout": pools[0] if len(pools) == 1 else pools,
            "alpha": alpha,
            "hidden_layer_sizes": (n_hidden,),
        }


def label(setting):
    readout = setting["readout"]
    readout = readout if isinstance(readout, str) else "+".join(readout)
    return f"{readout}, alpha={setting['alpha']:g}, {setting['hidden_layer_sizes'][0]}"


def cv_score(name, task, setting, folds):
    X, y, _, _ = load(name)  # the training split only
    Network = ElmanClassifier if task == "classification" else ElmanRegressor
    model = make_pipeline(SequenceScaler(), Network(**setting, random_state=0))
    if task == "classification":
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        scoring = "accuracy"
    else:
        cv = KFold(folds, shuffle=True, random_state=0)
        scoring = "neg_root_mean_squared_error"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, X, y, cv=cv, scoring=scoring)
    return float(np.mean(scores))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=[n for n, _ in DATASETS])
    parser.add_argument(
        "--readouts", nargs="+", default=["last", "mean", "max", "mean+max"]
    )
    parser.add_argument("--alphas", nargs="+", type=float, default=[1.0, 0.1, 0.01])
    parser.add_argument("--hidden", nargs="+", type=int, default=[32])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    tasks = dict(DATASETS)
    start = time.perf_counter()
    rows = []
    for setting in candidates(args.readouts, args.alphas, args.hidden):
        row = {"setting": label(setting), "params": setting, "scores": {}}
        for name in args.datasets:
            t0 = time.perf_counter()
            row["scores"][name] = cv_score(name, tasks[name], setting, args.folds)
            print(
                f"{row['setting']:32s} {name:22s} {row['scores'][name]:.4f} "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        rows.append(row)
    classification = [n for n in args.datasets if tasks[n] == "classification"]
    ranks = np.array(
        [rankdata([-r["scores"][n] for r in rows]) for n in classification]
    ).mean(axis=0)
    for row, rank in zip(rows, ranks, strict=True):
        row["mean"] = float(np.mean([row["scores"][n] for n in classification]))
        row["rank"] = float(rank)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "choose_defaults.json").write_text(
        json.dumps({"argv": sys.argv[1:], "rows": rows}, indent=1, default=str)
    )
    header = ["setting", *args.datasets, "mean (classification)", "mean rank"]
    lines = [
        "# The networks' defaults: cross-validated on the training splits",
        "",
        f"Command: `python benchmarks/choose_defaults.py {' '.join(sys.argv[1:])}`",
        "",
        f"Machine: {platform.platform()}; {(time.perf_counter() - start) / 60:.0f} "
        "min in all. `make_pipeline(SequenceScaler(), Network(**setting, "
        f"random_state=0))`, {args.folds}-fold cross-validation on each training "
        "split (accuracy; for regression, minus the RMSE).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in sorted(rows, key=lambda r: r["rank"]):
        cells = [f"{row['scores'][n]:.3f}" for n in args.datasets]
        lines.append(
            f"| {row['setting']} | "
            + " | ".join(cells)
            + f" | {row['mean']:.3f} | {row['rank']:.1f} |"
        )
    (args.out / "choose_defaults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
