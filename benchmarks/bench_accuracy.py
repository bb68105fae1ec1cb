"""Test accuracy on real sequences: the defaults, the CV estimators, a flat MLP.

    python benchmarks/bench_accuracy.py [--datasets NAME ...] [--models NAME ...]
        [--seeds 0 1 2] [--n-jobs 2] [--out benchmarks/results] [--replot JSON]

Data: the UCR/UEA classification sets and the TSER regression set that ship
inside ``aeon==1.6.0`` (the ``benchmarks`` extra; nothing is downloaded), with
their published train/test splits, and scikit-learn's bundled digits read as
8 rows of 8 pixels (half of them for training, stratified, ``random_state=0``).
For each data set and each seed:

- ``default``: ``make_pipeline(SequenceScaler(), ElmanClassifier())`` (or
  ``ElmanRegressor()``), every parameter at its default but ``random_state``;
- ``pooled``: the same with ``readout=["mean", "max"]``;
- ``CV``: ``ElmanClassifierCV()`` (or ``ElmanRegressorCV()``) at its
  defaults but ``random_state``;
- ``recipe``: ``fit_recipe``, the accuracy page's former recipe, read from
  ``benchmarks/recipe.rst`` and run as it is there;
- ``MLP``: ``make_pipeline(StandardScaler(), MLPClassifier())`` (or
  ``MLPRegressor()``) at scikit-learn's defaults on the sequences flattened to
  one row each (not for sets of unequal lengths);
- for regression, ``mean``: predicting the training targets' mean.

Every setting is chosen on the training set (the searches of CV and the
recipe); the
test split is only scored. Classification is scored by accuracy, regression by
RMSE. The published figures beside them ("anchors") are quoted with their
sources in ``ANCHORS``. Writes ``bench_accuracy.md`` (the table and the
targets), ``bench_accuracy.json`` (every fit) and ``accuracy.png`` to
``--out``.
"""

import argparse
import doctest
import importlib.metadata
import json
import os
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_elman import (
    ElmanClassifier,
    ElmanClassifierCV,
    ElmanRegressor,
    ElmanRegressorCV,
    SequenceScaler,
)

ROOT = Path(__file__).resolve().parents[1]
RECIPE_PAGE = ROOT / "benchmarks" / "recipe.rst"

# (name, task) in the order of the table; "digits rows" is scikit-learn's.
DATASETS = [
    ("ArrowHead", "classification"),
    ("OSULeaf", "classification"),
    ("PickupGestureWiimoteZ", "classification"),
    ("ACSF1", "classification"),
    ("digits rows", "classification"),
    ("CardanoSentiment", "regression"),
]

_UCR = (
    "UCR archive 2018, DataSummary.csv (1 - error rate; a copy: "
    "ZhenwenHe/data UCRArchive_2018/DataSummary.csv @3a786e3)"
)
_ROCKET = (
    "Dempster et al. 2020, angus924/rocket results/results_ucr.csv, "
    "accuracy_mean of 10 runs"
)
_FCN = (
    "Ismail Fawaz et al. 2019, hfawaz/dl-4-tsc results/results-uea-avg-std.csv "
    "(2015 archive, mean of 10 runs; ACSF1 and PickupGestureWiimoteZ: "
    "results/results-ucr-128.csv, mean of its 5 runs)"
)
_TSER = (
    "Guijo-Rubio et al. 2024, time-series-machine-learning/tsml-eval "
    "tser_archive_expansion/results/5.C/*_rmse.csv, fold 0 (the published split)"
)
# Published test figures: accuracy for classification, RMSE for regression.
ANCHORS = {
    "ArrowHead": {
        "1-NN DTW (full)": 0.7029,
        "1-NN DTW (learned window)": 0.8000,
        "ROCKET": 0.8143,
        "FCN": 0.843,
    },
    "OSULeaf": {
        "1-NN DTW (full)": 0.5909,
        "1-NN DTW (learned window)": 0.6116,
        "ROCKET": 0.9409,
        "FCN": 0.977,
    },
    "PickupGestureWiimoteZ": {
        "1-NN DTW (full)": 0.6600,
        "1-NN DTW (learned window)": 0.6600,
        "ROCKET": 0.8300,
        "FCN": 0.744,
    },
    "ACSF1": {
        "1-NN DTW (full)": 0.6400,
        "1-NN DTW (learned window)": 0.6200,
        "ROCKET": 0.8860,
        "FCN": 0.898,
    },
    "digits rows": {},
    "CardanoSentiment": {"ROCKET": 0.2984, "FreshPRINCE": 0.2895},
}
ANCHOR_SOURCES = {
    "1-NN DTW (full)": _UCR,
    "1-NN DTW (learned window)": _UCR,
    "ROCKET": _ROCKET,
    "FCN": _FCN,
    "FreshPRINCE": _TSER,
}
MODELS = ["default", "pooled", "CV", "recipe", "MLP", "mean"]


