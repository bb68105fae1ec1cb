"""The kernel and the objective against PyTorch autograd, on the same weights.

Our layer is ``h_t = phi(x_t @ W_hx + h_{t-1} @ W_hh + b_h)``; torch's ``nn.RNN``
and ``nn.RNNCell`` compute ``phi(x_t @ weight_ih.T + bias_ih + h_{t-1} @
weight_hh.T + bias_hh)``. So ``weight_ih = W_hx.T``, ``weight_hh = W_hh.T``,
``bias_ih = b_h`` and ``bias_hh = 0``; ``nn.Linear``'s ``weight = W_oh.T``,
``bias = b_o``. Torch computes J as docs/user_guide/objective.rst defines it,
from its own primitives, and differentiates it by autograd; the states,
outputs, J and every entry of the gradient agree with ours to 1e-10 relative.

Padding: trailing padding goes through ``pack_padded_sequence`` (torch's own
handling of sequences of different lengths); leading and interior padding, which
torch's RNN modules have no notion of, through an explicit loop over
``nn.RNNCell`` that keeps the previous state where a step is absent.

Bidirectional layers go through ``nn.RNN(bidirectional=True)``, one module per
layer (our layers may differ in width, torch's stacked layers may not): the
``_reverse`` parameters hold the backward direction's weights, and torch's output
is ``[forward; backward]`` per step, as the layer above and our readout read it.
With ``pack_padded_sequence``, torch's reverse direction starts at each
sequence's last real step, which is our carry-over of trailing padding.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_elman import ElmanClassifier, ElmanRegressor
from sklearn_elman._objective import TrainingData, objective
from sklearn_elman._params import Params, init_params, unpack
from sklearn_elman._recurrence import TimeMajor, forward

torch = pytest.importorskip("torch")

RTOL = 1e-10
N_SAMPLES, N_TIMESTEPS, N_FEATURES = 11, 7, 3
ALPHA = 0.3


def assert_close(actual, desired):
    """Equal to RTOL relative to each entry, or to the largest entry for entries
    near zero (where relative rounding error is not meaningful)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    scale = np.max(np.abs(desired))
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=RTOL * scale)


def make_absent(padding, rng):
    """(n_samples, n_timesteps) bool mask of padded steps for a padding kind."""
    absent = np.zeros((N_SAMPLES, N_TIMESTEPS), dtype=bool)
    if padding == "trailing":
        lengths = rng.integers(1, N_TIMESTEPS + 1, size=N_SAMPLES)
        lengths[0] = N_TIMESTEPS
        lengths[1] = 1
        absent = np.arange(N_TIMESTEPS) >= lengths[:, np.newaxis]
    elif padding == "leading_interior":
        absent = rng.random((N_SAMPLES, N_TIMESTEPS)) < 0.3
        absent[0, :3] = True  # leading
        absent[1, 2:4] = True  # interior
        absent[1, [0, 1, 4]] = False
        absent[2, :] = True  # a single observed step, in the middle
        absent[2, 3] = False
        absent[absent.all(axis=1), 0] = False
    return absent


def make_targets(out_activation, kind, rng):
    """Encoded targets Y as the estimators build them."""
    if kind == "multiclass":
        return np.eye(3)[rng.integers(0, 3, size=N_SAMPLES)]
    if kind == "binary":
        return rng.integers(0, 2, size=(N_SAMPLES, 1)).astype(np.float64)
    if kind == "multilabel":
        return rng.integers(0, 2, size=(N_SAMPLES, 3)).astype(np.float64)
    return rng.normal(size=(N_SAMPLES, 2))  # regression


TARGETS = {
    "multiclass": "softmax",
    "binary": "logistic",
    "multilabel": "logistic",
    "regression": "identity",
}


def fitted_params(estimator):
    return Params(
        estimator.input_weights_,
        estimator.recurrent_weights_,
        estimator.hidden_biases_,
        estimator.output_weights_,
        estimator.output_bias_,
        estimator.backward_input_weights_,
        estimator.backward_recurrent_weights_,
        estimator.backward_hidden_biases_,
    )


