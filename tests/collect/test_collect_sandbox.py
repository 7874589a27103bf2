"""One collection of the whole sandbox fleet, checked against what the sandbox serves through the APIs."""

from __future__ import annotations

import math
import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from advisor.domain import APP_RUNNER_METRICS
from advisor.lake.reader import read_table
from advisor.platform.apprunner import AppRunnerPlatform
from advisor.platform.base import NotFound
from advisor.sandbox.server import Sandbox
from advisor.settings import DEFAULT_ERROR_PATTERN
from tests.collect.conftest import (
    assert_same_lake,
    aws_client,
    cli,
    control,
    run_collect,
    start_sandbox,
    table_rows,
)


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=8, days=1)


@pytest.fixture(scope="module")
def first(box: Sandbox, tmp_path_factory: pytest.TempPathFactory):
    lake = tmp_path_factory.mktemp("lake")
    return lake, run_collect(box, lake)


def service(box: Sandbox, name: str):
    return next(s for s in box.world.services if s.spec.name == name)


def published_metrics(box: Sandbox, name: str) -> pd.DataFrame:
    """Every datapoint of every metric and statistic of a service, straight from GetMetricData."""
    live = service(box, name)
    dims = [{"Name": "ServiceName", "Value": name}, {"Name": "ServiceID", "Value": live.service_id}]
    specs = [(m.name, stat) for m in APP_RUNNER_METRICS for stat in m.stats]
    queries = [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/AppRunner", "MetricName": metric, "Dimensions": dims},
                "Period": 60,
                "Stat": stat,
            },
        }
        for i, (metric, stat) in enumerate(specs)
    ]
    client = aws_client(box, "cloudwatch", live.spec.region)
    start = box.world.history_start - timedelta(hours=1)
    end = box.world.produced_until + timedelta(minutes=1)
    rows = []
    for page in client.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
    ):
        for result in page["MetricDataResults"]:
            metric, stat = specs[int(result["Id"][1:])]
            rows += [
                (metric, stat, t, v) for t, v in zip(result["Timestamps"], result["Values"], strict=True)
            ]
    frame = pd.DataFrame(rows, columns=["metric", "stat", "timestamp", "value"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).dt.as_unit("us")
    return frame.sort_values(["metric", "stat", "timestamp"], ignore_index=True)


def collected_metrics(lake: Path, arn: str) -> pd.DataFrame:
    rows = read_table(lake, "metrics")
    rows = rows[rows["service_arn"] == arn][["metric", "stat", "timestamp", "value"]]
    rows["timestamp"] = rows["timestamp"].dt.as_unit("us")
    return rows.sort_values(["metric", "stat", "timestamp"], ignore_index=True)


@pytest.mark.parametrize("name", ["orders-api", "admin-tool"])
def test_collected_metrics_equal_what_the_sandbox_published_metric_by_metric(box, first, name):
    lake, _ = first
    expected, got = published_metrics(box, name), collected_metrics(lake, service(box, name).arn)
    for (metric, stat), want in expected.groupby(["metric", "stat"]):
        mine = got[(got["metric"] == metric) & (got["stat"] == stat)]
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), want.reset_index(drop=True), obj=f"{metric} {stat}"
        )
    assert len(got) == len(expected)


def test_sparse_latency_is_absent_not_zero(box, first):
    """admin-tool has minutes without requests: no latency row for them, and a 0 request count."""
    lake, _ = first
    rows = collected_metrics(lake, service(box, "admin-tool").arn)
    requests = rows[(rows["metric"] == "Requests") & (rows["stat"] == "Sum")]
    latency = rows[(rows["metric"] == "RequestLatency") & (rows["stat"] == "p99")]
    assert (requests["value"] == 0).any()
    assert len(latency) < len(requests)
    assert not (latency["value"] == 0).any()


def test_logs_equal_filter_log_events_for_both_groups(box, first):
    """The service group whole; the application group's error and 5xx lines (the default pattern)."""
    lake, _ = first
    live = service(box, "checkout-api")
    client = aws_client(box, "logs", live.spec.region)
    logs = read_table(lake, "logs")
    for kind, pattern in (("application", DEFAULT_ERROR_PATTERN), ("service", "")):
        group = f"/aws/apprunner/checkout-api/{live.service_id}/{kind}"
        pages = client.get_paginator("filter_log_events").paginate(logGroupName=group, filterPattern=pattern)
        events = [e for page in pages for e in page["events"]]
        mine = logs[logs["log_group"] == group]
        assert sorted(mine["event_id"]) == sorted(e["eventId"] for e in events)
        assert set(mine["kind"]) == {kind}
        assert sorted(mine["message"]) == sorted(e["message"] for e in events)


