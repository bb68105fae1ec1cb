"""
===============================================
Labelling every step of variable-length signals
===============================================

A noisy signal switches between three regimes: *low* (around -1), *high*
(around +1) and *alternating* (the sign flips at every step). The task is to
say, at every time step, which regime the signal is in. One step alone says
little, because the noise is large and an alternating step looks like a low
or a high one; a few steps in a row say much more.

:class:`~sklearn_elman.ElmanSequenceClassifier` gives a label at every time
step and takes sequences of different lengths as a plain list. We compare it,
reading forward and in both directions, with a model that sees one step at a
time.
"""

# %%
# The signals
# -----------
# Each sequence has 20 to 80 steps, made of segments of 8 to 30 steps, each
# in another regime than the one before. The labels come as a list too:
# ``y[i]`` has one label per step of ``X[i]``.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklearn_elman import ElmanSequenceClassifier

REGIMES = ["low", "high", "alternating"]


def make_signals(n_sequences, rng):
    """Lists of signals and of their regimes, arrays of shape (n_timesteps_i,)."""
    X, y = [], []
    for _ in range(n_sequences):
        n_timesteps = rng.randint(20, 81)
        labels, regime = [], rng.randint(3)
        while len(labels) < n_timesteps:
            labels += [regime] * rng.randint(8, 31)
            regime = rng.choice([r for r in range(3) if r != regime])
        labels = np.array(labels[:n_timesteps])
        alternating = 1.2 * (-1.0) ** np.arange(n_timesteps)
        level = np.choose(labels, [-1.0, 1.0, alternating])
        X.append(level + rng.normal(scale=0.8, size=n_timesteps))
        y.append(labels)
    return X, y


rng = np.random.RandomState(0)
X_train, y_train = make_signals(200, rng)
X_test, y_test = make_signals(200, rng)
lengths = [len(x) for x in X_train]
print(f"{len(X_train)} training sequences of {min(lengths)} to {max(lengths)} steps")

# %%
# Three models
# ------------
# The baseline is a logistic regression on single steps: every observed step
# of every sequence is one sample with one feature. The two networks have 12
# hidden units; one reads forward, so its label for step ``t`` depends on
# steps ``1..t`` only, the other also reads backward, so it sees the whole
# sequence. Each gets at most 150 L-BFGS iterations.
one_step = LogisticRegression().fit(
    np.concatenate(X_train)[:, np.newaxis], np.concatenate(y_train)
)
networks = {
    "forward": ElmanSequenceClassifier(12, max_iter=150, random_state=0),
    "bidirectional": ElmanSequenceClassifier(
        12, max_iter=150, bidirectional=True, random_state=0
    ),
}
for name, network in networks.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        # the budget of iterations is part of the set-up
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit(X_train, y_train)  # lists in, one label per step
    print(f"{name}: fitted in {time.perf_counter() - start:.1f} s")

# %%
# ``predict`` returns a list as well, one array of labels per test sequence.
predicted = {
    "one step at a time": [one_step.predict(x[:, np.newaxis]) for x in X_test],
    **{name: network.predict(X_test) for name, network in networks.items()},
}
print("lengths of the first predictions:", [len(p) for p in predicted["forward"][:3]])
true = np.concatenate(y_test)
for name, labels in predicted.items():
    accuracy = np.mean(np.concatenate(labels) == true)
    print(f"accuracy per step, {name:<19} {accuracy:.3f}")
# ``score`` is the same accuracy, over the observed steps:
print(f"score of the forward network: {networks['forward'].score(X_test, y_test):.3f}")

# %%
# One test sequence
# -----------------
# The signal, with the true regime behind it, and below it the regime each
# model gives each step.
colors = ListedColormap(["#4c72b0", "#dd8452", "#55a868"])
i = int(np.argmax([len(np.unique(labels)) * len(labels) for labels in y_test]))
steps = np.arange(len(X_test[i]))
fig, (ax, ax_labels) = plt.subplots(
    2, 1, figsize=(8, 4.2), height_ratios=[3, 2], sharex=True, layout="constrained"
)
ax.imshow(
    y_test[i][np.newaxis],
    cmap=colors,
    vmin=0,
    vmax=2,
    alpha=0.3,
    aspect="auto",
    extent=(-0.5, len(steps) - 0.5, -3.5, 3.5),
)
ax.plot(steps, X_test[i], color="black", linewidth=1)
ax.set_ylabel("signal")
ax.set_title("Background: the true regime (blue low, orange high, green alternating)")
rows = [y_test[i]] + [labels[i] for labels in predicted.values()]
ax_labels.imshow(np.vstack(rows), cmap=colors, vmin=0, vmax=2, aspect="auto")
ax_labels.set_yticks(range(len(rows)), ["true", *predicted])
ax_labels.set_xlabel("time step")

# %%
# Where the errors are
# --------------------
# The accuracy by the number of steps since the current regime (or the
# sequence) began, and by the number of steps before it ends. The forward
# network needs a few steps to notice a change: at the first step of a new
# regime it is still wrong more often than not, three or four steps later it
# is nearly always right. The bidirectional one also sees the steps after
# ``t``: it is right at most first steps of a regime already, and its errors
# sit at both edges of a regime, where the evidence of two regimes mixes. The
# one-step model is about as good everywhere as it is on average.


def steps_from_edges(labels):
    """Steps since the current regime (or the sequence) began, and before it
    ends (or the sequence does)."""
    segments = np.split(np.arange(len(labels)), np.flatnonzero(np.diff(labels)) + 1)
    since = np.concatenate([segment - segment[0] for segment in segments])
    until = np.concatenate([segment[-1] - segment for segment in segments])
    return since, until


edges = [steps_from_edges(labels) for labels in y_test]
since = np.concatenate([since_i for since_i, _ in edges])
until = np.concatenate([until_i for _, until_i in edges])
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True, layout="constrained")
for ax, distance, xlabel in [
    (axes[0], since, "steps since the regime began"),
    (axes[1], until, "steps before the regime ends"),
]:
    bins = np.minimum(distance, 10)
    for name, labels in predicted.items():
        correct = np.concatenate(labels) == true
        accuracy = [correct[bins == b].mean() for b in range(11)]
        ax.plot(range(11), accuracy, marker="o", label=name)
    ax.set_xticks(range(11), [*map(str, range(10)), "10+"])
    ax.set_xlabel(xlabel)
axes[0].set_ylabel("accuracy")
axes[1].legend(loc="center")
plt.show()
