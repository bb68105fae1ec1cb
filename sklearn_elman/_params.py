"""The weights of an Elman network: their shapes, initialisation, pack and unpack.

Everything here derives from one shape description, :class:`Layout`. SciPy's
L-BFGS optimises one flat vector ``theta``; :func:`unpack` returns views into it
(so writing into the views of a gradient vector fills the gradient in place) and
:func:`pack` is its inverse.

Flat order: for each layer ``l``, ``W_hx^l``, ``W_hh^l``, ``b_h^l`` (then, for
bidirectional networks, the backward direction's three); then ``W_oh``, ``b_o``.
Every array is C-ordered.
"""

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np


class Params(NamedTuple):
    """Views of the weights, named as in the equations.

    A layer's input has ``n_inputs_l`` features: ``n_features`` for the first,
    ``n_directions * n_hidden_{l-1}`` for the others, forward states first.
    """

    input_weights: list  # W_hx^l, (n_inputs_l, n_hidden_l)
    recurrent_weights: list  # W_hh^l, (n_hidden_l, n_hidden_l)
    hidden_biases: list  # b_h^l, (n_hidden_l,)
    # W_oh, (n_directions * n_statistics * n_hidden_L, n_outputs)
    output_weights: np.ndarray
    output_bias: np.ndarray  # b_o, (n_outputs,)
    # the backward direction's weights, of the same shapes; None if unidirectional
    backward_input_weights: list | None = None
    backward_recurrent_weights: list | None = None
    backward_hidden_biases: list | None = None

    def astype(self, dtype):
        """The same weights as arrays of ``dtype`` (no copy where they already are)."""

        def cast(W):
            if isinstance(W, list):
                return [W_l.astype(dtype, copy=False) for W_l in W]
            return None if W is None else W.astype(dtype, copy=False)

        return Params(*map(cast, self))

    def layers(self):
        """``[[(W_hx, W_hh, b_h), ...], ...]``: for each recurrent layer, the
        weights of each direction, forward first."""
        forward = zip(*self[:3], strict=True)
        if self.backward_input_weights is None:
            return [[f] for f in forward]
        backward = zip(*self[5:], strict=True)
        return [[f, b] for f, b in zip(forward, backward, strict=True)]


@dataclass(frozen=True)
class Layout:
    """Shapes of every weight of a network, in flat-vector order.

    ``n_statistics`` is how many pooled statistics of each direction's
    last-layer states the readout reads (``len(readout)``): ``W_oh`` has a
    block of ``n_hidden_L`` rows for each, direction by direction.
    """

    n_features: int
    hidden_layer_sizes: tuple
    n_outputs: int
    bidirectional: bool = False
    n_statistics: int = 1

    @property
    def n_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def layer_inputs(self):
        """Number of inputs of each recurrent layer."""
        below = [self.n_directions * n for n in self.hidden_layer_sizes[:-1]]
        return (self.n_features, *below)

    @cached_property  # read at every evaluation of the objective, by unpack
    def shapes(self):
        shapes = []
        for n_in, n_hidden in zip(
            self.layer_inputs, self.hidden_layer_sizes, strict=True
        ):
            shapes += [(n_in, n_hidden), (n_hidden, n_hidden), (n_hidden,)]
            if self.bidirectional:
                shapes += [(n_in, n_hidden), (n_hidden, n_hidden), (n_hidden,)]
        return [
            *shapes,
            (
                self.n_directions * self.n_statistics * self.hidden_layer_sizes[-1],
                self.n_outputs,
            ),
            (self.n_outputs,),
        ]

    @cached_property
    def size(self):
        return sum(math.prod(shape) for shape in self.shapes)

    def penalty_mask(self):
        """1.0 on the entries of weight matrices, 0.0 on biases (not penalised)."""
        return np.concatenate(
            [np.full(math.prod(shape), float(len(shape) == 2)) for shape in self.shapes]
        )


def unpack(theta, layout):
    """Return :class:`Params` whose arrays are views into ``theta``."""
    arrays = []
    start = 0
    for shape in layout.shapes:
        stop = start + math.prod(shape)
        arrays.append(theta[start:stop].reshape(shape))
        start = stop
    # per layer, 3 arrays per direction
    stride = 3 * layout.n_directions
    backward = [arrays[k:-2:stride] for k in (3, 4, 5)]
    return Params(
        arrays[0:-2:stride],
        arrays[1:-2:stride],
        arrays[2:-2:stride],
        arrays[-2],
        arrays[-1],
        *(backward if layout.bidirectional else [None] * 3),
    )


def pack(params):
    """Concatenate :class:`Params` into one flat float64 vector (unpack's inverse)."""
    arrays = [a for layer in params.layers() for d in layer for a in d]
    arrays += [params.output_weights, params.output_bias]
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64, copy=False)


def init_params(layout, activation, rng):
    """Draw initial weights.

    Input and output weights are Glorot-uniform, as in scikit-learn's MLP (with
    its smaller bound for the logistic activation); recurrent weights are a
    random orthogonal matrix, which keeps the norm of the state and of its
    gradient steady over long sequences; biases start at zero.
    """
    theta = np.zeros(layout.size)
    params = unpack(theta, layout)
    factor = 2.0 if activation == "logistic" else 6.0
    directions = [d for layer in params.layers() for d in layer]  # flat order
    for W in [*(W_hx for W_hx, _, _ in directions), params.output_weights]:
        bound = np.sqrt(factor / sum(W.shape))
        W[...] = rng.uniform(-bound, bound, size=W.shape)
    for _, W_hh, _ in directions:
        Q, R = np.linalg.qr(rng.standard_normal(W_hh.shape))
        W_hh[...] = Q * np.sign(np.diag(R))  # sign fix: Haar-distributed
    return theta
