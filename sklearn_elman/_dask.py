"""Fits on, and predictions for, Dask arrays: the sequences stay on the workers.

A fit on a ``dask.array.Array`` works as dask-ml's generalized linear models
do: the training set is checked and prepared block by block where it lives,
and kept there (persisted); L-BFGS runs on the client, and each evaluation of
J sends the weights to every block and receives one (J, gradient) per block,
summed on the client in block order. Each block's part is the in-memory
objective (:func:`~sklearn_elman._objective.objective`) of that block: there
is no second kernel.

On a ``distributed`` cluster the evaluations do not go through the
scheduler: one actor per worker (:class:`_BlockServer`) holds that worker's
blocks, and an evaluation is one message to each actor and one back (1.2 ms
with one worker and 1.8 ms with two on a LocalCluster, against about 15 ms
for a graph of tasks through the scheduler). If a worker
is lost, Dask recomputes its blocks from their source and the actors are
started again where the blocks now are; the evaluation is repeated, so the
fit goes on as if nothing had happened.

This module is the only one that imports Dask, and only when a Dask
collection is passed: :func:`is_dask_collection` looks for Dask in
``sys.modules`` before asking it anything.
"""

import copy
import functools
import itertools
import re
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._objective import Batch, TrainingData, objective
from ._params import Layout
from ._scale import unit_scale
from ._validation import check_n_targets, check_weight_scale, validate_sequences


