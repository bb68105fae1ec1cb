import os

# scikit-learn's array API check runs only when SciPy sees this before its import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