def recipe_random_state(seed):
    """The recipe's ``random_state`` for a benchmark seed: its members take
    ``random_state + k``, k < 5, so seeds 5 apart share no member's seed."""
    return 5 * seed


def load_recipe(page=RECIPE_PAGE):
    """``fit_recipe``, defined by running the page's examples between its
    ``recipe begins`` and ``recipe ends`` comments."""
    text = Path(page).read_text()
    before, block = text.split(".. recipe begins", 1)
    block = block.split(".. recipe ends", 1)[0]
    namespace = {}
    for example in doctest.DocTestParser().get_examples(block):
        # Shifted to its line of the page, which a traceback then quotes.
        lines_before = before.count("\n") + example.lineno
        source = "\n" * lines_before + example.source
        exec(compile(source, str(page), "exec"), namespace)
    return namespace["fit_recipe"]


def load(name):
    """(X_train, y_train, X_test, y_test): (n_samples, n_timesteps, n_features)
    arrays, or lists of (n_timesteps_i, n_features) arrays for unequal lengths."""
    if name == "digits rows":
        digits = load_digits()
        X = digits.images / 16.0  # (1797, 8, 8): 8 steps of 8 pixels
        X_train, X_test, y_train, y_test = train_test_split(
            X, digits.target, test_size=0.5, stratify=digits.target, random_state=0
        )
        return X_train, y_train, X_test, y_test
    from aeon.datasets import load_classification, load_regression

    task = dict(DATASETS)[name]
    loader = load_classification if task == "classification" else load_regression
    splits = []
    for split in ("train", "test"):
        X, y = loader(name, split=split)  # (n_samples, n_channels, n_timesteps)
        if isinstance(X, list):  # unequal lengths
            X = [np.asarray(x, dtype=float).T for x in X]
        else:
            X = np.asarray(X, dtype=float).transpose(0, 2, 1)
        splits += [X, y.astype(float) if task == "regression" else y]
    return tuple(splits)


def make_model(model, task, seed):
    """The unfitted baseline ``model`` (all but the recipe)."""
    network = ElmanClassifier if task == "classification" else ElmanRegressor
    if model == "default":
        return make_pipeline(SequenceScaler(), network(random_state=seed))
    if model == "pooled":  # the default network with a pooled readout
        return make_pipeline(
            SequenceScaler(), network(readout=["mean", "max"], random_state=seed)
        )
    if model == "MLP":
        mlp = MLPClassifier if task == "classification" else MLPRegressor
        return make_pipeline(StandardScaler(), mlp(random_state=seed))
    return DummyRegressor(strategy="mean")


def score(estimator, X, y, task):
    if task == "classification":
        return float(estimator.score(X, y))
    return float(root_mean_squared_error(y, estimator.predict(X)))


