"""Transformers of sequences: scaling their features, differencing their
steps and pooling them.

All read the input layouts the estimators read, and leave padding alone.
"""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _wrap_data_with_container
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    check_is_fitted,
)

from ._atomic import atomic_fit
from ._callbacks import CallbackSupportMixin, FitTask
from ._scale import unit_scale
from ._validation import (
    _is_ragged,
    as_numpy_sequences,
    check_names,
    mark_transformed,
    validate_sequences,
)


class SequenceScaler(
    CallbackSupportMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,  # set_output: see _as_output
):
    r"""Standardise each per-step feature over all observed time steps.

    The statistics of a feature are taken over every observed (not all-NaN)
    step of every training sequence, so one shift and one scale apply at every
    time step, and padding neither counts nor changes: it stays NaN. This is
    :class:`~sklearn.preprocessing.StandardScaler` for sequences; a
    ``StandardScaler`` on 2-D sequence input would instead scale each time step
    separately.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of each feature.
    with_std : bool, default=True
        Divide by the standard deviation of each feature.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        The (weighted) mean of each per-step feature over the observed steps.
        After a 2-D fit (univariate sequences) n_features is 1.
    var_ : ndarray of shape (n_features,)
        The (weighted) variance of each per-step feature over the observed steps.
    scale_ : ndarray of shape (n_features,) or None
        The standard deviation, with 1 for a feature whose variance is zero (up
        to rounding), as in ``StandardScaler``. None when ``with_std=False``.
    n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X (scikit-learn's
        rule, as for the estimators).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same scaling for flat features.
    pad_sequences : Stack sequences of different lengths into a padded array.

    Notes
    -----
    With sample weights :math:`w_i` (all 1 if none) and the set :math:`O_i` of
    observed steps of sequence :math:`i`, feature :math:`f` has

    .. math::

        \mu_f = \frac{\sum_i w_i \sum_{t \in O_i} x_{itf}}
                      {\sum_i w_i |O_i|}, \qquad
        \sigma^2_f = \frac{\sum_i w_i \sum_{t \in O_i} (x_{itf} - \mu_f)^2}
                           {\sum_i w_i |O_i|}

    and :meth:`transform` maps :math:`x_{itf}` to :math:`(x_{itf} - \mu_f) /
    \sigma_f`. Integer sample weights are equivalent to repeating sequences.

    :meth:`transform` and :meth:`inverse_transform` return the layout they are
    given: a 2-D array for 2-D input, a 3-D array for 3-D input, and for a list
    of sequences of different shapes a list of arrays of those shapes. A list
    whose sequences all have one shape is read as one array, as by the
    estimators, and gives an array: ``list(scaler.transform(X))`` gives a list
    in every case. The output is float64.

    ``set_output(transform="pandas")`` (or ``"polars"``, or the same through
    ``sklearn.set_config(transform_output=...)``) applies to the 2-D layout,
    whose output becomes a DataFrame with a column per time step. A 3-D array
    or a list of sequences cannot be a DataFrame: they pass through unchanged,
    so that a :class:`~sklearn.pipeline.Pipeline` of the scaler and an Elman
    estimator works under any output setting.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import SequenceScaler
    >>> X = [np.array([[0.0, 10.0], [2.0, 10.0]]), np.array([[4.0, 10.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([ 2., 10.]), array([1.63299316, 1.        ]))
    >>> [x.round(3) for x in scaler.transform(X)]
    [array([[-1.225,  0.   ],
           [ 0.   ,  0.   ]]), array([[1.225, 0.   ]])]
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation of each per-step feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, as the estimators take them: 2-D input is read
            as univariate sequences; a list holds one ``(n_timesteps_i,
            n_features)`` or ``(n_timesteps_i,)`` array per sample. Steps whose
            features are all NaN are padding and are ignored.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence, given to each of its observed
            steps. None weighs every sequence 1.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        task = FitTask(self, X, y, sample_weight)
        X, absent = validate_sequences(self, X, reset=True)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        observed = ~absent  # (n_samples, n_timesteps)
        steps = X[observed].astype(np.float64)  # (n_observed_steps, n_features)
        step_weights = np.broadcast_to(sample_weight[:, np.newaxis], absent.shape)
        step_weights = step_weights[observed]  # (n_observed_steps,)
        if not np.any(step_weights > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number: "
                "sample_weight is 0 for every sequence."
            )
        # Weights and values scaled by powers of two to about 1 (exact), so
        # that no weighted sum overflows near 1e308 or loses subnormals.
        step_weights, _ = unit_scale(step_weights)
        weight_sum = step_weights.sum()
        steps, exponent = unit_scale(steps, axis=0)
        mean = step_weights @ steps / weight_sum
        var = step_weights @ (steps - mean) ** 2 / weight_sum
        with np.errstate(over="ignore"):
            self.var_ = np.ldexp(var, 2 * exponent)
        if not np.all(np.isfinite(self.var_)):
            f = np.flatnonzero(~np.isfinite(self.var_))[0]
            raise ValueError(
                f"The variance of feature {f} of X is above the largest float64: "
                "its values spread over more than about 1e154. Divide X by a "
                "constant first."
            )
        self.mean_ = np.ldexp(mean, exponent)
        if self.with_std:
            # the rounding bound counts the terms summed, not their weights
            n_steps = np.count_nonzero(step_weights)
            constant = _is_constant(var, mean, n_steps)
            self.scale_ = np.where(constant, 1.0, np.ldexp(np.sqrt(var), exponent))
        else:
            self.scale_ = None
        task.end()
        return self

    def transform(self, X):
        """Standardise the observed steps of X; padding stays NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        X_scaled : ndarray or list of ndarray
            The scaled sequences, in the layout of X: an array of the shape of
            X, or for a list of sequences of different shapes a list of arrays
            of those shapes; in X's floating dtype (float32 stays float32, so
            that a network after the scaler computes in float32).
        """
        check_is_fitted(self)
        X_3d, _ = validate_sequences(self, X, reset=False)
        # The subtraction (or the copy) makes a new array: X_3d may be the
        # caller's. In X's dtype: float32 sequences stay float32.
        mean, scale = self._statistics(X_3d.dtype)
        X_scaled = X_3d - mean if self.with_mean else X_3d.copy()
        if self.with_std:
            X_scaled /= scale
        return _as_output(self, X, _in_layout_of(X, X_scaled))

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit to X, then standardise it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, as in :meth:`fit`.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        X_scaled : ndarray or list of ndarray
            As :meth:`transform` returns it.
        """
        return self.fit(X, y, sample_weight).transform(X)

    def inverse_transform(self, X):
        """Undo :meth:`transform`: scale back, then add back the mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Scaled sequences, as :meth:`transform` returns them.

        Returns
        -------
        X_original : ndarray or list of ndarray
            The sequences in original units, in the layout of X.
        """
        check_is_fitted(self)
        X_3d, _ = validate_sequences(self, X, reset=False)
        mean, scale = self._statistics(X_3d.dtype)
        X_original = X_3d * scale if self.with_std else X_3d.copy()
        if self.with_mean:
            X_original += mean
        return _in_layout_of(X, X_original)

    def _statistics(self, dtype):
        """``mean_`` and ``scale_`` in ``dtype`` (float64 or float32)."""
        scale = None if self.scale_ is None else self.scale_.astype(dtype)
        return self.mean_.astype(dtype), scale

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _is_constant(var, mean, n_steps):
    """Whether a variance is zero up to the rounding error of computing it
    from ``n_steps`` terms.

    StandardScaler's bound, so that constant features get scale 1 as there.
    """
    eps = np.finfo(np.float64).eps
    return var <= n_steps * eps * var + (n_steps * mean * eps) ** 2


