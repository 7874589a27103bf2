"""After the sandbox's clock moves on, a collection adds exactly the minutes it produced, nothing else."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from advisor.lake.state import StateStore
from tests.collect.conftest import run_collect, start_sandbox, table_rows


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=2, days=1)


def test_advance_then_collect_adds_exactly_the_new_minutes(box, tmp_path):
    lake = tmp_path / "lake"
    run_collect(box, lake)
    before = table_rows(lake, "metrics")
    produced_before = box.world.produced_until
    box.advance(1)
    after_run = run_collect(box, lake)
    after = table_rows(lake, "metrics")
    produced_after = box.world.produced_until

    assert after_run.ok
    key = ["service_arn", "metric", "stat", "period_s", "timestamp"]
    assert not after.duplicated(key).any()
    old = after.merge(before[key], on=key, how="inner")
    pd.testing.assert_frame_equal(old.sort_values(key, ignore_index=True), before)  # nothing rewritten
    new = after[~after.set_index(key).index.isin(before.set_index(key).index)]
    assert after_run.total("metric_rows_added") == len(new)
    minutes = pd.date_range(produced_before, produced_after, freq="1min", inclusive="left", unit="us")
    for arn, rows in new.groupby("service_arn"):
        requests = rows[(rows["metric"] == "Requests") & (rows["stat"] == "Sum")]
        assert list(requests["timestamp"]) == list(minutes), arn  # every new minute, once
    assert new["timestamp"].min() >= produced_before and new["timestamp"].max() < produced_after


def test_marks_move_only_forward_and_to_the_servers_minute(box, tmp_path):
    lake = tmp_path / "lake"
    summary = run_collect(box, lake)
    state = StateStore(lake)
    for service in summary.services:
        assert state.high_water_mark("metrics", service.arn) == summary.until
    assert summary.until.second == 0 and summary.until >= box.world.produced_until


def test_logs_after_advance_are_added_once(box, tmp_path):
    lake = tmp_path / "lake"
    run_collect(box, lake)
    box.advance(0.5)
    run_collect(box, lake)
    copy = tmp_path / "copy"
    shutil.copytree(lake, copy)
    again = run_collect(box, copy)
    logs = table_rows(lake, "logs")
    assert not logs.duplicated(["log_group", "event_id"]).any()
    assert again.total("log_rows_added") == 0 and again.total("metric_rows_added") == 0
    pd.testing.assert_frame_equal(table_rows(copy, "logs"), logs)
