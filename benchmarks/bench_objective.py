"""Time one objective-and-gradient evaluation against PyTorch's CPU RNN.

    python benchmarks/bench_objective.py [--sizes S M L XL] [--repeats N] [--out DIR]

For each size, one evaluation of ``sklearn_elman._objective.objective`` (the
function L-BFGS calls: J and its gradient, with ``TrainingData`` built as
``ElmanClassifier.fit`` builds it) is timed against the same computation in
PyTorch: ``nn.RNN(nonlinearity="tanh", batch_first=True)`` + ``nn.Linear`` +
cross-entropy, forward and backward, float64, the same weights. Both sides are
limited to the same number of threads. Every measurement runs in a fresh
subprocess, timing and memory in separate ones (see ``--help`` and
``benchmarks/README.md``). The table goes to stdout and, with a log-log scaling
plot, to ``--out``.
"""

import argparse
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

N_THREADS = 2
GEMM_SIZE = 2000


class Size(NamedTuple):
    n_samples: int
    n_timesteps: int
    n_features: int
    n_hidden: int
    n_classes: int


SIZES = {
    "S": Size(64, 20, 8, 32, 4),
    "M": Size(512, 50, 12, 64, 9),
    "L": Size(2000, 50, 12, 64, 9),
    "XL": Size(4000, 100, 16, 128, 10),
}
# The scaling study varies one dimension of M, keeping the others.
SCALING_N_SAMPLES = (64, 128, 256, 512, 1024, 2048, 4096)
SCALING_N_TIMESTEPS = (10, 20, 50, 100, 200, 400)


def flops(size):
    """Floating-point operations of the matrix products of one evaluation.

    Forward: input projection 2*d*h and recurrence 2*h*h per sample and step.
    Backward: dW_hx (2*d*h), dW_hh (2*h*h) and the gradient passed back through
    the recurrence (2*h*h). Elementwise work and the readout are not counted.
    """
    n, T, d, h, _ = size
    return 2 * n * T * (2 * d * h + 3 * h * h)


# -- the problem, as both sides see it ----------------------------------------


