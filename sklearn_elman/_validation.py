"""The input contract: the one check every sequence input passes through.

Accepted ``X``:

- an array of shape ``(n_samples, n_timesteps, n_features)``;
- an array of shape ``(n_samples, n_timesteps)``, read as univariate sequences;
- a list of per-sample arrays of shape ``(n_timesteps_i, n_features)`` or
  ``(n_timesteps_i,)``, whose lengths may differ (padded with NaN at the end);
  a 1-D object array or pandas Series of such arrays is read as that list.

Arrays of other libraries (objects with ``__array__`` or ``__dlpack__``, such
as torch tensors on the CPU), as ``X`` or as its samples, are read as the NumPy
arrays they convert to, by :func:`as_numpy_sequences`. A time step whose
features are all NaN is absent (padding), wherever it stands. The user's data
is never modified.
"""

import reprlib
import warnings
import weakref

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    _check_feature_names,
    _num_samples,
    check_array,
    check_consistent_length,
)

from ._scale import unit_scale
from .padding import (
    ChannelsFirstWarning,
    _pad_sequences,
    as_numpy,
    check_numeric,
    na_to_nan,
)

# L-BFGS squares gradient entries of about (alpha / S) * |W|: beyond about 1e154
# (the square root of the largest float64) they overflow, and fits diverge.
_MAX_PENALTY = 1e150

_SHAPES = (
    "(n_samples, n_timesteps, n_features), (n_samples, n_timesteps), "
    "or a list of (n_timesteps_i, n_features) arrays"
)

# fit warns (ChannelsFirstWarning) when a 3-D X has more than this many times
# as many features per step as steps. aeon and sktime hold series channels
# first, (n_cases, n_channels, n_timepoints), mostly of 1 to a few dozen
# channels and tens to thousands of points: read as (n_samples, n_timesteps,
# n_features), that is far more features than steps. Sequences in this
# library's layout seldom are: the features of a step are a few measurements,
# or a few statistics of them (differenced, pooled), over tens of steps or
# more. At 10, a univariate collection (n_cases, 1, n_timepoints) of more than
# 10 points warns (the UCR archive's shortest series have 15), and so do most
# multivariate ones (3 channels of 50 points); short sequences of wide steps
# (one-hot words of a large vocabulary) warn too, and can silence it.
_CHANNELS_FIRST_RATIO = 10

# The arrays this library's transformers returned, by id. Their layout was
# checked when the data entered the library (the first transformer's fit
# warned then), and pooling makes sequences short and wide by design (2
# pooled steps of 4 statistics of 8 features), so fit does not warn about
# them again.
_TRANSFORMED = weakref.WeakValueDictionary()


