"""`advisor schedule`: the cron expression fires when it says, every run is logged, a failed run is
survived and the next one reports."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from advisor.errors import InputError
from advisor.report.produce import ReportRequest
from advisor.report.schedule import Chain, build_scheduler, cron_trigger, run_once

from .conftest import START, add_service, ref, traffic


def fire_times(trigger, start: datetime, count: int) -> list[datetime]:
    """The next `count` firings after `start`, on a clock the test holds (no waiting)."""
    times, previous, now = [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous
    return times


def test_every_minute_fires_every_minute_and_monday_eight_fires_weekly():
    start = datetime(2026, 3, 4, 10, 0, 30, tzinfo=UTC)  # a Wednesday
    minutes = fire_times(cron_trigger("* * * * *"), start, 3)
    assert minutes == [start.replace(second=0) + timedelta(minutes=k) for k in (1, 2, 3)]
    mondays = fire_times(cron_trigger("0 8 * * MON"), start, 2)
    assert mondays == [datetime(2026, 3, 9, 8, tzinfo=UTC), datetime(2026, 3, 16, 8, tzinfo=UTC)]


def test_a_bad_cron_expression_is_bad_input():
    with pytest.raises(InputError, match="--cron"):
        cron_trigger("every monday")


def test_a_failing_run_is_logged_and_does_not_stop_the_next(tmp_path):
    lake, out = tmp_path / "lake", tmp_path / "reports"
    # no lake yet: the first run fails (a damaged file no longer fails a run: readers skip it)
    chain = Chain(report=ReportRequest(lake=lake, out=out, period="1d", formats=("json", "csv")))
    run_log = out / "runs.jsonl"
    scheduler = build_scheduler(
        chain, CronTrigger(second="*", timezone=UTC), run_log, BackgroundScheduler(timezone=UTC)
    )  # the every-minute chain, fired every second so the test takes seconds
    scheduler.start()
    try:
        records = wait_for_runs(run_log, 1)
        add_service(lake, ref("orders-api", 1), traffic(START, 1, seed=1))
        records = wait_for_runs(run_log, 3)
    finally:
        scheduler.shutdown(wait=True)
    assert records[0]["status"] == "failed" and "no such directory" in records[0]["error"]
    assert "ok" in [r["status"] for r in records[1:]]
    for record in records[1:]:
        if record["status"] == "ok":
            assert json.loads((out / record["report_dir"] / "report.json").read_text())["total_cost_usd"] > 0


def wait_for_runs(run_log, count: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run_log.exists():
            records = [json.loads(line) for line in run_log.read_text().splitlines()]
            if len(records) >= count:
                return records
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} runs logged in {timeout:g} s")


def test_once_runs_the_whole_chain_in_order(tmp_path):
    lake = tmp_path / "lake"
    add_service(lake, ref("orders-api", 1), traffic(START, 1, seed=1))
    steps = []

    class Done:
        ok = True

    chain = Chain(
        collect=lambda: steps.append("collect") or Done(),
        recommend=lambda: steps.append("recommend") or Done(),
        report=ReportRequest(lake=lake, out=tmp_path / "out", period="1d", formats=("json",)),
    )
    record = run_once(chain, tmp_path / "out" / "runs.jsonl")
    assert steps == ["collect", "recommend"]
    assert record.status == "ok" and record.steps == {"collect": "ok", "recommend": "ok", "report": "ok"}
