"""The L-BFGS driver: the ``minimize`` call, the per-iteration monitor (loss
curve, early stopping, progress output, scikit-learn's callbacks) and the
convergence report.

For the callbacks, each L-BFGS iteration is a subtask of the fit: begun at the
first trial point of its line search, ended when L-BFGS accepts its step, with
a copy of the estimator fitted as a fit that stops there would leave it.
"""

import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._objective import OUTPUT_ACTIVATIONS, STEP, network_output, objective
from ._params import unpack
from ._recurrence import _one_blas_thread


def fit_lbfgs(estimator, theta0, data, validation, task):
    """Run L-BFGS-B from ``theta0`` and set the estimator's fitted attributes.

    Parameters
    ----------
    estimator : BaseElman
        The estimator being fitted; its parameters control the solver.
    theta0 : ndarray of shape (data.layout.size,)
        The initial weights.
    data : TrainingData
        The training set, as the objective reads it.
    validation : Batch or None
        The held-out set of early stopping.
    task : FitTask
        The fit, for the callbacks; its subtasks are the iterations.
    """
    monitor = _Monitor(estimator, data, validation, task)
    # L-BFGS-B's vector operations on one thread: OpenBLAS threads a dot or
    # axpy of more than 10,000 entries, and waking a second thread for each
    # made an iteration 10 ms longer (benchmarks/bench_solver.py). The
    # objective still spreads its chunks over the threads BLAS may use.
    with _one_blas_thread:
        result = scipy.optimize.minimize(
            monitor.objective,
            theta0,
            method="L-BFGS-B",
            jac=True,
            callback=monitor,
            options={
                "maxiter": estimator.max_iter,
                "maxfun": estimator.max_fun,
                "gtol": estimator.tol,
            },
        )
        theta = result.x
        if monitor.best_theta is not None:  # early stopping keeps the best one
            theta = monitor.best_theta
        # J at the weights kept: after a failed line search SciPy's result.fun
        # may belong to a rejected trial point.
        loss, _ = objective(theta, data)
    if not (np.isfinite(loss) and np.all(np.isfinite(theta))):
        raise ValueError(
            f"{type(estimator).__name__} diverged: the objective became non-finite "
            "and no weights were stored. Scale the features of X (for example to "
            "zero mean and unit variance) and, for regression, the targets y; use a "
            "bounded activation such as 'tanh', or increase alpha."
        )
    if result.status != 0 and monitor.stopped is None:
        # stacklevel: fit_lbfgs, fit, the _fit_context and atomic_fit
        # wrappers, the caller
        warnings.warn(
            _convergence_message(estimator, result), ConvergenceWarning, stacklevel=5
        )
    for name, value in monitor.fitted_attributes(theta, loss).items():
        setattr(estimator, name, value)


def _convergence_message(estimator, result):
    name = type(estimator).__name__
    if result.status == 1:
        if result.nit >= estimator.max_iter:
            reason = f"reached max_iter={estimator.max_iter} iterations"
        else:
            reason = f"reached max_fun={estimator.max_fun} objective evaluations"
        return (
            f"{name}: L-BFGS {reason} before the gradient fell below "
            f"tol={estimator.tol}. Increase max_iter (or max_fun), scale the "
            "features of X, or raise tol."
        )
    message = result.message.strip().rstrip(":")
    return (
        f"{name}: L-BFGS stopped after {result.nit} iterations because its line "
        f"search found no lower objective ({message}) before the gradient fell "
        f"below tol={estimator.tol}; the weights are the last accepted ones. This "
        "happens near a minimum or on a steep cliff of the objective: raise tol, "
        "scale the features of X, or increase alpha. More iterations will not help."
    )


