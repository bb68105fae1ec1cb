"""The Elman recurrence and its backpropagation through time.

Pure functions on time-major arrays: ``X`` is ``(n_timesteps, n_samples,
n_features)``, hidden states are ``(n_timesteps, n_samples, n_hidden)``. An
absent (padded) step leaves the state unchanged, ``h_t = h_{t-1}``, so the state
after the last step is every sample's state after its last observed step.

One layer, for each time step ``t`` at which a sample is observed::

    h_t = phi(x_t @ W_hx + h_{t-1} @ W_hh + b_h),    h_{-1} = 0

The input projection ``x_t @ W_hx + b_h`` of all steps is one matrix product;
only ``h_{t-1} @ W_hh`` is inside the time loop. A bidirectional layer runs a
second recurrence, with its own weights, from the last step to the first
(``h_{t+1}`` in place of ``h_{t-1}``); the layer above and the readout read the
two directions' states side by side, forward first.
"""

import itertools
import math
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
    """A context in which BLAS runs single-threaded, for the time loops and
    the solver loop.

    A step's matrix products are small: a second BLAS thread costs more in
    synchronisation than it saves, and stalls whenever another process holds a
    core (benchmark size M: 68 ms per evaluation with 2 threads, 41 ms with 1).
    So do L-BFGS-B's vector operations (see ``_solver.fit_lbfgs``). The
    objective's chunks run on threads of their own, as many as
    :meth:`allowed_threads`.

    The BLAS limit is process-wide, so concurrent users (predictions from
    several threads) share one limit: the first to enter sets it, the last to
    leave restores the original.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._limiter = None
        self._outside = 1

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                self._outside = _current_blas_threads()
                self._limiter = _threadpools().limit(limits=1, user_api="blas")
            self._depth += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None

    def allowed_threads(self):
        """How many threads BLAS may use outside this context: the user's (or
        joblib's) limit, also while this context holds BLAS to one."""
        with self._lock:
            if self._depth:
                return self._outside
        return _current_blas_threads()


def _current_blas_threads():
    counts = [
        p.num_threads for p in _threadpools().select(user_api="blas").lib_controllers
    ]
    return max(counts, default=1)


@cache
def _threadpools():
    return ThreadpoolController()


_one_blas_thread = _OneBlasThread()


class _Scratch(threading.local):
    """One work array per thread, reused by every product of the time loops."""

    array = None


_scratch = _Scratch()


class Workspace:
    """Arrays kept from one evaluation of the objective to the next: a chunk's
    states and their gradients, for one worker.

    Fresh memory of that size comes from the operating system and costs a page
    fault per page at its first write: a tenth of an evaluation at benchmark
    sizes M and XL. Each buffer is kept at the largest size asked for; a
    smaller request gets a view of its start, contiguous like a new array.
    """

    def __init__(self):
        self._buffers = {}

    def empty(self, key, shape, dtype):
        size = math.prod(shape)
        buffer = self._buffers.get(key)
        if buffer is None or buffer.dtype != dtype or buffer.size < size:
            buffer = self._buffers[key] = np.empty(size, dtype)
        return buffer[:size].reshape(shape)

    def zeros(self, key, shape, dtype):
        array = self.empty(key, shape, dtype)
        array.fill(0)
        return array


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


# The step after which a direction's state has read the whole sequence: the
# last for the forward direction, the first for the backward one.
LAST_STEP = (-1, 0)


def split_rows(W, parts):
    """Row blocks of ``W`` matching the feature widths of ``parts``: the weights
    that read each part of an input made of the concatenated ``parts``."""
    bounds = itertools.accumulate((part.shape[-1] for part in parts), initial=0)
    return [W[start:stop] for start, stop in itertools.pairwise(bounds)]


def forward(X, layers, activation, workspace=None):
    """Hidden states of every layer and direction at every step.

    Parameters
    ----------
    X : TimeMajor
    layers : list of list of (W_hx, W_hh, b_h)
        For each layer, the forward direction's weights and, for a
        bidirectional network, the backward direction's. A layer reads the
        concatenated states of every direction of the layer below.
    activation : str, a key of ACTIVATIONS
    workspace : Workspace, default=None
        Where to keep the states; new arrays if None.

    Returns
    -------
    H : list of list of ndarray
        ``H[l][d]`` of shape (n_timesteps, n_samples, n_hidden_l): the states
        of layer ``l``, direction ``d``.
    """
    workspace = workspace or Workspace()  # nothing kept
    H = []
    H_in = [X.X]
    for l, layer in enumerate(layers):
        H_l = []
        for reverse, weights in enumerate(layer):
            A = workspace.empty(
                ("H", l, reverse), (*X.X.shape[:2], weights[1].shape[0]), X.X.dtype
            )
            _recur(X, H_in, A, weights, activation, reverse)
            H_l.append(A)
        H.append(H_l)
        H_in = H_l
    return H