def test_inventory_rows_carry_the_scaling_numbers_describe_service_leaves_out(box, first):
    lake, _ = first
    services = read_table(lake, "services").set_index("service_name")
    assert len(services) == 8
    for live in box.world.services:
        row, spec = services.loc[live.spec.name], live.spec
        assert (row["max_concurrency"], row["min_size"], row["max_size"]) == (
            spec.config.max_concurrency,
            spec.config.min_size,
            spec.config.max_size,
        )
        assert (row["cpu_vcpu"], row["memory_gb"]) == (spec.instance.cpu_vcpu, spec.instance.memory_gb)
        assert (row["region"], row["service_arn"], row["status"]) == (spec.region, live.arn, spec.status)
    assert set(services["account_id"]) == {"123456789012"}


def test_inventory_rows_carry_the_setup_a_migration_must_reproduce(box, first):
    """Source, runtime names (never values), health check, network and custom domains, per service."""
    services = read_table(first[0], "services").set_index("service_name")
    for live in box.world.services:
        row, app = services.loc[live.spec.name], live.spec.app
        assert row["source_type"] == app.source and row["port"] == app.port
        assert row["env_names"] == ",".join(sorted(app.env))
        assert row["secret_names"] == ",".join(sorted(app.secrets))
        assert row["custom_domains"] == ",".join(sorted(app.custom_domains))
        assert row["health_check_protocol"] == ("HTTP" if app.health_path else "TCP")
        assert row["egress_type"] == ("VPC" if app.vpc_connector else "DEFAULT")
        assert pd.isna(row["vpc_connector_arn"]) != app.vpc_connector
        assert (len(row["vpc_subnets"].split(",")) == 2) if app.vpc_connector else pd.isna(row["vpc_subnets"])
        assert row["publicly_accessible"] == (not app.private)
        assert (row["observability_enabled"], row["kms_key"]) == (app.observability, app.kms)
        assert pd.isna(row["instance_role_arn"]) != app.instance_role
        assert row["start_command"] == bool(app.start_command)
    assert "-value" not in "".join(services["env_names"])  # names only: the values stay in App Runner
    code = services.loc["shop-web"]
    assert pd.isna(code["image_identifier"]) and code["code_repository_url"].endswith("/shop-web")
    assert services.loc["orders-api"]["image_repository_type"] == "ECR"


def test_paused_service_is_inventoried_and_its_history_collected(box, first):
    lake, summary = first
    paused = next(s for s in summary.services if s.name == "legacy-reports")
    assert (paused.status, paused.result) == ("PAUSED", "collected")
    assert paused.datapoints > 0 and any("paused" in note for note in paused.notes)
    rows = collected_metrics(lake, service(box, "legacy-reports").arn)
    assert rows["timestamp"].max() < service(box, "legacy-reports").paused_from


def test_operations_come_from_list_operations(box, first):
    lake, _ = first
    operations = read_table(lake, "operations")
    assert len(operations) == 8
    assert set(operations["type"]) == {"CREATE_SERVICE"}
    assert set(operations["source"]) == {"list_operations"}


def test_summary_counts_calls_by_operation_within_the_limits(first):
    _, summary = first
    assert summary.ok and len(summary.services) == 8
    assert summary.total("datapoints") == len(read_table(first[0], "metrics"))
    # The fewest calls the limits allow: per region (calls are regional), as many of its services'
    # 16 queries per call as 100,800 datapoints hold (3 days of minutes: 23 queries a call).
    per_call = 100_800 // (3 * 1440)
    regions = Counter(s.region for s in summary.services)
    assert summary.calls["cloudwatch:GetMetricData"] == sum(
        math.ceil(16 * n / per_call) for n in regions.values()
    )
    assert summary.calls["cloudwatch-logs:FilterLogEvents"] == 16  # two groups, one page each
    assert summary.calls["apprunner:DescribeService"] == 8
    assert summary.calls["apprunner:DescribeCustomDomains"] == 9  # catalog-svc's six domains: two pages
    assert summary.calls["apprunner:DescribeVpcConnector"] == 2  # b2b-portal's and admin-tool's