def make_problem(size, seed=0):
    """Random sequences X (n_samples, n_timesteps, n_features) and class labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(size[:3])
    y = rng.integers(0, size.n_classes, size=size.n_samples)
    y[: size.n_classes] = np.arange(size.n_classes)  # every class present
    return X, y


def elman_training_data(
    X, y, hidden_layer_sizes, alpha=1e-4, activation="tanh", readout=("last",)
):
    """``TrainingData`` built step by step as ``ElmanClassifier.fit`` builds it."""
    from sklearn_elman import ElmanClassifier
    from sklearn_elman._objective import TrainingData
    from sklearn_elman._validation import validate_sequences

    estimator = ElmanClassifier(
        hidden_layer_sizes, activation, alpha=alpha, readout=list(readout)
    )
    X, absent = validate_sequences(estimator, X, reset=True)
    Y, out_activation = estimator._encode_targets(y, absent)
    return TrainingData.build(
        X,
        absent,
        Y,
        np.ones(len(X)),
        alpha=alpha,
        hidden_layer_sizes=tuple(hidden_layer_sizes),
        activation=activation,
        out_activation=out_activation,
        readout=estimator._checked_readout(),
    )


def initial_theta(layout, seed=0):
    from sklearn_elman._params import init_params

    return init_params(layout, "tanh", np.random.default_rng(seed))


def kernel_supports_float32():
    """Whether the kernel keeps float32 data in float32.

    Its entry point, ``TimeMajor.from_batch_major``, decides the dtype the
    kernel computes in; a kernel that casts to float64 there does not support
    float32, and is not benchmarked in it.
    """
    from sklearn_elman._recurrence import TimeMajor

    X = np.zeros((1, 1, 1), dtype=np.float32)
    return TimeMajor.from_batch_major(X, np.zeros((1, 1), dtype=bool)).X.dtype == (
        np.float32
    )


def ours_evaluation(size, dtype="float64"):
    """A no-argument callable running one evaluation of our objective."""
    from sklearn_elman._objective import objective

    X, y = make_problem(size)
    # float32 X is trained in float32 (J and the gradient summed in float64)
    data = elman_training_data(X.astype(dtype), y, (size.n_hidden,))
    theta = initial_theta(data.layout)
    return lambda: objective(theta, data)


def torch_model(size, dtype="float64"):
    """nn.RNN + nn.Linear holding our initial weights, and the data as tensors."""
    import torch

    from sklearn_elman._params import Layout, unpack

    torch_dtype = getattr(torch, dtype)
    _, _, d, h, c = size
    rnn = torch.nn.RNN(d, h, nonlinearity="tanh", batch_first=True, dtype=torch_dtype)
    readout = torch.nn.Linear(h, c, dtype=torch_dtype)
    params = unpack(initial_theta(Layout(d, (h,), c)), Layout(d, (h,), c))
    with torch.no_grad():
        # ours: h_t = tanh(x_t @ W_hx + h_{t-1} @ W_hh + b_h); torch: x @ W_ih.T + ...
        rnn.weight_ih_l0.copy_(torch.from_numpy(params.input_weights[0].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params.recurrent_weights[0].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params.hidden_biases[0]))
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(torch.from_numpy(params.output_weights.T))
        readout.bias.copy_(torch.from_numpy(params.output_bias))
    X, y = make_problem(size)
    return rnn, readout, torch.from_numpy(X).to(torch_dtype), torch.from_numpy(y)


def torch_evaluation(size, dtype="float64"):
    """A no-argument callable: forward and backward of PyTorch's RNN."""
    import torch

    rnn, readout, X, y = torch_model(size, dtype)

    def evaluate():
        rnn.zero_grad()
        readout.zero_grad()
        _, h_n = rnn(X)  # h_n: (1, n_samples, n_hidden), the state after step T
        loss = torch.nn.functional.cross_entropy(readout(h_n[-1]), y)
        loss.backward()
        return loss

    return evaluate


def check_same_computation(size):
    """Relative difference of ours and PyTorch's J and gradient (penalty off).

    The two sides must compute the same thing for the timing to compare them.
    """
    import torch

    from sklearn_elman._objective import objective
    from sklearn_elman._params import unpack

    X, y = make_problem(size)
    data = elman_training_data(X, y, (size.n_hidden,), alpha=0.0)
    theta = initial_theta(data.layout)
    J, grad = objective(theta, data)
    rnn, readout, X_t, y_t = torch_model(size)
    _, h_n = rnn(X_t)
    loss = torch.nn.functional.cross_entropy(readout(h_n[-1]), y_t)
    loss.backward()
    ours = unpack(grad, data.layout)
    pairs = [
        (ours.input_weights[0], rnn.weight_ih_l0.grad.T),
        (ours.recurrent_weights[0], rnn.weight_hh_l0.grad.T),
        (ours.hidden_biases[0], rnn.bias_ih_l0.grad),
        (ours.output_weights, readout.weight.grad.T),
        (ours.output_bias, readout.bias.grad),
    ]
    grad_diff = max(
        np.linalg.norm(a - b.numpy()) / np.linalg.norm(b.numpy()) for a, b in pairs
    )
    return abs(J - loss.item()) / abs(loss.item()), float(grad_diff)


# -- measurement ---------------------------------------------------------------


def limit_threads(with_torch=True):
    """The same thread budget for NumPy's BLAS, OpenMP runtimes and torch."""
    threadpool_limits(N_THREADS)
    if not with_torch:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(N_THREADS)


def best_time(evaluate, repeats):
    """Best and median wall time of ``repeats`` calls, after one warm-up call,
    and the process CPU time (every thread) of the fastest call."""
    evaluate()
    times = []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        evaluate()
        times.append((time.perf_counter() - start, time.process_time() - cpu_start))
    best, cpu = min(times)
    return best, float(np.median([wall for wall, _ in times])), cpu


