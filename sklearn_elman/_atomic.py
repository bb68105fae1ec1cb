"""Atomic fits: a ``fit`` that raises leaves its estimator as it was."""

import functools


def atomic_fit(fit):
    """Make ``fit`` all or nothing.

    The estimator's attributes are saved before the call and put back if it
    raises, so that an unfitted estimator stays unfitted (``NotFittedError``)
    and a fitted one keeps the previous fit (its predictions, and what
    ``warm_start`` starts from). A shallow copy of ``__dict__`` suffices
    because ``fit`` only binds new objects to the attributes, never changes the
    objects they held in place.

    Parameters
    ----------
    fit : callable
        The ``fit`` method, ``fit(self, *args, **kwargs)``.

    Returns
    -------
    fit : callable
    """

    @functools.wraps(fit)
    def atomic(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return atomic
