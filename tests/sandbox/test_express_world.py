"""The sandbox's ECS Express world on its own: target tracking waits for its alarm's datapoints and its
cooldowns, Fargate bills at least a minute per task, no request is refused, and the control endpoint
replays a service's own traffic over HTTP."""

from __future__ import annotations

from dataclasses import replace

import boto3
import numpy as np
import pandas as pd
import pytest
import requests as http
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.domain import InstanceSize
from advisor.sandbox.express import (
    EcsWorldParams,
    ExpressConfig,
    billed_seconds,
    ecs_params,
    replay,
)
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.params import WorldParams
from advisor.sandbox.server import Sandbox

PARAMS = WorldParams(unloaded_latency_s=0.1, deployments_per_fortnight=0)
INSTANCE = InstanceSize(1, 2)
# One datapoint reaches the alarm a minute after its minute; no canary, no random image pull.
ECS = EcsWorldParams(image_pull_s=30, image_pull_spread=0.0, metric_delay_s=60, canary_copies=False)


def run(requests: np.ndarray, config: ExpressConfig, ecs: EcsWorldParams = ECS) -> pd.DataFrame:
    """Replay `requests` (per minute, whole hours) from minute 0 without a warm-up."""
    index = pd.date_range("2026-01-01", periods=len(requests), freq="1min", tz="UTC")
    return replay(PARAMS, ecs, INSTANCE, config, requests, 0, index, seed=5, warm_up_minutes=0).minutes


def test_scale_out_waits_for_three_datapoints_above_the_target():
    rpm = np.full(120, 600.0)
    rpm[30:] = 30_000.0  # from minute 30 one task cannot hold 60 % CPU
    m = run(rpm, ExpressConfig(max_tasks=20)).reset_index(drop=True)
    assert (m["metric"][30:33] > 60).all() and (m["metric"][:30] < 60).all()
    # minutes 30, 31, 32 above the target; the third reaches the alarm at the end of minute 33
    assert (m["desired"][:34] == 1).all(), m["desired"][:36].tolist()
    assert m["desired"][34] == 2  # proportional: ceil(1 x 100 % / 60 %)


def test_scale_out_with_one_datapoint_would_come_two_minutes_earlier():
    """The same spike with a one-datapoint alarm: the rule above is what delays it."""
    rpm = np.full(120, 600.0)
    rpm[30:] = 30_000.0
    m = run(rpm, ExpressConfig(max_tasks=20), replace(ECS, scale_out_datapoints=1)).reset_index(drop=True)
    assert m["desired"][32] > 1


def test_scale_in_waits_for_fifteen_low_datapoints_and_its_cooldown():
    rpm = np.full(240, 200_000.0)
    rpm[60:] = 600.0  # traffic falls away after an hour
    ecs = replace(ECS, scale_in_max_share=0.25)  # a quarter of the tasks at most per action
    m = run(rpm, ExpressConfig(max_tasks=20, scale_in_cooldown_s=900), ecs).reset_index(drop=True)
    desired, metric = m["desired"].to_numpy(), m["metric"].to_numpy()
    drops = np.flatnonzero(np.diff(desired) < 0) + 1  # minutes whose desired fell
    assert len(drops) >= 3, desired[55:].tolist()
    for d in drops:  # datapoint m reaches the alarm as minute m + 2 begins
        assert (metric[d - 16 : d - 1] < 0.9 * 60).all(), (d, metric[d - 16 : d - 1])
    assert (np.diff(drops) >= 15).all(), drops.tolist()  # 900 s between scale-ins
    assert m["task_seconds"].notna().all()  # the first tasks, scaled in, are billed to their stop


def test_a_task_stopped_before_its_first_minute_is_billed_a_minute():
    assert billed_seconds(20.0) == 60.0 and billed_seconds(90.0) == 90.0
    # a one-minute spike starts a task; the next datapoint, low, stops it 40 s into its (long) image pull
    ecs = replace(ECS, image_pull_s=300, placement_s=15, scale_out_datapoints=1, scale_in_datapoints=1)
    rpm = np.full(60, 600.0)
    rpm[20] = 30_000.0
    m = run(rpm, ExpressConfig(max_tasks=20), ecs).reset_index(drop=True)
    assert m["desired"].max() == 2 and m["desired"].iloc[-1] == 1
    assert m["tasks_serving"].max() == 1  # the second task never served
    # one task all hour, plus the short one's 40 s (placed on the 10-s grid) topped up to a minute
    assert m["task_seconds"].sum() == 3600 + 60


def test_no_request_is_refused_what_tasks_cannot_absorb_waits():
    rpm = np.full(60, 300_000.0)  # far past what the most tasks absorb
    m = run(rpm, ExpressConfig(max_tasks=2))
    assert m["requests"].sum() == rpm.sum()
    assert m["queued_max"].iloc[-1] > 0 and m["breach"].iloc[-10:].all()
    assert (m["latency_p99_ms"].iloc[-10:] >= 10_000).all()  # queued for seconds, not refused


