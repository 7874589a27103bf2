"""Metrics: every App Runner metric and statistic of a service, from its high-water mark to now.

Queries of services in one region that need the same window are packed into shared calls (a call is
regional). The mark moves only after the datapoints have landed, and only when CloudWatch answered every query
completely: a run killed or failed in between re-collects the same window next time, and the lake's
dedupe by key makes that a no-op for rows it already has.

The lake can lose what it landed (a day's partition deleted, emptied, truncated, quarantined by `advisor
lake check --repair`), and the mark alone would never look back. So each service's state also records the
rows every day's partition held after the last complete collection; a day of the `--days` horizon that
now holds fewer (or cannot be read) is re-fetched while CloudWatch still has it.

Sparse by nature: a minute without requests has no latency datapoint (and CloudWatch may skip zero
counts), so a missing row means "nothing published", never 0, and the mark is the window's end, not
the last timestamp seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from advisor.aws.cloudwatch import get_metric_data, service_queries
from advisor.aws.session import AwsSession
from advisor.collect.inventory import ServiceTarget
from advisor.collect.windows import (
    METRICS_OVERLAP,
    CollectWindow,
    days_between,
    floor_minute,
    heal_windows,
    window_for,
)
from advisor.domain import APP_RUNNER_METRICS, METRIC_UNITS
from advisor.lake.files import partition_rows
from advisor.lake.layout import PART_FILE, Lake
from advisor.lake.schema import METRICS
from advisor.lake.state import StateStore
from advisor.lake.writer import write


@dataclass
class MetricsOutcome:
    """What one service's metrics collection fetched, added, and could not get."""

    window: CollectWindow
    datapoints: int = 0
    rows_added: int = 0
    empty: list[str] = field(default_factory=list)  # "Metric Stat" pairs with no datapoint in the window
    issues: list[str] = field(default_factory=list)  # queries CloudWatch did not answer completely
    healed: list[str] = field(default_factory=list)  # lost days re-fetched ("2026-11-20")

    @property
    def complete(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class MetricsBatch:
    """Services of one region that need the same windows: their queries share GetMetricData calls.

    `heal` re-fetches days the lake lost (a partition deleted, emptied, truncated or quarantined) that
    CloudWatch still holds; `window` is the regular one, from the mark to now."""

    region: str
    window: CollectWindow
    targets: tuple[ServiceTarget, ...]
    heal: tuple[CollectWindow, ...] = ()
    horizon: CollectWindow | None = None  # the days kept track of: `--days` back from now


BatchKey = tuple[str, CollectWindow, tuple[CollectWindow, ...]]  # region, window, heal windows


def plan_batches(
    lake: Lake | str | Path, targets: Sequence[ServiceTarget], now: datetime, days: float
) -> list[MetricsBatch]:
    """Group services by (region, windows), so a call carries as many queries as the limits allow.

    One service's 16 queries over 14 days fill 3.2 calls; packed with its neighbours' they fill whole
    ones (3 services: 10 calls instead of 12). Services collected together share a mark, so after the
    first run they keep sharing windows.
    """
    lake, state = Lake.of(lake), StateStore(lake)
    horizon = CollectWindow(floor_minute(now) - timedelta(days=days), floor_minute(now))
    groups: dict[BatchKey, list[ServiceTarget]] = defaultdict(list)
    for target in targets:
        window = window_for(state, METRICS.name, target.arn, now, days, METRICS_OVERLAP)
        lost = lost_days(lake, target, state.days(METRICS.name, target.arn), horizon)
        groups[(target.region, window, heal_windows(lost, horizon, window.start))].append(target)
    return [
        MetricsBatch(region, window, tuple(members), heal, horizon)
        for (region, window, heal), members in groups.items()
    ]


def lost_days(
    lake: Lake, target: ServiceTarget, landed: Mapping[str, int], horizon: CollectWindow
) -> list[date]:
    """Days in the horizon whose partition is gone, unreadable, or holds fewer rows than were landed."""
    lost = []
    for day in days_between(horizon.start, horizon.end):
        path = _partition_file(lake, target, day)
        rows = partition_rows(path, METRICS)
        recorded = landed.get(day.isoformat())
        if (recorded is not None and (rows or 0) < recorded) or (rows is None and path.exists()):
            lost.append(day)
    return lost


def _partition_file(lake: Lake, target: ServiceTarget, day: date) -> Path:
    values = {"region": target.region, "service_id": target.service_id, "date": day.isoformat()}
    return lake.partition_dir(METRICS, values) / PART_FILE


def collect_batch(
    session: AwsSession, lake: Lake | str | Path, batch: MetricsBatch, now: datetime
) -> dict[str, MetricsOutcome]:
    """Fetch the batch's metrics in packed calls (lost days first), land each service's rows, then move
    its mark and record the days its partitions hold."""
    outcomes = {t.arn: MetricsOutcome(batch.window) for t in batch.targets}
    for window in (*batch.heal, batch.window):
        _collect_window(session, lake, batch, window, now, outcomes)
    state = StateStore(lake)
    for target in batch.targets:
        outcome = outcomes[target.arn]
        outcome.healed = [d.isoformat() for w in batch.heal for d in days_between(w.start, w.end)]
        if outcome.complete and batch.window.minutes:
            state.set_high_water_mark(METRICS.name, target.arn, batch.window.end)
        if outcome.complete and batch.horizon is not None:
            _record_days(Lake.of(lake), state, target, batch.horizon)
    return outcomes


def _collect_window(
    session: AwsSession,
    lake: Lake | str | Path,
    batch: MetricsBatch,
    window: CollectWindow,
    now: datetime,
    outcomes: dict[str, MetricsOutcome],
) -> None:
    if window.minutes == 0:
        return
    queries = [q for t in batch.targets for q in service_queries(t.name, t.service_id, tag=t.arn)]
    client = session.client("cloudwatch", batch.region)
    data = get_metric_data(client, queries, window.start, window.end, now=now)
    rows = lake_rows(data.frame)
    for issue in data.issues:
        outcomes[issue.query.tag].issues.append(f"{issue.query.metric} {issue.query.stat}: {issue.status}")
    for target in batch.targets:
        mine = rows[rows["service_arn"] == target.arn]
        outcome = outcomes[target.arn]
        outcome.datapoints += len(mine)
        # newest value wins: the overlap re-reads recent minutes so late or partial datapoints heal
        outcome.rows_added += write(lake, METRICS.name, mine).rows_added
        if window == batch.window:
            outcome.empty = missing_series(mine)


def _record_days(lake: Lake, state: StateStore, target: ServiceTarget, horizon: CollectWindow) -> None:
    """After a complete collection every day of the horizon was fetched: record what each partition
    holds now (a day CloudWatch had nothing for is forgotten); days before the horizon stay as they were."""
    first = horizon.start.date().isoformat()
    days = {d: n for d, n in state.days(METRICS.name, target.arn).items() if d < first}
    for day in days_between(horizon.start, horizon.end):
        rows = partition_rows(_partition_file(lake, target, day), METRICS)
        if rows:
            days[day.isoformat()] = rows
    state.set_days(METRICS.name, target.arn, days)


def lake_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """get_metric_data's long frame as `metrics` rows: the query tag is the service ARN."""
    rows = frame.rename(columns={"tag": "service_arn"})
    rows["unit"] = rows["metric"].map(METRIC_UNITS)
    return rows[["service_arn", "metric", "stat", "period_s", "timestamp", "value", "unit"]]


def missing_series(rows: pd.DataFrame) -> list[str]:
    """The (metric, stat) pairs that returned nothing: worth a note, not an error (no traffic, paused)."""
    present = set(zip(rows["metric"], rows["stat"], strict=True))
    return [f"{m.name} {s}" for m in APP_RUNNER_METRICS for s in m.stats if (m.name, s) not in present]
