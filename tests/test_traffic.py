import numpy as np
import pandas as pd
import pytest

from advisor.errors import InputError
from advisor.workload.traces import per_minute
from advisor.workload.traffic import SHAPES, TrafficShape, generate


def test_same_seed_same_traffic_and_another_seed_differs():
    a = generate("diurnal", days=2, end="2026-11-01", seed=1)
    b = generate("diurnal", days=2, end="2026-11-01", seed=1)
    c = generate("diurnal", days=2, end="2026-11-01", seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a["requests"].equals(c["requests"])


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_is_a_valid_trace_near_its_mean(name):
    trace = generate(name, days=14, end="2026-11-02", seed=7)
    assert len(trace) == 14 * 1440
    assert trace["timestamp"].iloc[-1] == pd.Timestamp("2026-11-01 23:59", tz="UTC")
    assert (trace["requests"] >= 0).all()
    per_minute(trace)  # passes the trace reader's checks
    assert trace["requests"].mean() == pytest.approx(SHAPES[name].mean_rpm, rel=0.6)


def test_diurnal_has_a_daily_cycle_peaking_near_its_hour():
    trace = generate(TrafficShape(mean_rpm=1000, daily_swing=0.8, peak_hour_utc=15, noise=0), days=7, seed=3)
    by_hour = trace.groupby(trace["timestamp"].dt.hour)["requests"].mean()
    assert by_hour.idxmax() in (14, 15, 16)
    assert by_hour.min() < 0.35 * by_hour.max()


def test_weekday_traffic_drops_at_weekends():
    trace = generate("weekday", days=14, end="2026-11-02", seed=5)
    weekend = trace["timestamp"].dt.day_of_week >= 5
    assert trace.loc[weekend, "requests"].mean() < 0.3 * trace.loc[~weekend, "requests"].mean()


def test_bursty_has_bursts_far_above_its_median():
    requests = generate("bursty", days=7, seed=9)["requests"]
    assert requests.max() > 8 * requests.median()


def test_growth_shows_in_the_weekly_means():
    trace = generate(TrafficShape(mean_rpm=1000, trend_per_week=0.2, noise=0), days=14, seed=1)
    first, second = np.array_split(trace["requests"].to_numpy(), 2)
    assert second.mean() / first.mean() == pytest.approx(1.2, rel=0.05)


def test_unknown_shape_and_empty_span():
    with pytest.raises(InputError, match="unknown traffic shape"):
        generate("spiky")
    with pytest.raises(InputError, match="too short"):
        generate("steady", days=0)