def test_cost_lines_follow_the_rates():
    m = run(np.full(120, 600.0), ExpressConfig(cpu_units=512, memory_mb=1024, alb_services=4))
    seconds = m["task_seconds"].sum()
    assert seconds == 7200  # one task, two hours
    assert m["fargate_usd"].sum() == pytest.approx(2 * (0.5 * 0.04048 + 1 * 0.004445))
    assert m["alb_usd"].sum() == pytest.approx(2 * 0.0225 / 4)  # two clock hours, shared by four
    assert m["public_ipv4_usd"].sum() == pytest.approx(2 * 0.005 + 2 * 2 * 0.005 / 4)


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({"cpu": 1024, "memory": 1024}, "memory 1024 MiB does not go with cpu 1024"),
        ({"cpu": 300}, "cpu 300 is not a Fargate size"),
        ({"min_tasks": 3, "max_tasks": 2}, "need 1 <= min <= max"),
        ({"metric": "P99"}, "metric 'P99'"),
        ({"target_value": 150}, "at most 100"),
        ({"alb_services": 30}, "1 to 25 services"),
        ({"cpu": "one"}, "cpu_units 'one' must be a number"),
        ({"min_tasks": 1.5}, "min_tasks 1.5 must be a whole number"),
    ],
)
def test_a_bad_configuration_says_what_to_fix(payload, says):
    with pytest.raises(ValueError, match=says):
        ExpressConfig.from_payload(payload)


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(default_fleet(1), port=0, days=1, seed=7, operation_seconds=0.5, live=False)
    box.start()
    yield box
    box.stop()


def test_the_endpoint_replays_the_traffic_the_service_metrics_came_from(sandbox):
    start = sandbox.world.history_start + pd.Timedelta(hours=2)
    end = start + pd.Timedelta(hours=6)
    body = {"service": "orders-api", "start": start.isoformat(), "end": end.isoformat(), "cpu": "1024",
            "memory": "2048", "min_tasks": 1, "max_tasks": 20, "metric": "AVERAGE_CPU", "target_value": 60,
            "latency_objective_ms": 500}  # fmt: skip
    answer = http.post(f"{sandbox.endpoint}/_sandbox/express-replay", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    table = pd.DataFrame(result["minutes"], columns=result["columns"])
    assert len(table) == 360 and result["totals"]["minutes"] == 360
    assert result["totals"]["task_hours"] == pytest.approx(table["task_seconds"].sum() / 3600)

    cloudwatch = boto3.client(
        "cloudwatch", region_name="us-east-1", endpoint_url=sandbox.endpoint,
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
    )  # fmt: skip
    arn = sandbox.world.services[0].arn
    points = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "r", "MetricStat": {"Metric": {
            "Namespace": "AWS/AppRunner", "MetricName": "Requests",
            "Dimensions": [{"Name": "ServiceName", "Value": "orders-api"},
                           {"Name": "ServiceID", "Value": arn.rsplit("/", 1)[1]}]},
            "Period": 60, "Stat": "Sum"}}],
        StartTime=start.to_pydatetime(), EndTime=end.to_pydatetime(),
    )["MetricDataResults"][0]  # fmt: skip
    assert len(points["Values"]) == 360
    assert sum(points["Values"]) == table["requests"].sum()  # the very same requests


def test_the_endpoint_refuses_a_window_outside_the_history(sandbox):
    body = {"service": "orders-api", "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T06:00:00Z"}
    answer = http.post(f"{sandbox.endpoint}/_sandbox/express-replay", json=body, timeout=10)
    assert answer.status_code == 400 and "published history" in answer.json()["error"]
    answer = http.post(f"{sandbox.endpoint}/_sandbox/express-replay", json={"service": "nope"}, timeout=10)
    assert answer.status_code == 400 and "orders-api" in answer.json()["error"]


@settings(max_examples=25, deadline=None)
@given(
    rpm=st.lists(st.integers(0, 200_000), min_size=120, max_size=120),
    bounds=st.tuples(st.integers(1, 4), st.integers(0, 8)),
    metric=st.sampled_from(["AVERAGE_CPU", "AVERAGE_MEMORY", "REQUEST_COUNT_PER_TARGET"]),
    target=st.integers(20, 90),
    seed=st.integers(0, 10_000),
)
def test_any_traffic_keeps_the_worlds_books(rpm, bounds, metric, target, seed):
    """Desired stays within min..max, every request is served, serving tasks are billed tasks, and
    each minute bills at least the tasks that served through it."""
    low, extra = bounds
    target = target * 100 if metric == "REQUEST_COUNT_PER_TARGET" else target
    config = ExpressConfig(min_tasks=low, max_tasks=low + extra, metric=metric, target_value=target)
    ecs = replace(ecs_params(seed), canary_copies=False)
    m = run(np.array(rpm, float), config, ecs)
    assert m["desired"].between(config.min_tasks, config.max_tasks).all()
    assert m["requests"].sum() == sum(rpm)
    assert (m["tasks_serving"] <= m["tasks_running"] + 1e-9).all()
    assert m["task_seconds"].notna().all()
    assert (m["task_seconds"] >= 60 * m["tasks_serving"] - 1e-6).all()
    assert (m["cost_usd"] > 0).all()