def run_dataset(name, task, seeds, models, fit_recipe):
    X_train, y_train, X_test, y_test = load(name)
    flat = not isinstance(X_train, list)
    runs = []
    for seed in seeds:
        for model in models:
            if model == "mean" and task == "classification":
                continue
            if model in ("MLP", "mean") and not flat:
                continue
            start = time.perf_counter()
            info = {}
            if model == "recipe":
                estimator, search = fit_recipe(
                    X_train,
                    y_train,
                    regression=task == "regression",
                    random_state=recipe_random_state(seed),
                )
                best = {k.split("__")[-1]: v for k, v in search.best_params_.items()}
                info = {"window": best["window"], "alpha": best["alpha"]}
                info["twice"] = sum(  # members that difference twice
                    not isinstance(value, str)  # not "passthrough"
                    for _, member in estimator.estimators
                    for key, value in member.get_params().items()
                    if key.split("__")[-1] == "diff2"
                )
            elif model == "CV":
                CV = ElmanClassifierCV if task == "classification" else ElmanRegressorCV
                estimator = CV(random_state=recipe_random_state(seed))
                estimator.fit(X_train, y_train)
                best = estimator.best_params_
                info = {
                    "window": best["window"],
                    "alpha": best["alpha"],
                    "readout": "+".join(np.atleast_1d(best["readout"])),
                    "twice": sum(
                        p["differences"] == 2 for p in estimator.ensemble_params_
                    ),
                }
            else:
                estimator = make_model(model, task, seed)
                flatten = model in ("MLP", "mean")
                Xf = X_train.reshape(len(X_train), -1) if flatten else None
                estimator.fit(X_train if Xf is None else Xf, y_train)
            fit_s = time.perf_counter() - start
            X_eval = X_test
            if model in ("MLP", "mean"):
                X_eval = X_test.reshape(len(X_test), -1)
            result = score(estimator, X_eval, y_test, task)
            runs.append(
                {"model": model, "seed": seed, "score": result, "fit_s": fit_s, **info}
            )
            chosen = " ".join(f"{k}={v}" for k, v in info.items())
            print(f"  {name} seed {seed} {model:8s} {result:.4f}", end=" ")
            print(f"({fit_s:.1f} s) {chosen}", flush=True)
    return {
        "name": name,
        "task": task,
        "shape": describe(X_train, X_test),
        "runs": runs,
    }


def describe(X_train, X_test):
    if isinstance(X_train, list):
        lengths = [len(x) for x in X_train + X_test]
        steps = f"{min(lengths)}-{max(lengths)} steps (unequal)"
    else:
        steps = f"{X_train.shape[1]} steps"
    n_features = np.shape(X_train[0])[-1]
    return f"{len(X_train)}/{len(X_test)}, {steps}, {n_features} feature(s)"


def summary(result, model):
    runs = [r for r in result["runs"] if r["model"] == model]
    if not runs:
        return None
    scores = np.array([r["score"] for r in runs])
    return {
        "mean": scores.mean(),
        "std": scores.std(),
        "fit_s": np.mean([r["fit_s"] for r in runs]),
        "runs": runs,
    }


def cell(stats):
    if stats is None:
        return "n/a"
    return f"{stats['mean']:.3f} ± {stats['std']:.3f} ({stats['fit_s']:.1f} s)"


