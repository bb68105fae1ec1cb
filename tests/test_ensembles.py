"""Seed ensembles with scikit-learn's own meta-estimators, as the user guide's
recipe (docs/user_guide/architectures.rst) builds them.

``BaggingClassifier`` and ``BaggingRegressor`` validate X as 2-D: univariate
sequences go in as they are, multivariate ones flattened to
``(n_samples, n_timesteps * n_features)`` and reshaped back by a
``FunctionTransformer`` in front of the network. These tests prove what the
recipe relies on in Bagging's code (``sklearn/ensemble/_bagging.py``): with
``bootstrap=False`` and ``max_features=1.0`` every member is fitted on all rows
and all columns in their original order, each with its own ``random_state``,
and ``predict_proba`` is the mean of the members'.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import (
    BaggingClassifier,
    BaggingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.random import sample_without_replacement

from sklearn_elman import ElmanClassifier, ElmanRegressor
from sklearn_elman.datasets import (
    make_sequence_classification,
    make_sequence_regression,
)

# Small networks on a small budget of iterations: what is tested is how the
# ensembles are built, not whether L-BFGS converged.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_TIMESTEPS, N_FEATURES = 6, 2


def to_sequences(X, n_features):
    """The recipe's reshape: (n_samples, n_timesteps * n_features) rows back
    to (n_samples, n_timesteps, n_features) sequences."""
    return X.reshape(len(X), -1, n_features)


def _sequences(n_samples=60, seed=0):
    """Padded 3-D sequences of 3 to 6 steps and 3 classes."""
    return make_sequence_classification(
        n_samples,
        n_timesteps=N_TIMESTEPS,
        n_features=N_FEATURES,
        n_classes=3,
        min_timesteps=3,
        random_state=seed,
    )


def _flat_recipe(n_estimators=3, n_jobs=None, **elman_params):
    network = ElmanClassifier(4, max_iter=15, **elman_params)
    member = make_pipeline(
        FunctionTransformer(to_sequences, kw_args={"n_features": N_FEATURES}),
        network,
    )
    return BaggingClassifier(
        member,
        n_estimators=n_estimators,
        bootstrap=False,
        n_jobs=n_jobs,
        random_state=0,
    )


def test_bagging_members_get_distinct_seeds_and_the_columns_in_order():
    X, y = _sequences()
    X_flat = X.reshape(len(X), -1)  # NaN padding passes Bagging's validation
    bagging = _flat_recipe().fit(X_flat, y)

    seeds = [member[-1].random_state for member in bagging.estimators_]
    assert all(isinstance(seed, int) for seed in seeds)
    assert len(set(seeds)) == len(seeds)
    # Every member drew all rows and all columns, in their original order ...
    for features, samples in zip(
        bagging.estimators_features_, bagging.estimators_samples_, strict=True
    ):
        np.testing.assert_array_equal(features, np.arange(X_flat.shape[1]))
        np.testing.assert_array_equal(samples, np.arange(len(X)))
    # ... its network read sequences of N_FEATURES features per step ...
    assert all(m[-1].n_features_in_ == N_FEATURES for m in bagging.estimators_)
    # ... and it is exactly the network one fits alone on the 3-D data with
    # the member's seed, which proves that no time step was moved.
    for member, seed in zip(bagging.estimators_, seeds, strict=True):
        alone = clone(member[-1]).set_params(random_state=seed).fit(X, y)
        np.testing.assert_array_equal(
            member.predict_proba(X_flat), alone.predict_proba(X)
        )


def test_bagging_predict_proba_is_the_mean_of_the_members():
    X, y = _sequences()
    X_flat = X.reshape(len(X), -1)
    bagging = _flat_recipe().fit(X_flat, y)
    mean = np.mean([m.predict_proba(X_flat) for m in bagging.estimators_], axis=0)
    np.testing.assert_allclose(bagging.predict_proba(X_flat), mean, rtol=1e-12)
    np.testing.assert_array_equal(
        bagging.predict(X_flat), bagging.classes_[mean.argmax(axis=1)]
    )


def test_bagging_takes_univariate_2d_sequences_without_a_reshape():
    X, y = make_sequence_classification(
        60, n_timesteps=8, n_features=1, min_timesteps=4, random_state=0
    )
    X = X[:, :, 0]  # (n_samples, n_timesteps): univariate, NaN-padded
    bagging = BaggingClassifier(
        ElmanClassifier(4, max_iter=15),
        n_estimators=3,
        bootstrap=False,
        random_state=0,
    ).fit(X, y)
    seeds = [member.random_state for member in bagging.estimators_]
    assert len(set(seeds)) == len(seeds)
    for member, seed in zip(bagging.estimators_, seeds, strict=True):
        alone = clone(member).set_params(random_state=seed).fit(X, y)
        np.testing.assert_array_equal(member.predict_proba(X), alone.predict_proba(X))
    mean = np.mean([m.predict_proba(X) for m in bagging.estimators_], axis=0)
    np.testing.assert_allclose(bagging.predict_proba(X), mean, rtol=1e-12)


def test_bagging_regressor_predicts_the_mean_of_the_members():
    X, y = make_sequence_regression(
        60, n_timesteps=N_TIMESTEPS, n_features=N_FEATURES, random_state=0
    )
    X_flat = X.reshape(len(X), -1)
    member = make_pipeline(
        FunctionTransformer(to_sequences, kw_args={"n_features": N_FEATURES}),
        ElmanRegressor(4, max_iter=15),
    )
    bagging = BaggingRegressor(
        member, n_estimators=3, bootstrap=False, random_state=0
    ).fit(X_flat, y)
    seeds = [m[-1].random_state for m in bagging.estimators_]
    assert len(set(seeds)) == len(seeds)
    mean = np.mean([m.predict(X_flat) for m in bagging.estimators_], axis=0)
    np.testing.assert_allclose(bagging.predict(X_flat), mean, rtol=1e-12)


@pytest.mark.parametrize("n_columns", [1, 2, 8, 64, 1000])
def test_full_width_feature_draw_is_the_identity(n_columns):
    """Bagging draws each member's columns with sample_without_replacement,
    even without bootstrap_features; at full width (ratio 1) that runs
    reservoir sampling, which returns 0..n-1 in order and uses no random
    number. The recipe's column order depends on this."""
    for seed in range(20):
        np.testing.assert_array_equal(
            sample_without_replacement(n_columns, n_columns, random_state=seed),
            np.arange(n_columns),
        )


