"""A generative fuzz of the whole public contract.

Hypothesis draws the input kind (arrays, lists, object arrays, DataFrames,
Series), the element type, the layout, the magnitude of the values and of the
weights, the hyperparameters and a sequence of calls (fit, a failing fit,
predict, a refit, warm start, pickling, set_output), and every outcome must
be one the contract allows:

- a correct result: finite outputs, labels among ``classes_``, a training
  record that adds up (``n_iter_``, ``loss_curve_``, ``validation_scores_``);
- or a ValueError, TypeError or NotFittedError whose message names what is
  wrong (an argument, a sample, a parameter), not NumPy's internals;
- a fit that raises leaves the estimator exactly as it was (to the bytes of
  its pickle), fitted or not;
- the inputs are never modified, and identical fits are identical.

Seeded (``derandomize=True``) with a fixed number of examples, on a few tiny
sequences, so that every run tries the same cases in a few seconds.
"""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import clone, config_context
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceScaler,
)
from sklearn_elman._validation import validate_sequences

FUZZ = settings(
    derandomize=True,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ESTIMATORS = [
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceScaler,
]
PER_STEP = (ElmanSequenceClassifier, ElmanSequenceRegressor)
CLASSIFIERS = (ElmanClassifier, ElmanSequenceClassifier)
# Words by which an error names its subject: an argument, a sample, a
# parameter, the estimator. NumPy's and pandas' own messages ("float()
# argument must be ...", "cannot reshape array ...") name none of them.
NAMES = re.compile(
    r"\b(X|y|sample_weight|class_weight|sequences|maxlen|[Ss]ample|samples|"
    r"features?|time steps?|class|classes|labels?|targets?|weights?|"
    r"validation|fitted|diverged|Elman\w*|SequenceScaler|warm_start|"
    r"hidden_layer_sizes|alpha|activation|early_stopping|validation_fraction)\b"
)
ELEMENT_TYPES = [
    "float64",
    "float32",
    "float16",
    "int64",
    "bool",
    "object-None",
    "object-NA",
    "numeric-strings",
    "letters",
    "complex",
    "datetime64",
    "timedelta64",
    "structured",
]
LAYOUTS = [
    "3-D",
    "2-D",
    "ragged-list",
    "nested-lists",
    "object-array",
    "series-of-arrays",
    "dataframe",
    "nullable-dataframe",
    "list-of-nullable-dataframes",
]
MAGNITUDES = [1.0, 2.0**-1000, 1e-300, 1e150, 1e300, 1e308]
HOSTILE = [None, None, None, "partial-nan", "inf", "all-absent", "one-sample"]


@st.composite
def sequences(draw):
    """Observed values of a few sequences and which of their steps are absent:
    a list of (n_timesteps_i, n_features) float64 arrays with NaN at absent
    steps, a number of the draw's hostile kinds among them."""
    n_features = draw(st.integers(1, 2))
    hostile = draw(st.sampled_from(HOSTILE))
    n_samples = 1 if hostile == "one-sample" else draw(st.integers(2, 7))
    magnitude = draw(st.sampled_from(MAGNITUDES))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    samples = []
    for _ in range(n_samples):
        length = draw(st.integers(1, 4))
        x = magnitude * rng.uniform(-1, 1, size=(length, n_features))
        if length > 1 and draw(st.booleans()):
            x[draw(st.integers(0, length - 1))] = np.nan  # an absent step
        samples.append(x)
    if hostile == "partial-nan" and n_features > 1:
        samples[-1][0, 0] = np.nan
        samples[-1][0, 1] = 1.0
    elif hostile == "inf":
        samples[-1][-1, 0] = np.inf
    elif hostile == "all-absent":
        samples[-1][:] = np.nan
    if draw(st.booleans()):  # sequences of one length, or of several
        length = max(len(x) for x in samples)
        samples = [
            np.vstack([x, np.full((length - len(x), n_features), np.nan)])
            for x in samples
        ]
    return samples


def _typed(x, element_type):
    """One sample (NaN at absent steps) in the element type, where it can be."""
    absent = np.isnan(x)
    if element_type in ("float64", "float32", "float16"):
        with np.errstate(over="ignore"):
            return x.astype(element_type)
    if element_type == "int64":
        return np.where(absent, 0, np.clip(x, -1e6, 1e6)).astype(np.int64)
    if element_type == "bool":
        return np.where(absent, False, x > 0)
    if element_type in ("object-None", "object-NA"):
        x = x.astype(object)
        x[absent] = None if element_type == "object-None" else pd.NA
        return x
    if element_type == "numeric-strings":
        return x.astype(str)
    if element_type == "letters":
        return np.where(absent, "nan", "a")
    if element_type == "complex":
        return x + 1j
    if element_type == "datetime64":
        return np.zeros(x.shape, dtype="datetime64[s]")
    if element_type == "timedelta64":
        return np.zeros(x.shape, dtype="timedelta64[s]")
    return np.zeros(x.shape, dtype=[("a", float)])  # structured


def _in_layout(samples, layout):
    """The typed samples as the layout gives them to the estimators."""
    same_length = len({x.shape for x in samples}) == 1
    univariate = samples[0].shape[1] == 1
    if layout == "3-D" and same_length:
        return np.stack(samples)
    if layout in ("2-D", "dataframe", "nullable-dataframe") and (
        same_length and univariate
    ):
        X = np.stack(samples)[:, :, 0]
        if layout == "2-D":
            return X
        if X.dtype.kind == "V" or (
            X.dtype.kind not in "fiub" and layout == "nullable-dataframe"
        ):
            return X  # no frame of records, no nullable frame of these
        frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(X.shape[1])])
        if layout == "nullable-dataframe" and X.dtype.kind == "f":
            frame = frame.astype("Float64").mask(np.isnan(X))  # pd.NA
        return frame
    if layout == "nested-lists":
        return [x.tolist() for x in samples]
    if layout == "object-array":
        X = np.empty(len(samples), dtype=object)
        for i, x in enumerate(samples):
            X[i] = x
        return X
    if layout == "series-of-arrays":
        return pd.Series(list(samples))
    if layout == "list-of-nullable-dataframes" and samples[0].dtype.kind == "f":
        return [pd.DataFrame(x).astype("Float64").mask(np.isnan(x)) for x in samples]
    # a list of arrays, univariate ones 1-D
    return [x[:, 0] if univariate else x for x in samples]


