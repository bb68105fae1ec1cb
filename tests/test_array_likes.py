"""Arrays of other libraries, aeon's channels-first layout, NumPy integers.

Arrays that are not NumPy's (torch tensors, objects with ``__array__`` or
only ``__dlpack__``) give exactly the results of the NumPy arrays they
convert to, in every layout and every method that reads sequences; one
outside CPU memory is a TypeError that says to move it there. A 3-D X that
looks channels-first warns at fit, and ``from_channels_first`` turns aeon's
collections into sequences. Integer parameters take NumPy integers, and 0-d
arrays where the parameter takes arrays, or say which parameter is wrong.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_elman import (
    ChannelsFirstWarning,
    ElmanClassifier,
    ElmanRegressor,
    ElmanSequenceClassifier,
    ElmanSequenceRegressor,
    SequenceDifferencer,
    SequencePooler,
    SequenceScaler,
    from_channels_first,
    pad_sequences,
)
from sklearn_elman.datasets import (
    make_sequence_classification,
    make_sequence_regression,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = {"hidden_layer_sizes": 2, "max_iter": 2, "random_state": 0}


class ArrayOnly:
    """An array of another library that NumPy reads through ``__array__``."""

    def __init__(self, array):
        self._array = array

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._array, dtype=dtype)


class DLPackOnly:
    """An array of another library that exports its data only by DLPack."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


class UnknownDevice(DLPackOnly):
    """A CPU array whose ``__dlpack_device__`` fails: read by its conversion."""

    def __dlpack_device__(self):
        raise ValueError("no device type")


class OnGPU(DLPackOnly):
    """An array whose DLPack device is a GPU (kDLCUDA, device 0)."""

    def __array__(self, dtype=None, copy=None):  # reachable only by mistake
        raise AssertionError("an array on a GPU was read")

    def __dlpack_device__(self):
        return (2, 0)


def _torch(array):
    torch = pytest.importorskip("torch")
    return torch.from_numpy(array)


WRAPPERS = {"torch": _torch, "__array__": ArrayOnly, "__dlpack__": DLPackOnly}