class _Monitor:
    """The L-BFGS callback: records J after every iteration, scores the
    validation set, prints progress, calls scikit-learn's callbacks, and stops
    when early stopping or a callback says so."""

    def __init__(self, estimator, data, validation, task):
        self.estimator = estimator
        self.data = data
        self.validation = validation
        self.task = task
        self.loss_curve = []
        self.validation_scores = [] if validation is not None else None
        self.best_score = None
        self.best_theta = None
        self.best_loss = None
        self.no_improvement = 0
        self.stopped = None  # why the monitor stopped L-BFGS, if it did
        self.grad = None
        self.start = time.perf_counter()

    def objective(self, theta):
        # SciPy evaluates theta0 once before the first iteration; every later
        # evaluation is a trial point of an iteration.
        if self.grad is not None:
            self.task.begin_subtask("iteration")
        J, self.grad = objective(theta, self.data)
        return J, self.grad

    def fitted_attributes(self, theta, loss):
        """The fitted attributes of a fit that ends here with weights theta
        and objective loss."""
        params = unpack(theta, self.data.layout)
        return {
            **{f"{name}_": value for name, value in params._asdict().items()},
            "n_outputs_": self.data.layout.n_outputs,
            "out_activation_": self.data.out_activation,
            "_activation": self.data.activation,
            "_readout": self.data.readout,
            "n_iter_": len(self.loss_curve),
            "loss_": float(loss),
            "loss_curve_": list(self.loss_curve),
            "validation_scores_": (
                None if self.validation_scores is None else list(self.validation_scores)
            ),
            "best_validation_score_": self.best_score,
        }

    def _fitted_so_far(self, theta):
        """``fitted_attributes`` of a fit stopped after the current iteration."""
        if self.best_theta is None:
            return self.fitted_attributes(theta.copy(), self.loss_curve[-1])
        return self.fitted_attributes(self.best_theta.copy(), self.best_loss)

    def __call__(self, intermediate_result):
        estimator = self.estimator
        theta, J = intermediate_result.x, float(intermediate_result.fun)
        self.loss_curve.append(J)
        progress = [f"Iteration {len(self.loss_curve)}", f"loss = {J:.8f}"]
        if self.validation is not None:
            score = self._score(theta)
            self.validation_scores.append(score)
            progress.append(f"validation score = {score:.6f}")
            if self.best_score is not None and score < self.best_score + estimator.tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            if self.best_score is None or score > self.best_score:
                self.best_score, self.best_theta = score, theta.copy()
                self.best_loss = J
            if self.no_improvement >= estimator.n_iter_no_change:
                self.stopped = (
                    f"Validation score did not improve by at least tol="
                    f"{estimator.tol} for {estimator.n_iter_no_change} iterations; "
                    "keeping the weights of the best one."
                )
        if estimator.verbose >= 2:
            # L-BFGS-B's last evaluation before a callback is at the accepted point.
            progress.append(f"gradient norm = {np.linalg.norm(self.grad):.3e}")
        if estimator.verbose:
            print(", ".join([*progress, f"{time.perf_counter() - self.start:.2f} s"]))
        # theta is SciPy's working array, which the next iteration overwrites:
        # the weights are copied only if a callback asks for a fitted estimator
        if self.task.end_subtask(lambda: self._fitted_so_far(theta)):
            self.stopped = self.stopped or (
                f"A callback stopped the fit after iteration {len(self.loss_curve)}."
            )
        if self.stopped is not None:
            if estimator.verbose:
                print(self.stopped)
            raise StopIteration

    def _score(self, theta):
        data, validation = self.data, self.validation
        readout = STEP if data.per_step else data.readout
        _, Z = network_output(
            unpack(theta, data.layout), validation.X, data.activation, readout
        )
        output = OUTPUT_ACTIVATIONS[data.out_activation](Z.astype(np.float64))
        if not np.all(np.isfinite(output)):
            return -np.inf  # the held-out state overflowed: the worst score
        score = self.estimator._score_output(output, validation.Y, validation.weights)
        if np.isnan(score):  # fit refuses held-out sets that cannot be scored
            raise ValueError(
                f"The validation score of iteration {len(self.loss_curve)} is NaN."
            )
        return score
