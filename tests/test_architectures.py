"""Bidirectional networks and ``transform``: fitted attributes, what the
backward direction reads, what it buys, and the transformer API.

A bidirectional layer runs a second recurrence from each sequence's last observed
step to its first; the readout reads ``[h_fwd after the last observed step;
h_bwd after the first]``, which is also what ``transform`` returns.
"""

import copy
import pickle
import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_elman import ElmanClassifier, ElmanRegressor
from sklearn_elman._objective import samples_per_chunk

ESTIMATORS = [ElmanClassifier, ElmanRegressor]
N_FEATURES = 2
LAYERS = pytest.mark.parametrize(
    "hidden_layer_sizes", [(4,), (4, 3)], ids=["1layer", "2layers"]
)
DIRECTIONS = pytest.mark.parametrize(
    "bidirectional", [False, True], ids=["forward", "bidirectional"]
)
BACKWARD = [
    "backward_input_weights_",
    "backward_recurrent_weights_",
    "backward_hidden_biases_",
]


def _sequences(n_samples=40, n_timesteps=7, seed=0):
    """Sequences with leading, trailing and interior padding."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_timesteps, N_FEATURES))
    X[::3, -2:] = np.nan  # trailing
    X[1::4, :2] = np.nan  # leading
    X[2::5, 3] = np.nan  # interior
    return X


def _targets(Estimator, X):
    """Decided by the first three steps (padding counting as 0): learnable in a
    few iterations by both settings."""
    first = np.nan_to_num(X[:, :3, 0]).sum(axis=1)
    if Estimator is ElmanClassifier:
        return (first > 0).astype(int)
    return first


def _fit(Estimator, X, y=None, **params):
    params = {"max_iter": 10, "random_state": 0, **params}
    y = _targets(Estimator, X) if y is None else y
    return fit_quietly(Estimator(**params), X, y)


def _output(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@LAYERS
@DIRECTIONS
def test_fitted_attribute_shapes(Estimator, hidden_layer_sizes, bidirectional):
    X = _sequences()
    model = _fit(
        Estimator, X, hidden_layer_sizes=hidden_layer_sizes, bidirectional=bidirectional
    )
    n_directions = 2 if bidirectional else 1
    n_inputs = [N_FEATURES, *(n_directions * n for n in hidden_layer_sizes[:-1])]
    n_layers = len(hidden_layer_sizes)

    directions = [("input_weights_", "recurrent_weights_", "hidden_biases_")]
    if bidirectional:
        directions.append(tuple(BACKWARD))
    else:
        for name in BACKWARD:
            assert getattr(model, name) is None
    for names in directions:
        W_hx, W_hh, b_h = (getattr(model, name) for name in names)
        assert len(W_hx) == len(W_hh) == len(b_h) == n_layers
        for l, n_hidden in enumerate(hidden_layer_sizes):
            assert W_hx[l].shape == (n_inputs[l], n_hidden)
            assert W_hh[l].shape == (n_hidden, n_hidden)
            assert b_h[l].shape == (n_hidden,)
    n_features_out = n_directions * hidden_layer_sizes[-1]
    assert model.output_weights_.shape == (n_features_out, 1)
    assert model.output_bias_.shape == (1,)
    assert model.transform(X).shape == (len(X), n_features_out)
    assert len(model.get_feature_names_out()) == n_features_out
    assert clone(model).get_params()["bidirectional"] is bidirectional


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bidirectional_must_be_a_boolean(Estimator):
    with pytest.raises(ValueError, match="'bidirectional' parameter"):
        Estimator(bidirectional="yes").fit(_sequences(), np.arange(40) % 2)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@LAYERS
def test_bidirectional_false_is_the_default_network_to_the_bit(
    Estimator, hidden_layer_sizes
):
    """The default (not passing the parameter) and an explicit False fit the
    same unidirectional network along the same path."""
    assert Estimator().get_params()["bidirectional"] is False
    X = _sequences()
    default = _fit(Estimator, X, hidden_layer_sizes=hidden_layer_sizes)
    explicit = _fit(
        Estimator, X, hidden_layer_sizes=hidden_layer_sizes, bidirectional=False
    )
    for name in ("input_weights_", "recurrent_weights_", "hidden_biases_"):
        for a, b in zip(getattr(default, name), getattr(explicit, name), strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(default.output_weights_, explicit.output_weights_)
    np.testing.assert_array_equal(default.output_bias_, explicit.output_bias_)
    assert default.loss_curve_ == explicit.loss_curve_
    for name in BACKWARD:
        assert getattr(default, name) is None
    np.testing.assert_array_equal(_output(default, X), _output(explicit, X))
    np.testing.assert_array_equal(default.transform(X), explicit.transform(X))


def _first_step_task(n_samples, seed, n_timesteps=60, noise=3.0):
    """The label is the sign of the first step, followed by a long stretch of
    noise ``noise`` times its size: a forward network must carry one number
    through all of it, while the backward direction reads that step last, just
    before the readout."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_timesteps, 1))
    X[:, 1:] *= noise
    return X, (X[:, 0, 0] > 0).astype(int)