def torch_modules(params, activation, cell):
    """One torch module per layer holding our weights, and the readout."""
    modules = []
    for W_hx, W_hh, b_h in zip(
        params.input_weights,
        params.recurrent_weights,
        params.hidden_biases,
        strict=True,
    ):
        n_inputs, n_hidden = W_hx.shape
        if cell:
            module = torch.nn.RNNCell(
                n_inputs, n_hidden, nonlinearity=activation, dtype=torch.float64
            )
            suffix = ""
        else:
            module = torch.nn.RNN(
                n_inputs,
                n_hidden,
                nonlinearity=activation,
                batch_first=True,
                dtype=torch.float64,
            )
            suffix = "_l0"
        with torch.no_grad():
            getattr(module, "weight_ih" + suffix).copy_(torch.from_numpy(W_hx.T))
            getattr(module, "weight_hh" + suffix).copy_(torch.from_numpy(W_hh.T))
            getattr(module, "bias_ih" + suffix).copy_(torch.from_numpy(b_h))
            getattr(module, "bias_hh" + suffix).zero_()
        modules.append((module, suffix))
    n_hidden, n_outputs = params.output_weights.shape
    readout = torch.nn.Linear(n_hidden, n_outputs, dtype=torch.float64)
    with torch.no_grad():
        readout.weight.copy_(torch.from_numpy(params.output_weights.T))
        readout.bias.copy_(torch.from_numpy(params.output_bias))
    return modules, readout


def torch_states(modules, X, absent, padding):
    """Every layer's state at every step, (n_samples, n_timesteps, n_hidden_l),
    and the last layer's state after each sample's last observed step."""
    x = torch.from_numpy(np.where(absent[:, :, np.newaxis], 0.0, X))
    states = []
    if padding == "none":
        for module, _ in modules:
            x, _ = module(x)
            states.append(x)
        return states, x[:, -1]
    if padding == "trailing":
        lengths = torch.from_numpy((~absent).sum(axis=1))
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        for module, _ in modules:
            packed, h_n = module(packed)
            padded, _ = torch.nn.utils.rnn.pad_packed_sequence(
                packed, batch_first=True, total_length=N_TIMESTEPS
            )
            states.append(padded)  # zeros after each sequence's end
        return states, h_n[0]
    # leading and interior padding: the state carries over an absent step
    mask = torch.from_numpy(absent)[:, :, None]
    h = [torch.zeros(len(X), m.hidden_size, dtype=torch.float64) for m, _ in modules]
    per_step = [[] for _ in modules]
    for t in range(N_TIMESTEPS):
        x_t = x[:, t]
        for l, (cell, _) in enumerate(modules):
            h[l] = torch.where(mask[:, t], h[l], cell(x_t, h[l]))
            per_step[l].append(h[l])
            x_t = h[l]
    return [torch.stack(s, dim=1) for s in per_step], h[-1]


def torch_loss(Z, Y, out_activation):
    """loss_i of docs/user_guide/objective.rst, from torch primitives."""
    Y = torch.from_numpy(Y)
    if out_activation == "softmax":
        return torch.nn.functional.cross_entropy(Z, Y.argmax(dim=1), reduction="none")
    if out_activation == "logistic":
        return torch.nn.functional.binary_cross_entropy_with_logits(
            Z, Y, reduction="none"
        ).sum(dim=1)
    return 0.5 * ((Z - Y) ** 2).mean(dim=1)


