"""pad_sequences: layout, truncation, errors, and the estimators' use of it."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from sklearn_elman import ElmanRegressor, pad_sequences
from sklearn_elman._validation import validate_sequences

N_FEATURES = 2


@pytest.fixture
def sequences():
    """Three sequences of 3, 1 and 2 steps of N_FEATURES features."""
    rng = np.random.RandomState(0)
    return [rng.normal(size=(n_timesteps, N_FEATURES)) for n_timesteps in (3, 1, 2)]


def _observed(X):
    """The observed steps of each padded sequence, in order."""
    return [x[~np.isnan(x).all(axis=1)] for x in X]


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_round_trip_keeps_every_sequence(sequences, padding):
    X = pad_sequences(sequences, padding=padding)
    assert X.shape == (3, 3, N_FEATURES)
    assert X.dtype == np.float64
    for x, seq in zip(_observed(X), sequences, strict=True):
        assert_array_equal(x, seq)


def test_padding_positions(sequences):
    post = pad_sequences(sequences, padding="post")
    pre = pad_sequences(sequences, padding="pre")
    absent_post = np.isnan(post).all(axis=2)
    absent_pre = np.isnan(pre).all(axis=2)
    expected_post = [[0, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert_array_equal(absent_post, np.array(expected_post, dtype=bool))
    assert_array_equal(absent_pre, absent_post[:, ::-1])
    assert_array_equal(pre[1, 2], sequences[1][0])
    assert_array_equal(post[1, 0], sequences[1][0])


def test_univariate_samples_get_one_feature():
    X = pad_sequences([[1, 2, 3], np.array([4.0])])
    expected = np.array([[1, 2, 3], [4, np.nan, np.nan]])
    assert_array_equal(X, expected[:, :, np.newaxis])


@pytest.mark.parametrize(
    ("truncating", "kept"), [("post", [1, 2]), ("pre", [3, 4])], ids=["post", "pre"]
)
def test_truncation_drops_the_chosen_end(truncating, kept):
    X = pad_sequences([[1, 2, 3, 4], [5]], maxlen=2, truncating=truncating)
    assert_array_equal(X[:, :, 0], [kept, [5, np.nan]])


def test_truncation_and_padding_are_independent():
    X = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3, padding="pre", truncating="post")
    assert_array_equal(X[:, :, 0], [[1, 2, 3], [np.nan, np.nan, 5]])


def test_maxlen_above_the_longest_pads_to_maxlen(sequences):
    X = pad_sequences(sequences, maxlen=5)
    assert X.shape == (3, 5, N_FEATURES)
    assert np.isnan(X[:, 3:]).all()
    assert_array_equal(X[0, :3], sequences[0])


def test_arrays_are_read_as_lists_of_rows():
    X_2d = np.arange(6.0).reshape(2, 3)
    assert_array_equal(pad_sequences(X_2d), X_2d[:, :, np.newaxis])
    X_3d = np.arange(12.0).reshape(2, 3, 2)
    assert_array_equal(pad_sequences(X_3d), X_3d)


def test_dtype_and_existing_nan_are_kept():
    X = pad_sequences([np.array([1, 2], dtype=np.int64), [np.nan]], dtype=np.float32)
    assert X.dtype == np.float32
    assert_array_equal(X[:, :, 0], np.array([[1, 2], [np.nan, np.nan]]))


def test_default_dtype_follows_numpy_promotion():
    f32 = np.ones(2, dtype=np.float32)
    assert pad_sequences([f32, f32[:1]]).dtype == np.float32
    assert pad_sequences([f32, np.ones(1, dtype=np.int8)]).dtype == np.float32
    assert pad_sequences([f32, np.ones(1)]).dtype == np.float64
    assert pad_sequences([[1, 2], [3]]).dtype == np.float64
    assert pad_sequences([np.ones(2, dtype=np.float16)]).dtype == np.float64


def test_pd_NA_is_padding_as_NaN():
    X = pad_sequences(
        [
            np.array([1.0, pd.NA], dtype=object),
            pd.Series([2.0, pd.NA, 3.0], dtype="Float64"),
        ]
    )
    assert_array_equal(X[:, :, 0], [[1.0, np.nan, np.nan], [2.0, np.nan, 3.0]])


def test_inputs_are_never_modified_nor_shared(sequences):
    originals = [seq.copy() for seq in sequences]
    X = pad_sequences(sequences, padding="pre", maxlen=2, truncating="pre")
    X[:] = 0.0
    for seq, original in zip(sequences, originals, strict=True):
        assert_array_equal(seq, original)
    same_lengths = np.ones((2, 3, N_FEATURES))
    assert not np.shares_memory(pad_sequences(same_lengths), same_lengths)


@pytest.mark.parametrize(
    ("sequences", "error", "match"),
    [
        ([], ValueError, "sequences is empty"),
        ([[1.0], np.ones((2, 3))], ValueError, "Sample 1 of sequences has 3 features"),
        ([[1.0], [1 + 2j]], ValueError, "Complex data not supported: sample 1"),
        ([[1.0], ["a", "b"]], ValueError, "Sample 1 of sequences is not numeric"),
        ([[1.0], [object()]], TypeError, "Sample 1 of sequences is not numeric"),
        (
            [[1.0], np.zeros(2, dtype="datetime64[s]")],
            ValueError,
            "Sample 1 of sequences must be numeric: it has dtype datetime64",
        ),
        (
            [[1.0], np.zeros(2, dtype="timedelta64[s]")],
            ValueError,
            "Sample 1 of sequences must be numeric: it has dtype timedelta64",
        ),
        (
            [[1.0], np.zeros(2, dtype=[("a", float)])],
            ValueError,
            "Sample 1 of sequences must be numeric: it has dtype",
        ),
        (pd.DataFrame({"a": [1.0]}), TypeError, "sequences is a DataFrame"),
        ([[1.0], np.ones((2, 2, 1))], ValueError, r"Sample 1 .* shape \(2, 2, 1\)"),
        ([[1.0], 3.0], ValueError, r"Sample 1 of sequences has shape \(\)"),
        ([[1.0], []], ValueError, "Sample 1 .* zero time steps or zero features"),
        ([np.ones((2, 0))], ValueError, "Sample 0 .* zero time steps or zero"),
        ([[1.0], [[1.0], [2.0, 3.0]]], ValueError, "Sample 1 .* not a rectangular"),
        ([[1.0], sp.csr_matrix(np.ones((2, 2)))], TypeError, "Sample 1 .* sparse"),
    ],
    ids=[
        "empty",
        "features",
        "complex",
        "strings",
        "objects",
        "datetime64",
        "timedelta64",
        "structured",
        "dataframe",
        "3-D sample",
        "scalar sample",
        "no steps",
        "no features",
        "not rectangular",
        "sparse",
    ],
)
def test_bad_samples_are_named_by_index(sequences, error, match):
    with pytest.raises(error, match=match):
        pad_sequences(sequences)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"padding": "middle"}, "'padding' parameter"),
        ({"truncating": "both"}, "'truncating' parameter"),
        ({"maxlen": 0}, "'maxlen' parameter"),
        ({"maxlen": 2.5}, "'maxlen' parameter"),
        ({"maxlen": True}, "'maxlen' parameter .* Got True"),
        ({"maxlen": np.True_}, "'maxlen' parameter .* Got np.True_"),
        ({"dtype": np.int64}, "dtype must be a floating dtype"),
        ({"dtype": bool}, "dtype must be a floating dtype"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[1.0, 2.0]], **kwargs)


def test_estimator_input_check_pads_lists_with_pad_sequences(sequences):
    X, absent = validate_sequences(ElmanRegressor(), sequences, reset=True)
    assert_array_equal(X, pad_sequences(sequences))
    assert_array_equal(absent, np.isnan(X).all(axis=2))


def test_estimator_errors_name_the_sample_of_X():
    with pytest.raises(ValueError, match="Sample 1 of X has 3 features per time step"):
        ElmanRegressor().fit([np.ones((2, 2)), np.ones((3, 3))], [0.0, 1.0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_padded_sequences_predict_as_the_ragged_list(sequences):
    y = np.array([0.0, 1.0, 2.0])
    reg = ElmanRegressor(hidden_layer_sizes=3, max_iter=5, random_state=0)
    reg.fit(sequences, y)  # any weights will do
    expected = reg.predict(sequences)
    for padding in ("pre", "post"):
        X = pad_sequences(sequences, padding=padding, maxlen=4)
        np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-12)
