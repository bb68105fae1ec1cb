"""Numerical stability: extreme scales, very long sequences, saturation.

fit and predict give finite results or the documented ValueError ("objective
became non-finite"); no overflow RuntimeWarning escapes (pytest turns warnings
into errors); and neither touches NumPy's global random state.
"""

import warnings

import numpy as np
import pytest
from _helpers import fit_quietly

from sklearn_elman import ElmanClassifier, ElmanRegressor

ACTIVATIONS = ["tanh", "relu", "logistic", "identity"]
KINDS = ["classifier", "regressor"]
DIVERGED = "objective became non-finite"

RNG = np.random.RandomState(0)
X0 = RNG.normal(size=(6, 5, 2))
Y_CLASS = np.arange(6) % 2
Y_REG = RNG.normal(size=6)


def _model(kind, activation="tanh", hidden=3, max_iter=5, **params):
    """The cases were pinned with ``alpha=1e-4`` (the default until the
    accuracy benchmark moved it to 1): a weak penalty lets states explode."""
    Estimator = ElmanClassifier if kind == "classifier" else ElmanRegressor
    params.setdefault("alpha", 1e-4)
    return Estimator(
        hidden_layer_sizes=hidden,
        activation=activation,
        max_iter=max_iter,
        random_state=0,
        **params,
    )


def _y(kind, scale=1.0):
    return Y_CLASS if kind == "classifier" else scale * Y_REG


def _assert_finite_output(model, X):
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        assert np.all(np.isfinite(proba))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    else:
        assert np.all(np.isfinite(model.predict(X)))


