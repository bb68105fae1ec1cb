"""The training objective and its exact gradient: the function given to SciPy.

With sample weights ``w_i`` and ``S = sum_i w_i``::

    J = (1/S) sum_i w_i loss_i + alpha / (2 S) * (sum of squares of every weight matrix)

Biases are not penalised. ``loss_i`` is the cross-entropy of the output link
(summed over logistic units for binary and multilabel targets) or, for
regression, half the mean over outputs of the squared error.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from ._params import Layout, unpack
from ._recurrence import TimeMajor, backward, forward


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


@dataclass(frozen=True)
class TrainingData:
    """Everything the objective needs besides the weights.

    Attributes
    ----------
    X : TimeMajor
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

    X: TimeMajor
    Y: np.ndarray
    scaled_weights: np.ndarray
    penalty: np.ndarray
    layout: Layout
    activation: str
    out_activation: str


def objective(theta, data):
    """J and its gradient with respect to ``theta``.

    Parameters
    ----------
    theta : ndarray of shape (layout.size,)
    data : TrainingData

    Returns
    -------
    J : float
    grad : ndarray of shape (layout.size,)
    """
    params = unpack(theta, data.layout)
    grad = np.empty_like(theta)
    grads = unpack(grad, data.layout)
    layers = list(
        zip(
            params.input_weights,
            params.recurrent_weights,
            params.hidden_biases,
            strict=True,
        )
    )

    with np.errstate(over="ignore", invalid="ignore"):
        H = forward(data.X, layers, data.activation)
        h_T = H[-1][-1]  # (n_samples, n_hidden_L): state after each last observed step
        Z = h_T @ params.output_weights + params.output_bias
        loss, dZ = LOSSES[data.out_activation](Z, data.Y)
        J = float(
            data.scaled_weights @ loss + 0.5 * np.dot(data.penalty * theta, theta)
        )
        if not np.isfinite(J):
            # Tell L-BFGS this point is unusable; its line search backs off.
            return np.inf, np.zeros_like(theta)

        dZ *= data.scaled_weights[:, np.newaxis]
        np.matmul(h_T.T, dZ, out=grads.output_weights)
        np.sum(dZ, axis=0, out=grads.output_bias)
        dH = np.zeros_like(H[-1])  # the readout sees only the final state
        dH[-1] = dZ @ params.output_weights.T
        backward(
            data.X,
            H,
            dH,
            layers,
            data.activation,
            list(
                zip(
                    grads.input_weights,
                    grads.recurrent_weights,
                    grads.hidden_biases,
                    strict=True,
                )
            ),
        )
        grad += data.penalty * theta
    return J, grad
