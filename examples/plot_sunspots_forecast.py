"""
=========================================
Forecasting yearly sunspot numbers
=========================================

One-step-ahead forecasting as sequence regression: from the sunspot numbers
of the last 24 years, predict next year's. The series is the yearly mean
sunspot number from 1700 to 2008, which statsmodels ships with its package
(``statsmodels.datasets.sunspots``), so nothing is downloaded.

The solar cycle lasts about 11 years, and its peaks vary in height: a window
of 24 years holds about two cycles, and the network has to read where in the
cycle the window ends.
"""

# %%
# Windows of 24 years
# -------------------
# Each sample is a univariate sequence of 24 yearly values, so ``X`` is a 2-D
# array ``(n_samples, 24)``, which the estimators read as univariate
# sequences; its target is the value of the year after the window. We train
# on the windows whose target year is before 1950 and forecast 1950 to 2008.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from statsmodels.datasets import sunspots

from sklearn_elman import ElmanRegressor, SequenceScaler

data = sunspots.load_pandas().data
years = data["YEAR"].to_numpy().astype(int)
activity = data["SUNACTIVITY"].to_numpy()

window = 24
X = np.lib.stride_tricks.sliding_window_view(activity[:-1], window)
y = activity[window:]  # the value after each window
target_years = years[window:]
train = target_years < 1950
print(f"{train.sum()} training windows, {(~train).sum()} to forecast")
print(f"X: {X.shape}, y: {y.shape}")

# %%
# The model
# ---------
# :class:`~sklearn_elman.SequenceScaler` standardises the inputs (one mean and
# one scale for every step of every window), and
# :class:`~sklearn.compose.TransformedTargetRegressor` standardises the
# target, so that the network sees values of order 1 on both ends. A large
# ``alpha`` keeps the 16-unit network from fitting the noise of a little over
# 200 training windows.
elman = TransformedTargetRegressor(
    make_pipeline(
        SequenceScaler(),
        ElmanRegressor(16, alpha=1.0, max_iter=1000, random_state=0),
    ),
    transformer=StandardScaler(),
)
elman.fit(X[train], y[train])
n_iter = elman.regressor_[-1].n_iter_
print(f"L-BFGS converged after {n_iter} of at most 1000 iterations")

# %%
# Two baselines: persistence (next year is this year) and a ridge regression
# on the same 24 values, a linear autoregressive model.
ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
ridge.fit(X[train], y[train])

forecasts = {
    "persistence": X[~train, -1],
    "linear AR(24), ridge": ridge.predict(X[~train]),
    "Elman network": elman.predict(X[~train]),
}
for name, forecast in forecasts.items():
    mae = mean_absolute_error(y[~train], forecast)
    print(f"{name:<22} mean absolute error {mae:5.1f}")

# %%
# The forecasts
# -------------
# Each point is forecast from the 24 observed years before it. The network
# and the linear model follow the cycle about equally well: on a series this
# short, a linear autoregression is a strong baseline, and a recurrent network
# has little room to do better.
fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
shown = years >= 1900
ax.plot(years[shown], activity[shown], color="0.3", label="observed")
ax.axvline(1949.5, color="0.6", linestyle=":")
ax.plot(
    target_years[~train],
    forecasts["linear AR(24), ridge"],
    color="C1",
    linestyle="--",
    label="linear AR(24), ridge",
)
ax.plot(
    target_years[~train], forecasts["Elman network"], color="C0", label="Elman network"
)
ax.set_xlabel("year")
ax.set_ylabel("yearly mean sunspot number")
ax.set_title("One-step-ahead forecasts from 1950")
ax.legend(loc="upper left")
plt.show()
