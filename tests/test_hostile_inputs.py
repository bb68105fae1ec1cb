"""Unusual and hostile inputs that tests/test_input_contract.py does not cover.

Every case is either accepted, with a finite and sensible output, or rejected
with a ValueError or TypeError whose message names the problem. No other
exception type, and no NumPy RuntimeWarning (pytest turns warnings into
errors), may escape.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import fit_quietly
from sklearn import config_context
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceScaler,
    pad_sequences,
)

RNG = np.random.RandomState(0)
X0 = RNG.normal(size=(6, 5, 2))
_GAPS = np.zeros((6, 5), dtype=bool)
_GAPS[[0, 3], [4, 1]] = True  # a trailing and an interior absent step
Y_CLASS = np.arange(6) % 2
Y_REG = RNG.normal(size=6)
ACCEPT = "accept"

CLF, REG, BOTH = ("classifier",), ("regressor",), ("classifier", "regressor")


def _y(kind):
    return Y_CLASS if kind == "classifier" else Y_REG


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _memmap(tmp_path, a, mode="r"):
    path = tmp_path / "X.dat"
    writer = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    writer[:] = a
    writer.flush()
    del writer
    return np.memmap(path, dtype=a.dtype, mode=mode, shape=a.shape)


def _matrix(a):
    with warnings.catch_warnings():  # NumPy's own PendingDeprecationWarning
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(a)


# pandas labels (each without a missing value) and the classes_ they must give:
# the user's labels, in their NumPy type (not floats)
PANDAS_LABELS = {
    "Int64": (pd.Series([5, 7] * 3, dtype="Int64"), np.array([5, 7])),
    "UInt8": (pd.Series([0, 1] * 3, dtype="UInt8"), np.array([0, 1], dtype=np.uint8)),
    "boolean": (pd.Series([True, False] * 3, dtype="boolean"), np.array([False, True])),
    "string": (pd.Series(["a", "b"] * 3, dtype="string"), np.array(["a", "b"])),
    "category": (pd.Series(["a", "b"] * 3, dtype="category"), np.array(["a", "b"])),
    "int-category": (pd.Series([3, 4] * 3, dtype="category"), np.array([3, 4])),
}
# the same with a missing label (sample 2)
LABELS = {
    "boolean": [True, False, None, True, False, True],
    "string": ["a", "b", None, "b", "a", "b"],
    "category": ["a", "b", None, "b", "a", "b"],
}


def _steps(absent, n_features):
    """A mask of every feature of the absent steps: (n_timesteps, n_features)."""
    return np.repeat(absent[:, np.newaxis], n_features, axis=1)


def _with_na(X, steps, na=pd.NA):
    """X (a copy) with every feature of the given (sample, step) absent."""
    X = X.copy()
    X[steps] = na
    return X


# element types that NumPy converts to numbers, and that hold none
_NOT_NUMBERS = {
    "datetime64": "datetime64[D]",
    "timedelta64": "timedelta64[s]",
    "structured": [("a", float)],
}


def _object_array(items):
    """A 1-D object array holding ``items`` (NumPy would stack equal shapes)."""
    X = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        X[i] = x
    return X


# (id, kinds, make(kind, tmp_path) -> (X, y, fit_params), expected, reference)
# expected: ACCEPT, or (exception type, regex the message must match).
# reference: for accepted cases, a function of kind giving (X, y) whose fit
# must predict exactly the same (the input is the same data in another form).
CASES = [
    # --- X containers -------------------------------------------------------
    ("nested-list-3-D", BOTH, lambda k, p: (X0.tolist(), _y(k), {}), ACCEPT, True),
    (
        "nested-list-2-D",
        BOTH,
        lambda k, p: (X0[:, :, 0].tolist(), list(_y(k)), {}),
        ACCEPT,
        lambda k: (X0[:, :, 0], _y(k)),
    ),
    (
        "ragged-1-D-lists",
        BOTH,
        lambda k, p: ([list(x[: 2 + i % 3, 0]) for i, x in enumerate(X0)], _y(k), {}),
        ACCEPT,
        lambda k: ([x[: 2 + i % 3, 0] for i, x in enumerate(X0)], _y(k)),
    ),
    ("tuple-of-arrays", BOTH, lambda k, p: (tuple(X0), _y(k), {}), ACCEPT, True),
    (
        "dataframe-X-series-y",
        BOTH,
        lambda k, p: (
            pd.DataFrame(X0[:, :, 0], columns=list("abcde")),
            pd.Series(_y(k)),
            {},
        ),
        ACCEPT,
        lambda k: (X0[:, :, 0], _y(k)),
    ),
    (
        "dataframe-nullable-Float64",
        BOTH,
        lambda k, p: (pd.DataFrame(X0[:, :, 0]).astype("Float64"), _y(k), {}),
        ACCEPT,
        lambda k: (X0[:, :, 0], _y(k)),
    ),
    (
        "list-of-dataframes",
        BOTH,
        lambda k, p: ([pd.DataFrame(x) for x in X0], _y(k), {}),
        ACCEPT,
        True,
    ),
    (
        "dataframe-string-column",
        BOTH,
        lambda k, p: (pd.DataFrame({"a": ["x"] * 6, "b": range(6)}), _y(k), {}),
        (ValueError, "X must be numeric"),
        None,
    ),
    (
        "np-matrix",
        BOTH,
        lambda k, p: (_matrix(X0[:, :, 0]), _y(k), {}),
        (TypeError, "np.matrix is not supported"),
        None,
    ),
    ("scalar-X", BOTH, lambda k, p: (3.0, _y(k), {}), (TypeError, "got a float"), None),
    (
        "None-X",
        BOTH,
        lambda k, p: (None, _y(k), {}),
        (TypeError, "got a NoneType"),
        None,
    ),
    (
        "dict-X",
        BOTH,
        lambda k, p: ({"a": 1}, _y(k), {}),
        (TypeError, "got a dict"),
        None,
    ),
    (
        "generator-X",
        BOTH,
        lambda k, p: ((x for x in X0), _y(k), {}),
        (TypeError, "got a generator"),
        None,
    ),
    (
        "masked-array",
        BOTH,
        lambda k, p: (np.ma.masked_greater(X0, 1.5), _y(k), {}),
        (TypeError, "X is a masked array, whose mask would be ignored"),
        None,
    ),
    (
        "list-with-a-masked-array",
        BOTH,
        lambda k, p: (
            [X0[0], np.ma.masked_greater(X0[1], 1.5), *X0[2:4]],
            _y(k)[:4],
            {},
        ),
        (TypeError, "Sample 1 of X is a masked array"),
        None,
    ),
    (
        "dataframe-with-NA-steps",
        BOTH,
        lambda k, p: (
            pd.DataFrame(X0[:, :, 0]).astype("Float64").mask(_GAPS),
            _y(k),
            {},
        ),
        ACCEPT,
        lambda k: (np.where(_GAPS, np.nan, X0[:, :, 0]), _y(k)),
    ),
    (
        "dataframe-datetime-column",
        BOTH,
        lambda k, p: (
            pd.DataFrame({"a": pd.date_range("2020", periods=6), "b": range(6)}),
            _y(k),
            {},
        ),
        (ValueError, "X must be numeric: it has dtype datetime64"),
        None,
    ),
    (
        "dataframe-sparse-columns",
        BOTH,
        lambda k, p: (
            pd.DataFrame(X0[:, :, 0]).astype(pd.SparseDtype(float)),
            _y(k),
            {},
        ),
        (TypeError, "Sparse input is not supported"),
        None,
    ),
    (
        "dataframe-mixed-column-names",
        BOTH,
        lambda k, p: (
            pd.DataFrame(X0[:, :, 0], columns=["a", 1, "c", "d", "e"]),
            _y(k),
            {},
        ),
        (TypeError, "Feature names are only supported if all input features"),
        None,
    ),
    (
        "series-of-strings",
        BOTH,
        lambda k, p: (pd.Series(["a"] * 6, dtype="string"), _y(k), {}),
        (ValueError, "X must be numeric"),
        None,
    ),
    (
        "series-nullable-Float64",
        BOTH,
        lambda k, p: (pd.Series(X0[:, 0, 0], dtype="Float64"), _y(k), {}),
        (ValueError, "X is 1-D"),
        None,
    ),
    (
        "object-array-of-ragged-sequences",
        BOTH,
        lambda k, p: (
            _object_array([x[: 2 + i % 3] for i, x in enumerate(X0)]),
            _y(k),
            {},
        ),
        ACCEPT,
        lambda k: ([x[: 2 + i % 3] for i, x in enumerate(X0)], _y(k)),
    ),
    (
        "object-array-with-a-number",
        BOTH,
        lambda k, p: (_object_array([X0[0], 1.0, *X0[2:]]), _y(k), {}),
        (ValueError, r"Sample 1 of X has shape \(\)"),
        None,
    ),
    (
        "series-of-arrays",
        BOTH,
        lambda k, p: (pd.Series(list(X0)), _y(k), {}),
        ACCEPT,
        True,
    ),
    (
        "series-of-ragged-series",
        BOTH,
        lambda k, p: (
            pd.Series([pd.Series(x[: 2 + i % 3, 0]) for i, x in enumerate(X0)]),
            _y(k),
            {},
        ),
        ACCEPT,
        lambda k: ([x[: 2 + i % 3, 0] for i, x in enumerate(X0)], _y(k)),
    ),
    (
        "series-of-numbers",
        BOTH,
        lambda k, p: (pd.Series(X0[:, 0, 0]), _y(k), {}),
        (ValueError, "X is 1-D"),
        None,
    ),
    (
        "nested-dataframe",
        BOTH,
        lambda k, p: (
            pd.DataFrame({f: [pd.Series(x[:, f]) for x in X0] for f in range(2)}),
            _y(k),
            {},
        ),
        (ValueError, "X holds sequences inside the cells"),
        None,
    ),
    (
        "object-NA-as-padding",
        BOTH,
        lambda k, p: (_with_na(X0.astype(object), _GAPS), _y(k), {}),
        ACCEPT,
        lambda k: (_with_na(X0, _GAPS, np.nan), _y(k)),
    ),
    (
        "object-NA-in-some-features",
        BOTH,
        lambda k, p: (np.where(X0 > 1.5, pd.NA, X0.astype(object)), _y(k), {}),
        (ValueError, "Sample 0 of X has NaN in some but not all"),
        None,
    ),
    (
        "ragged-nullable-dataframes-with-NA",
        BOTH,
        lambda k, p: (
            [
                pd.DataFrame(x[: 2 + i % 3])
                .astype("Float64")
                .mask(_steps(_GAPS[i, : 2 + i % 3], 2))
                for i, x in enumerate(X0)
            ],
            _y(k),
            {},
        ),
        ACCEPT,
        lambda k: (
            [
                _with_na(x[: 2 + i % 3], _GAPS[i, : 2 + i % 3], np.nan)
                for i, x in enumerate(X0)
            ],
            _y(k),
        ),
    ),
    (
        "ragged-float32",
        BOTH,
        lambda k, p: (
            [x[: 2 + i % 3].astype(np.float32) for i, x in enumerate(X0)],
            _y(k),
            {},
        ),
        ACCEPT,
        lambda k: (
            pad_sequences(
                [x[: 2 + i % 3].astype(np.float32) for i, x in enumerate(X0)]
            ),
            _y(k),
        ),
    ),
    *(
        (
            f"ragged-{name}",
            BOTH,
            lambda k, p, dtype=dtype: (
                [np.zeros(2 + i % 3, dtype=dtype) for i in range(6)],
                _y(k),
                {},
            ),
            (ValueError, r"Sample 0 of X must be numeric: it has dtype"),
            None,
        )
        for name, dtype in _NOT_NUMBERS.items()
    ),
    *(
        (
            f"list-of-{name}",
            BOTH,
            lambda k, p, dtype=dtype: ([np.zeros(3, dtype=dtype)] * 6, _y(k), {}),
            (ValueError, r"X must be numeric: it has dtype"),
            None,
        )
        for name, dtype in _NOT_NUMBERS.items()
    ),
    (
        "timedelta64",
        BOTH,
        lambda k, p: (np.zeros((6, 5), dtype="timedelta64[s]"), _y(k), {}),
        (ValueError, "X must be numeric: it has dtype timedelta64"),
        None,
    ),
    (
        "object-timestamps",
        BOTH,
        lambda k, p: (
            np.array([[pd.Timestamp("2020")] * 5] * 6, dtype=object),
            _y(k),
            {},
        ),
        (TypeError, "X must be numeric: float"),
        None,
    ),
    # --- X dtypes and memory layouts ----------------------------------------
    ("bool", BOTH, lambda k, p: (X0 > 0, _y(k), {}), ACCEPT, None),
    (
        "int8",
        BOTH,
        lambda k, p: ((10 * X0).astype(np.int8), _y(k), {}),
        ACCEPT,
        lambda k: ((10 * X0).astype(np.int8).astype(float), _y(k)),
    ),
    (
        "uint64-near-max",
        BOTH,
        lambda k, p: (np.full((6, 5, 2), 2**63, dtype=np.uint64), _y(k), {}),
        ACCEPT,
        None,
    ),
    ("float16", BOTH, lambda k, p: (X0.astype(np.float16), _y(k), {}), ACCEPT, None),
    ("big-endian", BOTH, lambda k, p: (X0.astype(">f8"), _y(k), {}), ACCEPT, True),
    ("object-floats", BOTH, lambda k, p: (X0.astype(object), _y(k), {}), ACCEPT, True),
    (
        "object-None-as-padding",
        BOTH,
        lambda k, p: (np.where(X0 > 1.5, None, X0.astype(object)), _y(k), {}),
        (ValueError, "NaN in some but not all"),
        None,
    ),
    (
        "object-string",
        BOTH,
        lambda k, p: (np.where(X0 > 1.5, "a", X0.astype(object)), _y(k), {}),
        (ValueError, "X must be numeric"),
        None,
    ),
    (
        "numeric-strings",
        BOTH,
        lambda k, p: (X0.astype(str), _y(k), {}),
        ACCEPT,
        lambda k: (X0.astype(str).astype(float), _y(k)),
    ),
    (
        "bytes",
        BOTH,
        lambda k, p: (np.zeros((6, 5), dtype="S1"), _y(k), {}),
        (ValueError, "X must be numeric"),
        None,
    ),
    (
        "datetime64",
        BOTH,
        lambda k, p: (np.zeros((6, 5), dtype="datetime64[s]"), _y(k), {}),
        (ValueError, "numeric"),
        None,
    ),
    (
        "structured-one-field",
        BOTH,
        lambda k, p: (np.zeros((6, 5), dtype=[("a", float)]), _y(k), {}),
        (ValueError, "numeric"),
        None,
    ),
    ("read-only", BOTH, lambda k, p: (_readonly(X0), _y(k), {}), ACCEPT, True),
    (
        "read-only-ragged",
        BOTH,
        lambda k, p: ([_readonly(x[: 2 + i % 3]) for i, x in enumerate(X0)], _y(k), {}),
        ACCEPT,
        lambda k: ([x[: 2 + i % 3] for i, x in enumerate(X0)], _y(k)),
    ),
    ("memmap-r", BOTH, lambda k, p: (_memmap(p, X0), _y(k), {}), ACCEPT, True),
    ("memmap-c", BOTH, lambda k, p: (_memmap(p, X0, "c"), _y(k), {}), ACCEPT, True),
    (
        "fortran-order",
        BOTH,
        lambda k, p: (np.asfortranarray(X0), _y(k), {}),
        ACCEPT,
        True,
    ),
    # --- y ------------------------------------------------------------------
    (
        "y-too-long",
        BOTH,
        lambda k, p: (X0, np.resize(_y(k), 7), {}),
        (ValueError, r"inconsistent numbers of samples: \[6, 7\]"),
        None,
    ),
    (
        "y-2-D-too-short",
        BOTH,
        lambda k, p: (X0, np.zeros((5, 2)), {}),
        (ValueError, r"inconsistent numbers of samples: \[6, 5\]"),
        None,
    ),
    (
        "one-class",
        CLF,
        lambda k, p: (X0, np.ones(6), {}),
        (ValueError, "at least 2 classes"),
        None,
    ),
    (
        "one-sample",
        CLF,
        lambda k, p: (X0[:1], Y_CLASS[:1], {}),
        (ValueError, "at least 2 classes"),
        None,
    ),
    ("one-sample", REG, lambda k, p: (X0[:1], Y_REG[:1], {}), ACCEPT, None),
    ("constant-target", REG, lambda k, p: (X0, np.ones(6), {}), ACCEPT, None),
    (
        "nan-in-y",
        BOTH,
        lambda k, p: (X0, np.where(Y_CLASS == 0, np.nan, 1.0), {}),
        (ValueError, "y contains NaN"),
        None,
    ),
    (
        "inf-in-y",
        BOTH,
        lambda k, p: (X0, np.where(Y_CLASS == 0, np.inf, 1.0), {}),
        (ValueError, "y contains infinity"),
        None,
    ),
    (
        "pd-NA-in-y",
        BOTH,
        lambda k, p: (X0, pd.Series([0, 1, pd.NA, 1, 0, 1], dtype="Int64"), {}),
        (ValueError, "y contains NaN"),
        None,
    ),
    (
        "None-in-object-y",
        CLF,
        lambda k, p: (X0, np.array([0, 1, None, 1, 0, 1], dtype=object), {}),
        (ValueError, "Unknown label type"),
        None,
    ),
    ("bool-y", BOTH, lambda k, p: (X0, Y_CLASS.astype(bool), {}), ACCEPT, None),
    *(
        (f"pandas-{name}-y", CLF, lambda k, p, y=y: (X0, y, {}), ACCEPT, None)
        for name, (y, _) in PANDAS_LABELS.items()
    ),
    *(
        (
            f"missing-label-in-pandas-{dtype}-y",
            CLF,
            lambda k, p, dtype=dtype: (X0, pd.Series(LABELS[dtype], dtype=dtype), {}),
            (ValueError, "y contains NaN or NA: sample 2 has no label"),
            None,
        )
        for dtype in ("boolean", "string", "category")
    ),
    (
        "string-y",
        REG,
        lambda k, p: (X0, np.array(["a", "b"] * 3), {}),
        (ValueError, "could not convert string to float"),
        None,
    ),
    (
        "float-labels-beyond-int64",
        CLF,
        lambda k, p: (X0, Y_CLASS * 1e300, {}),
        (ValueError, "Unknown label type: continuous"),
        None,
    ),
    (
        "float-labels-within-int64",
        CLF,
        lambda k, p: (X0, Y_CLASS * 2.0**62, {}),
        ACCEPT,
        None,
    ),
    (
        "huge-regression-targets",
        REG,
        lambda k, p: (X0, Y_REG * 1e300, {}),
        (ValueError, "objective became non-finite .* the targets y"),
        None,
    ),
    # --- sample_weight ------------------------------------------------------
    (
        "one-negative-weight",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.r_[np.ones(5), -1.0]}),
        (ValueError, "Negative values in data passed to `sample_weight`"),
        None,
    ),
    (
        "one-nan-weight",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.r_[np.ones(5), np.nan]}),
        (ValueError, "sample_weight contains NaN"),
        None,
    ),
    (
        "one-inf-weight",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.r_[np.ones(5), np.inf]}),
        (ValueError, "sample_weight contains infinity"),
        None,
    ),
    (
        "2-D-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.ones((6, 1))}),
        (ValueError, "Sample weights must be 1D"),
        None,
    ),
    (
        "string-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.array(["a"] * 6)}),
        (ValueError, "could not convert string to float"),
        None,
    ),
    (
        "scalar-weight",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": 2.0}),
        ACCEPT,
        None,
    ),
    (
        "list-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": [1] * 6}),
        ACCEPT,
        lambda k: (X0, _y(k)),
    ),
    (
        "huge-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.full(6, 1e300)}),
        ACCEPT,
        None,
    ),
    (
        "weights-summing-beyond-float64",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.full(6, 1e308)}),
        ACCEPT,  # S overflows float64; the weights summed scaled do not
        None,
    ),
    (
        "tiny-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.full(6, 1e-300)}),
        (ValueError, r"alpha / sum\(sample_weight\) = 1 / 6e-300 = 1.67e\+299"),
        None,
    ),
    (
        "subnormal-weights",
        BOTH,
        lambda k, p: (X0, _y(k), {"sample_weight": np.full(6, 5e-324)}),
        (ValueError, r"alpha / sum\(sample_weight\) = .* = inf is above"),
        None,
    ),
]

# (id, class_weight, expected) for the classifier, as above
CLASS_WEIGHT_CASES = [
    ("negative-class-weight", {0: -1.0, 1: 1.0}, (ValueError, "finite, non-negative")),
    ("nan-class-weight", {0: np.nan, 1: 1.0}, (ValueError, "finite, non-negative")),
    ("inf-class-weight", {0: np.inf, 1: 1.0}, (ValueError, "finite, non-negative")),
    ("missing-class-weight", {0: 1.0, 2: 1.0}, (ValueError, "not in class_weight")),
    ("zero-class-weights", {0: 0.0, 1: 0.0}, (ValueError, "at least one non-zero")),
    ("one-zero-class-weight", {0: 0.0, 1: 1.0}, ACCEPT),
    (
        "class-weight-overflow",
        {0: 1e308, 1: 1e308},
        (ValueError, "times the class weights exceed the largest float64"),
    ),
]


def _params():
    """One pytest.param per case and estimator."""
    for name, kinds, *rest in CASES:
        for kind in kinds:
            yield pytest.param(kind, *rest, id=f"{kind}-{name}")


def _model(kind):
    Estimator = ElmanClassifier if kind == "classifier" else ElmanRegressor
    return Estimator(hidden_layer_sizes=3, max_iter=3, random_state=0)


def _n_samples(X):
    return len(X) if not np.isscalar(X) else None


@pytest.mark.parametrize("kind, make, expected, reference", list(_params()))
def test_hostile_input(kind, make, expected, reference, tmp_path):
    X, y, fit_params = make(kind, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if expected != ACCEPT:
            error, message = expected
            with pytest.raises(error, match=message):
                fit_quietly(_model(kind), X, y, **fit_params)
            return
        model = fit_quietly(_model(kind), X, y, **fit_params)
        prediction = model.predict(X)

    assert len(prediction) == _n_samples(X)
    if kind == "classifier":
        assert np.isin(prediction, model.classes_).all()
        assert np.all(np.isfinite(model.predict_proba(X)))
    else:
        assert np.all(np.isfinite(prediction))
    assert np.isfinite(model.loss_)
    if reference is not None:
        X_ref, y_ref = (X0, _y(kind)) if reference is True else reference(kind)
        expected_model = fit_quietly(_model(kind), X_ref, y_ref)
        np.testing.assert_array_equal(prediction, expected_model.predict(X_ref))


@pytest.mark.parametrize(
    "class_weight, expected",
    [pytest.param(*case[1:], id=case[0]) for case in CLASS_WEIGHT_CASES],
)
def test_class_weight(class_weight, expected):
    model = _model("classifier").set_params(class_weight=class_weight)
    sample_weight = np.full(6, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if expected != ACCEPT:
            with pytest.raises(expected[0], match=expected[1]):
                fit_quietly(model, X0, Y_CLASS, sample_weight=sample_weight)
            return
        fit_quietly(model, X0, Y_CLASS, sample_weight=sample_weight)
    assert np.all(np.isfinite(model.predict_proba(X0)))


@pytest.mark.parametrize("name", PANDAS_LABELS)
def test_pandas_labels_keep_their_type(name):
    y, classes = PANDAS_LABELS[name]
    model = fit_quietly(_model("classifier"), X0, y)
    np.testing.assert_array_equal(model.classes_, classes)
    assert model.classes_.dtype.kind == classes.dtype.kind
    assert model.predict(X0).dtype == model.classes_.dtype
    assert model.score(X0, y) == np.mean(model.predict(X0) == y.to_numpy())


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: _readonly(X0), ACCEPT),
        (lambda p: _memmap(p, X0), ACCEPT),
        (lambda p: X0.tolist(), ACCEPT),
        (lambda p: X0[:0], (ValueError, r"0 sample\(s\)")),
        (lambda p: np.where(X0 > 1.5, "a", X0.astype(object)), (ValueError, "numeric")),
    ],
    ids=["read-only", "memmap", "nested-list", "zero-samples", "object-string"],
)
def test_hostile_input_to_predict(kind, make, expected, tmp_path):
    model = fit_quietly(_model(kind), X0, _y(kind))
    X = make(tmp_path)
    if expected != ACCEPT:
        with pytest.raises(expected[0], match=expected[1]):
            model.predict(X)
        return
    np.testing.assert_array_equal(model.predict(X), model.predict(X0))


# --- the per-step estimators, early stopping, SequenceScaler, set_output and
# pad_sequences: (id, run, expected), run() doing its own checks when accepted
_STEPS_X = np.where(_GAPS[:, :, np.newaxis], np.nan, X0)
_STEP_LABELS = (np.arange(30).reshape(6, 5) % 2).astype(object)


def _step_fit(Estimator, y, X=_STEPS_X):
    model = fit_quietly(Estimator(3, max_iter=3, random_state=0), X, y)
    assert np.all(np.isfinite(np.asarray(model.predict(X), dtype=float)))
    return model


def _anything_at_absent_steps(Estimator, filler):
    """Targets at absent steps that are not targets: the same fit as with any
    other value there."""
    y = _STEP_LABELS.astype(object)
    reference = _step_fit(Estimator, y)
    y = y.copy()
    y[_GAPS] = filler
    np.testing.assert_array_equal(
        _step_fit(Estimator, y).predict(_STEPS_X), reference.predict(_STEPS_X)
    )


def _int64_step_labels():
    y = pd.DataFrame(_STEP_LABELS + 5).astype("Int64").mask(_GAPS)  # NA at gaps
    model = _step_fit(ElmanSequenceClassifier, y)
    assert model.classes_.dtype == np.int64
    assert model.predict(_STEPS_X).dtype == np.int64


def _early_stopping(Estimator, sample_weight=None, **params):
    y = Y_CLASS if Estimator is ElmanClassifier else Y_REG
    model = Estimator(3, max_iter=3, early_stopping=True, random_state=0, **params)
    fit_quietly(model, X0, y, sample_weight=sample_weight)


def _scaler_statistics(X, sample_weight=None):
    scaler = SequenceScaler().fit(X, sample_weight=sample_weight)
    for statistic in (scaler.mean_, scaler.var_, scaler.scale_):
        assert np.all(np.isfinite(statistic))
    return scaler


def _scaler_keeps_the_mean_of_subnormal_weights():
    weighted = _scaler_statistics(X0, sample_weight=np.full(6, 5e-324))
    np.testing.assert_array_equal(weighted.mean_, SequenceScaler().fit(X0).mean_)


def _pandas_output(X, where):
    default = SequenceScaler().fit_transform(X)
    if where == "global":
        with config_context(transform_output="pandas"):
            got = SequenceScaler().fit_transform(X)
    else:
        got = SequenceScaler().set_output(transform="pandas").fit_transform(X)
    assert type(got) is type(default)  # passed through unchanged
    for one, two in zip(got, default, strict=True):
        np.testing.assert_array_equal(one, two)


def _pipeline_under_global_pandas_output(X, y):
    with config_context(transform_output="pandas"):
        model = make_pipeline(SequenceScaler(), _model("classifier"))
        fit_quietly(model, X, y)
        assert np.isin(model.predict(X), [0, 1]).all()


_RAGGED = [x[: 2 + i % 3] for i, x in enumerate(X0)]
OTHER_CASES = [
    ("step-Int64-labels", _int64_step_labels, ACCEPT),
    *(
        (
            f"step-{name}-at-absent-steps-{kind}",
            lambda Estimator=Estimator, filler=filler: _anything_at_absent_steps(
                Estimator, filler
            ),
            ACCEPT,
        )
        for name, filler in [("None", None), ("NA", pd.NA), ("string", "?")]
        for kind, Estimator in [
            ("classifier", ElmanSequenceClassifier),
            ("regressor", ElmanSequenceRegressor),
        ]
    ),
    (
        "step-None-at-an-observed-step",
        lambda: _step_fit(
            ElmanSequenceClassifier,
            np.where(np.arange(30).reshape(6, 5) == 7, None, _STEP_LABELS),
        ),
        (ValueError, "missing or non-finite target at time step 2 of sample 1"),
    ),
    (
        "step-zero-outputs",
        lambda: _step_fit(ElmanSequenceRegressor, np.zeros((6, 5, 0))),
        (ValueError, "y has 0 outputs per time step"),
    ),
    (
        "step-mixed-label-types",
        lambda: _step_fit(
            ElmanSequenceClassifier, np.where(_STEP_LABELS == 0, "a", _STEP_LABELS)
        ),
        (ValueError, "y mixes labels of types that cannot be compared"),
    ),
    (
        "early-stopping-one-held-out",
        lambda: _early_stopping(ElmanRegressor, validation_fraction=0.1),
        (ValueError, "The validation set is too small: .* holds out 1"),
    ),
    (
        "early-stopping-nothing-left-to-train-on",
        lambda: _early_stopping(ElmanRegressor, validation_fraction=0.99),
        (ValueError, "The validation set is too small: .* trains on 0"),
    ),
    (
        "early-stopping-zero-weight-held-out",
        # one sequence of positive weight: the held-out set or the rest has none
        lambda: _early_stopping(
            ElmanClassifier, np.r_[1.0, 0, 0, 0, 0, 0], validation_fraction=0.5
        ),
        (ValueError, "set has zero total sample weight"),
    ),
    (
        "step-weights-summing-beyond-float64",
        lambda: fit_quietly(
            ElmanSequenceRegressor(3, max_iter=3, random_state=0),
            _STEPS_X,
            _STEP_LABELS.astype(float),
            sample_weight=np.full(6, 1e308),
        ),
        ACCEPT,
    ),
    (
        "scaler-values-near-float64-max",
        lambda: _scaler_statistics(np.full((3, 2, 1), 1e308)),
        ACCEPT,
    ),
    (
        "scaler-huge-weights",
        lambda: _scaler_statistics(X0, sample_weight=np.full(6, 1e308)),
        ACCEPT,
    ),
    ("scaler-subnormal-weights", _scaler_keeps_the_mean_of_subnormal_weights, ACCEPT),
    (
        "scaler-variance-beyond-float64",
        lambda: _scaler_statistics(np.array([[[-1e308]], [[1e308]]])),
        (ValueError, "The variance of feature 0 of X is above the largest float64"),
    ),
    ("scaler-pandas-output-3-D", lambda: _pandas_output(X0, "estimator"), ACCEPT),
    ("scaler-pandas-output-ragged", lambda: _pandas_output(_RAGGED, "global"), ACCEPT),
    (
        "pipeline-under-global-pandas-output",
        lambda: _pipeline_under_global_pandas_output(_RAGGED, Y_CLASS),
        ACCEPT,
    ),
    (
        "pad-sequences-dataframe",
        lambda: pad_sequences(pd.DataFrame(X0[:, :, 0])),
        (TypeError, "sequences is a DataFrame"),
    ),
    (
        "pad-sequences-maxlen-True",
        lambda: pad_sequences(_RAGGED, maxlen=True),
        (ValueError, "'maxlen' parameter of pad_sequences must be an int"),
    ),
    (
        "pad-sequences-ragged-float32",
        lambda: _assert_dtype(pad_sequences([x.astype(np.float32) for x in _RAGGED])),
        ACCEPT,
    ),
]


def _assert_dtype(X, dtype=np.float32):
    assert X.dtype == dtype


@pytest.mark.parametrize(
    "run, expected", [pytest.param(*case[1:], id=case[0]) for case in OTHER_CASES]
)
def test_other_hostile_input(run, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if expected != ACCEPT:
            with pytest.raises(expected[0], match=expected[1]):
                run()
            return
        run()
