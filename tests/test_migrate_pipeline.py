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
from advisor.migrate.pipeline import migrate_lake, migrate_service
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
    assert "no what-if" in by_name["empty-api"].error
    others = [o for n, o in by_name.items() if n != "empty-api" and o.whatif is not None]
    assert others
    assert fleet.totals()["app_runner"] == pytest.approx(
        sum(o.whatif.targets["app_runner"].monthly_cost_usd for o in others)
    )
