"""
==============================================
Variable-length sequences and NaN padding
==============================================

Real sequences rarely have one length. sklearn-elman takes them as a list of
arrays of different lengths, or as one array padded with all-NaN time steps,
and the padding never changes a prediction: at an absent step the network
keeps its state. This example shows the three ways in, and checks that they
agree.
"""

# %%
# Sequences of 5 to 20 steps
# --------------------------
# :func:`~sklearn_elman.datasets.make_sequence_classification` makes
# sequences whose class is told by their first step only, so the network must
# remember that step to the end of the sequence, however long it is. With
# ``ragged=True`` it returns a list of ``(n_timesteps_i, n_features)`` arrays.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_elman import ElmanClassifier, pad_sequences
from sklearn_elman.datasets import make_sequence_classification

X_list, y = make_sequence_classification(
    400,
    n_timesteps=20,
    min_timesteps=5,
    n_classes=3,
    ragged=True,
    random_state=0,
)
lengths = np.array([len(x) for x in X_list])
print(f"{len(X_list)} sequences of {lengths.min()} to {lengths.max()} steps")
print("shapes of the first three:", [x.shape for x in X_list[:3]])

X_train, X_test, y_train, y_test = train_test_split(
    X_list, y, test_size=0.25, random_state=0
)

# %%
# Padding
# -------
# :func:`~sklearn_elman.pad_sequences` stacks a list into one 3-D array and
# fills the missing steps with NaN, after each sequence (``padding="post"``,
# the default) or before it (``"pre"``). A list given to an estimator is
# padded at the end in the same way.
X_post = pad_sequences(X_test)
X_pre = pad_sequences(X_test, padding="pre")
print("padded test array:", X_post.shape)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained", sharey=True)
for ax, padded, title in [
    (axes[0], X_post, 'padding="post"'),
    (axes[1], X_pre, 'padding="pre"'),
]:
    observed = ~np.isnan(padded[:30]).all(axis=2)
    ax.imshow(observed, cmap="Greys", aspect="auto", interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("time step")
axes[0].set_ylabel("test sequence")
fig.suptitle("Observed steps (black) and NaN padding (white)")

# %%
# Training on the list
# --------------------
# The estimator takes the list directly, here with the library's default
# penalty ``alpha=1.0`` and room for L-BFGS to converge. The scores below are
# on the held-out test sequences, as a list and as the two padded arrays.
clf = ElmanClassifier(16, max_iter=2000, random_state=0)
clf.fit(X_train, y_train)
print(f"L-BFGS converged in {clf.n_iter_} iterations")
print(f"test accuracy, list:         {clf.score(X_test, y_test):.3f}")
print(f"test accuracy, post-padded:  {clf.score(X_post, y_test):.3f}")
print(f"test accuracy, pre-padded:   {clf.score(X_pre, y_test):.3f}")

# %%
# Padding does not change predictions
# ------------------------------------
# Compare the predicted probabilities of each test sequence given alone, in
# the list, padded at either end, padded to a longer length, and with NaN
# steps inserted inside it. The largest difference is at the level of
# floating-point rounding, if not exactly zero.
alone = np.vstack([clf.predict_proba(x[np.newaxis]) for x in X_test])


def with_gaps(x, rng):
    """The sequence with 1 to 3 all-NaN steps inserted at a random place."""
    gap = np.full((rng.randint(1, 4), x.shape[1]), np.nan)
    at = rng.randint(1, len(x))
    return np.vstack([x[:at], gap, x[at:]])


rng = np.random.RandomState(0)
variants = {
    "in a list": clf.predict_proba(X_test),
    "post-padded": clf.predict_proba(X_post),
    "pre-padded": clf.predict_proba(X_pre),
    "padded to 30 steps": clf.predict_proba(pad_sequences(X_test, maxlen=30)),
    "with gaps inside": clf.predict_proba([with_gaps(x, rng) for x in X_test]),
}
for name, proba in variants.items():
    print(f"{name:<20} max |difference| = {np.abs(proba - alone).max():.1e}")

# %%
# What is not padding
# -------------------
# A step with NaN in only *some* of its features is not padding: it would be
# a missing measurement, which the model cannot fill in. It is rejected, with
# the sample and the time step in the message.
broken = [x.copy() for x in X_test[:3]]
broken[2][4, 0] = np.nan
try:
    clf.predict(broken)
except ValueError as exc:
    print(exc)
plt.show()
