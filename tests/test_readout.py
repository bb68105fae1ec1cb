"""The pooled readouts of ElmanClassifier and ElmanRegressor: what the output
reads of the last layer's states, and that padding is never pooled.

The exact gradient of every readout is in test_gradient.py (central
differences) and test_torch_crosscheck.py (PyTorch's autograd); Dask fits in
test_dask.py; skops and pickle in test_integration.py.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
)

READOUTS = ["last", "mean", "max", ["max", "mean"], ("last", "mean", "max")]


def _fit(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def _sequences(n_samples=40, n_timesteps=9, n_features=2, seed=0):
    """Sequences of 3 to n_timesteps steps, trailing NaN padding, and labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    lengths = rng.integers(3, n_timesteps + 1, size=n_samples)
    X[np.arange(n_timesteps) >= lengths[:, np.newaxis]] = np.nan
    y = (np.nanmax(X[:, :, 0], axis=1) > 1.0).astype(int)
    return X, y, lengths


def _states(network, x):
    """Every step's last-layer states of one unpadded sequence (n_timesteps,
    n_hidden_L) per direction, from the public weights, as the model page
    writes them."""
    directions = [
        (network.input_weights_, network.recurrent_weights_, network.hidden_biases_)
    ]
    if network.bidirectional:
        directions.append(
            (
                network.backward_input_weights_,
                network.backward_recurrent_weights_,
                network.backward_hidden_biases_,
            )
        )
    inputs = x
    for l in range(len(network.input_weights_)):
        layer = []
        for d, (W_hx, W_hh, b_h) in enumerate(directions):
            steps = range(len(x)) if d == 0 else reversed(range(len(x)))
            h, H = np.zeros(len(b_h[l])), np.empty((len(x), len(b_h[l])))
            for t in steps:
                h = np.tanh(inputs[t] @ W_hx[l] + h @ W_hh[l] + b_h[l])
                H[t] = h
            layer.append(H)
        inputs = np.hstack(layer)
    return layer


@pytest.mark.parametrize("readout", READOUTS, ids=str)
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
def test_transform_is_the_documented_pool_of_the_states(readout, bidirectional):
    """r is each direction's pools of its last-layer states over the
    observed steps, in the order of readout, forward first; the output reads
    r through output_weights_."""
    X, y, lengths = _sequences()
    clf = _fit(
        ElmanClassifier(
            (4, 3),
            readout=readout,
            bidirectional=bidirectional,
            max_iter=10,
            random_state=0,
        ),
        X,
        y,
    )
    pools = [readout] if isinstance(readout, str) else list(readout)
    n_directions = 2 if bidirectional else 1
    R = clf.transform(X)
    assert R.shape == (len(X), n_directions * len(pools) * 3)
    assert clf.output_weights_.shape == (R.shape[1], 1)
    for i in [0, 1, 2, int(np.argmin(lengths))]:
        expected = []
        for d, H in enumerate(_states(clf, X[i, : lengths[i]])):
            last = H[-1] if d == 0 else H[0]
            by_name = {"last": last, "mean": H.mean(axis=0), "max": H.max(axis=0)}
            expected += [by_name[pool] for pool in pools]
        np.testing.assert_allclose(R[i], np.concatenate(expected), rtol=1e-12)
    np.testing.assert_allclose(
        clf.decision_function(X),
        (R @ clf.output_weights_ + clf.output_bias_).ravel(),
        rtol=1e-12,
    )


@pytest.mark.parametrize("readout", READOUTS[1:], ids=str)
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_padding_is_never_pooled(readout, bidirectional, dtype):
    """A sequence gives the same output alone, NaN-padded at the start, at
    the end or inside, and in a ragged list; float32 stays float32."""
    X, _, lengths = _sequences()
    X = X.astype(dtype)
    reg = _fit(
        ElmanRegressor(
            (4, 3),
            readout=readout,
            bidirectional=bidirectional,
            max_iter=10,
            random_state=0,
        ),
        X,
        np.nan_to_num(X[:, :, 0]).sum(axis=1),
    )
    x = X[5, : lengths[5]]
    gap = np.full((3, X.shape[2]), np.nan, dtype)
    variants = [
        x[np.newaxis],
        np.concatenate([gap, x])[np.newaxis],
        np.concatenate([x, gap])[np.newaxis],
        np.concatenate([x[:2], gap, x[2:]])[np.newaxis],
    ]
    ragged = [X[i, : lengths[i]] for i in range(len(X))]
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for method in ["predict", "transform"]:
        alone = getattr(reg, method)(variants[0])
        assert alone.dtype == (dtype if method == "transform" else np.float64)
        for variant in variants[1:]:
            np.testing.assert_allclose(getattr(reg, method)(variant), alone, rtol=rtol)
        np.testing.assert_allclose(getattr(reg, method)(ragged)[5], alone[0], rtol=rtol)
        np.testing.assert_allclose(getattr(reg, method)(X)[5], alone[0], rtol=rtol)