def targets(results):
    """The accuracy issue's targets, each (statement, measured, met)."""
    lines = []
    classification = [r for r in results if r["task"] == "classification"]

    def mean(result, model, key="mean"):
        stats = summary(result, model)
        return None if stats is None else stats[key]

    for r in classification:
        cv, mlp = mean(r, "CV"), mean(r, "MLP")
        dtw = ANCHORS[r["name"]].get("1-NN DTW (full)")
        ok = (mlp is None or cv > mlp) and (dtw is None or cv > dtw)
        lines.append(
            (
                f"{r['name']}: CV beats the MLP and 1-NN DTW (full)",
                f"CV {cv:.3f}, MLP {_fmt(mlp)}, DTW {_fmt(dtw)}",
                ok,
            )
        )
    rocket = [
        (r["name"], mean(r, "CV"), ANCHORS[r["name"]]["ROCKET"])
        for r in classification
        if "ROCKET" in ANCHORS[r["name"]]
    ]
    close = [name for name, ours, theirs in rocket if ours >= theirs - 0.05]
    lines.append(
        (
            "CV within 0.05 of ROCKET on at least 3 of the sets with a ROCKET figure",
            f"{len(close)} of {len(rocket)}: "
            + ", ".join(f"{n} {o:.3f} vs {t:.3f}" for n, o, t in rocket),
            len(close) >= min(3, len(rocket)),
        )
    )
    for r in results:
        cv_s, recipe_s = mean(r, "CV", "fit_s"), mean(r, "recipe", "fit_s")
        if cv_s is not None and recipe_s is not None:
            lines.append(
                (
                    f"{r['name']}: CV's fit takes at most a third of the recipe's",
                    f"CV {cv_s:.1f} s, recipe {recipe_s:.1f} s "
                    f"({cv_s / recipe_s:.2f} of it)",
                    3 * cv_s <= recipe_s,
                )
            )
    with_mlp = [r for r in classification if mean(r, "MLP") is not None]
    wins = [r["name"] for r in with_mlp if mean(r, "default") > mean(r, "MLP")]
    lines.append(
        (
            "default pipeline beats the MLP on at least half of the sets with an MLP",
            f"{len(wins)} of {len(with_mlp)}: "
            + ", ".join(
                f"{r['name']} {mean(r, 'default'):.3f} vs {mean(r, 'MLP'):.3f}"
                for r in with_mlp
            ),
            2 * len(wins) >= len(with_mlp),
        )
    )
    for r in results:
        if r["task"] == "regression":
            cv, baseline = mean(r, "CV"), mean(r, "mean")
            rocket_rmse = ANCHORS[r["name"]].get("ROCKET")
            lines.append(
                (
                    f"{r['name']}: ElmanRegressorCV's RMSE below predicting the mean "
                    "and ROCKET's",
                    f"CV {cv:.4f}, mean {baseline:.4f}, ROCKET {_fmt(rocket_rmse)}",
                    cv < baseline and (rocket_rmse is None or cv < rocket_rmse),
                )
            )
    return lines


def _fmt(value):
    return "n/a" if value is None else f"{value:.3f}"


