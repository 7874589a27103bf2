"""Calibration of the two terms that turn the world's per-second, load-dependent serving into the minute
model: in flight against the demand at L0 (Little's law with the latency load brings) and the headroom
below MaxConcurrency at which a minute's Poisson peaks already throttle.

The minutes come from the sandbox's own physics (params.py, physics.py), the world the engine is checked
against; only this test reads its hidden latency curve to compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.calibrate import calibrate
from advisor.engine.capacity import estimate_capacity
from advisor.sandbox.params import WorldParams
from advisor.sandbox.physics import ScalingState, produce

INSTANCE = InstanceSize(1, 2)


def world_minutes(params: WorldParams, config: ScalingConfig, rpm: np.ndarray, seed: int) -> pd.DataFrame:
    """What CloudWatch shows of `rpm` requests a minute served by the world under `config`."""
    state = ScalingState.initial(params, config.min_size, at_s=0)
    index = pd.date_range("2026-03-02", periods=len(rpm), freq="1min", tz="UTC", name="timestamp")
    frame = produce(params, config, state, rpm, 0, index, seed).metrics
    return frame[frame["Requests_Sum"] > 0]


def daily_cycle(peak_rpm: float, days: int, seed: int) -> np.ndarray:
    t = np.arange(days * 1440)
    rng = np.random.default_rng(seed)
    rate = peak_rpm * (0.55 + 0.45 * np.sin(2 * np.pi * t / 1440)) * rng.uniform(0.97, 1.03, len(t))
    return np.round(rate)


def test_in_flight_against_demand_follows_the_worlds_latency_curve():
    """A queue-like service (L = L0 / (1 - k / 240)) loaded to near its knee: the fitted factor at the
    knee is the world's L(knee) over the L0 the engine reads demand with (Requests x L0) within 10%, and
    the replay's model fills an instance sooner."""
    params = WorldParams(latency_shape="queue", unloaded_latency_s=0.2, scale=240, sigma=0.35, sigma_load=0.1)
    config = ScalingConfig(80, 1, 25)
    frame = world_minutes(params, config, daily_cycle(60 * 80 / 0.2 * 2.5, 3, 1), seed=1)
    capacity = estimate_capacity(frame)
    fit = calibrate(frame, config, INSTANCE, capacity).in_flight
    truth = float(params.curve.at(np.array([capacity.knee]))[0]) / capacity.unloaded_latency_s
    assert not fit.fallback, fit.reason
    assert truth > 1.15  # the world's latency does rise: the test has something to find
    assert fit.value == pytest.approx(truth, rel=0.1), (fit.reason, truth)
    model = calibrate(frame, config, INSTANCE, capacity).apply(capacity.scaling_model())
    assert model.demand_capacity(80) < 80 / 1.15


def test_a_service_near_capacity_fits_the_headroom_its_429s_show():
    """MaxSize 2 and MaxConcurrency at the knee: the busy hours run near capacity, and the world answers
    429 on the seconds above it before the minute's mean gets there. The fit finds a headroom above 0
    from those minutes (not the prior), and the replay then throttles on most of the minutes the world
    did."""
    params = WorldParams(unloaded_latency_s=0.1, scale=100, exponent=2.5)
    config = ScalingConfig(60, 1, 2)
    frame = world_minutes(params, config, daily_cycle(60 * 2 * 60 / 0.1 * 1.05, 3, 2), seed=2)
    fit = calibrate(frame, config, INSTANCE).peak_z
    assert not fit.fallback, fit.reason
    assert 0.3 <= fit.value <= 3.0, fit.reason
    assert fit.events >= 20, fit.reason


def test_a_history_that_never_ran_near_capacity_takes_the_poisson_prior_and_says_so():
    params = WorldParams(unloaded_latency_s=0.1, scale=100, exponent=2.5)
    config = ScalingConfig(100, 5, 25)  # five instances for the traffic of one
    frame = world_minutes(params, config, daily_cycle(60 * 30 / 0.1, 2, 3), seed=3)
    fit = calibrate(frame, config, INSTANCE).peak_z
    assert fit.fallback and fit.value == 1.5
    assert "Poisson" in fit.reason
