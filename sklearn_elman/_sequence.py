"""Elman networks with an output at every time step: sequence labelling and
sequence-to-sequence regression."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import _check_sample_weight

from ._dask import blockwise
from ._elman import BaseElman, _fill_doc, _LabelsMixin
from ._validation import ragged_lengths, validate_step_targets

_STEP_NOTES = r"""For each layer :math:`l = 1..L` of ``hidden_layer_sizes`` and
    each observed time step :math:`t` of a sequence, as in Elman (1990):

    .. math::

        h^l_t = \phi(W_{hx}^{l\top} h^{l-1}_t + W_{hh}^{l\top} h^l_{t-1} + b^l_h),
        \qquad o_t = \mathrm{out}(W_{oh}^\top h^L_t + b_o)

    with :math:`h^0_t = x_t` and :math:`h^l_0 = 0`: the output reads the state
    at every step, so these estimators have no ``readout`` to pool the states
    (the per-sequence estimators do). At an absent (all-NaN) step the state
    carries over unchanged and the target is ignored. With
    ``bidirectional=True`` every layer also runs a second recurrence, with its
    own weights, from the last observed step to the first, and :math:`o_t`
    reads both directions' states at step :math:`t`: then each output sees
    the whole sequence, so use it for labelling complete sequences, not for
    forecasting.

    Training minimises the mean loss over all observed steps, each weighted by
    its sequence's weight :math:`w_i`: with :math:`n_i` the number of observed
    steps of sequence :math:`i` and :math:`S = \sum_i w_i n_i`,

    .. math::

        J = \frac{1}{S} \sum_i w_i \sum_{t \text{ observed}} \mathrm{loss}_{it}
            + \frac{\alpha}{2S} \sum_{W} \lVert W \rVert_F^2

    over all weight matrices (biases are not penalised), by
    ``scipy.optimize.minimize(method="L-BFGS-B")`` with the exact gradient
    computed by backpropagation through time."""


def _in_layout(X, values):
    """Per-step ``values`` of shape (n_samples, n_timesteps, ...) in X's layout:
    the array itself, or for ragged X one array per sample, as long as it."""
    lengths = ragged_lengths(X)
    if lengths is None:
        return values
    return [values[i, :n_i] for i, n_i in enumerate(lengths)]


class _BaseSequenceElman(BaseElman):
    """An output at every time step. Not for direct use."""

    _per_step = True

    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences X and per-step targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences. 2-D input is read as univariate sequences; a
            list holds one ``(n_timesteps_i, n_features)`` or ``(n_timesteps_i,)``
            array per sample, of any lengths. Steps whose features are all NaN
            are padding.
        y : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_outputs), or list of array-like
            A target at every time step, aligned with X's time steps; for a
            ragged list X, a list of one array of ``len(X[i])`` targets per
            sample. Targets at absent steps are ignored (they may be NaN).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence, given to each of its observed
            steps; ``None`` weighs every sequence 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, y, sample_weight)

    def _scatter(self, targets, absent):
        """Encoded targets of the observed steps, (n_observed, n_outputs), as
        an array of shape (n_samples, n_timesteps, n_outputs), 0 at absent steps."""
        Y = np.zeros((*absent.shape, targets.shape[1]))
        Y[~absent] = targets
        return Y

    def _step_weights(self, sample_weight, absent):
        """Each observed step's weight: its sequence's."""
        sample_weight = _check_sample_weight(sample_weight, absent, dtype=np.float64)
        return np.broadcast_to(sample_weight[:, np.newaxis], absent.shape)[~absent]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


@_fill_doc
class ElmanSequenceClassifier(_LabelsMixin, _BaseSequenceElman):
    """Elman recurrent network for sequence labelling: a label at every time step.

    Reads each sequence through one or more Elman layers and classifies every
    observed step from the state after it (the output :math:`o_t` of Elman's
    equations). Trained by L-BFGS on the cross-entropy, averaged over the
    observed steps, with an L2 penalty.

    Parameters
    ----------
    PARAMETERS

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels seen at observed steps.
    WEIGHTS
    n_outputs_ : int
        Number of output units: 1 for two classes, n_classes otherwise.
    out_activation_ : str
        "softmax" (more than two classes) or "logistic" (two).
    INPUT_ATTRIBUTES

    See Also
    --------
    ElmanClassifier : One label per sequence.
    ElmanSequenceRegressor : A real-valued target at every time step.

    Notes
    -----
    STEP_NOTES

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import ElmanSequenceClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 12))         # 100 univariate sequences
    >>> y = np.maximum.accumulate(X > 1, axis=1)  # has a value above 1 been seen?
    >>> clf = ElmanSequenceClassifier(8, max_iter=1000, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.predict(X[:2]).shape                # one label per time step
    (2, 12)
    >>> [p.shape for p in clf.predict([X[0, :5], X[1]])]  # ragged in, ragged out
    [(5,), (12,)]
    """

    __doc__ = __doc__.replace("STEP_NOTES", _STEP_NOTES)

    def _encode_targets(self, y, absent):
        labels = validate_step_targets(y, absent, dtype=None)
        if labels.ndim != 1:
            raise ValueError(
                f"{type(self).__name__} needs one label per time step; y has "
                f"{labels.shape[1]} values per step."
            )
        Y, out_activation = self._encode_labels(labels)
        return self._scatter(Y, absent), out_activation

    @blockwise
    def predict(self, X):
        """Predict the class of every time step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        y : ndarray of shape (n_samples, n_timesteps), or list of ndarray
            The label of each step; for a ragged list X, one array of
            ``len(X[i])`` labels per sample. At absent steps the label is that
            of the carried-over state: ignore it.
        """
        _, Z, _ = self._network_output(X)
        return _in_layout(X, self._labels(self._output(Z)))

    @blockwise
    def predict_proba(self, X):
        """Class probabilities of every time step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_timesteps, n_classes), or list \
                of ndarray
            Probabilities in the order of ``classes_``; for a ragged list X,
            one array of shape (len(X[i]), n_classes) per sample.
        """
        _, Z, _ = self._network_output(X)
        return _in_layout(X, self._probabilities(self._output(Z)))

    def score(self, X, y, sample_weight=None):
        """Accuracy over the observed time steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.
        y : array-like of shape (n_samples, n_timesteps), or list of array-like
            True labels, as in :meth:`fit`; those of absent steps are ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, given to each of its observed steps.

        Returns
        -------
        score : float
            The fraction of observed steps labelled correctly.
        """
        _, Z, absent = self._network_output(X)
        labels = validate_step_targets(y, absent, dtype=None)
        predicted = self._labels(self._output(Z)[~absent])
        weights = self._step_weights(sample_weight, absent)
        return float(accuracy_score(labels, predicted, sample_weight=weights))


@_fill_doc
class ElmanSequenceRegressor(RegressorMixin, _BaseSequenceElman):
    """Elman recurrent network for sequence-to-sequence regression: a target
    vector at every time step.

    Reads each sequence through one or more Elman layers and predicts every
    observed step's target from the state after it with a linear readout (for
    example the next value of a time series: a forecast one step ahead at
    every step). Trained by L-BFGS on half the squared error, averaged over the
    observed steps, with an L2 penalty.

    Parameters
    ----------
    PARAMETERS

    Attributes
    ----------
    WEIGHTS
    n_outputs_ : int
        Number of targets per time step.
    out_activation_ : str
        Always "identity".
    INPUT_ATTRIBUTES

    See Also
    --------
    ElmanRegressor : One target vector per sequence.
    ElmanSequenceClassifier : A label at every time step.

    Notes
    -----
    STEP_NOTES

    The loss of a step is :math:`\\mathrm{loss}_{it} = \\frac{1}{2 K} \\sum_k
    (o_{itk} - y_{itk})^2` over the :math:`K` targets.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import ElmanSequenceRegressor
    >>> t = np.arange(41)
    >>> series = np.sin(0.3 * t[np.newaxis] + np.linspace(0, 3, 60)[:, np.newaxis])
    >>> X, y = series[:, :-1], series[:, 1:]   # forecast the next value
    >>> reg = ElmanSequenceRegressor(8, max_iter=1000, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    >>> reg.predict(X[:2]).shape
    (2, 40)
    """

    __doc__ = __doc__.replace("STEP_NOTES", _STEP_NOTES)

    def _encode_targets(self, y, absent):
        targets = validate_step_targets(y, absent, dtype=np.float64)
        self._y_ndim = targets.ndim + 1  # (n_samples, n_timesteps[, n_outputs])
        return self._scatter(targets.reshape(len(targets), -1), absent), "identity"

    def _score_output(self, output, Y, sample_weight):
        return r2_score(Y, output, sample_weight=sample_weight)

    @blockwise
    def predict(self, X):
        """Predict the target of every time step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        y : ndarray of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_outputs), or list of ndarray
            As many dimensions as the y given to :meth:`fit`; for a ragged list
            X, one array of ``len(X[i])`` steps per sample. At absent steps the
            prediction is that of the carried-over state: ignore it.
        """
        _, Z, _ = self._network_output(X)
        y = self._output(Z)
        return _in_layout(X, y[..., 0] if self._y_ndim == 2 else y)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 over the observed time steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.
        y : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_outputs), or list of array-like
            True targets, as in :meth:`fit`; those of absent steps are ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, given to each of its observed steps.

        Returns
        -------
        score : float
            R^2 of the observed steps' predictions, averaged uniformly over
            outputs.
        """
        _, Z, absent = self._network_output(X)
        targets = validate_step_targets(y, absent, dtype=np.float64)
        predicted = self._output(Z)[~absent].reshape(targets.shape)
        weights = self._step_weights(sample_weight, absent)
        return float(r2_score(targets, predicted, sample_weight=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