def _as_output(transformer, X, X_out):
    """``X_out`` in the container set_output asks for, if it is 2-D; else as
    it is (a 3-D array or a list of sequences)."""
    if isinstance(X_out, np.ndarray) and X_out.ndim == 2:
        return _wrap_data_with_container("transform", X_out, X, transformer)
    return X_out


def _in_layout_of(X, out, n_steps=None):
    """Per-step output ``out`` (n_samples, n_timesteps, n_features_out) in the
    layout of input ``X``.

    A ragged list gives a list of each sample's first ``n_steps[i]`` steps
    (by default as many as the sample has; ``validate_sequences`` padded it at
    the end), 1-D where the sample was 1-D and a step has one feature. Any
    other input was read as one array: 2-D input (univariate sequences) gives a
    2-D array when a step has one feature, else ``out`` as it is. A 1-D object
    array or Series of per-sample arrays counts as their list, and arrays of
    other libraries as the NumPy arrays they convert to. The output is marked
    as checked: a fit on it does not warn that it looks channels-first.
    """
    X = as_numpy_sequences(X)
    one_feature = out.shape[2] == 1
    if _is_ragged(X):
        n_steps = [len(x) for x in X] if n_steps is None else n_steps
        return mark_transformed(
            [
                out[i, :n, 0] if one_feature and np.ndim(x) == 1 else out[i, :n]
                for i, (x, n) in enumerate(zip(X, n_steps, strict=True))
            ]
        )
    return mark_transformed(
        out[:, :, 0] if one_feature and _input_ndim(X) == 2 else out
    )


