"""ElmanSequenceClassifier and ElmanSequenceRegressor: an output at every step."""

import numpy as np
import pytest
from _helpers import fit_quietly
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceScaler,
)

BOTH = [ElmanSequenceClassifier, ElmanSequenceRegressor]


def delayed_sign(n_samples=120, n_timesteps=10, delay=2, seed=0):
    """Label every step with the sign of the input ``delay`` steps earlier (of
    the first input before that): it needs memory, one step alone cannot tell."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_timesteps))
    past = np.concatenate([np.repeat(X[:, :1], delay, axis=1), X[:, :-delay]], axis=1)
    return X, (past > 0).astype(int)


def ragged(seed=0, n_samples=30, n_features=2):
    """Sequences of 3 to 9 steps, with per-step targets of the same lengths."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(3, 10), n_features)) for _ in range(n_samples)]
    y_class = [(np.cumsum(x[:, 0]) > 0).astype(int) for x in X]
    y_reg = [np.cumsum(x, axis=0) for x in X]  # two outputs per step
    return X, y_class, y_reg


def padded(X, y, fill):
    """NaN-pad a ragged X at the end; pad y with ``fill``."""
    n_timesteps = max(len(x) for x in X)
    X_pad = np.full((len(X), n_timesteps, X[0].shape[1]), np.nan)
    y_pad = np.full((len(X), n_timesteps, *np.shape(y[0])[1:]), fill)
    for i, (x, y_i) in enumerate(zip(X, y, strict=True)):
        X_pad[i, : len(x)] = x
        y_pad[i, : len(x)] = y_i
    return X_pad, y_pad


@pytest.mark.parametrize(
    "X_shape, y_shape, predicted",
    [
        ((7, 5, 3), (7, 5), (7, 5)),
        ((7, 5), (7, 5), (7, 5)),
        ((7, 5, 3), (7, 5, 2), (7, 5, 2)),
    ],
)
def test_regressor_predicts_in_the_layout_of_x_and_y(X_shape, y_shape, predicted):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=X_shape), rng.normal(size=y_shape)
    reg = fit_quietly(ElmanSequenceRegressor(3, max_iter=5, random_state=0), X, y)
    assert reg.predict(X).shape == predicted
    short = X[:, :2] if X.ndim == 3 else X[:, :2, np.newaxis]  # 2-D keeps its width
    assert reg.predict(short).shape == (7, 2, *predicted[2:])  # any length
    assert reg.n_outputs_ == (y_shape[2] if len(y_shape) == 3 else 1)


def test_classifier_predicts_labels_and_probabilities_per_step():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 6, 2))
    y = np.array(["a", "b", "c"])[rng.randint(0, 3, size=(20, 6))]
    clf = fit_quietly(ElmanSequenceClassifier(4, max_iter=5, random_state=0), X, y)
    assert_array_equal(clf.classes_, ["a", "b", "c"])
    assert clf.predict(X).shape == (20, 6)
    assert set(np.unique(clf.predict(X))) <= {"a", "b", "c"}
    proba = clf.predict_proba(X)
    assert proba.shape == (20, 6, 3)
    assert_allclose(proba.sum(axis=2), 1.0)
    assert_array_equal(clf.classes_[proba.argmax(axis=2)], clf.predict(X))


def test_binary_classifier_gives_two_probabilities_per_step():
    X, y = delayed_sign(n_samples=20)
    clf = fit_quietly(ElmanSequenceClassifier(4, max_iter=5, random_state=0), X, y)
    assert clf.n_outputs_ == 1
    proba = clf.predict_proba(X)
    assert proba.shape == (20, 10, 2)
    assert_array_equal(proba.argmax(axis=2), clf.predict(X))