def _layouts():
    """Each layout of X, with per-sample and per-step targets to fit it to."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 4, 2))
    steps = [2, 3, 4, 2, 3, 4]
    labels = np.arange(6) % 2
    step_labels = (X[:, :, 0] > 0).astype(int)
    ragged_labels = [step_labels[i, :n] for i, n in enumerate(steps)]
    return {
        "3-D": (X, labels, step_labels),
        "2-D": (X[:, :, 0], labels, step_labels),
        "ragged-2-D": ([X[i, :n] for i, n in enumerate(steps)], labels, ragged_labels),
        "ragged-1-D": (
            [X[i, :n, 0] for i, n in enumerate(steps)],
            labels,
            ragged_labels,
        ),
        "list-of-1-D": (list(X[:, :, 0]), labels, step_labels),
    }


LAYOUTS = _layouts()


def _wrap(wrapper, X):
    """X as arrays of another library: the array, or each sample of a list."""
    if isinstance(X, list):
        return [wrapper(x) for x in X]
    return wrapper(X)


def _targets(estimator, labels, step_labels):
    per_step = isinstance(estimator, (ElmanSequenceClassifier, ElmanSequenceRegressor))
    y = step_labels if per_step else labels
    if isinstance(estimator, (ElmanRegressor, ElmanSequenceRegressor)):
        y = [y_i.astype(float) for y_i in y] if isinstance(y, list) else y + 0.5
    return y


def _assert_same(result, expected):
    """Equal results of one type: arrays of one dtype, or lists of them."""
    assert type(result) is type(expected)
    if isinstance(expected, list):
        assert len(result) == len(expected)
        for r, e in zip(result, expected, strict=True):
            _assert_same(r, e)
    elif isinstance(expected, np.ndarray):
        assert result.dtype == expected.dtype
        assert_array_equal(result, expected)
    else:
        assert result == expected


ESTIMATORS = {
    ElmanClassifier: [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "transform",
    ],
    ElmanRegressor: ["predict", "transform"],
    ElmanSequenceClassifier: ["predict", "predict_proba"],
    ElmanSequenceRegressor: ["predict"],
}


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_estimators_read_arrays_of_other_libraries_as_numpy(Estimator, layout, wrapper):
    X, labels, step_labels = LAYOUTS[layout]
    y = _targets(Estimator(), labels, step_labels)
    X_other = _wrap(WRAPPERS[wrapper], X)
    expected = Estimator(**SMALL).fit(X, y)
    fitted = Estimator(**SMALL).fit(X_other, y)
    assert_array_equal(fitted.output_weights_, expected.output_weights_)
    assert fitted.n_features_in_ == expected.n_features_in_
    for method in ESTIMATORS[Estimator]:
        _assert_same(getattr(fitted, method)(X_other), getattr(expected, method)(X))
    assert fitted.score(X_other, y) == expected.score(X, y)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_tensor_targets_fit_as_numpy_targets(Estimator, layout):
    X, labels, step_labels = LAYOUTS[layout]
    y = _targets(Estimator(), labels, step_labels)
    y_tensor = _wrap(_torch, y)
    expected = Estimator(**SMALL).fit(X, y)
    fitted = Estimator(**SMALL).fit(_wrap(_torch, X), y_tensor)
    assert_array_equal(fitted.output_weights_, expected.output_weights_)
    assert fitted.score(_wrap(_torch, X), y_tensor) == expected.score(X, y)
    if hasattr(expected, "classes_"):
        _assert_same(fitted.classes_, expected.classes_)


def test_tensor_targets_with_class_weights_and_early_stopping():
    X, labels, _ = LAYOUTS["3-D"]
    X, y = np.concatenate([X, X[::-1]]), np.concatenate([labels, labels])
    params = {**SMALL, "class_weight": "balanced", "early_stopping": True}
    expected = ElmanClassifier(**params, validation_fraction=0.25).fit(X, y)
    fitted = ElmanClassifier(**params, validation_fraction=0.25).fit(
        _torch(X), _torch(y), sample_weight=_torch(np.arange(12.0))
    )
    expected.fit(X, y, sample_weight=np.arange(12.0))
    assert_array_equal(fitted.predict_proba(X), expected.predict_proba(X))


TRANSFORMERS = [
    SequenceScaler(),
    SequencePooler(2, statistics=["mean", "max"]),
    SequencePooler(3),
    SequenceDifferencer(),
    SequenceDifferencer(keep_original=False),
]


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=repr)
def test_transformers_read_arrays_of_other_libraries_as_numpy(
    transformer, layout, wrapper
):
    X = LAYOUTS[layout][0]
    X_other = _wrap(WRAPPERS[wrapper], X)
    expected = transformer.fit_transform(X)
    _assert_same(transformer.fit_transform(X_other), expected)
    _assert_same(transformer.fit(X_other).transform(X_other), expected)
    if hasattr(transformer, "inverse_transform"):
        _assert_same(
            transformer.inverse_transform(_wrap(WRAPPERS[wrapper], expected)),
            transformer.inverse_transform(expected),
        )


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("layout", ["3-D", "ragged-2-D", "ragged-1-D"])
def test_pad_sequences_reads_arrays_of_other_libraries_as_numpy(layout, wrapper):
    X = LAYOUTS[layout][0]
    _assert_same(pad_sequences(_wrap(WRAPPERS[wrapper], X)), pad_sequences(X))


@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_float32_stays_float32(wrapper):
    X = LAYOUTS["3-D"][0].astype(np.float32)
    y = np.arange(len(X)) + 0.5
    X_other = WRAPPERS[wrapper](X)
    expected = ElmanRegressor(**SMALL).fit(X, y)
    fitted = ElmanRegressor(**SMALL).fit(X_other, y)
    assert fitted.transform(X_other).dtype == np.float32
    _assert_same(fitted.transform(X_other), expected.transform(X))
    _assert_same(fitted.predict(X_other), expected.predict(X))
    assert SequencePooler(2).fit_transform(X_other).dtype == np.float32
    ragged = [
        WRAPPERS[wrapper](x[:n]) for x, n in zip(X, [2, 3, 4, 2, 3, 4], strict=True)
    ]
    assert pad_sequences(ragged).dtype == np.float32


def test_tensors_are_never_modified():
    torch = pytest.importorskip("torch")
    X = torch.from_numpy(LAYOUTS["3-D"][0].copy())
    X[0, 1] = float("nan")  # an absent step
    original = X.clone()
    y = torch.arange(len(X)) % 2
    ElmanClassifier(**SMALL).fit(X, y).predict(X)
    for transformer in TRANSFORMERS:
        transformer.fit_transform(X)
    SequenceScaler().fit(X).inverse_transform(X)
    pad_sequences(X)
    from_channels_first(X)
    assert torch.equal(X.isnan(), original.isnan())
    assert torch.equal(X.nan_to_num(), original.nan_to_num())


def _on_meta(array):
    torch = pytest.importorskip("torch")
    return torch.from_numpy(array).to("meta")


@pytest.mark.parametrize("device", [_on_meta, OnGPU], ids=["torch-meta", "DLPack-GPU"])
def test_arrays_outside_cpu_memory_are_a_type_error(device):
    X, labels, _ = LAYOUTS["3-D"]
    fitted = ElmanClassifier(**SMALL).fit(X, labels)
    scaler = SequenceScaler().fit(X)
    calls = {
        "X": [
            lambda X_: ElmanClassifier(**SMALL).fit(X_, labels),
            fitted.predict,
            fitted.predict_proba,
            fitted.decision_function,
            fitted.transform,
            lambda X_: fitted.score(X_, labels),
            scaler.transform,
            scaler.inverse_transform,
            SequencePooler().fit,
            SequenceDifferencer().fit_transform,
            from_channels_first,
        ],
        "sequences": [pad_sequences],
    }
    for name, functions in calls.items():
        for function in functions:
            with pytest.raises(TypeError, match=rf"^{name} .* move it to the CPU.*cpu"):
                function(device(X))
    ragged = [X[0], device(X[1, :2])]
    fit = ElmanClassifier(**SMALL).fit
    for function in [fitted.predict, lambda X_: fit(X_, [0, 1]), pad_sequences]:
        with pytest.raises(TypeError, match=r"^Sample 1 of .* \.cpu\(\)"):
            function(ragged)


def test_an_array_whose_dlpack_device_fails_is_read_by_its_conversion():
    X = LAYOUTS["3-D"][0]
    _assert_same(pad_sequences(UnknownDevice(X)), pad_sequences(X))


def test_a_tensor_on_another_device_in_per_step_targets_is_named():
    X, _, step_labels = LAYOUTS["3-D"]
    with pytest.raises(TypeError, match=r"^y .* \.cpu\(\)"):
        ElmanSequenceClassifier(**SMALL).fit(X, OnGPU(step_labels))


def test_a_tensor_that_requires_grad_is_a_type_error_naming_x():
    torch = pytest.importorskip("torch")
    X = torch.ones((2, 3, 1), requires_grad=True)
    with pytest.raises(
        TypeError, match=r"^X .* cannot be read as a NumPy array.*detach"
    ):
        SequenceScaler().fit(X)


# The channels-first layout of aeon and sktime: (n_cases, n_channels, n_timepoints)


def test_a_channels_first_array_warns_at_fit():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 3, 50))  # 3 channels of 50 points
    y = np.arange(20) % 2
    match = r"20 sequences of 3 time steps of 50 features.*X\.transpose\(0, 2, 1\)"
    for estimator in [ElmanClassifier(**SMALL), SequenceScaler(), SequencePooler()]:
        with pytest.warns(ChannelsFirstWarning, match=match):
            estimator.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        ElmanClassifier(**SMALL).fit(from_channels_first(X), y)
        ElmanClassifier(**SMALL).fit(X.transpose(0, 2, 1), y)
        warnings.filterwarnings("ignore", category=ChannelsFirstWarning)
        ElmanClassifier(**SMALL).fit(X, y)  # silenced as the message says
    assert issubclass(ChannelsFirstWarning, UserWarning)


@pytest.mark.parametrize(
    ("shape", "warns"),
    [
        ((4, 1, 10), False),  # 10 features per step: at the bound
        ((4, 1, 11), True),  # aeon's univariate (n_cases, 1, n_timepoints)
        ((4, 3, 30), False),
        ((4, 3, 31), True),
        ((4, 8, 8), False),  # digits read row by row
        ((4, 2, 13), False),
        ((4, 50, 3), False),  # the library's own layout
    ],
)
def test_the_warning_fires_above_ten_times_as_many_features_as_steps(shape, warns):
    X = np.random.RandomState(0).normal(size=shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SequenceScaler().fit(X)
    assert [w.category for w in caught] == ([ChannelsFirstWarning] if warns else [])


def test_a_pipeline_warns_once_where_the_data_enters():
    """Pooling makes sequences short and wide by design: the network after a
    pooler does not warn about them; raw channels-first data warns once."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 16, 3))  # the library's layout
    y = np.arange(12) % 2
    pooled = make_pipeline(
        SequenceDifferencer(),
        SequenceDifferencer(),
        SequencePooler(8, statistics=["mean", "min", "max", "std"]),
        ElmanClassifier(**SMALL),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChannelsFirstWarning)
        pooled.fit(X, y)  # the network fits 2 steps of 48 features
        pooled.fit([x[: 10 + i % 3] for i, x in enumerate(X)], y)  # ragged
    assert pooled[:-1].transform(X).shape == (12, 2, 48)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pooled.fit(rng.normal(size=(12, 2, 30)), y)  # channels first
    assert [w.category for w in caught if w.category is not ConvergenceWarning] == [
        ChannelsFirstWarning
    ]


