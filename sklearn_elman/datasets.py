"""Toy sequence data sets whose targets need memory.

In both, the target depends on time steps long before each sequence's last
one, so a model that sees only the last step (or any single step) cannot
predict it, while an Elman network, which reads the whole sequence, can.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .padding import pad_sequences

_SHAPE_CONSTRAINTS = {
    "n_samples": [Interval(Integral, 1, None, closed="left")],
    "n_timesteps": [Interval(Integral, 1, None, closed="left")],
    "n_features": [Interval(Integral, 1, None, closed="left")],
    "min_timesteps": [Interval(Integral, 1, None, closed="left"), None],
    "noise": [Interval(Real, 0, None, closed="left")],
    "ragged": ["boolean"],
    "random_state": ["random_state"],
}


@validate_params(
    {
        **_SHAPE_CONSTRAINTS,
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "class_sep": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_sequence_classification(
    n_samples=200,
    *,
    n_timesteps=20,
    n_features=2,
    n_classes=2,
    min_timesteps=None,
    class_sep=2.0,
    noise=0.5,
    ragged=False,
    random_state=None,
):
    """Sequences whose class is told by their first step only.

    Each sequence is made in three steps, with draws from ``random_state``:

    1. its length ``n_timesteps_i`` is uniform on the integers from
       ``min_timesteps`` to ``n_timesteps``;
    2. its class ``y_i`` is uniform on ``0, ..., n_classes - 1``;
    3. every feature of every step is Gaussian noise of standard deviation
       ``noise``, and the first step's features are all shifted by
       ``class_sep * (y_i - (n_classes - 1) / 2)``.

    The later steps carry no information about the class: a model must
    remember the first step until the end of the sequence. The classes are
    ``class_sep`` apart in every feature of the first step, and
    balanced in expectation.

    Parameters
    ----------
    n_samples : int, default=200
        Number of sequences.
    n_timesteps : int, default=20
        Length of the longest possible sequence, and of the padded array.
    n_features : int, default=2
        Features per time step.
    n_classes : int, default=2
        Number of classes.
    min_timesteps : int, default=None
        Length of the shortest possible sequence, at most ``n_timesteps``.
        None means ``n_timesteps``: all sequences have the same length.
    class_sep : float, default=2.0
        Distance, in each feature of the first step, between the shifts of
        two neighbouring classes.
    noise : float, default=0.5
        Standard deviation of the Gaussian noise in every feature of every step.
    ragged : bool, default=False
        Return ``X`` as a list of arrays of each sequence's length instead of
        one NaN-padded array.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws. An int makes the data reproducible.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or list of ndarray
        The sequences. Shorter sequences are padded with all-NaN steps at the
        end. With ``ragged=True``, a list of ``(n_timesteps_i, n_features)``
        arrays.
    y : ndarray of shape (n_samples,)
        The class of each sequence, an integer.

    See Also
    --------
    make_sequence_regression : Sequences whose target sums all their steps.

    Examples
    --------
    >>> from sklearn_elman.datasets import make_sequence_classification
    >>> X, y = make_sequence_classification(
    ...     100, n_timesteps=10, min_timesteps=5, random_state=0
    ... )
    >>> X.shape, y.shape
    ((100, 10, 2), (100,))
    >>> X_list, _ = make_sequence_classification(
    ...     100, n_timesteps=10, min_timesteps=5, ragged=True, random_state=0
    ... )
    >>> [len(x) for x in X_list[:4]]
    [9, 10, 5, 8]
    """
    rng = check_random_state(random_state)
    lengths = _lengths(rng, n_samples, n_timesteps, min_timesteps)
    y = rng.randint(n_classes, size=n_samples)
    sequences = [noise * rng.normal(size=(length, n_features)) for length in lengths]
    for x, label in zip(sequences, y, strict=True):
        x[0] += class_sep * (label - (n_classes - 1) / 2)
    return (sequences if ragged else pad_sequences(sequences)), y


@validate_params(
    {**_SHAPE_CONSTRAINTS, "n_targets": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def make_sequence_regression(
    n_samples=200,
    *,
    n_timesteps=20,
    n_features=2,
    n_targets=1,
    min_timesteps=None,
    noise=0.1,
    ragged=False,
    random_state=None,
):
    r"""Sequences whose target is a weighted sum of all their steps.

    Each sequence is made in three steps, with draws from ``random_state``:

    1. its length ``n_timesteps_i`` is uniform on the integers from
       ``min_timesteps`` to ``n_timesteps``;
    2. every feature of every step is standard Gaussian;
    3. its targets are

       .. math::

           y_i = \frac{1}{\sqrt{n_{timesteps}}} \sum_{t < n_{timesteps,i}}
                 x_{it}^\top C + \varepsilon_i

       with one coefficient matrix ``C`` of shape (n_features, n_targets)
       for all sequences, whose columns are random unit vectors (drawn
       once, before the sequences), and Gaussian noise
       :math:`\varepsilon_i` of standard deviation ``noise``.

    Early and late steps weigh the same: the last step explains only
    ``1 / n_timesteps_i`` of the variance of a target's noiseless part, so a
    model must accumulate the whole sequence. A full-length sequence's
    noiseless targets have variance 1.

    Parameters
    ----------
    n_samples : int, default=200
        Number of sequences.
    n_timesteps : int, default=20
        Length of the longest possible sequence, and of the padded array.
    n_features : int, default=2
        Features per time step.
    n_targets : int, default=1
        Number of targets per sequence.
    min_timesteps : int, default=None
        Length of the shortest possible sequence, at most ``n_timesteps``.
        None means ``n_timesteps``: all sequences have the same length.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to the targets.
    ragged : bool, default=False
        Return ``X`` as a list of arrays of each sequence's length instead of
        one NaN-padded array.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws. An int makes the data reproducible.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or list of ndarray
        The sequences. Shorter sequences are padded with all-NaN steps at the
        end. With ``ragged=True``, a list of ``(n_timesteps_i, n_features)``
        arrays.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The targets; 1-D when ``n_targets=1``.

    See Also
    --------
    make_sequence_classification : Sequences whose class is in their first step.

    Examples
    --------
    >>> from sklearn_elman.datasets import make_sequence_regression
    >>> X, y = make_sequence_regression(50, n_targets=3, random_state=0)
    >>> X.shape, y.shape
    ((50, 20, 2), (50, 3))
    """
    rng = check_random_state(random_state)
    lengths = _lengths(rng, n_samples, n_timesteps, min_timesteps)
    coef = rng.normal(size=(n_features, n_targets))
    coef /= np.linalg.norm(coef, axis=0)
    sequences = [rng.normal(size=(length, n_features)) for length in lengths]
    sums = np.array([x.sum(axis=0) for x in sequences])  # (n_samples, n_features)
    y = sums @ coef / np.sqrt(n_timesteps) + noise * rng.normal(
        size=(n_samples, n_targets)
    )
    y = y.ravel() if n_targets == 1 else y
    return (sequences if ragged else pad_sequences(sequences)), y


def _lengths(rng, n_samples, n_timesteps, min_timesteps):
    """Each sequence's number of time steps, uniform on [min_timesteps,
    n_timesteps]."""
    if min_timesteps is None:
        return np.full(n_samples, n_timesteps)
    if min_timesteps > n_timesteps:
        raise ValueError(
            f"min_timesteps={min_timesteps} must be at most n_timesteps={n_timesteps}."
        )
    return rng.randint(min_timesteps, n_timesteps + 1, size=n_samples)
