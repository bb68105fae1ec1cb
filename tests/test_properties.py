"""Property-based tests (hypothesis) of the padding contract and determinism.

A fitted model's predictions must not depend on where or how a sequence is
padded (leading, trailing, interior NaN steps; 3-D array or ragged list), on
the order of the samples in the batch, or on splitting the batch; and two fits
with the same random_state must be identical to the bit. All of it holds for
bidirectional networks too, whose backward direction starts at each sequence's
last observed step however much padding follows it.
"""

import functools

import numpy as np
import pytest
from _helpers import fit_quietly
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_elman import ElmanClassifier, ElmanRegressor

N_FEATURES = 2
ATOL = 1e-12
SETTINGS = settings(max_examples=25, deadline=None)


@functools.cache
def _fitted(kind, bidirectional=False, n_features=N_FEATURES):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 6, n_features))
    if kind == "classifier":
        model = ElmanClassifier(
            hidden_layer_sizes=3,
            max_iter=5,
            random_state=0,
            bidirectional=bidirectional,
        )
        return fit_quietly(model, X, np.arange(12) % 3)
    model = ElmanRegressor(
        hidden_layer_sizes=(3, 2),
        max_iter=5,
        random_state=0,
        bidirectional=bidirectional,
    )
    return fit_quietly(model, X, rng.normal(size=(12, 2)))


def _output(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


kinds = st.sampled_from(["classifier", "regressor"])
# the classifier has one layer, the regressor two
directions = pytest.mark.parametrize(
    "bidirectional", [False, True], ids=["forward", "bidirectional"]
)


@st.composite
def sequences(draw, max_len=8, n_features=N_FEATURES):
    """An unpadded sequence of shape (T, n_features)."""
    n_steps = draw(st.integers(1, max_len))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    return scale * np.random.RandomState(seed).normal(size=(n_steps, n_features))


@st.composite
def paddings(draw, seq):
    """The same sequence with NaN steps before, after and between its steps."""
    lead = draw(st.integers(0, 4))
    trail = draw(st.integers(0, 4))
    gaps = draw(st.lists(st.integers(0, 3), min_size=len(seq), max_size=len(seq)))
    nan = np.full((1, seq.shape[1]), np.nan)
    rows = [nan] * lead
    for i, step in enumerate(seq):
        if i > 0:
            rows += [nan] * gaps[i]
        rows.append(step[np.newaxis])
    rows += [nan] * trail
    return np.concatenate(rows)


def _stack(seqs, flush_end=False):
    """A 3-D array, each sequence NaN-padded at its end to the longest one (or at
    its start, with ``flush_end``)."""
    n_steps = max(len(s) for s in seqs)
    X = np.full((len(seqs), n_steps, seqs[0].shape[1]), np.nan)
    for i, s in enumerate(seqs):
        start = n_steps - len(s) if flush_end else 0
        X[i, start : start + len(s)] = s
    return X


@directions
@SETTINGS
@given(kind=kinds, n_features=st.integers(1, 3), data=st.data())
def test_padding_does_not_change_predictions(bidirectional, kind, n_features, data):
    model = _fitted(kind, bidirectional, n_features)
    seqs = data.draw(st.lists(sequences(n_features=n_features), min_size=1, max_size=5))
    padded = [data.draw(paddings(s)) for s in seqs]
    alone = np.concatenate([_output(model, s[np.newaxis]) for s in seqs])

    layouts = [seqs, padded, _stack(padded), _stack(seqs), _stack(padded, True)]
    if n_features == 1:  # the univariate layouts: 2-D arrays, lists of 1-D arrays
        layouts += [[s[:, 0] for s in padded], _stack(padded, True)[:, :, 0]]
    for X in layouts:
        np.testing.assert_allclose(_output(model, X), alone, rtol=0, atol=ATOL)


@directions
@SETTINGS
@given(kind=kinds, data=st.data())
def test_sample_order_and_batch_split_do_not_change_predictions(
    bidirectional, kind, data
):
    model = _fitted(kind, bidirectional)
    seqs = data.draw(st.lists(sequences(), min_size=2, max_size=8))
    padded = [data.draw(paddings(s)) for s in seqs]
    ragged = data.draw(st.booleans())
    X = padded if ragged else _stack(padded)
    reference = _output(model, X)

    order = data.draw(st.permutations(range(len(seqs))))
    X_perm = [X[i] for i in order] if ragged else X[list(order)]
    np.testing.assert_allclose(
        _output(model, X_perm), reference[list(order)], rtol=0, atol=ATOL
    )

    split = data.draw(st.integers(1, len(seqs) - 1))
    parts = np.concatenate([_output(model, X[:split]), _output(model, X[split:])])
    np.testing.assert_allclose(parts, reference, rtol=0, atol=ATOL)


@directions
@settings(max_examples=10, deadline=None)
@given(
    kind=kinds,
    seed=st.integers(0, 2**32 - 1),
    random_state=st.integers(0, 2**31 - 1),
    n_samples=st.integers(4, 10),
    n_steps=st.integers(1, 6),
    n_features=st.integers(1, 3),
    activation=st.sampled_from(["tanh", "relu", "logistic", "identity"]),
    hidden_layer_sizes=st.sampled_from([3, (3, 2)]),
    weighted=st.booleans(),
)
def test_same_random_state_gives_bit_identical_fits(
    bidirectional,
    kind,
    seed,
    random_state,
    n_samples,
    n_steps,
    n_features,
    activation,
    hidden_layer_sizes,
    weighted,
):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_steps, n_features))
    X[0, 0] = np.nan if n_steps > 1 else X[0, 0]
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None
    if kind == "classifier":
        Estimator, y = ElmanClassifier, np.arange(n_samples) % 2
    else:
        Estimator, y = ElmanRegressor, rng.normal(size=n_samples)

    def fit():
        model = Estimator(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            max_iter=4,
            random_state=random_state,
            bidirectional=bidirectional,
        )
        return fit_quietly(model, X, y, sample_weight=sample_weight)

    a, b = fit(), fit()
    names = ["input_weights_", "recurrent_weights_", "hidden_biases_"]
    if bidirectional:
        names += ["backward_" + name for name in names]
    else:
        assert a.backward_input_weights_ is None
    for name in names:
        for wa, wb in zip(getattr(a, name), getattr(b, name), strict=True):
            np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.output_weights_, b.output_weights_)
    np.testing.assert_array_equal(a.output_bias_, b.output_bias_)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(_output(a, X), _output(b, X))


