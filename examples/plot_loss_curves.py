"""
=======================================
Loss curves and early stopping
=======================================

Every fit records the objective :math:`J` after each L-BFGS iteration in
``loss_curve_``, and with ``early_stopping=True`` the score of a held-out set
in ``validation_scores_``. This example compares the curves of several
penalties ``alpha`` and hidden layer sizes, and shows early stopping choosing
an iteration.
"""

# %%
# The data
# --------
# Sequences of 10 to 20 steps whose target is a noisy weighted sum of all
# their steps; 300 sequences to train on, 100 to test on.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_elman import ElmanRegressor
from sklearn_elman.datasets import make_sequence_regression

X, y = make_sequence_regression(
    400, n_timesteps=20, min_timesteps=10, noise=0.3, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=100, random_state=0)


def fit(**params):
    """Fit an ElmanRegressor for at most 200 iterations; reaching that limit
    is expected here, so its ConvergenceWarning is silenced."""
    model = ElmanRegressor(max_iter=200, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X_train, y_train)


# %%
# ``alpha`` and the hidden layer size
# -----------------------------------
# Left: 16 hidden units with four penalties. :math:`J` includes the penalty,
# so a larger ``alpha`` ends higher; the test :math:`R^2` in the legend tells
# which generalises best. Right: three hidden sizes with the default
# ``alpha``. The larger network drives the training objective far lower, and
# part of what it learns is the noise.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained", sharey=True)
for alpha in [1e-4, 1e-1, 1.0, 10.0]:
    model = fit(hidden_layer_sizes=16, alpha=alpha)
    r2 = model.score(X_test, y_test)
    axes[0].plot(model.loss_curve_, label=f"alpha={alpha:g}: test R² {r2:.2f}")
for n_hidden in [2, 8, 32]:
    model = fit(hidden_layer_sizes=n_hidden)
    r2 = model.score(X_test, y_test)
    axes[1].plot(model.loss_curve_, label=f"{n_hidden} units: test R² {r2:.2f}")
axes[0].set_title("16 hidden units")
axes[1].set_title("alpha=1e-4")
axes[0].set_ylabel("objective J (loss_curve_)")
for ax in axes:
    ax.set_yscale("log")
    ax.set_xlabel("L-BFGS iteration")
    ax.legend(fontsize=8)

# %%
# Early stopping
# --------------
# With ``early_stopping=True`` the 32-unit network holds out a quarter of its
# training sequences, scores them after every iteration, stops 30 iterations
# after the best score, and keeps the weights of the best iteration.
stopped = fit(
    hidden_layer_sizes=32,
    early_stopping=True,
    validation_fraction=0.25,
    n_iter_no_change=30,
)
best = int(np.argmax(stopped.validation_scores_)) + 1
print(f"ran {stopped.n_iter_} iterations, kept iteration {best}")
print(f"best validation R²: {stopped.best_validation_score_:.3f}")
full = fit(hidden_layer_sizes=32)
print(f"test R², early stopping:  {stopped.score(X_test, y_test):.3f}")
print(f"test R², 200 iterations:  {full.score(X_test, y_test):.3f}")

iterations = np.arange(1, stopped.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
ax.semilogy(iterations, stopped.loss_curve_, color="C0")
ax.set_xlabel("L-BFGS iteration")
ax.set_ylabel("training objective J", color="C0")
ax_score = ax.twinx()
ax_score.plot(iterations, stopped.validation_scores_, color="C1")
ax_score.set_ylabel("validation R² (validation_scores_)", color="C1")
ax_score.set_ylim(0, 1)
ax.axvline(best, color="0.4", linestyle="--")
ax.set_title(f"Early stopping keeps iteration {best} of {stopped.n_iter_}")
plt.show()