def _proc_status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_memory_mb(evaluate):
    """Peak resident memory added by an evaluation, in MB of 10**6 bytes (Linux only).

    The process's high-water mark is reset just before the evaluations and read
    after; the difference to the resident size before them is the memory the
    evaluation itself needs (its work arrays and the gradient). The worker runs
    with glibc's mmap threshold fixed low so that freed arrays leave the resident
    set, instead of being kept and reused unseen by the allocator.
    """
    try:
        gc.collect()
        before = _proc_status_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # reset VmHWM to the current resident size
    except OSError:
        return None
    evaluate()
    evaluate()
    return (_proc_status_kib("VmHWM") - before) * 1024 / 1e6


def worker(side, target, dtype, mode, repeats):
    """Run in a fresh process: one measurement, printed as a JSON line.

    ``mode`` is "time", "memory" or "check" of the size named ``target``;
    "scaling" along the dimension named ``target``; or "gemm".
    """
    limit_threads(with_torch=side == "torch")  # ours runs without torch loaded
    result = {"side": side, "target": target, "dtype": dtype, "mode": mode}
    evaluation = ours_evaluation if side == "ours" else torch_evaluation
    if mode == "gemm":
        gflops = gemm_gflops if side == "ours" else torch_gemm_gflops
        result["gflops"] = gflops(repeats)
    elif mode == "scaling":
        result["rows"] = scaling_study(evaluation, target, repeats)
    elif side == "ours" and dtype == "float32" and not kernel_supports_float32():
        result["supported"] = False
    else:
        result["supported"] = True
        size = SIZES[target]
        if mode == "time":
            timing = best_time(evaluation(size, dtype), repeats)
            result["best_s"], result["median_s"], result["cpu_s"] = timing
        elif mode == "memory":
            result["peak_mb"] = peak_memory_mb(evaluation(size, dtype))
        else:  # check
            result["J_rel_diff"], result["grad_rel_diff"] = check_same_computation(size)
    print(json.dumps(result))


class ForeignCpu:
    """Share of the machine's CPU time used by other processes over a run (Linux).

    Timings are only meaningful on an otherwise idle machine: another process
    on the cores both slows the evaluations and, with multithreaded BLAS, can
    stall the per-step products for a whole scheduler time slice.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            import resource

            with open("/proc/stat") as stat:
                ticks = [int(v) for v in stat.readline().split()[1:9]]
        except (ImportError, OSError):
            return None
        hz = os.sysconf("SC_CLK_TCK")
        busy = (sum(ticks) - ticks[3] - ticks[4]) / hz  # minus idle and iowait
        own = sum(
            getattr(resource.getrusage(who), field)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for field in ("ru_utime", "ru_stime")
        )
        return busy, own, time.monotonic()

    def share(self):
        end = self._sample()
        if self.start is None or end is None:
            return None
        busy, own, wall = (e - s for e, s in zip(end, self.start, strict=True))
        return max(0.0, busy - own) / (wall * os.cpu_count())


def wait_until_idle(max_foreign, timeout=120.0):
    """Wait (at most ``timeout`` seconds) until other processes leave the CPUs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = ForeignCpu()
        time.sleep(2.0)
        share = probe.share()
        if share is None or share <= max_foreign:
            return


def run_timed_worker(side, target, dtype, mode, repeats, max_foreign, retries):
    """A timing worker, started when the machine is idle, and run again (up to
    ``retries`` times) while other processes took more than ``max_foreign`` of
    the CPUs during it. Returns the least disturbed run, with its share."""
    best = None
    for _ in range(retries + 1):
        wait_until_idle(max_foreign)
        probe = ForeignCpu()
        result = run_worker(side, target, dtype, mode, repeats)
        share = probe.share()
        result["foreign_cpu_share"] = share
        if best is None or (share or 0.0) < (best["foreign_cpu_share"] or 0.0):
            best = result
        if share is None or share <= max_foreign:
            break
        print(
            f"    {side} {target} {mode}: other processes used {share:.0%} of the "
            "CPUs during the measurement; measuring again",
            flush=True,
        )
    return best