def validate_sequences(estimator, X, *, reset):
    """Check ``X`` against the input contract and return it as a padded 3-D array.

    Parameters
    ----------
    estimator : estimator instance
        On ``reset=True`` receives ``n_features_in_``, ``feature_names_in_`` (for
        DataFrames) and ``_input_ndim``; otherwise ``X`` is checked against them.
    X : array-like or list of array-like
    reset : bool
        True in ``fit``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float64 or float32
        NaN at absent steps. It may share memory with the input: do not write to it.
    absent : ndarray of shape (n_samples, n_timesteps), dtype bool
    """
    _check_feature_names(estimator, X, reset=reset)
    if sp.issparse(X) or hasattr(X, "sparse"):  # pandas' sparse columns too
        raise TypeError(
            "Sparse input is not supported: X must be a dense array of shape "
            + _SHAPES
            + "."
        )
    samples = X if isinstance(X, (list, tuple)) else []
    masked = [i for i, x in enumerate(samples) if isinstance(x, np.ma.MaskedArray)]
    if masked or isinstance(X, np.ma.MaskedArray):
        where = f"Sample {masked[0]} of X" if masked else "X"
        raise TypeError(
            f"{where} is a masked array, whose mask would be ignored: mark absent "
            "time steps with NaN instead, as in x.astype(float).filled(np.nan)."
        )
    given, X = X, as_numpy_sequences(X)
    ndim = getattr(X, "ndim", None)
    if ndim is None and not isinstance(X, (list, tuple, str)):
        ndim = np.asarray(X).ndim
    if ndim == 0:  # None, a number, a dict, a generator: check_array names none
        raise TypeError(
            f"X must be an array of shape {_SHAPES}; got a {type(given).__name__}: "
            f"{reprlib.repr(given)}."
        )
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("X is an empty list: it holds 0 sequences (n_samples=0).")
    if _is_ragged(X):
        X = _pad_ragged(X)
        input_ndim = 3
    else:
        if isinstance(X, (list, tuple)):
            X = np.asarray(X)  # as check_array would; here to check its dtype
        elif hasattr(X, "columns") and any(d == np.dtype(object) for d in X.dtypes):
            X = X.to_numpy()  # object columns: check their elements as an array's
        if isinstance(X, np.ndarray):
            X = na_to_nan(X)
        # a DataFrame's column dtypes, or the one dtype of anything else
        dtypes = X.dtypes if hasattr(X, "columns") else [getattr(X, "dtype", None)]
        for dtype in dtypes:
            if dtype is not None:
                check_numeric(dtype, "X")
        try:
            X = check_array(
                X,
                dtype=(np.float64, np.float32),  # float32 is trained in float32
                allow_nd=True,
                # NaN is padding; inf is reported with its sample index below
                ensure_all_finite=False,
                input_name="X",
                estimator=estimator,
            )
        except TypeError as exc:  # objects that are not numbers (dates, say)
            if str(exc).startswith(("float() argument", "int() argument")):
                # a TypeError, as scikit-learn's check_dtype_object expects
                raise TypeError(f"X must be numeric: {exc}") from None
            raise
        except ValueError as exc:
            if str(exc).startswith("could not convert"):
                raise ValueError(f"X must be numeric: {exc}") from None
            if str(exc).startswith(
                (
                    "Expected 2D array, got 1D array",
                    "Expected a 2-dimensional container",  # a pandas Series
                )
            ):
                raise ValueError(
                    f"X is 1-D; expected an array of shape {_SHAPES}. Reshape your "
                    "data: one univariate sequence x is x[np.newaxis] (shape "
                    "(1, n_timesteps)); several sequences of one value each are "
                    "x[:, np.newaxis]."
                ) from None
            if str(exc).startswith("setting an array element with a sequence"):
                raise ValueError(
                    "X holds sequences inside the cells of a table or array (as "
                    "sktime's nested DataFrame does); pass a list with one "
                    "(n_timesteps_i, n_features) array per sample, or an array of "
                    "shape (n_samples, n_timesteps, n_features)."
                ) from None
            raise
        input_ndim = X.ndim
        if X.ndim == 2:
            X = X[:, :, np.newaxis]
        elif X.ndim != 3:
            raise ValueError(
                f"X has {X.ndim} dimensions; expected an array of shape {_SHAPES}."
            )
        for axis, what in [(1, "time steps"), (2, "features")]:
            if X.shape[axis] == 0:
                raise ValueError(
                    f"X of shape {X.shape} has 0 {what}; each sequence needs at "
                    "least 1 time step of at least 1 feature."
                )
        if reset and input_ndim == 3 and not _transformed(given):
            _warn_if_channels_first(X.shape)
    _check_n_features(estimator, X, input_ndim, reset)
    return X, _absent_steps(X)


def as_numpy_sequences(X):
    """``X`` with the arrays of other libraries in it as NumPy arrays.

    ``X`` itself is converted by :func:`~sklearn_elman.padding.as_numpy` (a
    torch tensor, say), and so is each sample of a list or tuple; a 1-D object
    array or pandas Series of per-sample arrays becomes the list of them.
    Anything else is returned as it is. The input check and every reader of
    X's layout (the transformers' outputs, ragged predictions) call this
    first, so that all see the layout of the NumPy array X converts to.
    """
    X = as_numpy(X, "X")
    if _holds_samples(X):
        X = list(X)
    if isinstance(X, (list, tuple)):
        samples = [as_numpy(x, f"Sample {i} of X") for i, x in enumerate(X)]
        if any(new is not old for new, old in zip(samples, X, strict=True)):
            X = samples
    return X


def mark_transformed(X_out):
    """Record a transformer's output, an array or a list of arrays, as
    checked when its input entered the library (see ``_TRANSFORMED``);
    return it."""
    for x in X_out if isinstance(X_out, list) else [X_out]:
        _TRANSFORMED[id(x)] = x
    return X_out


def _transformed(X):
    """Whether ``X`` is (or is a list of) what a transformer returned."""
    return all(
        isinstance(x, np.ndarray) and _TRANSFORMED.get(id(x)) is x
        for x in (X if isinstance(X, list) else [X])
    )


