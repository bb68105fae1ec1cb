"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9): the
estimators' and transformers' ``set_callbacks``, and a fit as the callbacks
see it. With a scikit-learn that has no ``sklearn.callback``, a stand-in
refuses callbacks and fits run without them."""

import contextlib

import sklearn

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class _NoContext:
        """The callback context of a fit without callbacks: hooks do nothing."""

        def subcontext(self, **kwargs):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

        def propagate_callback_context(self, sub_estimator):
            return contextlib.nullcontext()

    class CallbackSupportMixin:
        """``set_callbacks`` for a scikit-learn without ``sklearn.callback``."""

        def set_callbacks(self, *callbacks):
            """Refuse callbacks: this scikit-learn has no callback API.

            Parameters
            ----------
            *callbacks : callback instances
                The callbacks to set.

            Raises
            ------
            ImportError
                Always.
            """
            raise ImportError(
                "set_callbacks needs scikit-learn >= 1.9, whose sklearn.callback "
                f"module provides the callback API; this is scikit-learn "
                f"{sklearn.__version__}. Upgrade scikit-learn to use callbacks; "
                "fit works without them."
            )

        def _init_callback_context(self, **kwargs):
            return _NoContext()


class FitTask:
    """One fit as the callbacks see it: a task, begun on creation, whose
    subtasks (the solver's iterations) are begun and ended one at a time.

    Every hook receives X, y and ``metadata`` (``{"sample_weight": ...}`` if
    one was given, else None) as given to ``fit``.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted, inside its ``fit``.
    X, y, sample_weight
        The arguments given to ``fit``.
    max_subtasks : int, default=0
        The most subtasks the fit can have; 0 for a fit without any.
    """

    def __init__(self, estimator, X, y=None, sample_weight=None, *, max_subtasks=0):
        self.estimator = estimator
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.fit_args = {"X": X, "y": y, "metadata": metadata}
        self.context = estimator._init_callback_context(max_subtasks=max_subtasks)
        self.context.call_on_fit_task_begin(estimator=estimator, **self.fit_args)
        self.subtask = None  # the context of the subtask under way

    def begin_subtask(self, name):
        """Begin a subtask, unless one is under way."""
        if self.subtask is None:
            self.subtask = self.context.subcontext(task_name=name)
            self.subtask.call_on_fit_task_begin(
                estimator=self.estimator, **self.fit_args
            )

    def end_subtask(self, fitted_attributes):
        """End the subtask under way.

        Parameters
        ----------
        fitted_attributes : callable
            Returns the attributes, set on a copy of the estimator, of a fit
            that stops here; called only if a callback asks for that copy.

        Returns
        -------
        stop : bool
            Whether a callback asks the fit to stop.
        """
        subtask, self.subtask = self.subtask, None
        return subtask.call_on_fit_task_end(
            estimator=self.estimator,
            **self.fit_args,
            reconstruction_attributes=fitted_attributes,
        )

    def end(self):
        """End the fit, the estimator fitted; first, as an empty task, a
        subtask that did not finish."""
        if self.subtask is not None:
            self.subtask.call_on_fit_task_end(estimator=self.estimator)
            self.subtask = None
        self.context.call_on_fit_task_end(
            estimator=self.estimator, **self.fit_args, reconstruction_attributes={}
        )
