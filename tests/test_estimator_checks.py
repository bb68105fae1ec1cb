"""scikit-learn's own estimator checks, with no expected failure."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_elman import ElmanClassifier, ElmanRegressor, SequenceScaler


# The checks fit on random data with the default max_iter, where L-BFGS may
# legitimately stop before converging; every other warning stays an error.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([ElmanClassifier(), ElmanRegressor(), SequenceScaler()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
