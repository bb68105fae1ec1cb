"""The training objective and its exact gradient: the function given to SciPy.

With sample weights ``w_i`` and ``S = sum_i w_i``::

    J = (1/S) sum_i w_i loss_i + alpha / (2 S) * (sum of squares of every weight matrix)

Biases are not penalised. ``loss_i`` is the cross-entropy of the output link
(summed over logistic units for binary and multilabel targets) or, for
regression, half the mean over outputs of the squared error.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp
from sklearn import get_config

from ._params import Layout, unpack
from ._recurrence import (
    TimeMajor,
    _one_blas_thread,
    _threadpools,
    backward,
    forward,
)


def _softmax(Z):
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def _logistic(Z):
    # Mathematically in (0, 1); keep it there after rounding so that no label is
    # reported certain (log-probabilities stay finite).
    eps = np.finfo(Z.dtype).eps
    return np.clip(expit(Z), eps, 1.0 - eps)


def _identity(Z):
    return Z


# out: the output link from the readout's pre-activation Z = h_T @ W_oh + b_o.
OUTPUT_ACTIVATIONS = {"softmax": _softmax, "logistic": _logistic, "identity": _identity}


def _softmax_loss(Z, Y):
    lse = logsumexp(Z, axis=1, keepdims=True)
    loss = lse[:, 0] - np.sum(Y * Z, axis=1)
    return loss, np.exp(Z - lse) - Y


def _logistic_loss(Z, Y):
    # -y log(p) - (1 - y) log(1 - p) with p = expit(z), without overflow
    loss = np.sum(np.logaddexp(0.0, Z) - Y * Z, axis=1)
    return loss, expit(Z) - Y


def _squared_loss(Z, Y):
    R = Z - Y
    return 0.5 * np.mean(R**2, axis=1), R / Z.shape[1]


# (Z, Y) -> (loss_i for every sample, d loss_i / d Z_i), keyed by the output link.
LOSSES = {
    "softmax": _softmax_loss,
    "logistic": _logistic_loss,
    "identity": _squared_loss,
}


# Below this many samples per chunk, a second thread costs more than it saves.
_MIN_PARALLEL_CHUNK = 128

# At most this many bytes in one step's states of the widest layer (256 samples
# at 64 hidden units in float64, 512 in float32): the per-step products, the
# activation and the weight-gradient products then work in the cache. Chunks
# of 128-256 instead of 1000 samples made an evaluation 10-20% cheaper in CPU
# time (sizes L and XL); below that, the Python cost of each step, and on 2
# threads the handing over of the GIL between NumPy calls, take over.
_STEP_BYTES = 2**17


def _blas_threads():
    """How many threads BLAS may use now (the user's or joblib's limits apply)."""
    counts = [
        p.num_threads for p in _threadpools().select(user_api="blas").lib_controllers
    ]
    return max(counts, default=1)


@dataclass(frozen=True)
class TrainingData:
    """Everything the objective needs besides the weights.

    Build it with :meth:`build`, which puts the training set in canonical form
    and splits it into chunks of samples.

    Attributes
    ----------
    chunks : tuple of (slice, TimeMajor)
        The sequences, in chunks of consecutive samples; the slice selects the
        chunk's rows of ``Y`` and ``scaled_weights``.
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    scaled_weights : ndarray of shape (n_samples,)
        ``w_i / S``.
    penalty : ndarray of shape (layout.size,)
        ``alpha / S`` on the entries of weight matrices, 0 on biases.
    layout : Layout
    activation : str
    out_activation : str
    """

    chunks: tuple
    Y: np.ndarray
    scaled_weights: np.ndarray
    penalty: np.ndarray
    layout: Layout
    activation: str
    out_activation: str

    @property
    def dtype(self):
        """The dtype the kernel computes in: float32 for float32 X, else float64."""
        return self.chunks[0][1].X.dtype

    @classmethod
    def build(
        cls,
        X,
        absent,
        Y,
        sample_weight,
        *,
        alpha,
        hidden_layer_sizes,
        activation,
        out_activation,
        chunk_bytes=None,
    ):
        """Canonicalise the training set and prepare it for the kernel.

        Samples of zero weight are dropped and identical samples merged,
        summing their weights, in an order that depends only on the data. J is
        unchanged, and a fit with integer weights sees exactly the arrays, and
        follows exactly the path, of a fit on repeated samples.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_features)
            NaN at absent steps; float32 or float64. Not modified.
        absent : ndarray of shape (n_samples, n_timesteps), dtype bool
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,)
        alpha : float
        hidden_layer_sizes : tuple of int
        activation, out_activation : str
        chunk_bytes : int, default=None
            Memory for one chunk's hidden states and gradients; by default an
            eighth of scikit-learn's ``working_memory``.
        """
        if not np.any(sample_weight > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
        rows, sample_weight = _canonical_rows(X, Y, sample_weight)
        layout = Layout(X.shape[2], tuple(hidden_layer_sizes), Y.shape[1])
        n_timesteps = X.shape[1]
        if chunk_bytes is None:
            chunk_bytes = get_config()["working_memory"] * 2**20 // 8
        # per sample: the input, every layer's states, and their gradients
        per_sample = (
            n_timesteps * X.itemsize * (X.shape[2] + 3 * sum(layout.hidden_layer_sizes))
        )
        chunk_size = int(max(1, min(len(rows), chunk_bytes // per_sample)))
        # and small enough for the cache (fixed by the data alone, like the rest)
        widest = max(layout.hidden_layer_sizes)
        cache_rows = _STEP_BYTES // (X.itemsize * widest)
        chunk_size = min(chunk_size, max(_MIN_PARALLEL_CHUNK, cache_rows))
        if len(rows) >= 2 * _MIN_PARALLEL_CHUNK:
            # at least two chunks, for two cores; fixed by the data alone, so
            # that results do not depend on the machine
            chunk_size = min(chunk_size, -(-len(rows) // 2))
        chunks = tuple(
            (
                slice(start, start + chunk_size),
                TimeMajor.from_batch_major(
                    X[rows[start : start + chunk_size]],
                    absent[rows[start : start + chunk_size]],
                ),
            )
            for start in range(0, len(rows), chunk_size)
        )
        weight_sum = sample_weight.sum()
        return cls(
            chunks=chunks,
            Y=np.asarray(Y[rows], dtype=X.dtype),
            scaled_weights=sample_weight / weight_sum,
            penalty=(alpha / weight_sum) * layout.penalty_mask(),
            layout=layout,
            activation=activation,
            out_activation=out_activation,
        )


def _canonical_rows(X, Y, sample_weight):
    """Indices of the distinct samples of non-zero weight, in an order fixed by
    their content, and the summed weight of each.

    Samples are compared by their bytes (X with its NaN padding, and Y), through
    a 64-bit hash computed in chunks, so no copy of X is made; samples whose
    hashes collide are compared in full.
    """
    keep = np.flatnonzero(sample_weight > 0)
    n_samples = len(X)
    rng = np.random.RandomState(0)  # fixed multipliers: the hash is a pure function
    x_bytes = X.reshape(n_samples, -1)
    y_bytes = np.ascontiguousarray(Y, dtype=np.float64).reshape(n_samples, -1)
    hashes = np.empty(len(keep), dtype=np.uint64)
    with np.errstate(over="ignore"):
        x_mult = rng.randint(1, 2**62, size=x_bytes.shape[1], dtype=np.uint64) | 1
        y_mult = rng.randint(1, 2**62, size=y_bytes.shape[1], dtype=np.uint64) | 1
        step = max(1, 2**22 // max(1, x_bytes.shape[1]))
        for start in range(0, len(keep), step):
            idx = keep[start : start + step]
            hx = (_as_uint(x_bytes[idx]) * x_mult).sum(axis=1, dtype=np.uint64)
            hy = (y_bytes[idx].view(np.uint64) * y_mult).sum(axis=1, dtype=np.uint64)
            hashes[start : start + step] = hx * np.uint64(0x9E3779B97F4A7C15) + hy
    order = np.argsort(hashes, kind="stable")
    keep, hashes = keep[order], hashes[order]
    new_group = np.r_[True, hashes[1:] != hashes[:-1]]
    # Within a run of equal hashes, split wherever the samples really differ.
    for i in np.flatnonzero(~new_group):
        a, b = keep[i - 1], keep[i]
        if not (
            np.array_equal(_as_uint(x_bytes[a]), _as_uint(x_bytes[b]))
            and np.array_equal(y_bytes[a].view(np.uint64), y_bytes[b].view(np.uint64))
        ):
            new_group[i] = True
    group = np.cumsum(new_group) - 1
    merged_weight = np.bincount(group, weights=sample_weight[keep])
    return keep[new_group], merged_weight


def _as_uint(a):
    """The bytes of a float array as unsigned integers of the same width."""
    a = np.ascontiguousarray(a)
    return a.view(np.uint64 if a.itemsize == 8 else np.uint32).astype(np.uint64)


def objective(theta, data):
    """J and its gradient with respect to ``theta``.

    The kernel computes in ``data.dtype``, chunk by chunk; the chunks run on up
    to as many threads as BLAS may use, each with single-threaded BLAS, and
    their J and gradients are summed in chunk order, in float64, so the result
    does not depend on the number of threads.

    Parameters
    ----------
    theta : ndarray of shape (layout.size,)
    data : TrainingData

    Returns
    -------
    J : float
    grad : ndarray of shape (layout.size,)
    """
    params = unpack(theta.astype(data.dtype, copy=False), data.layout)
    grad = data.penalty * theta  # the penalty's gradient; the chunks add theirs
    J = 0.5 * float(np.dot(grad, theta))
    with np.errstate(over="ignore", invalid="ignore"):
        for J_chunk, grad_chunk in _map_chunks(
            lambda chunk: _chunk_objective(params, data, *chunk), data.chunks
        ):
            J += J_chunk
            grad += grad_chunk
    if not np.isfinite(J):
        # Tell L-BFGS this point is unusable; its line search backs off.
        return np.inf, np.zeros_like(theta)
    return J, grad


def _chunk_objective(params, data, rows, X):
    """One chunk's part of the data term of J, and its gradient (flat)."""
    layers = params.layers()
    grad = np.zeros(data.layout.size, dtype=data.dtype)
    grads = unpack(grad, data.layout)
    H = forward(X, layers, data.activation)
    h_T = H[-1][-1]  # (n_samples, n_hidden_L): state after the last observed step
    Z = h_T @ params.output_weights + params.output_bias
    loss, dZ = LOSSES[data.out_activation](Z, data.Y[rows])
    scaled_weights = data.scaled_weights[rows]
    J = float(scaled_weights @ loss)
    if not np.isfinite(J):
        return J, grad
    dZ *= scaled_weights[:, np.newaxis].astype(data.dtype, copy=False)
    grads.output_weights[...] = h_T.T @ dZ
    np.sum(dZ, axis=0, out=grads.output_bias)
    dH = np.zeros_like(H[-1])  # the readout sees only the final state
    dH[-1] = dZ @ params.output_weights.T
    backward(X, H, dH, layers, data.activation, grads.layers())
    return J, grad


def _map_chunks(function, chunks):
    """``map(function, chunks)``, on threads when there are several chunks and
    BLAS may use several threads; BLAS is single-threaded meanwhile, so that the
    threads, not BLAS, share the cores."""
    n_workers = min(len(chunks), _blas_threads())
    if n_workers <= 1:
        return map(function, chunks)
    with _one_blas_thread, ThreadPoolExecutor(n_workers) as executor:
        return list(executor.map(function, chunks))
