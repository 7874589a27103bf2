"""The knee, estimated from CloudWatch-like metrics alone, against the service's hidden truth."""

import math

import pytest

from advisor.engine.capacity import CapacitySettings, CapacityUnknown, estimate_capacity
from advisor.engine.offline import metrics_from_trace
from advisor.engine.telemetry import ServiceBehavior


@pytest.mark.parametrize("knee", [50, 80])
def test_a_knee_the_service_ran_past_is_found_within_one_request(diurnal_3d, knee):
    behavior = ServiceBehavior(knee=knee)
    estimate = estimate_capacity(metrics_from_trace(diurnal_3d, behavior))
    assert estimate.knee_observed
    assert estimate.knee == pytest.approx(behavior.slo_concurrency, abs=1.0)
    assert estimate.unloaded_latency_s == pytest.approx(0.25, rel=0.02)
    assert "latency" in estimate.limited_by or "cpu" in estimate.limited_by


def test_a_service_that_never_ran_hot_gets_the_most_it_was_seen_to_handle(diurnal_3d):
    estimate = estimate_capacity(metrics_from_trace(diurnal_3d, ServiceBehavior(knee=140)))
    assert not estimate.knee_observed
    assert estimate.limited_by == "not observed"
    assert estimate.knee == estimate.max_observed_concurrency <= 100.5  # never beyond MaxConcurrency 100
    assert "never ran hot" in estimate.reason


def test_the_models_objective_is_the_knee_rounded_down(diurnal_3d):
    estimate = estimate_capacity(metrics_from_trace(diurnal_3d))
    model = estimate.scaling_model()
    assert model.slo_concurrency == pytest.approx(math.floor(estimate.knee))
    assert model.latency_s == estimate.unloaded_latency_s


def test_stricter_limits_give_a_lower_knee(diurnal_3d):
    frame = metrics_from_trace(diurnal_3d)
    loose = estimate_capacity(frame)
    strict = estimate_capacity(frame, CapacitySettings(slo_factor=1.2, cpu_limit_pct=60))
    assert strict.knee < loose.knee - 5


def test_evidence_is_chart_ready(diurnal_3d):
    estimate = estimate_capacity(metrics_from_trace(diurnal_3d))
    data = estimate.to_dict()
    assert len(data["points"]) > 100 and set(data["points"][0]) == {"k", "latency_p99_ms", "cpu_pct"}
    assert len(data["curve"]) == estimate.settings.curve_points
    assert data["minutes_used"] == estimate.minutes_used > 1000


def test_too_little_loaded_data_is_refused(diurnal_3d):
    with pytest.raises(CapacityUnknown, match="minutes with traffic"):
        estimate_capacity(metrics_from_trace(diurnal_3d.iloc[:30]))
