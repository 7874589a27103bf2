"""Logs at the account's 5 TPS (issue 13, item 13): the service group always, application logs by
default only the lines that matter, every line or none when asked, within a per-run request budget.

Expectations are counted from the events the sandbox stored (moto's Logs backend), not from the
collector or the sandbox's FilterLogEvents."""

from __future__ import annotations

import boto3
import pandas as pd
import pytest

from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, CollectSummary, collect
from advisor.lake.reader import read_table
from advisor.sandbox.server import ACCOUNT_ID, Sandbox
from advisor.settings import LogsPolicy
from tests.collect.conftest import cli, start_sandbox

SERVICES = ("orders-api", "shop-web", "b2b-portal")  # us-east-1, eu-west-1, us-east-2


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(3, days=1)


def run(box: Sandbox, lake, policy: LogsPolicy | None = None) -> CollectSummary:
    credentials = boto3.session.Session(
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name="us-east-1"
    )
    session = AwsSession(endpoint_url=box.endpoint, boto_session=credentials)
    request = CollectRequest(lake=lake, regions=("all",), days=3, logs=policy or LogsPolicy())
    summary = collect(session, request)
    assert summary.ok, summary.to_dict()
    return summary


def stored(box: Sandbox, name: str, kind: str) -> list[str]:
    """Every message the sandbox wrote to the service's group, read from moto's backend."""
    from moto.logs.models import logs_backends

    live = next(s for s in box.world.services if s.spec.name == name)
    group = logs_backends[ACCOUNT_ID][live.spec.region].groups[
        f"/aws/apprunner/{name}/{live.service_id}/{kind}"
    ]
    return [e.message for stream in group.streams.values() for e in stream.events]


def landed(lake, name: str, kind: str) -> pd.Series:
    logs = read_table(lake, "logs")
    return logs.loc[logs["log_group"].str.contains(f"/{name}/") & (logs["kind"] == kind), "message"]


def filter_calls(box: Sandbox) -> int:
    return sum(region["calls"] for region in box.log_search.stats().values())


def test_by_default_only_the_error_lines_of_the_application_log_land(box, tmp_path):
    run(box, tmp_path / "lake")
    for name in SERVICES:
        errors = [m for m in stored(box, name, "application") if m.startswith("ERROR ")]
        assert sorted(landed(tmp_path / "lake", name, "application")) == sorted(errors)
    assert len(landed(tmp_path / "lake", "orders-api", "application")) > 0  # orders-api has 5xx daily


def test_the_service_log_group_lands_whole_by_default(box, tmp_path):
    run(box, tmp_path / "lake")
    for name in SERVICES:
        assert sorted(landed(tmp_path / "lake", name, "service")) == sorted(stored(box, name, "service"))


def test_app_logs_all_lands_every_line(box, tmp_path):
    run(box, tmp_path / "lake", LogsPolicy(app_logs="all"))
    every = stored(box, "orders-api", "application")
    assert sorted(landed(tmp_path / "lake", "orders-api", "application")) == sorted(every)
    assert any(m.startswith("INFO ") for m in every)


def test_app_logs_none_reads_no_application_line_and_the_service_group_still(box, tmp_path):
    before = filter_calls(box)
    run(box, tmp_path / "lake", LogsPolicy(app_logs="none"))
    assert filter_calls(box) - before == len(SERVICES)  # one page of service events each
    for name in SERVICES:
        assert landed(tmp_path / "lake", name, "application").empty
        assert sorted(landed(tmp_path / "lake", name, "service")) == sorted(stored(box, name, "service"))


def test_a_settable_pattern_selects_other_lines(box, tmp_path):
    run(box, tmp_path / "lake", LogsPolicy(pattern="?WARN ?Listening"))
    wanted = [
        m for m in stored(box, "orders-api", "application") if m.startswith("WARN ") or "Listening" in m
    ]
    assert wanted and sorted(landed(tmp_path / "lake", "orders-api", "application")) == sorted(wanted)


def test_the_budget_caps_application_requests_and_the_next_run_finishes(box, tmp_path):
    before = filter_calls(box)
    first = run(box, tmp_path / "lake", LogsPolicy(max_requests=1))
    assert filter_calls(box) - before == len(SERVICES) + 1  # the service groups, then one application page
    spent = [s.name for s in first.services if any("budget" in note for note in s.notes)]
    assert len(spent) == len(SERVICES) - 1
    run(box, tmp_path / "lake")
    for name in SERVICES:
        errors = [m for m in stored(box, name, "application") if m.startswith("ERROR ")]
        assert sorted(landed(tmp_path / "lake", name, "application")) == sorted(errors)


def test_collect_app_logs_none_from_the_command_line(box, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", box.endpoint)
    lake = tmp_path / "lake"
    args = ["collect", "--region", "all", "--days", "3", "--lake", str(lake), "--app-logs", "none"]
    code, _, err = cli([*args, "--no-progress"], monkeypatch, capsys)
    assert code == 0, err
    logs = read_table(lake, "logs")
    assert set(logs["kind"]) == {"service"}
