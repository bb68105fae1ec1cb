"""The weights of an Elman network: their shapes, initialisation, pack and unpack.

Everything here derives from one shape description, :class:`Layout`. SciPy's
L-BFGS optimises one flat vector ``theta``; :func:`unpack` returns views into it
(so writing into the views of a gradient vector fills the gradient in place) and
:func:`pack` is its inverse.

Flat order: for each layer ``l``, ``W_hx^l``, ``W_hh^l``, ``b_h^l``; then
``W_oh``, ``b_o``. Every array is C-ordered.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class Params(NamedTuple):
    """Views of the weights, named as in the equations."""

    input_weights: list  # W_hx^l, (n_inputs_l, n_hidden_l)
    recurrent_weights: list  # W_hh^l, (n_hidden_l, n_hidden_l)
    hidden_biases: list  # b_h^l, (n_hidden_l,)
    output_weights: np.ndarray  # W_oh, (n_hidden_L, n_outputs)
    output_bias: np.ndarray  # b_o, (n_outputs,)

    def astype(self, dtype):
        """The same weights as arrays of ``dtype`` (no copy where they already are)."""
        lists = [[W.astype(dtype, copy=False) for W in Ws] for Ws in self[:3]]
        arrays = [W.astype(dtype, copy=False) for W in self[3:]]
        return Params(*lists, *arrays)

    def layers(self):
        """``[(W_hx, W_hh, b_h), ...]``, one tuple per recurrent layer."""
        return list(
            zip(
                self.input_weights,
                self.recurrent_weights,
                self.hidden_biases,
                strict=True,
            )
        )


@dataclass(frozen=True)
class Layout:
    """Shapes of every weight of a network, in flat-vector order."""

    n_features: int
    hidden_layer_sizes: tuple
    n_outputs: int

    @property
    def layer_inputs(self):
        """Number of inputs of each recurrent layer."""
        return (self.n_features, *self.hidden_layer_sizes[:-1])

    @property
    def shapes(self):
        shapes = []
        for n_in, n_hidden in zip(
            self.layer_inputs, self.hidden_layer_sizes, strict=True
        ):
            shapes += [(n_in, n_hidden), (n_hidden, n_hidden), (n_hidden,)]
        return [
            *shapes,
            (self.hidden_layer_sizes[-1], self.n_outputs),
            (self.n_outputs,),
        ]

    @property
    def size(self):
        return sum(int(np.prod(shape)) for shape in self.shapes)

    def penalty_mask(self):
        """1.0 on the entries of weight matrices, 0.0 on biases (not penalised)."""
        return np.concatenate(
            [
                np.full(int(np.prod(shape)), float(len(shape) == 2))
                for shape in self.shapes
            ]
        )


def unpack(theta, layout):
    """Return :class:`Params` whose arrays are views into ``theta``."""
    arrays = []
    start = 0
    for shape in layout.shapes:
        stop = start + int(np.prod(shape))
        arrays.append(theta[start:stop].reshape(shape))
        start = stop
    n_layers = len(layout.hidden_layer_sizes)
    return Params(
        input_weights=arrays[0 : 3 * n_layers : 3],
        recurrent_weights=arrays[1 : 3 * n_layers : 3],
        hidden_biases=arrays[2 : 3 * n_layers : 3],
        output_weights=arrays[-2],
        output_bias=arrays[-1],
    )


def pack(params):
    """Concatenate :class:`Params` into one flat float64 vector (unpack's inverse)."""
    arrays = [a for layer in params.layers() for a in layer]
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
    glorot = [*params.input_weights, params.output_weights]
    for W in glorot:
        bound = np.sqrt(factor / sum(W.shape))
        W[...] = rng.uniform(-bound, bound, size=W.shape)
    for W_hh in params.recurrent_weights:
        Q, R = np.linalg.qr(rng.standard_normal(W_hh.shape))
        W_hh[...] = Q * np.sign(np.diag(R))  # sign fix: Haar-distributed
    return theta