def test_bidirectional_learns_what_a_forward_network_cannot_reach():
    """Same hidden size, same iteration budget, same seed. Over 30 seeds (of the
    data and of random_state, 0..29) the forward network's held-out accuracy
    never exceeded 0.56 and the bidirectional one's never fell below 0.94; the
    thresholds sit far from both. (With noise of the first step's size, or 40
    steps, a forward network did sometimes learn it: up to 0.85.)"""
    X, y = _first_step_task(120, seed=0)
    X_test, y_test = _first_step_task(400, seed=100)
    scores = {}
    for bidirectional in (False, True):
        model = ElmanClassifier(
            4, max_iter=60, random_state=0, bidirectional=bidirectional
        )
        scores[bidirectional] = fit_quietly(model, X, y).score(X_test, y_test)
    assert scores[True] >= 0.9, scores
    assert scores[False] <= 0.7, scores


@pytest.mark.parametrize("before, after", [(False, True), (True, False)])
def test_warm_start_refuses_to_switch_bidirectional(before, after):
    X = _sequences()
    y = _targets(ElmanClassifier, X)
    model = _fit(
        ElmanClassifier,
        X,
        y,
        hidden_layer_sizes=4,
        bidirectional=before,
        warm_start=True,
    )
    proba = model.predict_proba(X)
    model.set_params(bidirectional=after)
    with pytest.raises(ValueError, match="warm_start=True needs the network") as info:
        fit_quietly(model, X, y)
    message = str(info.value)
    # the message shows both networks, which differ in that setting only
    assert f"bidirectional={before}" in message
    assert f"bidirectional={after}" in message
    # the refused fit left the fitted network alone
    assert (model.backward_input_weights_ is not None) == before
    np.testing.assert_array_equal(model.predict_proba(X), proba)


def _phi(activation):
    return {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}[activation]


def _reference_features(model, X):
    """The readout's input written out one sample at a time: drop the absent
    steps, run each layer forward and (when bidirectional) backward, read the
    forward state after the last step and the backward state after the first."""
    phi = _phi(model.activation)
    names = [["input_weights_", "recurrent_weights_", "hidden_biases_"]]
    if model.bidirectional:
        names.append(BACKWARD)
    # layers[d][l]: direction d's (W_hx, W_hh, b_h) of layer l
    layers = [
        list(zip(*(getattr(model, name) for name in direction), strict=True))
        for direction in names
    ]
    features = []
    for x in X:
        inputs = x[~np.isnan(x).all(axis=1)].astype(np.float64)
        for l in range(len(model.input_weights_)):
            states = []
            for reverse, direction in enumerate(layers):
                W_hx, W_hh, b_h = direction[l]
                h = np.zeros(W_hh.shape[0])
                H = np.empty((len(inputs), len(h)))
                steps = range(len(inputs))
                for t in reversed(steps) if reverse else steps:
                    h = H[t] = phi(inputs[t] @ W_hx + h @ W_hh + b_h)
                states.append(H)
            inputs = np.hstack(states)
        n_hidden = model.hidden_biases_[-1].shape[0]
        last = [inputs[-1, :n_hidden]]
        if model.bidirectional:
            last.append(inputs[0, n_hidden:])
        features.append(np.concatenate(last))
    return np.array(features)


