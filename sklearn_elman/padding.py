"""Stack sequences of different lengths into one NaN-padded array.

The estimators read a time step whose features are all NaN as absent, so the
padded array gives each sequence the same prediction as the sequence alone.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

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
    sequences, *, padding="post", maxlen=None, truncating="post", dtype=float
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
    dtype : floating dtype, default=float
        The result's dtype. It must be a floating type, to hold the NaN padding.

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
        complex or not numeric, or if its number of features differs from
        sample 0's. The message names the sample's index.
    TypeError
        If a sample is a sparse matrix or (as for ``astype``) of a type that
        cannot be converted to ``dtype``.

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
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(
            f"dtype must be a floating dtype, to hold the NaN padding; got {dtype}."
        )
    if len(sequences) == 0:
        raise ValueError(f"{input_name} is empty; pass at least one sequence.")
    arrays = []
    for i, x in enumerate(sequences):
        x = _as_sequence(x, i, input_name, dtype)
        if arrays and x.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"Sample {i} of {input_name} has {x.shape[1]} features per time "
                f"step, but sample 0 has {arrays[0].shape[1]}; every sample needs the "
                "same n_features."
            )
        arrays.append(x)

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


def _as_sequence(x, i, input_name, dtype):
    """Sample ``i`` as a (n_timesteps_i, n_features) array of ``dtype``. It may
    be a view of the caller's data: only read from it."""
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
    if np.iscomplexobj(x):
        raise ValueError(
            f"Complex data not supported: sample {i} of {input_name} is complex."
        )
    try:
        x = x.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"Sample {i} of {input_name} is not numeric: {exc}") from None
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
