"""The training objective and its exact gradient: the function given to SciPy.

With sample weights ``w_i`` and ``S = sum_i w_i``::

    J = (1/S) sum_i w_i loss_i + alpha / (2 S) * (sum of squares of every weight matrix)

Biases are not penalised. ``loss_i`` is the cross-entropy of the output link
(summed over logistic units for binary and multilabel targets) or, for
regression, half the mean over outputs of the squared error, of the output
``out(W_oh^T r + b_o)``. The readout ``r`` pools the last layer's states over
the sequence's observed steps: its state after the last one (Elman's
``o_T``), their mean or their elementwise maximum, or several of these side
by side (:data:`POOLS`).

With an output at every step (sequence labelling), every observed step ``t``
of sample ``i`` has a loss ``loss_it`` and, with ``n_i`` the number of observed
steps of sample ``i`` and ``S = sum_i w_i n_i``::

    J = (1/S) sum_i w_i sum_t loss_it + alpha / (2 S) * (sum of squares ...)

the mean over all observed steps, each weighted by its sequence's weight.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, logsumexp
from sklearn import get_config

from ._params import Layout, unpack
from ._recurrence import (
    LAST_STEP,
    TimeMajor,
    Workspace,
    _one_blas_thread,
    backward,
    final_state,
    forward,
    split_rows,
)
from ._scale import unit_scale


def _logsumexp_rows(Z):
    """``log(sum(exp(Z), axis=1))`` as a column, without overflow, for the
    training loss: SciPy's logsumexp without its 50 us of overhead per call (a
    twentieth of an evaluation at benchmark size S). Predictions keep SciPy's
    (equal to within an ulp), so that they do not change from one release to
    the next. A row with an infinite maximum gives that maximum."""
    shift = Z.max(axis=1, keepdims=True)
    shift[~np.isfinite(shift)] = 0.0
    with np.errstate(divide="ignore"):  # log(0) = -inf for a row of -inf
        return shift + np.log(np.sum(np.exp(Z - shift), axis=1, keepdims=True))


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
    lse = _logsumexp_rows(Z)
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


# Below this many samples per chunk, a second thread costs more than it saves
# (benchmark size M with 128 samples: 5.5 ms in one chunk, 4.4 ms in two of 64;
# with 64 samples, 3.0 ms in one, 3.4 ms in two of 32).
_MIN_PARALLEL_CHUNK = 64

# At most this many bytes in one step's states of the widest layer (512 samples
# at 64 hidden units in float64, 1024 in float32, 256 at 128 units): the
# per-step products and the activation then work in the cache. Chunks of
# 128-256 instead of 1000 samples made an evaluation 10-20% cheaper in CPU time
# (sizes L and XL). Smaller chunks than these hand the GIL between the 2
# threads more often, for less work per NumPy call: 128 KB instead of 256 KB
# (half the samples) took 6% longer at XL and L, 7% longer in float32 at L.
_STEP_BYTES = 2**18


def _blas_threads():
    """How many threads BLAS may use (the user's or joblib's limits apply;
    the solver loop's own limit of one does not)."""
    return _one_blas_thread.allowed_threads()


@dataclass(frozen=True)
class Batch:
    """Sequences with their targets, as the kernel reads them.

    Attributes
    ----------
    X : TimeMajor
    Y : ndarray of shape (n_samples, n_outputs) or (n_timesteps * n_samples, n_outputs)
        Encoded targets of each sample or, with an output at every step, of
        each step (time-major rows, 0 at absent steps).
    weights : ndarray of shape (n_samples,) or (n_timesteps * n_samples,)
        The weight of each row of ``Y`` in J (0 at absent steps).
    """

    X: TimeMajor
    Y: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(cls, X, absent, Y, weights):
        """From batch-major ``X`` (NaN padding), ``absent``, ``Y`` of shape
        (n_samples, n_outputs) or, per step, (n_samples, n_timesteps, n_outputs),
        and per-sample ``weights``. Copies; ``Y`` gets ``X``'s dtype."""
        X_tm = TimeMajor.from_batch_major(X, absent)
        if Y.ndim == 3:  # a target at every step: time-major rows, absent ones unused
            observed = ~absent.T  # (n_timesteps, n_samples)
            weights = np.where(observed, weights, 0.0).ravel()
            Y = np.where(observed[..., np.newaxis], Y.transpose(1, 0, 2), 0.0)
            Y = Y.reshape(-1, Y.shape[2])
        # J is summed in float64, whatever the kernel's dtype
        return cls(X_tm, np.asarray(Y, X.dtype), np.asarray(weights, np.float64))


@dataclass(frozen=True)
class TrainingData:
    """Everything the objective needs besides the weights.

    Build it with :meth:`build`, which puts the training set in canonical form
    and splits it into chunks of samples.

    Attributes
    ----------
    chunks : tuple of Batch
        The training set in chunks of samples, weights scaled so that they sum
        to 1 over the whole set.
    penalty : ndarray of shape (layout.size,)
        ``alpha / S`` on the entries of weight matrices, 0 on biases.
    layout : Layout
    activation : str
    out_activation : str
    per_step : bool
        Whether there is a target at every step rather than one per sample.
    readout : tuple of str
        The pools of :data:`POOLS` the readout reads, in order (ignored
        with a target at every step).
    workspaces : list of Workspace
        One per worker thread of :func:`objective` (worker ``w`` of every
        evaluation uses ``workspaces[w]``): its chunks' states and gradients,
        kept between evaluations. So the objective of one ``TrainingData``
        must not run in two threads at once (``fit`` never does).
    """

    chunks: tuple
    penalty: np.ndarray
    layout: Layout
    activation: str
    out_activation: str
    per_step: bool
    readout: tuple = ("last",)
    workspaces: list = field(default_factory=list, compare=False, repr=False)

    @property
    def dtype(self):
        """The dtype the kernel computes in: float32 for float32 X, else float64."""
        return self.chunks[0].X.X.dtype

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
        bidirectional=False,
        readout=("last",),
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
        Y : ndarray of shape (n_samples, n_outputs) or \
                (n_samples, n_timesteps, n_outputs)
            Encoded targets: one per sample, or one per step (used at observed
            steps only).
        sample_weight : ndarray of shape (n_samples,)
        alpha : float
        hidden_layer_sizes : tuple of int
        activation, out_activation : str
        bidirectional : bool, default=False
        readout : tuple of str, default=("last",)
        chunk_bytes : int, default=None
            Memory for one chunk's hidden states and gradients; by default an
            eighth of scikit-learn's ``working_memory``.
        """
        if not np.any(sample_weight > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
        # Sums of weights (merged samples, S) may overflow where the weights do
        # not, so sum them scaled to about 1: w_i / S is exact all the same.
        sample_weight, exponent = unit_scale(sample_weight)
        rows, sample_weight = _canonical_rows(X, Y, sample_weight)
        per_step = Y.ndim == 3
        readout = tuple(readout)
        layout = Layout(
            X.shape[2],
            tuple(hidden_layer_sizes),
            Y.shape[-1],
            bidirectional,
            1 if per_step else len(readout),
        )
        # S: the weight of every target, one per sample or per observed step
        n_targets = (~absent[rows]).sum(axis=1) if per_step else 1
        weight_sum = float(np.sum(sample_weight * n_targets))
        size = chunk_size(len(rows), X, layout, chunk_bytes)
        chunks = tuple(
            Batch.build(
                X[rows[start : start + size]],
                absent[rows[start : start + size]],
                Y[rows[start : start + size]],
                sample_weight[start : start + size] / weight_sum,
            )
            for start in range(0, len(rows), size)
        )
        return cls(
            chunks=chunks,
            penalty=np.ldexp(alpha / weight_sum, -exponent) * layout.penalty_mask(),
            layout=layout,
            activation=activation,
            out_activation=out_activation,
            per_step=per_step,
            readout=readout,
        )


def chunk_size(n_samples, X, layout, chunk_bytes=None):
    """How many of the ``n_samples`` sequences of ``X`` the objective, or a
    prediction, takes at once: what ``chunk_bytes`` allows
    (:func:`samples_per_chunk`), at most what keeps one step's states in the
    cache, and from ``2 * _MIN_PARALLEL_CHUNK`` samples on at most half of
    them, for two cores. Fixed by the data alone, so that results do not
    depend on the machine."""
    size = samples_per_chunk(X, layout, chunk_bytes)
    cache_rows = _STEP_BYTES // (X.itemsize * max(layout.hidden_layer_sizes))
    size = min(size, max(_MIN_PARALLEL_CHUNK, cache_rows))
    if n_samples >= 2 * _MIN_PARALLEL_CHUNK:
        size = min(size, -(-n_samples // 2))
    return size


def samples_per_chunk(X, layout, chunk_bytes=None):
    """How many samples of ``X`` to take at once so that their states, and
    their gradients, take about ``chunk_bytes`` (an eighth of scikit-learn's
    ``working_memory`` by default)."""
    if chunk_bytes is None:
        chunk_bytes = get_config()["working_memory"] * 2**20 // 8
    n_samples, n_timesteps, n_features = X.shape
    # per sample: the input, every layer's states, and their gradients
    n_states = layout.n_directions * sum(layout.hidden_layer_sizes)
    per_sample = n_timesteps * X.itemsize * (n_features + 3 * n_states)
    return int(max(1, min(n_samples, chunk_bytes // per_sample)))


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
    if not isinstance(data, TrainingData):  # blocks on Dask workers (_dask.py)
        return data.objective(theta)
    # Weights that came in a message (a Dask fit's) may sit at any address;
    # unaligned, every product and activation on them took 15% longer.
    params = unpack(np.require(theta, data.dtype, ["ALIGNED"]), data.layout)
    grad = data.penalty * theta  # the penalty's gradient; the chunks add theirs
    J = 0.5 * float(np.dot(grad, theta))
    with np.errstate(over="ignore", invalid="ignore"):
        for J_chunk, grad_chunk in _map_chunks(
            lambda chunk, workspace: _chunk_objective(params, data, chunk, workspace),
            data.chunks,
            data.workspaces,
        ):
            J += J_chunk
            grad += grad_chunk
    if not np.isfinite(J):
        # Tell L-BFGS this point is unusable; its line search backs off.
        return np.inf, np.zeros_like(theta)
    return J, grad


def _chunk_objective(params, data, chunk, workspace):
    """One chunk's part of the data term of J, and its gradient (flat)."""
    layers = params.layers()
    grad = np.zeros(data.layout.size, dtype=data.dtype)
    grads = unpack(grad, data.layout)
    H = forward(chunk.X, layers, data.activation, workspace)
    readout = STEP if data.per_step else data.readout
    features = readout_inputs(H[-1], readout, chunk.X)
    Z = readout_output(features, params)
    loss, dZ = LOSSES[data.out_activation](Z, chunk.Y)
    J = float(chunk.weights @ loss)
    if not np.isfinite(J):
        return J, grad
    dZ *= chunk.weights.astype(dZ.dtype)[:, np.newaxis]
    np.sum(dZ, axis=0, out=grads.output_bias)
    # the gradient w.r.t. the last layer's states; with the last-state readout
    # only each direction's last step has one, and only it is written
    last_step_only = readout == ("last",)
    new = workspace.empty if last_step_only or readout == STEP else workspace.zeros
    dH = [new(("dH", "top", d), H_d.shape, H_d.dtype) for d, H_d in enumerate(H[-1])]
    parts = _readout_parts(readout, len(H[-1]))
    for (d, pool), F_k, W_k, dW_k in zip(
        parts,
        features,
        split_rows(params.output_weights, features),
        split_rows(grads.output_weights, features),
        strict=True,
    ):
        dW_k[...] = F_k.T @ dZ
        if readout == STEP:
            np.dot(dZ, W_k.T, out=dH[d].reshape(F_k.shape))
        elif last_step_only:
            np.dot(dZ, W_k.T, out=dH[d][LAST_STEP[d]])
        else:
            POOL_GRADIENTS[pool](dZ @ W_k.T, F_k, H[-1][d], d, chunk.X, dH[d])
    backward(
        chunk.X,
        H,
        dH,
        layers,
        data.activation,
        grads.layers(),
        last_step_only=last_step_only,
        workspace=workspace,
    )
    return J, grad


# The readout of the per-step estimators: every step's state, as time-major rows.
STEP = ("step",)


def _observed(X):
    """Where to pool: the observed steps of ``X``, (n_timesteps, n_samples, 1),
    or True where no step is absent. The reductions skip the other steps
    rather than reading a masked copy of the states."""
    return ~X.absent if X.has_absent.any() else True


def _n_observed(X):
    """Observed steps of each sample, (n_samples, 1)."""
    return X.X.shape[0] - X.absent.sum(axis=0)


def _pool_last(H_d, d, X):
    # the state carries over absent steps: the array's last step (first, for
    # the backward direction) holds the state after the last observed one
    return H_d[LAST_STEP[d]]


def _pool_mean(H_d, d, X):
    observed_sum = np.sum(H_d, axis=0, where=_observed(X))
    return observed_sum / _n_observed(X).astype(H_d.dtype)


def _pool_max(H_d, d, X):
    return np.max(H_d, axis=0, where=_observed(X), initial=-np.inf)


# pool(H_d, d, X) -> r_d: what the readout reads of direction d's last-layer
# states H_d (n_timesteps, n_samples, n_hidden_L), as (n_samples, n_hidden_L);
# padding is never pooled.
POOLS = {"last": _pool_last, "mean": _pool_mean, "max": _pool_max}


def _last_gradient(dR, R, H_d, d, X, dH_d):
    dH_d[LAST_STEP[d]] += dR


def _mean_gradient(dR, R, H_d, d, X, dH_d):
    dR = dR / _n_observed(X).astype(dR.dtype)
    np.add(dH_d, dR, out=dH_d, where=_observed(X))


def _max_gradient(dR, R, H_d, d, X, dH_d):
    # to the step that holds each maximum (the first, if several do): a
    # boolean array's argmax, as the steps' axis is not the last
    holds = H_d == R
    holds &= _observed(X)
    step = holds.argmax(axis=0)
    sample, unit = np.indices(step.shape, sparse=True)
    dH_d[step, sample, unit] += dR


# pool gradient(dR, R, H_d, d, X, dH_d): adds to dH_d, the gradient w.r.t. every
# step's state, the part that passes through the pooled R = r_d (as the pool
# returned it), given dR = dJ/dr_d.
POOL_GRADIENTS = {"last": _last_gradient, "mean": _mean_gradient, "max": _max_gradient}


def _readout_parts(readout, n_directions):
    """``(direction, pool)`` of each part of the readout's input, in order:
    direction by direction (forward first), each direction's pools in the
    order of ``readout``."""
    if readout == STEP:
        return [(d, "step") for d in range(n_directions)]
    return [(d, pool) for d in range(n_directions) for pool in readout]


def readout_inputs(H_top, readout, X):
    """What the readout reads of the last layer's states ``H_top`` (one array
    per direction) for the batch ``X`` (TimeMajor), in the order of
    :func:`_readout_parts`: each pool of each direction, (n_samples,
    n_hidden_L); or, with ``readout=STEP``, every step's state as time-major
    rows, (n_timesteps * n_samples, n_hidden_L)."""
    if readout == STEP:
        return [H_d.reshape(-1, H_d.shape[2]) for H_d in H_top]
    return [
        POOLS[pool](H_top[d], d, X) for d, pool in _readout_parts(readout, len(H_top))
    ]


def readout_output(features, params):
    """``Z = [features...] @ W_oh + b_o``: the output pre-activations."""
    Z = params.output_bias
    for F_k, W_k in zip(
        features, split_rows(params.output_weights, features), strict=True
    ):
        Z = Z + F_k @ W_k
    return Z


def network_output(params, X, activation, readout):
    """The readout's inputs and output pre-activations for a batch ``X``
    (TimeMajor), computed in its dtype, for a ``readout`` of pools or
    ``STEP``.

    Returns
    -------
    features : list of ndarray
        See :func:`readout_inputs`.
    Z : ndarray of shape (n_samples, n_outputs) or \
            (n_timesteps * n_samples, n_outputs)
    """
    params = params.astype(X.X.dtype)
    layers = params.layers()
    if readout == ("last",) and len(layers[0]) == 1:
        # O(n_samples * n_hidden) memory: no step's state is kept
        features = [final_state(X, layers, activation)]
    else:
        features = readout_inputs(forward(X, layers, activation)[-1], readout, X)
    return features, readout_output(features, params)


def network_outputs(params, X, absent, layout, activation, readout):
    """:func:`network_output` for batch-major ``X`` (NaN padding) and its
    ``absent`` steps, in chunks of samples sized as for training, on as many
    threads as BLAS may use: a list of ``(features, Z)``, one per chunk, in the
    order of the samples."""
    size = chunk_size(len(X), X, layout)

    def run(start, workspace):  # nothing to keep between predictions
        stop = start + size
        batch = TimeMajor.from_batch_major(X[start:stop], absent[start:stop])
        return network_output(params, batch, activation, readout)

    return _map_chunks(run, range(0, len(X), size), [])


def _map_chunks(function, chunks, workspaces):
    """``[function(chunk, workspace) for chunk in chunks]``, on as many threads
    as BLAS may use (at most one per chunk), each with single-threaded BLAS so
    that the threads, not BLAS, share the cores. Thread ``w`` takes chunks
    ``w, w + n_threads, ...`` with ``workspaces[w]``, which it keeps from one
    call to the next; ``workspaces`` grows as needed. The threads keep the
    caller's NumPy error state (a new thread starts with the default one)."""
    n_workers = max(1, min(len(chunks), _blas_threads()))
    workspaces.extend(Workspace() for _ in range(n_workers - len(workspaces)))
    errors = np.geterr()

    def work(w):
        with np.errstate(**errors):
            return [
                function(chunks[i], workspaces[w])
                for i in range(w, len(chunks), n_workers)
            ]

    with _one_blas_thread:
        if n_workers == 1:
            return work(0)
        with ThreadPoolExecutor(n_workers) as executor:
            parts = list(executor.map(work, range(n_workers)))
    # back in chunk order
    return [parts[i % n_workers][i // n_workers] for i in range(len(chunks))]
