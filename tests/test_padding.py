"""A sequence gets the same prediction however and wherever it is padded."""

import numpy as np
import pytest
from _helpers import fit_quietly as _fit

from sklearn_elman import ElmanClassifier, ElmanRegressor

N_FEATURES = 3
NAN_STEP = np.full((1, N_FEATURES), np.nan)


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(rng.randint(3, 9), N_FEATURES)) for _ in range(40)]


@pytest.fixture(
    scope="module",
    # Forward-only per-sequence models predict through the kernel's
    # final_state; bidirectional ones through forward(), whose first step must
    # zero the state of a sample absent there (leading padding forward,
    # trailing padding backward).
    params=[
        "classifier",
        "regressor",
        "relu-regressor",
        "bidirectional-classifier",
        "bidirectional-relu-regressor",
    ],
)
def predict(request, sequences):
    """The prediction function of a fitted two-layer model."""
    y_class = np.array([int(s[0, 0] > 0) for s in sequences])
    y_reg = np.array([s[:, 1].sum() for s in sequences])
    common = dict(
        hidden_layer_sizes=(6, 5),
        max_iter=30,
        random_state=0,
        bidirectional=request.param.startswith("bidirectional"),
    )
    if request.param.endswith("classifier"):
        return _fit(ElmanClassifier(**common), sequences, y_class).predict_proba
    activation = "relu" if "relu" in request.param else "tanh"
    return _fit(
        ElmanRegressor(activation=activation, **common), sequences, y_reg
    ).predict


def _pad(seq, lead=0, trail=0, interior=()):
    """Insert all-NaN steps before, after, and before the given inner indices."""
    parts = [NAN_STEP] * lead
    for t, step in enumerate(seq):
        parts += [NAN_STEP] * interior.count(t) + [step[np.newaxis]]
    return np.concatenate([*parts, *[NAN_STEP] * trail])


@pytest.mark.parametrize(
    "lead, trail, interior",
    [(3, 0, ()), (0, 4, ()), (0, 0, (1, 2, 2)), (2, 5, (1,)), (0, 0, ())],
    ids=["leading", "trailing", "interior", "everywhere", "none"],
)
def test_padding_does_not_change_the_prediction(
    predict, sequences, lead, trail, interior
):
    seq = sequences[0]
    alone = predict(seq[np.newaxis])
    padded = predict(_pad(seq, lead, trail, interior)[np.newaxis])
    np.testing.assert_allclose(padded, alone, rtol=0, atol=1e-12)


def test_ragged_list_equals_each_sequence_alone(predict, sequences):
    together = predict(sequences)
    alone = np.concatenate([predict(s[np.newaxis]) for s in sequences])
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-12)


def test_ragged_list_equals_padded_array(predict, sequences):
    n_timesteps = max(len(s) for s in sequences) + 2
    rng = np.random.RandomState(1)
    padded = np.full((len(sequences), n_timesteps, N_FEATURES), np.nan)
    for i, s in enumerate(sequences):  # pad "pre" for some, "post" for others
        start = rng.randint(0, n_timesteps - len(s) + 1)
        padded[i, start : start + len(s)] = s
    np.testing.assert_allclose(predict(padded), predict(sequences), rtol=0, atol=1e-12)


def test_predicts_sequences_longer_than_any_seen_in_fit(predict):
    rng = np.random.RandomState(2)
    long = rng.normal(size=(5, 200, N_FEATURES))
    out = predict(long)
    assert out.shape[0] == 5
    assert np.all(np.isfinite(out))


def test_univariate_2d_input_equals_3d_with_one_feature():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 12))
    y = (X[:, 0] > 0).astype(int)
    X_3d = X[:, :, np.newaxis]
    clf_2d = _fit(ElmanClassifier(8, max_iter=20, random_state=0), X, y)
    clf_3d = _fit(ElmanClassifier(8, max_iter=20, random_state=0), X_3d, y)
    np.testing.assert_array_equal(clf_2d.input_weights_[0], clf_3d.input_weights_[0])
    np.testing.assert_allclose(
        clf_2d.predict_proba(X), clf_3d.predict_proba(X_3d), rtol=0, atol=1e-12
    )
    # A 2-D fit also predicts on univariate sequences of another length.
    assert clf_2d.predict(X_3d[:, :5]).shape == (60,)
    assert clf_2d.n_features_in_ == 12
    assert clf_3d.n_features_in_ == 1