def run_worker(side, target, dtype, mode, repeats):
    env = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = str(N_THREADS)
    if mode == "memory":
        env["MALLOC_MMAP_THRESHOLD_"] = str(64 * 1024)
    command = [sys.executable, __file__, "--worker", side, target, dtype, mode]
    command += ["--repeats", str(repeats)]
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"worker failed: {shlex.join(command)}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def gemm_gflops(repeats):
    """float64 GEMM throughput of this machine under the thread limit."""
    A = np.random.default_rng(0).standard_normal((GEMM_SIZE, GEMM_SIZE))
    best, _, _ = best_time(lambda: A @ A, repeats)
    return 2 * GEMM_SIZE**3 / best / 1e9


def torch_gemm_gflops(repeats):
    import torch

    A = torch.randn(GEMM_SIZE, GEMM_SIZE, dtype=torch.float64)
    best, _, _ = best_time(lambda: A @ A, repeats)
    return 2 * GEMM_SIZE**3 / best / 1e9


def scaling_sizes(dimension):
    """The sizes of the scaling study: M with one dimension varied."""
    values = {"n_samples": SCALING_N_SAMPLES, "n_timesteps": SCALING_N_TIMESTEPS}
    return [SIZES["M"]._replace(**{dimension: v}) for v in values[dimension]]


def scaling_study(evaluation, dimension, repeats):
    """Best time per evaluation at each size along ``dimension``."""
    return [
        {
            "size": size._asdict(),
            "best_s": best_time(evaluation(size), repeats)[0],
        }
        for size in scaling_sizes(dimension)
    ]


def best_rows(runs):
    """Point by point, the fastest of several scaling runs.

    A whole process sometimes runs about 1.8x slower than another at the same
    sizes (seen on our 2-core machine for both sides); the best of two
    processes keeps such a run from bending the curve.
    """
    points = zip(*runs, strict=True)
    return [min(rows, key=lambda row: row["best_s"]) for rows in points]


def plot_scaling(scaling, path):
    """Log-log plots of the scaling study, sized to be read at about 900 px wide
    (the documentation shows it at the page's full width)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), layout="constrained", sharey=True)
    base = SIZES["M"]
    labels = {
        "ours": ("o-", "sklearn-elman (NumPy)"),
        "torch": ("s-", "PyTorch nn.RNN"),
    }
    with plt.rc_context({"font.size": 12}):
        for ax, (dimension, by_side) in zip(axes, scaling.items(), strict=True):
            for side, rows in by_side.items():
                x = np.array([row["size"][dimension] for row in rows], dtype=float)
                ms = np.array([row["best_s"] for row in rows]) * 1e3
                style, label = labels[side]
                ax.loglog(x, ms, style, label=label)
                if side == "ours":
                    ours = ms
            # slope 1 through ours' last point: linear cost in this dimension
            ax.loglog(x, ours[-1] * x / x[-1], "k--", lw=1, label="slope 1")
            fixed = [f"{k}={v}" for k, v in base._asdict().items() if k != dimension]
            title = ", ".join(fixed[:2]) + ",\n" + ", ".join(fixed[2:])
            ax.set_title(title, fontsize=11)
            ax.set_xlabel(dimension, fontsize=12)
            ax.tick_params(labelsize=11)
            ax.grid(True, which="both", alpha=0.3)
        axes[0].set_ylabel("ms per objective + gradient", fontsize=12)
        axes[0].legend(fontsize=11)
        fig.suptitle(
            f"Time per evaluation, float64, {N_THREADS} threads (best of repeats)",
            fontsize=13,
        )
        fig.savefig(path, dpi=110)
    plt.close(fig)


# -- report ----------------------------------------------------------------------


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def _ms(seconds):
    return None if seconds is None else seconds * 1e3


def table_rows(results, gemm):
    rows = []
    for key, r in results.items():
        size_name, dtype = key
        size = SIZES[size_name]
        ours, torch_s = r.get("ours_s"), r.get("torch_s")
        gflops = None if ours is None else flops(size) / ours / 1e9
        ratio = None if ours is None or torch_s is None else torch_s / ours
        label = size_name if dtype == "float64" else f"{size_name} {dtype}"
        rows.append(
            [
                label,
                "({}, {}, {}, {}, {})".format(*size),
                _fmt(None if ours is None else ours * 1e3, ".1f"),
                _fmt(None if torch_s is None else torch_s * 1e3, ".1f"),
                _fmt(ratio, ".2f"),
                _fmt(_ms(r.get("ours_cpu_s")), ".1f"),
                _fmt(_ms(r.get("torch_cpu_s")), ".1f"),
                _fmt(gflops, ".1f"),
                # only float64 GEMM is measured: no percentage for float32 rows
                _fmt(
                    100 * gflops / gemm if gflops and dtype == "float64" else None,
                    ".0f",
                ),
                _fmt(r.get("ours_mb"), ".0f"),
                _fmt(r.get("torch_mb"), ".0f"),
            ]
        )
    return rows


def target_lines(results, gemm):
    """The issue's performance targets, each with what was measured."""
    lines = []
    for name in ("S", "M", "L", "XL"):
        r = results.get((name, "float64"), {})
        if "ours_s" in r and "torch_s" in r:
            ratio = r["torch_s"] / r["ours_s"]
            goal = "report only" if name == "XL" else _verdict(ratio >= 1.5)
            lines.append(f"{name}: {ratio:.2f}x PyTorch's speed (target 1.5x): {goal}")
    r = results.get(("XL", "float64"), {})
    if "ours_s" in r:
        share = 100 * flops(SIZES["XL"]) / r["ours_s"] / 1e9 / gemm
        lines.append(
            f"XL: {share:.0f}% of float64 GEMM throughput (target 75%): "
            + _verdict(share >= 75)
        )
    r64 = results.get(("L", "float64"), {})
    r32 = results.get(("L", "float32"), {})
    if "ours_s" in r64 and "ours_s" in r32:
        speedup = r64["ours_s"] / r32["ours_s"]
        lines.append(
            f"L float32: {speedup:.2f}x faster than float64 (target 2x): "
            + _verdict(speedup >= 2)
        )
    return lines