def report(results, args, elapsed):
    versions = {}
    for package in ("numpy", "scipy", "scikit-learn", "aeon"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:  # digits alone need no aeon
            versions[package] = "not installed"
    lines = [
        "# Accuracy on real sequence data",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs; "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; {elapsed / 60:.0f} min in all.",
        "",
        f"Seeds: {', '.join(map(str, args.seeds))}. Mean ± standard deviation of "
        "the test score over the seeds, and the mean fit time (CV's and the "
        "recipe's include their grid search, on "
        f"{args.n_jobs} worker(s)). Accuracy for classification, RMSE for "
        "regression (lower is better).",
        *(
            [f"Runs of {', '.join(args.reused)} taken from {args.reuse}.", ""]
            if args.reused
            else [""]
        ),
        "| data set (train/test, length) | " + " | ".join(MODELS) + " | published |",
        "|---|" + "---|" * len(MODELS) + "---|",
    ]
    for r in results:
        anchors = "; ".join(f"{k} {v:.3f}" for k, v in ANCHORS[r["name"]].items())
        cells = [cell(summary(r, m)) for m in MODELS]
        lines.append(
            f"| {r['name']} ({r['shape']}) | " + " | ".join(cells) + f" | {anchors} |"
        )
    lines += [
        "",
        "Best setting of the grid searches of CV and of the recipe, and how many"
        " of the ensemble's members difference twice (seed: window, alpha, "
        "[readout,] members):",
        "",
    ]
    for r in results:
        for model in ["CV", "recipe"]:
            chosen = [
                f"{run['seed']}: {run['window']}, {run['alpha']}, "
                + (f"{run['readout']}, " if "readout" in run else "")
                + f"{run['twice']}"
                for run in r["runs"]
                if run["model"] == model
            ]
            if chosen:
                lines.append(f"- {r['name']}, {model}: " + "; ".join(chosen))
    models_run = {run["model"] for r in results for run in r["runs"]}
    if models_run >= set(MODELS) - {"mean"}:  # the targets compare all of them
        lines += ["", "## Targets", ""]
        for statement, measured, met in targets(results):
            lines.append(f"- {statement}: {measured}: **{'met' if met else 'missed'}**")
    lines += ["", "## Sources of the published figures", ""]
    lines += [f"- {name}: {source}" for name, source in ANCHOR_SOURCES.items()]
    lines.append(
        "- mean (CardanoSentiment): predicting the training mean, measured in this run."
    )
    return "\n".join(lines) + "\n"


def plot(results, path):
    """Bars of each model's mean test score (error bars: the spread over the
    seeds), the published figures as black markers; classification above,
    regression below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (task, [r for r in results if r["task"] == task], label)
        for task, label in [
            ("classification", "test accuracy"),
            ("regression", "test RMSE (lower is better)"),
        ]
    ]
    panels = [panel for panel in panels if panel[1]]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(10, 4.6 * len(panels)),
        gridspec_kw={"height_ratios": [1.4, 1][: len(panels)]},
        squeeze=False,
    )
    colors = {"default": "#9e9e9e", "pooled": "#8c564b", "CV": "#2ca02c"}
    colors["recipe"] = "#1f77b4"
    colors["MLP"] = "#ff7f0e"
    colors["mean"] = "#bcbd22"
    markers = {"1-NN DTW (full)": "X", "ROCKET": "D", "FreshPRINCE": "^", "FCN": "s"}
    for ax, (task, group, ylabel) in zip(axes[:, 0], panels, strict=True):
        models = [m for m in MODELS if any(summary(r, m) for r in group)]
        width = 0.8 / len(models)
        for k, model in enumerate(models):
            labelled = False
            for i, r in enumerate(group):
                stats = summary(r, model)
                if stats is None:
                    continue
                ax.bar(
                    i + (k - (len(models) - 1) / 2) * width,
                    stats["mean"],
                    width,
                    yerr=stats["std"],
                    capsize=3,
                    color=colors[model],
                    label=None if labelled else model,
                )
                labelled = True
        labelled = set()
        for i, r in enumerate(group):
            for anchor, value in ANCHORS[r["name"]].items():
                if anchor in markers:
                    # a dotted line across the set's bars ties the marker to them
                    ax.hlines(value, i - 0.42, i + 0.42, color="black", lw=0.8, ls=":")
                    ax.plot(
                        i + 0.45,  # beside the bars, at the height of the figure
                        value,
                        markers[anchor],
                        color="black",
                        markersize=8,
                        label=None if anchor in labelled else f"{anchor}, published",
                    )
                    labelled.add(anchor)
        ax.set_xticks(range(len(group)))
        ax.set_xticklabels(
            [r["name"] for r in group], fontsize=12, rotation=15, ha="right"
        )
        ax.set_xlim(-0.6, len(group) - 0.3)
        ax.set_ylabel(ylabel, fontsize=13)
        ax.tick_params(axis="y", labelsize=12)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(*((0, 1.0) if task == "classification" else (0.25, 0.65)))
        ax.legend(fontsize=11, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [name for name, _ in DATASETS]
    parser.add_argument("--datasets", nargs="+", default=names, choices=names)
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="JSON",
        help="take the runs of the models not in --models from an earlier "
        "run's bench_accuracy.json (same data sets and seeds)",
    )
    parser.add_argument(
        "--replot",
        type=Path,
        metavar="JSON",
        help="only redraw the plot from a run's bench_accuracy.json, into --out",
    )
    args = parser.parse_args()
    if args.replot:
        plot(json.loads(args.replot.read_text()), args.out / "accuracy.png")
        return

    warnings.simplefilter("ignore", ConvergenceWarning)  # fixed budgets, on purpose
    fit_recipe = load_recipe()
    start = time.perf_counter()
    results = []
    earlier = {}
    if args.reuse:
        earlier = {r["name"]: r for r in json.loads(args.reuse.read_text())}
    args.reused = set()
    with parallel_config(n_jobs=args.n_jobs):
        for name, task in DATASETS:
            if name in args.datasets:
                print(name, flush=True)
                result = run_dataset(name, task, args.seeds, args.models, fit_recipe)
                for run in earlier.get(name, {}).get("runs", []):
                    if run["model"] not in args.models and run["seed"] in args.seeds:
                        result["runs"].append(run)
                        args.reused.add(run["model"])
                results.append(result)
    args.reused = sorted(args.reused)
    text = report(results, args, time.perf_counter() - start)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_accuracy.md").write_text(text)
    (args.out / "bench_accuracy.json").write_text(
        json.dumps(results, indent=1, default=str)
    )
    plot(results, args.out / "accuracy.png")
    print(text)


if __name__ == "__main__":
    main()