@functools.cache
def _preprocessing(n_features):
    """The accuracy recipe's preprocessing (differencer, scaler, pooler), fitted."""
    from sklearn.pipeline import make_pipeline

    from sklearn_elman import SequenceDifferencer, SequencePooler, SequenceScaler

    X = np.random.RandomState(1).normal(size=(10, 9, n_features))
    chain = make_pipeline(
        SequenceDifferencer(),
        SequenceScaler(),
        SequencePooler(3, statistics=["mean", "min", "max", "std"]),
    )
    return chain.fit(X)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(n_features=st.integers(1, 3), data=st.data())
def test_padding_does_not_change_the_recipes_preprocessing(n_features, data):
    """Differenced, scaled and pooled, each sequence comes out the same alone,
    padded anywhere, in a ragged list or in a 3-D array; and its differences
    are those of its observed steps."""
    chain = _preprocessing(n_features)
    seqs = data.draw(st.lists(sequences(n_features=n_features), min_size=1, max_size=5))
    padded = [data.draw(paddings(s)) for s in seqs]
    alone = [chain.transform(s[np.newaxis])[0] for s in seqs]
    layouts = [seqs, padded, _stack(padded), _stack(seqs), _stack(padded, True)]
    for X in layouts:
        out = chain.transform(X)
        for z, z_alone in zip(out, alone, strict=True):
            np.testing.assert_allclose(z[: len(z_alone)], z_alone, rtol=0, atol=ATOL)
            assert np.isnan(z[len(z_alone) :]).all()
    differencer = chain[0]
    for s, p in zip(seqs, padded, strict=True):
        changes = differencer.transform(p[np.newaxis])[0][:, n_features:]
        observed = ~np.isnan(p).all(axis=1)
        expected = np.diff(s, axis=0, prepend=s[:1])
        np.testing.assert_array_equal(changes[observed], expected)
        assert np.isnan(changes[~observed]).all()
