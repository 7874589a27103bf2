"""The bill in the lake: collect reads each service's daily cost from the sandbox's Cost Explorer once per
run, into `costs`, without duplicates; a denied or not-opted-in account is one line and the rest lands."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.lake.reader import read_table
from advisor.lake.views import daily_costs
from tests.collect.conftest import cli, control, run_collect, start_sandbox


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=4, days=2)


@pytest.fixture
def ce_controls(box):
    yield lambda **payload: control(box, "cost-explorer", payload)
    control(box, "cost-explorer", {"deny": [], "resource_level": True, "page_groups": 500})


def bill(box) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{box.endpoint}/_sandbox/bill", timeout=60) as response:
        return json.loads(response.read())


def test_the_lake_holds_the_sandbox_bill_to_the_cent(box, tmp_path):
    summary = run_collect(box, tmp_path / "lake")
    assert summary.ok and summary.costs is not None and summary.costs.error is None
    costs = read_table(tmp_path / "lake", "costs")
    exact = bill(box)
    assert set(costs["service_arn"]) == set(exact["services"])
    assert costs["cost_usd"].sum() == pytest.approx(exact["cost_usd"], rel=1e-9)
    assert (
        costs["usage_type"]
        .str.fullmatch(r"(USE1|USE2|USW2|EU|APN1)-AppRunner-(Provisioned-GB|GB|vCPU)-hours")
        .all()
    )
    assert summary.calls["cost-explorer:GetCostAndUsageWithResources"] == 1  # once per run, not per region


def test_recollecting_gives_no_duplicates(box, tmp_path, ce_controls):
    ce_controls(page_groups=5)  # several pages per read
    lake = tmp_path / "lake"
    run_collect(box, lake)
    first = read_table(lake, "costs")
    second_run = run_collect(box, lake)
    again = read_table(lake, "costs")
    assert second_run.costs.rows == len(first)
    assert len(again) == len(first)
    assert not again.duplicated(["service_arn", "usage_type", "usage_date"]).any()


def test_daily_costs_is_the_service_bill_per_day(box, tmp_path):
    lake = tmp_path / "lake"
    run_collect(box, lake)
    exact = bill(box)
    arn, service = next(iter(exact["services"].items()))
    series = daily_costs(lake, arn)
    assert isinstance(series.index, pd.DatetimeIndex) and str(series.index.tz) == "UTC"
    by_day = {day: sum(u["cost_usd"] for u in types.values()) for day, types in service["days"].items()}
    assert {d.date().isoformat(): v for d, v in series.items()} == pytest.approx(by_day)
    assert daily_costs(lake, arn.replace(arn[-4:], "ffff")).empty
    assert daily_costs(tmp_path / "no-lake", arn).empty


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ({"deny": ["GetCostAndUsageWithResources"]}, "the policy needs: ce:GetCostAndUsageWithResources"),
        ({"resource_level": False}, "enable daily resource-level data for AWS App Runner"),
    ],
)
def test_no_bill_is_one_line_and_the_rest_lands(box, tmp_path, ce_controls, setting, words):
    ce_controls(**setting)
    lake = tmp_path / "lake"
    summary = run_collect(box, lake)
    assert summary.ok  # the services were collected: the run did its job
    assert summary.costs.line().startswith("costs: not collected (") and words in summary.costs.line()
    assert not read_table(lake, "metrics").empty
    assert read_table(lake, "costs").empty


def test_cli_summary_and_no_costs_flag(box, tmp_path, monkeypatch, capsys):
    lake = tmp_path / "lake"
    base = [
        "collect",
        "--endpoint-url",
        box.endpoint,
        "--region",
        "all",
        "--no-progress",
        "--lake",
        str(lake),
    ]
    code, out, _ = cli([*base, "--format", "json", "--no-costs"], monkeypatch, capsys)
    assert code == 0
    assert '"costs": null' in out
    assert read_table(lake, "costs").empty
    code, out, _ = cli(base, monkeypatch, capsys)
    assert code == 0
    assert "daily costs over" in out
    assert not read_table(lake, "costs").empty
