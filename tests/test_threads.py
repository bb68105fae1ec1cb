"""Thread safety: concurrent predict and fit, and BLAS thread limits."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

from sklearn_elman import ElmanClassifier, ElmanRegressor, _solver
from sklearn_elman._objective import TrainingData, objective
from sklearn_elman._objective import _blas_threads as _objective_threads

ESTIMATORS = [ElmanClassifier, ElmanRegressor]
N_THREADS = 8


def _data(n_samples=40, n_timesteps=30, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


def _model(Estimator, random_state=0):
    return Estimator(hidden_layer_sizes=4, max_iter=5, random_state=random_state)


def _regression_data(X, y, activation):
    """The objective's training data for a 4-unit regressor, as fit builds it."""
    return TrainingData.build(
        X,
        np.zeros(X.shape[:2], dtype=bool),
        y.astype(float).reshape(-1, 1),
        np.ones(len(X)),
        alpha=1e-4,
        hidden_layer_sizes=(4,),
        activation=activation,
        out_activation="identity",
    )


def _blas_threads():
    return sorted(
        (pool["filepath"], pool["num_threads"])
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_concurrent_predictions_equal_sequential_ones(Estimator):
    X, y = _data()
    model = fit_quietly(_model(Estimator), X, y)
    batches = [X[i::N_THREADS] for i in range(N_THREADS)] * 3
    expected = [model.predict(b) for b in batches]
    barrier = threading.Barrier(N_THREADS)

    def predict(batch):
        barrier.wait(timeout=60)  # 8 at a time start together
        return model.predict(batch)

    with ThreadPoolExecutor(N_THREADS) as pool:
        # 24 tasks on 8 threads: three rounds of 8, each released by the barrier
        got = [f.result() for f in [pool.submit(predict, b) for b in batches]]
    assert len(got) == len(expected) == 3 * N_THREADS
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(e, g)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_concurrent_fits_equal_sequential_fits(Estimator):
    X, y = _data(n_samples=20, n_timesteps=10)
    seeds = range(4)
    sequential = [fit_quietly(_model(Estimator, s), X, y).predict(X) for s in seeds]
    # warnings.catch_warnings is process-wide state, not thread-safe: silence the
    # expected ConvergenceWarning once, around all threads, not inside each.
    with warnings.catch_warnings(), ThreadPoolExecutor(4) as pool:
        warnings.simplefilter("ignore", ConvergenceWarning)
        models = list(pool.map(lambda s: _model(Estimator, s).fit(X, y), seeds))
    for expected, model in zip(sequential, models, strict=True):
        np.testing.assert_array_equal(expected, model.predict(X))


def _needs_more_than_one_blas_thread():
    """The current BLAS limits; a leak to 1 cannot be seen when they are 1.

    (Raising them here with threadpool_limits is no remedy: after the main
    thread had set a limit, limits set from other threads did not show in
    threadpool_info in our runs, which hid the leak.)
    """
    before = _blas_threads()
    if not any(n > 1 for _, n in before):
        pytest.skip(f"BLAS already runs single-threaded: {before}")
    return before


@pytest.fixture(autouse=True)
def restore_blas_limits():
    """Put the BLAS limits back after every test of this module, even if the
    limits leaked, so that one leak neither hides another (a test that starts
    at the leaked value sees no change) nor slows down later tests."""
    controller = ThreadpoolController()
    saved = [(lib, lib.num_threads) for lib in controller.lib_controllers]
    yield
    for lib, num_threads in saved:
        lib.set_num_threads(num_threads)


def test_blas_thread_limit_is_restored_after_concurrent_predictions():
    """The kernel limits BLAS to one thread inside its time loops; after many
    overlapping predictions the process-wide limit must be what it was."""
    X, y = _data()
    model = fit_quietly(_model(ElmanRegressor), X, y)
    before = _needs_more_than_one_blas_thread()
    barrier = threading.Barrier(N_THREADS)

    def predict(_):
        barrier.wait()
        # many short predictions: many overlapping entries and exits of the
        # kernel's single-BLAS-thread context
        for _ in range(100):
            model.predict(X[:4, :5])

    with ThreadPoolExecutor(N_THREADS) as pool:
        list(pool.map(predict, range(N_THREADS)))
    assert _blas_threads() == before


def test_blas_threads_do_not_change_the_numbers():
    X, y = _data()
    model = fit_quietly(_model(ElmanRegressor), X, y)
    data = _regression_data(X, y, "tanh")
    theta = np.random.RandomState(1).normal(scale=0.3, size=data.layout.size)
    results = {}
    for n in (1, 2):
        with threadpool_limits(limits=n, user_api="blas"):
            J, grad = objective(theta, data)
            results[n] = model.predict(X), J, grad
    np.testing.assert_allclose(results[1][0], results[2][0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(results[1][1], results[2][1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(results[1][2], results[2][2], rtol=0, atol=1e-10)


def test_lbfgs_runs_on_one_blas_thread_and_the_objective_on_all(monkeypatch):
    """L-BFGS-B's own vector operations run with BLAS on one thread (OpenBLAS
    threads those of more than 10,000 entries, at 10 ms an iteration on our
    machine: benchmarks/bench_solver.py), while each evaluation still spreads
    its chunks over the threads BLAS may use; the limit is lifted after."""
    before = _needs_more_than_one_blas_thread()
    seen = []

    def recording(theta, data):
        seen.append((max(n for _, n in _blas_threads()), _objective_threads()))
        return objective(theta, data)

    monkeypatch.setattr(_solver, "objective", recording)
    X, y = _data(n_samples=300, n_timesteps=10)  # two chunks
    fit_quietly(ElmanClassifier(4, max_iter=3, random_state=0), X, y)
    allowed = max(n for _, n in before)
    assert seen and set(seen) == {(1, allowed)}
    assert _blas_threads() == before


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_blas_threads_do_not_change_a_fit(Estimator):
    """A whole fit, not one evaluation: 300 samples make two chunks, which run on
    two threads when BLAS may use two, and L-BFGS amplifies any difference."""
    X, y = _data(n_samples=300, n_timesteps=10)
    fits = []
    for n_threads in (1, 2):
        with threadpool_limits(limits=n_threads, user_api="blas"):
            assert _objective_threads() == n_threads  # the path under test
            model = fit_quietly(_model(Estimator), X, y)
            output = getattr(model, "predict_proba", model.predict)(X)
        fits.append((model.loss_curve_, model.output_weights_, output))
    for one, two in zip(*fits, strict=True):
        np.testing.assert_allclose(one, two, rtol=0, atol=1e-10)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
def test_blas_threads_do_not_change_predictions(bidirectional):
    """300 sequences in a small working memory are predicted in 3 or 5
    chunks, shared by two threads when BLAS may use two: the same numbers, in
    the same order, to the last bit."""
    X, y = _data(n_samples=300, n_timesteps=10)
    model = ElmanClassifier(
        hidden_layer_sizes=4, bidirectional=bidirectional, max_iter=5, random_state=0
    )
    model = fit_quietly(model, X, y)
    outputs = []
    for n_threads in (1, 2):
        with (
            threadpool_limits(limits=n_threads, user_api="blas"),
            config_context(working_memory=1),
        ):
            assert _objective_threads() == n_threads  # the path under test
            outputs.append((model.predict_proba(X), model.transform(X)))
    for one, two in zip(*outputs, strict=True):
        np.testing.assert_array_equal(one, two)


def test_no_warning_escapes_from_the_chunk_threads():
    """An exploding state overflows in the objective's and the predictions'
    worker threads: the documented outcomes (J = inf for L-BFGS; the ValueError
    of predict), and no RuntimeWarning from a thread, whose NumPy error state
    starts at the default (pytest turns warnings into errors)."""
    X = np.abs(np.random.RandomState(0).normal(size=(300, 200, 3)))
    y = np.arange(300) % 2
    model = fit_quietly(
        ElmanRegressor(hidden_layer_sizes=4, activation="identity", max_iter=2),
        X[:, :5],
        y.astype(float),
    )
    model.recurrent_weights_[0][...] = 50.0 * np.eye(4)
    data = _regression_data(X, y, "identity")
    theta = np.full(data.layout.size, 50.0)
    with threadpool_limits(limits=2, user_api="blas"):
        assert _objective_threads() == 2  # the path under test
        assert len(data.chunks) > 1
        J, grad = objective(theta, data)
        assert J == np.inf
        assert not grad.any()
        with pytest.raises(ValueError, match="non-finite output for 300 sample"):
            model.predict(X)
