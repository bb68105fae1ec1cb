"""The toy data sets: shapes, reproducibility, the documented targets, and that
they need memory and an Elman network learns them."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_elman import ElmanClassifier, ElmanRegressor, pad_sequences
from sklearn_elman.datasets import (
    make_sequence_classification,
    make_sequence_regression,
)

MAKERS = [make_sequence_classification, make_sequence_regression]


def _last_observed_steps(X):
    """Each padded sequence's last observed step: (n_samples, n_features)."""
    lengths = (~np.isnan(X).all(axis=2)).sum(axis=1)
    return X[np.arange(len(X)), lengths - 1]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_and_padding(make):
    X, y = make(50, n_timesteps=7, n_features=3, min_timesteps=2, random_state=0)
    assert X.shape == (50, 7, 3)
    assert y.shape == (50,)
    absent = np.isnan(X).all(axis=2)
    assert_array_equal(np.isnan(X).any(axis=2), absent)  # whole steps only
    lengths = (~absent).sum(axis=1)
    assert lengths.min() == 2
    assert lengths.max() == 7
    # Padding is at the end: observed steps come first.
    assert_array_equal(absent, np.arange(7) >= lengths[:, np.newaxis])


@pytest.mark.parametrize("make", MAKERS)
def test_equal_lengths_without_min_timesteps(make):
    X, _ = make(20, n_timesteps=5, n_features=1, random_state=0)
    assert X.shape == (20, 5, 1)
    assert not np.isnan(X).any()


@pytest.mark.parametrize("make", MAKERS)
def test_reproducible_and_ragged_is_the_same_data(make):
    X, y = make(30, min_timesteps=3, random_state=1)
    X_again, y_again = make(30, min_timesteps=3, random_state=1)
    assert_array_equal(X, X_again)
    assert_array_equal(y, y_again)
    X_other, _ = make(30, min_timesteps=3, random_state=2)
    assert not np.array_equal(X, X_other, equal_nan=True)

    X_list, y_list = make(30, min_timesteps=3, ragged=True, random_state=1)
    assert isinstance(X_list, list)
    assert {x.shape[1] for x in X_list} == {2}
    assert not any(np.isnan(x).any() for x in X_list)
    assert_array_equal(pad_sequences(X_list, maxlen=20), X)
    assert_array_equal(y_list, y)


def test_classification_target_is_the_first_step_shift():
    X, y = make_sequence_classification(
        60, n_classes=3, class_sep=1.5, noise=0.0, min_timesteps=4, random_state=0
    )
    assert set(y) == {0, 1, 2}
    expected_shift = 1.5 * (y - 1.0)  # class_sep * (y - (n_classes - 1) / 2)
    assert_array_equal(X[:, 0], np.repeat(expected_shift[:, np.newaxis], 2, axis=1))
    assert_array_equal(X[:, 1:][~np.isnan(X[:, 1:])], 0.0)  # no noise, no cue


def test_classification_noise_is_gaussian_with_the_given_scale():
    X, _ = make_sequence_classification(400, noise=0.3, random_state=0)
    later_steps = X[:, 1:].ravel()
    assert abs(later_steps.mean()) < 0.01
    assert later_steps.std() == pytest.approx(0.3, rel=0.02)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression_target_is_a_unit_weighted_sum_of_all_steps(n_targets):
    X, y = make_sequence_regression(
        80, n_targets=n_targets, noise=0.0, min_timesteps=5, random_state=0
    )
    assert y.shape == ((80,) if n_targets == 1 else (80, n_targets))
    sums = np.nansum(X, axis=1) / np.sqrt(20)  # (n_samples, n_features)
    coef, *_ = np.linalg.lstsq(sums, y, rcond=None)
    assert_allclose(sums @ coef, y, atol=1e-12)  # exactly linear in the sums
    assert_allclose(np.linalg.norm(coef.reshape(2, -1), axis=0), 1.0)  # unit columns


def test_regression_noise_has_the_given_scale():
    X, y = make_sequence_regression(2000, n_timesteps=3, noise=0.5, random_state=0)
    X_clean, y_clean = make_sequence_regression(
        2000, n_timesteps=3, noise=0.0, random_state=0
    )
    assert_array_equal(X, X_clean)  # noise comes last: same sequences
    assert (y - y_clean).std() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize(
    ("make", "kwargs", "match"),
    [
        (make_sequence_classification, {"n_classes": 1}, "'n_classes' parameter"),
        (make_sequence_classification, {"noise": -1.0}, "'noise' parameter"),
        (make_sequence_regression, {"n_targets": 0}, "'n_targets' parameter"),
        (make_sequence_regression, {"min_timesteps": 0}, "'min_timesteps'"),
        (make_sequence_regression, {"min_timesteps": 21}, "at most n_timesteps=20"),
    ],
)
def test_bad_arguments(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(10, **kwargs)


def test_a_model_without_memory_cannot_solve_them():
    X, y = make_sequence_classification(400, min_timesteps=10, random_state=0)
    last = _last_observed_steps(X)
    first = X[:, 0]
    assert LogisticRegression().fit(last, y).score(last, y) < 0.6  # chance: 0.5
    assert LogisticRegression().fit(first, y).score(first, y) > 0.95

    X, y = make_sequence_regression(400, min_timesteps=10, random_state=0)
    last = _last_observed_steps(X)
    assert LinearRegression().fit(last, y).score(last, y) < 0.15


# Small networks, so that each fit takes about a second; L-BFGS may use all of
# max_iter, which is not a failure here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_elman_classifier_learns_the_classification_set():
    X, y = make_sequence_classification(min_timesteps=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = ElmanClassifier(hidden_layer_sizes=8, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.9  # chance: about 0.5


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_elman_regressor_learns_the_regression_set():
    X, y = make_sequence_regression(min_timesteps=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = ElmanRegressor(hidden_layer_sizes=8, random_state=0).fit(X_train, y_train)
    assert reg.score(X_test, y_test) > 0.8