@pytest.mark.parametrize("Estimator", BOTH)
def test_ragged_lists_in_ragged_lists_out(Estimator):
    X, y_class, y_reg = ragged()
    y = y_class if Estimator is ElmanSequenceClassifier else y_reg
    model = fit_quietly(Estimator(4, max_iter=10, random_state=0), X, y)
    predicted = model.predict(X)
    assert isinstance(predicted, list)
    assert [len(p) for p in predicted] == [len(x) for x in X]
    # a 1-D object array of sequences is the same ragged input
    as_objects = np.empty(len(X), dtype=object)
    as_objects[:] = X
    for p, q in zip(model.predict(as_objects), predicted, strict=True):
        assert_array_equal(p, q)
    if Estimator is ElmanSequenceRegressor:
        assert all(p.shape[1] == 2 for p in predicted)
    else:
        assert all(p.shape[1] == 2 for p in model.predict_proba(X))


@pytest.mark.parametrize("Estimator", BOTH)
def test_ragged_fit_equals_padded_fit_and_ignores_targets_at_padding(Estimator):
    """The same sequences as a ragged list, or padded with NaN targets, or padded
    with other junk targets at the padding: the same fit, to the bit."""
    X, y_class, y_reg = ragged()
    y, junk = (y_class, 1) if Estimator is ElmanSequenceClassifier else (y_reg, 1e6)
    fill = 0 if Estimator is ElmanSequenceClassifier else np.nan
    X_pad, y_pad = padded(X, y, fill)
    _, y_junk = padded(X, y, junk)
    fits = [
        fit_quietly(Estimator(4, max_iter=10, random_state=0), X_, y_)
        for X_, y_ in [(X, y), (X_pad, y_pad), (X_pad, y_junk)]
    ]
    for model in fits[1:]:
        assert_array_equal(model.output_weights_, fits[0].output_weights_)
        assert_array_equal(model.recurrent_weights_[0], fits[0].recurrent_weights_[0])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_does_not_change_the_observed_steps_predictions(bidirectional):
    X, y = delayed_sign(n_samples=30, n_timesteps=6)
    clf = fit_quietly(
        ElmanSequenceClassifier(
            4, max_iter=20, random_state=0, bidirectional=bidirectional
        ),
        X[..., np.newaxis],
        y,
    )
    alone = clf.predict_proba(X[:1, :, np.newaxis])[0]
    X_gaps = np.full((1, 10, 1), np.nan)
    observed = [1, 2, 4, 5, 7, 8]  # leading, interior and trailing padding
    X_gaps[0, observed, 0] = X[0]
    assert_allclose(clf.predict_proba(X_gaps)[0, observed], alone, rtol=0, atol=1e-12)


def test_learns_a_per_step_task_that_needs_memory():
    X, y = delayed_sign(n_samples=200, seed=0)
    X_test, y_test = delayed_sign(n_samples=200, seed=1)
    clf = fit_quietly(
        ElmanSequenceClassifier(8, max_iter=300, random_state=0), X[..., None], y
    )
    # one step at a time, the delayed sign is a coin flip
    one_step = LogisticRegression().fit(X.reshape(-1, 1), y.ravel())
    assert one_step.score(X_test.reshape(-1, 1), y_test.ravel()) < 0.6
    assert clf.score(X_test[..., None], y_test) > 0.95


