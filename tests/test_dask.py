"""Fits on, and predictions for, Dask arrays, on a real LocalCluster: the same
objective, fit and predictions as in memory."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
)
from sklearn_elman._dask import dask_training_data
from sklearn_elman._objective import objective

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

N_SAMPLES, N_TIMESTEPS, N_FEATURES = 45, 6, 2
CHUNKS = 20  # blocks of 20, 20 and 5 samples


@pytest.fixture(scope="module")
def client():
    """A local Dask cluster of 2 single-threaded worker processes."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _data(per_step=False, regression=False, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    X[::3, 4:] = np.nan  # trailing padding
    X[1::4, :2] = np.nan  # leading padding
    X[2::5, 3] = np.nan  # interior padding
    X[40] = X[3]  # duplicates in other blocks: merged per block
    X[41] = X[3]
    if per_step:
        y = np.cumsum(np.nan_to_num(X[..., 0]), axis=1)
        y = y if regression else (y > 0).astype(int) + (y > 1)
    else:
        y = np.nansum(X[..., 0], axis=1)
        y = y if regression else (y > 0).astype(int) + (y > 1)
    y[41] = y[3]
    y[40] = y[3]
    return X, y, rng.uniform(0.5, 2.0, N_SAMPLES)


def _dask(a):
    return da.from_array(a, chunks=(CHUNKS, *a.shape[1:]))


CASES = {
    "classifier": (ElmanClassifier(3), {}),
    "weighted": (ElmanClassifier(3), {"weights": True}),
    "class_weight": (ElmanClassifier(3, class_weight="balanced"), {"weights": True}),
    "class_weight_dict": (ElmanClassifier(3, class_weight={0: 2.0, 2: 0.5}), {}),
    "bidirectional": (ElmanClassifier(3, bidirectional=True), {}),
    "pooled": (ElmanClassifier(3, readout=["mean", "max"]), {"weights": True}),
    "pooled_bidirectional": (
        ElmanRegressor(3, bidirectional=True, readout=["max", "last"]),
        {"regression": True},
    ),
    "two_layers": (ElmanRegressor((3, 2)), {"regression": True}),
    "regressor": (ElmanRegressor(3), {"regression": True, "weights": True}),
    "sequence_classifier": (ElmanSequenceClassifier(3), {"per_step": True}),
    "sequence_regressor": (
        ElmanSequenceRegressor(3, bidirectional=True),
        {"per_step": True, "regression": True, "weights": True},
    ),
}


def _case(name):
    estimator, options = CASES[name]
    X, y, w = _data(options.get("per_step", False), options.get("regression", False))
    return clone(estimator), X, y, (w if options.get("weights") else None)


@pytest.mark.parametrize("name", CASES)
def test_objective_equals_in_memory(client, name):
    estimator, X, y, w = _case(name)
    sizes = estimator._checked_hidden_layer_sizes()
    rng = np.random.RandomState(0)
    in_memory, _ = clone(estimator)._training_data(X, y, w, sizes, rng)
    on_dask, validation = dask_training_data(
        clone(estimator),
        _dask(X),
        _dask(y),
        None if w is None else _dask(w),
        sizes,
        rng,
    )
    assert validation is None
    assert on_dask.layout == in_memory.layout
    for _ in range(3):
        theta = rng.normal(scale=0.5, size=in_memory.layout.size)
        J, grad = objective(theta, in_memory)
        J_dask, grad_dask = objective(theta, on_dask)
        np.testing.assert_allclose(J_dask, J, rtol=1e-12)
        np.testing.assert_allclose(grad_dask, grad, rtol=1e-12, atol=1e-12 * abs(J))


