"""A one-off surge in the recent history is set aside; surges that recur, last, or go on are kept."""

import numpy as np
import pandas as pd

from advisor.engine.recommender import RecommendSettings, one_off_surge

SETTINGS = RecommendSettings()


def _days(peaks: list[float]) -> pd.Series:
    """Per-minute demand: a daily cycle whose busiest minute on day i is peaks[i]."""
    index = pd.date_range("2024-03-01", periods=len(peaks) * 1440, freq="1min", tz="UTC")
    shape = 0.5 + 0.5 * np.sin(np.linspace(0, 2 * np.pi, 1440, endpoint=False))
    return pd.Series(np.concatenate([p * shape for p in peaks]), index=index)


def test_a_single_launch_day_is_set_aside():
    peaks = [100.0] * 14
    peaks[6] = 300.0
    assert one_off_surge(_days(peaks), SETTINGS) == [pd.Timestamp("2024-03-07", tz="UTC")]


def test_an_event_straddling_midnight_is_one_event():
    peaks = [100.0] * 14
    peaks[6], peaks[7] = 250.0, 300.0
    assert len(one_off_surge(_days(peaks), SETTINGS)) == 2


def test_recurring_surges_are_kept():
    peaks = [100.0] * 14
    peaks[2], peaks[9] = 300.0, 300.0
    assert one_off_surge(_days(peaks), SETTINGS) == []


def test_a_long_episode_is_kept():
    peaks = [100.0] * 14
    peaks[5:9] = [400.0, 350.0, 300.0, 250.0]
    assert one_off_surge(_days(peaks), SETTINGS) == []


def test_a_surge_at_the_end_may_be_the_new_level():
    peaks = [100.0] * 13 + [300.0]
    assert one_off_surge(_days(peaks), SETTINGS) == []


def test_too_little_history_to_call_anything_one_off():
    peaks = [100.0, 100.0, 300.0, 100.0, 100.0]
    assert one_off_surge(_days(peaks), SETTINGS) == []


def test_steady_traffic_has_no_surge():
    assert one_off_surge(_days([100.0 + 5 * (i % 3) for i in range(14)]), SETTINGS) == []


def test_the_recommendation_does_not_size_for_a_one_off_surge():
    from advisor.engine.offline import recommend_from_trace
    from advisor.engine.simulate import PROTOCOL_MODEL

    rng = np.random.default_rng(1)
    demand = _days([100.0] * 14) * rng.lognormal(0, 0.15, 14 * 1440)
    surge = demand.copy()
    day = surge.index.floor("D") == pd.Timestamp("2024-03-08", tz="UTC")
    surge[day] *= rng.lognormal(1.0, 0.6, int(day.sum()))  # a launch: x3 and jumpy
    settings = RecommendSettings(right_size=False)
    per_minute = 60.0 / PROTOCOL_MODEL.latency_s
    plain = recommend_from_trace(demand * per_minute, settings=settings)
    launch = recommend_from_trace(surge * per_minute, settings=settings)
    assert any("one-off surge (2024-03-08" in r for r in launch.reasons)
    assert not any("one-off surge" in r for r in plain.reasons)
    assert launch.recommended.min_size == plain.recommended.min_size
    assert launch.recommended.max_size >= plain.recommended.max_size
