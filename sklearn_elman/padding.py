"""Turn other layouts into sequences: padded arrays and long-format tables.

:func:`pad_sequences` stacks sequences of different lengths into one NaN-padded
array; the estimators read a time step whose features are all NaN as absent,
so the padded array gives each sequence the same prediction as the sequence
alone. :func:`sequences_from_frame` splits a long-format table, one row per
time step and a column naming the sequence, into the list of sequences.
:func:`from_channels_first` turns aeon's and sktime's channels-first
collections into sequences.
"""

import sys
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)

_ENDS = StrOptions({"pre", "post"})

# DLPack's device types whose memory the CPU reads, those numpy.from_dlpack
# accepts: kDLCPU, kDLCUDAHost, kDLROCMHost, kDLCUDAManaged.
_CPU_DEVICES = {1, 3, 11, 13}


class ChannelsFirstWarning(UserWarning):
    """Warning that a 3-D ``X`` given to ``fit`` looks channels-first.

    aeon and sktime hold a collection of time series as an array of shape
    ``(n_cases, n_channels, n_timepoints)``; sklearn-elman reads a 3-D array
    as ``(n_samples, n_timesteps, n_features)``, so such an array would be
    read as ``n_channels`` time steps of ``n_timepoints`` features each.
    ``fit`` warns when ``X`` has more than ten times as many features per
    step as time steps, unless ``X`` is what one of this library's
    transformers returned (pooling makes sequences short and wide on
    purpose), so that a pipeline warns once. Turn the array into sequences with
    :func:`from_channels_first` (or ``X.transpose(0, 2, 1)``), or, if its
    layout is right, silence the warning with
    ``warnings.filterwarnings("ignore", category=ChannelsFirstWarning)``.
    """