def objective_problem(
    rng,
    padding,
    kind,
    hidden_layer_sizes,
    activation,
    bidirectional=False,
    readout=("last",),
):
    """Padded, weighted sequences with targets of ``kind``, their TrainingData,
    and weights with non-zero biases (so that their mapping to torch is
    exercised too): (X, absent, Y, sample_weight, data, theta)."""
    out_activation = TARGETS[kind]
    X = rng.normal(size=(N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    absent = make_absent(padding, rng)
    X[absent] = np.nan
    Y = make_targets(out_activation, kind, rng)
    sample_weight = rng.uniform(0.2, 3.0, size=N_SAMPLES)
    data = TrainingData.build(
        X,
        absent,
        Y,
        sample_weight,
        alpha=ALPHA,
        hidden_layer_sizes=hidden_layer_sizes,
        activation=activation,
        out_activation=out_activation,
        bidirectional=bidirectional,
        readout=readout,
    )
    theta = init_params(data.layout, activation, rng) + rng.normal(
        scale=0.3, size=data.layout.size
    )
    return X, absent, Y, sample_weight, data, theta


def torch_objective(loss, sample_weight, readout, directions):
    """J in torch, as documented: the weighted mean loss plus alpha / (2 S)
    times the squares of the readout's and every direction's weight matrices;
    ``directions`` is a list of (module, parameter name suffix)."""
    S = sample_weight.sum()
    weight_matrices = [readout.weight]
    for module, suffix in directions:
        weight_matrices += [
            getattr(module, "weight_ih" + suffix),
            getattr(module, "weight_hh" + suffix),
        ]
    penalty = sum((W**2).sum() for W in weight_matrices)
    return (torch.from_numpy(sample_weight) * loss).sum() / S + ALPHA / (
        2 * S
    ) * penalty


def torch_gradient(modules, readout, layout):
    """Torch's gradients in our flat layout."""
    grad = np.zeros(layout.size)
    views = unpack(grad, layout)
    for l, (module, suffix) in enumerate(modules):
        views.input_weights[l][...] = getattr(module, "weight_ih" + suffix).grad.T
        views.recurrent_weights[l][...] = getattr(module, "weight_hh" + suffix).grad.T
        db_h = getattr(module, "bias_ih" + suffix).grad
        # the two torch biases enter identically, so receive the same gradient
        assert_close(getattr(module, "bias_hh" + suffix).grad, db_h)
        views.hidden_biases[l][...] = db_h
    views.output_weights[...] = readout.weight.grad.T
    views.output_bias[...] = readout.bias.grad
    return grad


@pytest.mark.parametrize("hidden_layer_sizes", [(5,), (6, 4)])
@pytest.mark.parametrize("padding", ["none", "trailing", "leading_interior"])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_objective_matches_torch_autograd(
    hidden_layer_sizes, padding, target, activation
):
    out_activation = TARGETS[target]
    X, absent, Y, sample_weight, data, theta = objective_problem(
        np.random.default_rng(0), padding, target, hidden_layer_sizes, activation
    )
    layout = data.layout
    params = unpack(theta, layout)
    layers = params.layers()

    J, grad = objective(theta, data)
    # data holds the samples in canonical order; torch sees them as given
    H = forward(TimeMajor.from_batch_major(X, absent), layers, activation)

    modules, readout = torch_modules(
        params, activation, cell=padding == "leading_interior"
    )
    states, h_T = torch_states(modules, X, absent, padding)
    Z = readout(h_T)
    loss = torch_loss(Z, Y, out_activation)
    J_torch = torch_objective(loss, sample_weight, readout, modules)
    J_torch.backward()

    observed = ~absent if padding == "trailing" else np.ones_like(absent)
    for H_l, states_l in zip(H, states, strict=True):
        # ours is time-major and carries the state past the end; torch pads with 0
        (H_l,) = H_l  # one direction
        assert_close(
            H_l.transpose(1, 0, 2)[observed], states_l.detach().numpy()[observed]
        )
    assert_close(H[-1][0][-1] @ params.output_weights + params.output_bias, Z.detach())
    assert_close(J, J_torch.item())
    assert_close(grad, torch_gradient(modules, readout, layout))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_matches_torch(n_classes):
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(N_SAMPLES * 4, N_TIMESTEPS, N_FEATURES))
    y = rng.integers(0, n_classes, size=len(X))
    X[:10, 5:] = np.nan  # trailing padding in the training set
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ElmanClassifier(
            hidden_layer_sizes=(6, 4), max_iter=15, random_state=0
        ).fit(X, y)

    X_new = rng.normal(size=(N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    absent = make_absent("leading_interior", rng)
    X_new[absent] = np.nan
    modules, readout = torch_modules(fitted_params(clf), "tanh", cell=True)
    with torch.no_grad():
        _, h_T = torch_states(modules, X_new, absent, "leading_interior")
        Z = readout(h_T)
        if n_classes == 2:
            p = torch.sigmoid(Z)
            proba = torch.cat([1 - p, p], dim=1)
        else:
            proba = torch.softmax(Z, dim=1)
    assert_close(clf.predict_proba(X_new), proba.numpy())


def test_regressor_predict_matches_torch():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N_SAMPLES * 4, N_TIMESTEPS, N_FEATURES))
    y = X[:, :, 0].sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = ElmanRegressor(hidden_layer_sizes=5, max_iter=15, random_state=0)
        reg.fit(X, y)
    X_new = rng.normal(size=(N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    absent = make_absent("trailing", rng)
    X_new[absent] = np.nan
    modules, readout = torch_modules(fitted_params(reg), "tanh", cell=False)
    with torch.no_grad():
        _, h_T = torch_states(modules, X_new, absent, "trailing")
        prediction = readout(h_T)[:, 0]
    assert_close(reg.predict(X_new), prediction.numpy())


# torch's parameter suffix of each of our directions, forward first
DIRECTIONS = ("_l0", "_l0_reverse")


def torch_bidirectional_modules(params, activation):
    """One ``nn.RNN(bidirectional=True)`` per layer holding our weights (both
    directions), and the readout over ``[forward; backward]``."""
    modules = []
    for layer in params.layers():
        n_inputs, n_hidden = layer[0][0].shape
        module = torch.nn.RNN(
            n_inputs,
            n_hidden,
            nonlinearity=activation,
            batch_first=True,
            bidirectional=True,
            dtype=torch.float64,
        )
        with torch.no_grad():
            for suffix, (W_hx, W_hh, b_h) in zip(DIRECTIONS, layer, strict=True):
                getattr(module, "weight_ih" + suffix).copy_(torch.from_numpy(W_hx.T))
                getattr(module, "weight_hh" + suffix).copy_(torch.from_numpy(W_hh.T))
                getattr(module, "bias_ih" + suffix).copy_(torch.from_numpy(b_h))
                getattr(module, "bias_hh" + suffix).zero_()
        modules.append(module)
    n_features_out, n_outputs = params.output_weights.shape
    readout = torch.nn.Linear(n_features_out, n_outputs, dtype=torch.float64)
    with torch.no_grad():
        readout.weight.copy_(torch.from_numpy(params.output_weights.T))
        readout.bias.copy_(torch.from_numpy(params.output_bias))
    return modules, readout


def torch_bidirectional_states(modules, X, absent):
    """Every layer's ``[forward; backward]`` states at every step, (n_samples,
    n_timesteps, 2 * n_hidden_l), zero after each sequence's end, and the
    readout's input ``[h_fwd after the last observed step; h_bwd after step 0]``.
    Only trailing padding: through ``pack_padded_sequence``."""
    lengths = (~absent).sum(axis=1)
    assert np.array_equal(absent, np.arange(X.shape[1]) >= lengths[:, np.newaxis])
    x = torch.from_numpy(np.where(absent[:, :, np.newaxis], 0.0, X))
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x, torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
    )
    states = []
    for module in modules:
        packed, h_n = module(packed)  # h_n: (2, n_samples, n_hidden), original order
        padded, _ = torch.nn.utils.rnn.pad_packed_sequence(
            packed, batch_first=True, total_length=X.shape[1]
        )
        states.append(padded)
    return states, torch.cat([h_n[0], h_n[1]], dim=1)


def torch_bidirectional_gradient(modules, readout, layout):
    """Torch's gradients in our flat layout, both directions."""
    grad = np.zeros(layout.size)
    views = unpack(grad, layout)
    for module, layer in zip(modules, views.layers(), strict=True):
        for suffix, (dW_hx, dW_hh, db_h) in zip(DIRECTIONS, layer, strict=True):
            dW_hx[...] = getattr(module, "weight_ih" + suffix).grad.T
            dW_hh[...] = getattr(module, "weight_hh" + suffix).grad.T
            db = getattr(module, "bias_ih" + suffix).grad
            # the two torch biases enter identically, so receive the same gradient
            assert_close(getattr(module, "bias_hh" + suffix).grad, db)
            db_h[...] = db
    views.output_weights[...] = readout.weight.grad.T
    views.output_bias[...] = readout.bias.grad
    return grad


@pytest.mark.parametrize("hidden_layer_sizes", [(5,), (6, 4)])
@pytest.mark.parametrize("padding", ["none", "trailing"])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_bidirectional_objective_matches_torch_autograd(
    hidden_layer_sizes, padding, target, activation
):
    out_activation = TARGETS[target]
    X, absent, Y, sample_weight, data, theta = objective_problem(
        np.random.default_rng(1),
        padding,
        target,
        hidden_layer_sizes,
        activation,
        bidirectional=True,
    )
    layout = data.layout
    assert layout.bidirectional
    params = unpack(theta, layout)

    J, grad = objective(theta, data)
    H = forward(TimeMajor.from_batch_major(X, absent), params.layers(), activation)
    features = np.hstack([H[-1][0][-1], H[-1][1][0]])  # what our readout reads

    modules, readout = torch_bidirectional_modules(params, activation)
    states, h_T = torch_bidirectional_states(modules, X, absent)
    Z = readout(h_T)
    loss = torch_loss(Z, Y, out_activation)
    # every weight matrix, the backward direction's included
    directions = [(module, suffix) for module in modules for suffix in DIRECTIONS]
    J_torch = torch_objective(loss, sample_weight, readout, directions)
    J_torch.backward()

    observed = ~absent
    for H_l, states_l in zip(H, states, strict=True):
        ours = np.concatenate(H_l, axis=2).transpose(1, 0, 2)  # [fwd; bwd] per step
        assert_close(ours[observed], states_l.detach().numpy()[observed])
    # torch's [h_fwd at the last observed step; h_bwd at step 0], also read from
    # its per-step output
    lengths = observed.sum(axis=1)
    top = states[-1].detach().numpy()
    n_hidden = hidden_layer_sizes[-1]
    by_step = np.hstack(
        [top[np.arange(N_SAMPLES), lengths - 1, :n_hidden], top[:, 0, n_hidden:]]
    )
    assert_close(h_T.detach().numpy(), by_step)
    assert_close(features, h_T.detach().numpy())
    assert_close(features @ params.output_weights + params.output_bias, Z.detach())
    assert_close(J, J_torch.item())
    assert_close(grad, torch_bidirectional_gradient(modules, readout, layout))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_bidirectional_predict_proba_matches_torch(n_classes):
    rng = np.random.default_rng(10 + n_classes)
    X = rng.normal(size=(N_SAMPLES * 4, N_TIMESTEPS, N_FEATURES))
    y = rng.integers(0, n_classes, size=len(X))
    X[:10, 5:] = np.nan  # trailing padding in the training set
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ElmanClassifier(
            hidden_layer_sizes=(6, 4), bidirectional=True, max_iter=15, random_state=0
        ).fit(X, y)

    X_new = rng.normal(size=(N_SAMPLES, N_TIMESTEPS, N_FEATURES))
    absent = make_absent("trailing", rng)
    X_new[absent] = np.nan
    modules, readout = torch_bidirectional_modules(fitted_params(clf), "tanh")
    with torch.no_grad():
        _, h_T = torch_bidirectional_states(modules, X_new, absent)
        Z = readout(h_T)
        if n_classes == 2:
            p = torch.sigmoid(Z)
            proba = torch.cat([1 - p, p], dim=1)
        else:
            proba = torch.softmax(Z, dim=1)
    assert_close(clf.transform(X_new), h_T.numpy())
    assert_close(clf.predict_proba(X_new), proba.numpy())


def torch_pooled(states, h_last, absent, readout, n_directions):
    """The pooled readout's input in torch: for each direction (forward
    first), each pool of ``readout`` over the observed steps of the top
    layer's ``states`` (n_samples, n_timesteps, n_directions * n_hidden), side
    by side; "last" is that direction's block of ``h_last``."""
    mask = torch.from_numpy(absent)[:, :, None]
    n_observed = torch.from_numpy((~absent).sum(axis=1))[:, None]
    n_hidden = states.shape[2] // n_directions
    parts = []
    for d in range(n_directions):
        H_d = states[:, :, d * n_hidden : (d + 1) * n_hidden]
        for pool in readout:
            if pool == "last":
                parts.append(h_last[:, d * n_hidden : (d + 1) * n_hidden])
            elif pool == "mean":
                parts.append(H_d.masked_fill(mask, 0.0).sum(dim=1) / n_observed)
            else:
                parts.append(H_d.masked_fill(mask, -torch.inf).max(dim=1).values)
    return torch.cat(parts, dim=1)


@pytest.mark.parametrize(
    "readout", [("mean",), ("max",), ("last", "mean", "max")], ids="+".join
)
@pytest.mark.parametrize("hidden_layer_sizes", [(5,), (6, 4)])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
@pytest.mark.parametrize("target", list(TARGETS))
def test_pooled_readout_objective_matches_torch_autograd(
    readout, hidden_layer_sizes, bidirectional, target
):
    """Pooled readouts, in torch: leading and interior padding (through
    ``nn.RNNCell``) for one direction, trailing padding (``nn.RNN``) for two."""
    padding = "trailing" if bidirectional else "leading_interior"
    X, absent, Y, sample_weight, data, theta = objective_problem(
        np.random.default_rng(2),
        padding,
        target,
        hidden_layer_sizes,
        "tanh",
        bidirectional=bidirectional,
        readout=readout,
    )
    params = unpack(theta, data.layout)
    J, grad = objective(theta, data)
    if bidirectional:
        modules, linear = torch_bidirectional_modules(params, "tanh")
        states, h_last = torch_bidirectional_states(modules, X, absent)
        directions = [(module, suffix) for module in modules for suffix in DIRECTIONS]
        to_flat = torch_bidirectional_gradient
    else:
        modules, linear = torch_modules(params, "tanh", cell=True)
        states, h_last = torch_states(modules, X, absent, padding)
        directions = modules
        to_flat = torch_gradient
    assert linear.in_features == h_last.shape[1] * len(readout)
    Z = linear(torch_pooled(states[-1], h_last, absent, readout, 1 + bidirectional))
    loss = torch_loss(Z, Y, TARGETS[target])
    J_torch = torch_objective(loss, sample_weight, linear, directions)
    J_torch.backward()
    assert_close(J, J_torch.item())
    assert_close(grad, to_flat(modules, linear, data.layout))


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "both"])
def test_pooled_readout_predictions_match_torch(bidirectional):
    """A fitted classifier's transform and probabilities, for all three pools
    over ragged sequences, are torch's on its weights."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N_SAMPLES * 4, N_TIMESTEPS, N_FEATURES))
    lengths = rng.integers(1, N_TIMESTEPS + 1, size=len(X))
    absent = np.arange(N_TIMESTEPS) >= lengths[:, np.newaxis]
    X[absent] = np.nan
    y = rng.integers(0, 3, size=len(X))
    readout = ["max", "last", "mean"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ElmanClassifier(
            (6, 4),
            readout=readout,
            bidirectional=bidirectional,
            max_iter=15,
            random_state=0,
        ).fit(X, y)
    params = fitted_params(clf)
    if bidirectional:
        modules, linear = torch_bidirectional_modules(params, "tanh")
        states, h_last = torch_bidirectional_states(modules, X, absent)
    else:
        modules, linear = torch_modules(params, "tanh", cell=False)
        states, h_last = torch_states(modules, X, absent, "trailing")
    with torch.no_grad():
        features = torch_pooled(states[-1], h_last, absent, readout, 1 + bidirectional)
        proba = torch.softmax(linear(features), dim=1)
    assert_close(clf.transform(X), features.numpy())
    assert_close(clf.predict_proba(X), proba.numpy())
