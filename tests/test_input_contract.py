"""Every rule of the input contract: what is accepted, and each error's message."""

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import fit_quietly as _fit

from sklearn_elman import ElmanClassifier, ElmanRegressor

ESTIMATORS = [ElmanClassifier, ElmanRegressor]


def _quick(Estimator, **params):
    return Estimator(hidden_layer_sizes=3, max_iter=3, random_state=0, **params)


def _data(n_samples=6, n_timesteps=5, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_samples, n_timesteps, n_features)), np.arange(
        n_samples
    ) % 2


def _with_nan(X, index):
    X = X.copy()
    X[index] = np.nan
    return X


def _with_inf(X, index, sign=1):
    X = X.copy()
    X[index] = sign * np.inf
    return X


X0, Y0 = _data()
BAD_X = [
    pytest.param(
        _with_nan(X0, (2, 3, 0)),
        "Sample 2 of X has NaN in some but not all",
        id="partial-nan",
    ),
    pytest.param(
        _with_inf(X0, (4, 1, 1)),
        "Sample 4 of X contains infinity at time step 1",
        id="inf",
    ),
    pytest.param(
        _with_inf(X0, (0, 0, 0), -1), "Sample 0 of X contains infinity", id="-inf"
    ),
    pytest.param(
        _with_nan(X0, (3,)), "Sample 3 of X has no observed time step", id="all-absent"
    ),
    pytest.param(X0[:, 0, 0], r"X is 1-D; .* Reshape your data", id="1-D"),
    pytest.param(X0[:, :, :, np.newaxis], "X has 4 dimensions", id="4-D"),
    pytest.param(X0[:, :0], r"has 0 time steps", id="zero-steps"),
    pytest.param(X0[:, :, :0], r"has 0 features", id="zero-features"),
    pytest.param(X0[:, :0, 0], r"0 feature\(s\)", id="zero-width-2-D"),
    pytest.param(X0 + 1j, "Complex data not supported", id="complex"),
    pytest.param(np.full(X0.shape, "a"), "X must be numeric", id="strings"),
    pytest.param([], "X is an empty list", id="empty-list"),
    pytest.param(np.empty((0, 5, 2)), "0 sample", id="zero-samples"),
    pytest.param(
        [X0[0], X0[1, :3, :1], *list(X0[2:])],
        "Sample 1 of X has 1 features per time step, but sample 0 has 2",
        id="ragged-feature-mismatch",
    ),
    pytest.param(
        [X0[0], X0[1, :0], *list(X0[2:])],
        r"Sample 1 of X has shape \(0, 2\): zero time steps",
        id="ragged-empty-sample",
    ),
    pytest.param(
        [X0[0], X0[1, :2, :, np.newaxis], *list(X0[2:])],
        r"Sample 1 of X has shape \(2, 2, 1\)",
        id="ragged-3-D-sample",
    ),
    pytest.param(
        [X0[0], X0[1, :2] + 1j, *list(X0[2:])],
        "Complex data not supported: sample 1",
        id="ragged-complex",
    ),
    pytest.param(
        [X0[0], np.array(["a", "b"]), *list(X0[2:])],
        "Sample 1 of X is not numeric",
        id="ragged-strings",
    ),
    pytest.param(
        [X0[0], [[1.0, 2.0], [3.0]], *list(X0[2:])],
        "Sample 1 of X is not a rectangular array",
        id="ragged-nested",
    ),
    pytest.param(
        [X0[0], _with_nan(X0[1, :3], (1, 0)), *list(X0[2:])],
        "Sample 1 of X has NaN in some but not all of its 2 features at time step 1",
        id="ragged-partial-nan",
    ),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("X, message", BAD_X)
def test_fit_rejects_bad_X_with_a_message_that_says_where(Estimator, X, message):
    y = Y0[: len(X)] if len(X) else []
    with pytest.raises(ValueError, match=message):
        _quick(Estimator).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("X, message", BAD_X)
def test_predict_rejects_bad_X_too(Estimator, X, message):
    model = _fit(_quick(Estimator), X0, Y0)
    with pytest.raises(ValueError, match=message):
        model.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "to_sparse", [sp.csr_matrix, sp.csr_array], ids=["csr_matrix", "csr_array"]
)
def test_sparse_input_is_a_type_error(Estimator, to_sparse):
    X = to_sparse(X0[:, :, 0])
    with pytest.raises(TypeError, match="Sparse input is not supported"):
        _quick(Estimator).fit(X, Y0)
    model = _fit(_quick(Estimator), X0[:, :, :1], Y0)
    with pytest.raises(TypeError, match="Sparse input is not supported"):
        model.predict(X)
    with pytest.raises(TypeError, match="Sample 0 of X is a sparse matrix"):
        model.predict([to_sparse(X0[0]), X0[1, :2]])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_needs_the_fitted_features_per_step(Estimator):
    model = _fit(_quick(Estimator), X0, Y0)  # 2 features per step
    with pytest.raises(ValueError, match="X has 3 features per time step, but"):
        model.predict(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="2-D X is read as univariate sequences"):
        model.predict(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="X has 1 features per time step, but"):
        model.predict([np.zeros((4, 1)), np.zeros((2, 1))])
    # Any number of time steps is fine.
    assert model.predict(np.zeros((2, 11, 2))).shape[0] == 2
    assert model.predict([np.zeros((4, 2)), np.zeros((1, 2))]).shape[0] == 2


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_after_a_2d_fit_2d_input_keeps_the_fitted_width(Estimator):
    model = _fit(_quick(Estimator), X0[:, :, 0], Y0)
    assert model.n_features_in_ == 5
    with pytest.raises(ValueError, match=r"X has 4 features, but .* expecting 5"):
        model.predict(X0[:, :4, 0])
    assert model.predict(X0[:, :4, :1]).shape[0] == len(X0)  # 3-D: any length


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_y_none_and_length_mismatch(Estimator):
    with pytest.raises(ValueError, match="requires y to be passed"):
        _quick(Estimator).fit(X0, None)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        _quick(Estimator).fit(X0, Y0[:-1])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (-np.ones(6), "Negative values in data passed to `sample_weight`"),
        (np.zeros(6), "Sample weights must contain at least one non-zero number"),
        (np.full(6, np.nan), "contains NaN"),
        (np.ones(5), r"sample_weight.shape == \(5,\), expected \(6,\)"),
    ],
    ids=["negative", "all-zero", "nan", "wrong-length"],
)
def test_bad_sample_weight(Estimator, sample_weight, message):
    with pytest.raises(ValueError, match=message):
        _quick(Estimator).fit(X0, Y0, sample_weight=sample_weight)