@validate_params(
    {
        "sequences": ["array-like", HasMethods(["__dlpack__"])],
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
        Arrays of other libraries (objects with ``__array__`` or
        ``__dlpack__``, such as torch tensors on the CPU) are read as the
        NumPy arrays they convert to.
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
        labels), or a sample is a sparse matrix, holds objects that are not
        numbers, or is an array outside CPU memory (a torch tensor on a GPU:
        pass ``x.cpu()``).
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
        as_numpy(sequences, "sequences"),
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
            first = arrays[0]
            # aeon's unequal-length collections: (n_channels, n_timepoints_i)
            hint = (
                " Samples of shape (n_channels, n_timepoints_i), as aeon and "
                "sktime hold them, become sequences with from_channels_first."
                if x.shape[1] > x.shape[0] and first.shape[1] > first.shape[0]
                else ""
            )
            raise ValueError(
                f"Sample {i} of {input_name} has {x.shape[1]} features per time "
                f"step, but sample 0 has {first.shape[1]}; every sample needs the "
                f"same n_features.{hint}"
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


def as_numpy(x, where):
    """``x`` as a NumPy array if it is an array of another library, else ``x``.

    An array of another library is an object with ``__array__`` or
    ``__dlpack__`` (a torch tensor, say) other than a NumPy array or scalar
    and a pandas object or other data frame, which the checks read as they
    are. It is converted as scikit-learn's ``check_array`` converts it, by
    ``np.asarray``, or by ``np.from_dlpack`` when it has no ``__array__``:
    its dtype is kept (float32 stays float32), and the result may share its
    memory, so only read from it. ``where`` ("X", "Sample 3 of X") names it
    at the start of an error message.

    Raises
    ------
    TypeError
        If ``x`` is outside CPU memory (a GPU, torch's "meta" device), or
        cannot be converted (a torch tensor that requires grad, say).
    """
    if (
        isinstance(x, (np.ndarray, np.generic))
        or not (hasattr(x, "__array__") or hasattr(x, "__dlpack__"))
        or hasattr(x, "columns")  # a data frame: check_array reads its columns
        or _is_pandas(x)
    ):
        return x
    _check_on_cpu(x, where)
    try:
        return np.asarray(x) if hasattr(x, "__array__") else np.from_dlpack(x)
    except (TypeError, ValueError, RuntimeError, BufferError) as exc:
        raise TypeError(
            f"{where} (a {type(x).__name__}) cannot be read as a NumPy array: {exc}"
        ) from None


def _check_on_cpu(x, where):
    """Reject an array whose DLPack device is not CPU memory; one whose
    ``__dlpack_device__`` fails (torch's "meta" tensors) by its ``device``."""
    if not hasattr(x, "__dlpack_device__"):
        return
    device = getattr(x, "device", None)
    try:
        device_type = int(x.__dlpack_device__()[0])
    except Exception:  # the conversion reports what it cannot read
        device_type = None
        if device is None or str(device).lower().startswith("cpu"):
            return
    if device_type in _CPU_DEVICES:
        return
    device = f"device {str(device)!r}" if device is not None else "a device"
    if device_type is not None:
        device += f" (DLPack device type {device_type})"
    raise TypeError(
        f"{where} (a {type(x).__name__}) is on {device}, "
        "not in CPU memory, where NumPy reads arrays: move it to the CPU first, "
        "with .cpu() for a torch tensor."
    )


def _is_pandas(x):
    """Whether ``x`` is a pandas object (Series, Index, array), which the
    checks read as they are."""
    return type(x).__module__.split(".")[0] == "pandas"


def from_channels_first(X):
    """Turn channels-first time series (aeon's and sktime's layout) into sequences.

    aeon and sktime hold a collection of time series as an array of shape
    ``(n_cases, n_channels, n_timepoints)``, or, when the series' lengths
    differ, as a list of arrays of shape ``(n_channels, n_timepoints_i)``.
    The estimators read time before the features of a step: this moves the
    channels last, so that each channel is a feature of every time step.

    Parameters
    ----------
    X : array-like of shape (n_cases, n_channels, n_timepoints) or \
            (n_cases, n_timepoints), or list of array-like of shape \
            (n_channels, n_timepoints_i) or (n_timepoints_i,)
        The collection. A 2-D array, or a 1-D sample of a list, is univariate
        and reads the same in both layouts: it is returned as it is. Arrays
        of other libraries (torch tensors on the CPU, say) are read as the
        NumPy arrays they convert to.

    Returns
    -------
    sequences : ndarray of shape (n_cases, n_timepoints, n_channels) or \
            (n_cases, n_timepoints), or list of ndarray of shape \
            (n_timepoints_i, n_channels) or (n_timepoints_i,)
        The same layout as ``X``, each sample transposed: an array for an
        array, a list for a list. Arrays are views of ``X``'s data where NumPy
        can make them (as ``X.transpose(0, 2, 1)`` is): do not write to them.

    Raises
    ------
    ValueError
        If ``X`` is an array of other than 2 or 3 dimensions, or a sample of a
        list has other than 1 or 2; the message names the sample.
    TypeError
        If ``X`` or a sample is an array outside CPU memory (a torch tensor
        on a GPU: pass ``X.cpu()``), or ``X`` is not an array or a list.

    See Also
    --------
    ChannelsFirstWarning : The warning of ``fit`` on data that looks
        channels-first.
    pad_sequences : Stack sequences of different lengths into a padded array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import from_channels_first
    >>> X = np.zeros((20, 3, 50))  # 20 cases of 3 channels by 50 time points
    >>> from_channels_first(X).shape  # (n_samples, n_timesteps, n_features)
    (20, 50, 3)
    >>> unequal = [np.zeros((3, 50)), np.zeros((3, 40))]
    >>> [x.shape for x in from_channels_first(unequal)]
    [(50, 3), (40, 3)]

    In a pipeline, through scikit-learn's ``FunctionTransformer``:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn_elman import ElmanClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 2, 30))  # channels first
    >>> y = (X[:, 0, -1] > 0).astype(int)  # the last value of channel 0
    >>> model = make_pipeline(
    ...     FunctionTransformer(from_channels_first),
    ...     ElmanClassifier(8, tol=1e-2, random_state=0),
    ... )
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """
    X = as_numpy(X, "X")
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype == object:
        X = list(X)  # a 1-D object array of samples: their list
    if isinstance(X, (list, tuple)):
        return [_sample_from_channels_first(x, i) for i, x in enumerate(X)]
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        raise TypeError(
            "X must be an array of shape (n_cases, n_channels, n_timepoints) or a "
            f"list of (n_channels, n_timepoints_i) arrays; got a {type(X).__name__}."
        )
    if ndim == 2:
        return X
    if ndim != 3:
        raise ValueError(
            f"X has {ndim} dimensions; expected an array of shape (n_cases, "
            "n_channels, n_timepoints), or a list of (n_channels, n_timepoints_i) "
            "arrays."
        )
    return np.asarray(X).transpose(0, 2, 1)


def _sample_from_channels_first(x, i):
    """Sample ``i`` of a channels-first list, as (n_timepoints_i, n_channels)."""
    x = np.asarray(as_numpy(x, f"Sample {i} of X"))
    if x.ndim not in (1, 2):
        raise ValueError(
            f"Sample {i} of X has shape {x.shape}; each sample of a list must "
            "have shape (n_channels, n_timepoints_i) or (n_timepoints_i,)."
        )
    return x.T


def _as_sequence(x, i, input_name):
    """Sample ``i`` as a (n_timesteps_i, n_features) array of numbers (bool,
    int or float; anything else converted to float64, pd.NA to NaN). It may be
    a view of the caller's data: only read from it."""
    if sp.issparse(x):
        raise TypeError(
            f"Sample {i} of {input_name} is a sparse matrix; pass dense arrays."
        )
    x = as_numpy(x, f"Sample {i} of {input_name}")
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
