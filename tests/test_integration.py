"""The estimators inside scikit-learn's model selection, meta-estimators and
persistence, and on a Dask cluster.

Every test runs the real thing on a small learnable data set from
``sklearn_elman.datasets``, once as a NaN-padded 3-D array and once as a ragged
list where the input layout matters, and checks the results, not only that
nothing raised.
"""

import pickle

import joblib
import numpy as np
import pytest
import skops.io as sio
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import StackingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from skops.io.exceptions import UntrustedTypesFoundException

from sklearn_elman import ElmanClassifier, ElmanRegressor, SequenceScaler
from sklearn_elman.datasets import (
    make_sequence_classification,
    make_sequence_regression,
)

# Every fit here gets a deliberately small L-BFGS budget (max_iter) to keep the
# file fast on two shared cores, so stopping at max_iter is expected. Every
# other warning stays an error, also in the joblib and Dask workers, to which
# recent scikit-learn hands the warning filters in force.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

LAYOUTS = ["padded", "ragged"]
SEED = 0  # of every estimator; the data sets have their own


def _classification(layout, *, n_classes=2, random_state=0):
    """60 sequences of 3 to 6 steps of 2 features whose class is told by their
    first step: one NaN-padded 3-D array, or a list of arrays of their lengths."""
    return make_sequence_classification(
        60,
        n_timesteps=6,
        min_timesteps=3,
        n_classes=n_classes,
        ragged=layout == "ragged",
        random_state=random_state,
    )


def _regression(layout, *, n_targets=1, random_state=0):
    """60 sequences of 3 to 6 steps whose targets sum all their steps."""
    return make_sequence_regression(
        60,
        n_timesteps=6,
        min_timesteps=3,
        n_targets=n_targets,
        ragged=layout == "ragged",
        random_state=random_state,
    )


def _classifier(**params):
    return ElmanClassifier(**{"hidden_layer_sizes": 8, "max_iter": 30, **params})


def _pipeline(**elman_params):
    """The pipeline of the searches: SequenceScaler, then an ElmanClassifier."""
    elman = _classifier(**{"random_state": SEED, **elman_params})
    return Pipeline([("scale", SequenceScaler()), ("elman", elman)])


# alpha=100 pulls every weight to about 0, which leaves the class prior: a search
# that works must prefer alpha=1e-3.
GRID = {"elman__alpha": [1e-3, 1e2], "elman__hidden_layer_sizes": [(4,), (8,)]}


def _grid_search():
    # error_score="raise": a failed fit fails the test instead of scoring NaN.
    return GridSearchCV(_pipeline(), GRID, cv=3, n_jobs=2, error_score="raise")


def _randomized_search():
    # alpha up to 10, where the penalty starts to erase what the first step says
    distributions = {
        "elman__alpha": loguniform(1e-4, 1e1),
        "elman__hidden_layer_sizes": [(4,), (8,)],
    }
    return RandomizedSearchCV(
        _pipeline(),
        distributions,
        n_iter=4,
        cv=3,
        n_jobs=2,
        random_state=0,
        error_score="raise",
    )


def _assert_same_search(search, other, X):
    """Same candidates, same score on every split, same refitted model."""
    assert search.cv_results_["params"] == other.cv_results_["params"]
    for key in search.cv_results_:
        if key.endswith("test_score"):  # split<i>_, mean_, std_, rank_test_score
            assert_array_equal(search.cv_results_[key], other.cv_results_[key], key)
    assert search.best_params_ == other.best_params_
    assert_array_equal(search.predict_proba(X), other.predict_proba(X))


@pytest.fixture(scope="module")
def grid_searches():
    """The grid search fitted on local processes (loky, n_jobs=2), per layout."""
    return {layout: _grid_search().fit(*_classification(layout)) for layout in LAYOUTS}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_grid_search_prefers_the_learnable_setting(grid_searches, layout):
    search = grid_searches[layout]
    _, y = _classification(layout)
    X_test, y_test = _classification(layout, random_state=1)

    assert search.best_params_["elman__alpha"] == 1e-3
    assert search.best_score_ > 0.9
    # The penalised candidates predict the majority class, as the prior does.
    penalised = search.cv_results_["param_elman__alpha"] == 1e2
    prior_accuracy = np.bincount(y).max() / len(y)
    assert_allclose(
        search.cv_results_["mean_test_score"][penalised], prior_accuracy, atol=0.1
    )
    assert search.best_estimator_.named_steps["elman"].n_features_in_ == 2
    assert search.score(X_test, y_test) > 0.9


