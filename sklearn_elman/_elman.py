"""Elman recurrent networks as scikit-learn estimators."""

import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._objective import OUTPUT_ACTIVATIONS, TrainingData, objective
from ._params import Layout, Params, init_params, pack, unpack
from ._recurrence import ACTIVATIONS, TimeMajor, final_state
from ._validation import validate_sequences

_MODEL_NOTES = r"""For each layer :math:`l = 1..L` of ``hidden_layer_sizes`` and
    each observed time step :math:`t` of a sequence:

    .. math::

        h^l_t = \phi(W_{hx}^{l\top} h^{l-1}_t + W_{hh}^{l\top} h^l_{t-1} + b^l_h),
        \qquad h^0_t = x_t, \quad h^l_0 = 0

    At an absent (all-NaN) step the state carries over unchanged, so padding at
    either end or inside a sequence does not change its prediction. The readout
    sees the last layer's state after each sequence's last observed step
    :math:`T`: :math:`o = \mathrm{out}(W_{oh}^\top h^L_T + b_o)`.

    Training minimises, with sample weights :math:`w_i` and :math:`S = \sum_i w_i`,

    .. math::

        J = \frac{1}{S} \sum_i w_i \, \mathrm{loss}_i
            + \frac{\alpha}{2S} \sum_{W} \lVert W \rVert_F^2

    over all weight matrices (biases are not penalised), by
    ``scipy.optimize.minimize(method="L-BFGS-B")`` with the exact gradient
    computed by backpropagation through time. Integer sample weights are
    equivalent to repeating samples."""


