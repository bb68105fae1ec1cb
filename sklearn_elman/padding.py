"""Turn other layouts into sequences: padded arrays and long-format tables.

:func:`pad_sequences` stacks sequences of different lengths into one NaN-padded
array; the estimators read a time step whose features are all NaN as absent,
so the padded array gives each sequence the same prediction as the sequence
alone. :func:`sequences_from_frame` splits a long-format table, one row per
time step and a column naming the sequence, into the list of sequences.
"""

import sys
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)

_ENDS = StrOptions({"pre", "post"})


@validate_params(
    {
        "sequences": ["array-like"],
        "padding": [_ENDS],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "truncating": [_ENDS],
        "dtype": "no_validation",  # checked below: it must hold NaN
    },
    prefer_skip_nested_validation=True,
)
def pad_sequences(
    sequences, *, padding="post", maxlen=None, truncating="post", dtype=None
):
    """Stack sequences of different lengths into a NaN-padded 3-D array.

    Parameters
    ----------
    sequences : list of array-like of shape (n_timesteps_i, n_features) or \
            (n_timesteps_i,)
        One array per sample; the lengths ``n_timesteps_i`` may differ, the
        number of features per time step may not. A 1-D sample is a univariate
        sequence (``n_features=1``). An array of shape (n_samples, n_timesteps)
        or (n_samples, n_timesteps, n_features) is read as its list of rows.
    padding : {"pre", "post"}, default="post"
        Where a sequence shorter than ``n_timesteps`` gets its all-NaN steps:
        before its first step ("pre") or after its last step ("post").
    maxlen : int, default=None
        ``n_timesteps`` of the result. None means the longest sequence's
        length. Longer sequences are truncated; a ``maxlen`` above the longest
        length pads every sequence to ``maxlen``.
    truncating : {"pre", "post"}, default="post"
        Which steps a sequence longer than ``maxlen`` loses: its first steps
        ("pre") or its last steps ("post").
    dtype : floating dtype or None, default=None
        The result's dtype. It must be a floating type, to hold the NaN padding.
        None follows NumPy's promotion, as the estimators do: float32 if the
        sequences promote to float32 (all float32, say), else float64.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        A new array: the inputs are never modified nor shared. Values
        (including any NaN already in a sequence) are copied as they are.

    Raises
    ------
    ValueError
        If ``sequences`` is empty, if a sample is not a rectangular array of 1
        or 2 dimensions with at least one time step and one feature, if it is
        complex or not numeric (dates, time spans and structured records
        included), or if its number of features differs from sample 0's. The
        message names the sample's index.
    TypeError
        If ``sequences`` is a DataFrame (whose iteration gives its column
        labels), or a sample is a sparse matrix or holds objects that are not
        numbers.
    InvalidParameterError
        If ``maxlen`` is not a positive int or None (``True`` included).

    See Also
    --------
    SequenceScaler : Standardise the features of padded or ragged sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import pad_sequences
    >>> X = pad_sequences([[1, 2, 3], [4, 5]])
    >>> X.shape
    (2, 3, 1)
    >>> X[:, :, 0]
    array([[ 1.,  2.,  3.],
           [ 4.,  5., nan]])
    >>> pad_sequences([[1, 2, 3], [4, 5]], padding="pre", maxlen=2)[:, :, 0]
    array([[1., 2.],
           [4., 5.]])
    >>> pad_sequences([[1, 2, 3], [4, 5]], padding="pre", truncating="pre",
    ...               maxlen=3)[:, :, 0]
    array([[ 1.,  2.,  3.],
           [nan,  4.,  5.]])
    """
    if hasattr(sequences, "columns"):
        raise TypeError(
            "sequences is a DataFrame, whose iteration gives its column labels; "
            "pass a list of per-sample arrays or DataFrames ([df] for one "
            "sequence of len(df) steps)."
        )
    if isinstance(maxlen, (bool, np.bool_)):  # an int to validate_params
        raise InvalidParameterError(
            "The 'maxlen' parameter of pad_sequences must be an int in the range "
            f"[1, inf) or None. Got {maxlen!r} instead."
        )
    return _pad_sequences(
        sequences,
        padding=padding,
        maxlen=maxlen,
        truncating=truncating,
        dtype=dtype,
        input_name="sequences",
    )