def _fit(estimator, X, y, w=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.set_params(max_iter=15, random_state=0).fit(X, y, w)


def _outputs(estimator, X):
    methods = ["predict", "predict_proba", "decision_function", "transform"]
    return {m: getattr(estimator, m)(X) for m in methods if hasattr(estimator, m)}


@pytest.mark.parametrize(
    "name", ["weighted", "class_weight", "two_layers", "sequence_regressor"]
)
def test_fit_and_predictions_equal_in_memory(client, name):
    estimator, X, y, w = _case(name)
    expected = _fit(clone(estimator), X, y, w)
    # y as a dask array, the weights as NumPy: both are accepted
    fitted = _fit(clone(estimator), _dask(X), _dask(y), w)
    assert fitted.n_iter_ == expected.n_iter_
    assert len(fitted.loss_curve_) == fitted.n_iter_
    np.testing.assert_allclose(fitted.loss_, expected.loss_, rtol=1e-9)
    np.testing.assert_allclose(fitted.loss_curve_, expected.loss_curve_, rtol=1e-9)
    assert fitted.n_features_in_ == expected.n_features_in_
    if hasattr(expected, "classes_"):
        np.testing.assert_array_equal(fitted.classes_, expected.classes_)
    lazy = _outputs(fitted, _dask(X))
    for method, values in _outputs(expected, X).items():
        assert isinstance(lazy[method], da.Array), method
        assert lazy[method].numblocks[0] == 3, method
        computed = lazy[method].compute()
        assert computed.shape == values.shape, method
        if values.dtype.kind == "f":
            np.testing.assert_allclose(computed, values, rtol=1e-7, atol=1e-9)
        else:
            np.testing.assert_array_equal(computed, values)


def test_fitted_model_is_numpy_only(client):
    X, y, _ = _data()
    model = _fit(ElmanClassifier(3), _dask(X), _dask(y))
    for W in [*model.input_weights_, model.output_weights_, model.output_bias_]:
        assert type(W) is np.ndarray
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    assert isinstance(copy.predict(X), np.ndarray)
    np.testing.assert_allclose(
        model.predict_log_proba(_dask(X)).compute(), model.predict_log_proba(X)
    )
    assert model.score(_dask(X), y) == model.score(X, y)


def test_two_dimensional_input_and_time_chunks_rechunked(client):
    X, y, _ = _data(regression=True)
    X2 = X[..., 0]
    expected = _fit(ElmanRegressor(3), X2, y)
    chunked_in_time = da.from_array(X2, chunks=(CHUNKS, 2))
    fitted = _fit(ElmanRegressor(3), chunked_in_time, y)
    assert fitted.n_features_in_ == N_TIMESTEPS
    np.testing.assert_allclose(fitted.loss_, expected.loss_, rtol=1e-9)
    np.testing.assert_allclose(
        fitted.predict(chunked_in_time).compute(), expected.predict(X2), rtol=1e-7
    )


def test_warm_start_and_verbose(client, capsys):
    X, y, _ = _data()
    expected = _fit(ElmanClassifier(3, warm_start=True), X, y)
    expected = _fit(expected, X, y)
    fitted = _fit(ElmanClassifier(3, warm_start=True, verbose=True), _dask(X), y)
    fitted = _fit(fitted, _dask(X), _dask(y))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * fitted.n_iter_
    assert lines[0].startswith("Iteration 1, loss = ")
    np.testing.assert_allclose(fitted.loss_, expected.loss_, rtol=1e-9)


def test_errors_name_the_global_sample(client):
    X, y, _ = _data()
    X[33, 2, 0] = np.inf
    model = ElmanClassifier(3)
    with pytest.raises(ValueError, match="Sample 33 of X contains infinity at time"):
        model.fit(_dask(X), y)
    assert not hasattr(model, "classes_")  # the fit changed nothing
    X[33, 2, 0] = 1.0
    X[27, 0, 1] = np.nan
    with pytest.raises(ValueError, match="Sample 27 of X has NaN in some"):
        model.fit(_dask(X), y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"X": "unknown"}, "unknown chunk sizes"),
        ({"y": "short"}, "inconsistent numbers of samples"),
        ({"early_stopping": True}, "The validation set is too small"),
    ],
)
def test_rejected(client, kwargs, message):
    X, y, _ = _data()
    X_dask, params = _dask(X), {}
    if kwargs.get("X") == "unknown":
        X_dask = X_dask[X_dask[:, 0, 0] < 10]
    if kwargs.get("y") == "short":
        y = y[:-1]
    if "early_stopping" in kwargs:
        params = {"early_stopping": True, "validation_fraction": 0.01}
        X_dask = X_dask.rechunk(45)  # one block: 1 sequence held out
    with pytest.raises(ValueError, match=message):
        ElmanClassifier(3, **params).fit(X_dask, y)


class _StopAfter:
    """A callback (sklearn.callback) that records the fitted estimators of the
    iterations' ends and asks to stop after ``n`` iterations."""

    def __init__(self, n):
        self.n, self.fitted = n, []

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **_):
        if context.task_name != "iteration" or fitted_estimator is None:
            return False
        self.fitted.append(fitted_estimator)
        return fitted_estimator.n_iter_ == self.n

    def teardown(self, estimator, context):
        pass


def test_callbacks_see_the_iterations_of_a_dask_fit(client):
    pytest.importorskip("sklearn.callback")
    estimator, X, y, w = _case("weighted")
    estimator.set_params(random_state=0, max_iter=50)
    stops = [_StopAfter(4), _StopAfter(4)]
    expected = clone(estimator).set_callbacks(stops[0]).fit(X, y, w)
    fitted = clone(estimator).set_callbacks(stops[1]).fit(_dask(X), _dask(y), w)
    assert fitted.n_iter_ == expected.n_iter_ == 4
    assert [f.n_iter_ for f in stops[1].fitted] == [1, 2, 3, 4]
    for in_memory, on_dask in zip(*(s.fitted for s in stops), strict=True):
        np.testing.assert_allclose(on_dask.loss_, in_memory.loss_, rtol=1e-9)
        np.testing.assert_allclose(
            on_dask.predict_proba(X), in_memory.predict_proba(X), rtol=1e-7
        )


