"""Standardise the features of sequences, leaving their padding alone."""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._set_output import _wrap_data_with_container
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._atomic import atomic_fit
from ._scale import unit_scale
from ._validation import _holds_samples, _is_ragged, validate_sequences


class SequenceScaler(
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
            of those shapes.
        """
        check_is_fitted(self)
        X_3d, _ = validate_sequences(self, X, reset=False)
        # The subtraction (or the copy) makes a new array: X_3d may be the caller's.
        X_scaled = X_3d - self.mean_ if self.with_mean else X_3d.copy()
        if self.with_std:
            X_scaled /= self.scale_
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
        X_original = X_3d * self.scale_ if self.with_std else X_3d.copy()
        if self.with_mean:
            X_original += self.mean_
        return _in_layout_of(X, X_original)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


def _is_constant(var, mean, n_steps):
    """Whether a variance is zero up to the rounding error of computing it
    from ``n_steps`` terms.

    StandardScaler's bound, so that constant features get scale 1 as there.
    """
    eps = np.finfo(np.float64).eps
    return var <= n_steps * eps * var + (n_steps * mean * eps) ** 2


# scikit-learn's own wrapping of transform (turned off above) would make a
# DataFrame of every output and fail on 3-D and ragged ones; set_output stays
# available, and _as_output applies it where a DataFrame can hold the output.
SequenceScaler._sklearn_auto_wrap_output_keys = {"transform"}


def _as_output(scaler, X, X_out):
    """``X_out`` in the container set_output asks for, if it is 2-D; else as
    it is (a 3-D array or a list of sequences)."""
    if isinstance(X_out, np.ndarray) and X_out.ndim == 2:
        return _wrap_data_with_container("transform", X_out, X, scaler)
    return X_out


def _in_layout_of(X, X_3d):
    """``X_3d`` (n_samples, n_timesteps, n_features) in the layout of input ``X``.

    A ragged list gives a list of arrays of the shapes of its samples (which
    ``validate_sequences`` padded at the end). Any other input was read as one
    array (2-D or 3-D), and gets an array of its shape. A 1-D object array or
    Series of per-sample arrays counts as their list.
    """
    if _holds_samples(X):
        X = list(X)
    if _is_ragged(X):
        return [X_3d[i, : len(x)].reshape(np.shape(x)) for i, x in enumerate(X)]
    input_ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
    return X_3d[:, :, 0] if input_ndim == 2 else X_3d