def test_bidirectional_labels_steps_from_their_future():
    """Label each step with the sign of the next input: only a network that
    reads the sequence backwards can see it."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 8))
    y = np.concatenate([X[:, 1:], X[:, -1:]], axis=1) > 0
    train, test = slice(0, 200), slice(200, None)
    scores = {
        bidirectional: fit_quietly(
            ElmanSequenceClassifier(
                8, max_iter=200, random_state=0, bidirectional=bidirectional
            ),
            X[train],
            y[train],
        ).score(X[test], y[test])
        for bidirectional in (False, True)
    }
    assert scores[False] < 0.7
    assert scores[True] > 0.95


def test_regressor_forecasts_the_next_step():
    t = np.arange(31)
    phase = np.linspace(0, 6, 80)[:, np.newaxis]
    series = np.sin(0.4 * t + phase) + 0.5 * np.sin(0.9 * t + 2 * phase)
    X, y = series[:, :-1], series[:, 1:]
    reg = fit_quietly(
        ElmanSequenceRegressor(10, max_iter=500, random_state=0), X[:60], y[:60]
    )
    assert reg.score(X[60:], y[60:]) > 0.9


def test_score_counts_observed_steps_only():
    X, y = delayed_sign(n_samples=40)
    X = X.astype(float)
    X[:20, 7:] = np.nan  # padding: its targets must not count
    clf = fit_quietly(ElmanSequenceClassifier(4, max_iter=10, random_state=0), X, y)
    predicted = clf.predict(X)
    observed = ~np.isnan(X)
    y_other = y.copy()
    y_other[~observed] = 1 - predicted[~observed]  # all wrong at the padding
    weights = np.arange(1, 41)
    expected = np.average(
        (predicted == y)[observed],
        weights=np.broadcast_to(weights[:, None], y.shape)[observed],
    )
    assert clf.score(X, y_other, sample_weight=weights) == pytest.approx(expected)
    assert clf.score(X, y) == pytest.approx(np.mean((predicted == y)[observed]))


def test_regressor_score_is_r2_over_observed_steps():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 2))
    y = rng.normal(size=(30, 6))
    X[:10, :2] = np.nan
    reg = fit_quietly(ElmanSequenceRegressor(3, max_iter=5, random_state=0), X, y)
    observed = ~np.isnan(X).all(axis=2)
    residual = ((y - reg.predict(X))[observed] ** 2).sum()
    total = ((y[observed] - y[observed].mean()) ** 2).sum()
    assert reg.score(X, y) == pytest.approx(1 - residual / total)


@pytest.mark.parametrize("Estimator", BOTH)
def test_integer_sample_weights_repeat_sequences(Estimator):
    X, y = delayed_sign(n_samples=12, n_timesteps=5)
    weights = np.array([1, 2, 3] * 4)
    weighted = fit_quietly(
        Estimator(3, max_iter=15, random_state=0), X, y, sample_weight=weights
    )
    repeated = fit_quietly(
        Estimator(3, max_iter=15, random_state=0),
        np.repeat(X, weights, axis=0),
        np.repeat(y, weights, axis=0),
    )
    assert_allclose(weighted.output_weights_, repeated.output_weights_, rtol=1e-9)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-12)


def test_loss_is_the_documented_objective():
    """J = mean over observed steps (weighted by sequence) of the cross-entropy,
    plus alpha / (2 S) * squared weights, S the summed weight of observed steps,
    written out by hand from the fitted attributes."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(9, 4, 2))
    X[:3, -1] = np.nan
    y = rng.randint(0, 3, size=(9, 4))
    w = rng.uniform(0.5, 2.0, size=9)
    alpha = 0.3
    clf = fit_quietly(
        ElmanSequenceClassifier(3, alpha=alpha, max_iter=5, random_state=0),
        X,
        y,
        sample_weight=w,
    )
    (W_hx,), (W_hh,), (b_h,) = (
        clf.input_weights_,
        clf.recurrent_weights_,
        clf.hidden_biases_,
    )
    h = np.zeros((9, 3))
    losses = np.zeros((9, 4))
    for t in range(4):
        observed = ~np.isnan(X[:, t, 0])
        h_new = np.tanh(np.nan_to_num(X[:, t]) @ W_hx + h @ W_hh + b_h)
        h = np.where(observed[:, None], h_new, h)
        Z = h @ clf.output_weights_ + clf.output_bias_
        losses[:, t] = logsumexp(Z, axis=1) - Z[np.arange(9), y[:, t]]
    observed = ~np.isnan(X[..., 0])
    step_weights = np.broadcast_to(w[:, None], (9, 4))[observed]
    S = step_weights.sum()
    penalty = sum((W**2).sum() for W in (W_hx, W_hh, clf.output_weights_))
    expected = step_weights @ losses[observed] / S + alpha / (2 * S) * penalty
    assert clf.loss_ == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(
    "y, message",
    [
        (np.zeros(6), r"y has shape \(6,\), but X has 6 samples of 4 time steps"),
        (np.zeros((6, 3)), r"y has shape \(6, 3\)"),
        (np.zeros((5, 4)), "inconsistent numbers of samples"),
    ],
)
@pytest.mark.parametrize("Estimator", BOTH)
def test_misaligned_targets_are_rejected(Estimator, y, message):
    X = np.random.RandomState(0).normal(size=(6, 4, 2))
    with pytest.raises(ValueError, match=message):
        Estimator().fit(X, y)


