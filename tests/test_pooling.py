"""SequencePooler: window statistics over observed steps, padding-invariant, layouts
kept."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanClassifier,
    SequenceDifferencer,
    SequencePooler,
    pad_sequences,
)


def _window_means(x, window):
    """The definition, one sequence at a time: x's observed steps, in windows."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    steps = x[~np.isnan(x).all(axis=1)]
    return np.array(
        [steps[k : k + window].mean(axis=0) for k in range(0, len(steps), window)]
    )


@pytest.fixture
def sequences():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(n, 2)) for n in (7, 1, 3, 10, 6)]


@pytest.mark.parametrize("window", [1, 2, 3, 6, 7, 20])
def test_window_means_of_the_observed_steps(sequences, window):
    pooled = SequencePooler(window).fit(sequences).transform(sequences)
    assert isinstance(pooled, list)
    for x, z in zip(sequences, pooled, strict=True):
        assert z.shape == (-(-len(x) // window), 2)
        assert_allclose(z, _window_means(x, window), rtol=1e-12)


def test_window_boundaries():
    x = np.arange(1.0, 8.0)  # 7 steps: windows [1,2,3] [4,5,6] [7]
    assert_array_equal(SequencePooler(3).fit_transform([x, x[:3]])[0], [2, 5, 7])
    X = x[np.newaxis]
    assert_array_equal(SequencePooler(3).fit_transform(X), [[2.0, 5.0, 7.0]])
    assert_array_equal(SequencePooler(7).fit_transform(X), [[4.0]])
    assert_array_equal(SequencePooler(8).fit_transform(X), [[4.0]])
    assert_array_equal(SequencePooler(1).fit_transform(X), X)
    # Windows count from the first observed step, not from the array's first step.
    padded = np.concatenate([[np.nan, np.nan], x])[np.newaxis]  # 9 steps, 2 absent
    assert_array_equal(SequencePooler(3).fit_transform(padded), [[2.0, 5.0, 7.0]])


@pytest.mark.parametrize("window", [1, 2, 4])
def test_padding_anywhere_gives_the_same_pooled_sequence(sequences, window):
    pooler = SequencePooler(window).fit(sequences)
    alone = [pooler.transform(x[np.newaxis])[0] for x in sequences]
    for padding in ("pre", "post"):
        X = pad_sequences(sequences, padding=padding, maxlen=13)
        X = np.insert(X, [2, 5, 5], np.nan, axis=1)  # interior absent steps too
        pooled = pooler.transform(X)
        assert pooled.shape == (len(sequences), -(-16 // window), 2)
        for z, z_alone, x in zip(pooled, alone, sequences, strict=True):
            n = -(-len(x) // window)
            assert_allclose(z[:n], z_alone[:n], rtol=1e-12)
            assert np.isnan(z[n:]).all()  # NaN-padded at the end
            assert_allclose(z[:n], _window_means(x, window), rtol=1e-12)
    for z, z_list in zip(alone, pooler.transform(sequences), strict=True):
        assert_allclose(z[: len(z_list)], z_list, rtol=1e-12)


def test_layouts_are_kept():
    rng = np.random.RandomState(1)
    X2 = rng.normal(size=(4, 9))  # univariate sequences
    X2[1, 6:] = np.nan
    pooler = SequencePooler(4).fit(X2)
    Z2 = pooler.transform(X2)
    assert Z2.shape == (4, 3)  # ceil(9 / 4) pooled steps
    assert_allclose(Z2[1, :2], [X2[1, :4].mean(), X2[1, 4:6].mean()], rtol=1e-12)
    assert np.isnan(Z2[1, 2])
    assert list(pooler.get_feature_names_out()) == [
        "sequencepooler0",
        "sequencepooler1",
        "sequencepooler2",
    ]
    univariate = [rng.normal(size=5), rng.normal(size=2)]
    pooled = SequencePooler(2).fit_transform(univariate)
    assert [z.shape for z in pooled] == [(3,), (1,)]
    series = np.empty(2, dtype=object)
    series[:] = univariate
    for z, expected in zip(
        SequencePooler(2).fit_transform(series), pooled, strict=True
    ):
        assert_array_equal(z, expected)
    X3 = rng.normal(size=(3, 5, 2))
    pooler = SequencePooler(2).fit(X3)
    assert pooler.transform(X3).shape == (3, 3, 2)
    assert list(pooler.get_feature_names_out()) == ["x0", "x1"]
    # A list of one shape is read as one array, as by the estimators.
    assert_array_equal(pooler.transform(list(X3)), pooler.transform(X3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    X = np.random.RandomState(0).normal(size=(3, 7, 2)).astype(dtype)
    X[0, 3] = np.nan
    Z = SequencePooler(3).fit(X).transform(X)
    assert Z.dtype == dtype
    assert_allclose(Z[0, 0], X[0, :3].mean(axis=0), rtol=1e-6)


def test_huge_values_do_not_overflow():
    X = np.full((1, 4, 1), 1.5e308)
    Z = SequencePooler(4).fit_transform(X)
    assert np.isfinite(Z).all()
    assert_allclose(Z, 1.5e308, rtol=1e-12)


@pytest.mark.parametrize("window", [0, -1, 2.0, 1.5, True, "3", None])
def test_window_must_be_an_integer_of_at_least_one(window):
    X = np.ones((2, 4, 1))
    with pytest.raises(ValueError, match="window"):
        SequencePooler(window).fit(X)
    # A window set after fit is checked where it is used.
    pooler = SequencePooler(2).fit(X).set_params(window=window)
    with pytest.raises(ValueError, match="window must be an integer >= 1"):
        pooler.transform(X)


@pytest.mark.parametrize(
    "transformer",
    [SequencePooler(3), SequenceDifferencer(keep_original=False)],
    ids=["pooler", "differencer"],
)
def test_input_errors_and_inputs_unmodified(sequences, transformer):
    """The step transformers' shared transform: the input is never modified
    nor shared, and bad input is an error naming the sample."""
    X = pad_sequences(sequences)
    X_copy = X.copy()
    transformer = clone(transformer).fit(X)
    assert not np.shares_memory(transformer.transform(X), X)
    assert_array_equal(X, X_copy)
    X[2, 0, 1] = np.nan
    with pytest.raises(ValueError, match="Sample 2 of X has NaN in some but not all"):
        transformer.transform(X)
    with pytest.raises(ValueError, match="expecting 2 features per time step"):
        transformer.transform(np.ones((2, 3, 3)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_window_is_grid_searchable_in_a_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 12, 1))
    y = (X[:, :6, 0].mean(axis=1) > 0).astype(int)
    pipe = make_pipeline(
        SequencePooler(), ElmanClassifier(4, max_iter=30, random_state=0)
    )
    search = GridSearchCV(pipe, {"sequencepooler__window": [1, 6]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["sequencepooler__window"] in (1, 6)
    assert len(search.cv_results_["params"]) == 2


def test_statistics_side_by_side(sequences):
    pooler = SequencePooler(3, statistics=["max", "mean", "min"]).fit(sequences)
    X = pad_sequences(sequences, padding="pre")
    X = np.insert(X, 4, np.nan, axis=1)
    for pooled in (pooler.transform(sequences), list(pooler.transform(X))):
        for x, z in zip(sequences, pooled, strict=True):
            n = -(-len(x) // 3)
            windows = [x[k : k + 3] for k in range(0, len(x), 3)]
            assert_allclose(z[:n, :2], [w.max(axis=0) for w in windows], rtol=1e-12)
            assert_allclose(z[:n, 2:4], _window_means(x, 3), rtol=1e-12)
            assert_allclose(z[:n, 4:], [w.min(axis=0) for w in windows], rtol=1e-12)
    assert list(pooler.get_feature_names_out()) == [
        f"x{j}_{stat}" for stat in ("max", "mean", "min") for j in (0, 1)
    ]
    # Univariate 2-D input: the statistics are a step's features, so 3-D out.
    Z = SequencePooler(2, statistics=("min", "max")).fit_transform([[1.0, 4, 2, 0, 5]])
    assert_array_equal(Z, [[[1.0, 4.0], [0.0, 2.0], [5.0, 5.0]]])
    pooler = SequencePooler(2, statistics=("min", "max")).fit(np.ones((2, 5)))
    assert list(pooler.get_feature_names_out()) == ["min", "max"]


@pytest.mark.parametrize("window", [1, 2, 3, 20])
def test_std_of_the_observed_steps_wherever_the_padding(sequences, window):
    pooler = SequencePooler(window, statistics=["mean", "std"]).fit(sequences)
    X = pad_sequences(sequences, padding="pre")
    X = np.insert(X, [1, 4], np.nan, axis=1)  # interior absent steps too
    for pooled in (pooler.transform(sequences), list(pooler.transform(X))):
        for x, z in zip(sequences, pooled, strict=True):
            n = -(-len(x) // window)
            windows = [x[k : k + window] for k in range(0, len(x), window)]
            # The population standard deviation (ddof=0): 0 for one step.
            expected = [w.std(axis=0) for w in windows]
            assert_allclose(z[:n, 2:], expected, rtol=1e-12, atol=1e-15)
            assert_allclose(z[:n, :2], _window_means(x, window), rtol=1e-12)
    names = ["x0_mean", "x1_mean", "x0_std", "x1_std"]
    assert list(pooler.get_feature_names_out()) == names


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_of_a_constant_window_is_exactly_zero(dtype):
    # 0.1 three times: a mean-then-deviations std would give about 1e-17
    # (np.std([0.1] * 3) does), from the rounding of the mean.
    X = np.array([[0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 7.0]], dtype=dtype)
    Z = SequencePooler(3, statistics="std").fit_transform(X)
    assert Z.dtype == dtype
    assert_array_equal(Z, [[0.0, 0.0, 0.0]])


def test_std_neither_overflows_nor_loses_tiny_windows():
    # A window of huge values beside one of tiny ones: each keeps its own scale.
    X = np.array([[[1.5e308], [-1.5e308], [1e-300], [3e-300]]])
    Z = SequencePooler(2, statistics="std").fit_transform(X)
    assert_allclose(Z[0, :, 0], [1.5e308, 1e-300], rtol=1e-12)
    X32 = np.array([[3e38, -3e38, 1e-30, 3e-30, 1.0, 2.0]], dtype=np.float32)
    Z32 = SequencePooler(2, statistics=["std"]).fit_transform(X32)
    assert Z32.dtype == np.float32
    assert_allclose(Z32, [[3e38, 1e-30, 0.5]], rtol=1e-6)


@pytest.mark.parametrize(
    "statistics", ["median", [], ["mean", "mean"], ["mean", 3], None, {"mean"}]
)
def test_statistics_must_be_known_and_distinct(statistics):
    with pytest.raises(ValueError, match="statistics"):
        SequencePooler(2, statistics=statistics).fit(np.ones((2, 4, 1)))


def test_a_failed_fit_leaves_the_pooler_as_it_was():
    pooler = SequencePooler(2).fit(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="no observed time step"):
        pooler.fit(np.full((2, 4, 1), np.nan))
    assert pooler.n_features_in_ == 3
    assert pooler.transform(np.ones((1, 4, 3))).shape == (1, 2, 3)


def test_set_output_pandas_applies_to_2d_output_only(sequences):
    from sklearn import config_context

    pooler = SequencePooler(2).set_output(transform="pandas")
    frame = pooler.fit_transform(np.arange(8.0).reshape(2, 4))
    assert list(frame.columns) == ["sequencepooler0", "sequencepooler1"]
    assert_array_equal(frame.to_numpy(), [[0.5, 2.5], [4.5, 6.5]])
    with config_context(transform_output="pandas"):
        pooled = SequencePooler(2).fit_transform(sequences)
        assert isinstance(pooled, list)
        # Several statistics make 2-D input 3-D: passed through as an array.
        both = SequencePooler(2, statistics=["min", "max"])
        assert both.fit_transform(np.arange(8.0).reshape(2, 4)).shape == (2, 2, 2)
        pipe = make_pipeline(
            SequencePooler(2), ElmanClassifier(3, max_iter=5, random_state=0)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(sequences, [0, 1, 0, 1, 0])
        assert pipe.predict(sequences).shape == (5,)


def test_several_statistics_of_a_ragged_list_of_univariate_sequences():
    """Each pooled step of a 1-D sequence holds one value per statistic."""
    univariate = [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0])]
    pooled = SequencePooler(2, statistics=["mean", "max"]).fit_transform(univariate)
    assert_array_equal(pooled[0], [[1.5, 2.0], [3.0, 3.0]])
    assert_array_equal(pooled[1], [[3.0, 5.0]])
