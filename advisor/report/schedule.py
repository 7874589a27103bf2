"""`advisor schedule`: collect, recommend and report on a cron expression, in one long-running process.

APScheduler (3.x) fires the chain; each run is logged (Python logging, and one JSON line per run in
`<out>/runs.jsonl`, so "did Monday's report go out?" is a `tail`), and a run that fails is logged and
forgotten: the exception never reaches the scheduler, and the next run starts from scratch. Runs never
overlap (a slow run makes the next firing wait, then coalesce), and a firing missed while the machine
slept still runs if it is under an hour late.

Without a long-running process, cron, a systemd timer or EventBridge Scheduler can call
`advisor schedule --once ...` instead (docs/report.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from advisor.errors import InputError
from advisor.report.produce import ReportRequest, produce

log = logging.getLogger("advisor.schedule")
RUN_LOG = "runs.jsonl"
MISFIRE_GRACE_S = 3600


@dataclass(frozen=True)
class Chain:
    """The steps of one run; each is optional, and they run in this order."""

    collect: Callable[[], Any] | None = None  # returns a summary with `.ok`
    recommend: Callable[[], Any] | None = None  # returns a result with `.ok`
    report: ReportRequest | None = None


@dataclass
class RunRecord:
    started_at: datetime
    status: str = "running"  # ok | failed
    steps: dict[str, str] = field(default_factory=dict)  # step -> "ok" or why it failed
    report_dir: str | None = None
    deliveries: list[str] = field(default_factory=list)
    error: str | None = None
    duration_s: float = 0.0

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "started_at": self.started_at.isoformat()}, default=str)


def cron_trigger(expression: str) -> CronTrigger:
    """A standard five-field cron expression (minute hour day month weekday), in UTC."""
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        raise InputError(f"--cron {expression!r} is invalid: {exc} (e.g. '0 8 * * MON')") from None


def _step(record: RunRecord, name: str, action: Callable[[], Any]) -> Any:
    result = action()
    ok = getattr(result, "ok", True)
    record.steps[name] = "ok" if ok else "finished with failures"
    if not ok:
        log.warning("%s finished with failures", name)
    return result


def _run_steps(chain: Chain, record: RunRecord) -> None:
    if chain.collect is not None:
        _step(record, "collect", chain.collect)
    if chain.recommend is not None:
        _step(record, "recommend", chain.recommend)
    if (request := chain.report) is not None:
        run = _step(record, "report", lambda: produce(request))
        record.report_dir = str(run.rendered.directory)
        record.deliveries = [d.location if d.ok else f"{d.destination}: {d.error}" for d in run.deliveries]


def run_once(chain: Chain, run_log: Path | None = None) -> RunRecord:
    """One run of the chain: never raises; the record says how it went."""
    record, began = RunRecord(datetime.now(UTC)), time.monotonic()
    log.info("run started")
    try:
        _run_steps(chain, record)
        record.status = "ok" if all(v == "ok" for v in record.steps.values()) else "failed"
    except Exception as exc:  # a failed run must not stop the schedule: log it, keep going
        record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"
        log.exception("run failed")
    record.duration_s = round(time.monotonic() - began, 3)
    log.info("run %s in %.1f s (report: %s)", record.status, record.duration_s, record.report_dir or "none")
    if run_log is not None:
        run_log.parent.mkdir(parents=True, exist_ok=True)
        with run_log.open("a", encoding="utf-8") as f:
            f.write(record.to_json() + "\n")
    return record


def build_scheduler(
    chain: Chain,
    trigger: BaseTrigger,
    run_log: Path | None,
    scheduler: BaseScheduler | None = None,
) -> BaseScheduler:
    """A scheduler (blocking by default) with the chain as its one job; start() it to run."""
    scheduler = scheduler or BlockingScheduler(timezone=UTC)
    lock = threading.Lock()

    def job() -> None:
        with lock:
            run_once(chain, run_log)

    scheduler.add_job(
        job,
        trigger,
        id="advisor-chain",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_S,
    )
    return scheduler


def run_log_path(chain: Chain, fallback: Path) -> Path:
    return (chain.report.out if chain.report is not None else fallback) / RUN_LOG