def test_bagging_with_fewer_columns_would_scramble_the_time_steps():
    """Why the recipe keeps max_features=1.0: any smaller fraction draws a
    random subset in random order, which the reshape would read as other
    time steps and features."""
    X, y = _sequences()
    X_flat = X.reshape(len(X), -1)
    bagging = BaggingClassifier(
        ElmanClassifier(4, max_iter=5),
        n_estimators=2,
        max_features=0.5,
        bootstrap=False,
        random_state=0,
    ).fit(X_flat, y)
    for features in bagging.estimators_features_:
        assert not np.array_equal(features, np.sort(features))


def test_bagging_without_bootstrap_drops_sample_weight():
    """Bagging uses sample_weight only to draw rows: without the bootstrap it
    draws every row once and fits the members unweighted (with a warning)."""
    X, y = _sequences()
    X_flat = X.reshape(len(X), -1)
    weights = np.random.RandomState(0).randint(1, 4, size=len(X)).astype(float)
    with pytest.warns(UserWarning, match="bootstrap=True"):
        bagging = _flat_recipe(n_estimators=1).fit(X_flat, y, sample_weight=weights)
    member = bagging.estimators_[0]
    unweighted = clone(member[-1]).fit(X, y)
    weighted = clone(member[-1]).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(
        member.predict_proba(X_flat), unweighted.predict_proba(X), atol=1e-10
    )
    assert not np.allclose(member.predict_proba(X_flat), weighted.predict_proba(X))


def _voting(n_seeds=3, n_jobs=None):
    return VotingClassifier(
        [
            (f"seed{s}", ElmanClassifier(4, max_iter=15, random_state=s))
            for s in range(n_seeds)
        ],
        voting="soft",
        n_jobs=n_jobs,
    )


def test_soft_voting_over_seeds_takes_3d_and_ragged_sequences():
    X, y = _sequences()
    voting = _voting().fit(X, y)
    mean = np.mean([m.predict_proba(X) for m in voting.estimators_], axis=0)
    np.testing.assert_allclose(voting.predict_proba(X), mean, rtol=1e-12)
    assert voting.n_features_in_ == N_FEATURES

    ragged = [x[~np.isnan(x).all(axis=1)] for x in X]
    np.testing.assert_allclose(voting.predict_proba(ragged), mean, rtol=1e-12)
    ragged_fit = _voting().fit(ragged, y)
    np.testing.assert_allclose(ragged_fit.predict_proba(X), mean, rtol=1e-12)


def test_soft_voting_passes_sample_weight_to_every_member():
    X, y = _sequences()
    weights = np.random.RandomState(0).randint(1, 4, size=len(X)).astype(float)
    voting = _voting(n_seeds=2).fit(X, y, sample_weight=weights)
    for member in voting.estimators_:
        alone = clone(member).fit(X, y, sample_weight=weights)
        np.testing.assert_array_equal(member.predict_proba(X), alone.predict_proba(X))


def test_voting_regressor_over_seeds_predicts_the_mean():
    X, y = make_sequence_regression(60, n_timesteps=N_TIMESTEPS, random_state=0)
    voting = VotingRegressor(
        [(f"seed{s}", ElmanRegressor(4, max_iter=15, random_state=s)) for s in range(3)]
    ).fit(X, y)
    mean = np.mean([m.predict(X) for m in voting.estimators_], axis=0)
    np.testing.assert_allclose(voting.predict(X), mean, rtol=1e-12)


def test_two_jobs_fit_the_same_ensembles_as_one():
    X, y = _sequences()
    X_flat = X.reshape(len(X), -1)
    for one, two, X_in in [
        (_flat_recipe(n_estimators=2), _flat_recipe(n_estimators=2, n_jobs=2), X_flat),
        (_voting(2), _voting(2, n_jobs=2), X),
    ]:
        np.testing.assert_array_equal(
            one.fit(X_in, y).predict_proba(X_in), two.fit(X_in, y).predict_proba(X_in)
        )