def is_dask_collection(x):
    """Whether ``x`` is a Dask collection; never imports Dask."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(x)


def dask_training_data(estimator, X, y, sample_weight, hidden_layer_sizes, rng):
    """Check and prepare a training set held in Dask arrays, on the workers.

    The first pass over the blocks checks them against the input contract and
    returns what the whole set decides: ``n_features_in_``, the classes (set
    on ``estimator`` as an in-memory fit does) and their counts. The second
    prepares each block for the kernel, as :class:`TrainingData` with its
    duplicate samples merged, keeps it on the workers, and returns its weight
    sum, from which the client has S. With early stopping, each block holds
    out ``ceil(validation_fraction * n_samples_in_block)`` of its samples,
    drawn with a seed from ``rng``; the held-out samples are gathered on the
    client, which scores them after every iteration.

    Parameters
    ----------
    estimator : BaseElman
        Receives the input and target attributes.
    X : dask.array.Array of shape (n_samples, n_timesteps, n_features) or \
            (n_samples, n_timesteps)
    y : dask.array.Array or array-like, of n_samples rows
    sample_weight : dask.array.Array, array-like of shape (n_samples,) or None
    hidden_layer_sizes : tuple of int
    rng : RandomState
        Draws the held-out samples of early stopping.

    Returns
    -------
    data : DaskTrainingData
    validation : Batch or None
        The held-out samples of early stopping.
    """
    import dask

    X = _by_samples(X, "X")
    sizes = X.chunks[0]
    y_blocks = _blocks_like(y, X, "y")
    w_blocks = _blocks_like(sample_weight, X, "sample_weight")
    firsts = np.cumsum([0, *sizes[:-1]])
    blocks = [
        (x, y_b, w_b, int(first), size)
        for x, y_b, w_b, first, size in zip(
            X.to_delayed().ravel(), y_blocks, w_blocks, firsts, sizes, strict=True
        )
        if size > 0
    ]
    splits = _held_out_counts(estimator, [b[-1] for b in blocks], rng)
    blocks = [b[:-1] for b in blocks]
    task = clone(estimator)  # what travels: the parameters, no fitted state
    surveys = dask.compute(*[dask.delayed(_survey)(task, *b) for b in blocks])

    first = surveys[0]
    estimator.n_features_in_ = first["n_features_in_"]
    estimator._input_ndim = first["input_ndim"]
    estimator.__dict__.pop("feature_names_in_", None)  # an array has no names
    labels = None
    if first["labels"] is not None:  # a classifier: the classes of every block
        union = np.concatenate([s["labels"] for s in surveys])
        if union.ndim == 1:
            union = np.unique(union)
        with warnings.catch_warnings():  # the workers warned already, if need be
            warnings.simplefilter("ignore")
            Y, out_activation = estimator._encode_labels(union)
        n_outputs = Y.shape[1]
        labels = estimator._label_binarizer
        task._dask_classes = labels
        class_weight = getattr(estimator, "class_weight", None)
        if class_weight is not None:
            task.class_weight = _resolved_class_weight(class_weight, labels, surveys)
    else:
        out_activation, n_outputs = first["out_activation"], first["n_outputs"]
        estimator._y_ndim = first["y_ndim"]

    prepared = dask.persist(
        *[
            dask.delayed(_prepare)(task, *b, hidden_layer_sizes, *split)
            for b, split in zip(blocks, splits, strict=True)
        ]
    )
    sums = dask.compute(*[dask.delayed(_weight_sum)(p) for p in prepared])
    validation = _validation_set([held for _, _, held in sums])
    sums = [(e, s) for e, s, _ in sums]
    exponent = max(e for e, s in sums if s > 0) if any(s > 0 for _, s in sums) else 0
    scaled = [np.ldexp(s, e - exponent) for e, s in sums]
    weight_sum = float(np.sum(scaled))
    if not weight_sum > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    readout = estimator._checked_readout()
    layout = Layout(
        first["n_step_features"],
        hidden_layer_sizes,
        n_outputs,
        estimator.bidirectional,
        1 if estimator._per_step else len(readout),
    )
    data = DaskTrainingData(
        blocks=prepared,
        factors=[s / weight_sum for s in scaled],
        penalty=np.ldexp(estimator.alpha / weight_sum, -exponent)
        * layout.penalty_mask(),
        layout=layout,
        activation=estimator.activation,
        out_activation=out_activation,
        per_step=estimator._per_step,
        readout=readout,
    )
    return data, validation


def _held_out_counts(estimator, sizes, rng):
    """``(n_held_out, seed)`` of each block: ``(0, None)`` without early stopping."""
    if not estimator.early_stopping:
        return [(0, None)] * len(sizes)
    held_out = [int(np.ceil(estimator.validation_fraction * n)) for n in sizes]
    n_samples, n_held_out = sum(sizes), sum(held_out)
    if n_held_out < 2 or n_held_out == n_samples:
        raise ValueError(
            f"The validation set is too small: validation_fraction="
            f"{estimator.validation_fraction} of each block of X holds out "
            f"{n_held_out} of {n_samples} sequences in all; early stopping needs "
            "at least 2 held-out sequences and 1 to train on. Change "
            "validation_fraction or the chunks of X, or set early_stopping=False."
        )
    seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes))
    return list(zip(held_out, seeds.tolist(), strict=True))


def _validation_set(held_out):
    """The blocks' held-out samples as one Batch, or None."""
    held_out = [h for h in held_out if h is not None]
    if not held_out:
        return None
    X, absent, Y, weights = (
        np.concatenate(parts) for parts in zip(*held_out, strict=True)
    )
    if not np.any(weights > 0):
        raise ValueError(
            "The early-stopping validation set has zero total sample weight: "
            f"every one of its {len(weights)} sequences has weight 0, so it cannot "
            "be scored. Give more sequences a positive weight, change "
            "validation_fraction or random_state, or set early_stopping=False."
        )
    # the score ignores the weights' scale; scaled to about 1, their sums in
    # the score cannot overflow
    return Batch.build(X, absent, Y, unit_scale(weights)[0])


