"""Traffic that fell after an episode and stayed lower: the warm pool follows the new level, not the old."""

import numpy as np
import pandas as pd

from advisor.engine.offline import recommend_from_trace
from advisor.engine.optimize import allowed_breaches
from advisor.engine.recommender import RecommendSettings, level_over
from advisor.engine.simulate import PROTOCOL_MODEL, evaluate_grid, simulate

SETTINGS = RecommendSettings(right_size=False)


def _levels(levels: list[float], seed: int = 1) -> pd.Series:
    """Per-minute demand: a daily cycle at levels[i] on day i, with minute-to-minute noise."""
    index = pd.date_range("2024-03-01", periods=len(levels) * 1440, freq="1min", tz="UTC")
    shape = 0.6 + 0.4 * np.sin(np.linspace(0, 2 * np.pi, 1440, endpoint=False))
    noise = np.random.default_rng(seed).lognormal(0, 0.25, len(levels) * 1440)
    return pd.Series(np.concatenate([level * shape for level in levels]) * noise, index=index)


def test_a_launch_week_that_ended_is_over():
    demand = _levels([60.0] * 4 + [240.0] * 4 + [80.0] * 6)
    over = level_over(demand, SETTINGS)
    assert over == list(pd.date_range("2024-03-05", periods=4, freq="D", tz="UTC"))


def test_a_weekend_is_not_a_decline():
    weekdays = [100.0, 100.0, 100.0, 100.0, 100.0, 30.0, 30.0]
    assert level_over(_levels(weekdays * 2), SETTINGS) == []


def test_a_weekly_peak_day_recurs_and_is_kept():
    week = [250.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    assert level_over(_levels(week * 2 + week[:3]), SETTINGS) == []


def test_a_level_still_going_on_is_kept():
    assert level_over(_levels([60.0] * 8 + [240.0] * 6), SETTINGS) == []


def test_the_warm_pool_follows_the_decline_and_max_size_still_covers_a_return():
    # a launch: four quiet days, four days at 4x, then a lower plateau that goes on after the history
    history = [60.0] * 4 + [240.0] * 4 + [80.0] * 6
    demand = _levels(history + [80.0] * 7)
    train, ahead = demand.iloc[: len(history) * 1440], demand.iloc[len(history) * 1440 :].to_numpy()
    rec = recommend_from_trace(train * 60 / PROTOCOL_MODEL.latency_s, settings=SETTINGS)
    assert any(r.startswith("Traffic fell after 2024-03-05 to 2024-03-08") for r in rec.reasons)

    grid = evaluate_grid(ahead)  # the hindsight optimum of the week ahead on the true model
    allowed = allowed_breaches(len(ahead), SETTINGS.budget)
    optimum = grid[grid.breach_minutes <= allowed].nsmallest(1, "cost_usd").iloc[0]
    scored = simulate(ahead, rec.recommended).summary
    assert rec.recommended.min_size <= optimum.min_size + 1
    assert scored.breach_minutes <= allowed
    assert scored.monthly_cost_usd <= 1.25 * optimum.monthly_cost_usd
    # MaxSize still holds the launch's busiest minute, should it come back
    launch_peak = float(train.max())
    assert rec.recommended.max_size * rec.recommended.max_concurrency >= launch_peak
