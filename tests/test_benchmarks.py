"""The benchmark scripts still run against the package (they use its internals).

One worker call of each side at the smallest size; the timings themselves are
the benchmarks' business, not the tests'.
"""

import json
import subprocess
import sys
from pathlib import Path

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
