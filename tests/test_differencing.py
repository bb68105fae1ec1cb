"""SequenceDifferencer: changes between consecutive observed steps,
padding-invariant, layouts and dtype kept."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanClassifier,
    SequenceDifferencer,
    SequencePooler,
    SequenceScaler,
    pad_sequences,
)


def _changes(x):
    """The definition, one sequence at a time: each observed step minus the
    previous observed one, 0 at the first."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    steps = x[~np.isnan(x).all(axis=1)]
    return np.vstack([np.zeros((1, x.shape[1])), steps[1:] - steps[:-1]])


@pytest.fixture
def sequences():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(n, 2)) for n in (7, 1, 3, 10, 6)]


@pytest.mark.parametrize("keep_original", [True, False])
def test_changes_of_the_observed_steps(sequences, keep_original):
    out = SequenceDifferencer(keep_original=keep_original).fit_transform(sequences)
    assert isinstance(out, list)
    for x, z in zip(sequences, out, strict=True):
        expected = np.hstack([x, _changes(x)]) if keep_original else _changes(x)
        assert z.shape == expected.shape
        assert_allclose(z, expected, rtol=1e-12)


def test_padding_anywhere_gives_the_same_changes(sequences):
    differencer = SequenceDifferencer().fit(sequences)
    for padding in ("pre", "post"):
        X = pad_sequences(sequences, padding=padding, maxlen=13)
        X = np.insert(X, [2, 5, 5], np.nan, axis=1)  # interior absent steps too
        out = differencer.transform(X)
        assert out.shape == (len(sequences), 16, 4)
        for z, x_padded, x in zip(out, X, sequences, strict=True):
            absent = np.isnan(x_padded).all(axis=1)
            assert np.isnan(z[absent]).all()  # padding stays where it was
            assert_allclose(z[~absent], np.hstack([x, _changes(x)]), rtol=1e-12)
            # and the sequence alone gives the same
            alone = differencer.transform(x[np.newaxis])[0]
            assert_allclose(z[~absent], alone, rtol=1e-12)


def test_two_in_a_row_give_second_differences(sequences):
    """The accuracy recipe may difference twice: the second differencer's
    changes of the changes are x_j - 2 x_(j-1) + x_(j-2) of the observed steps
    from the third on, the first change at the second, 0 at the first;
    padding anywhere still skipped."""
    twice = make_pipeline(SequenceDifferencer(), SequenceDifferencer())
    X = np.insert(pad_sequences(sequences, padding="post", maxlen=11), 3, np.nan, 1)
    out = twice.fit_transform(X)
    assert out.shape == (len(sequences), 12, 8)  # x, dx, dx, ddx
    for z, x_padded, x in zip(out, X, sequences, strict=True):
        absent = np.isnan(x_padded).all(axis=1)
        assert np.isnan(z[absent]).all()
        second = np.zeros_like(x)
        second[1:2] = x[1:2] - x[:1]
        second[2:] = x[2:] - 2 * x[1:-1] + x[:-2]
        z = z[~absent]
        assert_allclose(z[:, :2], x, rtol=1e-12)
        assert_allclose(z[:, 2:4], _changes(x), rtol=1e-12)
        assert_allclose(z[:, 4:6], _changes(x), rtol=1e-12)
        assert_allclose(z[:, 6:], second, rtol=1e-12, atol=1e-12)


def test_a_pipeline_reads_the_same_sequence_wherever_the_padding(sequences):
    """Differenced, scaled and pooled, a sequence padded anywhere gives the
    pooled sequence it gives alone (the pooler skips the padding kept)."""
    y = [0, 1, 0, 1, 0]
    pipe = make_pipeline(
        SequenceDifferencer(),
        SequenceScaler(),
        SequencePooler(2, statistics=["mean", "std"]),
    ).fit(sequences, y)
    X = np.insert(pad_sequences(sequences, padding="pre", maxlen=12), 4, np.nan, 1)
    from_padded = pipe.transform(X)
    for z, z_list in zip(from_padded, pipe.transform(sequences), strict=True):
        assert_allclose(z[: len(z_list)], z_list, rtol=1e-12)
        assert np.isnan(z[len(z_list) :]).all()


