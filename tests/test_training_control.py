"""Early stopping, class weights, progress output and their parameter checks."""

import re

import numpy as np
import pytest
from _helpers import fit_quietly as _fit
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight

from sklearn_elman import ElmanClassifier, ElmanRegressor


def _noisy_task(n_samples=120, seed=0):
    """Labels that depend on the first step only through noise: easy to overfit."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 6, 3))
    flip = rng.uniform(size=n_samples) < 0.3
    y = (X[:, 0, 0] > 0).astype(int) ^ flip
    return X, y


def _held_out(n_samples, y, validation_fraction, random_state, stratify=True):
    """The split that early stopping makes: the first draw from random_state."""
    _, held_out = train_test_split(
        np.arange(n_samples),
        test_size=validation_fraction,
        stratify=y if stratify else None,
        random_state=check_random_state(random_state),
    )
    return held_out


def test_early_stopping_stops_and_keeps_the_best_iteration():
    X, y = _noisy_task()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    clf = ElmanClassifier(
        hidden_layer_sizes=32,
        alpha=0.0,
        max_iter=1000,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=8,
        random_state=3,
    )
    clf.fit(X, y, sample_weight=sample_weight)

    assert clf.n_iter_ < 1000
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    best = int(np.argmax(clf.validation_scores_))
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    # It stopped n_iter_no_change iterations after the last improvement by tol.
    assert clf.n_iter_ - 1 - best >= 8
    # The restored weights are the best iteration's: same J, same held-out score.
    assert clf.loss_ == clf.loss_curve_[best]
    held_out = _held_out(len(y), y, 0.25, 3)
    score = clf.score(X[held_out], y[held_out], sample_weight=sample_weight[held_out])
    assert score == pytest.approx(clf.best_validation_score_, abs=1e-12)


def test_early_stopping_regressor_scores_r2_on_the_held_out_set():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 5, 2))
    y = X[:, 0, 0] + 0.5 * rng.normal(size=150)
    reg = ElmanRegressor(
        16, alpha=0.0, early_stopping=True, n_iter_no_change=5, random_state=7
    )
    _fit(reg, X, y)
    held_out = _held_out(150, y, 0.1, 7, stratify=False)
    assert reg.score(X[held_out], y[held_out]) == pytest.approx(
        reg.best_validation_score_, abs=1e-12
    )
    assert reg.n_iter_ < 200


@pytest.mark.parametrize("Estimator", [ElmanClassifier, ElmanRegressor])
def test_without_early_stopping_there_are_no_validation_scores(Estimator):
    X, y = _noisy_task(40)
    model = _fit(Estimator(4, max_iter=5, random_state=0), X, y)
    assert model.validation_scores_ is None
    assert model.best_validation_score_ is None


def test_early_stopping_split_is_stratified():
    X, y = _noisy_task(60)
    y = np.r_[np.zeros(50, int), np.ones(10, int)]
    clf = _fit(
        ElmanClassifier(
            4, max_iter=3, early_stopping=True, validation_fraction=0.2, random_state=0
        ),
        X,
        y,
    )
    held_out = _held_out(60, y, 0.2, 0)
    assert np.bincount(y[held_out]).tolist() == [10, 2]
    assert clf.validation_scores_


@pytest.mark.parametrize(
    "class_weight", [{0: 3.0, 1: 0.5, 2: 1.5}, "balanced"], ids=["dict", "balanced"]
)
def test_class_weight_equals_the_matching_sample_weights(class_weight):
    X, y = _noisy_task(90)
    y = y + (X[:, 1, 1] > 1).astype(int)  # three unbalanced classes
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    params = dict(hidden_layer_sizes=5, max_iter=25, random_state=0)
    by_class = _fit(
        ElmanClassifier(class_weight=class_weight, **params),
        X,
        y,
        sample_weight=sample_weight,
    )
    by_sample = _fit(
        ElmanClassifier(**params),
        X,
        y,
        sample_weight=sample_weight * compute_sample_weight(class_weight, y),
    )
    np.testing.assert_array_equal(by_class.predict_proba(X), by_sample.predict_proba(X))
    np.testing.assert_array_equal(by_class.predict(X), by_sample.predict(X))


def test_class_weight_shifts_predictions_towards_the_heavy_class():
    X, y = _noisy_task(200)
    heavy = _fit(
        ElmanClassifier(8, class_weight={0: 20.0, 1: 1.0}, random_state=0), X, y
    )
    plain = _fit(ElmanClassifier(8, random_state=0), X, y)
    assert (heavy.predict(X) == 0).mean() > (plain.predict(X) == 0).mean()


def test_verbose_shows_validation_score_and_gradient_norm(capsys):
    X, y = _noisy_task(60)
    clf = _fit(
        ElmanClassifier(
            4,
            verbose=2,
            max_iter=6,
            early_stopping=True,
            n_iter_no_change=100,
            random_state=0,
        ),
        X,
        y,
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_
    pattern = (
        r"Iteration (\d+), loss = ([\d.]+), validation score = ([\d.]+), "
        r"gradient norm = ([\d.e+-]+), [\d.]+ s"
    )
    for i, line in enumerate(lines):
        match = re.fullmatch(pattern, line)
        assert match, line
        assert int(match.group(1)) == i + 1
        assert float(match.group(3)) == pytest.approx(
            clf.validation_scores_[i], abs=1e-6
        )
        assert float(match.group(4)) > 0


def test_verbose_says_when_early_stopping_stops(capsys):
    X, y = _noisy_task()
    _fit(
        ElmanClassifier(
            32,
            alpha=0.0,
            verbose=True,
            early_stopping=True,
            n_iter_no_change=3,
            random_state=0,
        ),
        X,
        y,
    )
    assert (
        "did not improve by at least tol=0.0001 for 3 iterations"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize("Estimator", [ElmanClassifier, ElmanRegressor])
@pytest.mark.parametrize(
    "params, message",
    [
        ({"early_stopping": "yes"}, "'early_stopping' parameter"),
        ({"validation_fraction": 0.0}, "'validation_fraction' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
        ({"n_iter_no_change": 2.5}, "'n_iter_no_change' parameter"),
        ({"verbose": "loud"}, "'verbose' parameter"),
        ({"warm_start": 1.5}, "'warm_start' parameter"),
    ],
)
def test_invalid_training_control_parameters(Estimator, params, message):
    X, y = _noisy_task(20)
    with pytest.raises(ValueError, match=message):
        Estimator(**params).fit(X, y)


def test_invalid_class_weight():
    X, y = _noisy_task(20)
    with pytest.raises(ValueError, match="'class_weight' parameter"):
        ElmanClassifier(class_weight="auto").fit(X, y)
    with pytest.raises(ValueError, match=r"classes, \[0, 1\], are not in class_weight"):
        ElmanClassifier(class_weight={5: 1.0}).fit(X, y)


def test_early_stopping_with_infinite_patience_runs_to_max_iter():
    X, y = _noisy_task(60)
    with pytest.warns(ConvergenceWarning, match="max_iter=7"):
        clf = ElmanClassifier(
            16, max_iter=7, early_stopping=True, n_iter_no_change=np.inf, random_state=0
        ).fit(X, y)
    assert clf.n_iter_ == 7
    assert clf.loss_ == clf.loss_curve_[int(np.argmax(clf.validation_scores_))]
