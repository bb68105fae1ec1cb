"""Elman recurrent neural networks as scikit-learn estimators."""

from . import datasets
from ._cv import ElmanClassifierCV, ElmanRegressorCV
from ._elman import ElmanClassifier, ElmanRegressor
from ._sequence import ElmanSequenceClassifier, ElmanSequenceRegressor
from .padding import (
    ChannelsFirstWarning,
    from_channels_first,
    pad_sequences,
    sequences_from_frame,
)
from .preprocessing import SequenceDifferencer, SequencePooler, SequenceScaler

__version__ = "0.1.0.dev0"

__all__ = [
    "ChannelsFirstWarning",
    "ElmanClassifier",
    "ElmanClassifierCV",
    "ElmanRegressor",
    "ElmanRegressorCV",
    "ElmanSequenceClassifier",
    "ElmanSequenceRegressor",
    "SequenceDifferencer",
    "SequencePooler",
    "SequenceScaler",
    "__version__",
    "datasets",
    "from_channels_first",
    "pad_sequences",
    "sequences_from_frame",
]
