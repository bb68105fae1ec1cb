"""Elman recurrent neural networks as scikit-learn estimators."""

from ._elman import ElmanClassifier, ElmanRegressor
from .padding import pad_sequences

__version__ = "0.1.0.dev0"

__all__ = ["ElmanClassifier", "ElmanRegressor", "__version__", "pad_sequences"]
