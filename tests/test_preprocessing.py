"""SequenceScaler: statistics over observed steps, padding kept, layouts kept.

scikit-learn's feature-name and set_output checks run here for SequencePooler
and SequenceDifferencer too (tests/test_pooling.py and
tests/test_differencing.py have the rest of their tests).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks

from sklearn_elman import (
    ElmanClassifier,
    SequenceDifferencer,
    SequencePooler,
    SequenceScaler,
    pad_sequences,
)

N_FEATURES = 3


@pytest.fixture
def sequences():
    """Ragged sequences whose features have very different means and scales."""
    rng = np.random.RandomState(0)
    loc, scale = np.array([5.0, -100.0, 0.0]), np.array([2.0, 30.0, 0.01])
    return [loc + scale * rng.normal(size=(n, N_FEATURES)) for n in (4, 1, 3, 6)]


def _observed_steps(X):
    """All observed steps of padded X, stacked: (n_observed_steps, n_features)."""
    return X[~np.isnan(X).all(axis=2)]


def test_statistics_are_over_observed_steps(sequences):
    steps = np.concatenate(sequences)  # (14, N_FEATURES)
    X = pad_sequences(sequences, padding="pre", maxlen=8)
    X = np.insert(X, 3, np.nan, axis=1)  # an interior absent step too
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, steps.mean(axis=0), rtol=1e-12)
    assert_allclose(scaler.var_, steps.var(axis=0), rtol=1e-12)
    assert_allclose(scaler.scale_, steps.std(axis=0), rtol=1e-12)
    assert scaler.n_features_in_ == N_FEATURES

    X_scaled = scaler.transform(X)
    assert X_scaled.shape == X.shape
    assert_array_equal(np.isnan(X_scaled), np.isnan(X))  # padding stays NaN
    expected = (steps - steps.mean(axis=0)) / steps.std(axis=0)
    assert_allclose(_observed_steps(X_scaled), expected, rtol=1e-12)
    assert_allclose(_observed_steps(X_scaled).mean(axis=0), 0.0, atol=1e-12)
    assert_allclose(_observed_steps(X_scaled).std(axis=0), 1.0, rtol=1e-12)


def test_ragged_list_in_ragged_list_out(sequences):
    scaler = SequenceScaler().fit(sequences)
    scaled = scaler.transform(sequences)
    assert isinstance(scaled, list)
    assert [x.shape for x in scaled] == [x.shape for x in sequences]
    padded = scaler.transform(pad_sequences(sequences))
    for x, x_padded in zip(scaled, padded, strict=True):
        assert_allclose(x, x_padded[: len(x)], rtol=1e-12)
    restored = scaler.inverse_transform(scaled)
    assert isinstance(restored, list)
    for x, original in zip(restored, sequences, strict=True):
        assert_allclose(x, original, rtol=1e-12)


def test_series_of_ragged_sequences_is_read_as_their_list(sequences):
    series = pd.Series(sequences, index=[10, 11, 12, 13], dtype=object)
    scaler = SequenceScaler().fit(series)
    assert_allclose(scaler.mean_, SequenceScaler().fit(sequences).mean_, rtol=1e-12)
    scaled = scaler.transform(series)
    assert isinstance(scaled, list)
    for x, expected in zip(scaled, scaler.transform(sequences), strict=True):
        assert_array_equal(x, expected)


def test_univariate_list_samples_keep_their_1d_shape():
    sequences = [np.array([1.0, 2.0, 3.0]), np.array([5.0])]
    scaled = SequenceScaler().fit_transform(sequences)
    assert [x.shape for x in scaled] == [(3,), (1,)]
    expected = (np.array([1.0, 2.0, 3.0, 5.0]) - 2.75) / np.std([1, 2, 3, 5])
    assert_allclose(np.concatenate(scaled), expected, rtol=1e-12)


def test_2d_input_is_univariate_sequences():
    X = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]])
    scaler = SequenceScaler().fit(X)
    assert scaler.n_features_in_ == 3  # the 2-D width, as for the estimators
    assert_allclose(scaler.mean_, [3.0])  # one feature per step: all values
    assert_allclose(scaler.scale_, [np.std([1, 2, 3, 4, 5])])
    X_scaled = scaler.transform(X)
    assert X_scaled.shape == (2, 3)
    assert np.isnan(X_scaled[0, 2])
    assert_allclose(scaler.inverse_transform(X_scaled), X, rtol=1e-12)
    assert list(scaler.get_feature_names_out()) == ["x0", "x1", "x2"]
    # 3-D sequences of any length have the fitted single feature per step.
    assert scaler.transform(np.ones((2, 7, 1))).shape == (2, 7, 1)
    with pytest.raises(ValueError, match="X has 2 features, but SequenceScaler"):
        scaler.transform(X[:, :2])


def test_3d_round_trip_and_feature_names(sequences):
    X = pad_sequences(sequences)
    scaler = SequenceScaler().fit(X)
    X_scaled = scaler.transform(X)
    assert_allclose(scaler.inverse_transform(X_scaled), X, rtol=1e-12)
    assert list(scaler.get_feature_names_out()) == ["x0", "x1", "x2"]
    # Any number of time steps at transform.
    assert scaler.transform(X[:, :2]).shape == (len(sequences), 2, N_FEATURES)


def test_list_of_equal_shapes_is_an_array(sequences):
    same_shape = [x[:1] for x in sequences]
    scaler = SequenceScaler().fit(sequences)
    X_scaled = scaler.transform(same_shape)
    assert isinstance(X_scaled, np.ndarray)
    assert X_scaled.shape == (len(sequences), 1, N_FEATURES)
    assert_allclose(X_scaled, scaler.transform(np.stack(same_shape)))


def test_constant_feature_gets_scale_one():
    X = np.ones((4, 3, 2))
    X[:, :, 1] = np.arange(12.0).reshape(4, 3)
    scaler = SequenceScaler().fit(X)
    assert_array_equal(scaler.scale_[0], 1.0)
    assert_array_equal(scaler.var_[0], 0.0)
    assert_array_equal(scaler.transform(X)[:, :, 0], 0.0)


@pytest.mark.parametrize("with_mean", [True, False])
@pytest.mark.parametrize("with_std", [True, False])
def test_with_mean_and_with_std(sequences, with_mean, with_std):
    X = pad_sequences(sequences)
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(X)
    steps = np.concatenate(sequences)
    expected = steps - steps.mean(axis=0) if with_mean else steps
    expected = expected / steps.std(axis=0) if with_std else expected
    assert_allclose(_observed_steps(scaler.transform(X)), expected, rtol=1e-12)
    assert (scaler.scale_ is None) == (not with_std)
    assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12)


def test_integer_sample_weights_repeat_sequences(sequences):
    weights = np.array([2, 0, 1, 3])
    repeated = [x for x, w in zip(sequences, weights, strict=True) for _ in range(w)]
    weighted = SequenceScaler().fit(sequences, sample_weight=weights)
    plain = SequenceScaler().fit(repeated)
    assert_allclose(weighted.mean_, plain.mean_, rtol=1e-12)
    assert_allclose(weighted.scale_, plain.scale_, rtol=1e-12)
    with pytest.raises(ValueError, match="weight"):
        SequenceScaler().fit(sequences, sample_weight=[1, -1, 1, 1])


def test_inputs_are_not_modified_nor_shared(sequences):
    X = pad_sequences(sequences)
    X_copy, sequences_copy = X.copy(), [x.copy() for x in sequences]
    identity = SequenceScaler(with_mean=False, with_std=False)
    for data in (X, sequences):
        out = identity.fit(data).transform(data)
        back = identity.inverse_transform(data)
        for result in (out, back):
            result = result if isinstance(result, list) else [result]
            originals = data if isinstance(data, list) else [data]
            for r, original in zip(result, originals, strict=True):
                assert not np.shares_memory(r, original)
        SequenceScaler().fit(data).transform(data)
    assert_array_equal(X, X_copy)
    for x, original in zip(sequences, sequences_copy, strict=True):
        assert_array_equal(x, original)


def test_input_errors_name_the_sample(sequences):
    X = pad_sequences(sequences)
    X[2, 0, 1] = np.nan  # some but not all features of a step
    with pytest.raises(ValueError, match="Sample 2 of X has NaN in some but not all"):
        SequenceScaler().fit(X)
    scaler = SequenceScaler().fit(sequences)
    with pytest.raises(ValueError, match="Sample 1 of X has 2 features per time"):
        scaler.transform([np.ones((2, 3)), np.ones((3, 2))])
    with pytest.raises(ValueError, match="expecting 3 features per time step"):
        scaler.transform(np.ones((2, 3, 2)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_with_classifier_on_ragged_lists():
    rng = np.random.RandomState(1)
    # Large offsets and scales: a sequence's class is the sign of the deviation
    # of its first step's feature 0 from 1000.
    X = [1000.0 + 50.0 * rng.normal(size=(rng.randint(2, 6), 2)) for _ in range(60)]
    y = np.array([int(x[0, 0] > 1000.0) for x in X])
    classifier = ElmanClassifier(hidden_layer_sizes=4, max_iter=60, random_state=0)
    pipeline = make_pipeline(SequenceScaler(), classifier).fit(X, y)
    assert pipeline.score(X, y) > 0.9
    # The same as scaling by hand, then classifying.
    X_scaled = SequenceScaler().fit_transform(X)
    manual = ElmanClassifier(hidden_layer_sizes=4, max_iter=60, random_state=0)
    manual.fit(X_scaled, y)
    assert_allclose(pipeline.predict_proba(X), manual.predict_proba(X_scaled))


# scikit-learn's checks of feature names and set_output, which
# parametrize_with_checks does not run (polars' variants would need polars).
# The pandas set_output checks fit on a DataFrame and transform an array on
# purpose (and the reverse): the warnings about feature names are theirs.
_MIXED_NAMES = [
    pytest.mark.filterwarnings("ignore:X does not have valid feature names"),
    pytest.mark.filterwarnings("ignore:X has feature names, but"),
]


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_set_output_transform,
        pytest.param(
            estimator_checks.check_set_output_transform_pandas, marks=_MIXED_NAMES
        ),
        pytest.param(
            estimator_checks.check_global_output_transform_pandas, marks=_MIXED_NAMES
        ),
        estimator_checks.check_transformer_get_feature_names_out,
        estimator_checks.check_transformer_get_feature_names_out_pandas,
        estimator_checks.check_get_feature_names_out_error,
        estimator_checks.check_dataframe_column_names_consistency,
    ],
    ids=lambda check: check.__name__,
)
@pytest.mark.parametrize(
    "transformer",
    # Not SequencePooler(statistics=[...]) with several, nor SequenceDifferencer
    # keeping the original features: their 2-D input gives 3-D output, which
    # set_output passes through (tests/test_pooling.py, test_differencing.py).
    [
        SequenceScaler(),
        SequencePooler(),
        SequencePooler(2),
        SequenceDifferencer(keep_original=False),
    ],
    ids=repr,
)
def test_feature_names_and_set_output(check, transformer):
    check(type(transformer).__name__, transformer)


def test_scaler_keeps_float32():
    """float32 sequences stay float32 through transform and its inverse, so
    that the network after the scaler computes in float32; the statistics are
    the float64 ones."""
    rng = np.random.default_rng(0)
    X = (5.0 + 3.0 * rng.normal(size=(20, 7, 3))).astype(np.float32)
    X[:5, 4:] = np.nan
    scaler = SequenceScaler().fit(X)
    scaled = scaler.transform(X)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(
        scaled,
        SequenceScaler().fit_transform(X.astype(np.float64)),
        rtol=1e-5,
        atol=1e-6,
    )
    restored = scaler.inverse_transform(scaled)
    assert restored.dtype == np.float32
    np.testing.assert_allclose(restored, X, rtol=1e-5)
