"""ElmanClassifierCV and ElmanRegressorCV: the search, the ensemble, and the
estimator contract (scikit-learn's checks, clone, pickle, skops, nesting,
the input layouts, parallel fits, callbacks)."""

import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_elman import (
    ElmanClassifier,
    ElmanClassifierCV,
    ElmanRegressor,
    ElmanRegressorCV,
    SequenceDifferencer,
    SequencePooler,
)
from sklearn_elman._cv import auto_windows
from sklearn_elman.datasets import make_sequence_classification

try:
    from sklearn.callback import ProgressBar
except ImportError:  # scikit-learn < 1.9
    ProgressBar = None

# A small search: 2 differences x 2 alphas (x 1 window x 1 readout) on 2 folds,
# then 2 members; tiny networks with a short budget.
SMALL = dict(
    windows=[2],
    alphas=[0.1, 1.0],
    readouts=["last"],
    differences=[0, 1],
    hidden_layer_sizes=3,
    max_iter=15,
    n_members=2,
    cv=2,
    random_state=0,
)


def _classification(n_samples=60, seed=0):
    X, y = make_sequence_classification(
        n_samples, n_timesteps=12, min_timesteps=6, random_state=seed
    )
    return X, y


def _regression(n_samples=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 12, 2))
    X[: n_samples // 2, 8:] = np.nan
    return X, 100.0 + 50.0 * np.nansum(X[:, :, 0], axis=1)


# R^2 above 0.5 on the regression checks' data takes more than SMALL's budget
@parametrize_with_checks(
    [
        ElmanClassifierCV(**SMALL),
        ElmanRegressorCV(**{**SMALL, "hidden_layer_sizes": 8, "max_iter": 100}),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_the_search_chooses_in_its_own_terms_and_the_members_follow():
    X, y = _classification()
    readouts = ["last", ["mean", "max"]]
    clf = ElmanClassifierCV(
        **{**SMALL, "n_members": 3, "windows": [1, 2], "readouts": readouts}
    )
    clf.fit(X, y)
    results = clf.cv_results_
    assert len(results["params"]) == 2 * 2 * 2 * 2  # differences x windows x ...
    assert {p["window"] for p in results["params"]} == {1, 2}
    assert {p["readout"] for p in results["params"]} == {"last", ("mean", "max")}
    assert set(clf.best_params_) == {"differences", "window", "alpha", "readout"}
    for key in clf.best_params_:
        assert list(results[f"param_{key}"]) == [p[key] for p in results["params"]]
    best = int(np.argmin(results["rank_test_score"]))
    assert results["params"][best] == clf.best_params_
    assert clf.best_score_ == results["mean_test_score"][best]
    # the members: within one standard deviation of the best, the fewest
    # differencers among those, best first, cycled
    scores, spread = results["mean_test_score"], results["std_test_score"][best]
    close = [
        p
        for p, s in zip(results["params"], scores, strict=True)
        if s >= scores[best] - spread
    ]
    fewest = min(p["differences"] for p in close)
    assert all(p in close for p in clf.ensemble_params_)
    assert all(p["differences"] == fewest for p in clf.ensemble_params_)
    assert len(clf.estimators_) == 3
    # each member is the pipeline of its setting, from seed s + k
    seeds = []
    for member, setting in zip(clf.estimators_, clf.ensemble_params_, strict=True):
        assert isinstance(member, Pipeline)
        steps = dict(member.steps)
        n_diff = sum(isinstance(steps[k], SequenceDifferencer) for k in steps)
        assert n_diff == setting["differences"]
        if setting["window"] == 1:  # no pooler: the network reads every step
            assert steps["pool"] == "passthrough"
        else:
            assert isinstance(steps["pool"], SequencePooler)
            assert steps["pool"].window == setting["window"]
        assert isinstance(steps["net"], ElmanClassifier)
        assert steps["net"].alpha == setting["alpha"]
        assert steps["net"].readout == setting["readout"]
        seeds.append(steps["net"].random_state)
    assert seeds == [seeds[0] + k for k in range(3)]


def test_probabilities_are_the_members_mean_and_decisions_agree():
    X, y = _classification()
    clf = ElmanClassifierCV(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    members = [m.predict_proba(X) for m in clf.estimators_]
    np.testing.assert_allclose(proba, np.mean(members, axis=0), rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)
    decision = clf.decision_function(X)
    assert decision.shape == (len(X),)  # two classes: the log-odds of classes_[1]
    np.testing.assert_allclose(decision, np.log(proba[:, 1] / proba[:, 0]))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(decision > 0) * 1])


def test_three_classes_and_string_labels():
    X, y = make_sequence_classification(90, n_timesteps=10, n_classes=3, random_state=0)
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = ElmanClassifierCV(**SMALL).fit(X, labels)
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert clf.decision_function(X).shape == (90, 3)
    assert set(clf.predict(X)) <= set(labels)


def test_regression_learns_standardised_targets_and_answers_in_units_of_y():
    X, y = _regression()
    reg = ElmanRegressorCV(**SMALL).fit(X, y)
    for member in reg.estimators_:
        assert isinstance(member, TransformedTargetRegressor)
        assert isinstance(member.regressor_[-1], ElmanRegressor)
        np.testing.assert_allclose(member.transformer_.mean_, [y.mean()])
    prediction = reg.predict(X)
    np.testing.assert_allclose(
        prediction, np.mean([m.predict(X) for m in reg.estimators_], axis=0)
    )
    assert abs(prediction.mean() - y.mean()) < 0.2 * y.std()
    # 2-D y keeps its shape
    Y = np.column_stack([y, -y])
    assert ElmanRegressorCV(**SMALL).fit(X, Y).predict(X).shape == (len(X), 2)


@pytest.mark.parametrize("Estimator", [ElmanClassifierCV, ElmanRegressorCV])
def test_ragged_lists_nan_padding_and_float32(Estimator):
    X, y = _classification() if Estimator is ElmanClassifierCV else _regression()
    method = "predict_proba" if Estimator is ElmanClassifierCV else "predict"
    lengths = (~np.isnan(X).all(axis=2)).sum(axis=1)
    ragged = [x[:n] for x, n in zip(X, lengths, strict=True)]
    padded = Estimator(**SMALL).fit(X, y)
    from_list = Estimator(**SMALL).fit(ragged, y)
    np.testing.assert_allclose(
        getattr(from_list, method)(ragged), getattr(padded, method)(X), rtol=1e-10
    )
    np.testing.assert_allclose(
        from_list.cv_results_["mean_test_score"],
        padded.cv_results_["mean_test_score"],
        rtol=1e-10,
    )
    single = Estimator(**SMALL).fit(X.astype(np.float32), y)
    pipeline = single.estimators_[0]
    if Estimator is ElmanRegressorCV:
        pipeline = pipeline.regressor_
    # the networks read float32 sequences, and compute in float32
    assert pipeline[:-1].transform(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(
        getattr(single, method)(X.astype(np.float32)),
        getattr(padded, method)(X),
        atol=0.05 * (1 if Estimator is ElmanClassifierCV else np.std(y)),
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"windows": [0]}, "windows must be a non-empty list of integers >= 1"),
        ({"windows": [2.5]}, "windows must be"),
        ({"alphas": [-1.0]}, "alphas must be a non-empty list of finite"),
        ({"alphas": []}, "alphas must be"),
        ({"readouts": ["median"]}, "readout must be one of"),
        ({"readouts": []}, "readouts must not be empty"),
        ({"differences": [3]}, "differences must be a non-empty list of integers"),
        ({"n_members": 0}, "n_members"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
    ],
)
def test_bad_settings_are_named_and_a_failed_fit_changes_nothing(params, message):
    X, y = _classification()
    clf = ElmanClassifierCV(**SMALL).fit(X, y)
    before = dict(vars(clf))
    with pytest.raises(ValueError, match=message):
        clf.set_params(**params).fit(X, y)
    assert vars(clf).keys() == before.keys()
    assert all(vars(clf)[k] is before[k] for k in before if k.endswith("_"))


def _with(X, index, value):
    X = X.copy()
    X[index] = value
    return X


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda X: _with(X, (4, 2, 0), np.inf),
        lambda X: _with(X, (7, 1, 0), np.nan),  # a step half NaN
        lambda X: _with(X, 3, np.nan),  # a sequence with no observed step
        lambda X: X[:, :, :, np.newaxis],
        lambda X: X.astype(complex),
    ],
    ids=["inf", "half-nan-step", "empty-sequence", "4-D", "complex"],
)
def test_input_errors_are_the_networks(make_bad):
    X, y = _classification()
    X_bad = make_bad(X)
    with pytest.raises(ValueError) as network_error:
        ElmanClassifier(3).fit(X_bad, y)
    clf = ElmanClassifierCV(**SMALL)
    with pytest.raises(ValueError) as error:
        clf.fit(X_bad, y)
    assert str(error.value) == str(network_error.value).replace(
        "ElmanClassifier", "ElmanClassifierCV"
    )
    assert not hasattr(clf, "estimators_") and not hasattr(clf, "n_features_in_")