@LAYERS
@DIRECTIONS
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_transform_is_the_state_the_readout_reads(
    hidden_layer_sizes, bidirectional, activation
):
    X = _sequences()
    y = _targets(ElmanClassifier, X)
    clf = _fit(
        ElmanClassifier,
        X,
        np.where(X[:, -1, 1] > 0, 2, y),  # 3 classes: a logit per class
        hidden_layer_sizes=hidden_layer_sizes,
        bidirectional=bidirectional,
        activation=activation,
    )
    features = clf.transform(X)
    np.testing.assert_allclose(
        features, _reference_features(clf, X), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        clf.decision_function(X),
        features @ clf.output_weights_ + clf.output_bias_,
        rtol=1e-12,
        atol=1e-14,
    )
    binary = _fit(
        ElmanClassifier,
        X,
        y,
        hidden_layer_sizes=hidden_layer_sizes,
        bidirectional=bidirectional,
        activation=activation,
    )
    assert binary.decision_function(X).shape == (len(X),)
    np.testing.assert_allclose(
        binary.decision_function(X),
        (binary.transform(X) @ binary.output_weights_ + binary.output_bias_)[:, 0],
        rtol=1e-12,
        atol=1e-14,
    )
    reg = _fit(
        ElmanRegressor,
        X,
        hidden_layer_sizes=hidden_layer_sizes,
        bidirectional=bidirectional,
        activation=activation,
    )
    np.testing.assert_allclose(
        reg.transform(X), _reference_features(reg, X), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        reg.predict(X),
        (reg.transform(X) @ reg.output_weights_ + reg.output_bias_)[:, 0],
        rtol=1e-12,
        atol=1e-14,
    )


def _swap_blocks(W):
    """``[forward rows; backward rows]`` to ``[backward rows; forward rows]``."""
    half = W.shape[0] // 2
    return np.concatenate([W[half:], W[:half]])


