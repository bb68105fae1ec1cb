"""Where one objective evaluation spends its time, and what two threads lose.

    python benchmarks/profile_objective.py [--size XL] [--repeats 5]

Builds the training data of ``bench_objective.py``'s size and prints:

1. One evaluation on one thread under Python's profiler, by part of the kernel:
   the step products forward and backward, the weight gradients, the input
   projection, tanh and the rest, with their share of the time and the rate
   of their matrix products. The profiler adds about a tenth.
2. Wall times without the profiler (best of ``--repeats``): the whole size on
   one thread and on two, and half of it on one thread in two processes at
   once. Two threads slower than two processes is what the threads lose to
   each other (Python's GIL), not to the cores sharing the memory bus.
3. What each readout costs (best of ``--repeats``, one thread): the last
   state, the mean and the maximum over the steps, and both, on sequences of
   equal length and on ragged ones (a random half of each sample's trailing
   steps absent).
"""

import argparse
import cProfile
import pstats
import subprocess
import sys
import time

import numpy as np
from bench_objective import (  # the script's directory is on sys.path
    SIZES,
    elman_training_data,
    initial_theta,
    make_problem,
)
from threadpoolctl import threadpool_limits


def _evaluation(size, readout=("last",), ragged=False):
    from sklearn_elman._objective import objective

    X, y = make_problem(size)
    if ragged:  # each sample's steps from a random one of the second half on
        rng = np.random.default_rng(1)
        T = size.n_timesteps
        for x, stop in zip(X, rng.integers(T // 2, T + 1, len(X)), strict=True):
            x[stop:] = np.nan
    data = elman_training_data(X, y, (size.n_hidden,), readout=readout)
    theta = initial_theta(data.layout)
    return lambda: objective(theta, data)


READOUTS = [("last",), ("mean",), ("max",), ("mean", "max")]


def _best(evaluate, repeats, n_threads):
    with threadpool_limits(limits=n_threads):
        evaluate()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            evaluate()
            times.append(time.perf_counter() - start)
    return min(times)


def _profile(name, size):
    evaluate = _evaluation(size)
    with threadpool_limits(limits=1):
        evaluate()
        profile = cProfile.Profile()
        profile.enable()
        evaluate()
        profile.disable()
    stats = pstats.Stats(profile).stats  # {(file, line, name): (..., tt, ct, callers)}
    by_name = {key[2]: value for key, value in stats.items()}
    total = sum(value[2] for value in stats.values())
    step_products = {
        caller[2]: timing[3]
        for caller, timing in by_name["_add_product"][4].items()
        if caller[2] in ("_step", "_backward_layer")
    }
    n, T, d, h, _ = size
    rows = n * T
    parts = [
        ("step products forward", step_products["_step"], 2 * rows * h * h),
        ("step products backward", step_products["_backward_layer"], 2 * rows * h * h),
        ("weight gradients", by_name["_weight_gradients"][3], 2 * rows * (d + h) * h),
        ("input projection", by_name["_project"][3], 2 * rows * d * h),
        ("tanh", by_name["_tanh"][3], None),
    ]
    rest = total - sum(seconds for _, seconds, _ in parts)
    print(f"One evaluation at {name} {tuple(size)}, 1 thread, profiled: {total:.3f} s")
    for name, seconds, flops in [*parts, ("the rest", rest, None)]:
        rate = f"{flops / seconds / 1e9:5.1f} GFLOP/s" if flops else ""
        print(f"  {name:24s} {seconds:7.3f} s {seconds / total:5.0%}  {rate}")
    print(f"  tanh per element: {by_name['_tanh'][3] / (rows * h) * 1e9:.1f} ns")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="XL")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--half", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    if args.half:  # a worker: half the samples, one thread
        half = size._replace(n_samples=size.n_samples // 2)
        print(_best(_evaluation(half), args.repeats, 1))
        return
    _profile(args.size, size)
    evaluate = _evaluation(size)
    one, two = (_best(evaluate, args.repeats, n) for n in (1, 2))
    command = [sys.executable, __file__, "--size", args.size, "--half"]
    command += ["--repeats", str(args.repeats)]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(2)]
    halves = [float(worker.communicate()[0]) for worker in workers]
    print(f"Wall time at {args.size}, best of {args.repeats}:")
    print(f"  1 thread                     {one:.3f} s")
    print(
        f"  2 threads                    {two:.3f} s  (half of 1 thread: {one / 2:.3f})"
    )
    print(
        "  half the samples, 1 thread, in 2 processes at once: "
        + ", ".join(f"{t:.3f} s" for t in halves)
    )
    print(f"Readouts at {args.size}, best of {args.repeats}, 1 thread:")
    for ragged in (False, True):
        times = [
            _best(_evaluation(size, readout, ragged), args.repeats, 1)
            for readout in READOUTS
        ]
        print(
            f"  {'ragged' if ragged else 'equal lengths':14s}"
            + "  ".join(
                f"{'+'.join(r)} {t * 1e3:.1f} ms"
                for r, t in zip(READOUTS, times, strict=True)
            )
        )


if __name__ == "__main__":
    main()
