"""One collection run: list the regions, then inventory, metrics, logs and operations per service, then
the account's daily costs (once: billing is account-wide).

Services are collected on a thread pool, each on its own: a service that fails is reported and the
others still land (the run's exit code says so). Every window ends at AWS's clock, read once at the
start of the run, so all services cover the same minutes. A run can be killed at any point: writes
are atomic, marks move after data lands, and the rerun fills exactly what is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from advisor.aws.logs import RequestBudget, filter_limiter
from advisor.aws.session import AwsSession, caller_identity, resolve_regions, server_now
from advisor.collect.costs import CostsOutcome, collect_costs
from advisor.collect.inventory import ServiceTarget, describe, land_snapshot, list_region
from advisor.collect.logs import LogsOutcome, collect_logs
from advisor.collect.metrics import MetricsBatch, MetricsOutcome, collect_batch, plan_batches
from advisor.collect.operations import OperationsOutcome, collect_operations
from advisor.collect.windows import OLDEST, floor_minute
from advisor.domain import APP_RUNNER_METRICS
from advisor.errors import AdvisorError, InputError
from advisor.lake.retention import sweep_temp_files
from advisor.lake.writer import ensure_writable
from advisor.platform.apprunner import AppRunnerPlatform
from advisor.platform.base import Platform
from advisor.settings import LogsPolicy

STAGES = ("inventory", "metrics", "logs and operations")
T = TypeVar("T")
MAX_DAYS = OLDEST.days


class Progress(Protocol):
    """What a run reports while it works (a rich bar on a terminal, nothing in tests)."""

    def begin(self, services: int, stages: int) -> None: ...

    def advance(self, service: str, stage: str) -> None: ...

    def waiting(self, what: str) -> None:
        """What the run waits on now (the first collect's 14 days of metrics take a minute or two)."""

    def end(self) -> None: ...


class NoProgress:
    def begin(self, services: int, stages: int) -> None:
        pass

    def advance(self, service: str, stage: str) -> None:
        pass

    def waiting(self, what: str) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass(frozen=True)
class CollectRequest:
    """What to collect and where to put it; the CLI flags, validated."""

    lake: Path
    regions: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    days: float = 14.0
    workers: int = 8
    logs: LogsPolicy = field(default_factory=LogsPolicy)
    costs: bool = True  # read the bill (Cost Explorer); `--no-costs` skips it

    def __post_init__(self) -> None:
        if not 0 < self.days <= MAX_DAYS:
            raise InputError(f"--days {self.days:g} is invalid: allowed above 0 up to {MAX_DAYS}")
        if self.workers < 1:
            raise InputError(f"--workers {self.workers} is invalid: allowed 1 or more")
        if self.lake.exists() and not self.lake.is_dir():
            raise InputError(f"--lake {self.lake} is a file: allowed a directory (created when missing)")


@dataclass
class ServiceOutcome:
    """One service's part of the run."""

    region: str
    name: str
    arn: str
    result: str = "collected"  # collected | skipped | failed
    status: str | None = None  # App Runner's: RUNNING, PAUSED, ...
    datapoints: int = 0
    metric_rows_added: int = 0
    log_events: int = 0
    log_rows_added: int = 0
    operations: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class CollectSummary:
    """The run summary: per service, totals, API calls by operation, elapsed time."""

    account_id: str
    regions: list[str]
    until: datetime
    services: list[ServiceOutcome]
    region_errors: dict[str, str]
    calls: dict[str, int]
    elapsed_s: float
    costs: CostsOutcome | None = None  # None: not asked for (--no-costs)

    @property
    def failed(self) -> list[ServiceOutcome]:
        return [s for s in self.services if s.result == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.region_errors

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.services)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["until"] = self.until.isoformat()
        data["totals"] = {
            key: self.total(key)
            for key in ("datapoints", "metric_rows_added", "log_events", "log_rows_added", "operations")
        }
        data["api_calls"] = sum(self.calls.values())
        data["ok"] = self.ok
        return data


def collect(session: AwsSession, request: CollectRequest, progress: Progress | None = None) -> CollectSummary:
    """Run one collection into `request.lake`; never raises for one service's failure."""
    progress = progress or NoProgress()
    started = time.monotonic()
    regions = resolve_regions(session, request.regions)
    ensure_writable(request.lake)  # once, before the first write (bad input creates no lake)
    identity = caller_identity(session)
    now = floor_minute(server_now(session))
    sweep_temp_files(request.lake)
    targets, skipped, region_errors = _list(session, identity.account_id, regions, request.services)
    progress.begin(len(targets), len(STAGES))
    try:
        outcomes = _collect_services(session, request, targets, now, progress)
        costs = None
        if request.costs:  # a refusal is a line of the summary, not a failed run (the rest landed)
            progress.waiting("costs: the account's bill")
            costs = collect_costs(_platform(session, regions[0]), request.lake, now, request.days)
    finally:
        progress.end()
    return CollectSummary(
        account_id=identity.account_id,
        regions=regions,
        until=now,
        services=sorted([*outcomes, *skipped], key=lambda o: (o.region, o.name)),
        region_errors=region_errors,
        calls=dict(sorted(session.calls.items())),
        elapsed_s=time.monotonic() - started,
        costs=costs,
    )


def _collect_services(
    session: AwsSession,
    request: CollectRequest,
    targets: Sequence[ServiceTarget],
    now: datetime,
    progress: Progress,
) -> list[ServiceOutcome]:
    """Inventory first (a service that cannot be described is not collected), then metrics batches
    and each service's logs and operations side by side on one pool."""
    outcomes = {t.arn: ServiceOutcome(t.region, t.name, t.arn, status=t.service.status) for t in targets}
    workers = min(request.workers, max(len(targets), 1))
    budget = RequestBudget(request.logs.max_requests)  # the run's, shared by every service and region
    with ThreadPoolExecutor(max_workers=workers) as pool:
        described = list(pool.map(lambda t: _guarded(_inventory, session, request, t, now), targets))
        live = []
        for target, (status, error) in zip(targets, described, strict=True):
            _record(outcomes[target.arn], error, status=status, paused=status == "PAUSED")
            progress.advance(target.name, "inventory")
            if error is None:
                live.append(target)
        batches = plan_batches(request.lake, live, now, request.days)
        progress.waiting(_metrics_note(batches))
        metric_jobs: dict[Future[Any], MetricsBatch] = {
            pool.submit(_guarded, collect_batch, session, request.lake, b, now): b for b in batches
        }
        log_jobs: dict[Future[Any], ServiceTarget] = {
            pool.submit(_guarded, _logs_and_operations, session, request, t, now, budget): t for t in live
        }
        for job in as_completed([*metric_jobs, *log_jobs]):  # the bar moves as each part lands
            if job in metric_jobs:
                results, error = job.result()
                _record_metrics(outcomes, metric_jobs[job], results, error, progress)
            else:
                target = log_jobs[job]
                _record_logs(outcomes[target.arn], *job.result())
                progress.advance(target.name, "logs and operations")
    return list(outcomes.values())


def _metrics_note(batches: Sequence[MetricsBatch]) -> str:
    """ "metrics: 14.0 days for 8 services": the longest window, in days, and how many services wait."""
    longest = max((b.window.minutes for b in batches), default=0)
    services = sum(len(b.targets) for b in batches)
    return f"metrics: {longest / 1440:.1f} days for {services} services"


def _guarded(func: Callable[..., T], *args: Any) -> tuple[T | None, str | None]:
    """(result, None) or (None, the error): one service's failure, whatever it is, must not stop others."""
    try:
        return func(*args), None
    except AdvisorError as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _inventory(session: AwsSession, request: CollectRequest, target: ServiceTarget, now: datetime) -> str:
    state = describe(_platform(session, target.region), target)
    land_snapshot(request.lake, [state], now)
    return state.service.status


def _platform(session: AwsSession, region: str) -> Platform:
    """The platform the services run on (App Runner); metrics and logs are CloudWatch's, for any platform."""
    return AppRunnerPlatform(session, region)


def _logs_and_operations(
    session: AwsSession, request: CollectRequest, target: ServiceTarget, now: datetime, budget: RequestBudget
) -> tuple[LogsOutcome, OperationsOutcome]:
    limiter = filter_limiter(target.account_id, target.region, request.logs.requests_per_second)
    logs = collect_logs(session, request.lake, target, now, request.days, limiter, request.logs, budget)
    platform = _platform(session, target.region)
    return logs, collect_operations(platform, request.lake, target, logs.service_events)


def _record(outcome: ServiceOutcome, error: str | None, *, status: str | None, paused: bool) -> None:
    if error is not None:
        outcome.result, outcome.error = "failed", error
        return
    outcome.status = status
    if paused:
        outcome.notes.append("paused: metrics and logs only up to the pause")


def _record_metrics(
    outcomes: dict[str, ServiceOutcome],
    batch: MetricsBatch,
    results: dict[str, MetricsOutcome] | None,
    error: str | None,
    progress: Progress,
) -> None:
    for target in batch.targets:
        outcome = outcomes[target.arn]
        progress.advance(target.name, "metrics")
        metrics = results[target.arn] if results is not None else None
        if metrics is None:
            outcome.result, outcome.error = "failed", f"metrics: {error}"
            continue
        outcome.datapoints, outcome.metric_rows_added = metrics.datapoints, metrics.rows_added
        if metrics.healed:
            outcome.notes.append(f"re-fetched lost metrics for {', '.join(metrics.healed)}")
        if metrics.empty and metrics.window.minutes:
            outcome.notes.append(_empty_note(metrics.empty))
        if not metrics.complete:
            outcome.result = "failed"
            outcome.error = f"CloudWatch answered partially (retried next run): {'; '.join(metrics.issues)}"


def _empty_note(empty: list[str]) -> str:
    if len(empty) == sum(len(m.stats) for m in APP_RUNNER_METRICS):
        return "no datapoints in the window"
    return f"no datapoints for {', '.join(empty)}"


def _record_logs(
    outcome: ServiceOutcome, results: tuple[LogsOutcome, OperationsOutcome] | None, error: str | None
) -> None:
    if results is None:
        outcome.result = "failed"
        outcome.error = "; ".join(filter(None, [outcome.error, f"logs: {error}"]))
        return
    logs, operations = results
    outcome.log_events, outcome.log_rows_added = logs.events, logs.rows_added
    outcome.notes += logs.notes
    outcome.operations = operations.listed + operations.from_log


def _list(
    session: AwsSession, account_id: str, regions: Sequence[str], names: Sequence[str]
) -> tuple[list[ServiceTarget], list[ServiceOutcome], dict[str, str]]:
    """Every region's services to collect, the skipped ones as outcomes, and regions that failed."""
    targets: list[ServiceTarget] = []
    skipped: list[ServiceOutcome] = []
    errors: dict[str, str] = {}
    for region in regions:
        try:
            listing = list_region(_platform(session, region), account_id, names)
        except AdvisorError as exc:
            errors[region] = str(exc)
            continue
        targets += listing.targets
        for listed, note in listing.skipped:
            outcome = ServiceOutcome(region, listed.name, listed.arn, "skipped", listed.status)
            outcome.notes.append(note)
            skipped.append(outcome)
    _check_names_found(names, targets, skipped, regions, errors)
    return targets, skipped, errors


def _check_names_found(
    names: Sequence[str],
    targets: list[ServiceTarget],
    skipped: list[ServiceOutcome],
    regions: Sequence[str],
    errors: dict[str, str],
) -> None:
    """A `--service` that names nothing is a typo, worth exit 2 before any data moves."""
    found = {t.name for t in targets} | {s.name for s in skipped}
    missing = [n for n in dict.fromkeys(names) if n not in found]
    if missing and not errors:
        raise InputError(f"--service {', '.join(missing)}: no such service in {', '.join(regions)}")
