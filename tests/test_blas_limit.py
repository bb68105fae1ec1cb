"""The time loops' single-thread BLAS limit is restored, also under concurrency."""

import threading

import numpy as np
import pytest
from _helpers import fit_quietly
from threadpoolctl import threadpool_info

from sklearn_elman import ElmanClassifier


def _blas_threads():
    return [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]


def test_concurrent_predictions_restore_the_blas_thread_limit():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 30, 3))
    y = (X[:, 0, 0] > 0).astype(int)
    clf = fit_quietly(ElmanClassifier(6, max_iter=5, random_state=0), X, y)
    before = _blas_threads()
    sequential = clf.predict_proba(X)
    results = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def predict(i):
        start.wait()  # overlap as much as possible
        for _ in range(20):
            results[i].append(clf.predict_proba(X))

    threads = [threading.Thread(target=predict, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _blas_threads() == before
    for outputs in results:
        for proba in outputs:
            np.testing.assert_array_equal(proba, sequential)


# catch_warnings is not thread-safe: filter for the whole test instead
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_fits_restore_the_blas_thread_limit():
    """Fits evaluate chunks on threads under the same shared limit."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 10, 2))  # >= 256 samples: two chunks, two threads
    y = (X[:, 0, 0] > 0).astype(int)
    before = _blas_threads()
    sequential = [
        ElmanClassifier(4, max_iter=5, random_state=i).fit(X, y) for i in range(4)
    ]
    models = [ElmanClassifier(4, max_iter=5, random_state=i) for i in range(4)]
    threads = [threading.Thread(target=model.fit, args=(X, y)) for model in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _blas_threads() == before
    for model, reference in zip(models, sequential, strict=True):
        np.testing.assert_array_equal(model.output_weights_, reference.output_weights_)
