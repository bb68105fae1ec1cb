"""Elman recurrent networks as scikit-learn estimators."""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    column_or_1d,
)

from ._atomic import atomic_fit
from ._callbacks import CallbackSupportMixin, FitTask
from ._dask import blockwise, dask_training_data, is_dask_collection
from ._objective import (
    OUTPUT_ACTIVATIONS,
    POOLS,
    STEP,
    Batch,
    TrainingData,
    network_outputs,
)
from ._params import Layout, Params, init_params, pack
from ._recurrence import ACTIVATIONS
from ._scale import unit_scale
from ._solver import fit_lbfgs
from ._validation import (
    check_n_targets,
    check_names,
    check_weight_scale,
    validate_sequences,
)

_MODEL_NOTES = r"""For each layer :math:`l = 1..L` of ``hidden_layer_sizes`` and
    each observed time step :math:`t` of a sequence:

    .. math::

        h^l_t = \phi(W_{hx}^{l\top} h^{l-1}_t + W_{hh}^{l\top} h^l_{t-1} + b^l_h),
        \qquad h^0_t = x_t, \quad h^l_0 = 0

    At an absent (all-NaN) step the state carries over unchanged, so padding at
    either end or inside a sequence does not change its prediction. The
    output reads :math:`r`, the last layer's states pooled over the sequence's
    observed steps :math:`t = 1..T`:

    .. math::

        o = \mathrm{out}(W_{oh}^\top r + b_o)

    .. math::

        r = h^L_T \ (\text{"last"}), \quad
        \frac{1}{T} \sum_t h^L_t \ (\text{"mean"}), \quad
        \max_t h^L_t \ (\text{"max"}, \text{elementwise})

    or, for a list of ``readout`` pools, their results side by side in the
    order given. Padding is never pooled.

    With ``bidirectional=True`` every layer also runs a second recurrence, with
    its own weights, from each sequence's last observed step to its first
    (:math:`h^l_{t+1}` in place of :math:`h^l_{t-1}`, and the same carry-over at
    absent steps). The layer above reads both directions' states side by side,
    and each direction's states are pooled on their own, forward first ("last"
    being the backward state after the first observed step).

    Training minimises, with sample weights :math:`w_i` and :math:`S = \sum_i w_i`,

    .. math::

        J = \frac{1}{S} \sum_i w_i \, \mathrm{loss}_i
            + \frac{\alpha}{2S} \sum_{W} \lVert W \rVert_F^2

    over all weight matrices (biases are not penalised), by
    ``scipy.optimize.minimize(method="L-BFGS-B")`` with the exact gradient
    computed by backpropagation through time. Integer sample weights are
    equivalent to repeating samples."""


_PARAMETERS = """hidden_layer_sizes : int or array-like of int, default=(32,)
        ``n_hidden`` of each stacked recurrent layer.
    activation : {"tanh", "relu", "logistic", "identity"}, default="tanh"
        The hidden activation :math:`\\phi`.
    alpha : float, default=1.0
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
    verbose : bool or int, default=False
        Print one line per iteration: iteration, objective J, validation score
        (with early stopping), elapsed seconds; ``verbose=2`` adds the gradient
        norm.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training set (stratified for
        classification of whole sequences, sample weights going with their
        samples), score it after every L-BFGS iteration, stop when the score
        has not improved by ``tol`` for ``n_iter_no_change`` iterations, and
        keep the weights of the best iteration.
    validation_fraction : float, default=0.1
        Fraction of the training set held out for early stopping, in (0, 1).
        It must hold out at least 2 sequences, of positive total weight, and
        leave at least 1 to train on; otherwise fit raises a ValueError.
    n_iter_no_change : int or np.inf, default=10
        Iterations without an improvement of at least ``tol`` in the
        validation score before early stopping stops.
    bidirectional : bool, default=False
        Give every layer a second recurrence, with its own weights, that reads
        the observed steps from last to first. The layer above and the readout
        see both directions' states, forward first."""

