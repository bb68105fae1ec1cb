"""Time one objective evaluation in memory against one over Dask blocks.

    python benchmarks/bench_dask.py [--sizes L XL] [--repeats N]
        [--memory-samples 4000 16000]

For each size of ``bench_objective.py``: the best of ``--repeats`` calls of
the objective L-BFGS calls (J and its gradient) in memory, on 2 threads, and
on a ``LocalCluster`` of 2 single-threaded worker processes with the training
set generated on the workers, in 2 blocks. Then the overhead of an
evaluation over Dask: the same call on 2 blocks holding one sequence of each
class between them, whose computing costs next to nothing beside the
messages, and the bytes an evaluation sends (the weights, once) and receives
(one gradient and J per block), computed from their sizes. Last, the
client's peak memory (its maximum resident set, in a fresh process for each
size) for a fit of 3 iterations on data generated on the workers, at each of
``--memory-samples`` (size XL's sequences).

Targets: the 2-process cluster at least as fast per evaluation as in memory
at XL; the overhead under 5% of an evaluation at L; the client's peak memory
the same at both numbers of samples.
"""

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_objective import SIZES, make_problem

N_WORKERS = 2


def _estimator(size, **params):
    from sklearn_elman import ElmanClassifier

    return ElmanClassifier(size.n_hidden, alpha=1e-4, random_state=0, **params)


def _generated(size, n_samples, chunks):
    """X and y generated on the workers, in ``chunks`` blocks of samples."""
    import dask.array as da

    rng = da.random.default_rng(0)
    rows = -(-n_samples // chunks)
    X = rng.standard_normal((n_samples, *size[1:3]), chunks=(rows, -1, -1))
    y = da.arange(n_samples, chunks=rows) % size.n_classes  # every class present
    return X, y


@contextlib.contextmanager
def _cluster():
    """A client of a LocalCluster of 2 single-threaded worker processes."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _best(theta, data, repeats):
    """The best time of ``repeats`` evaluations of the objective, in seconds."""
    from sklearn_elman._objective import objective

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        objective(theta, data)
        times.append(time.perf_counter() - start)
    return min(times)


def time_sizes(names, repeats):
    from sklearn_elman._dask import dask_training_data

    results = {}
    with (
        _cluster(),
    ):
        for name in names:
            size = SIZES[name]
            estimator = _estimator(size)
            rng = np.random.RandomState(0)
            X, y = make_problem(size)
            in_memory, _ = estimator._training_data(X, y, None, (size.n_hidden,), rng)
            theta = rng.normal(scale=0.1, size=in_memory.layout.size)
            with threadpool_limits(N_WORKERS):
                memory_s = _best(theta, in_memory, repeats)
            X_dask, y_dask = _generated(size, size.n_samples, N_WORKERS)
            on_dask, _ = dask_training_data(
                _estimator(size), X_dask, y_dask, None, (size.n_hidden,), rng
            )
            dask_s = _best(theta, on_dask, repeats)
            # one sequence of each class: the same network, next to no computing
            tiny_X, tiny_y = _generated(size, size.n_classes, N_WORKERS)
            tiny, _ = dask_training_data(
                _estimator(size), tiny_X, tiny_y, None, (size.n_hidden,), rng
            )
            overhead_s = _best(theta, tiny, repeats)
            results[name] = {
                "in_memory_s": memory_s,
                "dask_s": dask_s,
                "overhead_s": overhead_s,
                "overhead_share": overhead_s / dask_s,
                "bytes_sent": theta.nbytes,
                "bytes_received": N_WORKERS * (theta.nbytes + 8),
            }
    return results


def peak_memory(n_samples):
    """The client's peak resident memory, in MB, for a short fit (run alone)."""
    size = SIZES["XL"]
    with (
        _cluster(),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        X, y = _generated(size, n_samples, 4 * N_WORKERS)
        _estimator(size, max_iter=3).fit(X, y)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["L", "XL"], choices=SIZES)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-samples", nargs="+", type=int, default=[4000, 16000])
    parser.add_argument("--memory-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker is not None:
        print(json.dumps(peak_memory(args.memory_worker)))
        return

    timings = time_sizes(args.sizes, args.repeats)
    print("size  in memory (s)  2 processes (s)  overhead (s)  share  sent  received")
    for name, r in timings.items():
        print(
            f"{name:<5} {r['in_memory_s']:>13.4f} {r['dask_s']:>16.4f} "
            f"{r['overhead_s']:>13.4f} {r['overhead_share']:>6.1%} "
            f"{r['bytes_sent']:>5} {r['bytes_received']:>9}"
        )
    print("n_samples  client peak memory (MB)")
    for n_samples in args.memory_samples:
        command = [sys.executable, __file__, "--memory-worker", str(n_samples)]
        output = subprocess.run(command, capture_output=True, check=True, text=True)
        print(f"{n_samples:>9}  {json.loads(output.stdout.splitlines()[-1]):>10.1f}")


if __name__ == "__main__":
    main()
