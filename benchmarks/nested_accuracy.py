"""Nested cross-validation of the accuracy recipe on the training splits only.

    python benchmarks/nested_accuracy.py [--datasets NAME ...] [--seeds 0 1]
        [--recipe PAGE] [--n-jobs 2] [--out benchmarks/results]

How the recipe's choices were made, without looking at a test split: each
data set's published training split (for the digits, the training half that
``bench_accuracy.py`` uses) is cut into 3 outer folds (stratified for
classification; shuffled, ``random_state=1``), ``fit_recipe`` runs on two of
them, its grid search and all, and scores the third. Accuracy for
classification, RMSE for regression (lower is better). Seed ``s`` is the
recipe's ``random_state=5 * s``, as in ``bench_accuracy.py``; by default 0 and
1 (0 and 5), and also 2 (10) for PickupGestureWiimoteZ, whose 50 sequences
give the noisiest figures.

``fit_recipe`` is read from ``--recipe``, by default ``benchmarks/recipe.rst``
(between its ``recipe begins`` and ``recipe ends`` comments), the accuracy
page's former recipe. To measure a change of the recipe, copy the file,
change its recipe, and pass the copy: both runs use the same folds and seeds.
``--cv PARAMS`` nests ``ElmanClassifierCV`` / ``ElmanRegressorCV`` instead,
with the keyword arguments of the Python dict ``PARAMS`` (``"{}"``: their
defaults; ``"{'n_members': 10}"``, say), seeded like the recipe.
Writes ``nested_accuracy.md`` and ``nested_accuracy.json`` (every fold) to
``--out``.
"""

import argparse
import ast
import json
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from bench_accuracy import (
    DATASETS,
    RECIPE_PAGE,
    ROOT,
    load,
    load_recipe,
    recipe_random_state,
    score,
)
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold

# The default seeds; more for the set whose folds hold the fewest sequences.
SEEDS = {"PickupGestureWiimoteZ": [0, 1, 2]}


def run_dataset(name, task, seeds, fit_recipe):
    """Per seed, the outer folds' scores of ``fit_recipe``: training data only."""
    X, y, _, _ = load(name)  # the test split stays unused
    split = StratifiedKFold if task == "classification" else KFold
    folds = list(split(3, shuffle=True, random_state=1).split(np.zeros(len(y)), y))
    runs = []
    for seed in seeds:
        for k, (train, test) in enumerate(folds):
            start = time.perf_counter()
            model, _ = fit_recipe(
                _take(X, train),
                y[train],
                regression=task == "regression",
                random_state=recipe_random_state(seed),
            )
            result = score(model, _take(X, test), y[test], task)
            fit_s = time.perf_counter() - start
            runs.append({"seed": seed, "fold": k, "score": result, "fit_s": fit_s})
            print(
                f"  {name} seed {seed} fold {k} {result:.4f} ({fit_s:.0f} s)",
                flush=True,
            )
    return {"name": name, "task": task, "runs": runs}


def _fit_cv(params):
    """A ``fit_recipe`` that fits the ``*CV`` estimators with ``params``."""
    from sklearn_elman import ElmanClassifierCV, ElmanRegressorCV

    def fit_cv(X, y, *, regression=False, random_state=0):
        Estimator = ElmanRegressorCV if regression else ElmanClassifierCV
        return Estimator(**params, random_state=random_state).fit(X, y), None

    return fit_cv


def _take(X, rows):
    return [X[i] for i in rows] if isinstance(X, list) else X[rows]


def report(results, recipe, elapsed):
    lines = [
        "# Nested cross-validation of the accuracy recipe (training splits only)",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        f"Recipe: `{recipe}`; {elapsed / 60:.0f} min in all. 3 outer folds of each"
        " training split; the mean score over them per seed (the recipe's"
        " `random_state` is 5 * seed), and their mean over the seeds. Accuracy, or"
        " RMSE for regression (lower is better).",
        "",
        "| data set | per seed | mean |",
        "|---|---|---|",
    ]
    for r in results:
        seeds = sorted({run["seed"] for run in r["runs"]})
        means = [
            np.mean([run["score"] for run in r["runs"] if run["seed"] == seed])
            for seed in seeds
        ]
        per_seed = ", ".join(f"{s}: {m:.3f}" for s, m in zip(seeds, means, strict=True))
        lines.append(f"| {r['name']} | {per_seed} | {np.mean(means):.3f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [name for name, _ in DATASETS]
    parser.add_argument("--datasets", nargs="+", default=names, choices=names)
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        help="for every data set (default: 0 1, and 0 1 2 for the gestures)",
    )
    parser.add_argument("--recipe", type=Path, default=RECIPE_PAGE, metavar="PAGE")
    parser.add_argument(
        "--cv",
        type=ast.literal_eval,
        metavar="PARAMS",
        help="nest the *CV estimators with these keyword arguments instead of "
        "the recipe (a Python dict, such as \"{'n_members': 10}\")",
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    warnings.simplefilter("ignore", ConvergenceWarning)  # fixed budgets, on purpose
    fit_recipe = load_recipe(args.recipe) if args.cv is None else _fit_cv(args.cv)
    start = time.perf_counter()
    results = []
    with parallel_config(n_jobs=args.n_jobs):
        for name, task in DATASETS:
            if name in args.datasets:
                seeds = args.seeds or SEEDS.get(name, [0, 1])
                results.append(run_dataset(name, task, seeds, fit_recipe))
    recipe = args.recipe.resolve()
    if recipe.is_relative_to(ROOT):
        recipe = recipe.relative_to(ROOT)
    if args.cv is not None:
        recipe = f"ElmanClassifierCV / ElmanRegressorCV(**{args.cv!r})"
    text = report(results, recipe, time.perf_counter() - start)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nested_accuracy.md").write_text(text)
    (args.out / "nested_accuracy.json").write_text(json.dumps(results, indent=1))
    print(text)


if __name__ == "__main__":
    main()