def test_layouts_are_kept():
    rng = np.random.RandomState(1)
    X2 = rng.normal(size=(4, 9))  # univariate sequences
    X2[1, 6:] = np.nan
    X2[2, 3] = np.nan
    differencer = SequenceDifferencer().fit(X2)
    Z = differencer.transform(X2)
    assert Z.shape == (4, 9, 2)  # a step has the value and its change
    assert_array_equal(Z[:, :, 0], X2)
    assert_allclose(Z[2, 4, 1], X2[2, 4] - X2[2, 2], rtol=1e-12)
    assert np.isnan(Z[1, 6:]).all()
    assert list(differencer.get_feature_names_out()) == ["x0", "x0_diff"]
    only = SequenceDifferencer(keep_original=False).fit(X2)
    assert only.transform(X2).shape == (4, 9)
    assert list(only.get_feature_names_out()) == [f"x{j}" for j in range(9)]

    univariate = [rng.normal(size=5), rng.normal(size=2)]
    out = SequenceDifferencer().fit_transform(univariate)
    assert [z.shape for z in out] == [(5, 2), (2, 2)]
    only = SequenceDifferencer(keep_original=False).fit_transform(univariate)
    assert [z.shape for z in only] == [(5,), (2,)]
    assert_allclose(only[0], np.diff(univariate[0], prepend=univariate[0][0]))
    series = np.empty(2, dtype=object)
    series[:] = univariate
    for z, expected in zip(
        SequenceDifferencer().fit_transform(series), out, strict=True
    ):
        assert_array_equal(z, expected)

    X3 = rng.normal(size=(3, 5, 2))
    differencer = SequenceDifferencer().fit(X3)
    assert differencer.transform(X3).shape == (3, 5, 4)
    assert list(differencer.get_feature_names_out()) == [
        "x0",
        "x1",
        "x0_diff",
        "x1_diff",
    ]
    # A list of one shape is read as one array, as by the estimators.
    assert_array_equal(differencer.transform(list(X3)), differencer.transform(X3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    X = np.random.RandomState(0).normal(size=(3, 7, 2)).astype(dtype)
    X[0, 3] = np.nan
    Z = SequenceDifferencer(keep_original=False).fit(X).transform(X)
    assert Z.dtype == dtype
    assert_array_equal(Z[0, 4], X[0, 4] - X[0, 2])  # computed in dtype, exactly


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_change_that_overflows_is_an_error(dtype):
    big = np.finfo(dtype).max
    X = np.array([[[0.9], [-0.9], [0.9]]], dtype=dtype) * big
    differencer = SequenceDifferencer().fit(X)  # the values themselves are fine
    with pytest.raises(ValueError, match=f"overflows {np.dtype(dtype)}"):
        differencer.transform(X)
    # Between two sequences nothing is subtracted: no overflow there.
    X = np.array([[[0.9], [0.9]], [[-0.9], [-0.9]]], dtype=dtype) * big
    assert_array_equal(differencer.transform(X)[:, :, 1], 0.0)


@pytest.mark.parametrize("keep_original", [1, "yes", None])
def test_keep_original_must_be_a_bool(keep_original):
    with pytest.raises(ValueError, match="keep_original"):
        SequenceDifferencer(keep_original=keep_original).fit(np.ones((2, 4, 1)))


def test_a_failed_fit_leaves_the_differencer_as_it_was():
    differencer = SequenceDifferencer().fit(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="no observed time step"):
        differencer.fit(np.full((2, 4, 1), np.nan))
    assert differencer.n_features_in_ == 3
    assert differencer.transform(np.ones((1, 4, 3))).shape == (1, 4, 6)


def test_set_output_pandas_applies_to_2d_output_only(sequences):
    only = SequenceDifferencer(keep_original=False).set_output(transform="pandas")
    frame = only.fit_transform(np.array([[1.0, 4.0, 5.0], [2.0, 0.0, 1.0]]))
    assert list(frame.columns) == ["x0", "x1", "x2"]
    assert_array_equal(frame.to_numpy(), [[0.0, 3.0, 1.0], [0.0, -2.0, 1.0]])
    with config_context(transform_output="pandas"):
        assert isinstance(SequenceDifferencer().fit_transform(sequences), list)
        both = SequenceDifferencer().fit_transform(np.arange(8.0).reshape(2, 4))
        assert both.shape == (2, 4, 2)  # 3-D: passed through as an array


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_keep_original_is_grid_searchable_in_a_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 12, 1)).cumsum(axis=1)
    y = (X[:, -1, 0] > X[:, 0, 0]).astype(int)
    pipe = make_pipeline(
        SequenceDifferencer(),
        SequenceScaler(),
        ElmanClassifier(4, max_iter=20, random_state=0),
    )
    search = GridSearchCV(
        pipe, {"sequencedifferencer__keep_original": [True, False]}, cv=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_estimator_[-1].n_features_in_ in (1, 2)