def test_classifier_needs_two_classes():
    with pytest.raises(ValueError, match="at least 2 classes; y has only 1 class"):
        _quick(ElmanClassifier).fit(X0, np.zeros(6))


def test_classifier_rejects_continuous_targets():
    with pytest.raises(ValueError, match="Unknown label type"):
        _quick(ElmanClassifier).fit(X0, np.linspace(0, 1, 6))


def test_regressor_rejects_nan_targets_and_3d_y():
    with pytest.raises(ValueError, match="Input y contains NaN"):
        _quick(ElmanRegressor).fit(X0, np.full(6, np.nan))
    with pytest.raises(ValueError, match="Found array with dim 3"):
        _quick(ElmanRegressor).fit(X0, np.zeros((6, 2, 2)))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params, message",
    [
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes must be a positive"),
        ({"hidden_layer_sizes": ()}, "hidden_layer_sizes must be a positive"),
        ({"activation": "softplus"}, "'activation' parameter"),
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"max_fun": 0}, "'max_fun' parameter"),
        ({"tol": -1e-3}, "'tol' parameter"),
    ],
)
def test_invalid_hyperparameters(Estimator, params, message):
    with pytest.raises(ValueError, match=message):
        Estimator(**params).fit(X0, Y0)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("layout", ["3-D", "ragged"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_inputs_are_never_modified(Estimator, layout, early_stopping):
    X, y = _data(n_samples=8)
    X[0, :2] = np.nan  # padding the kernel must not overwrite with zeros
    X[1, -1] = np.nan
    sample_weight = np.linspace(0.5, 2, len(X))
    X_in = X if layout == "3-D" else [x for x in X]
    copies = [np.copy(x) for x in X_in], y.copy(), sample_weight.copy()

    model = _quick(Estimator, early_stopping=early_stopping, validation_fraction=0.5)
    _fit(model, X_in, y, sample_weight=sample_weight)
    for method in [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ]:
        if hasattr(model, method):
            getattr(model, method)(X_in)
    model.score(X_in, y, sample_weight=sample_weight)

    for before, after in zip(copies[0], X_in, strict=True):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(copies[1], y)
    np.testing.assert_array_equal(copies[2], sample_weight)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predicting_one_padded_sequence_leaves_it_unchanged(Estimator, dtype):
    """One sample is the case where a transposed view needs no copy."""
    model = _fit(_quick(Estimator), X0, Y0)
    x = _with_nan(X0[:1], (0, slice(3, None))).astype(dtype)
    before = x.copy()
    first = model.predict(x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(model.predict(x), first)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, bool, object])
def test_numeric_dtypes_are_accepted(Estimator, dtype):
    X = (X0 > 0).astype(dtype)
    model = _fit(_quick(Estimator), X, Y0)
    assert np.all(np.isfinite(model.predict(X).astype(float)))