@pytest.mark.parametrize("layout", LAYOUTS)
def test_grid_search_is_reproducible(grid_searches, layout):
    X, y = _classification(layout)
    _assert_same_search(_grid_search().fit(X, y), grid_searches[layout], X)


def test_grid_search_is_the_same_on_padded_and_ragged_input(grid_searches):
    X, _ = _classification("padded")
    _assert_same_search(grid_searches["padded"], grid_searches["ragged"], X)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_randomized_search(layout):
    X, y = _classification(layout)
    X_test, y_test = _classification(layout, random_state=1)
    search = _randomized_search().fit(X, y)

    assert len(search.cv_results_["params"]) == 4
    for params in search.cv_results_["params"]:
        assert 1e-4 <= params["elman__alpha"] <= 1e1
        assert params["elman__hidden_layer_sizes"] in [(4,), (8,)]
    assert search.best_score_ > 0.9
    assert search.score(X_test, y_test) > 0.9
    _assert_same_search(_randomized_search().fit(X, y), search, X)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cross_validate_classifier_beats_the_prior(layout):
    X, y = _classification(layout)
    scoring = ["accuracy", "neg_log_loss"]
    # alpha=1: without it, a fold's few confident mistakes can cost more log loss
    # than the prior's.
    elman = cross_validate(_pipeline(alpha=1.0), X, y, cv=3, scoring=scoring)
    prior = cross_validate(DummyClassifier(), X, y, cv=3, scoring=scoring)

    for name in scoring:
        scores = elman[f"test_{name}"]
        assert scores.shape == (3,)
        assert np.all(np.isfinite(scores))
        assert np.all(scores > prior[f"test_{name}"] + 0.2), name  # fold by fold
    assert np.all(elman["test_accuracy"] > 0.85)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cross_validate_regressor_beats_the_mean(layout):
    X, y = _regression(layout)
    scoring = ["r2", "neg_mean_squared_error"]
    # alpha=1 keeps the weights small: fitted without it on 40 sequences, the
    # recurrence can overfit into dynamics that wildly mispredict a few
    # held-out sequences.
    regressor = ElmanRegressor(4, alpha=1.0, max_iter=50, random_state=SEED)
    model = Pipeline([("scale", SequenceScaler()), ("elman", regressor)])
    elman = cross_validate(model, X, y, cv=3, scoring=scoring)
    mean = cross_validate(DummyRegressor(), X, y, cv=3, scoring=scoring)

    for name in scoring:
        scores = elman[f"test_{name}"]
        assert scores.shape == (3,)
        assert np.all(np.isfinite(scores))
    assert np.all(elman["test_r2"] > 0.7)  # predicting the mean scores <= 0
    mse, mean_mse = (
        -elman["test_neg_mean_squared_error"],
        -mean["test_neg_mean_squared_error"],
    )
    assert np.all(mse < 0.5 * mean_mse)


KINDS = ["classifier", "regressor"]


def _fitted(kind):
    """A fitted model of each kind with every optional fitted state (class
    weights, early stopping's validation record, several outputs, a pooled
    readout), its training
    data, the same sequences as both layouts, and the methods to compare."""
    if kind == "classifier":
        (X, y), (X_ragged, _) = (
            _classification(layout, n_classes=3) for layout in LAYOUTS
        )
        model = _pipeline(alpha=1e-2, class_weight="balanced", early_stopping=True)
        methods = ["predict", "predict_proba", "predict_log_proba", "decision_function"]
    else:
        (X, y), (X_ragged, _) = (_regression(layout, n_targets=2) for layout in LAYOUTS)
        model = ElmanRegressor(
            3, max_iter=50, random_state=SEED, readout=["mean", "max"]
        )
        methods = ["predict"]
    return model.fit(X, y), X, y, [X, X_ragged], methods


def _elman(model):
    return model[-1] if isinstance(model, Pipeline) else model


def _assert_same_outputs(model, other, inputs, methods):
    for X in inputs:
        for method in methods:
            assert_array_equal(
                getattr(model, method)(X), getattr(other, method)(X), method
            )