class DaskTrainingData:
    """A training set prepared on Dask workers, block by block.

    Attributes
    ----------
    blocks : list of dask.delayed.Delayed
            Each a persisted ``(TrainingData or None, exponent, weight_sum,
        held_out)``:
        the block's training data (None if its weights are all 0), its
        weights scaled to sum to 1 over the block after a scaling by
        ``2**-exponent``, and the ``(X, absent, Y, weights)`` it holds out for
        early stopping (or None).
    factors : list of float
        The share of each block's weights in S: block ``b``'s part of J is
        ``factors[b]`` times its own objective.
    penalty : ndarray of shape (layout.size,)
        ``alpha / S`` on the entries of weight matrices, 0 on biases.
    layout, activation, out_activation, per_step, readout
        As in :class:`TrainingData`.
    """

    def __init__(
        self,
        blocks,
        factors,
        penalty,
        layout,
        activation,
        out_activation,
        per_step,
        readout,
    ):
        self.blocks = blocks
        self.factors = factors
        self.penalty = penalty
        self.layout = layout
        self.activation = activation
        self.out_activation = out_activation
        self.per_step = per_step
        self.readout = readout
        self._servers = None  # the actors of a distributed cluster, once started

    def objective(self, theta):
        """J and its gradient, as :func:`objective` of the whole set: each
        block's on the workers, their sum on the client in block order."""
        parts = self._block_objectives(theta)
        grad = self.penalty * theta
        J = 0.5 * float(np.dot(grad, theta))
        for factor, (J_block, grad_block) in zip(self.factors, parts, strict=True):
            if grad_block is not None:
                J += factor * J_block
                grad += factor * grad_block
        if not np.isfinite(J):
            return np.inf, np.zeros_like(theta)
        return J, grad

    def _block_objectives(self, theta):
        """Each block's ``(J, gradient)``, in block order: from the actors on a
        ``distributed`` cluster, else as tasks of Dask's current scheduler."""
        import dask

        client = _distributed_client()
        if client is None:
            weights = dask.delayed(theta)  # one copy, read by every block
            return dask.compute(
                *[dask.delayed(_block_objective)(weights, b) for b in self.blocks]
            )
        for attempt in range(_RESTARTS + 1):
            try:
                if self._servers is None:
                    self._servers = _start_servers(client, self.blocks)
                calls = [
                    (indices, server.evaluate(theta))
                    for indices, server in self._servers
                ]
                parts = [None] * len(self.blocks)
                for indices, call in calls:
                    for index, part in zip(indices, call.result(), strict=True):
                        parts[index] = part
                return parts
            except (OSError, RuntimeError) as error:
                if attempt == _RESTARTS or not _lost_worker(error):
                    raise  # an error of the evaluation itself
                self._servers = None  # started again from the blocks


# How many times an evaluation starts the actors again after losing a worker,
# and how long (in tenths of a second) it waits for the lost blocks.
_RESTARTS = 3
_LOST_BLOCK_POLLS = 600


def _lost_worker(error):
    """Whether an actor's call failed because its worker is gone: distributed
    then raises OSError("Unable to contact Actor's worker") or, once the
    scheduler knows, RuntimeError("Worker holding Actor was lost ...")."""
    message = str(error)
    return message.startswith(
        ("Unable to contact Actor's worker", "Worker holding Actor was lost")
    )


class _BlockServer:
    """A Dask actor on one worker, holding that worker's prepared blocks (in
    block order): an evaluation of J is one call of :meth:`evaluate`."""

    def __init__(self, *blocks):
        self.blocks = blocks

    def evaluate(self, theta):
        return [_block_objective(theta, block) for block in self.blocks]