def _input_ndim(X):
    """The number of dimensions of input ``X`` that ``validate_sequences``
    accepted and read as one array: a list's from its first sample, without
    converting the whole list again."""
    if isinstance(X, (list, tuple)):
        return 1 + np.ndim(X[0])
    return X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim


class _StepTransformer(
    CallbackSupportMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,  # set_output: see _as_output
):
    """A transformer that learns nothing from the data: :meth:`fit` checks X
    and the parameters (``_check_params``) and records the number of features;
    float32 stays float32."""

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check X and record its number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as the estimators take them; steps whose features are
            all NaN are padding.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        task = FitTask(self, X, y)
        self._check_params()
        validate_sequences(self, X, reset=True)
        task.end()
        return self

    def fit_transform(self, X, y=None):
        """Check X, then transform it (TransformerMixin's would wrap every
        output for ``set_output``, 3-D and ragged ones too).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        X_out : ndarray or list of ndarray
            As :meth:`transform` returns it.
        """
        return self.fit(X, y).transform(X)

    def _check_params(self):
        """Raise a ValueError for a parameter that validation lets through."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class SequencePooler(
    _StepTransformer,
    auto_wrap_output_keys=None,  # set_output: see _as_output
):
    r"""Summarise each sequence's observed steps in consecutive windows.

    Window :math:`k = 0, 1, \dots` of a sequence holds its observed steps
    number :math:`k \cdot \mathrm{window} + 1` to
    :math:`(k + 1) \cdot \mathrm{window}`, counting its first observed step as
    number 1 (as the Notes do), and is replaced by their mean; the last window
    of a sequence may be shorter. Each window becomes one step that
    holds its mean (and, with ``statistics``, its standard deviation, minimum
    and maximum) of each feature. Absent (all-NaN) steps are
    skipped wherever they stand, so a sequence pooled alone, NaN-padded at
    either end or inside, or inside a ragged list gives the same pooled
    sequence. A network reading the pooled sequences runs ``window`` times
    fewer steps: on long, smooth series (sensor traces, spectra, outlines)
    this is faster and usually more accurate, because the gradient through
    time has fewer steps to cross.

    Parameters
    ----------
    window : int, default=1
        Observed steps averaged into one step. 1 leaves the observed steps as
        they are (and moves interior padding to the end).
    statistics : {"mean", "std", "min", "max"} or list of them, default="mean"
        What each pooled step holds of its window, for each feature. Several
        statistics stand side by side, in the order given: the pooled step has
        ``n_features * len(statistics)`` features, the first statistic's
        ``n_features`` first. The minimum and maximum keep what a mean smooths
        away, such as the height of a short spike; the standard deviation
        (over the window's observed steps, not the sample estimate: 0 for a
        window of one step) how much the window varies, such as the
        oscillation of a motor.

    Attributes
    ----------
    n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X (scikit-learn's
        rule, as for the estimators).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    SequenceScaler : Standardise the features of sequences.
    ElmanClassifier : A recurrent network that reads the pooled sequences.

    Notes
    -----
    With :math:`x_{i,(1)}, x_{i,(2)}, \dots` the observed steps of sequence
    :math:`i` in order and :math:`w` the window, pooled step :math:`k = 0, 1,
    \dots` is

    .. math::

        z_{ik} = \frac{1}{|W_{ik}|} \sum_{j \in W_{ik}} x_{i,(j)}, \qquad
        W_{ik} = \{kw + 1, \dots, \min((k + 1)w, n_i)\}

    where :math:`n_i` is the number of observed steps of sequence :math:`i`,
    which gets :math:`\lceil n_i / w \rceil` pooled steps; ``"min"`` and
    ``"max"`` take the minimum and maximum over :math:`W_{ik}` instead, and
    ``"std"`` the square root of
    :math:`\frac{1}{|W_{ik}|} \sum_{j \in W_{ik}} (x_{i,(j)} - z_{ik})^2`,
    which is exactly 0 for a constant window.

    :meth:`transform` answers in the layout of its input: an array of shape
    (n_samples, n_timesteps, n_features) gives one of shape (n_samples,
    ceil(n_timesteps / window), n_features), NaN-padded at the end of the
    sequences that have fewer pooled steps; a 2-D array (univariate sequences)
    gives a 2-D array of ceil(n_timesteps / window) columns; a list of
    sequences of different shapes gives the list of pooled sequences, each of
    its own length ceil(n_i / window) and no padding. A list whose sequences
    all have one shape is read as one array, as by the estimators, and gives an
    array. The dtype of the input (float64 or
    float32) is kept. With more than one statistic, a step has several
    features, so 2-D input gives a 3-D array of ``len(statistics)`` features.
    The pooler learns nothing from the data: :meth:`fit`
    only checks it and records the number of features.

    As for :class:`SequenceScaler`, ``set_output`` (or
    ``sklearn.set_config(transform_output=...)``) applies to 2-D output, which
    becomes a DataFrame with a column per pooled step; 3-D arrays and lists of
    sequences pass through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import SequencePooler
    >>> X = [np.array([1.0, 2.0, np.nan, 4.0, 5.0]), np.array([10.0, 20.0])]
    >>> SequencePooler(window=2).fit_transform(X)
    [array([1.5, 4.5]), array([15.])]
    >>> SequencePooler(window=2).fit_transform(np.arange(10.0).reshape(2, 5))
    array([[0.5, 2.5, 4. ],
           [5.5, 7.5, 9. ]])
    >>> SequencePooler(3, statistics=["mean", "max"]).fit_transform([[1, 5, 3, 2]])
    array([[[3., 5.],
            [2., 2.]]])
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "statistics": [StrOptions({"mean", "std", "min", "max"}), list, tuple],
    }

    def __init__(self, window=1, *, statistics="mean"):
        self.window = window
        self.statistics = statistics

    def _check_params(self):
        self._checked_window()
        self._checked_statistics()

    def transform(self, X):
        """Average the observed steps of each sequence in windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        X_pooled : ndarray or list of ndarray
            The pooled sequences in the layout of X (see Notes): an array of
            ceil(n_timesteps / window) steps, or a list of arrays of
            ceil(n_i / window) steps each, n_i being a sequence's number of
            observed steps.
        """
        check_is_fitted(self)
        window, statistics = self._checked_window(), self._checked_statistics()
        X_3d, absent = validate_sequences(self, X, reset=False)
        pooled, n_pooled = _pool(X_3d, absent, window, statistics)
        return _as_output(self, X, _in_layout_of(X, pooled, n_pooled))

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None uses ``feature_names_in_`` if defined,
            else ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            The names of a pooled step's features: the input names with one
            statistic, else each followed by the statistic (``x0_mean``, ...,
            ``x0_max``, ...). After a 2-D fit, whose columns are time steps:
            with one statistic, the output's columns, the input names when
            ``window=1``, else ``sequencepooler0, sequencepooler1, ...``, one
            per pooled step; with several, the statistics' names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        window, statistics = self._checked_window(), self._checked_statistics()
        if self._input_ndim == 2 and len(statistics) > 1:
            names = statistics
        elif self._input_ndim == 2 and window > 1:
            n_out = -(-self.n_features_in_ // window)
            names = [f"sequencepooler{k}" for k in range(n_out)]
        elif len(statistics) > 1:
            names = [f"{name}_{stat}" for stat in statistics for name in names]
        return np.asarray(names, dtype=object)

    def _checked_window(self):
        # scikit-learn's Interval(Integral) lets True through, and a window set
        # after fit must be checked where it is used.
        window = self.window
        if isinstance(window, bool) or not isinstance(window, Integral) or window < 1:
            raise ValueError(
                "window must be an integer >= 1 (observed steps averaged into one "
                f"step); got {window!r}."
            )
        return int(window)

    def _checked_statistics(self):
        return list(check_names(self.statistics, _STATISTICS, "statistics"))


def _pool(X, absent, window, statistics):
    """Statistics of consecutive windows of ``window`` observed steps.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    absent : ndarray of shape (n_samples, n_timesteps), dtype bool
    window : int
    statistics : list of str
        Keys of ``_STATISTICS``.

    Returns
    -------
    pooled : ndarray of shape (n_samples, ceil(n_timesteps / window), \
            n_features * len(statistics))
        In X's dtype; NaN after each sequence's last pooled step.
    n_pooled : ndarray of shape (n_samples,)
        Pooled steps of each sequence, ceil(n_observed_i / window).
    """
    n_samples, n_timesteps, n_features = X.shape
    observed = ~absent
    rank = np.cumsum(observed, axis=1)[observed] - 1  # among the sample's observed
    starts = np.flatnonzero(rank % window == 0)  # a window starts; rows in order
    steps = X[observed]  # (n_observed_steps, n_features), sample by sample
    n_pooled = -(-observed.sum(axis=1) // window)
    pooled = np.full(
        (n_samples, -(-n_timesteps // window), n_features * len(statistics)),
        np.nan,
        dtype=X.dtype,
    )
    pooled[np.arange(pooled.shape[1]) < n_pooled[:, np.newaxis]] = np.hstack(
        [_STATISTICS[stat](steps, starts, window) for stat in statistics]
    )
    return pooled, n_pooled


def _window_means(steps, starts, window):
    sizes = np.diff(starts, append=len(steps)).astype(steps.dtype)
    # Summed in units of a power of two >= window, so that a window of huge
    # values cannot overflow; scaling by a power of two rounds nothing.
    unit = steps.dtype.type(2.0 ** np.ceil(np.log2(window)))
    sums = np.add.reduceat(steps / unit, starts, axis=0)
    return sums / sizes[:, np.newaxis] * unit


def _window_stds(steps, starts, window):
    sizes = np.diff(starts, append=len(steps))  # (n_windows,)
    # Each window in units of a power of two above its largest magnitude (exact),
    # so that no deviation or square overflows, nor underflows in a window of
    # tiny values beside windows of huge ones.
    largest = np.maximum.reduceat(np.abs(steps), starts, axis=0)
    _, exponent = np.frexp(largest)  # (n_windows, n_features)
    scaled = np.ldexp(steps, -np.repeat(exponent, sizes, axis=0))
    # Deviations from the window's first step: exactly 0 in a constant window.
    shifted = scaled - np.repeat(scaled[starts], sizes, axis=0)
    counts = sizes[:, np.newaxis].astype(steps.dtype)
    means = np.add.reduceat(shifted, starts, axis=0) / counts
    deviations = shifted - np.repeat(means, sizes, axis=0)
    variances = np.add.reduceat(deviations**2, starts, axis=0) / counts
    return np.ldexp(np.sqrt(variances), exponent)


# Each maps (steps, starts of the windows, window) to one row per window.
_STATISTICS = {
    "mean": _window_means,
    "std": _window_stds,
    "min": lambda steps, starts, window: np.minimum.reduceat(steps, starts, axis=0),
    "max": lambda steps, starts, window: np.maximum.reduceat(steps, starts, axis=0),
}


class SequenceDifferencer(
    _StepTransformer,
    auto_wrap_output_keys=None,  # set_output: see _as_output
):
    r"""Add each step's change from the sequence's previous observed step.

    Each observed step gets, beside its features (or in their place), how much
    each feature changed since the previous observed step of its sequence: 0
    at a sequence's first observed step. Absent (all-NaN) steps are skipped
    wherever they stand and stay absent, so a sequence differenced alone,
    NaN-padded at either end or inside, or inside a ragged list gives the same
    differences at its observed steps. Put it before
    :class:`SequenceScaler`, which then scales the changes as features of
    their own, and before :class:`SequencePooler`, whose statistics of the
    changes describe a window's slope (the mean), its steepest fall and rise
    (the minimum and maximum) and its roughness (the standard deviation).
    Two in a row add the changes of the changes, how sharply the sequence
    bends (second differences from a sequence's third observed step on).

    Parameters
    ----------
    keep_original : bool, default=True
        Keep the input features, the changes following them: a step then has
        ``2 * n_features`` features. With False, a step holds the changes
        alone.

    Attributes
    ----------
    n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X (scikit-learn's
        rule, as for the estimators).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    SequenceScaler : Standardise the features of sequences.
    SequencePooler : Summarise consecutive windows of steps.

    Notes
    -----
    With :math:`x_{i,(1)}, x_{i,(2)}, \dots` the observed steps of sequence
    :math:`i` in order, the change at its observed step :math:`j` is

    .. math::

        \Delta x_{i,(j)} = x_{i,(j)} - x_{i,(j-1)}, \qquad
        \Delta x_{i,(1)} = 0.

    :meth:`transform` answers in the layout of its input, at the positions of
    the input's steps: an array of shape (n_samples, n_timesteps, n_features)
    gives one of shape (n_samples, n_timesteps, 2 * n_features) (or
    n_features, with ``keep_original=False``), NaN where the input had
    padding; a 2-D array (univariate sequences) gives a 3-D array of 2
    features per step (a 2-D array of the changes, with
    ``keep_original=False``); a list of sequences of different shapes gives
    the list of their outputs. The dtype of the input (float64 or float32) is
    kept. A change that overflows the dtype (between values of opposite sign
    near its largest) raises a ``ValueError``: scale such data first.
    The differencer learns nothing from the data: :meth:`fit` only checks it
    and records the number of features.

    As for :class:`SequenceScaler`, ``set_output`` (or
    ``sklearn.set_config(transform_output=...)``) applies to 2-D output, which
    becomes a DataFrame; 3-D arrays and lists of sequences pass through
    unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import SequenceDifferencer
    >>> X = [np.array([1.0, 3.0, np.nan, 4.0]), np.array([10.0, 5.0])]
    >>> SequenceDifferencer(keep_original=False).fit_transform(X)
    [array([ 0.,  2., nan,  1.]), array([ 0., -5.])]
    >>> SequenceDifferencer().fit_transform([[1.0, 3.0, 6.0]])
    array([[[1., 0.],
            [3., 2.],
            [6., 3.]]])
    """

    _parameter_constraints: dict = {"keep_original": ["boolean"]}

    def __init__(self, *, keep_original=True):
        self.keep_original = keep_original

    def transform(self, X):
        """Add (or put in place of the features) each step's change.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        X_out : ndarray or list of ndarray
            In the layout of X (see Notes), at the positions of its steps.
        """
        check_is_fitted(self)
        X_3d, absent = validate_sequences(self, X, reset=False)
        changes = _changes(X_3d, absent)
        if self.keep_original:
            changes = np.concatenate([X_3d, changes], axis=2)
        return _as_output(self, X, _in_layout_of(X, changes))

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None uses ``feature_names_in_`` if defined,
            else ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            The input names (with ``keep_original``), then each followed by
            ``_diff``. After a 2-D fit, whose columns are time steps: ``x0``
            and ``x0_diff``, the two features of a step; with
            ``keep_original=False``, the input names, the output's columns.
        """
        check_is_fitted(self)
        names = list(_check_feature_names_in(self, input_features))
        if self._input_ndim == 2:
            if not self.keep_original:
                return np.asarray(names, dtype=object)
            names = ["x0"]
        changes = [f"{name}_diff" for name in names]
        return np.asarray(
            names + changes if self.keep_original else changes, dtype=object
        )


def _changes(X, absent):
    """Each observed step's change from its sequence's previous observed step
    (0 at its first), NaN at absent steps; in X's dtype."""
    observed = ~absent
    steps = X[observed]  # (n_observed_steps, n_features), sample by sample
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        changes = np.diff(steps, axis=0, prepend=steps[:1])
    changes[np.cumsum(observed, axis=1)[observed] == 1] = 0.0  # first steps
    if not np.isfinite(changes).all():
        raise ValueError(
            "The change between consecutive observed steps of X overflows "
            f"{X.dtype} (values of opposite signs near its largest); scale X "
            "down before differencing it."
        )
    out = np.full_like(X, np.nan)
    out[observed] = changes
    return out


# scikit-learn's own wrapping of transform (turned off above) would make a
# DataFrame of every output and fail on 3-D and ragged ones; set_output stays
# available, and _as_output applies it where a DataFrame can hold the output.
SequenceScaler._sklearn_auto_wrap_output_keys = {"transform"}
SequencePooler._sklearn_auto_wrap_output_keys = {"transform"}
SequenceDifferencer._sklearn_auto_wrap_output_keys = {"transform"}
