"""scikit-learn's own estimator checks.

The per-sequence estimators (with the last-state and pooled readouts),
SequenceScaler, SequenceDifferencer (with and without the original features)
and SequencePooler (windows of 1 to 3 steps, one and four statistics) pass
every check, none expected
to fail. The per-step estimators need one target per time step, and the checks
give one per sample, so they are checked twice: as they are, where every check
that passes y of shape (n_samples,) must fail with the exception pinned for it
(our ValueError, or the check's complaint about it: a check that starts
passing, or fails otherwise, is reported); and through a thin adapter
that gives each sequence's target to every one of its steps and predicts from
the last step, which runs every check against the real per-step fit, predict
and score.
"""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceDifferencer,
    SequencePooler,
    SequenceScaler,
)

# The checks fit on random data with the default max_iter, where L-BFGS may
# legitimately stop before converging; every other warning stays an error.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [
        ElmanClassifier(),
        ElmanRegressor(),
        ElmanClassifier(readout=["last", "mean", "max"]),
        ElmanRegressor(readout="max", bidirectional=True),
        SequenceScaler(),
        SequenceDifferencer(),
        SequenceDifferencer(keep_original=False),
        SequencePooler(),
        SequencePooler(window=3),
        SequencePooler(window=2, statistics=["mean", "std", "min", "max"]),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# These checks pass y of shape (n_samples,): one target per sequence, where a
# per-step estimator needs one per time step.
_PER_SAMPLE_Y_CHECKS = [
    "check_all_zero_sample_weights_error",
    "check_array_api_input",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_non_transformer_estimators_n_iter",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weights_list",
    "check_sample_weights_not_an_array",
    "check_sample_weights_not_overwritten",
    "check_sample_weights_pandas_series",
    "check_sample_weights_shape",
    "check_supervised_y_2d",
]
_PER_SAMPLE_Y_CLASSIFIER_CHECKS = [
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_one_label",
    "check_classifiers_one_label_sample_weights",
    "check_classifiers_regression_target",
    "check_classifiers_train",
]
_PER_SAMPLE_Y_REGRESSOR_CHECKS = [
    "check_regressor_data_not_an_array",
    "check_regressor_multioutput",
    "check_regressors_int",
    "check_regressors_no_decision_function",
    "check_regressors_train",
]


# What each of those checks raises, pinned: our ValueError for y of shape
# (n_samples,), or, where the check catches it, the check's own complaint
# (quoting our message where the check does).
_PER_SAMPLE_Y = (
    r"y has shape \(\d+,( \d+)?\), but X has \d+ samples of \d+ time steps: "
    r"per-step targets need shape"
)
_CHECKS_COMPLAINT = {
    "check_all_zero_sample_weights_error": (
        AssertionError,
        r"should contain one of the following patterns:(.|\n)*Got " + _PER_SAMPLE_Y,
    ),
    "check_fit2d_1feature": (
        AssertionError,
        r"should contain one of the following patterns:(.|\n)*Got " + _PER_SAMPLE_Y,
    ),
    "check_positive_only_tag_during_fit": (
        AssertionError,
        "raised ValueError unexpectedly. This happens when passing negative input",
    ),
    "check_sample_weights_pandas_series": (
        ValueError,
        "raises error if 'sample_weight' parameter is of type pandas.Series",
    ),
    "check_classifiers_one_label": (
        AssertionError,
        "Classifier can't train when only one class is present",
    ),
    "check_classifiers_one_label_sample_weights": (
        AssertionError,
        "Error message is not explicit, it should have 'class'",
    ),
    "check_classifiers_regression_target": (
        AssertionError,
        "When a classifier is passed a continuous target, it should raise",
    ),
}


def _per_sample_y_checks(estimator):
    names = _PER_SAMPLE_Y_CHECKS + (
        _PER_SAMPLE_Y_CLASSIFIER_CHECKS
        if isinstance(estimator, ElmanSequenceClassifier)
        else _PER_SAMPLE_Y_REGRESSOR_CHECKS
    )
    return {
        name: _CHECKS_COMPLAINT.get(name, (ValueError, _PER_SAMPLE_Y)) for name in names
    }


def _run_check(estimator, check, expected_failures):
    """Run the check; one expected to fail must raise exactly the exception
    pinned for it, so that a check that passes, or fails otherwise, is
    reported (``xfail(raises=...)`` would pin the type only)."""
    name = getattr(check, "func", check).__name__
    expected = expected_failures(estimator).get(name)
    if expected is None:
        check(estimator)
        return
    error, message = expected
    with pytest.raises(error, match=message) as raised:
        check(estimator)
    assert type(raised.value) is error  # not a subclass


@parametrize_with_checks([ElmanSequenceClassifier(), ElmanSequenceRegressor()])
def test_per_step_estimators_as_they_are(estimator, check):
    _run_check(estimator, check, _per_sample_y_checks)


def _at_every_step(X, y):
    """A check's targets, one per sequence, given to every time step of it."""
    if y is None or np.ndim(np.asarray(X)) not in (2, 3):
        return y  # the estimator's own error is what the check looks for
    n_timesteps = np.asarray(X).shape[1]
    return np.repeat(np.asarray(y)[:, np.newaxis], n_timesteps, axis=1)


class LastStepClassifier(ElmanSequenceClassifier):
    """ElmanSequenceClassifier as a per-sequence classifier, for the checks."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, _at_every_step(X, y), sample_weight)

    def predict(self, X):
        return super().predict(X)[:, -1]

    def predict_proba(self, X):
        return super().predict_proba(X)[:, -1]

    def score(self, X, y, sample_weight=None):
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class LastStepRegressor(ElmanSequenceRegressor):
    """ElmanSequenceRegressor as a per-sequence regressor, for the checks."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, _at_every_step(X, y), sample_weight)

    def predict(self, X):
        return super().predict(X)[:, -1]

    def score(self, X, y, sample_weight=None):
        return r2_score(y, self.predict(X), sample_weight=sample_weight)


def _adapter_failures(estimator):
    if isinstance(estimator, LastStepClassifier):
        # y of shape (n_samples, 1) becomes per-step targets of shape
        # (n_samples, n_timesteps, 1), which the classifier rejects (one label
        # per step) instead of raveling it with a warning
        return {
            "check_supervised_y_2d": (
                ValueError,
                "LastStepClassifier needs one label per time step; y has 1 values",
            )
        }
    return {}


# max_iter=100: every step of a check's sequence gets the sequence's target,
# which early steps cannot predict, so L-BFGS runs to max_iter.
@parametrize_with_checks(
    [LastStepClassifier(max_iter=100), LastStepRegressor(max_iter=100)]
)
def test_per_step_estimators_through_an_adapter(estimator, check):
    _run_check(estimator, check, _adapter_failures)
