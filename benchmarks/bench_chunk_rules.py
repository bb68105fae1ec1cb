"""Recheck the objective's chunk and thread rules on this machine's CPU.

    python benchmarks/bench_chunk_rules.py [--sizes M L XL] [--repeats N]

The objective (``sklearn_elman._objective``) splits the samples into chunks
and runs them on as many threads as BLAS may use, each with single-threaded
BLAS. Three rules decide how, each timed here against its alternatives on the
problems of ``bench_objective.py`` (the best of ``--repeats`` evaluations, on
2 threads):

- ``_STEP_BYTES``, the most bytes of one step's states of a chunk (which sets
  the chunk size at large n): 2**16 to 2**20 at each of ``--sizes``;
- ``_MIN_PARALLEL_CHUNK``, the fewest samples of a chunk run beside another:
  32 against 64, on size M's sequences and network with 48 to 127 samples,
  and at size S;
- the BLAS-thread context: chunks on 2 threads with single-threaded BLAS
  against one chunk at a time with 2-thread BLAS, at each of ``--sizes``.

The module's constants are changed in this process only.
"""

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_objective import (
    SIZES,
    best_time,
    elman_training_data,
    initial_theta,
    make_problem,
)

N_THREADS = 2


def _best(size, repeats):
    """The best time of ``repeats`` evaluations at ``size``, in ms, on
    ``N_THREADS`` threads, and the number of chunks."""
    from sklearn_elman._objective import objective

    X, y = make_problem(size)
    data = elman_training_data(X, y, (size.n_hidden,))  # built under the rules now
    theta = initial_theta(data.layout)
    with threadpool_limits(N_THREADS):
        best, _, _ = best_time(lambda: objective(theta, data), repeats)
    return 1e3 * best, len(data.chunks)


@contextlib.contextmanager
def _patched(module, **values):
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def main(argv=None):
    from sklearn_elman import _objective, _recurrence

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="+", choices=list(SIZES), default=["M", "L", "XL"]
    )
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    print(f"_STEP_BYTES (now 2**{int(np.log2(_objective._STEP_BYTES))}): ms (chunks)")
    for name in args.sizes:
        row = []
        for power in range(16, 21):
            with _patched(_objective, _STEP_BYTES=2**power):
                ms, chunks = _best(SIZES[name], args.repeats)
            row.append(f"2**{power}: {ms:7.2f} ({chunks:>2})")
        print(f"{name:<3}", "  ".join(row))

    print(f"_MIN_PARALLEL_CHUNK (now {_objective._MIN_PARALLEL_CHUNK}): ms (chunks)")
    problems = [("M", n) for n in (48, 64, 96, 127)] + [("S", None)]
    for minimum in (32, 64):
        row = []
        with _patched(_objective, _MIN_PARALLEL_CHUNK=minimum):
            for name, n_samples in problems:
                size = SIZES[name]._replace(
                    n_samples=n_samples or SIZES[name].n_samples
                )
                ms, chunks = _best(size, 3 * args.repeats)
                label = f"{name} n={size.n_samples}"
                row.append(f"{label}: {ms:5.2f} ({chunks})")
        print(f"{minimum:<3}", "  ".join(row))

    print(
        "BLAS threads: chunks on 2 threads, 1-thread BLAS"
        " | 1 chunk thread, 2-thread BLAS"
    )
    for name in args.sizes:
        ours, _ = _best(SIZES[name], args.repeats)
        one = contextlib.nullcontext()
        with (
            _patched(_objective, _blas_threads=lambda: 1, _one_blas_thread=one),
            _patched(_recurrence, _one_blas_thread=one),
        ):
            blas, _ = _best(SIZES[name], args.repeats)
        print(f"{name:<3} {ours:8.2f} ms | {blas:8.2f} ms")


if __name__ == "__main__":
    main()