@LAYERS
def test_swapping_the_directions_is_reading_time_backwards(hidden_layer_sizes):
    """With the two directions' weights exchanged (and the row blocks that read
    them), a bidirectional network reads each sequence reversed exactly as the
    original reads it forward, padding included."""
    X = _sequences()
    model = _fit(
        ElmanRegressor, X, hidden_layer_sizes=hidden_layer_sizes, bidirectional=True
    )
    swapped = copy.deepcopy(model)
    for forward, backward in [
        ("input_weights_", "backward_input_weights_"),
        ("recurrent_weights_", "backward_recurrent_weights_"),
        ("hidden_biases_", "backward_hidden_biases_"),
    ]:
        setattr(swapped, forward, copy.deepcopy(getattr(model, backward)))
        setattr(swapped, backward, copy.deepcopy(getattr(model, forward)))
    for W_hx in (swapped.input_weights_, swapped.backward_input_weights_):
        for l in range(1, len(W_hx)):  # layers above read [forward; backward]
            W_hx[l] = _swap_blocks(W_hx[l])
    swapped.output_weights_ = _swap_blocks(model.output_weights_)

    reversed_X = X[:, ::-1]  # the padding moves with the steps
    np.testing.assert_allclose(
        swapped.predict(reversed_X), model.predict(X), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        swapped.transform(reversed_X),
        _swap_blocks(model.transform(X).T).T,
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@DIRECTIONS
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_keeps_the_floating_dtype_of_X(Estimator, bidirectional, dtype):
    X = _sequences()
    model = _fit(Estimator, X, hidden_layer_sizes=(4, 3), bidirectional=bidirectional)
    features = model.transform(X.astype(dtype))
    assert features.dtype == dtype
    assert features.shape == (len(X), (2 if bidirectional else 1) * 3)
    np.testing.assert_allclose(
        features, model.transform(X), rtol=0, atol=1e-5 if dtype is np.float32 else 0
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@DIRECTIONS
def test_feature_names_out(Estimator, bidirectional):
    model = _fit(
        Estimator, _sequences(), hidden_layer_sizes=3, bidirectional=bidirectional
    )
    prefix = Estimator.__name__.lower()
    expected = [f"{prefix}{i}" for i in range(6 if bidirectional else 3)]
    names = model.get_feature_names_out()
    assert list(names) == expected
    assert names.dtype == object


def test_fit_transform_is_fit_then_transform():
    X = _sequences()
    y = _targets(ElmanClassifier, X)
    params = dict(hidden_layer_sizes=3, bidirectional=True, max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        features = ElmanClassifier(**params).fit_transform(X, y)
    fitted = fit_quietly(ElmanClassifier(**params), X, y)
    np.testing.assert_array_equal(features, fitted.transform(X))


def test_bidirectional_features_in_a_pipeline_cross_validate():
    X = _sequences(n_samples=90, seed=1)
    y = _targets(ElmanClassifier, X)
    pipe = make_pipeline(
        ElmanClassifier(4, bidirectional=True, max_iter=30, random_state=0),
        LogisticRegression(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3, error_score="raise")
    assert scores.shape == (3,)
    assert scores.min() > 0.65, scores  # chance is about 0.5; 0.8 to 0.9 here


def test_set_output_pandas_names_the_state_columns():
    pd = pytest.importorskip("pandas")
    X = _sequences()
    model = _fit(ElmanClassifier, X, hidden_layer_sizes=3, bidirectional=True)
    expected = model.transform(X)
    model.set_output(transform="pandas")
    frame = model.transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(model.get_feature_names_out())
    assert list(frame.columns) == [f"elmanclassifier{i}" for i in range(6)]
    np.testing.assert_array_equal(frame.to_numpy(), expected)
    # predictions are not transformed output
    assert isinstance(model.predict_proba(X), np.ndarray)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_transform_before_fit_raises_not_fitted(Estimator):
    model = Estimator(3, bidirectional=True)
    with pytest.raises(NotFittedError):
        model.transform(_sequences())
    with pytest.raises(NotFittedError):
        model.get_feature_names_out()


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_float32_bidirectional_fit(Estimator):
    X, y = _first_step_task(120, seed=3, n_timesteps=10, noise=1.0)
    X32 = X.astype(np.float32)
    y = y if Estimator is ElmanClassifier else X[:, 0, 0]
    model = fit_quietly(
        Estimator(4, bidirectional=True, max_iter=60, random_state=0), X32, y
    )
    assert np.isfinite(model.loss_)
    assert all(np.isfinite(W).all() for W in model.backward_input_weights_)
    assert model.transform(X32).dtype == np.float32
    # computed in float32, it agrees with the same network run in float64 as far
    # as float32 allows: rounding this network's weights to float32 alone moves a
    # state by 3e-4 (large fitted weights amplify it over the steps)
    X64 = X32.astype(np.float64)
    np.testing.assert_allclose(model.transform(X32), model.transform(X64), atol=5e-3)
    np.testing.assert_allclose(_output(model, X32), _output(model, X64), atol=1e-3)
    X_test, y_test = _first_step_task(200, seed=4, n_timesteps=10, noise=1.0)
    y_test = y_test if Estimator is ElmanClassifier else X_test[:, 0, 0]
    assert model.score(X_test.astype(np.float32), y_test) > 0.9


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickled_bidirectional_model_predicts_the_same(Estimator):
    X = _sequences()
    model = _fit(Estimator, X, hidden_layer_sizes=(4, 3), bidirectional=True)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.get_params() == model.get_params()
    for name in BACKWARD:
        for a, b in zip(getattr(model, name), getattr(restored, name), strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_output(restored, X), _output(model, X))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    np.testing.assert_array_equal(
        restored.get_feature_names_out(), model.get_feature_names_out()
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@LAYERS
def test_chunked_predictions_equal_unchunked_ones(Estimator, hidden_layer_sizes):
    """Many sequences, predicted in chunks of a small working memory, get
    the predictions they get in one chunk, to rounding: some CPUs' OpenBLAS
    kernels round a product of fewer rows differently in the last bit (under
    OPENBLAS_CORETYPE=Nehalem, by up to 2e-13 relative)."""
    model = _fit(
        Estimator,
        _sequences(),
        hidden_layer_sizes=hidden_layer_sizes,
        bidirectional=True,
    )
    X = _sequences(n_samples=3000, n_timesteps=12, seed=5)
    layout = model._fitted_layout()
    assert samples_per_chunk(X, layout) == len(X)
    with config_context(working_memory=1):
        assert samples_per_chunk(X, layout) < len(X) // 10
        chunked = [_output(model, X), model.predict(X), model.transform(X)]
    whole = [_output(model, X), model.predict(X), model.transform(X)]
    for a, b in zip(chunked, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
