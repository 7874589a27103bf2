"""CloudWatch metrics at the fewest calls the limits allow (reference/apprunner.md §3).

GetMetricData takes at most 500 queries and returns at most 100,800 datapoints per call, and CloudWatch
keeps 1-minute data 15 days, 5-minute 63 days and hourly beyond: a window is split by data age into bands
of one period each, and each band's queries are packed as densely as both limits allow. Query ids are
`m0..mN` inside each call and map back to the (metric, stat) that asked for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.aws.calls import aws_call, paginate
from advisor.domain import APP_RUNNER_METRICS, METRICS_NAMESPACE, MetricSpec

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
# (age limit, period): the finest period CloudWatch still holds for data younger than the limit.
RETENTION_BANDS: tuple[tuple[timedelta, int], ...] = ((timedelta(days=15), 60), (timedelta(days=63), 300))
OLDEST_PERIOD = 3600

METRIC_COLUMNS = ["tag", "metric", "stat", "period_s", "timestamp", "value"]


@dataclass(frozen=True)
class MetricQuery:
    """One (metric, stat) of one dimension set; `tag` says whose it is (the collector puts the ARN)."""

    metric: str
    stat: str
    dimensions: tuple[tuple[str, str], ...]
    namespace: str = METRICS_NAMESPACE
    tag: str = ""

    def to_api(self, query_id: str, period_s: int) -> dict[str, Any]:
        dimensions = [{"Name": n, "Value": v} for n, v in self.dimensions]
        metric = {"Namespace": self.namespace, "MetricName": self.metric, "Dimensions": dimensions}
        return {
            "Id": query_id,
            "MetricStat": {"Metric": metric, "Period": period_s, "Stat": self.stat},
            "ReturnData": True,
        }


@dataclass(frozen=True)
class Window:
    """[start, end) at one period: StartTime inclusive, EndTime exclusive, as CloudWatch reads them."""

    start: datetime
    end: datetime
    period_s: int

    @property
    def datapoints(self) -> int:
        """Most datapoints one query over this window can return."""
        return max(0, math.ceil((self.end - self.start).total_seconds() / self.period_s))


@dataclass(frozen=True)
class QueryIssue:
    """A query CloudWatch answered with other than `Complete` (Forbidden, InternalError, PartialData)."""

    query: MetricQuery
    window: Window
    status: str
    messages: tuple[str, ...] = ()


@dataclass
class MetricData:
    """The datapoints (METRIC_COLUMNS, long format), what went wrong, and how many calls it took."""

    frame: pd.DataFrame
    issues: list[QueryIssue] = field(default_factory=list)
    calls: int = 0

    def count_call(self) -> None:
        self.calls += 1


def service_queries(
    service_name: str, service_id: str, tag: str = "", metrics: Sequence[MetricSpec] = APP_RUNNER_METRICS
) -> list[MetricQuery]:
    """Every (metric, stat) of one service, with the dimensions App Runner publishes them under."""
    dimensions = (("ServiceName", service_name), ("ServiceID", service_id))
    return [MetricQuery(spec.name, stat, dimensions, tag=tag) for spec in metrics for stat in spec.stats]


def period_for_age(age: timedelta) -> int:
    """The finest period CloudWatch still keeps for data this old (60 s, 300 s, or 3600 s)."""
    for limit, period in RETENTION_BANDS:
        if age < limit:
            return period
    return OLDEST_PERIOD


def _floor(when: datetime, period_s: int) -> datetime:
    seconds = int(when.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period_s, tz=UTC)


def _after(when: datetime, period_s: int) -> datetime:
    """The first multiple of `period_s` strictly after `when`."""
    return _floor(when, period_s) + timedelta(seconds=period_s)


def age_windows(start: datetime, end: datetime, now: datetime) -> list[Window]:
    """[start, end) cut by how old the data is at `now` into up to three windows, oldest first.

    The cuts fall on the first multiple of the coarser period strictly after the age limit, so a finer
    window never starts where CloudWatch no longer holds that resolution; each window's start rounds
    down to its period, as CloudWatch itself would.
    """
    start, end, now = _utc(start), _utc(end), _utc(now)
    (fine_age, fine), (mid_age, mid) = RETENTION_BANDS
    old_cut = _after(now - mid_age, OLDEST_PERIOD)
    mid_cut = _after(now - fine_age, mid)
    bands = (
        (start, min(end, old_cut), OLDEST_PERIOD),
        (max(start, old_cut), min(end, mid_cut), mid),
        (max(start, mid_cut), end, fine),
    )
    return [Window(_floor(lo, period), hi, period) for lo, hi, period in bands if lo < hi]


def split_window(window: Window, max_datapoints: int = MAX_DATAPOINTS_PER_CALL) -> list[Window]:
    """Cut a window so one query over each piece fits in a call on its own."""
    step = timedelta(seconds=window.period_s * max_datapoints)
    pieces, lo = [], window.start
    while lo < window.end:
        hi = min(lo + step, window.end)
        pieces.append(Window(lo, hi, window.period_s))
        lo = hi
    return pieces


def plan_calls(
    queries: Sequence[MetricQuery],
    windows: Sequence[Window],
    max_queries: int = MAX_QUERIES_PER_CALL,
    max_datapoints: int = MAX_DATAPOINTS_PER_CALL,
) -> list[tuple[Window, list[MetricQuery]]]:
    """The GetMetricData calls: per window, as many queries as both the query and datapoint limits allow."""
    calls = []
    for window in windows:
        for piece in split_window(window, max_datapoints):
            per_call = min(max_queries, max_datapoints // max(piece.datapoints, 1))
            for i in range(0, len(queries), per_call):
                calls.append((piece, list(queries[i : i + per_call])))
    return calls


@aws_call("cloudwatch:GetMetricData")
def get_metric_data(
    client: CloudWatchClient,
    queries: Sequence[MetricQuery],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> MetricData:
    """Datapoints of every query over [start, end), each at the finest period its age allows."""
    now = now or datetime.now(UTC)
    columns: dict[str, list[Any]] = {name: [] for name in METRIC_COLUMNS}
    result = MetricData(frame=pd.DataFrame(columns=METRIC_COLUMNS))
    for window, batch in plan_calls(queries, age_windows(start, end, now)):
        final_status: dict[int, tuple[str, tuple[str, ...]]] = {}
        for item in _results(client, window, batch, result.count_call):
            index = int(item["Id"][1:])
            _append(columns, batch[index], window, item)
            messages = tuple(m.get("Value", "") for m in item.get("Messages", []))
            final_status[index] = (item.get("StatusCode", "Complete"), messages)
        for index, (code, messages) in sorted(final_status.items()):
            if code != "Complete":
                result.issues.append(QueryIssue(batch[index], window, code, messages))
    result.frame = _metric_frame(columns)
    return result


def _results(
    client: CloudWatchClient, window: Window, batch: list[MetricQuery], on_call: Callable[[], None]
) -> Iterator[dict[str, Any]]:
    """Each MetricDataResult of every page of one packed call (NextToken followed)."""
    yield from paginate(
        client,
        "get_metric_data",
        "MetricDataResults",
        before_page=on_call,
        MetricDataQueries=[q.to_api(f"m{i}", window.period_s) for i, q in enumerate(batch)],
        StartTime=window.start,
        EndTime=window.end,
        ScanBy="TimestampAscending",
        MaxDatapoints=MAX_DATAPOINTS_PER_CALL,
    )


def _append(columns: dict[str, list[Any]], query: MetricQuery, window: Window, item: dict[str, Any]) -> None:
    timestamps, values = item.get("Timestamps", []), item.get("Values", [])
    n = len(timestamps)
    columns["tag"] += [query.tag] * n
    columns["metric"] += [query.metric] * n
    columns["stat"] += [query.stat] * n
    columns["period_s"] += [window.period_s] * n
    columns["timestamp"] += timestamps
    columns["value"] += values


def _metric_frame(columns: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=METRIC_COLUMNS)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["value"] = frame["value"].astype("float64")
    frame["period_s"] = frame["period_s"].astype("int64")
    return frame.sort_values(["tag", "metric", "stat", "timestamp"], ignore_index=True)


@dataclass(frozen=True)
class MetricIdentity:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]


@aws_call("cloudwatch:ListMetrics")
def list_metrics(
    client: CloudWatchClient,
    namespace: str = METRICS_NAMESPACE,
    *,
    metric_name: str | None = None,
    dimensions: Sequence[tuple[str, str]] = (),
    recently_active: bool = False,
) -> list[MetricIdentity]:
    """Metrics with data in the past two weeks: how the dimension sets App Runner uses are discovered."""
    params: dict[str, Any] = {"Namespace": namespace}
    if metric_name:
        params["MetricName"] = metric_name
    if dimensions:
        params["Dimensions"] = [{"Name": n, "Value": v} for n, v in dimensions]
    if recently_active:
        params["RecentlyActive"] = "PT3H"
    return [
        MetricIdentity(
            item["Namespace"],
            item["MetricName"],
            tuple((d["Name"], d["Value"]) for d in item.get("Dimensions", [])),
        )
        for item in paginate(client, "list_metrics", "Metrics", **params)
    ]


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