@st.composite
def inputs(draw):
    """(X, absent): X in a drawn element type and layout, and the absent
    (all-NaN) steps of its samples, one boolean array per sample."""
    samples = draw(sequences())
    element_type = draw(st.sampled_from(ELEMENT_TYPES))
    layout = draw(st.sampled_from(LAYOUTS))
    absent = [np.isnan(x).all(axis=1) for x in samples]
    typed = [_typed(x, element_type) for x in samples]
    return _in_layout(typed, layout), absent


FILLERS = [np.nan, None, pd.NA, "garbage", -7]


@st.composite
def targets(draw, Estimator, absent):
    """y for the estimator: one per sequence, or one per step in the layout
    of X's samples, with anything at absent steps."""
    n_samples = len(absent)
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    if Estimator is SequenceScaler:
        return None
    if Estimator is ElmanClassifier:
        labels = np.arange(n_samples) % draw(st.integers(1, 3))
        kind = draw(st.sampled_from(["int", "str", "bool", "Int64", "float"]))
        if kind == "str":
            return np.array(["a", "b", "c"])[labels]
        if kind == "bool":
            return labels > 0
        if kind == "Int64":
            return pd.Series(labels + 5, dtype="Int64")
        return labels.astype(float) if kind == "float" else labels
    if Estimator is ElmanRegressor:
        magnitude = draw(st.sampled_from([1.0, 1e-300, 1e150]))
        n_outputs = draw(st.sampled_from([None, 1, 2, 0]))
        shape = (n_samples,) if n_outputs is None else (n_samples, n_outputs)
        return magnitude * rng.normal(size=shape)
    # per step: in X's layout (ragged samples give a list)
    lengths = [len(a) for a in absent]
    filler = draw(st.sampled_from(FILLERS))
    if Estimator is ElmanSequenceClassifier:
        kind = draw(st.sampled_from(["int", "str", "Int64"]))
        n_classes = draw(st.integers(1, 3))
        per_sample = [(np.arange(n) + i) % n_classes for i, n in enumerate(lengths)]
        if kind == "str":
            per_sample = [np.array(["a", "b", "c"])[y] for y in per_sample]
        n_outputs = None
    else:
        n_outputs = draw(st.sampled_from([None, 1, 0]))
        per_sample = [
            rng.normal(size=(n,) if n_outputs is None else (n, n_outputs))
            for n in lengths
        ]
    if (
        Estimator is ElmanSequenceClassifier
        and kind == "Int64"
        and (len(set(lengths)) == 1)
    ):
        # a nullable frame, pd.NA at the absent steps
        frame = pd.DataFrame(np.stack(per_sample)).astype("Int64")
        return frame.mask(np.stack(absent))
    filled = []
    for y_i, a in zip(per_sample, absent, strict=True):
        y_i = y_i.astype(object)
        y_i[a] = filler
        filled.append(y_i)
    if len(set(lengths)) > 1:
        return filled  # a list, as X's samples
    y = np.stack(filled)
    if filler is np.nan and per_sample[0].dtype.kind in "if":
        return y.astype(float)  # a plain float array, NaN at absent steps
    return y


