"""
=======================================
A look at the hidden states
=======================================

An :class:`~sklearn_elman.ElmanClassifier` predicts from its hidden state
after each sequence's last step, which ``transform`` returns. The states at
every step are a few lines of NumPy away, since the weights are public: this
example computes them with a loop that follows the model's equations, checks
the loop against the estimator, and projects the states on their first two
principal components.
"""

# %%
# A network that must remember
# ----------------------------
# Four classes, told by the first of 5 to 15 steps; the later steps are noise.
# To classify a sequence, the network has to keep its first step in its state
# until the end.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_elman import ElmanClassifier
from sklearn_elman.datasets import make_sequence_classification

X, y = make_sequence_classification(
    400, n_timesteps=15, min_timesteps=5, n_classes=4, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
clf = ElmanClassifier(16, alpha=0.1, max_iter=2000, random_state=0)
clf.fit(X_train, y_train)
print(f"test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# The states, from the public weights
# -----------------------------------
# For each layer :math:`l` and step :math:`t`,
# :math:`h^l_t = \tanh(W_{hx}^{l\top} h^{l-1}_t + W_{hh}^{l\top} h^l_{t-1}
# + b^l_h)` with :math:`h^0_t = x_t` and :math:`h^l_0 = 0`. At an absent
# (all-NaN) step the state carries over unchanged. In NumPy, with samples in
# rows, :math:`W^\top h` is ``h @ W``:


def hidden_states(clf, X):
    """Every layer's states at every step: a list with one array of shape
    (n_samples, n_timesteps, n_hidden) per layer."""
    observed = ~np.isnan(X).all(axis=2)  # (n_samples, n_timesteps)
    inputs = np.nan_to_num(X)  # h^0_t = x_t; absent steps are not used
    states = []
    for W_hx, W_hh, b_h in zip(
        clf.input_weights_, clf.recurrent_weights_, clf.hidden_biases_, strict=True
    ):
        h = np.zeros((len(X), len(b_h)))  # h^l_0 = 0
        H = np.empty((*X.shape[:2], len(b_h)))
        for t in range(X.shape[1]):
            h_new = np.tanh(inputs[:, t] @ W_hx + h @ W_hh + b_h)
            h = np.where(observed[:, t, None], h_new, h)  # padding: carry over
            H[:, t] = h
        states.append(H)
        inputs = H  # the next layer reads this layer's states
    return states


H = hidden_states(clf, X_test)[-1]  # the last layer
h_T = H[:, -1]  # the state after each sequence's last observed step

# %%
# The loop gives what the estimator computes: the final states are what
# ``transform`` returns, and their readout is ``decision_function``.
Z = h_T @ clf.output_weights_ + clf.output_bias_
print("largest difference from transform:", np.abs(h_T - clf.transform(X_test)).max())
print(
    "largest difference from decision_function:",
    np.abs(Z - clf.decision_function(X_test)).max(),
)

# %%
# The final states
# ----------------
# Projected on their first two principal components, the final states of the
# test sequences fall into one cluster per class: the network has written the
# class of the first step into its state and kept it there.
pca = PCA(n_components=2).fit(h_T)
final_2d = pca.transform(h_T)

fig, ax = plt.subplots(figsize=(6, 4.4), layout="constrained")
for label in clf.classes_:
    points = final_2d[y_test == label]
    ax.scatter(*points.T, s=14, color=f"C{label}", label=f"class {label}")
ax.set_title("Final hidden state of each test sequence")
ax.set_xlabel("principal component 1")
ax.set_ylabel("principal component 2")
ax.legend(fontsize=8)

# %%
# The states along the way
# ------------------------
# The same projection, applied to every step's state, follows a few sequences
# step by step. Every path starts at the zero state (the cross). The first
# step already sends it off in its class's direction, and the later steps,
# which carry no information about the class, draw it on into its class's
# region, where it stays.
origin = pca.transform(np.zeros((1, h_T.shape[1])))[0]
observed = ~np.isnan(X_test).all(axis=2)

fig, ax = plt.subplots(figsize=(6, 4.4), layout="constrained")
for label in clf.classes_:
    for i in np.flatnonzero(y_test == label)[:3]:
        path = np.vstack([origin, pca.transform(H[i, observed[i]])])
        ax.plot(*path.T, color=f"C{label}", alpha=0.7, linewidth=1)
        ax.plot(*path[-1], "o", color=f"C{label}", markersize=4)
ax.plot(*origin, "kx", markersize=8)
ax.set_title("Paths of 3 test sequences per class, step by step")
ax.set_xlabel("principal component 1")
ax.set_ylabel("principal component 2")
plt.show()
