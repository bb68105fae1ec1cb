"""The objective's gradient is the exact gradient of the value it returns."""

import functools

import numpy as np
import pytest
from scipy.special import logsumexp

from sklearn_elman import _recurrence
from sklearn_elman._objective import TrainingData, _logsumexp_rows, objective
from sklearn_elman._params import Layout, init_params
from sklearn_elman._recurrence import ACTIVATIONS

N_SAMPLES, N_TIMESTEPS, N_FEATURES = 6, 7, 3


def _padded_batch(rng):
    """Sequences with leading, trailing and interior padding, and one without."""
    X = rng.standard_normal((N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    absent = np.zeros((N_SAMPLES, N_TIMESTEPS), dtype=bool)
    absent[0, :2] = True  # leading
    absent[1, -3:] = True  # trailing
    absent[2, [2, 4]] = True  # interior
    absent[3, [0, 3, 6]] = True  # all three
    X[absent] = np.nan
    return X, absent


def _targets(out_activation, n_outputs, rng, per_step=False):
    """Encoded targets, (N_SAMPLES, n_outputs) or, per step, (N_SAMPLES,
    N_TIMESTEPS, n_outputs)."""
    shape = (N_SAMPLES, N_TIMESTEPS) if per_step else (N_SAMPLES,)
    if out_activation == "softmax":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, shape)]
    if out_activation == "logistic":
        return rng.integers(0, 2, (*shape, n_outputs)).astype(float)
    return rng.standard_normal((*shape, n_outputs))


OUTPUTS = pytest.mark.parametrize(
    "out_activation, n_outputs",
    [
        ("softmax", 3),
        ("logistic", 1),
        ("logistic", 4),
        ("identity", 1),
        ("identity", 2),
    ],
    ids=["multiclass", "binary", "multilabel", "regression", "multi-output"],
)
LAYERS = pytest.mark.parametrize(
    "hidden_layer_sizes", [(5,), (4, 3)], ids=["1layer", "2layers"]
)


def _central_differences(f, theta, eps=1e-6):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@OUTPUTS
@LAYERS
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_matches_central_differences(
    activation, out_activation, n_outputs, hidden_layer_sizes, weighted
):
    _check_gradient(activation, out_activation, n_outputs, hidden_layer_sizes, weighted)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@OUTPUTS
@LAYERS
def test_bidirectional_gradient_matches_central_differences(
    activation, out_activation, n_outputs, hidden_layer_sizes
):
    _check_gradient(
        activation,
        out_activation,
        n_outputs,
        hidden_layer_sizes,
        weighted=True,
        bidirectional=True,
    )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@OUTPUTS
@LAYERS
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
def test_per_step_gradient_matches_central_differences(
    activation, out_activation, n_outputs, hidden_layer_sizes, bidirectional
):
    """A target at every step (sequence labelling), padded steps ignored."""
    _check_gradient(
        activation,
        out_activation,
        n_outputs,
        hidden_layer_sizes,
        weighted=True,
        bidirectional=bidirectional,
        per_step=True,
    )


# Pooled readouts: each pool alone, all three, and an order other than POOLS'.
READOUTS = pytest.mark.parametrize(
    "readout",
    [("mean",), ("max",), ("last", "mean", "max"), ("max", "last")],
    ids=["mean", "max", "all", "max+last"],
)


@OUTPUTS
@LAYERS
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@READOUTS
def test_pooled_readout_gradient_matches_central_differences(
    out_activation, n_outputs, hidden_layer_sizes, bidirectional, readout
):
    """The readout pools the last layer's states over the observed steps
    (leading, trailing and interior padding never pooled); weighted samples.
    The pools do not depend on the activation, whose derivatives the tests
    above cover."""
    _check_gradient(
        "tanh",
        out_activation,
        n_outputs,
        hidden_layer_sizes,
        weighted=True,
        bidirectional=bidirectional,
        readout=readout,
    )


@LAYERS
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@pytest.mark.parametrize(
    "per_step, readout",
    [(False, ("last",)), (False, ("mean", "max")), (True, ("last",))],
    ids=["final", "pooled", "per_step"],
)
def test_gradient_is_exact_in_chunks(
    hidden_layer_sizes, bidirectional, per_step, readout
):
    """Chunks of 1 sample (6 chunks): the sum over chunks is the same objective."""
    _check_gradient(
        "tanh",
        "softmax",
        3,
        hidden_layer_sizes,
        True,
        bidirectional=bidirectional,
        per_step=per_step,
        readout=readout,
        chunk_bytes=1,
    )