def _count_calls(monkeypatch, name):
    """Count the calls of ``sklearn_elman._dask.<name>`` (on the client)."""
    from sklearn_elman import _dask

    calls, function = [], getattr(_dask, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return function(*args, **kwargs)

    monkeypatch.setattr(_dask, name, counted)
    return calls


def test_evaluations_go_to_one_actor_per_worker(client, monkeypatch):
    estimator, X, y, w = _case("weighted")
    starts = _count_calls(monkeypatch, "_start_servers")
    rng = np.random.RandomState(0)
    sizes = estimator._checked_hidden_layer_sizes()
    data, _ = dask_training_data(estimator, _dask(X), _dask(y), w, sizes, rng)
    theta = rng.normal(size=data.layout.size)
    for _ in range(3):
        objective(theta, data)
    # no evaluation was a task: the scheduler never saw one (it keeps every
    # task prefix it has seen, without leading underscores: the blocks are
    # prepared by "_prepare")
    prefixes = client.run_on_scheduler(
        lambda dask_scheduler: set(dask_scheduler.task_prefixes)
    )
    assert "prepare" in prefixes and "block_objective" not in prefixes
    # the actors started once, one on each worker that holds blocks
    assert len(starts) == 1
    blocks = distributed.futures_of(data.blocks)
    holders = {w for ws in client.who_has(blocks).values() for w in ws}
    assert len(data._servers) == len(holders)


def _fail_on_workers(client, error):
    """Make every block's evaluation on the workers raise ``error`` (None: undo)."""

    def patch(error=error):
        from sklearn_elman import _dask

        if not hasattr(_dask, "_saved_block_objective"):
            _dask._saved_block_objective = _dask._block_objective
        if error is None:
            _dask._block_objective = _dask._saved_block_objective
            return

        def fail(theta, block):
            raise error

        _dask._block_objective = fail

    client.run(patch)


def test_an_error_on_a_worker_is_raised_not_retried(client, monkeypatch):
    estimator, X, y, w = _case("weighted")
    model = clone(estimator)
    starts = _count_calls(monkeypatch, "_start_servers")
    _fail_on_workers(client, OSError("disk full"))
    try:
        with pytest.raises(OSError, match="disk full"):
            _fit(model, _dask(X), _dask(y), w)
    finally:
        _fail_on_workers(client, None)
    assert len(starts) == 1  # not started again: the workers are all there
    assert not hasattr(model, "classes_")  # the fit changed nothing
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_numpy_fit_does_not_import_dask():
    code = (
        "import sys, numpy as np\n"
        "from sklearn_elman import ElmanClassifier\n"
        "X = np.random.RandomState(0).normal(size=(20, 4, 2))\n"
        "ElmanClassifier(2, max_iter=2).fit(X, X[:, 0, 0] > 0).predict(X)\n"
        "assert 'dask' not in sys.modules, 'dask was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_local_scheduler_without_a_client():
    import dask

    estimator, X, y, w = _case("class_weight")
    expected = _fit(clone(estimator), X, y, w)
    with dask.config.set(scheduler="threads"):
        fitted = _fit(clone(estimator), _dask(X), _dask(y), _dask(w))
        proba = fitted.predict_proba(_dask(X)).compute()
    np.testing.assert_allclose(fitted.loss_, expected.loss_, rtol=1e-9)
    np.testing.assert_allclose(proba, expected.predict_proba(X), rtol=1e-7)


@pytest.mark.parametrize("name", ["weighted", "sequence_classifier"])
def test_early_stopping_holds_out_samples_block_by_block(client, name):
    estimator, X, y, w = _case(name)
    estimator.set_params(early_stopping=True, validation_fraction=0.2)
    sizes = estimator._checked_hidden_layer_sizes()
    on_dask, validation = dask_training_data(
        clone(estimator), _dask(X), _dask(y), w, sizes, np.random.RandomState(0)
    )
    # the held-out samples: ceil(0.2 * n) of each block, by a seed per block
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=3)
    held, train = [], []
    for first, n, seed in zip([0, 20, 40], [20, 20, 5], seeds, strict=True):
        order = np.random.RandomState(seed).permutation(n) + first
        n_held = int(np.ceil(0.2 * n))
        held += sorted(order[:n_held])
        train += sorted(order[n_held:])
    assert len(validation.weights) == (
        len(held) * N_TIMESTEPS if name != "weighted" else len(held)
    )
    in_memory, _ = (
        clone(estimator)
        .set_params(early_stopping=False)
        ._training_data(
            X[train], y[train], None if w is None else w[train], sizes, None
        )
    )
    theta = np.random.RandomState(1).normal(size=in_memory.layout.size)
    J, grad = objective(theta, in_memory)
    J_dask, grad_dask = objective(theta, on_dask)
    np.testing.assert_allclose(J_dask, J, rtol=1e-12)
    np.testing.assert_allclose(grad_dask, grad, rtol=1e-12, atol=1e-12 * abs(J))

    first = _fit(clone(estimator), _dask(X), _dask(y), w)
    again = _fit(clone(estimator), _dask(X), _dask(y), w)
    assert len(first.validation_scores_) == len(first.loss_curve_) == first.n_iter_
    assert first.best_validation_score_ == max(first.validation_scores_)
    np.testing.assert_array_equal(first.validation_scores_, again.validation_scores_)
    assert first.loss_ == again.loss_


def test_cv_estimator_runs_its_fits_on_the_cluster_through_joblib(client):
    """ElmanClassifierCV's search and members are joblib tasks: under
    joblib's "dask" backend they run on the cluster's workers, with the same
    results as in this process."""
    from joblib import parallel_config

    from sklearn_elman import ElmanClassifierCV

    client.wait_for_workers(2)  # with one core, joblib would run in this process
    X, y, _ = _data()
    small = dict(
        windows=[2],
        alphas=[0.1, 1.0],
        readouts=["last", "max"],
        differences=[1],
        hidden_layer_sizes=3,
        max_iter=10,
        n_members=2,
        cv=2,
        random_state=0,
    )
    here = ElmanClassifierCV(**small).fit(X, y)
    with parallel_config(backend="dask"):
        there = ElmanClassifierCV(**small, n_jobs=2).fit(X, y)
    # joblib's tasks on the scheduler: the search's and the members' batches
    prefixes = client.run_on_scheduler(
        lambda dask_scheduler: set(dask_scheduler.task_prefixes)
    )
    for task in ["_fit_and_score", "_fit_member"]:  # joblib's batch_of_<task>_...
        assert any(task in prefix for prefix in prefixes), prefixes
    np.testing.assert_array_equal(
        there.cv_results_["mean_test_score"], here.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(there.predict_proba(X), here.predict_proba(X))


@pytest.mark.parametrize("when", ["during an evaluation", "between evaluations"])
def test_a_worker_killed_mid_fit_costs_time_not_the_fit(
    client, monkeypatch, tmp_path, when
):
    # last in the module: the cluster's nanny restarts the killed worker
    import os
    import signal
    import threading

    from sklearn_elman._dask import DaskTrainingData

    estimator, X, y, w = _case("weighted")
    undisturbed = _fit(clone(estimator), _dask(X), _dask(y), w)

    client.wait_for_workers(2)  # the worker killed by the previous case is back
    slow = tmp_path / "slow"  # while it exists, the workers' evaluations take 1 s
    _slow_on_workers(client, str(slow))
    objective = DaskTrainingData.objective
    calls = []

    def kill_on_third_call(data, theta):
        calls.append(1)
        if len(calls) == 3:
            holders = client.who_has()[str(data.blocks[0].key)]
            pid = client.run(os.getpid, workers=list(holders))

            def kill():
                for worker_pid in pid.values():
                    os.kill(worker_pid, signal.SIGKILL)
                slow.unlink(missing_ok=True)

            if when == "between evaluations":
                kill()
            else:  # 0.3 s into an evaluation of 1 s
                slow.touch()
                threading.Timer(0.3, kill).start()
        return objective(data, theta)

    monkeypatch.setattr(DaskTrainingData, "objective", kill_on_third_call)
    starts = _count_calls(monkeypatch, "_start_servers")
    try:
        fitted = _fit(clone(estimator), _dask(X), _dask(y), w)
    finally:
        slow.unlink(missing_ok=True)
    assert len(calls) > 3
    assert len(starts) == 2  # the actors started again, once
    for name in ["input_weights_", "recurrent_weights_", "output_weights_"]:
        for W, W_undisturbed in zip(
            np.atleast_1d(getattr(fitted, name)),
            np.atleast_1d(getattr(undisturbed, name)),
            strict=True,
        ):
            np.testing.assert_array_equal(W, W_undisturbed)
    assert fitted.loss_ == undisturbed.loss_


def _slow_on_workers(client, flag):
    """Make the evaluations on the workers take 1 s while ``flag`` exists."""

    def patch():
        import os
        import time

        from sklearn_elman import _dask

        evaluate = _dask._BlockServer.evaluate
        if getattr(evaluate, "slowed", False):
            return

        def slowed(self, theta):
            if os.path.exists(flag):
                time.sleep(1.0)
            return evaluate(self, theta)

        slowed.slowed = True
        _dask._BlockServer.evaluate = slowed

    client.run(patch)