def test_collecting_twice_changes_nothing(box, first, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(first[0], lake)
    again = run_collect(box, lake)
    assert again.ok
    assert again.total("metric_rows_added") == 0 and again.total("log_rows_added") == 0
    assert_same_lake(first[0], lake)


def test_throttled_sandbox_still_gives_the_complete_lake(box, first, tmp_path):
    """30% of App Runner, CloudWatch and Logs calls answer ThrottlingException; retries absorb them."""
    names = ("orders-api",)
    control(box, "throttle", {"fraction": 0.3})
    try:
        summary = run_collect(box, tmp_path / "lake", services=names, regions=("us-east-1",))
    finally:
        control(box, "throttle", {"fraction": 0.0})
    assert summary.ok, [s.error for s in summary.failed]
    arns = {service(box, n).arn for n in names}
    for table in ("metrics", "logs", "operations"):
        expected = table_rows(first[0], table)
        expected = expected[expected["service_arn"].isin(arns)].reset_index(drop=True)
        pd.testing.assert_frame_equal(table_rows(tmp_path / "lake", table), expected, obj=table)


def test_a_service_that_fails_exits_1_and_the_others_land(box, tmp_path, monkeypatch, capsys):
    """checkout-api is deleted between ListServices and DescribeService."""
    gone = service(box, "checkout-api").arn
    real = AppRunnerPlatform.describe_service

    def describe(platform, arn):
        if arn == gone:
            raise NotFound("apprunner:DescribeService failed: ResourceNotFoundException: not found")
        return real(platform, arn)

    monkeypatch.setattr(AppRunnerPlatform, "describe_service", describe)
    lake = tmp_path / "lake"
    args = ["collect", "--endpoint-url", box.endpoint, "--region", "us-east-1", "--lake", str(lake)]
    code, _, err = cli([*args, "--no-progress", "--days", "3"], monkeypatch, capsys)
    assert code == 1
    assert "checkout-api" in err.splitlines()[-1]
    assert set(read_table(lake, "services")["service_name"]) == {"orders-api", "legacy-reports"}
    assert gone not in set(read_table(lake, "metrics")["service_arn"])
    assert len(read_table(lake, "metrics")) > 0


def test_unknown_service_name_is_bad_input(box, tmp_path, monkeypatch, capsys):
    args = ["collect", "--endpoint-url", box.endpoint, "--region", "all", "--lake", str(tmp_path / "l")]
    code, _, err = cli([*args, "--service", "no-such-service"], monkeypatch, capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "no-such-service" in err
    assert not (tmp_path / "l" / "metrics").exists()


def test_json_summary_on_stdout(box, first, tmp_path, monkeypatch, capsys):
    lake = tmp_path / "lake"
    shutil.copytree(first[0], lake)
    args = ["collect", "--endpoint-url", box.endpoint, "--region", "eu-west-1", "--lake", str(lake)]
    code, out, _ = cli([*args, "--format", "json", "--no-progress"], monkeypatch, capsys)
    import json

    data = json.loads(out)
    assert code == 0 and data["ok"]
    assert {s["name"] for s in data["services"]} == {"shop-web", "admin-tool"}
    assert data["totals"]["metric_rows_added"] == 0


class RecordedProgress:
    """What a progress bar would be told, in order."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def begin(self, services: int, stages: int) -> None:
        self.events.append(("begin", services, stages))

    def advance(self, service: str, stage: str) -> None:
        self.events.append(("advance", service, stage))

    def waiting(self, what: str) -> None:
        self.events.append(("waiting", what))

    def end(self) -> None:
        self.events.append(("end",))


def test_the_first_collect_says_what_it_waits_on_and_advances_each_service_stage_once(box, tmp_path):
    import boto3

    from advisor.aws.session import AwsSession
    from advisor.collect.run import STAGES, CollectRequest, collect

    credentials = boto3.session.Session(
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name="us-east-1"
    )
    progress = RecordedProgress()
    session = AwsSession(endpoint_url=box.endpoint, boto_session=credentials)
    collect(session, CollectRequest(lake=tmp_path / "lake", regions=("all",), days=3), progress)
    events = progress.events
    assert events[0] == ("begin", 8, 3) and events[-1] == ("end",)
    waiting = [e for e in events if e[0] == "waiting"]
    # the sandbox's services are older than its one day of history: the window is the 3 days asked
    assert waiting == [("waiting", "metrics: 3.0 days for 8 services")]
    advanced = Counter((e[1], e[2]) for e in events if e[0] == "advance")
    names = {s.spec.name for s in box.world.services}
    assert advanced == Counter({(name, stage): 1 for name in names for stage in STAGES})
    # inventory first, then the waiting note, then the metrics and the logs as they land
    first_wait = events.index(waiting[0])
    assert all(e[2] == "inventory" for e in events[1:first_wait])
