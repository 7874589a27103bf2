"""The sandbox's own world: its metrics agree with its requests and instances; chunks change nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.domain import ScalingConfig
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.params import WorldParams
from advisor.sandbox.physics import ScalingState, deployment_windows, produce

DAY = 1440


def run(params: WorldParams, config: ScalingConfig, requests: np.ndarray, chunks=(None,), seed: int = 3):
    """Produce all of `requests` (per minute) in the given chunk lengths (None: the rest)."""
    state = ScalingState.initial(params, config.min_size, at_s=0)
    out, first = [], 0
    for length in chunks:
        n = (len(requests) - first) if length is None else length
        index = pd.date_range("2026-01-01", periods=n, freq="1min", tz="UTC") + pd.Timedelta(minutes=first)
        out.append(produce(params, config, state, requests, first, index, seed))
        first += n
    return out


@pytest.fixture(scope="module")
def busy():
    """A day of a diurnal service that has to scale out, with 2-hour bursts beyond its MaxSize."""
    t = np.arange(DAY)
    rpm = 20_000 * (1.2 + np.sin(2 * np.pi * t / DAY))
    rpm[600:720] *= 3
    params = WorldParams(unloaded_latency_s=0.1, deployments_per_fortnight=0)
    config, requests = ScalingConfig(60, 1, 4), np.round(rpm)
    return params, config, requests, run(params, config, requests)[0]


def test_requests_are_the_sum_of_the_status_classes(busy):
    _, _, rpm, minutes = busy
    m = minutes.metrics
    assert (m["Requests_Sum"] == rpm).all()
    classes = m["2xxStatusResponses_Sum"] + m["4xxStatusResponses_Sum"] + m["5xxStatusResponses_Sum"]
    assert (m["Requests_Sum"] == classes).all()


def test_429s_appear_only_where_ready_instances_were_asked_for_more_than_max_concurrency(busy):
    _, _, _, minutes = busy
    throttled = minutes.throttled > 0
    assert throttled.any() and (~throttled).any()
    assert (minutes.offered_max[throttled] > minutes.capacity[throttled]).all()
    assert (minutes.metrics["4xxStatusResponses_Sum"] >= minutes.throttled).all()


def test_producing_in_chunks_gives_exactly_what_one_go_gives(busy):
    params, config, rpm, whole = busy
    parts = run(params, config, rpm, chunks=(7, 353, 61, 500, None))
    chunked = pd.concat([p.metrics for p in parts])
    pd.testing.assert_frame_equal(chunked, whole.metrics)
    active = np.concatenate([p.active_instance_seconds for p in parts])
    assert np.array_equal(active, whole.active_instance_seconds)


def test_active_instances_linger_after_the_last_request():
    """One request every two minutes: in flight almost never, active for the linger after each."""
    rpm = np.zeros(240)
    rpm[::2] = 1
    short, long = (WorldParams(active_linger_s=s, deployments_per_fortnight=0) for s in (10, 150))
    config = ScalingConfig(100, 3, 5)
    quick = run(short, config, rpm)[0].metrics["ActiveInstances_Average"].mean()
    lingering = run(long, config, rpm)[0].metrics["ActiveInstances_Average"].mean()
    concurrency = run(long, config, rpm)[0].metrics["Concurrency_Average"].mean()
    assert lingering > 5 * quick
    assert lingering > 50 * concurrency


def test_a_deployment_doubles_the_billed_instances_for_its_duration():
    params = WorldParams(deployments_per_fortnight=200, deployment_min_s=600, deployment_max_s=600)
    begin, end = deployment_windows(params, 5, 0, 86400)[0]
    rpm = np.full(DAY, 600.0)
    minutes = run(params, ScalingConfig(100, 2, 2), rpm, seed=5)[0]
    during = slice(begin // 60 + 1, end // 60 - 1)
    quiet = minutes.deployment_copy_seconds == 0
    assert quiet.any()
    assert (minutes.provisioned_instance_seconds[quiet] == 120).all()
    assert (minutes.provisioned_instance_seconds[during] == 240).all()
    assert (minutes.idle_instance_seconds + minutes.active_instance_seconds <= 240).all()


def test_every_service_of_the_fleet_hides_its_own_parameters():
    fleet = default_fleet(14)
    for name in ("knee", "scale_out_delay_s", "scale_in_cooldown_s", "active_linger_s", "unloaded_latency_s"):
        values = [s.params.truth()[name] for s in fleet]
        assert len(set(values)) >= 6, name
    assert {s.params.latency_shape for s in fleet} == {"power", "queue", "linear-steep"}
    assert all(30 <= s.params.scale_out_delay_s <= 180 for s in fleet)
    assert all(120 <= s.params.scale_in_cooldown_s <= 900 for s in fleet)
    assert all(10 <= s.params.active_linger_s <= 180 for s in fleet)


class _Recorder:
    def __init__(self):
        self.minutes: list[pd.Timestamp] = []
        self.seconds = 0.0

    def record(self, region, service_arn, minutes, cpu_vcpu, memory_gb, idle, active):
        assert len(minutes) == len(idle) == len(active)
        self.minutes += list(minutes)
        self.seconds += float(np.sum(idle) + np.sum(active))

    def publish(self, *args):  # metrics and logs go nowhere here
        return 0


def test_the_world_bills_every_produced_minute_and_tells_its_truth():
    from advisor.sandbox.apprunner import AppRunnerEmulator
    from advisor.sandbox.world import SandboxClock, World

    clock = SandboxClock()
    fleet = default_fleet(2)
    billing = _Recorder()
    world = World(AppRunnerEmulator(clock=clock, operation_seconds=0), fleet, clock, days=0.25, seed=1,
                  billing=billing)  # fmt: skip
    world.catch_up(_Recorder(), _Recorder())
    assert len(billing.minutes) == 2 * 360
    assert billing.seconds >= 2 * 360 * 60  # at least MinSize instances every second
    truth = world.truth()
    assert [t["name"] for t in truth] == [s.name for s in fleet]
    for t, spec in zip(truth, fleet, strict=True):
        assert t["scale_out_delay_s"] == spec.params.scale_out_delay_s
        assert {"knee", "scale_in_cooldown_s", "active_linger_s", "unloaded_latency_s", "latency_shape",
                "cpu_shape", "situation", "service_arn"} <= set(t)  # fmt: skip
