"""Models pickled by an earlier release still load and predict identically.

The fixture was written by tests/fixtures/make_fixture.py.
"""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sklearn_elman import ElmanClassifier, ElmanRegressor

FIXTURE = Path(__file__).parent / "fixtures" / "elman_v0_1.pkl"


@pytest.fixture(scope="module")
def payload():
    with FIXTURE.open("rb") as f, warnings.catch_warnings():
        # A scikit-learn upgrade warns on unpickling (InconsistentVersionWarning);
        # that warning is scikit-learn's business, the predictions are ours.
        warnings.filterwarnings("ignore", message="Trying to unpickle estimator")
        return pickle.load(f)


def test_fixture_is_small():
    assert FIXTURE.stat().st_size < 50_000


def test_fixture_holds_both_estimators(payload):
    assert isinstance(payload["classifier"], ElmanClassifier)
    assert isinstance(payload["regressor"], ElmanRegressor)


def test_loaded_models_predict_identically(payload):
    """The same labels, and the same values to rounding: the stored values
    were computed with one CPU's OpenBLAS kernels, and another CPU's round
    the last bits differently (up to 1e-13 relative under Sandybridge,
    Nehalem and Prescott against Haswell and SkylakeX)."""
    X = payload["X"]
    np.testing.assert_array_equal(
        payload["classifier"].predict(X), payload["classifier_predict"]
    )
    np.testing.assert_allclose(
        payload["classifier"].predict_proba(X),
        payload["classifier_predict_proba"],
        rtol=1e-12,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        payload["regressor"].predict(X),
        payload["regressor_predict"],
        rtol=1e-12,
        atol=1e-15,
    )


def test_loaded_models_can_be_refitted(payload):
    """The unpickled objects are complete estimators, not just weight holders."""
    X = payload["X"]
    model = clone(payload["regressor"]).set_params(max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, payload["regressor_predict"])
    assert np.all(np.isfinite(model.predict(X)))
