"""The networks learn tasks that need memory."""

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline

from sklearn_elman import ElmanClassifier, ElmanRegressor, SequencePooler

# What is tested is held-out skill after a fixed budget of iterations, not
# whether L-BFGS met its tolerance within it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _first_step_task(n_samples, n_timesteps, seed):
    """The class is the sign of the first element of a long noisy sequence."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_timesteps, 1))
    return X, (X[:, 0, 0] > 0).astype(int)


def test_classifier_remembers_the_first_step_of_a_long_sequence():
    X_train, y_train = _first_step_task(400, 40, seed=0)
    X_test, y_test = _first_step_task(400, 40, seed=1)
    clf = ElmanClassifier(hidden_layer_sizes=8, max_iter=300, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


def _multi_output_task(n_samples, seed, n_timesteps=10):
    """Two targets of NaN-padded sequences of 4 to 10 steps: the scaled sum of
    feature 0 over the observed steps, and feature 1 at the first step."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_timesteps, 2))
    lengths = rng.randint(4, n_timesteps + 1, size=n_samples)
    Y = np.empty((n_samples, 2))
    for i, length in enumerate(lengths):
        X[i, length:] = np.nan
        Y[i] = X[i, :length, 0].sum() / np.sqrt(n_timesteps), X[i, 0, 1]
    return X, Y


def test_regressor_learns_a_multi_output_sequence_regression():
    X_train, Y_train = _multi_output_task(500, seed=0)
    X_test, Y_test = _multi_output_task(300, seed=1)
    # alpha=1e-4: what is tested is capacity; the default alpha=1 trades a
    # little of it (R^2 0.895) for less overfitting on small real sets.
    reg = ElmanRegressor(16, alpha=1e-4, max_iter=500, random_state=0)
    reg.fit(X_train, Y_train)
    Y_pred = reg.predict(X_test)
    assert Y_pred.shape == Y_test.shape
    assert r2_score(Y_test, Y_pred) >= 0.9
    assert min(r2_score(Y_test[:, k], Y_pred[:, k]) for k in range(2)) >= 0.9


def test_multilabel_classification_learns_each_label():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(600, 6, 2))
    # label 0: the first step's feature 0 is positive; label 1: the last step's
    # feature 1 is positive; label 2: the sum over time of feature 0 is positive
    Y = np.column_stack([X[:, 0, 0] > 0, X[:, -1, 1] > 0, X[:, :, 0].sum(1) > 0])
    Y = Y.astype(int)
    clf = ElmanClassifier(hidden_layer_sizes=16, max_iter=400, random_state=0)
    clf.fit(X[:400], Y[:400])
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X[400:]).shape == (200, 3)
    assert (clf.predict(X[400:]) == Y[400:]).mean() >= 0.9


def test_float32_input_learns_as_well():
    X_train, y_train = _first_step_task(400, 40, seed=0)
    X_test, y_test = _first_step_task(400, 40, seed=1)
    clf = ElmanClassifier(hidden_layer_sizes=8, max_iter=300, random_state=0)
    clf.fit(X_train.astype(np.float32), y_train)
    assert clf.decision_function(X_test.astype(np.float32)).dtype == np.float32
    assert clf.score(X_test.astype(np.float32), y_test) >= 0.95


def _early_shift_task(n_samples, seed, n_timesteps=300):
    """The class shifts the first 60 of 300 noisy steps up or down by half the
    noise's standard deviation; the 240 steps after carry no information."""
    rng = np.random.RandomState(seed)
    y = rng.randint(2, size=n_samples)
    X = rng.normal(size=(n_samples, n_timesteps, 1))
    X[:, :60, 0] += np.where(y, 0.5, -0.5)[:, np.newaxis]
    return X, y


def test_pooling_rescues_a_long_sequence_task():
    """Unpooled, the network must carry a faint early signal through 240 steps
    of noise and fails; averaged in windows of 30 steps, the signal stands out
    of the noise in the first two of ten steps and the same network learns it."""
    X_train, y_train = _early_shift_task(200, seed=0)
    X_test, y_test = _early_shift_task(200, seed=1)

    def fit(window):
        network = ElmanClassifier(hidden_layer_sizes=8, max_iter=100, random_state=0)
        return make_pipeline(SequencePooler(window), network).fit(X_train, y_train)

    assert fit(1).score(X_test, y_test) < 0.65
    assert fit(30).score(X_test, y_test) >= 0.95