def _pad_sequences(sequences, *, padding, maxlen, truncating, dtype, input_name):
    """:func:`pad_sequences` past its parameter validation; its errors name
    ``input_name`` (``X`` when called by the estimators' input check)."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise ValueError(
                f"dtype must be a floating dtype, to hold the NaN padding; got {dtype}."
            )
    if len(sequences) == 0:
        raise ValueError(f"{input_name} is empty; pass at least one sequence.")
    arrays = []
    for i, x in enumerate(sequences):
        x = _as_sequence(x, i, input_name)
        if arrays and x.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"Sample {i} of {input_name} has {x.shape[1]} features per time "
                f"step, but sample 0 has {arrays[0].shape[1]}; every sample needs the "
                "same n_features."
            )
        arrays.append(x)
    if dtype is None:
        dtype = float_dtype(x.dtype for x in arrays)

    n_timesteps = max(len(x) for x in arrays) if maxlen is None else maxlen
    n_features = arrays[0].shape[1]
    X = np.full((len(arrays), n_timesteps, n_features), np.nan, dtype=dtype)
    for i, x in enumerate(arrays):
        if len(x) > n_timesteps:
            x = x[-n_timesteps:] if truncating == "pre" else x[:n_timesteps]
        if padding == "pre":
            X[i, n_timesteps - len(x) :] = x
        else:
            X[i, : len(x)] = x
    return X


def float_dtype(dtypes):
    """The floating dtype data of these dtypes is computed in: float32 where
    NumPy promotes them to float32 (all float32, or float32 with small
    integers), else float64."""
    dtypes = list(dtypes)
    if all(dtype.kind in "biuf" for dtype in dtypes):
        if np.result_type(*dtypes) == np.float32:
            return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_numeric(dtype, where):
    """Reject an element type that is not numbers, where ``where`` ("X",
    "sample 3 of X") names the data. Dates, time spans and structured records
    would convert to numbers, and mean none."""
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {where} is complex.")
    if dtype.kind in "mMV":
        raise ValueError(
            f"{where[0].upper()}{where[1:]} must be numeric: it has dtype {dtype} "
            "(dates, time spans and structured records are not features)."
        )


def na_to_nan(x):
    """``x`` with pandas' ``pd.NA`` replaced by NaN, so that it is padding as
    NaN is: a new array if there was any, else ``x`` itself."""
    pd = sys.modules.get("pandas")  # without pandas, there is no pd.NA
    if pd is None or x.dtype != object or x.size == 0:
        return x
    na = np.frompyfunc(lambda v: v is pd.NA, 1, 1)(x).astype(bool)
    return np.where(na, np.nan, x) if na.any() else x


def _as_sequence(x, i, input_name):
    """Sample ``i`` as a (n_timesteps_i, n_features) array of numbers (bool,
    int or float; anything else converted to float64, pd.NA to NaN). It may be
    a view of the caller's data: only read from it."""
    if sp.issparse(x):
        raise TypeError(
            f"Sample {i} of {input_name} is a sparse matrix; pass dense arrays."
        )
    try:
        x = np.asarray(x)
    except ValueError as exc:
        raise ValueError(
            f"Sample {i} of {input_name} is not a rectangular array: {exc}"
        ) from None
    x = na_to_nan(x)
    check_numeric(x.dtype, f"sample {i} of {input_name}")
    if x.dtype.kind not in "biuf":  # strings of numbers, objects: float64
        try:
            x = x.astype(np.float64)
        except (TypeError, ValueError) as exc:  # strings; objects (TypeError)
            message = f"Sample {i} of {input_name} is not numeric: {exc}"
            raise type(exc)(message) from None
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2:
        raise ValueError(
            f"Sample {i} of {input_name} has shape {x.shape}; each sample of a list "
            "must have shape (n_timesteps_i, n_features) or (n_timesteps_i,)."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"Sample {i} of {input_name} has shape {x.shape}: zero time steps or zero "
            "features."
        )
    return x


