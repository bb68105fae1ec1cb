"""
=====================================
Handwritten digits read row by row
=====================================

scikit-learn's bundled digits are 8x8 images. Read each image from top to
bottom, one row of 8 pixels per time step, and it becomes a sequence of 8
steps of 8 features: an :class:`~sklearn_elman.ElmanClassifier` sees one row
at a time and has to carry what it saw in the rows above in its hidden state.

We compare it with an :class:`~sklearn.neural_network.MLPClassifier` that sees
the 64 pixels at once, and look at the digits the recurrent network gets
wrong.
"""

# %%
# The data as sequences
# ---------------------
# ``digits.images`` has shape ``(n_samples, 8, 8)``: samples, rows, pixels,
# which is already the ``(n_samples, n_timesteps, n_features)`` layout. The
# pixel intensities go from 0 to 16; we scale them to [0, 1].
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_elman import ElmanClassifier

digits = load_digits()
X = digits.images / 16.0  # (n_samples, n_timesteps=8 rows, n_features=8 pixels)
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print(f"{X_train.shape[0]} training and {X_test.shape[0]} test sequences")
print(f"each of {X.shape[1]} time steps with {X.shape[2]} features")

fig, axes = plt.subplots(1, 5, figsize=(8, 2.6), layout="constrained")
for ax, image, label in zip(axes, X_train, y_train, strict=False):
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"a {label}")
    ax.set_xticks([])
    ax.set_yticks(range(8), [f"t = {t + 1}" for t in range(8)], fontsize=7)
fig.suptitle("Each row is one time step of 8 features, read from top to bottom")

# %%
# Two networks
# ------------
# Both have one hidden layer of 32 units and the same L2 penalty, and both are
# trained by L-BFGS for at most 150 iterations. A network that reaches that
# limit before its gradient is below ``tol`` emits a ConvergenceWarning; we
# accept the limited budget (it also keeps the networks from fitting the
# training set too closely) and silence the warning.
models = {
    "ElmanClassifier, 8 rows of 8 pixels": (
        ElmanClassifier(32, alpha=0.1, max_iter=150, random_state=0),
        X_train,
        X_test,
    ),
    "MLPClassifier, 64 pixels at once": (
        MLPClassifier(32, solver="lbfgs", alpha=0.1, max_iter=150, random_state=0),
        X_train.reshape(len(X_train), -1),
        X_test.reshape(len(X_test), -1),
    ),
}
for name, (model, train, test) in models.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train, y_train)
    seconds = time.perf_counter() - start
    print(
        f"{name:<38} test accuracy {model.score(test, y_test):.3f}, "
        f"{model.n_iter_} iterations in {seconds:.1f} s"
    )

# %%
# The recurrent network reaches about the accuracy of the MLP although it never
# sees the whole image at once. Its training record is public:
# ``loss_curve_`` holds the objective after each L-BFGS iteration.
elman = models["ElmanClassifier, 8 rows of 8 pixels"][0]
print(f"J after the first iterations: {np.round(elman.loss_curve_[:3], 3)}")
print(f"J at the fitted weights: {elman.loss_:.4f}")

# %%
# The digits it gets wrong
# ------------------------
# Many of them are badly written or cut off; some would puzzle a person too.
y_pred = elman.predict(X_test)
wrong = np.flatnonzero(y_pred != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits misclassified")

n_show = min(len(wrong), 24)
n_cols = 8
n_rows = int(np.ceil(n_show / n_cols))
fig, axes = plt.subplots(
    n_rows, n_cols, figsize=(8, 1.3 * n_rows + 0.4), layout="constrained"
)
for ax in axes.ravel():
    ax.set_axis_off()
for ax, i in zip(axes.ravel()[:n_show], wrong[:n_show], strict=True):
    ax.imshow(X_test[i], cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"{y_test[i]} read as {y_pred[i]}", fontsize=9)
fig.suptitle("Misclassified test digits: true label, then prediction")
plt.show()