def _warn_if_channels_first(shape):
    """Warn that a 3-D X of this shape looks channels-first (aeon's layout)."""
    n_samples, n_timesteps, n_features = shape
    if n_features <= _CHANNELS_FIRST_RATIO * n_timesteps:
        return
    warnings.warn(
        f"X of shape {shape} is read as {n_samples} sequences of {n_timesteps} "
        f"time steps of {n_features} features each. aeon and sktime hold series "
        "channels first, (n_cases, n_channels, n_timepoints): if X is in that "
        "layout, pass X.transpose(0, 2, 1) or sklearn_elman.from_channels_first(X). "
        "If X is (n_samples, n_timesteps, n_features), silence this warning with "
        'warnings.filterwarnings("ignore", category=sklearn_elman.'
        "ChannelsFirstWarning).",
        ChannelsFirstWarning,
        stacklevel=3,
    )


def check_n_targets(X, y, *, frame):
    """Check that y has one target (row) per sequence of the validated ``X``.

    A DataFrame ``X`` (``frame=True``) is read with a row per sequence; a
    long-format table, a row per time step, is the likely mistake when the
    counts differ, and the message says what to do with one. A ``y`` outside
    CPU memory (a torch tensor on a GPU) is a TypeError that says so.
    """
    y = as_numpy(y, "y")
    try:
        check_consistent_length(X, y)
    except ValueError as exc:
        if not frame:
            raise
        raise ValueError(
            f"X is a DataFrame of {len(X)} rows, read as {len(X)} sequences (a row "
            "per sequence, a column per time step), but y has "
            f"{_num_samples(y)} targets. If the frame is in long format, one row "
            "per time step with a column naming the sequence, turn it into "
            "sequences with sklearn_elman.sequences_from_frame(frame, by=...)."
        ) from exc


def check_weight_scale(sample_weight, alpha, n_targets=1):
    """Reject sample weights whose scale the objective cannot be computed with.

    J depends on the weights ``w_i`` only through ``w_i / S`` and the penalty's
    factor ``alpha / S``, where ``S = sum_i w_i n_i`` (``n_i`` targets of
    sample ``i``): scaling every weight by ``c`` is the same as dividing alpha
    by ``c``. The objective sums weights scaled to about 1, so ``S`` itself
    may exceed the largest float64; the weights and ``alpha / S`` may not.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Checked weights, non-negative (class weights included).
    alpha : float
    n_targets : int or ndarray of shape (n_samples,), default=1
        The number of targets of each sample: 1, or its observed steps.
    """
    if not np.all(np.isfinite(sample_weight)):  # user weights are finite
        raise ValueError(
            "The sample weights times the class weights exceed the largest "
            f"float64 ({np.finfo(np.float64).max:.3g}). Divide class_weight (or "
            "sample_weight) and alpha by the same constant: the fit stays the same."
        )
    scaled, exponent = unit_scale(sample_weight)
    scaled_sum = np.sum(scaled * n_targets)
    if scaled_sum == 0:
        return  # TrainingData says it
    with np.errstate(over="ignore"):
        weight_sum = np.ldexp(scaled_sum, exponent)
        penalty = np.ldexp(alpha / scaled_sum, -exponent)
    if penalty > _MAX_PENALTY:
        total = (
            "sum(sample_weight)"
            if np.ndim(n_targets) == 0
            else ("sum(sample_weight * n_observed_steps)")
        )
        raise ValueError(
            f"The L2 penalty's factor alpha / {total} = "
            f"{alpha:.3g} / {weight_sum:.3g} = {penalty:.3g} is above "
            f"{_MAX_PENALTY:.0e}: too large to compute with (and a penalty that "
            "strong sets every weight matrix to 0). The weights' scale matters only "
            "through this factor: multiply sample_weight by a constant, or lower "
            "alpha."
        )


def _holds_samples(X):
    """Whether ``X`` is a 1-D object array or pandas Series whose elements are
    per-sample arrays (not numbers): it is then read as the list of them."""
    return (
        getattr(X, "ndim", None) == 1
        and getattr(getattr(X, "dtype", None), "kind", None) == "O"
        and any(np.ndim(x) > 0 for x in X)
    )


def ragged_lengths(X):
    """The number of time steps of each sample of a ragged ``X`` (a list, 1-D
    object array or Series of sequences of different shapes), else None."""
    X = as_numpy_sequences(X)
    return [len(x) for x in X] if _is_ragged(X) else None


