"""The forecast: seasonality and trend recovered from history, quantiles ordered, backtest reported."""

import numpy as np
import pandas as pd
import pytest

from advisor.engine.forecast import ForecastSettings, forecast


def series(days: float, growth_per_week: float = 0.0, seed: int = 0) -> pd.Series:
    """Per-minute demand with a daily cycle (x3 between night and afternoon), weekends at 60%, noise."""
    index = pd.date_range("2026-01-05", periods=int(days * 1440), freq="1min", tz="UTC")
    hours = index.hour + index.minute / 60
    daily = 1 + 0.5 * np.sin(2 * np.pi * (hours - 9) / 24)
    weekly = np.where(index.day_of_week >= 5, 0.6, 1.0)
    trend = (1 + growth_per_week) ** (np.arange(len(index)) / (7 * 1440))
    noise = np.random.default_rng(seed).lognormal(0, 0.05, len(index))
    return pd.Series(100 * daily * weekly * trend * noise, index=index)


def test_a_steady_weekly_pattern_is_forecast_within_a_few_percent():
    fc = forecast(series(28))
    assert "daily" in fc.components and "weekly" in fc.components
    assert fc.backtest.origins >= 5 and fc.backtest.mape < 0.08
    assert fc.growth_at(0.5) == pytest.approx(1.0, abs=0.08)
    assert len(fc.hourly) == 7 * 24


def test_growth_is_carried_forward():
    fc = forecast(series(28, growth_per_week=0.3))
    assert "trend" in fc.components
    assert fc.trend_per_week == pytest.approx(0.3, abs=0.08)
    assert fc.growth_at(0.5) > 1.2


def test_quantiles_are_ordered_and_the_peak_includes_bursts():
    demand = series(21)
    demand.iloc[5000:5006] *= 8  # a burst
    fc = forecast(demand)
    q = fc.hourly
    assert (q["q0.5"] <= q["q0.9"] + 1e-9).all() and (q["q0.9"] <= q["q0.99"] + 1e-9).all()
    assert fc.growth_at(0.5) <= fc.growth_at(0.9) <= fc.growth_at(0.99)
    assert fc.burst_factor >= 1.0
    assert fc.peak(0.9) >= q["q0.9"].max()


def test_one_day_of_history_still_forecasts_the_daily_cycle():
    fc = forecast(series(1), ForecastSettings(horizon_days=2))
    assert fc.components == ("daily",)
    assert len(fc.hourly) == 48
    busiest = fc.hourly["q0.5"].idxmax().hour
    assert 12 <= busiest <= 17  # the sine peaks at 15:00


def test_the_evidence_is_json_ready():
    data = forecast(series(15)).to_dict()
    assert {"hourly", "backtest", "growth", "peak", "components", "trend_per_week"} <= set(data)
    assert isinstance(data["hourly"][0]["timestamp"], str)


def test_an_empty_history_is_refused():
    with pytest.raises(ValueError):
        forecast(pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC")))