def test_predict_checks_the_features_as_the_networks_do():
    X, y = _classification()
    clf = ElmanClassifierCV(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :, :1])


def test_auto_windows_leave_about_25_and_10_steps():
    assert auto_windows([251] * 3, (25, 10)) == [10, 25]
    assert auto_windows([8, 8], (25, 10)) == [1]
    assert auto_windows([100, 300], (25, 10)) == [8, 20]
    X, y = _classification()  # 6 to 12 steps, median 9: one window, 1
    clf = ElmanClassifierCV(**{**SMALL, "windows": "auto"}).fit(X, y)
    assert {p["window"] for p in clf.cv_results_["params"]} == {1}
    assert all(member["pool"] == "passthrough" for member in clf.estimators_)


def test_clone_pickle_and_skops_round_trips(tmp_path):
    X, y = _classification()
    clf = ElmanClassifierCV(**SMALL).fit(X, y)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clone(clf), "estimators_")
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(name.startswith("sklearn_elman.") for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_nests_in_cross_validate_and_a_pipeline():
    X, y = _classification(90)
    pipe = make_pipeline(
        FunctionTransformer(lambda X: 2.0 * X), ElmanClassifierCV(**SMALL)
    )
    result = cross_validate(pipe, X, y, cv=3)
    assert result["test_score"].shape == (3,)
    assert np.all(result["test_score"] > 0.5)


def test_parallel_fits_give_the_same_model():
    X, y = _classification()
    one = ElmanClassifierCV(**SMALL).fit(X, y)
    two = ElmanClassifierCV(**SMALL, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(two.predict_proba(X), one.predict_proba(X))


def test_no_convergence_warning_from_the_budgeted_fits():
    X, y = _classification()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ElmanClassifierCV(**SMALL).fit(X, y)


@pytest.mark.skipif(ProgressBar is None, reason="scikit-learn < 1.9")
def test_progress_bars_reach_every_network(capsys):
    rich = pytest.importorskip("rich")
    rich.reconfigure(width=200)
    try:
        X, y = _classification()
        clf = ElmanClassifierCV(**SMALL)
        clf.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
        bars = [line for line in capsys.readouterr().out.splitlines() if "%" in line]
    finally:
        rich.reconfigure()
    assert bars[0].startswith("ElmanClassifierCV - fit")
    # 4 settings x 2 folds in the search, then 2 members: one network each
    assert sum("ElmanClassifier - fit" in bar for bar in bars) == 4 * 2 + 2
    assert all("100%" in bar for bar in bars)
    assert not any(hasattr(m, "_skl_callbacks") for m in clf.estimators_)
