"""Metrics: every App Runner metric and statistic of a service, from its high-water mark to now.

Queries of services in one region that need the same window are packed into shared calls (a call is
regional). The mark moves only after the datapoints have landed, and only when CloudWatch answered every query
completely: a run killed or failed in between re-collects the same window next time, and the lake's
dedupe by key makes that a no-op for rows it already has.

Sparse by nature: a minute without requests has no latency datapoint (and CloudWatch may skip zero
counts), so a missing row means "nothing published", never 0, and the mark is the window's end, not
the last timestamp seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.aws.cloudwatch import get_metric_data, service_queries
from advisor.aws.session import AwsSession
from advisor.collect.inventory import ServiceTarget
from advisor.collect.windows import METRICS_OVERLAP, CollectWindow, window_for
from advisor.domain import APP_RUNNER_METRICS, METRIC_UNITS
from advisor.lake.layout import Lake
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

    @property
    def complete(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class MetricsBatch:
    """Services of one region that need the same window: their queries share GetMetricData calls."""

    region: str
    window: CollectWindow
    targets: tuple[ServiceTarget, ...]


def plan_batches(
    lake: Lake | str | Path, targets: Sequence[ServiceTarget], now: datetime, days: float
) -> list[MetricsBatch]:
    """Group services by (region, window), so a call carries as many queries as the limits allow.

    One service's 16 queries over 14 days fill 3.2 calls; packed with its neighbours' they fill whole
    ones (3 services: 10 calls instead of 12). Services collected together share a mark, so after the
    first run they keep sharing windows.
    """
    state = StateStore(lake)
    groups: dict[tuple[str, CollectWindow], list[ServiceTarget]] = defaultdict(list)
    for target in targets:
        window = window_for(state, METRICS.name, target.arn, now, days, METRICS_OVERLAP)
        groups[(target.region, window)].append(target)
    return [MetricsBatch(region, window, tuple(members)) for (region, window), members in groups.items()]


def collect_batch(
    session: AwsSession, lake: Lake | str | Path, batch: MetricsBatch, now: datetime
) -> dict[str, MetricsOutcome]:
    """Fetch the batch's metrics in packed calls, land each service's rows, then move its mark."""
    window = batch.window
    outcomes = {t.arn: MetricsOutcome(window) for t in batch.targets}
    if window.minutes == 0:
        return outcomes
    queries = [q for t in batch.targets for q in service_queries(t.name, t.service_id, tag=t.arn)]
    client = session.client("cloudwatch", batch.region)
    data = get_metric_data(client, queries, window.start, window.end, now=now)
    rows = lake_rows(data.frame)
    for issue in data.issues:
        outcomes[issue.query.tag].issues.append(f"{issue.query.metric} {issue.query.stat}: {issue.status}")
    state = StateStore(lake)
    for target in batch.targets:
        mine = rows[rows["service_arn"] == target.arn]
        outcome = outcomes[target.arn]
        outcome.datapoints = len(mine)
        # newest value wins: the overlap re-reads recent minutes so late or partial datapoints heal
        outcome.rows_added = write(lake, METRICS.name, mine).rows_added
        outcome.empty = missing_series(mine)
        if outcome.complete:
            state.set_high_water_mark(METRICS.name, target.arn, window.end)
    return outcomes


def lake_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """get_metric_data's long frame as `metrics` rows: the query tag is the service ARN."""
    rows = frame.rename(columns={"tag": "service_arn"})
    rows["unit"] = rows["metric"].map(METRIC_UNITS)
    return rows[["service_arn", "metric", "stat", "period_s", "timestamp", "value", "unit"]]


def missing_series(rows: pd.DataFrame) -> list[str]:
    """The (metric, stat) pairs that returned nothing: worth a note, not an error (no traffic, paused)."""
    present = set(zip(rows["metric"], rows["stat"], strict=True))
    return [f"{m.name} {s}" for m in APP_RUNNER_METRICS for s in m.stats if (m.name, s) not in present]