@LAYERS
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@pytest.mark.parametrize(
    "per_step, readout",
    [(False, ("last",)), (False, ("mean", "max")), (True, ("last",))],
    ids=["final", "pooled", "per_step"],
)
@pytest.mark.parametrize("activation", ["tanh", "identity"])
@pytest.mark.parametrize("block_bytes", [1, 520], ids=["1step", "2steps"])
def test_gradient_is_exact_in_blocks_of_steps(
    monkeypatch,
    hidden_layer_sizes,
    bidirectional,
    per_step,
    readout,
    activation,
    block_bytes,
):
    """The time loops take the input projection and the weight gradients in
    blocks of steps: blocks of 1 step, and of 2 steps that do not divide the 7,
    give the objective of one block and its exact gradient (the other tests
    have one block: 6 samples x 7 steps of at most 5 units is under
    _BLOCK_BYTES; 520 bytes are 13 rows of 5 units, 16 of 4: 2 steps)."""
    check = functools.partial(
        _check_gradient,
        activation,
        "softmax",
        3,
        hidden_layer_sizes,
        True,
        bidirectional=bidirectional,
        per_step=per_step,
        readout=readout,
    )
    J_one_block = check()
    monkeypatch.setattr(_recurrence, "_BLOCK_BYTES", block_bytes)
    assert check() == pytest.approx(J_one_block, rel=1e-13)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@pytest.mark.parametrize("per_step", [False, True], ids=["final", "per_step"])
def test_kept_chunk_arrays_carry_nothing_from_one_evaluation_to_the_next(
    bidirectional, per_step
):
    """The objective keeps each thread's chunk arrays between evaluations,
    chunks of unequal sizes sharing them: evaluating elsewhere first changes
    nothing, bit for bit."""
    rng = np.random.default_rng(5)
    X, absent = _padded_batch(rng)
    Y = _targets("softmax", 3, rng, per_step)
    w = rng.uniform(0.5, 2.0, N_SAMPLES)
    # 4 samples' worth of memory: chunks of 4 and 2 samples
    n_states = (2 if bidirectional else 1) * (5 + 4)
    four_samples = 4 * N_TIMESTEPS * 8 * (N_FEATURES + 3 * n_states)
    used, fresh = (
        _build(X, absent, Y, w, bidirectional=bidirectional, chunk_bytes=four_samples)
        for _ in range(2)
    )
    assert [len(chunk.weights) for chunk in used.chunks] == (
        [4 * N_TIMESTEPS, 2 * N_TIMESTEPS] if per_step else [4, 2]
    )
    theta = init_params(used.layout, "tanh", np.random.RandomState(0))
    objective(10.0 * rng.standard_normal(theta.size), used)
    J, grad = objective(theta, used)
    J_fresh, grad_fresh = objective(theta, fresh)
    assert J == J_fresh
    np.testing.assert_array_equal(grad, grad_fresh)


def _check_gradient(
    activation,
    out_activation,
    n_outputs,
    hidden_layer_sizes,
    weighted,
    *,
    bidirectional=False,
    per_step=False,
    readout=("last",),
    chunk_bytes=None,
):
    n_chunks = N_SAMPLES if chunk_bytes == 1 else 1
    rng = np.random.default_rng(0)
    X, absent = _padded_batch(rng)
    Y = _targets(out_activation, n_outputs, rng, per_step)
    if per_step:
        Y[absent] = np.nan  # targets at absent steps are never read
    sample_weight = rng.uniform(0.2, 3.0, N_SAMPLES) if weighted else np.ones(N_SAMPLES)
    data = TrainingData.build(
        X,
        absent,
        Y,
        sample_weight,
        alpha=0.7,
        hidden_layer_sizes=hidden_layer_sizes,
        activation=activation,
        out_activation=out_activation,
        bidirectional=bidirectional,
        readout=readout,
        chunk_bytes=chunk_bytes,
    )
    assert len(data.chunks) == n_chunks
    layout = data.layout
    assert layout == Layout(
        N_FEATURES,
        hidden_layer_sizes,
        n_outputs,
        bidirectional,
        1 if per_step else len(readout),
    )
    # Perturb away from the initialisation so that biases and relu units are generic.
    theta = init_params(layout, activation, np.random.RandomState(0))
    theta += 0.3 * rng.standard_normal(theta.size)

    J, grad = objective(theta, data)
    numerical = _central_differences(lambda t: objective(t, data)[0], theta)

    assert np.isfinite(J)
    rel_error = np.linalg.norm(grad - numerical) / np.linalg.norm(numerical)
    assert rel_error <= 1e-6
    return J


