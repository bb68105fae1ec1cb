"""Exact rescaling by powers of two, so that weighted sums neither overflow
nor lose subnormal values.

Dividing by a power of two changes no bit of a float's mantissa, so a sum of
rescaled terms, rescaled back, is the sum of the terms to the bit wherever
that sum is representable: results at ordinary scales are unchanged.
"""

import numpy as np


def unit_scale(a, axis=None):
    """``a`` divided by a power of two, so that its largest magnitude is in
    [0.5, 1), and that power's exponent.

    Parameters
    ----------
    a : ndarray
        Finite values.
    axis : int, default=None
        Scale each slice along the other axes by its own power (``axis=0``:
        each column); None scales the whole array by one.

    Returns
    -------
    scaled : ndarray of a's shape
        ``a * 2**-exponent``; exact, except that entries below about 1e-308
        of the largest one round to subnormals or 0.
    exponent : int or ndarray of int
        0 where ``a`` is all zeros.
    """
    largest = np.max(np.abs(a), axis=axis, initial=0.0)
    _, exponent = np.frexp(largest)
    shape = () if axis is None else np.shape(exponent)
    return np.ldexp(a, -exponent), exponent.reshape(shape)
