"""The migration pipeline on the lake: the stored recommendation reused only for the data it saw, one
service's failure its own row, and the ALB shared by the services moved together."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pandas as pd
import pytest

from advisor.lake.reader import read_table
from advisor.lake.recommendations import find
from advisor.lake.views import service_records
from advisor.lake.writer import write
from advisor.migrate.pipeline import alb_groups, migrate_lake, migrate_service
from advisor.migrate.plan import ServiceInventory
from tests.report.conftest import add_service, ref


@pytest.fixture
def lake_copy(sandbox_lake, tmp_path):
    """The sandbox lake copied, for a test that writes to it."""
    _, lake = sandbox_lake
    return shutil.copytree(lake, tmp_path / "lake")


def _busy(records, lake):
    """A running service of the lake with a stored recommendation that recommends something."""
    for r in records:
        stored = find(lake, r.service_arn)
        if r.status == "RUNNING" and stored is not None and stored.recommended is not None:
            return r
    pytest.fail("no recommended service in the sandbox lake")


def test_the_stored_recommendation_is_reused_for_the_data_it_saw(sandbox_lake):
    _, lake = sandbox_lake
    service = _busy(service_records(lake), lake)
    outcome = migrate_service(lake, service)
    assert outcome.ok, outcome.error
    assert outcome.reused
    stored = find(lake, service.service_arn)
    assert (
        outcome.whatif.targets["app_runner"].config["max_concurrency"] == stored.recommended.max_concurrency
    )


def test_a_newer_minute_of_metrics_makes_it_recommend_again(lake_copy):
    service = _busy(service_records(lake_copy), lake_copy)
    metrics = read_table(lake_copy, "metrics")
    mine = metrics[metrics["service_arn"] == service.service_arn]
    last = mine[mine["timestamp"] == mine["timestamp"].max()].copy()
    last["timestamp"] = last["timestamp"] + timedelta(minutes=1)
    write(lake_copy, "metrics", last.drop(columns=["region", "service_id", "date"], errors="ignore"))
    outcome = migrate_service(lake_copy, service)
    assert outcome.ok, outcome.error
    assert not outcome.reused


def test_a_service_without_data_is_its_own_row_and_the_fleet_goes_on(lake_copy):
    add_service(lake_copy, ref("empty-api", 99), pd.Series([], dtype=float))
    fleet = migrate_lake(lake_copy)
    by_name = {o.service_name: o for o in fleet.outcomes}
    assert by_name["empty-api"].whatif is None
    assert "no traffic" in by_name["empty-api"].error
    others = [o for n, o in by_name.items() if n != "empty-api" and o.whatif is not None]
    assert others
    assert fleet.totals()["app_runner"] == pytest.approx(
        sum(o.whatif.targets["app_runner"].monthly_cost_usd for o in others)
    )


def _inventory(n: int, region: str = "us-east-1", connector: str | None = None) -> ServiceInventory:
    egress = "VPC" if connector else "DEFAULT"
    return ServiceInventory(
        f"s{n}", f"arn:{n}", region, None, True, egress_type=egress, vpc_connector_arn=connector
    )


def test_an_alb_is_shared_per_region_and_vpc_by_at_most_25_services():
    default_vpc = [_inventory(n) for n in range(27)]
    other_region = [_inventory(100, "eu-west-1")]
    connected = [_inventory(200 + n, connector="arn:connector/a") for n in range(3)]
    shares = alb_groups(default_vpc + other_region + connected)
    assert [shares[f"arn:{n}"] for n in range(27)] == [25] * 25 + [2] * 2
    assert shares["arn:100"] == 1
    assert {shares[f"arn:{200 + n}"] for n in range(3)} == {3}


def test_a_given_alb_share_holds_for_every_service(sandbox_lake):
    _, lake = sandbox_lake
    fleet = migrate_lake(lake, alb_services=7)
    shares = {o.whatif.settings.alb_services for o in fleet.outcomes if o.whatif is not None}
    assert shares == {7}