def test_objective_value_is_the_documented_formula():
    """J written out by hand for a one-step, one-layer network."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 1, 2))
    y = np.array([0, 1, 2, 1])
    Y = np.eye(3)[y]
    w = np.array([1.0, 2.0, 0.5, 1.5])
    layout = Layout(2, (3,), 3)
    theta = rng.standard_normal(layout.size)
    alpha = 0.3
    data = TrainingData.build(
        X,
        np.zeros((4, 1), dtype=bool),
        Y,
        w,
        alpha=alpha,
        hidden_layer_sizes=(3,),
        activation="tanh",
        out_activation="softmax",
    )
    W_hx = theta[:6].reshape(2, 3)
    W_hh = theta[6:15].reshape(3, 3)
    b_h = theta[15:18]
    W_oh = theta[18:27].reshape(3, 3)
    b_o = theta[27:30]
    h = np.tanh(X[:, 0] @ W_hx + b_h)  # h_{-1} = 0
    Z = h @ W_oh + b_o
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(4), y]
    penalty = (W_hx**2).sum() + (W_hh**2).sum() + (W_oh**2).sum()
    expected = (w @ loss) / w.sum() + alpha / (2 * w.sum()) * penalty

    J, _ = objective(theta, data)
    assert J == pytest.approx(expected, rel=1e-12)


def test_training_log_sum_exp_agrees_with_scipy():
    """The loss's own log-sum-exp, beside SciPy's, on large, infinite and
    float32 rows."""
    rng = np.random.default_rng(2)
    for Z in [
        300.0 * rng.standard_normal((50, 7)),
        np.array([[np.inf, 1.0], [-np.inf, -np.inf], [1e308, 1e308], [-1e308, 0.0]]),
        50.0 * rng.standard_normal((5, 3)).astype(np.float32),
    ]:
        with np.errstate(invalid="ignore"):
            expected = logsumexp(Z, axis=1, keepdims=True)
            actual = _logsumexp_rows(Z)
        assert actual.dtype == expected.dtype
        np.testing.assert_allclose(actual, expected, rtol=4 * np.finfo(Z.dtype).eps)


def _build(X, absent, Y, w, **kwargs):
    return TrainingData.build(
        X,
        absent,
        Y,
        w,
        alpha=0.2,
        hidden_layer_sizes=(5, 4),
        activation="tanh",
        out_activation="softmax",
        **kwargs,
    )


def test_chunking_does_not_change_the_objective():
    rng = np.random.default_rng(3)
    X, absent = _padded_batch(rng)
    Y = _targets("softmax", 3, rng)
    w = rng.uniform(0.5, 2.0, N_SAMPLES)
    whole = _build(X, absent, Y, w)
    per_sample = _build(X, absent, Y, w, chunk_bytes=1)
    assert (len(whole.chunks), len(per_sample.chunks)) == (1, N_SAMPLES)
    theta = init_params(whole.layout, "tanh", np.random.RandomState(0))
    J1, g1 = objective(theta, whole)
    J2, g2 = objective(theta, per_sample)
    assert J1 == pytest.approx(J2, rel=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


def test_unaligned_weights_give_the_same_objective():
    # weights received in a message (a Dask fit's) can start at any byte
    rng = np.random.default_rng(4)
    X, absent = _padded_batch(rng)
    data = _build(X, absent, _targets("softmax", 3, rng), np.ones(N_SAMPLES))
    theta = init_params(data.layout, "tanh", np.random.RandomState(0))
    buffer = np.zeros(theta.nbytes + 1, dtype=np.uint8)
    unaligned = np.frombuffer(buffer[1:].data, dtype=np.float64)
    unaligned[...] = theta
    assert not unaligned.flags.aligned
    J, grad = objective(theta, data)
    J_unaligned, grad_unaligned = objective(unaligned, data)
    assert J_unaligned == J
    np.testing.assert_array_equal(grad_unaligned, grad)
    assert grad_unaligned.flags.aligned


@pytest.mark.parametrize(
    "readout", [("last",), ("last", "mean", "max")], ids=["last", "pooled"]
)
def test_float32_data_is_computed_in_float32_and_agrees_with_float64(readout):
    rng = np.random.default_rng(4)
    X, absent = _padded_batch(rng)
    Y = _targets("softmax", 3, rng)
    w = rng.uniform(0.5, 2.0, N_SAMPLES)
    data64 = _build(X, absent, Y, w, readout=readout)
    data32 = _build(X.astype(np.float32), absent, Y, w, readout=readout)
    assert data32.dtype == np.float32 and data64.dtype == np.float64
    theta = init_params(data64.layout, "tanh", np.random.RandomState(0))
    J64, g64 = objective(theta, data64)
    J32, g32 = objective(theta, data32)
    assert isinstance(J32, float) and g32.dtype == np.float64  # what L-BFGS sees
    assert J32 == pytest.approx(J64, rel=1e-6)
    assert np.linalg.norm(g32 - g64) <= 1e-5 * np.linalg.norm(g64)
