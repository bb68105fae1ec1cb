"""sequences_from_frame: long-format tables, one row per time step, to sequences."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from sklearn_elman import ElmanClassifier, sequences_from_frame


@pytest.fixture
def log():
    """Three sequences of 3, 1 and 2 steps, rows shuffled, ids unsorted."""
    return pd.DataFrame(
        {
            "id": [7, 3, 7, 5, 3, 7],
            "t": [2.0, 0.5, 0.0, 9.0, 0.1, 1.0],
            "a": [3.0, 20.0, 1.0, 100.0, 10.0, 2.0],
            "b": [-3, -20, -1, -100, -10, -2],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def test_sequences_in_key_order_with_steps_in_sort_order(log):
    log_copy = log.copy()
    X, keys = sequences_from_frame(log, "id", sort_by="t")
    assert_array_equal(keys, [3, 5, 7])
    assert [x.shape for x in X] == [(2, 2), (1, 2), (3, 2)]
    assert_array_equal(X[0], [[10, -10], [20, -20]])
    assert_array_equal(X[1], [[100, -100]])
    assert_array_equal(X[2], [[1, -1], [2, -2], [3, -3]])
    assert all(x.dtype == np.float64 for x in X)
    pd.testing.assert_frame_equal(log, log_copy)  # the frame is not modified


def test_without_sort_by_the_rows_keep_their_order(log):
    X, _ = sequences_from_frame(log, "id", columns=["a"])
    assert_array_equal(X[2][:, 0], [3.0, 1.0, 2.0])  # as the rows of id 7 come
    # sort_by is a feature column when not named as sort_by
    X, _ = sequences_from_frame(log, "id")
    assert X[0].shape == (2, 3)


def test_columns_choose_and_order_the_features(log):
    X, _ = sequences_from_frame(log, "id", sort_by="t", columns=["b", "a"])
    assert_array_equal(X[1], [[-100, 100]])


def test_string_ids_and_targets_aligned_by_keys():
    rng = np.random.RandomState(0)
    rows = []
    for unit, n in [("pump-2", 12), ("pump-1", 9), ("fan-1", 15), ("fan-2", 11)]:
        for t in range(n):
            rows.append({"unit": unit, "step": t, "value": rng.normal()})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # shuffled rows
    labels = pd.Series({"fan-1": 0, "fan-2": 0, "pump-1": 1, "pump-2": 1})
    X, keys = sequences_from_frame(frame, "unit", sort_by="step")
    y = labels.loc[keys].to_numpy()
    assert list(keys) == ["fan-1", "fan-2", "pump-1", "pump-2"]
    assert [len(x) for x in X] == [15, 11, 9, 12]
    clf = ElmanClassifier(4, max_iter=5, tol=1e-1, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (4,)


def test_float32_and_nullable_columns():
    frame = pd.DataFrame(
        {
            "id": [1, 1, 2],
            "x": np.array([1.0, 2.0, 3.0], dtype=np.float32),
            "y": np.array([4.0, 5.0, 6.0], dtype=np.float32),
        }
    )
    X, _ = sequences_from_frame(frame, "id")
    assert all(x.dtype == np.float32 for x in X)
    frame["z"] = pd.array([1, None, 3], dtype="Int64")
    frame["w"] = pd.array([True, None, False], dtype="boolean")
    X, _ = sequences_from_frame(frame, "id", columns=["z", "w"])
    assert X[0].dtype == np.float64
    assert_array_equal(X[0], [[1.0, 1.0], [np.nan, np.nan]])  # pd.NA is NaN


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "unit"}, "no column 'unit'"),
        ({"by": "id", "sort_by": "time"}, "no column 'time'"),
        ({"by": "id", "columns": ["a", "c"]}, "no column 'c'"),
        ({"by": "id", "columns": ["id", "a"]}, "column 'id' is named there"),
        ({"by": "id", "columns": []}, "no column is left"),
        ({"by": "id", "columns": ["a", "label"]}, "Feature column 'label' is not"),
    ],
)
def test_errors_name_the_column(log, kwargs, message):
    log = log.assign(label=["x", "y", "x", "y", "x", "y"])
    with pytest.raises(ValueError, match=message):
        sequences_from_frame(log, **kwargs)


def test_duplicate_time_stamps_and_missing_ids_are_errors(log):
    duplicated = log.copy()
    duplicated.loc[15, "t"] = 2.0  # id 7 has t=2.0 twice
    with pytest.raises(ValueError, match=r"Sequence 7 has two steps with t=2\.0"):
        sequences_from_frame(duplicated, "id", sort_by="t")
    missing = log.astype({"id": "float"})
    missing.loc[13, "id"] = np.nan
    with pytest.raises(ValueError, match="Row 13 of the frame has no sequence id"):
        sequences_from_frame(missing, "id")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        sequences_from_frame(log.to_numpy(), "id")


def test_a_long_frame_passed_to_fit_points_to_sequences_from_frame(log):
    with pytest.raises(ValueError, match=r"sequences_from_frame\(frame, by=...\)"):
        ElmanClassifier().fit(log, [0, 1, 0])
    # Not for other inputs: scikit-learn's own message.
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ElmanClassifier().fit(np.ones((6, 3, 1)), [0, 1, 0])