@st.composite
def weights(draw, n_samples):
    kind = draw(
        st.sampled_from(
            ["none", "ones", "random", "zeros", "one-zero", "huge", "subnormal", "neg"]
        )
    )
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    return {
        "none": None,
        "ones": np.ones(n_samples),
        "random": rng.uniform(0.1, 3, n_samples),
        "zeros": np.zeros(n_samples),
        "one-zero": np.r_[0.0, np.ones(n_samples - 1)],
        "huge": np.full(n_samples, 2.0**1020),
        "subnormal": np.full(n_samples, 5e-324),
        "neg": -np.ones(n_samples),
    }[kind]


@st.composite
def estimators(draw, Estimator=None):
    if Estimator is None:
        Estimator = draw(st.sampled_from(ESTIMATORS))
    if Estimator is SequenceScaler:
        return SequenceScaler(
            with_mean=draw(st.booleans()), with_std=draw(st.booleans())
        )
    params = dict(
        hidden_layer_sizes=draw(st.sampled_from([1, 2, (2, 1)])),
        activation=draw(st.sampled_from(["tanh", "relu", "logistic", "identity"])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 1.0])),
        max_iter=draw(st.integers(1, 4)),
        bidirectional=draw(st.booleans()),
        random_state=0,
    )
    if draw(st.booleans()):
        params.update(
            early_stopping=True,
            validation_fraction=draw(st.sampled_from([0.2, 0.5])),
            n_iter_no_change=draw(st.sampled_from([1, 2])),
        )
    if Estimator is ElmanClassifier and draw(st.booleans()):
        params["class_weight"] = "balanced"
    return Estimator(**params)


@st.composite
def problems(draw, Estimator=None):
    """(estimator, X, y, sample_weight)"""
    estimator = draw(estimators(Estimator))
    X, absent = draw(inputs())
    y = draw(targets(type(estimator), absent))
    sample_weight = draw(weights(len(absent)))
    return estimator, X, y, sample_weight


def _snapshot(obj):
    """What a user can see of an input (values, dtypes, shapes, index) or of
    an estimator (its pickle)."""
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        # not the pickle: pandas may consolidate its blocks on reading
        return (type(obj), str(obj.dtypes), list(obj.index), repr(obj.to_dict()))
    if isinstance(obj, np.ndarray):
        values = obj.tobytes() if obj.dtype != object else repr(obj.tolist())
        return (type(obj), obj.dtype.str, obj.shape, values)
    if isinstance(obj, (list, tuple)):
        return (type(obj), *map(_snapshot, obj))
    if obj is None:
        return None
    return pickle.dumps(obj)


