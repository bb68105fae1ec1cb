"""The Elman recurrence and its backpropagation through time.

Pure functions on time-major arrays: ``X`` is ``(n_timesteps, n_samples,
n_features)``, hidden states are ``(n_timesteps, n_samples, n_hidden)``. An
absent (padded) step leaves the state unchanged, ``h_t = h_{t-1}``, so the state
after the last step is every sample's state after its last observed step.

One layer, for each time step ``t`` at which a sample is observed::

    h_t = phi(x_t @ W_hx + h_{t-1} @ W_hh + b_h),    h_{-1} = 0

The input projection ``x_t @ W_hx + b_h`` of all steps is one matrix product;
only ``h_{t-1} @ W_hh`` is inside the time loop.
"""

import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.special import expit
from threadpoolctl import ThreadpoolController


def _tanh(Z):
    np.tanh(Z, out=Z)


def _logistic(Z):
    expit(Z, out=Z)


def _relu(Z):
    np.maximum(Z, 0, out=Z)


def _identity(Z):
    pass


# phi, applied in place to the pre-activation.
ACTIVATIONS = {
    "tanh": _tanh,
    "logistic": _logistic,
    "relu": _relu,
    "identity": _identity,
}


def _tanh_derivative(H, delta, buf):
    np.multiply(H, H, out=buf)
    np.subtract(1.0, buf, out=buf)
    delta *= buf


def _logistic_derivative(H, delta, buf):
    np.subtract(1.0, H, out=buf)
    buf *= H
    delta *= buf


def _relu_derivative(H, delta, buf):
    np.greater(H, 0.0, out=buf)  # into buf, not a new mask at every step
    delta *= buf


def _identity_derivative(H, delta, buf):
    pass


# delta *= phi'(a), written from the activation's output H = phi(a), in place.
DERIVATIVES = {
    "tanh": _tanh_derivative,
    "logistic": _logistic_derivative,
    "relu": _relu_derivative,
    "identity": _identity_derivative,
}


@dataclass(frozen=True)
class TimeMajor:
    """A batch of sequences as the kernel reads it.

    Attributes
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_features)
        The observed values, 0.0 at absent steps.
    absent : ndarray of shape (n_timesteps, n_samples, 1), dtype=bool
        True where a step is padding.
    has_absent : ndarray of shape (n_timesteps,), dtype=bool
        Whether any sample is absent at that step: the carry-over is done only there.
    """

    X: np.ndarray
    absent: np.ndarray
    has_absent: np.ndarray

    @classmethod
    def from_batch_major(cls, X, absent):
        """Build from ``X`` of shape (n_samples, n_timesteps, n_features) with NaN
        padding and ``absent`` of shape (n_samples, n_timesteps). ``X`` is copied,
        keeping its floating dtype."""
        # a copy always: X may be the caller's array, and for one sample the
        # transposed view is already contiguous
        X_tm = np.array(X.transpose(1, 0, 2), order="C", copy=True)
        absent_tm = np.ascontiguousarray(absent.T)[:, :, np.newaxis]
        X_tm[np.broadcast_to(absent_tm, X_tm.shape)] = 0.0
        return cls(X_tm, absent_tm, absent_tm.any(axis=(1, 2)))