def test_no_warning_at_prediction_nor_for_2_d_or_ragged_input():
    rng = np.random.RandomState(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceScaler().fit(rng.normal(size=(4, 50)))  # univariate, any layout
        scaler = SequenceScaler().fit([rng.normal(size=(1, 40)), np.ones((2, 40))])
        scaler.transform(rng.normal(size=(4, 1, 40)))


def test_aeon_unequal_length_list_is_an_error_that_names_the_helper():
    rng = np.random.RandomState(0)
    unequal = [rng.normal(size=(3, 50)), rng.normal(size=(3, 40))]
    with pytest.raises(ValueError, match=r"Sample 1 of X .*from_channels_first"):
        ElmanClassifier(**SMALL).fit(unequal, [0, 1])


def test_from_channels_first_on_an_equal_length_array():
    rng = np.random.RandomState(0)
    X = rng.normal(
        size=(20, 3, 50)
    )  # aeon's loaders: (n_cases, n_channels, n_timepoints)
    original = X.copy()
    sequences = from_channels_first(X)
    assert sequences.shape == (20, 50, 3)
    assert_array_equal(sequences, X.transpose(0, 2, 1))
    assert_array_equal(X, original)
    univariate = rng.normal(size=(20, 1, 50))  # aeon's univariate collections
    assert from_channels_first(univariate).shape == (20, 50, 1)
    two_d = rng.normal(size=(20, 50))  # univariate: the same in both layouts
    assert from_channels_first(two_d) is two_d


def test_from_channels_first_on_an_unequal_length_list():
    rng = np.random.RandomState(0)
    unequal = [rng.normal(size=(3, n)) for n in (50, 40, 45)]
    sequences = from_channels_first(unequal)
    assert isinstance(sequences, list)
    assert [x.shape for x in sequences] == [(50, 3), (40, 3), (45, 3)]
    for x, series in zip(sequences, unequal, strict=True):
        assert_array_equal(x, series.T)
    univariate = [rng.normal(size=(1, n)) for n in (30, 20)]
    assert [x.shape for x in from_channels_first(univariate)] == [(30, 1), (20, 1)]
    one_d = [np.arange(3.0), np.arange(2.0)]
    assert [x.shape for x in from_channels_first(one_d)] == [(3,), (2,)]
    objects = np.empty(3, dtype=object)
    objects[:] = unequal
    assert [x.shape for x in from_channels_first(objects)] == [
        (50, 3),
        (40, 3),
        (45, 3),
    ]
    y = [0, 1, 0]
    model = ElmanClassifier(**SMALL).fit(sequences, y)
    assert model.n_features_in_ == 3


def test_from_channels_first_reads_tensors():
    X = np.random.RandomState(0).normal(size=(4, 3, 20)).astype(np.float32)
    _assert_same(from_channels_first(_torch(X)), X.transpose(0, 2, 1))
    _assert_same(
        from_channels_first([_torch(X[0]), _torch(X[1, :, :5])]),
        [X[0].T, X[1, :, :5].T],
    )


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.zeros(5), ValueError, "X has 1 dimensions"),
        (np.zeros((2, 3, 4, 5)), ValueError, "X has 4 dimensions"),
        (
            [np.zeros((3, 5)), np.zeros((1, 2, 3))],
            ValueError,
            r"Sample 1 .*\(1, 2, 3\)",
        ),
        (None, TypeError, "got a NoneType"),
    ],
    ids=["1-D", "4-D", "3-D-sample", "None"],
)
def test_from_channels_first_errors(X, error, match):
    with pytest.raises(error, match=match):
        from_channels_first(X)