def _distributed_client():
    """The ``distributed.Client`` that ``dask.compute`` would use now, or None."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    import dask

    client = getattr(dask.base.get_scheduler(), "__self__", None)
    return client if isinstance(client, distributed.Client) else None


def _start_servers(client, blocks):
    """One :class:`_BlockServer` on each worker that holds blocks, with those
    blocks: ``[(their indices, the actor)]``. (An actor on the client holds a
    future of its own key, which keeps it alive.)

    The blocks' futures are awaited first, so that blocks lost with a worker
    are recomputed from their source before the actors take them."""
    from distributed import futures_of, wait

    futures = [futures_of(block)[0] for block in blocks]
    for _ in range(_LOST_BLOCK_POLLS):
        wait(futures)
        holders = client.who_has(futures)
        if all(holders.get(future.key) for future in futures):
            break
        time.sleep(0.1)  # a lost block the client does not know of yet
    else:
        raise RuntimeError(
            "Blocks of the training set were lost with a worker and Dask has not "
            f"recomputed them in {_LOST_BLOCK_POLLS / 10:.0f} s."
        )
    by_worker = {}  # a block held twice goes to one of its holders
    for index, future in enumerate(futures):
        by_worker.setdefault(min(holders[future.key]), []).append(index)
    servers = [
        (
            indices,
            client.submit(
                _BlockServer,
                *[futures[i] for i in indices],
                actor=True,
                workers=[worker],
                allow_other_workers=True,  # should the worker go meanwhile
                pure=False,
            ),
        )
        for worker, indices in by_worker.items()
    ]
    return [(indices, future.result()) for indices, future in servers]


def _block_objective(theta, block):
    data = block[0]
    if data is None:  # no weight in this block
        return 0.0, None
    return objective(theta, data)


def _weight_sum(block):
    return block[1:]


def _survey(estimator, X, y, sample_weight, first_sample):
    """Check one block; return what the whole training set is decided by."""
    estimator = copy.copy(estimator)  # tasks may share it, in threads
    estimator._dask_classes = "block"  # its own classes, any number of them
    X, _, Y, out_activation, _ = _checked_block(
        estimator, X, y, sample_weight, first_sample
    )
    summary = {
        "n_features_in_": estimator.n_features_in_,
        "input_ndim": estimator._input_ndim,
        "n_step_features": X.shape[2],
        "out_activation": out_activation,
        "n_outputs": Y.shape[-1],
        "y_ndim": getattr(estimator, "_y_ndim", None),
        "labels": None,
    }
    binarizer = getattr(estimator, "_label_binarizer", None)
    if binarizer is not None:
        if binarizer.y_type_ == "multilabel-indicator":
            summary["labels"] = np.unique(Y.astype(np.int64), axis=0)
        else:
            summary["labels"] = binarizer.classes_
            if getattr(estimator, "class_weight", None) is not None:
                labels = binarizer.inverse_transform(Y.reshape(-1, Y.shape[-1]))
                summary["counts"] = np.unique(labels, return_counts=True)
    return summary


def _prepare(
    estimator, X, y, sample_weight, first_sample, hidden_layer_sizes, n_held_out, seed
):
    """One block as the kernel reads it: ``(TrainingData, exponent, weight_sum,
    held_out)``, its ``n_held_out`` samples drawn with ``seed`` held out."""
    estimator = copy.copy(estimator)
    X, absent, Y, out_activation, sample_weight = _checked_block(
        estimator, X, y, sample_weight, first_sample
    )
    with _global_indices(first_sample):
        sample_weight = estimator._weigh_classes(np.asarray(y), sample_weight)
        held_out = None
        if n_held_out:
            order = np.random.RandomState(seed).permutation(len(X))
            held, train = np.sort(order[:n_held_out]), np.sort(order[n_held_out:])
            held_out = (X[held], absent[held], Y[held], sample_weight[held])
            X, absent, Y = X[train], absent[train], Y[train]
            sample_weight = sample_weight[train]
        n_targets = (~absent).sum(axis=1) if Y.ndim == 3 else 1
        check_weight_scale(sample_weight, 0.0, n_targets)  # finite; S: the client's
    if not np.any(sample_weight > 0):
        return None, 0, 0.0, held_out
    scaled, exponent = unit_scale(sample_weight)
    data = TrainingData.build(
        X,
        absent,
        Y,
        sample_weight,
        alpha=0.0,  # the client adds the penalty, once
        hidden_layer_sizes=hidden_layer_sizes,
        bidirectional=estimator.bidirectional,
        readout=estimator._checked_readout(),
        activation=estimator.activation,
        out_activation=out_activation,
    )
    return data, int(exponent), float(np.sum(scaled * n_targets)), held_out


def _checked_block(estimator, X, y, sample_weight, first_sample):
    """validate_sequences, the targets and the weights of one block, with the
    errors naming samples by their index in the whole training set."""
    with _global_indices(first_sample), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the client repeats what matters
        X, absent = validate_sequences(estimator, X, reset=True)
        check_n_targets(X, y, frame=False)
        Y, out_activation = estimator._encode_targets(y, absent)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    return X, absent, Y, out_activation, sample_weight


class _global_indices:
    """Rewrite "sample i" in the errors raised inside as "sample first + i"."""

    _SAMPLE = re.compile(r"\b([Ss]ample) (\d+)\b")

    def __init__(self, first_sample):
        self.first_sample = first_sample

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback):
        if self.first_sample and isinstance(exc, (ValueError, TypeError)):
            message = self._SAMPLE.sub(
                lambda m: f"{m[1]} {int(m[2]) + self.first_sample}", str(exc)
            )
            raise type(exc)(message) from None
        return False


def _resolved_class_weight(class_weight, binarizer, surveys):
    """``class_weight`` as a dict over every class, from the blocks' counts:
    each block then weighs its samples as the whole training set would."""
    if binarizer.y_type_ == "multilabel-indicator":
        raise ValueError(
            "class_weight with multilabel y is not supported for a Dask array X: "
            "set class_weight=None and pass sample_weight, or fit on X.compute()."
        )
    classes = binarizer.classes_
    counts = np.zeros(len(classes), dtype=np.int64)
    for survey in surveys:
        labels, n = survey["counts"]
        counts[np.searchsorted(classes, labels)] += n
    # "balanced" reads the counts of y; a dict only the classes
    y = np.repeat(classes, counts) if class_weight == "balanced" else classes
    weights = compute_class_weight(class_weight, classes=classes, y=y)
    return dict(zip(classes.tolist(), weights.tolist(), strict=True))


def _by_samples(X, name):
    """``X`` as a Dask array chunked along samples only."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} is a {type(X).__name__}; a Dask input must be a "
            "dask.array.Array of shape (n_samples, n_timesteps, n_features) or "
            "(n_samples, n_timesteps). A Dask DataFrame becomes one with "
            "df.to_dask_array(lengths=True)."
        )
    if X.ndim not in (2, 3):
        raise ValueError(
            f"{name} has {X.ndim} dimensions; expected a Dask array of shape "
            "(n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)."
        )
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes along samples; call "
            f"{name}.compute_chunk_sizes() first."
        )
    if any(len(chunks) > 1 for chunks in X.chunks[1:]):
        # a block holds whole sequences: every time step and feature
        X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    return X


