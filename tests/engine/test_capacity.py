"""The knee, estimated from CloudWatch-like metrics alone, against the service's hidden truth."""

import math

import pytest

from advisor.domain import ScalingConfig
from advisor.engine.capacity import CapacitySettings, CapacityUnknown, estimate_capacity
from advisor.engine.explain import capacity_finding
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


def test_a_service_that_never_ran_hot_is_extrapolated_from_cpu_within_the_cap(diurnal_3d):
    behavior = ServiceBehavior(knee=140)
    estimate = estimate_capacity(metrics_from_trace(diurnal_3d, behavior))
    assert not estimate.knee_observed and estimate.extrapolated
    assert estimate.max_observed_concurrency <= 100.5  # never beyond MaxConcurrency 100
    # CPU reaches 80% where latency reaches the objective (PROTOCOL.md §2): the CPU line finds it
    assert estimate.cpu_extrapolated_knee == pytest.approx(behavior.slo_concurrency, rel=0.05)
    assert estimate.max_observed_concurrency < estimate.knee <= 2 * estimate.max_observed_concurrency
    assert estimate.knee == pytest.approx(
        min(estimate.cpu_extrapolated_knee, 2 * estimate.max_observed_concurrency)
    )
    finding = capacity_finding(estimate)
    assert "never ran hot" in finding and "extrapolated" in finding


def test_far_extrapolation_is_capped_at_twice_the_most_seen(diurnal_3d):
    # MinSize 10 on 1/3 of the traffic: each instance sees a few requests, CPU would say far more
    frame = metrics_from_trace(diurnal_3d / 3, ServiceBehavior(knee=140), current=ScalingConfig(100, 10, 25))
    estimate = estimate_capacity(frame)
    assert estimate.extrapolated and "cap" in estimate.limited_by
    assert estimate.knee == pytest.approx(2 * estimate.max_observed_concurrency)
    assert estimate.cpu_extrapolated_knee > estimate.knee


def test_without_cpu_an_unobserved_knee_stays_at_the_most_seen(diurnal_3d):
    frame = metrics_from_trace(diurnal_3d, ServiceBehavior(knee=140)).drop(columns=["CPUUtilization_Average"])
    estimate = estimate_capacity(frame)
    assert not estimate.knee_observed and not estimate.extrapolated
    assert estimate.limited_by == "not observed"
    assert estimate.knee == estimate.max_observed_concurrency <= 100.5


@pytest.mark.parametrize("knee", [25, 35])
def test_unloaded_latency_of_a_service_always_past_its_knee_is_not_overstated(diurnal_3d, knee):
    # MaxConcurrency 150 on a small knee with MaxSize 2: at 25 no minute, at 35 few, below the knee
    behavior = ServiceBehavior(knee=knee)
    frame = metrics_from_trace(diurnal_3d, behavior, current=ScalingConfig(150, 1, 2))
    estimate = estimate_capacity(frame)
    assert estimate.unloaded_latency_s == pytest.approx(behavior.latency_s, rel=0.05)
    # never above the truth; below it by at most 15% (at 25 the knee lies below every minute seen, where
    # only the CPU line can place it)
    assert 0.85 * behavior.slo_concurrency <= estimate.knee <= 1.02 * behavior.slo_concurrency


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
    with pytest.raises(CapacityUnknown, match="minutes with enough load per instance"):
        estimate_capacity(metrics_from_trace(diurnal_3d.iloc[:30]))


def _quiet_service_metrics():
    """admin-tool of the sandbox fleet's traffic (a request every ten seconds or so, 14 days of it) on the
    protocol's model."""
    import pandas as pd

    from advisor.engine.simulate import demand_from_requests, simulate
    from advisor.engine.telemetry import synthesize_metrics
    from advisor.sandbox.fleet import default_fleet

    service = next(s for s in default_fleet(8) if s.name == "admin-tool")
    requests = service.requests(pd.Timestamp("2026-03-04", tz="UTC"), 14 * 1440, 7)
    behavior = ServiceBehavior(knee=30, latency_s=0.12)  # the protocol model's admin-tool
    demand = demand_from_requests(requests, behavior.latency_s)
    replay = simulate(demand, service.config, service.instance, service.region, behavior.scaling_model())
    return synthesize_metrics(requests, replay, behavior)


def test_a_quiet_service_is_told_what_is_really_missing_with_the_real_counts():
    # issue 13 item 9: "0 minutes with traffic and latency data" while Requests cover every minute
    frame = _quiet_service_metrics()
    requests = int((frame["Requests_Sum"] > 0).sum())
    latency = int(frame["RequestLatency_p99"].notna().sum())
    busiest = frame["ActiveInstances_Average"].max()
    assert busiest < 0.5 and latency > 60  # the situation: latency is there, load per instance is not
    with pytest.raises(CapacityUnknown) as info:
        estimate_capacity(frame)
    message = str(info.value)
    assert message.startswith("0 minutes with enough load per instance to measure latency")
    assert f"{requests:,} minutes with requests" in message
    assert f"{latency:,} with p99 latency" in message
    assert f"0 with at least 0.5 active instances (the most: {busiest:.2f})" in message
    assert "keep the current configuration" in message and "pause" in message


def _stepped_latency_frame():
    """400 minutes at per-instance loads 1..100 (four rounds), one active instance: mean latency 100 ms
    for the lowest quarter of loads (k <= 25), 108 ms from there to k 75 (still within the 10% plateau),
    then 300 ms; p99 twice the mean, CPU 0.6% per concurrent request."""
    import numpy as np
    import pandas as pd

    k = np.tile(np.arange(1.0, 101.0), 4)
    mean_ms = np.where(k <= 25, 100.0, np.where(k <= 75, 108.0, 300.0))
    index = pd.date_range("2026-03-02", periods=len(k), freq="1min", tz="UTC", name="timestamp")
    return pd.DataFrame(
        {
            "Concurrency_Average": k,
            "ActiveInstances_Average": 1.0,
            "RequestLatency_Average": mean_ms,
            "RequestLatency_p99": 2 * mean_ms,
            "CPUUtilization_Average": 0.6 * k,
            "Requests_Sum": 60 * k / (mean_ms / 1000),
        },
        index=index,
    )


def test_the_unloaded_latency_is_read_from_the_least_loaded_quarter_of_minutes():
    # the lowest quarter of k (k <= 25.75, the 25th percentile) all read 100 ms; the 75th percentile
    # would take in the 108 ms minutes too (their median is 108 ms)
    estimate = estimate_capacity(_stepped_latency_frame())
    assert estimate.unloaded_latency_s == pytest.approx(0.100, rel=1e-9)
    assert estimate.unloaded_p99_ms == pytest.approx(200.0, rel=1e-9)
    assert not estimate.unloaded_uncertain
