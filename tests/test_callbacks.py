"""scikit-learn's callbacks (``sklearn.callback``): a fit is a task with one
subtask per L-BFGS iteration (docs/user_guide/training_control.rst)."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _helpers import failing_line_search
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_elman import (
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceDifferencer,
    SequencePooler,
    SequenceScaler,
)
from sklearn_elman.datasets import make_sequence_classification

try:
    from sklearn.callback import ProgressBar, ScoringMonitor
except ImportError:  # scikit-learn < 1.9: only the last test applies
    ProgressBar = ScoringMonitor = None

needs_callbacks = pytest.mark.skipif(
    ProgressBar is None, reason="scikit-learn < 1.9 has no sklearn.callback"
)

# A small max_iter keeps these fits short; where L-BFGS does not converge in it,
# the ConvergenceWarning is expected. Tests of a stop check for its absence.
quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class Recorder:
    """Records every hook call; ``stop_after`` makes the end of that iteration
    ask to stop, ``fail_after`` makes it raise."""

    def __init__(self, stop_after=None, fail_after=None):
        self.stop_after = stop_after
        self.fail_after = fail_after
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name, None))

    def on_fit_task_begin(self, estimator, context):
        self.calls.append(("begin", context.task_name, None))

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.calls.append(("end", context.task_name, fitted_estimator))
        self.last_task = {"X": X, "y": y, "metadata": metadata}
        if context.task_name == "iteration" and fitted_estimator is not None:
            if fitted_estimator.n_iter_ == self.fail_after:
                raise RuntimeError("the callback failed")
            return fitted_estimator.n_iter_ == self.stop_after
        return False

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name, None))

    def iterations(self):
        """The fitted estimators passed to the ends of the iterations."""
        return [
            fitted
            for hook, task, fitted in self.calls
            if hook == "end" and task == "iteration"
        ]

    def count(self, hook, task):
        return sum(1 for h, t, _ in self.calls if (h, t) == (hook, task))


def _data(Estimator, n_samples=40, n_timesteps=6):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, n_timesteps, 2))
    per_step = Estimator in (ElmanSequenceClassifier, ElmanSequenceRegressor)
    signal = np.cumsum(X[..., 0], axis=1) if per_step else X[:, :, 0].sum(axis=1)
    classify = Estimator in (ElmanClassifier, ElmanSequenceClassifier)
    return X, (signal > 0).astype(int) if classify else signal


def _predictions(estimator, X):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X)


ESTIMATORS = [
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
]


@needs_callbacks
@quiet
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("max_iter", [8, 200], ids=["max_iter", "converged"])
def test_each_iteration_is_one_subtask(Estimator, max_iter):
    X, y = _data(Estimator)
    recorder = Recorder()
    model = Estimator(4, max_iter=max_iter, tol=3e-2, random_state=0)
    model.set_callbacks(recorder).fit(X, y)

    assert 0 < model.n_iter_ <= max_iter
    assert (model.n_iter_ < max_iter) == (max_iter == 200)
    assert recorder.count("begin", "iteration") == model.n_iter_
    assert recorder.count("end", "iteration") == model.n_iter_
    assert [fitted.n_iter_ for fitted in recorder.iterations()] == list(
        range(1, model.n_iter_ + 1)
    )
    hooks = [(hook, task) for hook, task, _ in recorder.calls]
    assert hooks[:2] == [("setup", "fit"), ("begin", "fit")]
    assert hooks[-2:] == [("end", "fit"), ("teardown", "fit")]
    # the fit's own end gets the fitted estimator, and nothing is left behind
    assert recorder.calls[-2][2].n_iter_ == model.n_iter_
    assert not hasattr(model, "_callback_fit_ctx")


@needs_callbacks
def test_a_fit_that_starts_converged_has_no_subtask():
    X, y = _data(ElmanRegressor)
    reg = ElmanRegressor(4, tol=3e-2, random_state=0).fit(X, y)
    recorder = Recorder()
    reg.set_params(warm_start=True).set_callbacks(recorder).fit(X, y)
    assert reg.n_iter_ == 0
    assert recorder.count("begin", "iteration") == 0
    assert recorder.count("end", "fit") == 1


@needs_callbacks
@pytest.mark.parametrize(
    "Transformer", [SequenceScaler, SequenceDifferencer, SequencePooler]
)
def test_the_transformers_fit_is_one_task(Transformer):
    X, _ = _data(ElmanRegressor)
    recorder = Recorder()
    Transformer().set_callbacks(recorder).fit(X)
    hooks = [(hook, task) for hook, task, _ in recorder.calls]
    assert hooks == [
        ("setup", "fit"),
        ("begin", "fit"),
        ("end", "fit"),
        ("teardown", "fit"),
    ]
    fitted = recorder.calls[2][2]
    np.testing.assert_array_equal(fitted.transform(X), Transformer().fit_transform(X))


@needs_callbacks
@quiet
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_estimator_predicts_as_a_fit_stopped_there(Estimator):
    """L-BFGS with max_iter=k takes the same path and stops at iteration k."""
    X, y = _data(Estimator)
    recorder = Recorder()
    Estimator(4, max_iter=6, random_state=0).set_callbacks(recorder).fit(X, y)
    fitted = recorder.iterations()
    assert len(fitted) == 6
    for k in [1, 3, 6]:
        stopped = Estimator(4, max_iter=k, random_state=0).fit(X, y)
        np.testing.assert_array_equal(
            _predictions(fitted[k - 1], X), _predictions(stopped, X)
        )
        assert fitted[k - 1].n_iter_ == stopped.n_iter_ == k
        assert fitted[k - 1].loss_ == stopped.loss_
        assert fitted[k - 1].loss_curve_ == stopped.loss_curve_


@needs_callbacks
@quiet
def test_fitted_estimator_with_early_stopping_keeps_the_best_iteration_so_far():
    X, y = _data(ElmanClassifier, n_samples=80)
    params = dict(
        alpha=0.0, early_stopping=True, n_iter_no_change=np.inf, random_state=0
    )
    recorder = Recorder()
    ElmanClassifier(8, max_iter=25, **params).set_callbacks(recorder).fit(X, y)
    fitted = recorder.iterations()
    scores = fitted[-1].validation_scores_
    # an iteration after which the weights kept are an earlier iteration's
    k = next(k for k in range(2, 26) if np.argmax(scores[:k]) < k - 1)
    stopped = ElmanClassifier(8, max_iter=k, **params).fit(X, y)
    np.testing.assert_array_equal(
        fitted[k - 1].predict_proba(X), stopped.predict_proba(X)
    )
    assert fitted[k - 1].loss_ == stopped.loss_
    assert fitted[k - 1].best_validation_score_ == stopped.best_validation_score_


@needs_callbacks
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_callback_returning_true_stops_the_fit_there(Estimator):
    X, y = _data(Estimator)
    model = Estimator(4, max_iter=50, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning for a requested stop
        model.set_callbacks(Recorder(stop_after=3)).fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) == 3
    assert model.loss_ == model.loss_curve_[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        three = Estimator(4, max_iter=3, tol=0.0, random_state=0).fit(X, y)
    np.testing.assert_array_equal(_predictions(model, X), _predictions(three, X))


@needs_callbacks
def test_a_stop_with_early_stopping_and_verbose(capsys):
    X, y = _data(ElmanClassifier, n_samples=80)
    recorder = Recorder(stop_after=4)
    clf = ElmanClassifier(
        8, early_stopping=True, n_iter_no_change=np.inf, verbose=True, random_state=0
    )
    clf.set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == len(clf.validation_scores_) == 4
    best = int(np.argmax(clf.validation_scores_))
    assert clf.loss_ == clf.loss_curve_[best]  # early stopping's choice stands
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert lines[-1] == "A callback stopped the fit after iteration 4."


@needs_callbacks
@quiet
def test_early_stopping_ends_the_iteration_it_stops_at():
    X, y = _data(ElmanClassifier, n_samples=80)
    recorder = Recorder()
    clf = ElmanClassifier(8, alpha=0.0, early_stopping=True, n_iter_no_change=2)
    clf.set_params(max_iter=500, random_state=0).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ < 500
    assert recorder.count("begin", "iteration") == clf.n_iter_
    assert recorder.count("end", "iteration") == clf.n_iter_


@needs_callbacks
def test_a_failed_line_search_ends_its_iteration_without_an_estimator():
    """L-BFGS's line search fails (ABNORMAL) in an iteration that is not one
    of n_iter_."""
    X, y = make_sequence_classification(100, n_timesteps=10, random_state=0)
    recorder = Recorder()
    clf = ElmanClassifier(8, max_iter=500, random_state=0)
    with (
        failing_line_search(after=10),
        pytest.warns(ConvergenceWarning, match="line search found no lower"),
    ):
        clf.set_callbacks(recorder).fit(X, y)
    assert 0 < clf.n_iter_ < 10
    fitted = recorder.iterations()
    assert len(fitted) == clf.n_iter_ + 1 == recorder.count("begin", "iteration")
    assert fitted[-1] is None
    assert fitted[-2].n_iter_ == clf.n_iter_


@needs_callbacks
@quiet
@pytest.mark.parametrize("fitted_before", [False, True], ids=["unfitted", "fitted"])
def test_a_callback_that_raises_leaves_the_estimator_as_it_was(fitted_before):
    X, y = _data(ElmanClassifier)
    clf = ElmanClassifier(4, max_iter=5, random_state=0)
    if fitted_before:
        clf.fit(X, y)
    before = dict(vars(clf))
    recorder = Recorder(fail_after=2)
    clf.set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="the callback failed"):
        clf.set_params(max_iter=20, warm_start=True).fit(X, y)
    assert recorder.calls[-1][0] == "teardown"
    clf.set_callbacks().set_params(max_iter=5, warm_start=False)
    assert vars(clf).keys() == before.keys()
    if fitted_before:
        fitted = [name for name in before if name.endswith("_")]
        assert all(vars(clf)[name] is before[name] for name in fitted)
    else:
        with pytest.raises(NotFittedError):
            clf.predict(X)


@needs_callbacks
@quiet
def test_callbacks_see_the_arguments_given_to_fit():
    X, y = _data(ElmanSequenceRegressor)
    X_list = [x[: 3 + i % 4] for i, x in enumerate(X)]  # ragged: fit pads it
    y_list = [t[: 3 + i % 4] for i, t in enumerate(y)]
    sample_weight = np.linspace(0.5, 2.0, len(X))
    recorder = Recorder()
    reg = ElmanSequenceRegressor(4, max_iter=3, random_state=0)
    reg.set_callbacks(recorder).fit(X_list, y_list, sample_weight=sample_weight)
    assert recorder.last_task["X"] is X_list
    assert recorder.last_task["y"] is y_list
    assert recorder.last_task["metadata"]["sample_weight"] is sample_weight
    reg.fit(X, y)
    assert recorder.last_task["metadata"] is None


@needs_callbacks
@quiet
def test_scoring_monitor_records_one_score_per_iteration():
    X, y = _data(ElmanClassifier)
    sample_weight = np.linspace(0.5, 2.0, len(y))
    monitor = ScoringMonitor(scoring="accuracy")
    clf = ElmanClassifier(4, max_iter=6, random_state=0).set_callbacks(monitor)
    clf.fit(X, y, sample_weight=sample_weight)
    rows = monitor.get_logs().data
    scores = [row["accuracy"] for row in rows if row["task_name"] == "iteration"]
    assert len(scores) == clf.n_iter_ == 6
    for k in [1, 6]:
        stopped = ElmanClassifier(4, max_iter=k, random_state=0)
        stopped.fit(X, y, sample_weight=sample_weight)
        assert scores[k - 1] == stopped.score(X, y, sample_weight=sample_weight)


@pytest.fixture
def progress_bars(capsys):
    """Returns the progress bars rich printed, one line each (stdout is no
    terminal), wide enough for whole descriptions."""
    rich = pytest.importorskip("rich")
    rich.reconfigure(width=200)
    yield lambda: [line for line in capsys.readouterr().out.splitlines() if "%" in line]
    rich.reconfigure()


@needs_callbacks
@quiet
def test_progress_bar_on_the_estimator(progress_bars):
    X, y = _data(ElmanRegressor)
    reg = ElmanRegressor(4, max_iter=5, random_state=0)
    reg.set_callbacks(ProgressBar()).fit(X, y)
    (bar,) = progress_bars()
    assert bar.startswith("ElmanRegressor - fit") and "100%" in bar


@needs_callbacks
@quiet
def test_progress_bar_in_a_pipeline(progress_bars):
    X, y = _data(ElmanClassifier)
    pipe = make_pipeline(SequenceScaler(), ElmanClassifier(4, max_iter=5))
    pipe.set_callbacks(ProgressBar()).fit(X, y)  # no warning: both take callbacks
    pipeline, scaler, classifier = progress_bars()
    assert pipeline.startswith("Pipeline - fit")
    assert "SequenceScaler - fit" in scaler
    assert "ElmanClassifier - fit" in classifier and "100%" in classifier


@needs_callbacks
@quiet
def test_progress_bar_in_a_grid_search_is_propagated(progress_bars):
    X, y = _data(ElmanClassifier)
    search = GridSearchCV(
        ElmanClassifier(4, max_iter=5, random_state=0), {"alpha": [0.1, 1.0]}, cv=2
    )
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    bars = progress_bars()
    # 2 candidates x 2 folds and the refit, each with its own bar
    assert sum("ElmanClassifier - fit" in bar for bar in bars) == 5
    assert all("100%" in bar for bar in bars)
    assert not hasattr(search.best_estimator_, "_skl_callbacks")


@needs_callbacks
@quiet
def test_callbacks_leave_clone_params_pickling_and_the_fit_unchanged():
    X, y = _data(ElmanClassifier)
    plain = ElmanClassifier(4, max_iter=5, random_state=0).fit(X, y)
    recorder = Recorder()
    clf = ElmanClassifier(4, max_iter=5, random_state=0).set_callbacks(recorder)
    assert clf.get_params() == plain.get_params()
    assert clone(clf)._skl_callbacks == [recorder]  # scikit-learn's rule
    clf.fit(X, y)
    # the same path, to the bit, and the same fitted attributes
    assert set(vars(clf)) == set(vars(plain)) | {"_skl_callbacks"}
    np.testing.assert_array_equal(clf.output_weights_, plain.output_weights_)
    assert clf.loss_curve_ == plain.loss_curve_
    restored = pickle.loads(pickle.dumps(clf.set_callbacks()))
    np.testing.assert_array_equal(restored.predict_proba(X), plain.predict_proba(X))


def test_without_sklearn_callback_the_estimators_fit_and_refuse_callbacks():
    """scikit-learn < 1.9 has no sklearn.callback, simulated here by hiding it
    from imports (scikit-learn 1.9's own fit wrapper, pipeline and search have
    imported what they use); the CV estimators fit without callbacks too."""
    script = """
import sys, warnings
import numpy as np
import sklearn.base, sklearn.compose, sklearn.model_selection, sklearn.pipeline
try:
    import sklearn.callback._callback_support
except ImportError:  # a scikit-learn that has no sklearn.callback indeed
    pass
sys.modules["sklearn.callback"] = None
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn_elman import ElmanClassifier, ElmanClassifierCV
X = np.random.RandomState(0).normal(size=(30, 5, 2))
y = (X[:, 0, 0] > 0).astype(int)
clf = ElmanClassifier(3, max_iter=5, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X, y)
    GridSearchCV(clf, {"alpha": [0.1, 1.0]}, cv=2).fit(X, y)
cv = ElmanClassifierCV(
    alphas=[1.0], readouts=["last"], differences=[0], hidden_layer_sizes=3,
    max_iter=5, n_members=1, cv=2,
).fit(X, y)
assert clf.predict(X).shape == cv.predict(X).shape == (30,)
try:
    clf.set_callbacks(object())
except ImportError as exc:
    print(exc)
"""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("set_callbacks needs scikit-learn >= 1.9")