def _blocks_like(values, X, name):
    """``values`` (Dask array, array-like or None) in X's blocks of samples."""
    n_blocks = len(X.chunks[0])
    if values is None:
        return [None] * n_blocks
    if is_dask_collection(values):
        import dask.array as da

        if not isinstance(values, da.Array):
            raise TypeError(
                f"{name} is a {type(values).__name__}; pass a dask.array.Array "
                "or a NumPy array."
            )
    else:
        values = np.asarray(values)
    if values.ndim == 0 or values.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: X has "
            f"{X.shape[0]}, {name} has shape {values.shape}."
        )
    if isinstance(values, np.ndarray):
        bounds = np.cumsum([0, *X.chunks[0]])
        return [values[a:b] for a, b in itertools.pairwise(bounds)]
    chunks = (X.chunks[0], *((size,) for size in values.shape[1:]))
    return list(values.rechunk(chunks).to_delayed().ravel())


def blockwise(method):
    """Make a prediction method lazy on Dask arrays: it runs on each block of
    X on the workers and returns a Dask array, one block per block of X. Other
    input goes to ``method`` unchanged."""

    @functools.wraps(method)
    def predict(self, X):
        if not is_dask_collection(X):
            return method(self, X)
        import dask
        import dask.array as da

        check_is_fitted(self)
        X = _by_samples(X, "X")
        # one sequence of zeros tells the output's shape and dtype (and any
        # mismatch with the fitted model, now rather than on the workers)
        probe = method(self, np.zeros((1, *X.shape[1:]), X.dtype))
        # a snapshot: a later fit rebinds the weights, the lazy result keeps these
        estimator = dask.delayed(copy.copy(self), pure=False)
        parts = [
            da.from_delayed(
                dask.delayed(method)(estimator, block),
                shape=(size, *probe.shape[1:]),
                dtype=probe.dtype,
            )
            for block, size in zip(X.to_delayed().ravel(), X.chunks[0], strict=True)
            if size > 0
        ]
        return da.concatenate(parts)

    return predict
