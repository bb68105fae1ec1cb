"""The benchmark scripts still run against the package (they use its internals).

One worker call of each side at the smallest size; the timings themselves are
the benchmarks' business, not the tests'.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("side", ["ours", "torch"])
def test_bench_objective_worker_runs(side):
    if side == "torch":
        pytest.importorskip("torch")
    command = [sys.executable, str(BENCHMARKS / "bench_objective.py")]
    command += ["--worker", side, "S", "float64", "time", "--repeats", "1"]
    result = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    assert result["supported"] and result["best_s"] > 0


def test_bench_objective_replots_a_stored_run(tmp_path):
    """--replot draws scaling.png from the stored JSON, timing nothing."""
    pytest.importorskip("matplotlib")
    command = [sys.executable, str(BENCHMARKS / "bench_objective.py")]
    stored = BENCHMARKS / "results" / "bench_objective.json"
    command += ["--replot", str(stored), "--out", str(tmp_path)]
    subprocess.run(command, capture_output=True, check=True)
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["scaling.png"]


def test_profile_objective_runs():
    command = [sys.executable, str(BENCHMARKS / "profile_objective.py")]
    output = subprocess.run(
        [*command, "--size", "S", "--repeats", "1"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "weight gradients" in output
    assert "in 2 processes at once" in output
    assert "equal lengths last " in output
    assert "ragged        last " in output and "mean+max " in output


def test_performance_page_quotes_what_is_stored():
    """Every decimal figure the Performance page gives from its results on is
    one of the stored outputs in benchmarks/results/ (to the digits quoted)."""
    page = (BENCHMARKS.parent / "docs" / "performance.rst").read_text()
    page = page[page.index("Results\n=======") :]
    stored = [
        float(number)
        for path in (BENCHMARKS / "results").glob("*")
        if path.suffix in (".md", ".txt", ".json")
        for number in re.findall(r"\d+\.\d+(?:e-?\d+)?", path.read_text())
    ]
    figures = set(re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", page))
    unstored = sorted(
        figure
        for figure in figures
        if not any(
            round(value, len(figure.split(".")[1])) == float(figure) for value in stored
        )
    )
    assert unstored == []


def test_accuracy_page_table_is_the_stored_run():
    """The accuracy page's table gives, for every model of the stored run that
    has a column (the default pipeline, the CV estimators, the recipe, the
    MLP), the mean ± standard deviation over the seeds of that run."""
    page = (BENCHMARKS.parent / "docs" / "user_guide" / "accuracy.rst").read_text()
    page = page[page.index("Results\n=======") :]
    table = page[page.index(".. list-table::") :].split("\n\n", 2)[1]
    header, *rows = [
        [
            # a no-break space keeps "± 0.016" together when a cell wraps
            cell.replace("\N{NO-BREAK SPACE}", " ").strip().strip("*")
            for cell in re.split(r"\n +-(?= |$)", row, flags=re.M)
        ]
        for row in ("\n" + table).split("\n   * - ")[1:]
    ]
    stored = json.loads((BENCHMARKS / "results" / "bench_accuracy.json").read_text())
    models = {run["model"] for result in stored for run in result["runs"]}
    models -= {"mean"}  # predicting the mean: quoted below the table, not in it
    assert models <= set(header), sorted(models - set(header))
    assert len(rows) == len(stored)
    for row, result in zip(rows, stored, strict=True):
        assert row[0].split()[0].rstrip(",") == result["name"].split()[0]
        for model in sorted(models):
            scores = [run["score"] for run in result["runs"] if run["model"] == model]
            measured = "n/a"
            if scores:
                measured = f"{np.mean(scores):.3f} ± {np.std(scores):.3f}"
            assert row[header.index(model)] == measured, (result["name"], model)


def _means_per_seed(runs):
    """A nested run's mean score over its outer folds, seed by seed."""
    seeds = sorted({run["seed"] for run in runs})
    return [np.mean([r["score"] for r in runs if r["seed"] == s]) for s in seeds]


def test_benchmarks_readme_quotes_the_stored_nested_run():
    """The nested cross-validation figures benchmarks/README.md gives for the
    recipe (benchmarks/recipe.rst) are the means over the seeds of the stored
    run."""
    readme = (BENCHMARKS / "README.md").read_text()
    quoted = " ".join(readme.split("the recipe as it is now scored")[1].split())
    quoted = quoted[: quoted.index("(")]
    stored = json.loads((BENCHMARKS / "results" / "nested_accuracy.json").read_text())
    assert len(stored) == len(re.findall(r"\d\.\d{3}", quoted))
    for result in stored:
        mean = np.mean(_means_per_seed(result["runs"]))
        figure = re.search(result["name"].split()[0] + r"\D*(\d\.\d{3})", quoted)
        assert figure and figure[1] == f"{mean:.3f}", result["name"]