def _fit(estimator, X, y, sample_weight):
    """Fit; the exception if the contract allows it, else re-raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            if isinstance(estimator, SequenceScaler):
                estimator.fit(X, sample_weight=sample_weight)
            else:
                estimator.fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as error:
            assert NAMES.search(str(error)), f"names nothing: {error!r}"
            return error
    return None


def _outputs(estimator, X):
    """Everything the fitted estimator computes from X, as flat float arrays
    (labels as their indices in classes_), checked finite."""
    if isinstance(estimator, SequenceScaler):
        out = estimator.transform(X)
        # in X's layout, finite, and NaN exactly at X's absent steps
        _, absent = validate_sequences(SequenceScaler(), X, reset=True)
        _, out_absent = validate_sequences(SequenceScaler(), out, reset=True)
        np.testing.assert_array_equal(out_absent, absent)
        return [np.concatenate([np.ravel(x) for x in out])]
    predictions = estimator.predict(X)
    flat = np.concatenate([np.ravel(p) for p in predictions])
    results = []
    if isinstance(estimator, CLASSIFIERS):
        assert np.isin(flat, estimator.classes_).all()
        proba = estimator.predict_proba(X)
        proba = np.concatenate([np.ravel(p) for p in proba])
        assert np.all(np.isfinite(proba))
        assert np.all((proba >= 0) & (proba <= 1))
        results.append(proba)
    else:
        assert np.all(np.isfinite(flat.astype(float)))
        results.append(flat.astype(float))
    if not isinstance(estimator, PER_STEP):
        features = estimator.transform(X)
        assert np.all(np.isfinite(features))
        results.append(np.ravel(features))
    return results


def _check_fitted(estimator):
    if isinstance(estimator, SequenceScaler):
        for name in ("mean_", "var_"):
            assert np.all(np.isfinite(getattr(estimator, name))), name
        if estimator.scale_ is not None:
            assert np.all(np.isfinite(estimator.scale_))
            assert np.all(estimator.scale_ > 0)
        return
    assert np.isfinite(estimator.loss_)
    assert estimator.n_iter_ == len(estimator.loss_curve_)
    assert np.all(np.isfinite(estimator.loss_curve_))
    if estimator.early_stopping:
        scores = estimator.validation_scores_
        assert len(scores) == estimator.n_iter_
        assert np.all(np.isfinite(scores))
        # None if L-BFGS stopped before its first iteration
        assert estimator.best_validation_score_ == max(scores, default=None)


def _scale_free(estimator, sample_weight):
    """Whether J, or the statistics, ignore the scale of the sample weights."""
    return (
        sample_weight is not None
        and np.all(sample_weight >= 0)
        and getattr(estimator, "alpha", 0.0) == 0.0
    )


def _assert_not_fitted(estimator, X):
    method = "transform" if isinstance(estimator, SequenceScaler) else "predict"
    with pytest.raises(NotFittedError):
        getattr(estimator, method)(X)


@FUZZ
@given(problem=problems())
def test_fit_gives_a_correct_model_or_a_clear_error(problem):
    estimator, X, y, sample_weight = problem
    inputs_before = _snapshot((X, y, sample_weight))
    unfitted = _snapshot(estimator)
    error = _fit(estimator, X, y, sample_weight)
    if error is not None:
        assert _snapshot(estimator) == unfitted  # unfitted stays unfitted
        _assert_not_fitted(estimator, X)
    else:
        _check_fitted(estimator)
        outputs = _outputs(estimator, X)
        # an identical fit is identical, to the bit
        again = clone(estimator)
        assert _fit(again, X, y, sample_weight) is None
        for one, two in zip(outputs, _outputs(again, X), strict=True):
            np.testing.assert_array_equal(one, two)
        if _scale_free(estimator, sample_weight):
            # the weights' scale does not matter (no penalty): weights scaled
            # by a power of two to about 1 give the same model, to the bit
            _, exponent = np.frexp(np.max(sample_weight))
            rescaled = clone(estimator)
            assert _fit(rescaled, X, y, np.ldexp(sample_weight, -exponent)) is None
            for one, two in zip(outputs, _outputs(rescaled, X), strict=True):
                np.testing.assert_array_equal(one, two)
    assert _snapshot((X, y, sample_weight)) == inputs_before


@st.composite
def refits(draw):
    """A problem that fits, then another for the same estimator."""
    Estimator = draw(st.sampled_from(ESTIMATORS))
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, 3, 2))
    y = {
        ElmanClassifier: np.arange(8) % 2,
        ElmanRegressor: rng.normal(size=8),
        ElmanSequenceClassifier: np.arange(24).reshape(8, 3) % 2,
        ElmanSequenceRegressor: rng.normal(size=(8, 3)),
        SequenceScaler: None,
    }[Estimator]
    estimator, X_2, y_2, w_2 = draw(problems(Estimator))
    return estimator, (X, y), (X_2, y_2, w_2)


@FUZZ
@given(case=refits(), warm_start=st.booleans(), pickled=st.booleans())
def test_a_failed_refit_leaves_the_fitted_estimator_as_it_was(
    case, warm_start, pickled
):
    estimator, (X, y), second = case
    assert _fit(estimator, X, y, None) is None
    if warm_start and not isinstance(estimator, SequenceScaler):
        estimator.set_params(warm_start=True)
    if pickled:
        estimator = pickle.loads(pickle.dumps(estimator))
    before = _snapshot(estimator)
    outputs = _outputs(estimator, X)
    if _fit(estimator, *second) is not None:
        assert _snapshot(estimator) == before
        for one, two in zip(outputs, _outputs(estimator, X), strict=True):
            np.testing.assert_array_equal(one, two)
        # and it fits as if that failure had not happened
        reference = pickle.loads(before)
        assert _fit(reference, X, y, None) is None
        assert _fit(estimator, X, y, None) is None
        for one, two in zip(
            _outputs(reference, X), _outputs(estimator, X), strict=True
        ):
            np.testing.assert_array_equal(one, two)
    else:
        _check_fitted(estimator)
        _outputs(estimator, second[0])


@FUZZ
@given(problem=problems(), first_fails=st.just(True))
def test_a_failed_first_fit_leaves_nothing_for_warm_start(problem, first_fails):
    """warm_start after a failed fit starts afresh, as if the fit never ran."""
    estimator, X, y, sample_weight = problem
    if isinstance(estimator, SequenceScaler):
        return
    estimator.set_params(warm_start=True)
    if _fit(estimator, X, y, sample_weight) is None:
        return
    rng = np.random.RandomState(1)
    X_good = rng.normal(size=(8, 3, 2))
    y_good = (
        np.arange(24).reshape(8, 3) % 2
        if isinstance(estimator, PER_STEP)
        else np.arange(8) % 2
    )
    fresh = clone(estimator)
    assert _fit(estimator, X_good, y_good, None) is None
    assert _fit(fresh, X_good, y_good, None) is None
    for one, two in zip(
        _outputs(estimator, X_good), _outputs(fresh, X_good), strict=True
    ):
        np.testing.assert_array_equal(one, two)


@FUZZ
@given(problem=problems(), where=st.sampled_from(["estimator", "global"]))
def test_set_output_pandas(problem, where):
    """3-D and ragged output passes through unchanged; 2-D may be a DataFrame;
    a pipeline of the scaler and an estimator works under global pandas output."""
    estimator, X, y, sample_weight = problem
    scaler = SequenceScaler()
    if _fit(clone(scaler), X, None, sample_weight) is not None:
        return
    default = scaler.fit(X, sample_weight=sample_weight).transform(X)
    if where == "estimator":
        pandas = clone(scaler).set_output(transform="pandas")
        got = pandas.fit(X, sample_weight=sample_weight).transform(X)
    else:
        with config_context(transform_output="pandas"):
            got = clone(scaler).fit(X, sample_weight=sample_weight).transform(X)
    if isinstance(got, pd.DataFrame):
        assert np.ndim(default) == 2
        got = got.to_numpy()
    elif isinstance(default, list):
        assert isinstance(got, list)
        got, default = np.concatenate(got, axis=None), np.concatenate(default, None)
    np.testing.assert_array_equal(got, default)
    if isinstance(estimator, SequenceScaler):
        return
    with config_context(transform_output="pandas"):
        pipeline = make_pipeline(SequenceScaler(), estimator)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipeline.fit(X, y)
        except (ValueError, TypeError) as error:
            assert NAMES.search(str(error)), f"names nothing: {error!r}"
            return
        pipeline.predict(X)
        _outputs(pipeline[-1], pipeline[0].transform(X))