def sequences_from_frame(frame, by, *, sort_by=None, columns=None):
    """Split a long-format DataFrame, one row per time step, into sequences.

    Sensor logs, event tables and database extracts often hold sequences this
    way: each row is one time step, a column ``by`` says which sequence it
    belongs to, and another (``sort_by``) when it happened. The estimators
    take one sequence per sample instead; this returns that list, in the
    order of the sorted sequence ids, and the ids, to align the targets with.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per time step.
    by : str or other column label
        The column of sequence ids. No id may be missing.
    sort_by : column label, default=None
        The column that orders the steps of a sequence (time stamps, step
        numbers); no two steps of a sequence may share a value. None keeps the
        rows' order within each sequence.
    columns : list of column labels, default=None
        The feature columns, in this order. None takes every column but ``by``
        and ``sort_by``, in the frame's order. They must be numeric (bool,
        integer or float, nullable pandas types included; ``pd.NA`` becomes
        NaN, so a row with every feature missing is an absent step).

    Returns
    -------
    sequences : list of ndarray of shape (n_timesteps_i, n_features)
        One array per sequence id, in the order of ``keys``: float32 when
        every feature column is float32, else float64. Pass it as ``X``.
    keys : ndarray of shape (n_sequences,)
        The sorted sequence ids: ``y = labels.loc[keys]`` aligns a table of
        labels indexed by id.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.
    ValueError
        If a named column is missing, a feature column is not numeric, an id
        is missing, or two steps of one sequence have the same ``sort_by``
        value. The message names the column, the row or the sequence.

    See Also
    --------
    pad_sequences : Stack the sequences into one NaN-padded array.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_elman import sequences_from_frame
    >>> log = pd.DataFrame({
    ...     "unit": ["b", "a", "a", "b", "a"],
    ...     "time": [2, 1, 0, 1, 2],
    ...     "temperature": [20.5, 18.0, 17.5, 20.0, 18.5],
    ... })
    >>> X, keys = sequences_from_frame(log, "unit", sort_by="time")
    >>> keys
    array(['a', 'b'], dtype=object)
    >>> X
    [array([[17.5],
           [18. ],
           [18.5]]), array([[20. ],
           [20.5]])]
    """
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "frame must be a pandas DataFrame in long format (one row per time "
            f"step); got a {type(frame).__name__}."
        )
    named = [by] + ([] if sort_by is None else [sort_by])
    if columns is None:
        columns = [c for c in frame.columns if c not in named]
    else:
        columns = list(columns)
    missing = [c for c in named + columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The frame has no column {missing[0]!r}; its columns are "
            f"{list(frame.columns)!r}."
        )
    overlap = [c for c in columns if c in named]
    if overlap or not columns:
        what = f"column {overlap[0]!r} is" if overlap else "no column is left"
        raise ValueError(
            f"The feature columns must be other than by and sort_by: {what} "
            "named there."
        )
    for column in columns:
        dtype = frame[column].dtype
        if not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        ):
            raise ValueError(
                f"Feature column {column!r} is not numeric: it has dtype {dtype}. "
                "Encode it as numbers, or leave it out with columns=[...]."
            )
    ids = frame[by]
    if ids.isna().any():
        row = _plain(frame.index[np.flatnonzero(ids.isna().to_numpy())[0]])
        raise ValueError(f"Row {row!r} of the frame has no sequence id in {by!r}.")
    if sort_by is not None:
        stamps = frame[[by, sort_by]]
        duplicated = stamps.duplicated(keep=False).to_numpy()
        if duplicated.any():
            first = np.flatnonzero(duplicated)[0]
            key, stamp = (_plain(stamps[c].iloc[first]) for c in (by, sort_by))
            raise ValueError(
                f"Sequence {key!r} has two steps with {sort_by}={stamp!r}: the "
                "steps of a sequence must have distinct sort_by values."
            )
        frame = frame.sort_values(sort_by, kind="stable")
    dtype = float_dtype(
        [
            np.dtype(frame[c].dtype.numpy_dtype)
            if hasattr(frame[c].dtype, "numpy_dtype")
            else np.dtype(frame[c].dtype)
            for c in columns
        ]
    )
    values = frame[columns].to_numpy(dtype=dtype, na_value=np.nan)
    codes, keys = pd.factorize(frame[by], sort=True)
    order = np.argsort(codes, kind="stable")  # by sequence, steps kept in order
    bounds = np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1]
    sequences = np.split(values[order], bounds)
    return sequences, np.asarray(keys)


def _plain(value):
    """A NumPy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value