class _OneBlasThread:
    """A context in which BLAS runs single-threaded, for the time loops.

    A step's matrix products are small: a second BLAS thread costs more in
    synchronisation than it saves, and stalls whenever another process holds a
    core (benchmark size M: 68 ms per evaluation with 2 threads, 41 ms with 1).
    The large products outside the loops keep every thread.

    The BLAS limit is process-wide, so concurrent users (predictions from
    several threads) share one limit: the first to enter sets it, the last to
    leave restores the original.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._limiter = None

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                self._limiter = _threadpools().limit(limits=1, user_api="blas")
            self._depth += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


@cache
def _threadpools():
    return ThreadpoolController()


_one_blas_thread = _OneBlasThread()


class _Scratch(threading.local):
    """One work array per thread, reused by every product of the time loops."""

    array = None


_scratch = _Scratch()

# Elements of C computed per np.dot call in _add_product: whole per-step
# products of the chunks the objective uses, and a bounded work array (512 KB
# in float64) for larger products.
_BLOCK_ELEMENTS = 2**16


def _add_product(C, A, B, beta=1.0):
    """``C = A @ B + beta * C`` in place, for 2-D arrays of one dtype, C C-contiguous.

    NumPy's dot into a per-thread work array, then an add, in blocks of rows.
    SciPy's BLAS wrappers (one gemm call with ``beta``) hold the GIL while BLAS
    runs, which serialised the chunk threads of the objective (size XL: 2
    threads no faster than 1); NumPy releases it. The extra add costs a few
    percent of a step; the work array stays small, and allocated once per
    thread, whatever the size of C.
    """
    if beta == 0.0:
        np.dot(A, B, out=C)
        return
    if beta != 1.0:
        C *= beta
    work = _scratch.array
    if work is None or work.dtype != C.dtype or work.size < C.shape[1]:
        work = _scratch.array = np.empty(max(_BLOCK_ELEMENTS, C.shape[1]), C.dtype)
    if C.size <= work.size:  # a step's product: one call
        product = work[: C.size].reshape(C.shape)
        np.dot(A, B, out=product)
        np.add(C, product, out=C)
        return
    block = work.size // C.shape[1]
    for start in range(0, C.shape[0], block):
        stop = min(start + block, C.shape[0])
        product = work[: (stop - start) * C.shape[1]].reshape(stop - start, -1)
        np.dot(A[start:stop], B, out=product)
        C[start:stop] += product


def _step(A_t, h_prev, W_hh, activation, absent_t):
    """One Elman step in place: A_t holds the input projection and becomes h_t."""
    _add_product(A_t, h_prev, W_hh)
    ACTIVATIONS[activation](A_t)
    if absent_t is not None:
        np.copyto(A_t, h_prev, where=absent_t)  # padding carries the state


def forward(X, layers, activation):
    """Hidden states of every layer at every step.

    Parameters
    ----------
    X : TimeMajor
    layers : iterable of (W_hx, W_hh, b_h)
    activation : str, a key of ACTIVATIONS

    Returns
    -------
    H : list of ndarray, each of shape (n_timesteps, n_samples, n_hidden_l)
    """
    H = []
    H_in = X.X
    for W_hx, W_hh, b_h in layers:
        n_timesteps, n_samples, _ = H_in.shape
        n_hidden = W_hh.shape[0]
        # (n_timesteps, n_samples, n_hidden): input projection of all steps at once
        H_l = (H_in.reshape(n_timesteps * n_samples, -1) @ W_hx).reshape(
            n_timesteps, n_samples, n_hidden
        )
        H_l += b_h
        h_prev = np.zeros((n_samples, n_hidden), dtype=H_l.dtype)
        with _one_blas_thread:
            for t in range(n_timesteps):
                absent_t = X.absent[t] if X.has_absent[t] else None
                _step(H_l[t], h_prev, W_hh, activation, absent_t)
                h_prev = H_l[t]
        H.append(H_l)
        H_in = H_l
    return H


def final_state(X, layers, activation):
    """The last layer's state after the last step, keeping O(n_samples * n_hidden)
    memory: all layers advance together, one time step at a time.

    Parameters
    ----------
    X : TimeMajor
    layers : list of (W_hx, W_hh, b_h)
    activation : str

    Returns
    -------
    h : ndarray of shape (n_samples, n_hidden_L)
    """
    n_samples = X.X.shape[1]
    h = [np.zeros((n_samples, W_hh.shape[0]), dtype=X.X.dtype) for _, W_hh, _ in layers]
    A = [np.empty_like(h_l) for h_l in h]
    with _one_blas_thread:
        for t in range(X.X.shape[0]):
            absent_t = X.absent[t] if X.has_absent[t] else None
            x_t = X.X[t]
            for l, (W_hx, W_hh, b_h) in enumerate(layers):
                A[l][...] = b_h
                _add_product(A[l], x_t, W_hx)
                _step(A[l], h[l], W_hh, activation, absent_t)
                h[l], A[l] = A[l], h[l]  # A[l] holds h_t; reuse the old state's memory
                x_t = h[l]
    return h[-1]


def backward(X, H, dH, layers, activation, grads):
    """Backpropagation through time.

    Parameters
    ----------
    X : TimeMajor
    H : list of ndarray
        The output of :func:`forward`.
    dH : ndarray of shape (n_timesteps, n_samples, n_hidden_L)
        Gradient of the objective with respect to every step's state of the
        last layer (it is overwritten).
    layers : list of (W_hx, W_hh, b_h)
    activation : str
    grads : list of (dW_hx, dW_hh, db_h)
        Arrays of the weights' shapes, filled in place.
    """
    derivative = DERIVATIVES[activation]
    for l in reversed(range(len(layers))):
        W_hx, W_hh, _ = layers[l]
        dW_hx, dW_hh, db_h = grads[l]
        H_in = H[l - 1] if l > 0 else X.X
        dA = _backward_layer(X, H[l], dH, W_hh, derivative)
        n_timesteps, n_samples, n_hidden = dA.shape
        dA_2d = dA.reshape(-1, n_hidden)
        # Assigned, not matmul(out=): numpy takes a slow non-BLAS path for a
        # transposed operand with out= (about 100x slower, numpy 2.4).
        dW_hx[...] = H_in.reshape(n_timesteps * n_samples, -1).T @ dA_2d
        # h_{-1} = 0 adds nothing: pair h_{t-1} with dA_t for t >= 1
        dW_hh[...] = H[l][:-1].reshape(-1, n_hidden).T @ dA[1:].reshape(-1, n_hidden)
        np.sum(dA_2d, axis=0, out=db_h)
        if l > 0:
            # gradient w.r.t. every step's state of the layer below
            dH = (dA_2d @ W_hx.T).reshape(n_timesteps, n_samples, -1)


def _backward_layer(X, H, dH, W_hh, derivative):
    """Turn dH (gradient w.r.t. each step's state) into dA (gradient w.r.t. each
    step's pre-activation), in place, through the recurrence."""
    n_timesteps, n_samples, n_hidden = H.shape
    dA = dH
    W_hh_T = np.ascontiguousarray(W_hh.T)
    carry = np.empty((n_samples, n_hidden), dtype=dH.dtype)
    buf = np.empty_like(carry)
    with _one_blas_thread:
        for t in reversed(range(n_timesteps)):
            dh = dA[t]  # the total gradient w.r.t. h_t: step t+1 added its part
            absent_t = X.absent[t] if X.has_absent[t] else None
            if absent_t is not None:
                # h_t = h_{t-1} there: the gradient passes straight through
                np.copyto(carry, dh, where=absent_t)
            derivative(H[t], dh, buf)
            if absent_t is not None:
                np.copyto(dh, 0.0, where=absent_t)
            if t > 0:  # h_{-1} = 0 is a constant
                _add_product(dA[t - 1], dh, W_hh_T)
                if absent_t is not None:
                    np.add(dA[t - 1], carry, out=dA[t - 1], where=absent_t)
    return dA