def _fit_finite_or_diverged(model, X, y, diverges=False):
    """Fit: a finite model, or, where ``diverges`` pins it, the documented
    error and no stored weights. Pinned so that a case that fitted and now
    diverges (or the reverse) is reported."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if diverges:
            with pytest.raises(ValueError, match=DIVERGED):
                fit_quietly(model, X, y)
            assert not hasattr(model, "output_weights_")
            return
        fit_quietly(model, X, y)
    assert np.isfinite(model.loss_)
    assert all(np.isfinite(loss) for loss in model.loss_curve_)


# (scale, activation, kind) of the huge-factor fits that diverge; all others fit
_DIVERGES = {
    (1e150, "relu", "regressor"),
    (1e150, "identity", "regressor"),
    (1e300, "tanh", "regressor"),
    (1e300, "relu", "classifier"),
    (1e300, "relu", "regressor"),
    (1e300, "logistic", "regressor"),
    (1e300, "identity", "classifier"),
    (1e300, "identity", "regressor"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scale", [1e6, 1e150, 1e300])
def test_inputs_scaled_by_huge_factors(kind, activation, scale):
    model = _model(kind, activation)
    X = scale * X0
    diverges = (scale, activation, kind) in _DIVERGES
    _fit_finite_or_diverged(model, X, _y(kind, scale), diverges)
    if not diverges:
        _assert_finite_output(model, X)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_model_fitted_on_unit_scale_predicts_huge_inputs(kind, activation):
    model = fit_quietly(_model(kind, activation), X0, _y(kind))
    for scale in (1e6, 1e150, 1e300):
        _assert_finite_output(model, scale * X0)


@pytest.mark.parametrize(
    "kind, activation",
    [
        # identity: the classifier fitted on X0 has recurrent spectral radius
        # 1.18, so its state overflows over 10,000 steps: a clear error
        (k, a)
        for k in KINDS
        for a in ACTIVATIONS
    ],
)
def test_ten_thousand_steps(kind, activation):
    X = np.random.RandomState(1).normal(size=(2, 10_000, 2))
    X[0, :3000] = np.nan  # leading padding on a long sequence
    y = Y_CLASS[:2] if kind == "classifier" else Y_REG[:2]
    model = fit_quietly(_model(kind, activation), X0, _y(kind))
    if (kind, activation) == ("classifier", "identity"):
        with pytest.raises(ValueError, match="non-finite output for 2 sample"):
            model.predict(X)
    else:
        _assert_finite_output(model, X)
    tiny = _model(kind, activation, hidden=2, max_iter=2)
    _fit_finite_or_diverged(tiny, X, y)  # every one of them fits
    _assert_finite_output(tiny, X)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "activation",
    ACTIVATIONS,
)
def test_exploding_recurrence_over_ten_thousand_steps(kind, activation):
    """Weights with spectral radius 1.5: relu and identity states grow as
    1.5**t. Predict must give finite outputs or say what went wrong, never
    return NaN."""
    model = fit_quietly(_model(kind, activation), X0, _y(kind))
    model.recurrent_weights_[0][...] = 1.5 * np.eye(3)
    model.input_weights_[0][...] = 1.0
    X = np.ones((2, 10_000, 2))
    if activation in ("relu", "identity"):
        with pytest.raises(ValueError, match="non-finite output for 2 sample"):
            model.predict(X)
    else:
        _assert_finite_output(model, X)
        if kind == "classifier":
            assert np.isin(model.predict(X), model.classes_).all()


@pytest.mark.parametrize("kind", KINDS)
def test_relu_with_large_inputs(kind):
    X = 1e4 * np.abs(X0)
    model = _model(kind, "relu", alpha=0.0)
    _fit_finite_or_diverged(model, X, _y(kind, 1e4))
    _assert_finite_output(model, X)
    _assert_finite_output(model, 1e8 * X)


def test_saturated_logistic_outputs():
    """Separable classes with a huge margin and no penalty: the logistic and
    softmax outputs saturate at 0 and 1, and the cross-entropy must stay
    finite."""
    for levels in ([-1e3, 1e3], [-1e3, 0.0, 1e3]):
        X = np.repeat(levels, 3)[:, np.newaxis, np.newaxis] * np.ones((1, 3, 1))
        y = np.repeat(np.arange(len(levels)), 3)
        model = _model("classifier", "identity", alpha=0.0, max_iter=50)
        _fit_finite_or_diverged(model, X, y)
        _assert_finite_output(model, X)
        _assert_finite_output(model, 1e6 * X)
        np.testing.assert_array_equal(model.predict(X), y)
        # log-probabilities from the logits, not log(0) = -inf
        log_proba = model.predict_log_proba(1e6 * X)
        assert np.all(np.isfinite(log_proba))
        proba = model.predict_proba(1e6 * X)
        np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scale", [2.0**-900, 2.0**900])
def test_scaling_all_sample_weights_is_scaling_alpha(kind, scale):
    """J depends on the weights only through w_i / S and alpha / S: weights
    scaled by a power of two (exact in floating point) with alpha scaled alike
    give the same fit to the bit, even at scales far from 1."""
    X, y = 3 * X0, _y(kind)  # larger inputs: the penalty matters
    reference = fit_quietly(_model(kind, alpha=0.1), X, y)
    scaled = fit_quietly(
        _model(kind, alpha=0.1 * scale), X, y, sample_weight=np.full(len(X), scale)
    )
    np.testing.assert_array_equal(scaled.output_weights_, reference.output_weights_)
    np.testing.assert_array_equal(scaled.loss_curve_, reference.loss_curve_)
    if scale < 1:  # alpha unchanged: the penalty's factor alpha / S overflows
        with pytest.raises(ValueError, match="multiply sample_weight by a constant"):
            _model(kind, alpha=0.1).fit(X, y, sample_weight=np.full(len(X), scale))
    # without a penalty the weights' scale does not matter at all
    unweighted = fit_quietly(_model(kind, alpha=0.0), X, y)
    weighted = fit_quietly(
        _model(kind, alpha=0.0), X, y, sample_weight=np.full(len(X), scale)
    )
    np.testing.assert_array_equal(weighted.output_weights_, unweighted.output_weights_)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("random_state", [0, "generator"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_global_random_state_is_untouched(kind, random_state, early_stopping):
    """With an int or a RandomState, fit (also its early-stopping split) and
    predict leave NumPy's global generator alone. (random_state=None draws from
    it, as in scikit-learn.)"""
    if random_state == "generator":
        random_state = np.random.RandomState(3)
    np.random.seed(12345)  # noqa: NPY002 (the global state is the subject)
    before = np.random.get_state()  # noqa: NPY002
    model = _model(kind, early_stopping=early_stopping, validation_fraction=0.5)
    model.set_params(random_state=random_state)
    fit_quietly(model, X0, _y(kind))
    model.predict(X0)
    if kind == "classifier":
        model.predict_proba(X0)
    model.score(X0, _y(kind))
    after = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


@pytest.mark.parametrize("kind", KINDS)
def test_predict_leaves_global_random_state_alone_after_random_state_none(kind):
    model = fit_quietly(_model(kind).set_params(random_state=None), X0, _y(kind))
    before = np.random.get_state()  # noqa: NPY002
    model.predict(X0)
    model.score(X0, _y(kind))
    after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]
