"""Stack sequences of different lengths into one NaN-padded array.

The estimators read a time step whose features are all NaN as absent, so the
padded array gives each sequence the same prediction as the sequence alone.
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