def test_a_pooled_readout_learns_what_the_last_state_forgets():
    """A class told by a short burst anywhere in the first 90 of 150 noisy
    steps: the maximum over the steps reads it wherever it is, while the last
    state must carry it over 60 to 150 steps, which L-BFGS does not find."""

    def bursts(n_samples, rng):
        X = rng.normal(size=(n_samples, 150, 1))
        y = rng.integers(0, 2, n_samples)
        start = rng.integers(0, 90, n_samples)
        for i in np.flatnonzero(y):
            X[i, start[i] : start[i] + 3, 0] += 3.0
        return X, y

    rng = np.random.default_rng(0)
    (X, y), (X_test, y_test) = bursts(100, rng), bursts(200, rng)
    scores = {
        str(readout): _fit(
            ElmanClassifier(8, readout=readout, max_iter=150, random_state=0), X, y
        ).score(X_test, y_test)
        for readout in ["last", "max", ["mean", "max"]]
    }
    assert scores["last"] < 0.65, scores
    assert scores["max"] > 0.85, scores
    assert scores["['mean', 'max']"] > 0.85, scores


@pytest.mark.parametrize(
    "readout", ["median", "", [], ["mean", "mean"], ["mean", 3], {"mean"}], ids=repr
)
@pytest.mark.parametrize("Estimator", [ElmanClassifier, ElmanRegressor])
def test_bad_readouts_are_rejected_before_anything_changes(Estimator, readout):
    X, y, _ = _sequences(n_samples=10)
    fitted = _fit(Estimator(3, max_iter=2, random_state=0), X, y)
    weights = fitted.output_weights_.copy()
    with pytest.raises(ValueError, match="readout"):
        fitted.set_params(readout=readout).fit(X, y)
    np.testing.assert_array_equal(fitted.output_weights_, weights)


def test_predictions_use_the_fitted_readout():
    """Setting readout after fit changes the next fit, not the fitted model."""
    X, y, _ = _sequences()
    clf = _fit(ElmanClassifier(3, readout="max", max_iter=5, random_state=0), X, y)
    proba = clf.predict_proba(X)
    clf.set_params(readout=["mean", "max"])
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert _fit(clf, X, y).transform(X).shape == (len(X), 6)


def test_warm_start_needs_the_same_number_of_pools():
    X, y, _ = _sequences()
    clf = _fit(ElmanClassifier(3, readout="mean", max_iter=5, warm_start=True), X, y)
    _fit(clf.set_params(readout="max"), X, y)  # same shapes: starts from them
    with pytest.raises(ValueError, match="warm_start=True needs the network"):
        clf.set_params(readout=["mean", "max"]).fit(X, y)


@pytest.mark.parametrize("readout", ["max", ["mean", "last"]], ids=str)
def test_early_stopping_scores_the_pooled_readout(readout):
    X, y, _ = _sequences(n_samples=60)
    clf = _fit(
        ElmanClassifier(
            4, readout=readout, early_stopping=True, max_iter=30, random_state=0
        ),
        X,
        y,
    )
    # the best validation score is that of the kept weights, read as fitted
    held_out = clf.validation_scores_
    assert clf.best_validation_score_ == max(held_out)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).readout == readout


@pytest.mark.parametrize("Estimator", [ElmanSequenceClassifier, ElmanSequenceRegressor])
def test_per_step_estimators_read_every_step_and_take_no_readout(Estimator):
    assert "readout" not in Estimator().get_params()
    with pytest.raises(TypeError, match="readout"):
        Estimator(readout="max")