class BaseElman(BaseEstimator, metaclass=ABCMeta):
    """Shared fitting machinery of the Elman estimators. Not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1e-4,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    @abstractmethod
    def _encode_targets(self, y):
        """Validate y, set the target attributes, and return (Y, out_activation)
        with Y of shape (n_samples, n_outputs)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences. 2-D input is read as univariate sequences; a
            list holds one ``(n_timesteps_i, n_features)`` or ``(n_timesteps_i,)``
            array per sample, of any lengths. Steps whose features are all NaN
            are padding.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values: one per sequence.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; ``None`` weighs every sample 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        hidden_layer_sizes = self._checked_hidden_layer_sizes()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        X, absent = validate_sequences(self, X, reset=True)
        check_consistent_length(X, y)
        Y, out_activation = self._encode_targets(y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        X, absent, Y, sample_weight = _canonical_training_set(
            X, absent, Y, sample_weight
        )

        layout = Layout(X.shape[2], hidden_layer_sizes, Y.shape[1])
        weight_sum = sample_weight.sum()
        data = TrainingData(
            X=TimeMajor.from_batch_major(X, absent),
            Y=Y,
            scaled_weights=sample_weight / weight_sum,
            penalty=(self.alpha / weight_sum) * layout.penalty_mask(),
            layout=layout,
            activation=self.activation,
            out_activation=out_activation,
        )
        theta = self._minimize(self._initial_theta(layout), data)

        params = unpack(theta, layout)
        self.input_weights_ = list(params.input_weights)
        self.recurrent_weights_ = list(params.recurrent_weights)
        self.hidden_biases_ = list(params.hidden_biases)
        self.output_weights_ = params.output_weights
        self.output_bias_ = params.output_bias
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = out_activation
        self._activation = self.activation
        return self

    def _checked_hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not sizes or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty "
                "sequence of positive integers (n_hidden per layer); got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _initial_theta(self, layout):
        if self.warm_start and hasattr(self, "output_weights_"):
            fitted = self._fitted_params()
            fitted_layout = Layout(
                fitted.input_weights[0].shape[0],
                tuple(W.shape[1] for W in fitted.input_weights),
                fitted.output_weights.shape[1],
            )
            if fitted_layout != layout:
                raise ValueError(
                    "warm_start=True needs the network of the previous fit, with "
                    f"{fitted_layout}; this fit needs {layout}. Set warm_start=False "
                    "to start from new weights."
                )
            return pack(fitted)
        return init_params(
            layout, self.activation, check_random_state(self.random_state)
        )

    def _fitted_params(self):
        return Params(
            self.input_weights_,
            self.recurrent_weights_,
            self.hidden_biases_,
            self.output_weights_,
            self.output_bias_,
        )

    def _minimize(self, theta0, data):
        """Run L-BFGS-B; set n_iter_, loss_, loss_curve_; return the weights."""
        loss_curve = []
        start = time.perf_counter()

        def callback(intermediate_result):
            loss_curve.append(float(intermediate_result.fun))
            if self.verbose:
                elapsed = time.perf_counter() - start
                print(
                    f"Iteration {len(loss_curve)}, loss = {loss_curve[-1]:.8f}, "
                    f"{elapsed:.2f} s"
                )

        result = scipy.optimize.minimize(
            objective,
            theta0,
            args=(data,),
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={
                "maxiter": self.max_iter,
                "maxfun": self.max_fun,
                "gtol": self.tol,
            },
        )
        if not (np.isfinite(result.fun) and np.all(np.isfinite(result.x))):
            raise ValueError(
                f"{type(self).__name__} diverged: the objective became non-finite and "
                "no weights were stored. Scale the features of X (for example to zero "
                "mean and unit variance), use a bounded activation such as 'tanh', or "
                "increase alpha."
            )
        if result.status != 0:
            warnings.warn(
                _convergence_message(self, result), ConvergenceWarning, stacklevel=3
            )
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        self.loss_curve_ = loss_curve
        return result.x

    def _readout(self, X):
        """The readout's pre-activation Z = h_T @ W_oh + b_o, (n_samples, n_outputs)."""
        check_is_fitted(self)
        X, absent = validate_sequences(self, X, reset=False)
        layers = list(
            zip(
                self.input_weights_,
                self.recurrent_weights_,
                self.hidden_biases_,
                strict=True,
            )
        )
        h_T = final_state(
            TimeMajor.from_batch_major(X, absent), layers, self._activation
        )
        return h_T @ self.output_weights_ + self.output_bias_

    def _output(self, X):
        """The network's output for X: probabilities or predicted values."""
        Z = self._readout(X)
        return OUTPUT_ACTIVATIONS[self.out_activation_](Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


def _convergence_message(estimator, result):
    name = type(estimator).__name__
    if result.status == 1 and result.nit >= estimator.max_iter:
        reason = f"reached max_iter={estimator.max_iter} iterations"
    elif result.status == 1:
        reason = f"reached max_fun={estimator.max_fun} objective evaluations"
    else:
        reason = f"stopped early ({result.message})"
    return (
        f"{name}: L-BFGS {reason} before the gradient fell below tol={estimator.tol}. "
        "Increase max_iter (or max_fun), scale the features of X, or raise tol."
    )


def _canonical_training_set(X, absent, Y, sample_weight):
    """Drop zero-weight samples and merge identical samples, summing their weights,
    in an order that depends only on the data.

    J is unchanged, and a fit with integer weights sees exactly the same arrays,
    and so follows exactly the same path, as a fit on repeated samples.
    """
    if not np.any(sample_weight > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    keep = sample_weight > 0
    X, absent, Y, sample_weight = X[keep], absent[keep], Y[keep], sample_weight[keep]
    rows = np.ascontiguousarray(
        np.hstack(
            [np.where(absent[:, :, np.newaxis], 0.0, X).reshape(len(X), -1), absent, Y]
        )
    )
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    merged_weight = np.bincount(inverse.ravel(), weights=sample_weight)
    return X[first], absent[first], Y[first], merged_weight


class ElmanClassifier(ClassifierMixin, BaseElman):
    """Elman recurrent network classifier: one label per sequence.

    Reads each sequence through one or more Elman layers and classifies it from
    the state after its last observed step. Trained by L-BFGS on the
    cross-entropy with an L2 penalty.

    Parameters
    ----------
    hidden_layer_sizes : int or array-like of int, default=(32,)
        ``n_hidden`` of each stacked recurrent layer.
    activation : {"tanh", "relu", "logistic", "identity"}, default="tanh"
        The hidden activation :math:`\\phi`.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the weight matrices.
    max_iter : int, default=200
        Maximum number of L-BFGS iterations.
    max_fun : int, default=15000
        Maximum number of objective evaluations.
    tol : float, default=1e-4
        L-BFGS stops when the largest entry of the projected gradient falls below it.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights. An int makes fits reproducible.
    warm_start : bool, default=False
        Start from the previous fit's weights instead of new ones. L-BFGS's
        curvature memory starts afresh at every fit.
    verbose : bool, default=False
        Print one line per iteration: iteration, objective, elapsed seconds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel y, the label indices).
    input_weights_ : list of ndarray
        ``W_hx`` of each layer, of shape (n_inputs_l, n_hidden_l).
    recurrent_weights_ : list of ndarray
        ``W_hh`` of each layer, of shape (n_hidden_l, n_hidden_l).
    hidden_biases_ : list of ndarray
        ``b_h`` of each layer, of shape (n_hidden_l,).
    output_weights_ : ndarray of shape (n_hidden_L, n_outputs)
        ``W_oh``.
    output_bias_ : ndarray of shape (n_outputs,)
        ``b_o``.
    loss_ : float
        The objective J at the fitted weights.
    loss_curve_ : list of float
        J after each L-BFGS iteration.
    n_iter_ : int
        Number of L-BFGS iterations run.
    n_outputs_ : int
        Number of output units: 1 for binary y, n_classes otherwise.
    out_activation_ : str
        "softmax" (multiclass) or "logistic" (binary, multilabel).
    n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    ElmanRegressor : The same network for regression targets.
    sklearn.neural_network.MLPClassifier : A feed-forward network on flat features.

    Notes
    -----
    MODEL_NOTES

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import ElmanClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 2))      # 200 sequences of 10 steps
    >>> y = (X[:, 0, 0] > 0).astype(int)       # decided by the first step
    >>> X[:100, 7:] = np.nan                   # some sequences end after 7 steps
    >>> clf = ElmanClassifier(hidden_layer_sizes=16, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    __doc__ = __doc__.replace("MODEL_NOTES", _MODEL_NOTES)

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1e-4,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            alpha=alpha,
            max_iter=max_iter,
            max_fun=max_fun,
            tol=tol,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
        )

    def _encode_targets(self, y):
        y = np.asarray(y) if not hasattr(y, "shape") else y
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        check_classification_targets(y)
        if type_of_target(y) == "multilabel-indicator":
            out_activation = "logistic"
        else:
            out_activation = None  # decided by the number of classes below
        if self.warm_start and hasattr(self, "classes_"):
            classes = LabelBinarizer().fit(y).classes_
            if not np.array_equal(classes, self.classes_):
                raise ValueError(
                    "warm_start=True needs y with the classes of the previous fit: "
                    f"{self.classes_} before, {classes} now."
                )
        self._label_binarizer = LabelBinarizer().fit(y)
        self.classes_ = self._label_binarizer.classes_
        if out_activation is None and len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y "
                f"has only 1 class: {self.classes_[0]!r}."
            )
        Y = self._label_binarizer.transform(y).astype(np.float64)
        if out_activation is None:
            out_activation = "logistic" if len(self.classes_) == 2 else "softmax"
        return Y, out_activation

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``. For multilabel y, the
            probability of each label.
        """
        proba = self._output(X)
        if (
            self.out_activation_ == "logistic"
            and self._label_binarizer.y_type_ == "binary"
        ):
            return np.hstack([1.0 - proba, proba])
        return proba

    def decision_function(self, X):
        """The output units' pre-activations (logits) for each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary y, the logit of ``classes_[1]``; otherwise one column per
            class (softmax inputs) or per label (multilabel logits).
        """
        scores = self._readout(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict the class of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels; an indicator matrix for multilabel y.
        """
        output = self._output(X)
        return self._label_binarizer.inverse_transform(output)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class ElmanRegressor(RegressorMixin, BaseElman):
    """Elman recurrent network regressor: one target vector per sequence.

    Reads each sequence through one or more Elman layers and predicts from the
    state after its last observed step with a linear readout. Trained by L-BFGS
    on half the mean squared error with an L2 penalty.

    Parameters
    ----------
    hidden_layer_sizes : int or array-like of int, default=(32,)
        ``n_hidden`` of each stacked recurrent layer.
    activation : {"tanh", "relu", "logistic", "identity"}, default="tanh"
        The hidden activation :math:`\\phi`.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the weight matrices.
    max_iter : int, default=200
        Maximum number of L-BFGS iterations.
    max_fun : int, default=15000
        Maximum number of objective evaluations.
    tol : float, default=1e-4
        L-BFGS stops when the largest entry of the projected gradient falls below it.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights. An int makes fits reproducible.
    warm_start : bool, default=False
        Start from the previous fit's weights instead of new ones. L-BFGS's
        curvature memory starts afresh at every fit.
    verbose : bool, default=False
        Print one line per iteration: iteration, objective, elapsed seconds.

    Attributes
    ----------
    input_weights_ : list of ndarray
        ``W_hx`` of each layer, of shape (n_inputs_l, n_hidden_l).
    recurrent_weights_ : list of ndarray
        ``W_hh`` of each layer, of shape (n_hidden_l, n_hidden_l).
    hidden_biases_ : list of ndarray
        ``b_h`` of each layer, of shape (n_hidden_l,).
    output_weights_ : ndarray of shape (n_hidden_L, n_outputs)
        ``W_oh``.
    output_bias_ : ndarray of shape (n_outputs,)
        ``b_o``.
    loss_ : float
        The objective J at the fitted weights.
    loss_curve_ : list of float
        J after each L-BFGS iteration.
    n_iter_ : int
        Number of L-BFGS iterations run.
    n_outputs_ : int
        Number of targets.
    out_activation_ : str
        Always "identity".
    n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    ElmanClassifier : The same network for class labels.
    sklearn.neural_network.MLPRegressor : A feed-forward network on flat features.

    Notes
    -----
    MODEL_NOTES

    The regression loss is :math:`\\mathrm{loss}_i = \\frac{1}{2 K} \\sum_k
    (o_{ik} - y_{ik})^2` over the :math:`K` targets.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_elman import ElmanRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(300, 8))   # 300 univariate sequences
    >>> y = X.sum(axis=1)                       # a running sum needs memory
    >>> reg = ElmanRegressor(hidden_layer_sizes=8, max_iter=1000, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.99
    True
    """

    __doc__ = __doc__.replace("MODEL_NOTES", _MODEL_NOTES)

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1e-4,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            alpha=alpha,
            max_iter=max_iter,
            max_fun=max_fun,
            tol=tol,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
        )

    def _encode_targets(self, y):
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        self._y_ndim = y.ndim
        return y.reshape(len(y), -1), "identity"

    def predict(self, X):
        """Predict the target of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            As many dimensions as the y given to :meth:`fit`.
        """
        y = self._output(X)
        return y.ravel() if self._y_ndim == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
