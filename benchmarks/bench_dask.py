"""Time one objective evaluation in memory against one over Dask blocks.

    python benchmarks/bench_dask.py [--sizes L XL] [--repeats N]
        [--memory-samples 4000 16000] [--message-workers 1 2 4 8]

For each size of ``bench_objective.py``: the best of ``--repeats`` calls of
the objective L-BFGS calls (J and its gradient) in memory, on 2 threads and
on 1, and on a ``LocalCluster`` of 2 single-threaded worker processes with
the training set generated on the workers, in 2 blocks. Then the overhead of
an evaluation over Dask: the same call on 2 blocks holding one sequence of
one step of each class between them, whose computing costs next to nothing
beside the messages (its time in memory, on one core, is printed beside
it), the best of 3 times ``--repeats`` calls; and the bytes an evaluation
sends (the weights, once to each worker) and receives (one gradient and J
per block), computed from their sizes. Last, the client's peak memory (its
maximum resident set, in a fresh process for each size) for a fit of 3
iterations on data generated on the workers, at each of
``--memory-samples`` (size XL's sequences).

The scaling model: the overhead of an evaluation on local clusters of each
of ``--message-workers`` single-threaded workers (one block of next to no
work on each, timed as above), fitted as ``latency + P * per_worker`` for P
workers; with ``compute`` the time of one evaluation on one core, an
evaluation on P workers then takes ``compute / P + latency + P *
per_worker``. The model is checked against the measured 2-process time of
each size, and its predictions for 10 to 1000 workers are printed.

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


def _generated(client, size, n_samples, chunks):
    """X and y generated on the workers, in ``chunks`` blocks of samples, block
    ``b`` on worker ``b % n_workers``: each worker holds its share."""
    import dask.array as da

    workers = sorted(client.scheduler_info()["workers"])
    rows = -(-n_samples // chunks)
    X_blocks, y_blocks = [], []
    for b, first in enumerate(range(0, n_samples, rows)):
        shape = (min(rows, n_samples - first), *size[1:3])
        on = {"workers": [workers[b % len(workers)]], "pure": False}
        X_blocks.append(
            da.from_delayed(client.submit(_random_block, shape, b, **on), shape, float)
        )
        # every class present
        y_blocks.append(da.arange(first, first + shape[0]) % size.n_classes)
    return da.concatenate(X_blocks), da.concatenate(y_blocks)


def _one_step(size):
    """Sequences of one step: the weights and gradients of ``size``'s network,
    next to no computing."""
    return size._replace(n_timesteps=1)


def _random_block(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@contextlib.contextmanager
def _cluster(n_workers=N_WORKERS):
    """A client of a LocalCluster of single-threaded worker processes."""
    import dask
    from distributed import Client, LocalCluster

    with (
        # blocks stay on the workers they were generated on
        dask.config.set({"distributed.scheduler.work-stealing": False}),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(n_workers)
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
    with _cluster() as client:
        for name in names:
            size = SIZES[name]
            estimator = _estimator(size)
            rng = np.random.RandomState(0)
            X, y = make_problem(size)
            in_memory, _ = estimator._training_data(X, y, None, (size.n_hidden,), rng)
            theta = rng.normal(scale=0.1, size=in_memory.layout.size)
            with threadpool_limits(N_WORKERS):
                memory_s = _best(theta, in_memory, repeats)
            with threadpool_limits(1):
                one_core_s = _best(theta, in_memory, repeats)
            X_dask, y_dask = _generated(client, size, size.n_samples, N_WORKERS)
            on_dask, _ = dask_training_data(
                _estimator(size), X_dask, y_dask, None, (size.n_hidden,), rng
            )
            on_dask.objective(theta)  # starts the actors
            assert len(on_dask._servers) == N_WORKERS  # a block on each worker
            dask_s = _best(theta, on_dask, repeats)
            # one sequence of each class: the same network, next to no computing
            tiny_X, tiny_y = _generated(client, _one_step(size), size.n_classes, 2)
            tiny, _ = dask_training_data(
                _estimator(size), tiny_X, tiny_y, None, (size.n_hidden,), rng
            )
            tiny.objective(theta)
            assert len(tiny._servers) == N_WORKERS
            overhead_s = _best(theta, tiny, 3 * repeats)  # cheap: 3 times as many
            tiny_in_memory, _ = _estimator(size)._training_data(
                tiny_X.compute(), tiny_y.compute(), None, (size.n_hidden,), rng
            )
            with threadpool_limits(1):
                tiny_compute_s = _best(theta, tiny_in_memory, repeats)
            results[name] = {
                "in_memory_s": memory_s,
                "one_core_s": one_core_s,
                "dask_s": dask_s,
                "overhead_s": overhead_s,
                "overhead_share": overhead_s / dask_s,
                "tiny_compute_s": tiny_compute_s,
                "bytes_sent": N_WORKERS * theta.nbytes,
                "bytes_received": N_WORKERS * (theta.nbytes + 8),
            }
    return results


def message_costs(names, worker_counts, repeats):
    """The overhead of one evaluation on a LocalCluster of each number of
    workers, one block of next to no work on each: ``{name: {P: seconds}}``."""
    from sklearn_elman._dask import dask_training_data

    costs = {name: {} for name in names}
    for n_workers in worker_counts:
        with _cluster(n_workers) as client:
            for name in names:
                size = SIZES[name]
                # P blocks of ceil(n_classes / P) sequences: every class present
                n_samples = n_workers * -(-size.n_classes // n_workers)
                X, y = _generated(client, _one_step(size), n_samples, n_workers)
                rng = np.random.RandomState(0)
                tiny, _ = dask_training_data(
                    _estimator(size), X, y, None, (size.n_hidden,), rng
                )
                assert len(tiny.blocks) == n_workers
                theta = rng.normal(scale=0.1, size=tiny.layout.size)
                tiny.objective(theta)  # starts the actors
                assert len(tiny._servers) == n_workers
                costs[name][n_workers] = _best(theta, tiny, 3 * repeats)
    return costs


def scaling_model(costs, timings):
    """``latency + P * per_worker`` fitted to each size's measured overheads,
    checked against the 2-process times and extrapolated."""
    model = {}
    for name, by_workers in costs.items():
        workers = np.array(sorted(by_workers), dtype=float)
        seconds = np.array([by_workers[p] for p in sorted(by_workers)])
        per_worker, latency = np.polyfit(workers, seconds, 1)
        entry = {
            "latency_s": latency,
            "per_worker_s": per_worker,
            "measured_overhead_s": dict(by_workers),
        }
        if name in timings:
            compute = timings[name]["one_core_s"]
            entry["one_core_s"] = compute
            entry["predicted_2_workers_s"] = compute / 2 + latency + 2 * per_worker
            entry["measured_2_workers_s"] = timings[name]["dask_s"]
            entry["best_n_workers"] = float(np.sqrt(compute / per_worker))
        model[name] = entry
    return model


def _print_model(model, timings):
    print("scaling model: overhead of one evaluation = latency + P * per_worker")
    print("size  latency (ms)  per worker (ms)  measured overhead (ms) by workers P")
    for name, m in model.items():
        measured = "  ".join(
            f"P={p}: {1e3 * s:.2f}" for p, s in m["measured_overhead_s"].items()
        )
        print(
            f"{name:<5} {1e3 * m['latency_s']:>12.2f} "
            f"{1e3 * m['per_worker_s']:>16.3f}  {measured}"
        )
    print("check: one evaluation on 2 workers, compute / 2 + overhead(2)")
    for name, m in model.items():
        if "one_core_s" in m:
            print(
                f"{name:<5} one core {m['one_core_s']:.4f} s, predicted "
                f"{m['predicted_2_workers_s']:.4f} s, measured "
                f"{m['measured_2_workers_s']:.4f} s"
            )
    print("predicted time per evaluation (s) on P workers; data a multiple of size")
    counts = [10, 30, 100, 300, 1000]
    print("data       " + "".join(f"{'P=' + str(p):>10}" for p in counts))
    for name, m in model.items():
        if "one_core_s" not in m:
            continue
        for multiple in (1, 100, 10000):
            compute = multiple * m["one_core_s"]
            row = [compute / p + m["latency_s"] + p * m["per_worker_s"] for p in counts]
            label = f"{name} x{multiple}"
            print(f"{label:<11}" + "".join(f"{t:>10.4f}" for t in row))


def peak_memory(n_samples):
    """The client's peak resident memory, in MB, for a short fit (run alone)."""
    size = SIZES["XL"]
    with _cluster() as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = _generated(client, size, n_samples, 4 * N_WORKERS)
        _estimator(size, max_iter=3).fit(X, y)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["L", "XL"], choices=SIZES)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--memory-samples", nargs="+", type=int, default=[4000, 16000])
    parser.add_argument("--message-workers", nargs="+", type=int, default=[1, 2, 4, 8])
    parser.add_argument("--memory-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker is not None:
        print(json.dumps(peak_memory(args.memory_worker)))
        return

    timings = time_sizes(args.sizes, args.repeats)
    print(
        "size  one core (s)  in memory (s)  2 processes (s)  overhead (s)  share  "
        "sent  received  (overhead's own computing, s)"
    )
    for name, r in timings.items():
        print(
            f"{name:<5} {r['one_core_s']:>12.4f} "
            f"{r['in_memory_s']:>13.4f} {r['dask_s']:>16.4f} "
            f"{r['overhead_s']:>13.4f} {r['overhead_share']:>6.1%} "
            f"{r['bytes_sent']:>5} {r['bytes_received']:>9}  "
            f"{r['tiny_compute_s']:.5f}"
        )
    _print_model(
        scaling_model(
            message_costs(args.sizes, args.message_workers, args.repeats), timings
        ),
        timings,
    )
    print("n_samples  client peak memory (MB)")
    for n_samples in args.memory_samples:
        command = [sys.executable, __file__, "--memory-worker", str(n_samples)]
        output = subprocess.run(command, capture_output=True, check=True, text=True)
        print(f"{n_samples:>9}  {json.loads(output.stdout.splitlines()[-1]):>10.1f}")


if __name__ == "__main__":
    main()