_READOUT = """readout : {"last", "mean", "max"} or list of them, default="last"
        What the output reads of the last layer's states: the state after the
        last observed step ("last", Elman's :math:`o_T`), or their mean or
        elementwise maximum over the observed steps; a list concatenates
        several, in the order given. A pooled readout gives every step a
        direct path to the loss, which helps on long sequences."""

_WEIGHTS = """input_weights_ : list of ndarray
        ``W_hx`` of each layer, of shape (n_inputs_l, n_hidden_l): ``n_features``
        inputs for the first layer, ``n_directions * n_hidden_{l-1}`` (forward
        rows first) for the others, ``n_directions`` being 2 when
        bidirectional, else 1.
    recurrent_weights_ : list of ndarray
        ``W_hh`` of each layer, of shape (n_hidden_l, n_hidden_l).
    hidden_biases_ : list of ndarray
        ``b_h`` of each layer, of shape (n_hidden_l,).
    backward_input_weights_ : list of ndarray or None
        The backward direction's ``W_hx`` of each layer, shaped as
        ``input_weights_``; None unless ``bidirectional``.
    backward_recurrent_weights_ : list of ndarray or None
        The backward direction's ``W_hh`` of each layer; None unless
        ``bidirectional``.
    backward_hidden_biases_ : list of ndarray or None
        The backward direction's ``b_h`` of each layer; None unless
        ``bidirectional``.
    output_weights_ : ndarray of shape (n_directions * n_pools * n_hidden_L, \
            n_outputs)
        ``W_oh``: a block of ``n_hidden_L`` rows for each pool of ``readout``
        (``n_pools`` of them; 1 for the per-step estimators), in order, of the
        forward direction, then of the backward one.
    output_bias_ : ndarray of shape (n_outputs,)
        ``b_o``.
    loss_ : float
        The objective J at the fitted weights.
    loss_curve_ : list of float
        J after each L-BFGS iteration.
    n_iter_ : int
        Number of L-BFGS iterations run.
    validation_scores_ : list of float or None
        With early stopping, the score of the held-out set after each
        iteration (accuracy or R^2; -inf where the network's output for a
        held-out sequence overflowed); otherwise None.
    best_validation_score_ : float or None
        With early stopping, the best of ``validation_scores_``, which the
        fitted weights reach; otherwise None."""

_INPUT_ATTRIBUTES = """n_features_in_ : int
        Features per time step; after a 2-D fit, the width of X.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names."""


def _fill_doc(cls):
    """Put the shared parts into an estimator's docstring."""
    for name, text in [
        ("MODEL_NOTES", _MODEL_NOTES),
        ("PARAMETERS", _PARAMETERS),
        ("READOUT", _READOUT),
        ("WEIGHTS", _WEIGHTS),
        ("INPUT_ATTRIBUTES", _INPUT_ATTRIBUTES),
    ]:
        cls.__doc__ = cls.__doc__.replace(name, text)
    return cls


