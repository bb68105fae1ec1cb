"""Fitting behaviour, fitted attributes and the scikit-learn API of both estimators."""

import pickle
import re
import warnings

import numpy as np
import pytest
from _helpers import failing_line_search
from _helpers import fit_quietly as _fit
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_elman import ElmanClassifier, ElmanRegressor
from sklearn_elman._objective import TrainingData, _canonical_rows, objective
from sklearn_elman._params import pack

ESTIMATORS = [ElmanClassifier, ElmanRegressor]


def _sequences(n_samples=40, n_timesteps=6, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    X[::3, -2:] = np.nan  # some trailing padding
    return X


def _targets(kind, X):
    first = X[:, 0, 0]
    if kind == "binary":
        return (first > 0).astype(int)
    if kind == "multiclass":
        return np.digitize(first, [-0.5, 0.5])
    if kind == "multilabel":
        return np.column_stack([first > 0, X[:, 0, 1] > 0, X[:, 1, 2] > 0]).astype(int)
    if kind == "regression":
        return first
    return np.column_stack([first, X[:, 1, 1]])  # multi-output regression


@pytest.mark.parametrize(
    "Estimator, kind, n_outputs, out_activation",
    [
        (ElmanClassifier, "binary", 1, "logistic"),
        (ElmanClassifier, "multiclass", 3, "softmax"),
        (ElmanClassifier, "multilabel", 3, "logistic"),
        (ElmanRegressor, "regression", 1, "identity"),
        (ElmanRegressor, "multi-output", 2, "identity"),
    ],
)
@pytest.mark.parametrize("hidden_layer_sizes", [(5,), (5, 4)])
def test_fitted_attributes(
    Estimator, kind, n_outputs, out_activation, hidden_layer_sizes
):
    X = _sequences()
    y = _targets(kind, X)
    model = _fit(Estimator(hidden_layer_sizes, max_iter=20, random_state=0), X, y)

    n_inputs = (3, *hidden_layer_sizes[:-1])
    assert [W.shape for W in model.input_weights_] == list(
        zip(n_inputs, hidden_layer_sizes, strict=True)
    )
    assert [W.shape for W in model.recurrent_weights_] == [
        (h, h) for h in hidden_layer_sizes
    ]
    assert [b.shape for b in model.hidden_biases_] == [(h,) for h in hidden_layer_sizes]
    assert model.output_weights_.shape == (hidden_layer_sizes[-1], n_outputs)
    assert model.output_bias_.shape == (n_outputs,)
    assert model.n_outputs_ == n_outputs
    assert model.out_activation_ == out_activation
    assert model.n_features_in_ == 3
    assert 1 <= model.n_iter_ <= 20
    assert len(model.loss_curve_) == model.n_iter_
    assert model.loss_ == pytest.approx(model.loss_curve_[-1], rel=1e-12)
    # L-BFGS lowers J at every iteration.
    assert np.all(np.diff(model.loss_curve_) <= 0)
    assert model.predict(X).shape == np.shape(y)


@pytest.mark.parametrize(
    "Estimator, kind",
    [(ElmanClassifier, "multiclass"), (ElmanRegressor, "multi-output")],
)
def test_loss_is_the_objective_at_the_fitted_weights(Estimator, kind):
    X = _sequences()
    y = _targets(kind, X)
    sample_weight = np.linspace(0.5, 2.0, len(X))
    alpha = 0.3
    model = _fit(
        Estimator(4, alpha=alpha, max_iter=15, random_state=0),
        X,
        y,
        sample_weight=sample_weight,
    )

    absent = np.isnan(X).all(axis=2)
    Y = np.eye(3)[y] if kind == "multiclass" else y
    data = TrainingData.build(
        X,
        absent,
        Y,
        sample_weight,
        alpha=alpha,
        hidden_layer_sizes=(4,),
        activation="tanh",
        out_activation=model.out_activation_,
    )
    J, _ = objective(pack(model._fitted_params()), data)
    assert model.loss_ == pytest.approx(J, rel=1e-10)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_state_makes_fits_identical_to_the_bit(Estimator):
    X = _sequences()
    y = _targets("binary", X)
    a = _fit(Estimator((5, 4), max_iter=15, random_state=42), X, y)
    b = _fit(Estimator((5, 4), max_iter=15, random_state=42), X, y)
    c = _fit(Estimator((5, 4), max_iter=15, random_state=43), X, y)
    for name in ["input_weights_", "recurrent_weights_", "hidden_biases_"]:
        for Wa, Wb in zip(getattr(a, name), getattr(b, name), strict=True):
            np.testing.assert_array_equal(Wa, Wb)
    np.testing.assert_array_equal(a.output_weights_, b.output_weights_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.output_weights_, c.output_weights_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_integer_sample_weights_equal_repeated_samples(Estimator):
    X = _sequences(30)
    y = _targets("multiclass" if Estimator is ElmanClassifier else "regression", X)
    sample_weight = np.random.RandomState(0).randint(0, 4, len(X))
    repeated = _fit(
        Estimator(5, max_iter=30, random_state=0),
        X.repeat(sample_weight, axis=0),
        y.repeat(sample_weight),
    )
    order = np.random.RandomState(1).permutation(len(X))  # and order does not matter
    weighted = _fit(
        Estimator(5, max_iter=30, random_state=0),
        X[order],
        y[order],
        sample_weight=sample_weight[order],
    )
    method = "predict_proba" if Estimator is ElmanClassifier else "predict"
    np.testing.assert_allclose(
        getattr(weighted, method)(X), getattr(repeated, method)(X), rtol=1e-12, atol=0
    )
    assert weighted.loss_ == repeated.loss_


def test_canonical_rows_merge_duplicates_and_drop_zero_weights():
    X = _sequences(4)
    Y = np.arange(4.0)[:, np.newaxis]
    X2 = np.concatenate([X, X[[1, 1, 3]]])
    Y2 = np.concatenate([Y, Y[[1, 1, 3]]])
    w2 = np.array([1.0, 2.0, 0.0, 1.0, 0.5, 0.5, 3.0])
    rows, merged = _canonical_rows(X2, Y2, w2)
    assert len(rows) == 3  # sample 2 dropped (weight 0), copies of 1 and 3 merged
    assert dict(zip(Y2[rows, 0], merged, strict=True)) == {0.0: 1.0, 1.0: 3.0, 3.0: 4.0}
    # The order depends on the content only.
    perm = np.random.RandomState(0).permutation(len(X2))
    rows_p, merged_p = _canonical_rows(X2[perm], Y2[perm], w2[perm])
    np.testing.assert_array_equal(X2[perm][rows_p], X2[rows])
    np.testing.assert_array_equal(merged_p, merged)
    # Same X but another target: not merged.
    Y3 = Y2.copy()
    Y3[4] = 9.0
    assert len(_canonical_rows(X2, Y3, w2)[0]) == 4


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_continues_from_the_fitted_weights(Estimator):
    X = _sequences()
    y = _targets("binary", X)
    model = Estimator(5, warm_start=True, max_iter=5, random_state=0)
    losses = []
    for _ in range(4):
        _fit(model, X, y)
        losses.append(model.loss_)
        assert model.loss_curve_[0] < (losses[-2] if len(losses) > 1 else np.inf)
    assert all(np.diff(losses) < 0)
    cold = _fit(Estimator(5, max_iter=5, random_state=0), X, y)
    assert cold.loss_ == losses[0]


def test_warm_start_refuses_a_different_network_or_classes():
    X = _sequences()
    y = _targets("binary", X)
    model = _fit(ElmanClassifier(5, warm_start=True, max_iter=3, random_state=0), X, y)
    with pytest.raises(ValueError, match="warm_start=True needs y with the classes"):
        _fit(model, X, _targets("multiclass", X))
    with pytest.raises(ValueError, match="warm_start=True needs the network"):
        _fit(model, X[:, :, :2], y)
    model.set_params(hidden_layer_sizes=6)
    with pytest.raises(ValueError, match="warm_start=True needs the network"):
        _fit(model, X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_verbose_prints_one_line_per_iteration(Estimator, capsys):
    X = _sequences()
    model = _fit(
        Estimator(4, verbose=True, max_iter=7, random_state=0), X, _targets("binary", X)
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == model.n_iter_
    for i, (line, loss) in enumerate(zip(lines, model.loss_curve_, strict=True), 1):
        match = re.fullmatch(rf"Iteration {i}, loss = ([\d.]+), [\d.]+ s", line)
        assert match and float(match.group(1)) == pytest.approx(loss, abs=1e-8)
    _fit(clone(model).set_params(verbose=False), X, _targets("binary", X))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_convergence_warning_says_what_to_change(Estimator):
    X = _sequences()
    with pytest.warns(
        ConvergenceWarning, match=r"reached max_iter=2 .*Increase max_iter"
    ):
        Estimator(8, max_iter=2, random_state=0).fit(X, _targets("binary", X))
    with pytest.warns(
        ConvergenceWarning,
        match=r"reached max_fun=3 .*Increase max_iter \(or max_fun\)",
    ):
        Estimator(8, max_fun=3, random_state=0).fit(X, _targets("binary", X))


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_divergence_is_an_error_and_stores_no_weights(activation):
    X = _sequences() * 1e200
    model = ElmanRegressor(4, activation=activation, random_state=0)
    with pytest.raises(ValueError, match="objective became non-finite and no weights"):
        model.fit(X, _targets("regression", _sequences()))
    assert not hasattr(model, "output_weights_")


def test_classifier_outputs_are_consistent():
    X = _sequences(60)
    y = np.array(["low", "mid", "high"])[_targets("multiclass", X)]
    clf = _fit(ElmanClassifier(6, max_iter=30, random_state=0), X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert list(clf.classes_) == ["high", "low", "mid"]
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(
        clf.decision_function(X).argmax(axis=1), proba.argmax(axis=1)
    )

    binary = _fit(
        ElmanClassifier(6, max_iter=30, random_state=0), X, _targets("binary", X)
    )
    scores = binary.decision_function(X)
    assert scores.shape == (60,)
    np.testing.assert_allclose(binary.predict_proba(X)[:, 1], 1 / (1 + np.exp(-scores)))
    np.testing.assert_array_equal(binary.predict(X), (scores > 0).astype(int))


def test_regressor_keeps_the_dimensions_of_y():
    X = _sequences()
    y = _targets("regression", X)
    assert _fit(ElmanRegressor(4, max_iter=5), X, y).predict(X).shape == (40,)
    assert _fit(ElmanRegressor(4, max_iter=5), X, y[:, None]).predict(X).shape == (
        40,
        1,
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_clone_and_pipelines(Estimator):
    X = _sequences()
    y = _targets("binary", X)
    model = _fit(Estimator(4, max_iter=10, random_state=0), X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert clone(model).get_params() == model.get_params()

    pipe = make_pipeline(
        FunctionTransformer(lambda Z: Z / 2), Estimator(4, max_iter=10, random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(
            pipe,
            {"elman" + Estimator.__name__[5:].lower() + "__alpha": [1e-4, 1e-1]},
            cv=2,
        ).fit(X, y)
        scores = cross_val_score(Estimator(4, max_iter=10, random_state=0), X, y, cv=3)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(scores))


def test_dataframe_input_sets_feature_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_sequences()[:, :, 0], columns=[f"t{i}" for i in range(6)])
    X = X.fillna(0.0)
    y = _targets("binary", _sequences())
    model = _fit(ElmanClassifier(4, max_iter=5, random_state=0), X, y)
    assert list(model.feature_names_in_) == [f"t{i}" for i in range(6)]
    assert model.n_features_in_ == 6


def test_failed_line_search_keeps_loss_at_the_stored_weights():
    """After L-BFGS-B's line search fails (ABNORMAL), loss_ is J at the weights
    kept, not at the rejected trial point SciPy reports."""
    from sklearn_elman.datasets import make_sequence_classification

    X, y = make_sequence_classification(
        100, n_timesteps=10, n_classes=3, random_state=0
    )
    clf = ElmanClassifier(8, alpha=0.1, max_iter=500, random_state=0)
    with (
        failing_line_search(after=10),
        pytest.warns(ConvergenceWarning, match="line search found no lower") as record,
    ):
        clf.fit(X, y)
    assert record[0].filename == __file__  # the warning points at the caller
    assert 0 < clf.n_iter_ < 10
    data = TrainingData.build(
        X,
        np.isnan(X).all(axis=2),
        np.eye(3)[y],
        np.ones(len(y)),
        alpha=0.1,
        hidden_layer_sizes=(8,),
        activation="tanh",
        out_activation="softmax",
    )
    assert clf.loss_ == objective(pack(clf._fitted_params()), data)[0]
    assert clf.loss_ == pytest.approx(clf.loss_curve_[-1], rel=1e-12)