# Bytes of a block of steps' states: the time loops take the input projection
# and the weight gradients a block at a time, one product each, while the
# block's arrays are in the cache. 1 MB is 1024 rows at 128 hidden units in
# float64 and 4096 at 64 in float32 (size XL: 8% less per evaluation than once
# over all steps; float32 at L: 10% less than in blocks of 1024 rows).
_BLOCK_BYTES = 2**20


def _blocks(H, descending):
    """The steps of states ``H`` (n_timesteps, n_samples, n_hidden) in the order
    a loop visits them, in blocks of about ``_BLOCK_BYTES``: ``(start, stop,
    steps)`` with ``start:stop`` the block's steps in time order."""
    n_timesteps, n_samples, n_hidden = H.shape
    block = max(1, _BLOCK_BYTES // (n_samples * n_hidden * H.itemsize))
    order = range(n_timesteps - 1, -1, -1) if descending else range(n_timesteps)
    for i in range(0, n_timesteps, block):
        steps = order[i : i + block]
        first, last = steps[0], steps[-1]
        yield min(first, last), max(first, last) + 1, steps


def _project(H_in, W_hx, b_h, out):
    """The input projection of a block of steps, ``[H_in...] @ W_hx + b_h``,
    into ``out`` of shape (n_steps, n_samples, n_hidden)."""
    A = out.reshape(-1, out.shape[2])
    parts = zip(H_in, split_rows(W_hx, H_in), strict=True)
    for k, (H_k, W_k) in enumerate(parts):
        H_k = H_k.reshape(A.shape[0], -1)
        if k == 0:
            np.dot(H_k, W_k, out=A)
        else:
            _add_product(A, H_k, W_k)
    A += b_h


def _recur(X, H_in, A, weights, activation, reverse):
    """One direction's recurrence over the inputs ``H_in`` (the parts of the
    layer's input, side by side), its states written into ``A``. The backward
    direction reads the steps from last to first; both carry the state over
    absent steps."""
    W_hx, W_hh, b_h = weights
    h_prev = None  # h_{-1} = 0: the first step is the projection alone
    with _one_blas_thread:
        for start, stop, steps in _blocks(A, descending=reverse):
            _project([H_k[start:stop] for H_k in H_in], W_hx, b_h, out=A[start:stop])
            for t in steps:
                absent_t = X.absent[t] if X.has_absent[t] else None
                if h_prev is None:
                    ACTIVATIONS[activation](A[t])
                    if absent_t is not None:
                        np.copyto(A[t], 0.0, where=absent_t)
                else:
                    _step(A[t], h_prev, W_hh, activation, absent_t)
                h_prev = A[t]


def final_state(X, layers, activation):
    """The last layer's state after the last step of a unidirectional network,
    keeping O(n_samples * n_hidden) memory: all layers advance together, one
    time step at a time.

    Parameters
    ----------
    X : TimeMajor
    layers : list of list of (W_hx, W_hh, b_h)
        One direction per layer.
    activation : str

    Returns
    -------
    h : ndarray of shape (n_samples, n_hidden_L)
    """
    n_samples = X.X.shape[1]
    layers = [W for (W,) in layers]
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


def backward(
    X, H, dH, layers, activation, grads, *, last_step_only=False, workspace=None
):
    """Backpropagation through time.

    Parameters
    ----------
    X : TimeMajor
    H : list of list of ndarray
        The output of :func:`forward`.
    dH : list of ndarray
        For each direction of the last layer, the gradient of the objective
        with respect to every step's state, of shape (n_timesteps, n_samples,
        n_hidden_L). Overwritten.
    layers : list of list of (W_hx, W_hh, b_h)
    activation : str
    grads : list of list of (dW_hx, dW_hh, db_h)
        Arrays of the weights' shapes, filled in place.
    last_step_only : bool, default=False
        Whether ``dH`` holds a gradient only at each direction's last step
        (``LAST_STEP``); its other steps are then ignored, not read.
    workspace : Workspace, default=None
        Where to keep the gradients passed to the layers below; new arrays if None.
    """
    derivative = DERIVATIVES[activation]
    workspace = workspace or Workspace()  # nothing kept
    for l in reversed(range(len(layers))):
        H_in = H[l - 1] if l > 0 else [X.X]
        # gradient w.r.t. every step's state of the layer below, per direction
        dH_in = None
        if l > 0:
            dH_in = [
                workspace.zeros(("dH", l - 1, k), H_k.shape, H_k.dtype)
                for k, H_k in enumerate(H_in)
            ]
        for reverse, (weights, layer_grads) in enumerate(
            zip(layers[l], grads[l], strict=True)
        ):
            _backward_layer(
                X,
                H_in,
                H[l][reverse],
                dH[reverse],
                weights,
                layer_grads,
                dH_in,
                derivative,
                reverse,
                last_step_only and l == len(layers) - 1,
            )
        dH = dH_in


def _backward_layer(
    X, H_in, H, dH, weights, grads, dH_in, derivative, reverse, last_step_only
):
    """One direction of one layer: turn ``dH`` (gradient w.r.t. each step's
    state) into the gradient w.r.t. each step's pre-activation, in place; fill
    ``grads`` and add to ``dH_in`` (the layer below's, if any) block by block."""
    W_hx, W_hh, _ = weights
    dW_hx, dW_hh, db_h = grads
    n_timesteps, n_samples, n_hidden = H.shape
    dA = dH
    W_hh_T = np.ascontiguousarray(W_hh.T)
    carry = np.empty((n_samples, n_hidden), dtype=dH.dtype)
    buf = np.empty_like(carry)
    inputs = list(
        zip(
            H_in,
            split_rows(W_hx, H_in),
            split_rows(dW_hx, H_in),
            dH_in or [None] * len(H_in),
            strict=True,
        )
    )
    dW_hx[...] = 0.0
    dW_hh[...] = 0.0
    db_h[...] = 0.0
    # the forward direction's last step first; the previous step is t - 1
    # (t + 1 for the backward direction)
    back = 1 if reverse else -1
    initial = n_timesteps - 1 if reverse else 0  # the step after h_{-1} = 0
    with _one_blas_thread:
        for start, stop, steps in _blocks(H, descending=not reverse):
            for t in steps:
                # the total gradient w.r.t. h_t: the next step added its part
                dh = dA[t]
                absent_t = X.absent[t] if X.has_absent[t] else None
                if absent_t is not None:
                    # h_t = h_previous there: the gradient passes straight through
                    np.copyto(carry, dh, where=absent_t)
                derivative(H[t], dh, buf)
                if absent_t is not None:
                    np.copyto(dh, 0.0, where=absent_t)
                if t != initial:  # h_{-1} = 0 is a constant
                    dh_prev = dA[t + back]
                    # without a gradient of its own, the previous step's is
                    # this product
                    _add_product(
                        dh_prev, dh, W_hh_T, beta=0.0 if last_step_only else 1.0
                    )
                    if absent_t is not None:
                        np.add(dh_prev, carry, out=dh_prev, where=absent_t)
            _weight_gradients(start, stop, H, dA, inputs, dW_hh, db_h, reverse)


def _weight_gradients(start, stop, H, dA, inputs, dW_hh, db_h, reverse):
    """Add steps ``start:stop``'s part of the weight gradients and of the
    gradient passed to the layer below, from their final ``dA``."""
    n_hidden = dA.shape[2]
    dA_2d = dA[start:stop].reshape(-1, n_hidden)
    for H_k, W_k, dW_k, dH_k in inputs:
        H_k_2d = H_k[start:stop].reshape(dA_2d.shape[0], -1)
        _add_product(dW_k, H_k_2d.T, dA_2d)
        if dH_k is not None:
            _add_product(dH_k[start:stop].reshape(H_k_2d.shape), dA_2d, W_k.T)
    # h_{-1} = 0 adds nothing: pair each step's previous state (h_{t-1}, or
    # h_{t+1} going backward) with dA_t, over the steps that have one
    if reverse:
        current = slice(start, min(stop, dA.shape[0] - 1))
        previous = slice(current.start + 1, current.stop + 1)
    else:
        current = slice(max(start, 1), stop)
        previous = slice(current.start - 1, current.stop - 1)
    _add_product(
        dW_hh, H[previous].reshape(-1, n_hidden).T, dA[current].reshape(-1, n_hidden)
    )
    db_h += dA_2d.sum(axis=0)
