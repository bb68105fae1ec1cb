"""Helpers shared by the test modules."""

import itertools
import warnings
from contextlib import contextmanager
from unittest import mock

from sklearn.exceptions import ConvergenceWarning

from sklearn_elman import _solver


def fit_quietly(estimator, X, y, **fit_params):
    """Fit with a deliberately small max_iter, where L-BFGS may not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


@contextmanager
def failing_line_search(after):
    """Make L-BFGS-B's line search fail (ABNORMAL) once the objective has been
    evaluated ``after`` times: from then on the solver sees J with its gradient
    negated, so every direction it tries climbs and no step lowers J.

    A failure that comes naturally, on a cliff of the objective, depends on the
    last bits of BLAS's products, which differ between CPUs (OpenBLAS picks its
    kernels by CPU): such a fit failed after 19 iterations under Haswell,
    SkylakeX and Prescott, and ran on to max_iter=500 under Sandybridge and
    Nehalem. This one fails on every CPU.
    """
    real = _solver.objective
    calls = itertools.count()

    def objective(theta, data):
        J, grad = real(theta, data)
        return (J, -grad) if next(calls) >= after else (J, grad)

    with mock.patch.object(_solver, "objective", objective):
        yield