def test_from_channels_first_in_a_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 2, 30))
    y = (X[:, 0, -1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChannelsFirstWarning)
        model = make_pipeline(
            FunctionTransformer(from_channels_first), ElmanClassifier(**SMALL)
        ).fit(X, y)
    expected = ElmanClassifier(**SMALL).fit(X.transpose(0, 2, 1), y)
    assert_array_equal(
        model.predict_proba(X), expected.predict_proba(X.transpose(0, 2, 1))
    )


# Integer parameters: NumPy integers, 0-d arrays


@pytest.mark.parametrize(
    "hidden_layer_sizes",
    [np.array(3), np.int64(3), np.array([3]), [np.int32(3)]],
    ids=repr,
)
def test_hidden_layer_sizes_takes_numpy_integers_and_0_d_arrays(hidden_layer_sizes):
    X, y, _ = LAYOUTS["3-D"]
    params = {**SMALL, "hidden_layer_sizes": hidden_layer_sizes}
    fitted = ElmanClassifier(**params).fit(X, y)
    expected = ElmanClassifier(**{**SMALL, "hidden_layer_sizes": 3}).fit(X, y)
    assert_array_equal(fitted.output_weights_, expected.output_weights_)
    stacked = ElmanClassifier(**{**SMALL, "hidden_layer_sizes": np.array([3, 2])})
    assert [W.shape for W in stacked.fit(X, y).recurrent_weights_] == [(3, 3), (2, 2)]


@pytest.mark.parametrize(
    "hidden_layer_sizes",
    [np.array(3.0), np.array([[3]]), np.array(True), np.array([3, 0])],
    ids=repr,
)
def test_hidden_layer_sizes_rejects_other_arrays_by_name(hidden_layer_sizes):
    X, y, _ = LAYOUTS["3-D"]
    with pytest.raises(ValueError, match=r"^hidden_layer_sizes must be"):
        ElmanClassifier(hidden_layer_sizes).fit(X, y)


INTEGER_PARAMETERS = {
    "max_iter": 2,
    "max_fun": 30,
    "n_iter_no_change": 2,
    "random_state": 0,
    "verbose": 0,
}


@pytest.mark.parametrize("parameter", INTEGER_PARAMETERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_integer_parameters_take_numpy_integers(Estimator, parameter):
    X, labels, step_labels = LAYOUTS["3-D"]
    y = _targets(Estimator(), labels, step_labels)
    value = INTEGER_PARAMETERS[parameter]
    params = SMALL
    if parameter == "n_iter_no_change":
        params = {**SMALL, "early_stopping": True, "validation_fraction": 0.5}
    expected = Estimator(**{**params, parameter: value}).fit(X, y)
    fitted = Estimator(**{**params, parameter: np.int64(value)}).fit(X, y)
    assert_array_equal(fitted.output_weights_, expected.output_weights_)


@pytest.mark.parametrize("parameter", INTEGER_PARAMETERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_integer_parameters_name_themselves_when_given_a_0_d_array(
    Estimator, parameter
):
    X, labels, step_labels = LAYOUTS["3-D"]
    y = _targets(Estimator(), labels, step_labels)
    value = np.array(INTEGER_PARAMETERS[parameter])
    with pytest.raises(
        ValueError, match=f"'{parameter}' parameter of {Estimator.__name__}"
    ):
        Estimator(**{**SMALL, parameter: value}).fit(X, y)


def test_pooler_window_takes_numpy_integers_and_names_0_d_arrays():
    X = LAYOUTS["3-D"][0]
    _assert_same(
        SequencePooler(np.int64(3)).fit_transform(X), SequencePooler(3).fit_transform(X)
    )
    with pytest.raises(ValueError, match="'window' parameter of SequencePooler"):
        SequencePooler(np.array(3)).fit(X)
    pooler = SequencePooler(3).fit(X)
    pooler.window = np.array(3)  # set after fit: checked where it is used
    with pytest.raises(ValueError, match=r"^window must be an integer"):
        pooler.transform(X)


def test_pad_sequences_maxlen_takes_numpy_integers_and_names_0_d_arrays():
    X = LAYOUTS["ragged-2-D"][0]
    _assert_same(pad_sequences(X, maxlen=np.int64(3)), pad_sequences(X, maxlen=3))
    with pytest.raises(ValueError, match="'maxlen' parameter of pad_sequences"):
        pad_sequences(X, maxlen=np.array(3))


DATASET_PARAMETERS = [
    (make_sequence_classification, "n_samples", 5),
    (make_sequence_classification, "n_timesteps", 4),
    (make_sequence_classification, "n_features", 3),
    (make_sequence_classification, "n_classes", 3),
    (make_sequence_classification, "min_timesteps", 2),
    (make_sequence_classification, "random_state", 1),
    (make_sequence_regression, "n_targets", 2),
    (make_sequence_regression, "min_timesteps", 2),
]


@pytest.mark.parametrize(
    ("make", "parameter", "value"),
    DATASET_PARAMETERS,
    ids=[f"{make.__name__}-{p}" for make, p, _ in DATASET_PARAMETERS],
)
def test_dataset_sizes_take_numpy_integers_and_name_0_d_arrays(make, parameter, value):
    params = {"n_samples": 6, "n_timesteps": 5, "random_state": 0}
    expected = make(**{**params, parameter: value})
    for got, want in zip(
        make(**{**params, parameter: np.int64(value)}), expected, strict=True
    ):
        _assert_same(got, want)
    with pytest.raises(ValueError, match=f"'{parameter}' parameter of {make.__name__}"):
        make(**{**params, parameter: np.array(value)})
