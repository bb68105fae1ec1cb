"""
==================================
Grid search over a scaled pipeline
==================================

A :class:`~sklearn.pipeline.Pipeline` of :class:`~sklearn_elman.SequenceScaler`
and :class:`~sklearn_elman.ElmanClassifier` is an ordinary scikit-learn
estimator: :class:`~sklearn.model_selection.GridSearchCV` cross-validates it
on padded sequences of different lengths without any adapter. Here we search
the hidden layer size and the penalty ``alpha`` and draw the scores as a heat
map.
"""

# %%
# Badly scaled sequences
# ----------------------
# Three classes, told by the first of 5 to 15 steps. The second feature is
# measured in units 100 times larger than the first and sits far from zero,
# as raw measurements often do. The scaler fixes that inside each
# cross-validation split, fitted on the training folds only.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklearn_elman import ElmanClassifier, SequenceScaler
from sklearn_elman.datasets import make_sequence_classification

X, y = make_sequence_classification(
    200,
    n_timesteps=15,
    min_timesteps=5,
    n_classes=3,
    class_sep=1.0,
    random_state=0,
)
X = X * [1.0, 100.0] + [0.0, 500.0]
print("X:", X.shape, "NaN-padded at the end")

# %%
# The search
# ----------
# 5 layer sizes times 5 values of ``alpha``, 3 folds: 75 fits of at most 100
# L-BFGS iterations each. A fit that reaches that limit warns; in a search the
# limit is part of each setting, scored like the rest, so we silence the
# warnings.
pipe = make_pipeline(SequenceScaler(), ElmanClassifier(max_iter=100, random_state=0))
hidden_sizes = [2, 4, 8, 16, 32]
alphas = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
param_grid = {
    "elmanclassifier__hidden_layer_sizes": hidden_sizes,
    "elmanclassifier__alpha": alphas,
}
cv = StratifiedKFold(3, shuffle=True, random_state=0)
search = GridSearchCV(pipe, param_grid, cv=cv)

start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
print(f"75 fits in {time.perf_counter() - start:.0f} s")
print(f"best: {search.best_params_}, accuracy {search.best_score_:.3f}")

# %%
# The scores as a heat map
# ------------------------
# ``cv_results_`` has one entry per setting; arrange the mean scores and fit
# times in a table of ``alpha`` by hidden size.
results = search.cv_results_
scores = np.empty((len(alphas), len(hidden_sizes)))
fit_times = np.empty_like(scores)
for params, score, fit_time in zip(
    results["params"],
    results["mean_test_score"],
    results["mean_fit_time"],
    strict=True,
):
    i = alphas.index(params["elmanclassifier__alpha"])
    j = hidden_sizes.index(params["elmanclassifier__hidden_layer_sizes"])
    scores[i, j], fit_times[i, j] = score, fit_time

fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
for ax, values, title, fmt, cmap in [
    (axes[0], scores, "mean cross-validated accuracy", "{:.2f}", "viridis"),
    (axes[1], fit_times, "mean fit time (s)", "{:.2f}", "magma"),
]:
    image = ax.imshow(values, cmap=cmap, origin="lower")
    for (i, j), value in np.ndenumerate(values):
        ax.text(
            j,
            i,
            fmt.format(value),
            ha="center",
            va="center",
            color="w" if value < values.mean() else "k",
            fontsize=8,
        )
    ax.set_xticks(range(len(hidden_sizes)), hidden_sizes)
    ax.set_yticks(range(len(alphas)), [f"{a:g}" for a in alphas])
    ax.set_xlabel("hidden_layer_sizes")
    ax.set_ylabel("alpha")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8)
plt.show()

# %%
# Small networks cannot carry the first step through the noisy steps that
# follow it, and too large an ``alpha`` shrinks the weights until only the
# largest network still can, and less well. The fit time grows with the hidden
# size (the cost of a step grows with its square), and it is shortest where a
# large ``alpha`` lets L-BFGS converge early.
#
# The best pipeline, refitted on all the data, is ``search.best_estimator_``:
best = search.best_estimator_
print(best)