@pytest.mark.parametrize("Estimator", BOTH)
def test_ragged_targets_must_cover_every_observed_step(Estimator):
    X = [np.ones((3, 1)), np.ones((5, 1))]
    with pytest.raises(ValueError, match=r"y\[1\] has 4 time steps, but sample 1"):
        Estimator().fit(X, [np.zeros(3), np.zeros(4)])


@pytest.mark.parametrize("Estimator", BOTH)
def test_nan_target_at_an_observed_step_is_rejected(Estimator):
    X = np.ones((4, 3, 1))
    X[0, 2] = np.nan
    y = np.tile([0.0, 1.0, 0.0], (4, 1))
    y[0, 2] = np.nan  # at padding: ignored
    fit_quietly(Estimator(2, max_iter=2), X, y)
    y[2, 1] = np.nan
    with pytest.raises(ValueError, match="time step 1 of sample 2"):
        Estimator().fit(X, y)


def test_classifier_rejects_several_labels_per_step_and_one_class():
    X = np.ones((4, 3, 1))
    with pytest.raises(ValueError, match="one label per time step"):
        ElmanSequenceClassifier().fit(X, np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="at least 2 classes"):
        ElmanSequenceClassifier().fit(X, np.zeros((4, 3)))


@pytest.mark.parametrize("Estimator", BOTH)
def test_inputs_are_not_modified(Estimator):
    X, y = delayed_sign(n_samples=10, n_timesteps=4)
    X[0, 3] = np.nan
    y = y.astype(float)
    X_copy, y_copy = X.copy(), y.copy()
    model = fit_quietly(Estimator(2, max_iter=3), X, y)
    model.predict(X)
    model.score(X, y)
    assert_array_equal(X, X_copy)
    assert_array_equal(y, y_copy)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_works_in_cross_validate_and_grid_search_with_ragged_lists():
    X, y_class, _ = ragged(n_samples=40)
    pipeline = make_pipeline(
        SequenceScaler(), ElmanSequenceClassifier(3, max_iter=20, random_state=0)
    )
    result = cross_validate(pipeline, X, y_class, cv=3, error_score="raise")
    assert np.all((result["test_score"] >= 0) & (result["test_score"] <= 1))
    search = GridSearchCV(
        pipeline, {"elmansequenceclassifier__alpha": [1e-4, 1e-1]}, cv=2
    )
    fit_quietly(search, X, y_class)
    assert isinstance(search.predict(X), list)


@pytest.mark.parametrize("Estimator", BOTH)
def test_early_stopping_scores_the_held_out_steps(Estimator):
    X, y = delayed_sign(n_samples=60, n_timesteps=6)
    model = fit_quietly(
        Estimator(4, alpha=1e-4, max_iter=30, early_stopping=True, random_state=0), X, y
    )
    scores = model.validation_scores_
    assert model.n_iter_ < 30  # it stopped early,
    assert len(scores) == model.n_iter_ == len(model.loss_curve_)
    assert scores[-1] < max(scores)  # after its best iteration: restoring matters
    assert model.best_validation_score_ == max(scores)
    # fit's split: validation_fraction=0.1, drawn first from random_state
    _, held_out = train_test_split(
        np.arange(60), test_size=0.1, random_state=np.random.RandomState(0)
    )
    # the kept weights score the best score on the held-out steps' targets
    assert model.score(X[held_out], y[held_out]) == pytest.approx(
        model.best_validation_score_, abs=1e-12
    )