def _verdict(met):
    return "met" if met else "missed"


HEADER = [
    "size",
    "(n, T, d, h, c)",
    "ours (ms)",
    "PyTorch (ms)",
    "torch/ours",
    "ours CPU (ms)",
    "PyTorch CPU (ms)",
    "ours GFLOP/s",
    "% of GEMM",
    "ours peak (MB)",
    "PyTorch peak (MB)",
]


def text_table(rows):
    widths = [max(len(str(c)) for c in col) for col in zip(HEADER, *rows, strict=True)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(HEADER, widths, strict=True))]
    lines += [
        "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(lines)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" for _ in header) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def environment():
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "n_cpus": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if blas:
        info["numpy_blas"] = f"{blas[0]['internal_api']} {blas[0]['version']}"
    try:
        info["torch"] = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        info["torch"] = None
    try:
        repo = Path(__file__).resolve().parent.parent
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "sklearn_elman"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["commit"] = commit + (" (kernel modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def write_markdown(
    path, command, env, gemm, torch_gemm, rows, checks, scaling, foreign, targets
):
    lines = [
        "# Objective + gradient: sklearn-elman vs PyTorch (CPU)",
        "",
        f"Command: `{command}`",
        "",
        f"- commit {env['commit']}; Python {env['python']}, NumPy {env['numpy']} "
        f"({env.get('numpy_blas', 'BLAS unknown')}), PyTorch {env['torch']}",
        f"- CPU: {env['cpu']}, {env['n_cpus']} logical CPUs; both sides limited to "
        f"{N_THREADS} threads",
        f"- float64 GEMM ({GEMM_SIZE}x{GEMM_SIZE} `A @ A`): NumPy {gemm:.1f} GFLOP/s"
        + (f", PyTorch {torch_gemm:.1f} GFLOP/s" if torch_gemm else ""),
        "- CPU time used by other processes: "
        + (
            "unknown"
            if foreign[0] is None
            else f"{100 * foreign[0]:.0f}% of the machine over the whole run, at "
            f"most {100 * foreign[1]:.0f}% during a timing that was kept"
        )
        + " (a timing disturbed by more is measured again, up to `--retries` times)",
        "",
        markdown_table(HEADER, rows),
        "",
        "Times are the best of the repeats after one warm-up, each side in its own "
        "process. `torch/ours` > 1 means ours is faster. GFLOP/s counts "
        "`2*n*T*(2*d*h + 3*h*h)` flops per evaluation (the matrix products of the "
        "forward and backward pass); `% of GEMM` divides it by NumPy's float64 GEMM "
        "throughput above. Peak is the resident memory one evaluation adds on top of "
        "the data and weights. CPU is the process CPU time (all threads) of the "
        "fastest call: with 2 threads busy all along it would be twice the wall "
        "time.",
        "",
        "Targets:",
        "",
        *(f"- {line}" for line in targets),
        "",
    ]
    if checks:
        worst_J = max(c["J_rel_diff"] for c in checks)
        worst_grad = max(c["grad_rel_diff"] for c in checks)
        lines += [
            "Same computation: at every float64 size ours and PyTorch's J agree to "
            f"{worst_J:.1e} and the gradients to {worst_grad:.1e} (relative, "
            "penalty off).",
            "",
        ]
    lines += ["## Scaling", "", "![scaling](scaling.png)", ""]
    for dimension, by_side in scaling.items():
        header = [dimension, "ours (ms)", "PyTorch (ms)", "torch/ours"]
        torch_rows = by_side.get("torch", [None] * len(by_side["ours"]))
        body = []
        for ours, torch_row in zip(by_side["ours"], torch_rows, strict=True):
            torch_s = None if torch_row is None else torch_row["best_s"]
            body.append(
                [
                    ours["size"][dimension],
                    f"{ours['best_s'] * 1e3:.2f}",
                    _fmt(None if torch_s is None else torch_s * 1e3, ".2f"),
                    _fmt(None if torch_s is None else torch_s / ours["best_s"], ".2f"),
                ]
            )
        lines += [markdown_table(header, body), ""]
    path.write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per size")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results",
        help="directory for the Markdown table, JSON and plot",
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the scaling study"
    )
    parser.add_argument(
        "--scaling-repeats", type=int, default=3, help="timed calls per scaling point"
    )
    parser.add_argument(
        "--scaling-runs",
        type=int,
        default=2,
        help="processes per side and dimension of the scaling study; each point "
        "keeps its best time (default 2)",
    )
    parser.add_argument(
        "--max-foreign",
        type=float,
        default=0.05,
        help="largest share of the CPUs other processes may use during a timing "
        "before it is measured again (default 0.05)",
    )
    parser.add_argument(
        "--retries", type=int, default=3, help="measurements again, at most"
    )
    parser.add_argument(
        "--replot",
        type=Path,
        metavar="JSON",
        help="only draw scaling.png into --out from the scaling study of a stored "
        "bench_objective.json; times nothing",
    )
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, repeats=args.repeats)
        return
    if args.replot:
        args.out.mkdir(parents=True, exist_ok=True)
        plot_scaling(
            json.loads(args.replot.read_text())["scaling"], args.out / "scaling.png"
        )
        print(f"Wrote {args.out}/scaling.png")
        return

    command = shlex.join(["python", "benchmarks/bench_objective.py", *sys.argv[1:]])
    # torch is loaded only in the workers: its OpenMP threads and NumPy's BLAS
    # threads, idle-spinning in one process, would slow each other down.
    have_torch = importlib.util.find_spec("torch") is not None
    if not have_torch:
        print("PyTorch is not installed: its columns are n/a.")
    sides = ["ours", "torch"] if have_torch else ["ours"]
    foreign_cpu = ForeignCpu()
    env = environment()

    def timed(side, target, dtype, mode, repeats):
        result = run_timed_worker(
            side, target, dtype, mode, repeats, args.max_foreign, args.retries
        )
        shares.append(result["foreign_cpu_share"])
        return result

    shares = []
    gemm = timed("ours", "-", "float64", "gemm", 5)["gflops"]
    torch_gemm = None
    if have_torch:
        torch_gemm = timed("torch", "-", "float64", "gemm", 5)["gflops"]
    print(f"float64 GEMM {GEMM_SIZE}^2: NumPy {gemm:.1f} GFLOP/s", end="")
    print(f", PyTorch {torch_gemm:.1f} GFLOP/s" if have_torch else "")

    runs = [(name, "float64") for name in args.sizes]
    if "L" in args.sizes:
        runs.append(("L", "float32"))
    results, checks = {}, []
    for size_name, dtype in runs:
        results[size_name, dtype] = r = {}
        for side in sides:
            timing = timed(side, size_name, dtype, "time", args.repeats)
            if not timing["supported"]:
                continue
            r[f"{side}_s"] = timing["best_s"]
            r[f"{side}_median_s"] = timing["median_s"]
            r[f"{side}_cpu_s"] = timing["cpu_s"]
            r[f"{side}_mb"] = run_worker(side, size_name, dtype, "memory", 1)["peak_mb"]
        if have_torch and dtype == "float64":
            checks.append(run_worker("torch", size_name, dtype, "check", 1))
        print(
            f"  {size_name} {dtype}: ours {_fmt(r.get('ours_s'), '.4f')} s, "
            f"PyTorch {_fmt(r.get('torch_s'), '.4f')} s",
            flush=True,
        )
    rows = table_rows(results, gemm)
    scaling = {}
    if not args.no_scaling:
        for dimension in ("n_samples", "n_timesteps"):
            scaling[dimension] = {
                side: best_rows(
                    [
                        timed(
                            side, dimension, "float64", "scaling", args.scaling_repeats
                        )["rows"]
                        for _ in range(args.scaling_runs)
                    ]
                )
                for side in sides
            }
            for i, size in enumerate(scaling_sizes(dimension)):
                print(
                    f"  scaling {dimension}={size._asdict()[dimension]:>5}: "
                    + ", ".join(
                        f"{side} {scaling[dimension][side][i]['best_s'] * 1e3:.2f} ms"
                        for side in sides
                    ),
                    flush=True,
                )
    foreign = foreign_cpu.share()
    known = [share for share in shares if share is not None]
    worst = max(known) if known else None

    targets = target_lines(results, gemm)
    print()
    print(text_table(rows))
    print("\n".join(targets))
    if worst is not None:
        verdict = "not trustworthy" if worst > args.max_foreign else "clean"
        print(
            f"Other processes used {100 * foreign:.0f}% of the CPUs during the run, "
            f"at most {100 * worst:.0f}% during a timing that was kept: {verdict}."
        )
    if not kernel_supports_float32():
        print(
            "ours float32: n/a, the kernel computes in float64 "
            "(TimeMajor.from_batch_major casts to float64)."
        )
    for check in checks:
        print(
            f"same computation at {check['target']}: J rel. diff "
            f"{check['J_rel_diff']:.1e}, gradient {check['grad_rel_diff']:.1e}"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    if scaling:
        plot_scaling(scaling, args.out / "scaling.png")
    write_markdown(
        args.out / "bench_objective.md",
        command,
        env,
        gemm,
        torch_gemm,
        rows,
        checks,
        scaling,
        (foreign, worst),
        targets,
    )
    raw = {
        "command": command,
        "environment": env,
        "gemm_gflops": gemm,
        "torch_gemm_gflops": torch_gemm,
        "results": [{"size": k[0], "dtype": k[1], **v} for k, v in results.items()],
        "checks": checks,
        "scaling": scaling,
        "foreign_cpu_share": foreign,
        "worst_foreign_cpu_share_in_timings": worst,
        "targets": targets,
    }
    (args.out / "bench_objective.json").write_text(json.dumps(raw, indent=2) + "\n")
    print(f"\nWrote {args.out}/bench_objective.md, .json and scaling.png")


if __name__ == "__main__":
    main()