def _is_ragged(X):
    """Whether ``X`` is a list (or tuple) of sequences of different shapes."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    try:
        shapes = {np.shape(x) for x in X}
    except ValueError:
        return True  # an element is itself ragged: the per-sample check reports it
    return len(shapes) > 1


def _pad_ragged(X):
    """Stack a list of (n_timesteps_i, n_features) or (n_timesteps_i,) arrays,
    padding each with NaN at the end, in float32 if they promote to it."""
    return _pad_sequences(
        X,
        padding="post",
        maxlen=None,
        truncating="post",
        dtype=None,  # float32 if the samples promote to it, as arrays do
        input_name="X",
    )


def _absent_steps(X):
    """Find the padded steps, rejecting what the contract forbids."""
    finite = np.isfinite(X)
    if finite.all():
        return np.zeros(X.shape[:2], dtype=bool)
    nan = np.isnan(X)
    if (~finite & ~nan).any():
        i, t = np.argwhere((~finite & ~nan).any(axis=2))[0]
        raise ValueError(
            f"Sample {i} of X contains infinity at time step {t}; X must be finite "
            "apart from NaN padding."
        )
    absent = nan.all(axis=2)
    partial = nan.any(axis=2) & ~absent
    if partial.any():
        i, t = np.argwhere(partial)[0]
        raise ValueError(
            f"Sample {i} of X has NaN in some but not all of its {X.shape[2]} features "
            f"at time step {t}. A padded (absent) step is NaN in every feature; impute "
            "partly missing steps before fitting."
        )
    empty = absent.all(axis=1)
    if empty.any():
        i = np.flatnonzero(empty)[0]
        raise ValueError(
            f"Sample {i} of X has no observed time step: every step is all-NaN padding."
        )
    return absent


def _check_n_features(estimator, X, input_ndim, reset):
    """Set or check ``n_features_in_``.

    After a 2-D fit it is the 2-D width (scikit-learn's rule), and a 2-D input
    must keep it. Otherwise it is the number of features per time step. Inputs of
    any number of time steps are accepted where the width is not fixed.
    """
    n_step_features = X.shape[2]
    name = type(estimator).__name__
    if reset:
        estimator.n_features_in_ = X.shape[1] if input_ndim == 2 else n_step_features
        estimator._input_ndim = input_ndim
        return
    if not hasattr(estimator, "n_features_in_"):
        return
    if estimator._input_ndim == 2:
        if input_ndim == 2 and X.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {name} is expecting "
                f"{estimator.n_features_in_} features as input (it was fitted on 2-D "
                "X; pass 3-D or list input of shape (n_samples, n_timesteps, 1) to "
                "predict on sequences of another length)."
            )
        expected = 1
    else:
        expected = estimator.n_features_in_
    if n_step_features != expected:
        hint = " (2-D X is read as univariate sequences)" if input_ndim == 2 else ""
        raise ValueError(
            f"X has {n_step_features} features per time step{hint}, but {name} is "
            f"expecting {expected} features per time step as input."
        )


def validate_step_targets(y, absent, *, dtype):
    """Check per-step targets against the sequences they belong to.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_timesteps) or \
            (n_samples, n_timesteps, n_outputs), or list of array-like
        One target per time step, aligned with X's (padded) time axis; or one
        array per sample, of shape (n_timesteps_i,) or (n_timesteps_i,
        n_outputs), for the first ``n_timesteps_i`` steps of that sample (the
        layout of a ragged X). Targets at absent steps are never read: they
        may be anything (NaN, None, pd.NA, a string).
    absent : ndarray of shape (n_samples, n_timesteps), dtype bool
        From :func:`validate_sequences`.
    dtype : dtype or None
        The targets' dtype (float64 for regression); None keeps labels as given
        (pandas' nullable labels as their NumPy type, not floats).

    Returns
    -------
    targets : ndarray of shape (n_observed,) or (n_observed, n_outputs)
        The targets of the observed steps, in the order of ``np.nonzero(~absent)``.
    """
    n_samples, n_timesteps = absent.shape
    shapes = "(n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs)"
    if _holds_samples(y):
        y = list(y)
    if _is_ragged(y):
        targets = []
        for i, y_i in enumerate(y):
            y_i = _as_targets(y_i, f"y[{i}]")
            if y_i.ndim not in (1, 2):
                raise ValueError(
                    f"y[{i}] has shape {y_i.shape}; the targets of one sample have "
                    "shape (n_timesteps_i,) or (n_timesteps_i, n_outputs)."
                )
            n_i = len(y_i)
            beyond = np.flatnonzero(~absent[i, n_i:])
            if beyond.size:
                raise ValueError(
                    f"y[{i}] has {n_i} time steps, but sample {i} of X has an "
                    f"observed step at time step {n_i + beyond[0]}: each sample "
                    "needs a target at every time step."
                )
            targets.append(y_i[~absent[i, :n_i]])
        if len({t.shape[1:] for t in targets}) > 1:
            raise ValueError(
                "The samples of y have different numbers of outputs per time "
                f"step: {sorted({t.shape[1:] for t in targets})}."
            )
        targets = np.concatenate(targets)
    else:
        y = _as_targets(y, "y")
        if y.ndim not in (2, 3) or y.shape[:2] != (n_samples, n_timesteps):
            raise ValueError(
                f"y has shape {y.shape}, but X has {n_samples} samples of "
                f"{n_timesteps} time steps: per-step targets need shape {shapes} "
                "aligned with X's time steps, or a list of one array per sample."
            )
        targets = y[~absent]
    if targets.ndim == 2 and targets.shape[1] == 0:
        raise ValueError(
            "y has 0 outputs per time step: per-step targets need shape "
            f"{shapes} with n_outputs >= 1."
        )
    return _observed_targets(targets, absent, dtype)


def _as_targets(y, name):
    """Targets as an array of any dtype, not yet converted: those of absent
    steps may hold anything."""
    if sp.issparse(y):
        raise TypeError(f"{name} is a sparse matrix; pass dense per-step targets.")
    y = as_numpy(y, name)
    if hasattr(y, "to_numpy"):  # pandas
        dtypes = y.dtypes if hasattr(y, "columns") else [y.dtype]
        # nullable columns as objects: their labels stay ints or bools, not floats
        nullable = any(not isinstance(d, np.dtype) for d in dtypes)
        return y.to_numpy(dtype=object if nullable else None)
    try:
        return np.asarray(y)
    except ValueError as exc:
        raise ValueError(f"{name} is not a rectangular array: {exc}") from None


def _observed_targets(targets, absent, dtype):
    """The observed steps' targets in ``dtype``, missing ones rejected."""
    targets = na_to_nan(targets)
    if dtype is not None:
        check_numeric(targets.dtype, "y")
        try:
            targets = targets.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"y must be numeric at observed steps: {exc}") from None
    elif targets.dtype == object and targets.size:
        types = {type(v) for v in targets.ravel()}
        if len(types) == 1 and issubclass(types.pop(), (int, float, str, np.generic)):
            targets = np.asarray(targets.tolist())  # one type: its NumPy dtype
    rows = targets.reshape(len(targets), -1)
    if rows.dtype.kind == "f":
        missing = ~np.isfinite(rows)
    elif rows.dtype == object:
        missing = _is_missing(rows).astype(bool)
    else:
        missing = np.zeros(rows.shape, dtype=bool)
    if missing.any():
        i, t = np.argwhere(~absent)[np.flatnonzero(missing.any(axis=1))[0]]
        raise ValueError(
            f"y has a missing or non-finite target at time step {t} of sample {i}, "
            "an observed step of X: only the targets of absent (all-NaN) steps of "
            "X may be missing (NaN, None, pd.NA) or anything else."
        )
    return targets


# None, or NaN after na_to_nan (pd.NA): what counts as missing among objects
_is_missing = np.frompyfunc(
    lambda v: v is None or (isinstance(v, float) and v != v), 1, 1
)


def check_names(value, allowed, parameter):
    """``value``, one of the names ``allowed`` or a non-empty list or tuple of
    distinct ones, as a tuple; a ValueError that names ``parameter``
    otherwise. (A list may have been set after fit, past scikit-learn's
    declarative check.)"""
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, (list, tuple))
        or not names
        or not all(isinstance(name, str) and name in allowed for name in names)
        or len(set(names)) < len(names)
    ):
        options = ", ".join(repr(name) for name in allowed)
        raise ValueError(
            f"{parameter} must be one of {options} or a non-empty list of distinct "
            f"ones; got {value!r}."
        )
    return tuple(names)