def test_bench_accuracy_runs_the_recipe_of_the_page(tmp_path):
    """The accuracy benchmark finds the recipe between the markers of
    benchmarks/recipe.rst and runs it; digits need no aeon, so this runs
    without the benchmarks extra."""
    command = [sys.executable, str(BENCHMARKS / "bench_accuracy.py")]
    command += ["--datasets", "digits rows", "--seeds", "0", "--out", str(tmp_path)]
    command += ["--models", "default", "recipe", "MLP"]
    subprocess.run(command, capture_output=True, check=True)
    report = next(tmp_path.glob("*.md")).read_text()
    row = next(line for line in report.splitlines() if line.startswith("| digits"))
    assert row.count("±") == 3  # default, recipe and MLP were scored
    assert "digits rows, recipe: 0: " in report  # the recipe's grid search chose
    assert (tmp_path / "accuracy.png").stat().st_size > 0


def test_nested_accuracy_nests_the_cv_estimator_with_given_parameters(tmp_path):
    command = [sys.executable, str(BENCHMARKS / "nested_accuracy.py")]
    command += ["--datasets", "digits rows", "--seeds", "0", "--out", str(tmp_path)]
    small = {"alphas": [1.0], "differences": [1], "n_members": 1, "max_iter": 5}
    subprocess.run([*command, "--cv", repr(small)], capture_output=True, check=True)
    runs = json.loads((tmp_path / "nested_accuracy.json").read_text())[0]["runs"]
    assert [(run["seed"], run["fold"]) for run in runs] == [(0, 0), (0, 1), (0, 2)]
    assert all(0.3 < run["score"] <= 1 for run in runs)  # better than chance, 0.1
    report = next(tmp_path.glob("*.md")).read_text()
    assert f"ElmanClassifierCV / ElmanRegressorCV(**{small!r})" in report


def test_nested_accuracy_cross_validates_a_recipe_on_the_training_split(tmp_path):
    """The nested cross-validation runs the recipe of the page it is given on
    two thirds of the training split (the digits' 898) and scores the rest."""
    page = tmp_path / "variant_page.txt"  # any copy of the page
    page.write_text(
        "Text before.\n\n.. recipe begins\n\n"
        ">>> from sklearn.pipeline import make_pipeline\n"
        ">>> from sklearn_elman import ElmanClassifier, SequencePooler\n"
        ">>> def fit_recipe(X, y, *, regression=False, random_state=0):\n"
        "...     assert len(X) in (598, 599) and not regression\n"
        "...     network = ElmanClassifier(8, max_iter=20, random_state=random_state)\n"
        "...     return make_pipeline(SequencePooler(2), network).fit(X, y), None\n"
        "\n.. recipe ends\n"
    )
    command = [sys.executable, str(BENCHMARKS / "nested_accuracy.py")]
    command += ["--datasets", "digits rows", "--seeds", "0", "1"]
    command += ["--recipe", str(page), "--out", str(tmp_path)]
    subprocess.run(command, capture_output=True, check=True)
    runs = json.loads((tmp_path / "nested_accuracy.json").read_text())[0]["runs"]
    assert [(run["seed"], run["fold"]) for run in runs] == [
        (seed, fold) for seed in (0, 1) for fold in range(3)
    ]
    assert all(0.5 < run["score"] <= 1 for run in runs)  # better than chance, 0.1
    report = next(tmp_path.glob("*.md")).read_text()
    row = next(line for line in report.splitlines() if line.startswith("| digits"))
    means = _means_per_seed(runs)  # seeds 0 and 1, as the folds' check says
    assert row == f"| digits rows | 0: {means[0]:.3f}, 1: {means[1]:.3f} | " + (
        f"{np.mean(means):.3f} |"
    )


def test_bench_dask_scaling_model_fits_and_checks_its_line():
    """The scaling model recovers a linear overhead and predicts the 2-worker
    time from the one-core time (the timings are the benchmark's business)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_dask
    finally:
        sys.path.remove(str(BENCHMARKS))
    latency, per_worker = 1.2e-3, 0.4e-3
    costs = {"L": {p: latency + p * per_worker for p in (1, 2, 4, 8)}}
    timings = {"L": {"one_core_s": 0.08, "dask_s": 0.045}}
    model = bench_dask.scaling_model(costs, timings)["L"]
    assert model["latency_s"] == pytest.approx(latency)
    assert model["per_worker_s"] == pytest.approx(per_worker)
    assert model["predicted_2_workers_s"] == pytest.approx(0.04 + latency + 0.8e-3)
    assert model["measured_2_workers_s"] == 0.045
    assert model["best_n_workers"] == pytest.approx((0.08 / per_worker) ** 0.5)


def test_bench_chunk_rules_runs():
    command = [sys.executable, str(BENCHMARKS / "bench_chunk_rules.py")]
    command += ["--sizes", "S", "--repeats", "1"]
    output = subprocess.run(command, capture_output=True, check=True, text=True)
    lines = output.stdout.splitlines()
    assert lines[0].startswith("_STEP_BYTES (now 2**")
    assert sum(line.startswith("S ") for line in lines) == 2  # the sweep, BLAS
    assert sum(line.startswith(("32 ", "64 ")) for line in lines) == 2