class BaseElman(CallbackSupportMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared fitting machinery of the Elman estimators. Not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "bidirectional": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
    }

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1.0,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        bidirectional=False,
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
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.bidirectional = bidirectional

    # Whether the network has an output at every step (sequence labelling)
    # rather than one per sequence, read from the state after its last step.
    _per_step = False

    @abstractmethod
    def _encode_targets(self, y, absent):
        """Validate y, set the target attributes, and return (Y, out_activation)
        with Y of shape (n_samples, n_outputs), or (n_samples, n_timesteps,
        n_outputs) with an output at every step."""

    @atomic_fit
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
        task = FitTask(self, X, y, sample_weight, max_subtasks=self.max_iter)
        hidden_layer_sizes = self._checked_hidden_layer_sizes()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        rng = check_random_state(self.random_state)
        if is_dask_collection(X):  # blocks prepared and kept on the workers
            data, validation = dask_training_data(
                self, X, y, sample_weight, hidden_layer_sizes, rng
            )
        else:
            data, validation = self._training_data(
                X, y, sample_weight, hidden_layer_sizes, rng
            )
        theta0 = self._initial_theta(data.layout, rng)
        fit_lbfgs(self, theta0, data, validation, task)
        task.end()
        return self

    def _training_data(self, X, y, sample_weight, hidden_layer_sizes, rng):
        """Validate in-memory X, y and sample_weight, set the input and target
        attributes, and return the TrainingData and the held-out Batch (or
        None) of early stopping."""
        frame = hasattr(X, "columns")  # before X becomes the padded array
        X, absent = validate_sequences(self, X, reset=True)
        check_n_targets(X, y, frame=frame)
        Y, out_activation = self._encode_targets(y, absent)
        float32 = np.finfo(np.float32).max
        if X.dtype == np.float32 and not np.all(np.abs(Y) <= float32):
            raise ValueError(
                f"y has values beyond float32's range ({float32:.3g}), but float32 "
                "X is trained in float32, targets included: scale y, or pass X as "
                "float64."
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        sample_weight = self._weigh_classes(y, sample_weight)
        n_targets = (~absent).sum(axis=1) if Y.ndim == 3 else 1
        check_weight_scale(sample_weight, self.alpha, n_targets)

        validation = None
        if self.early_stopping:
            train, held_out = self._split_for_early_stopping(Y, sample_weight, rng)
            # the score ignores the weights' scale; scaled to about 1, their
            # sums in the score cannot overflow
            validation = Batch.build(
                X[held_out],
                absent[held_out],
                Y[held_out],
                unit_scale(sample_weight[held_out])[0],
            )
            X, absent, Y = X[train], absent[train], Y[train]
            sample_weight = sample_weight[train]

        data = TrainingData.build(
            X,
            absent,
            Y,
            sample_weight,
            alpha=self.alpha,
            hidden_layer_sizes=hidden_layer_sizes,
            bidirectional=self.bidirectional,
            readout=self._checked_readout(),
            activation=self.activation,
            out_activation=out_activation,
        )
        return data, validation

    def _split_for_early_stopping(self, Y, sample_weight, rng):
        """Indices of the sequences to train on and of those held out, refusing
        a held-out set that cannot be scored (as MLP does)."""
        n_samples = len(Y)
        n_held_out = int(np.ceil(self.validation_fraction * n_samples))
        if n_held_out < 2 or n_held_out == n_samples:
            raise ValueError(
                f"The validation set is too small: validation_fraction="
                f"{self.validation_fraction} of {n_samples} sequences holds out "
                f"{n_held_out} and trains on {n_samples - n_held_out}; early "
                "stopping needs at least 2 held-out sequences (R^2 and a "
                "meaningful accuracy need 2) and 1 to train on. Increase "
                "validation_fraction or the number of sequences, or set "
                "early_stopping=False."
            )
        train, held_out = train_test_split(
            np.arange(n_samples),
            test_size=n_held_out,
            stratify=self._stratify_by(Y),
            random_state=rng,
        )
        for part, indices in [("validation set", held_out), ("training set", train)]:
            if not np.any(sample_weight[indices] > 0):
                raise ValueError(
                    f"The early-stopping {part} has zero total sample weight: "
                    f"every one of its {len(indices)} sequences has weight 0 "
                    "(sample_weight times class_weight), so it cannot be "
                    f"{'scored' if part == 'validation set' else 'trained on'}. "
                    "Give more sequences a positive weight, change "
                    "validation_fraction or random_state, or set "
                    "early_stopping=False."
                )
        return train, held_out

    def _weigh_classes(self, y, sample_weight):
        """Sample weights times the class weights (the classifier has them)."""
        return sample_weight

    def _stratify_by(self, Y):
        """Labels to stratify the early-stopping split by, or None."""
        return None

    @abstractmethod
    def _score_output(self, output, Y, sample_weight):
        """The estimator's score, from the network's output and encoded targets."""

    def _checked_hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if hasattr(sizes, "ndim"):  # an array, 0-d too: the numbers it holds
            sizes = np.asarray(sizes).tolist()
        iterable = np.iterable(sizes) and not isinstance(sizes, str)
        sizes = tuple(sizes) if iterable else (sizes,)
        if not sizes or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty "
                "sequence of positive integers (n_hidden per layer); got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _checked_readout(self):
        """The pools the output reads, as a tuple (``("last",)`` for the
        per-step estimators, which read every step instead)."""
        return check_names(getattr(self, "readout", "last"), POOLS, "readout")

    def _initial_theta(self, layout, rng):
        if self.warm_start and hasattr(self, "output_weights_"):
            fitted_layout = self._fitted_layout()
            if fitted_layout != layout:
                raise ValueError(
                    "warm_start=True needs the network of the previous fit, with "
                    f"{fitted_layout}; this fit needs {layout}. Set warm_start=False "
                    "to start from new weights."
                )
            return pack(self._fitted_params())
        return init_params(layout, self.activation, rng)

    def _fitted_params(self):
        return Params(
            self.input_weights_,
            self.recurrent_weights_,
            self.hidden_biases_,
            self.output_weights_,
            self.output_bias_,
            self.backward_input_weights_,
            self.backward_recurrent_weights_,
            self.backward_hidden_biases_,
        )

    def _fitted_readout(self):
        """The readout the network was fitted with."""
        return STEP if self._per_step else self._readout

    def _fitted_layout(self):
        bidirectional = self.backward_input_weights_ is not None
        n_top = (1 + bidirectional) * self.input_weights_[-1].shape[1]
        return Layout(
            self.input_weights_[0].shape[0],
            tuple(W.shape[1] for W in self.input_weights_),
            self.output_weights_.shape[1],
            bidirectional,
            self.output_weights_.shape[0] // n_top,
        )

    def _network_output(self, X):
        """Run the fitted network on X, in chunks of samples.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out) or None
            The readout's input (None with an output at every step).
        Z : ndarray of shape (n_samples, n_outputs) or \
                (n_samples, n_timesteps, n_outputs)
            The readout's pre-activations, in X's dtype.
        absent : ndarray of shape (n_samples, n_timesteps), dtype bool
        """
        check_is_fitted(self)
        X, absent = validate_sequences(self, X, reset=False)
        features, Z = [], []
        with np.errstate(over="ignore", invalid="ignore"):
            outputs = network_outputs(
                self._fitted_params(),
                X,
                absent,
                self._fitted_layout(),
                self._activation,
                self._fitted_readout(),
            )
        for F, Z_chunk in outputs:
            if self._per_step:  # time-major rows to (n_samples, n_timesteps, ...)
                Z_chunk = Z_chunk.reshape(X.shape[1], -1, Z_chunk.shape[-1])
                Z_chunk = Z_chunk.transpose(1, 0, 2)
            else:
                features.append(np.hstack(F))
            Z.append(Z_chunk)
        Z = np.concatenate(Z)
        features = np.concatenate(features) if features else None
        bad = np.flatnonzero(~np.isfinite(Z.reshape(len(Z), -1)).all(axis=1))
        if bad.size:
            raise ValueError(
                f"{type(self).__name__} computed a non-finite output for "
                f"{bad.size} sample(s), the first being sample {bad[0]}: with "
                f"activation={self._activation!r} the hidden state grew without "
                "bound over the sequence. Use a bounded activation such as 'tanh', "
                "scale the features of X, or use shorter sequences."
            )
        return features, Z, absent

    def _output(self, Z):
        """The network's output from the readout's pre-activations Z:
        probabilities or predicted values, in float64."""
        Z = Z.astype(np.float64, copy=False)  # probabilities sum to 1 in float64
        output = OUTPUT_ACTIVATIONS[self.out_activation_](Z.reshape(-1, Z.shape[-1]))
        return output.reshape(Z.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


class _LabelsMixin(ClassifierMixin):
    """Class labels for the Elman classifiers: encoding, scoring, probabilities."""

    def _encode_labels(self, y):
        """Fit the label encoding to y (1-D labels, or a 2-D label indicator)
        and return (Y, out_activation)."""
        # Float labels beyond int64 are "continuous" to scikit-learn, which finds
        # that out by a cast to int64 that warns: let only its ValueError out.
        with np.errstate(invalid="ignore"):
            try:
                check_classification_targets(y)
            except TypeError as exc:  # labels that cannot be sorted
                raise ValueError(
                    f"y mixes labels of types that cannot be compared ({exc}): use "
                    "labels of one type, all strings or all numbers."
                ) from None
        if self.warm_start and hasattr(self, "classes_"):
            classes = LabelBinarizer().fit(y).classes_
            if not np.array_equal(classes, self.classes_):
                raise ValueError(
                    "warm_start=True needs y with the classes of the previous fit: "
                    f"{self.classes_} before, {classes} now."
                )
        # A block of a Dask fit (_dask.py) gets the classes of the whole
        # training set, or while it is surveyed ("block") its own.
        given = getattr(self, "_dask_classes", None)
        if isinstance(given, LabelBinarizer):
            self._label_binarizer = given
        else:
            self._label_binarizer = LabelBinarizer().fit(y)
        self.classes_ = self._label_binarizer.classes_
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            out_activation = "logistic"
        elif len(self.classes_) < 2 and given is None:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y "
                f"has only 1 class: {self.classes_[0]!r}."
            )
        else:
            out_activation = "logistic" if len(self.classes_) == 2 else "softmax"
        return self._label_binarizer.transform(y).astype(np.float64), out_activation

    def _score_output(self, output, Y, sample_weight):
        lb = self._label_binarizer
        return accuracy_score(
            lb.inverse_transform(Y),
            lb.inverse_transform(output),
            sample_weight=sample_weight,
        )

    def _labels(self, output):
        """Labels from the output units, for output of shape (..., n_outputs)."""
        labels = self._label_binarizer.inverse_transform(
            output.reshape(-1, output.shape[-1])
        )
        return labels.reshape(*output.shape[:-1], *labels.shape[1:])

    def _probabilities(self, output):
        """Class probabilities from the output units, (..., n_classes)."""
        if (
            self.out_activation_ == "logistic"
            and self._label_binarizer.y_type_ == "binary"
        ):
            return np.concatenate([1.0 - output, output], axis=-1)
        return output


class _StateFeaturesMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """``transform``: the readout's input as features for another estimator;
    and the ``readout`` of models saved before it existed."""

    def __setstate__(self, state):
        # A model pickled before readout existed read the last state: it
        # still does, and clones and refits with that readout.
        state.setdefault("readout", "last")
        if "output_weights_" in state:
            state.setdefault("_readout", ("last",))
        super().__setstate__(state)

    @blockwise
    def transform(self, X):
        """What the output reads: the last layer's states pooled as
        ``readout`` says (with the default, the state after each sequence's
        last observed step), each pool of the forward direction, then of the
        backward one when bidirectional.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, as in :meth:`fit`; any number of time steps.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_directions * n_pools * n_hidden_L)
            The rows of ``output_weights_`` read these columns, in order; in
            X's floating dtype (float32 or float64).
        """
        features, _, _ = self._network_output(X)
        return features

    @property
    def _n_features_out(self):
        return self.output_weights_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@_fill_doc
class ElmanClassifier(_LabelsMixin, _StateFeaturesMixin, BaseElman):
    """Elman recurrent network classifier: one label per sequence.

    Reads each sequence through one or more Elman layers and classifies it from
    the state after its last observed step, or with ``readout`` from the mean
    or maximum of its states over all steps. Trained by L-BFGS on the
    cross-entropy with an L2 penalty.

    Parameters
    ----------
    PARAMETERS
    READOUT
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied into the sample
        weights; "balanced" weighs classes inversely to their frequency in y.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel y, the label indices).
    WEIGHTS
    n_outputs_ : int
        Number of output units: 1 for binary y, n_classes otherwise.
    out_activation_ : str
        "softmax" (multiclass) or "logistic" (binary, multilabel).
    INPUT_ATTRIBUTES

    See Also
    --------
    ElmanRegressor : The same network for regression targets.
    ElmanSequenceClassifier : A label at every time step.
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
    >>> clf = ElmanClassifier(16, tol=1e-2, max_iter=500, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.transform(X[:2]).shape             # the final states, as features
    (2, 16)
    """

    _parameter_constraints: dict = {
        **BaseElman._parameter_constraints,
        "readout": [StrOptions(set(POOLS)), list, tuple],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1.0,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        bidirectional=False,
        readout="last",
        class_weight=None,
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            bidirectional=bidirectional,
        )
        self.readout = readout
        self.class_weight = class_weight

    def _weigh_classes(self, y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        class_weight = compute_sample_weight(self.class_weight, y)
        if not np.all((class_weight >= 0) & (class_weight < np.inf)):  # NaN fails
            raise ValueError(
                "class_weight must give each class a finite, non-negative weight; "
                f"got {self.class_weight!r}."
            )
        with np.errstate(over="ignore"):  # an overflow is reported with their sum
            return sample_weight * class_weight

    def _stratify_by(self, Y):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return None
        return self._label_binarizer.inverse_transform(Y)

    def _encode_targets(self, y, absent):
        y = np.asarray(y) if not hasattr(y, "shape") else y
        if hasattr(y, "hasnans"):  # a pandas Series
            if y.hasnans:  # NaN, None or pd.NA, which check_array may not name
                i = np.flatnonzero(y.isna().to_numpy())[0]
                raise ValueError(f"y contains NaN or NA: sample {i} has no label.")
            # check_array would turn nullable Int64 and boolean labels into
            # floats; to_numpy keeps them int and bool
            y = y.to_numpy()
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        return self._encode_labels(y)

    @blockwise
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
        _, Z, _ = self._network_output(X)
        return self._probabilities(self._output(Z))

    @blockwise
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
        _, scores, _ = self._network_output(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    @blockwise
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
        check_is_fitted(self)
        if self.out_activation_ == "softmax":  # log-sum-exp: no log(0) when saturated
            _, Z, _ = self._network_output(X)
            Z = Z.astype(np.float64, copy=False)
            return Z - logsumexp(Z, axis=1, keepdims=True)
        return np.log(self.predict_proba(X))  # logistic: clipped away from 0 and 1

    @blockwise
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
        _, Z, _ = self._network_output(X)
        return self._labels(self._output(Z))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


@_fill_doc
class ElmanRegressor(RegressorMixin, _StateFeaturesMixin, BaseElman):
    """Elman recurrent network regressor: one target vector per sequence.

    Reads each sequence through one or more Elman layers and predicts, with a
    linear output, from the state after its last observed step, or with
    ``readout`` from the mean or maximum of its states over all steps. Trained
    by L-BFGS on half the mean squared error with an L2 penalty.

    Parameters
    ----------
    PARAMETERS
    READOUT

    Attributes
    ----------
    WEIGHTS
    n_outputs_ : int
        Number of targets.
    out_activation_ : str
        Always "identity".
    INPUT_ATTRIBUTES

    See Also
    --------
    ElmanClassifier : The same network for class labels.
    ElmanSequenceRegressor : A target at every time step.
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
    >>> reg = ElmanRegressor(hidden_layer_sizes=8, max_iter=3000, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.99
    True
    """

    _parameter_constraints: dict = {
        **BaseElman._parameter_constraints,
        "readout": [StrOptions(set(POOLS)), list, tuple],
    }

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        alpha=1.0,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        random_state=None,
        warm_start=False,
        verbose=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        bidirectional=False,
        readout="last",
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            bidirectional=bidirectional,
        )
        self.readout = readout

    def _score_output(self, output, Y, sample_weight):
        return r2_score(Y, output, sample_weight=sample_weight)

    def _encode_targets(self, y, absent):
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        self._y_ndim = y.ndim
        return y.reshape(len(y), -1), "identity"

    @blockwise
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
        _, Z, _ = self._network_output(X)
        y = self._output(Z)
        return y.ravel() if self._y_ndim == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
