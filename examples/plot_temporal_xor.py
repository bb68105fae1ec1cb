"""
======================================================
Finding structure in time: Elman's temporal XOR (1990)
======================================================

The first experiment of Elman's "Finding structure in time" (1990) is XOR
spread over time. A stream of bits is made by drawing two random bits and
appending their exclusive or, over and over: ``1 0 1  0 0 0  1 1 0 ...``. A
recurrent network reads the stream one bit at a time and, at every step,
predicts the next bit.

Two bits of every three are random: nothing can predict them better than a
coin. The third is decided by the two before it. A network that has found
this structure in time is right about every third bit and unsure about the
others, so its error rises and falls with a period of three: that is the
paper's Figure 3.

:class:`~sklearn_elman.ElmanSequenceClassifier` has an output at every time
step, the :math:`o_t` of Elman's equations, which is what the experiment
needs.
"""

# %%
# The stream
# ----------
# Elman trained on one stream of 3000 bits. We cut the same number of bits
# into 100 sequences of 30 bits (10 triples each, every sequence starting at a
# triple), so that L-BFGS sees them as one batch. The input at step ``t`` is
# bit ``t`` and the target is bit ``t + 1``: ``X`` is each sequence without
# its last bit, ``y`` without its first.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_elman import ElmanSequenceClassifier


def xor_stream(n_sequences, n_triples, rng):
    """Bit sequences of n_triples triples (a, b, a XOR b) of random a, b."""
    pairs = rng.randint(0, 2, size=(n_sequences, n_triples, 2))
    triples = np.concatenate([pairs, pairs[..., :1] ^ pairs[..., 1:]], axis=2)
    return triples.reshape(n_sequences, 3 * n_triples)


rng = np.random.RandomState(0)
bits_train = xor_stream(100, 10, rng)
bits_test = xor_stream(400, 10, rng)
X_train, y_train = bits_train[:, :-1].astype(float), bits_train[:, 1:]
X_test, y_test = bits_test[:, :-1].astype(float), bits_test[:, 1:]
print("the first sequence:", "".join(map(str, bits_train[0])))
print(f"X_train {X_train.shape} (univariate sequences), y_train {y_train.shape}")

# %%
# The network
# -----------
# Elman's network had one input, two hidden and one output unit, trained by
# backpropagation over 600 passes through the stream. We train 8 hidden units
# by L-BFGS; further below are 2 hidden units, as in the paper. The output is
# one logistic unit: ``predict_proba(X)[:, :, 1]`` is the probability that the
# next bit is 1.
start = time.perf_counter()
net = ElmanSequenceClassifier(8, max_iter=300, random_state=0)
with warnings.catch_warnings():
    # the budget of iterations is part of the set-up; a fit that uses it all
    # is not an error here
    warnings.simplefilter("ignore", ConvergenceWarning)
    net.fit(X_train, y_train)
print(f"{net.n_iter_} L-BFGS iterations in {time.perf_counter() - start:.1f} s")

# %%
# The error at every step
# -----------------------
# As in the paper, the error is the root mean squared difference between the
# output (here the probability of a 1) and the bit that came, averaged over
# the test sequences at each step. An output of 0.5, the best guess for a
# random bit, has an error of 0.5.
p_one = net.predict_proba(X_test)[:, :, 1]  # (n_sequences, n_timesteps)
rms_by_step = np.sqrt(np.mean((p_one - y_test) ** 2, axis=0))

# Target t is bit t + 1 of the stream (0-based): the k-th of its triple, for
# k = 0, 1, 2, when (t + 1) % 3 == k.
place = (np.arange(y_test.shape[1]) + 1) % 3


def rms_by_place(p_one, y):
    """RMS error predicting the first, second and third bits of the triples."""
    return [np.sqrt(np.mean((p_one - y)[:, place == k] ** 2)) for k in (0, 1, 2)]


rms_large = rms_by_place(p_one, y_test)
for name, rms in zip(["first", "second", "third"], rms_large, strict=True):
    print(f"RMS error predicting the {name} bit of a triple: {rms:.3f}")

# %%
# The first twelve predictions of the test sequences, averaged over the
# sequences, drawn as the paper's Figure 3. The dips are the XOR bits.
n_show = 12
steps = np.arange(1, n_show + 1)
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
ax.plot(steps, rms_by_step[:n_show], marker="o", color="C0")
is_xor = place[:n_show] == 2
ax.plot(steps[is_xor], rms_by_step[:n_show][is_xor], "o", color="C3")
ax.axhline(0.5, color="grey", linestyle=":", label="a coin (output 0.5)")
ax.set_xticks(steps)
ax.set_xlabel("input step t (predicting bit t + 1; red: the XOR bits)")
ax.set_ylabel("RMS error")
ax.set_ylim(0, 0.65)
ax.legend(loc="lower right")
ax.set_title("Error of the next-bit prediction along the stream (cf. Elman's Fig. 3)")

# %%
# Two hidden units, as in the paper
# ---------------------------------
# Two hidden units are enough in principle, but L-BFGS does not always find
# such a network from a given start. Here are five starts: all of them are
# better on the XOR bits than on the random ones, none as good as the 8 units
# above.
rms_small = []
for seed in range(5):
    small = ElmanSequenceClassifier(2, max_iter=1000, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small.fit(X_train, y_train)
    rms_small.append(rms_by_place(small.predict_proba(X_test)[:, :, 1], y_test))
rms_small = np.array(rms_small)
print("RMS error by bit of the triple, 2 hidden units, one row per seed:")
print(rms_small.round(3))

fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
for seed, row in enumerate(rms_small):
    label = "2 hidden units, 5 seeds" if seed == 0 else None
    ax.plot([1, 2, 3], row, marker=".", color="C1", alpha=0.6, label=label)
ax.plot([1, 2, 3], rms_large, marker="o", color="C0", label="8 hidden units")
ax.axhline(0.5, color="grey", linestyle=":")
ax.set_xticks([1, 2, 3], ["first\n(random)", "second\n(random)", "third\n(XOR)"])
ax.set_xlabel("the predicted bit's place in its triple")
ax.set_ylabel("RMS error")
ax.set_ylim(0, 0.65)
ax.legend(loc="lower left")
plt.show()

# %%
# The error is near 0.5 on the random bits, where no model can do better, and
# drops on every third bit, which only a model that remembers the two bits
# before it and knows where it is in the triple can predict.
#
# Reference: Elman, J. L. (1990). Finding structure in time. *Cognitive
# Science*, 14(2), 179-211.
