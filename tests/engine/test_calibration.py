"""Calibration recovers the parameters a history was made with (here: the engine's own simulator, so the
truth is known exactly), falls back to the protocol's with too little evidence, and reaches the replay."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from shapes import scaled

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.calibrate import Calibration, calibrate
from advisor.engine.capacity import estimate_capacity
from advisor.engine.explain import Recommendation
from advisor.engine.recommender import recommend
from advisor.engine.simulate import PROTOCOL_MODEL, ScalingModel, demand_from_requests, simulate
from advisor.engine.telemetry import ServiceBehavior, synthesize_metrics
from advisor.engine.whatif import model_from_evidence, replay_history
from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate

INSTANCE = InstanceSize()


def history(
    model: ScalingModel,
    config: ScalingConfig = ScalingConfig(100, 1, 25),
    p99_demand: float = 250.0,
    days: float = 4,
    behavior: ServiceBehavior = ServiceBehavior(),
    seed: int = 3,
) -> pd.DataFrame:
    """What CloudWatch would show for diurnal traffic run under `config` with `model`'s scaling."""
    requests = scaled(per_minute(generate("diurnal", days=days, seed=seed)), p99_demand)
    latency_curve = behavior.scaling_model()
    truth = replace(
        latency_curve,
        scale_out_delay_min=model.scale_out_delay_min,
        scale_in_hold_min=model.scale_in_hold_min,
        active_linger_s=model.active_linger_s,
    )
    replay = simulate(demand_from_requests(requests.to_numpy()), config, model=truth)
    replay.per_minute.index = requests.index
    return synthesize_metrics(requests.to_numpy(), replay, behavior, seed=seed)


@pytest.mark.parametrize(("delay", "hold"), [(1, 5), (2, 8), (3, 2), (0, 12)])
def test_delay_and_hold_are_recovered_from_a_busy_history(delay, hold):
    frame = history(ScalingModel(scale_out_delay_min=delay, scale_in_hold_min=hold))
    cal = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE)
    assert (cal.scale_out_delay.value, cal.scale_in_hold.value) == (delay, hold)
    assert not cal.scale_out_delay.fallback and not cal.scale_in_hold.fallback
    assert cal.scale_out_delay.events >= 5 and cal.scale_in_hold.events >= 5
    assert "scale-outs" in cal.scale_out_delay.reason


@pytest.mark.parametrize("linger", [5.0, 20.0, 60.0])
def test_linger_is_recovered_at_low_traffic_on_min_size(linger):
    """Two warm instances sharing well under one request at a time: partly active, so linger shows."""
    frame = history(ScalingModel(active_linger_s=linger), ScalingConfig(100, 2, 25), p99_demand=0.3)
    cal = calibrate(frame, ScalingConfig(100, 2, 25), INSTANCE)
    assert cal.active_linger.value == pytest.approx(linger, abs=max(2.0, 0.1 * linger))
    assert not cal.active_linger.fallback and cal.active_linger.events >= 30


def test_a_fully_active_pool_gives_only_a_lower_bound():
    frame = history(ScalingModel(active_linger_s=30.0), p99_demand=0.5)
    linger = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE).active_linger
    assert linger.value <= 30.0 and "at least" in linger.reason


def test_too_few_scale_events_fall_back_to_the_protocol_and_say_so():
    """MaxConcurrency far above the demand: the service never scaled, so delay and hold are unknown."""
    frame = history(ScalingModel(scale_out_delay_min=3, scale_in_hold_min=9), p99_demand=20.0)
    cal = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE)
    for fit, default in ((cal.scale_out_delay, 1), (cal.scale_in_hold, 5)):
        assert fit.fallback and fit.value == fit.default == default
        assert "at least 5 needed" in fit.reason
    assert any("Not calibrated" in r for r in cal.reasons())


def test_apply_puts_the_fitted_scaling_into_the_model():
    frame = history(ScalingModel(scale_out_delay_min=2, scale_in_hold_min=8))
    cal = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE)
    model = cal.apply(ScalingModel(knee=40.0, latency_s=0.1))
    assert (model.scale_out_delay_min, model.scale_in_hold_min, model.knee) == (2, 8, 40.0)
    assert model.active_linger_s == cal.active_linger.value


def test_cpu_that_understates_load_is_not_taken_as_a_capacity_proxy():
    """CPU only at 40% where latency breaks: reading the knee from CPU would overshoot, and it says so."""
    behavior = ServiceBehavior(knee=60.0, cpu_at_slo_pct=40.0)
    frame = history(PROTOCOL_MODEL, ScalingConfig(100, 1, 25), p99_demand=400.0, behavior=behavior)
    cpu = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE).cpu_proxy
    assert not cpu.fallback and cpu.value == pytest.approx(40.0, abs=5.0)
    assert "must not set" in cpu.reason
    fair = calibrate(history(PROTOCOL_MODEL), ScalingConfig(100, 1, 25), INSTANCE).cpu_proxy
    assert fair.value == pytest.approx(80.0, abs=5.0) and "fair proxy" in fair.reason


def test_tail_factor_and_unloaded_latency_carry_their_evidence():
    frame = history(PROTOCOL_MODEL)
    cal = calibrate(frame, ScalingConfig(100, 1, 25), INSTANCE, estimate_capacity(frame))
    sigma = ServiceBehavior().latency_sigma  # lognormal: p99 / mean = exp(2.326 sigma - sigma^2 / 2)
    assert cal.tail_factor.value == pytest.approx(np.exp(2.3263 * sigma - sigma**2 / 2), rel=0.02)
    assert cal.unloaded_latency.value == pytest.approx(0.25, rel=0.05)
    assert cal.unloaded_latency.error is not None and cal.unloaded_latency.error < 0.05
    assert cal.knee.events > 0 and not cal.knee.fallback


def test_calibration_round_trips_through_json():
    cal = calibrate(history(ScalingModel(scale_out_delay_min=2)), ScalingConfig(100, 1, 25), INSTANCE)
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_the_recommendation_replays_with_the_fitted_model():
    """A service whose instances linger 60 s: the recommender's replay bills them, and so do the what-if
    and the report from the stored evidence."""
    config = ScalingConfig(100, 2, 25)
    frame = history(ScalingModel(active_linger_s=60.0), config, p99_demand=0.3, days=3)
    rec = recommend(frame, config, INSTANCE)
    assert rec.calibration is not None and rec.calibration.active_linger.value == pytest.approx(60, abs=6)
    assert any("stay active about" in r for r in rec.reasons)
    stored = Recommendation.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert stored.calibration == rec.calibration
    model = model_from_evidence(stored.capacity, stored.calibration)
    assert model.active_linger_s == rec.calibration.active_linger.value
    lingering = replay_history(frame, config, INSTANCE, "us-east-1", stored.capacity, stored.calibration)
    protocol = replay_history(frame, config, INSTANCE, "us-east-1", stored.capacity)
    observed_hours = frame["ActiveInstances_Average"].sum() / 60
    assert lingering.summary.active_instance_hours == pytest.approx(observed_hours, rel=0.05)
    assert protocol.summary.active_instance_hours < 0.5 * observed_hours