@pytest.mark.parametrize("kind", KINDS)
def test_clone_is_unfitted_and_refits_identically(kind):
    model, X, y, inputs, methods = _fitted(kind)
    copy = clone(model)

    assert _elman(copy) is not _elman(model)
    assert _elman(copy).get_params() == _elman(model).get_params()
    assert not hasattr(_elman(copy), "output_weights_")
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    _assert_same_outputs(copy.fit(X, y), model, inputs, methods)
    # The int random_state is what makes the refit identical: another seed starts
    # from other weights and ends elsewhere.
    seed = "elman__random_state" if isinstance(model, Pipeline) else "random_state"
    reseeded = clone(model).set_params(**{seed: SEED + 1}).fit(X, y)
    method = methods[-1]  # decision_function or predict: continuous outputs
    assert not np.array_equal(getattr(reseeded, method)(X), getattr(model, method)(X))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated_classifier(layout, method):
    X, y = _classification(layout)
    X_test, y_test = _classification(layout, random_state=1)
    calibrated = CalibratedClassifierCV(
        _classifier(random_state=SEED), method=method, cv=3
    ).fit(X, y)

    assert len(calibrated.calibrated_classifiers_) == 3
    for fold in calibrated.calibrated_classifiers_:
        assert isinstance(fold.estimator, ElmanClassifier)
        assert fold.estimator.n_features_in_ == 2  # fitted on sequences of 2 features
    proba = calibrated.predict_proba(X_test)
    assert proba.shape == (60, 2)
    assert_allclose(proba.sum(axis=1), 1)
    assert calibrated.score(X_test, y_test) > 0.9


def _stacking(**params):
    estimators = [
        ("elman", _classifier(random_state=SEED)),
        ("scaled_elman", _pipeline(hidden_layer_sizes=4)),
    ]
    return StackingClassifier(
        estimators, final_estimator=LogisticRegression(), cv=3, **params
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_stacking_classifier(layout):
    """The Elman models read the sequences; the final estimator gets their 2-D
    out-of-fold probabilities."""
    X, y = _classification(layout)
    X_test, y_test = _classification(layout, random_state=1)
    stack = _stacking().fit(X, y)

    meta = stack.transform(X_test)
    assert meta.shape == (60, 2)  # binary: one probability column per model
    assert stack.final_estimator_.n_features_in_ == 2
    assert_array_equal(stack.predict(X_test), stack.final_estimator_.predict(meta))
    assert stack.score(X_test, y_test) > 0.9


@pytest.mark.parametrize(
    "layout, message",
    [
        ("padded", "same number of dimensions"),
        ("ragged", "inhomogeneous shape"),
    ],
)
def test_stacking_passthrough_needs_2d_x(layout, message):
    """A limitation of scikit-learn, not of the estimators: passthrough=True
    concatenates X beside the predictions with np.hstack, which takes neither
    a 3-D array nor a list of sequences of different lengths."""
    X, y = _classification(layout)
    with pytest.raises(ValueError, match=message):
        _stacking(passthrough=True).fit(X, y)


@pytest.mark.parametrize("kind", KINDS)
def test_pickle_and_joblib_round_trips(kind, tmp_path):
    model, _, _, inputs, methods = _fitted(kind)
    joblib.dump(model, tmp_path / "model.joblib")
    for copy in [
        pickle.loads(pickle.dumps(model)),
        joblib.load(tmp_path / "model.joblib"),
    ]:
        assert type(copy) is type(model)
        _assert_same_outputs(copy, model, inputs, methods)


@pytest.mark.parametrize(
    "kind, our_types",
    [
        (
            "classifier",
            [
                "sklearn_elman._elman.ElmanClassifier",
                "sklearn_elman.preprocessing.SequenceScaler",
            ],
        ),
        ("regressor", ["sklearn_elman._elman.ElmanRegressor"]),
    ],
)
def test_skops_round_trip_trusts_only_our_types(kind, our_types, tmp_path):
    """skops trusts NumPy, SciPy and scikit-learn types by default: the only
    types to trust by name are the package's own estimators."""
    model, _, _, inputs, methods = _fitted(kind)
    path = tmp_path / "model.skops"
    sio.dump(model, path)

    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == our_types
    assert all(name.startswith("sklearn_elman.") for name in untrusted)
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)
    loaded = sio.load(path, trusted=our_types)
    assert type(loaded) is type(model)
    _assert_same_outputs(loaded, model, inputs, methods)


@pytest.fixture(scope="module")
def dask_client():
    """A local Dask cluster of 2 single-threaded worker processes."""
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    # dashboard_address=":0": the dashboard on a free port. None does not turn
    # it off in distributed 2026.8 (it takes 8787, which another job may hold).
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("layout", LAYOUTS)
def test_grid_search_on_dask_matches_local_processes(
    dask_client, grid_searches, layout
):
    from distributed import get_task_stream

    X, y = _classification(layout)
    with get_task_stream(dask_client) as tasks, joblib.parallel_config("dask"):
        search = _grid_search().fit(X, y)

    workers = {task["worker"] for task in tasks.data}
    assert workers  # the fits ran on the cluster ...
    assert workers <= set(dask_client.scheduler_info()["workers"])
    _assert_same_search(search, grid_searches[layout], X)  # ... as they run locally
