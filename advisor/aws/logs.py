"""CloudWatch Logs reads: App Runner's application and service log groups (reference/apprunner.md §4).

FilterLogEvents has a quota of 5 TPS per account and region that cannot be raised, shared by every caller
of the account: one token bucket per (account, region), shared by the collector's threads, keeps the
advisor under it (4 requests a second by default, leaving room for the console and other tools) instead
of leaning on retries. A `RequestBudget` caps how many requests one run may spend.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.aws.calls import aws_call, pages, paginate

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

FILTER_LOG_EVENTS_TPS = 5.0  # the quota
PACED_TPS = 4.0  # what the advisor uses of it by default (settings: logs.requests_per_second)
DESCRIBE_LOG_STREAMS_PAGE = 50  # the API's maximum
FILTER_PAGE = 10_000  # the API's maximum (pages are also capped at 1 MB)
LOG_COLUMNS = ["log_group", "log_stream", "event_id", "timestamp", "ingestion_time", "message"]


class TokenBucket:
    """At most `rate` acquisitions per second, bursts of at most `capacity`; safe to share between threads.

    A caller reserves its token under the lock and sleeps outside it, so waiting threads queue fairly
    and none holds the lock while asleep.
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0 or capacity < 1:
            raise ValueError(f"rate must be above 0 and capacity at least 1, got {rate}, {capacity}")
        self.rate, self.capacity = rate, capacity
        self._clock, self._sleep = clock, sleep
        self._tokens = capacity
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is there; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            wait = max(0.0, -self._tokens / self.rate)
        if wait:
            self._sleep(wait)
        return wait


_LIMITERS: dict[tuple[str, str], TokenBucket] = {}
_LIMITERS_LOCK = threading.Lock()


def filter_limiter(account_id: str, region: str, rate: float = PACED_TPS) -> TokenBucket:
    """The one FilterLogEvents limiter of an account and region in this process (at `rate` per second;
    a later caller asking for another rate moves the shared one, never makes a second)."""
    if not 0 < rate <= FILTER_LOG_EVENTS_TPS:
        raise ValueError(f"rate must be above 0 and at most the quota of {FILTER_LOG_EVENTS_TPS:g}")
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.setdefault((account_id, region), TokenBucket(rate))
        limiter.rate = rate
        return limiter


class BudgetSpent(Exception):
    """The run's FilterLogEvents budget is used up: the reader stops; the next run continues."""


class RequestBudget:
    """At most `limit` requests in one run, shared by threads; `take` is False once they are spent."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    @property
    def spent(self) -> bool:
        with self._lock:
            return self.used >= self.limit


def service_log_groups(service_name: str, service_id: str) -> dict[str, str]:
    """kind ("application" or "service") -> the log group App Runner writes it to."""
    base = f"/aws/apprunner/{service_name}/{service_id}"
    return {"application": f"{base}/application", "service": f"{base}/service"}


def to_epoch_ms(when: datetime) -> int:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return int(when.timestamp() * 1000)


@aws_call("logs:FilterLogEvents")
def iter_log_event_pages(
    client: CloudWatchLogsClient,
    log_group: str,
    start: datetime,
    end: datetime,
    *,
    limiter: TokenBucket | None = None,
    stream_prefix: str | None = None,
    filter_pattern: str | None = None,
    budget: RequestBudget | None = None,
) -> Iterator[pd.DataFrame]:
    """Events of [start, end), one frame (LOG_COLUMNS) per non-empty page, so a caller can land them as
    they come. Pages may be empty while a nextToken continues: they are followed, not yielded. With a
    `budget`, each request takes one; BudgetSpent is raised before a request the budget has no room for.
    """
    params: dict[str, Any] = {
        "logGroupName": log_group,
        "startTime": to_epoch_ms(start),
        "endTime": to_epoch_ms(end) - 1,  # the API's endTime is inclusive; ours is exclusive
        "limit": FILTER_PAGE,
    }
    if stream_prefix:
        params["logStreamNamePrefix"] = stream_prefix
    if filter_pattern:
        params["filterPattern"] = filter_pattern

    def before_page() -> None:
        if budget is not None and not budget.take():
            raise BudgetSpent(f"the run's budget of {budget.limit:,} FilterLogEvents requests is spent")
        if limiter is not None:
            limiter.acquire()

    for page in pages(client, "filter_log_events", token_key="nextToken", before_page=before_page, **params):
        if page.get("events"):
            yield _events_frame(log_group, page["events"])


def _events_frame(log_group: str, events: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "log_group": [log_group] * len(events),
            "log_stream": [e.get("logStreamName") for e in events],
            "event_id": [e["eventId"] for e in events],
            "timestamp": pd.to_datetime([e["timestamp"] for e in events], unit="ms", utc=True),
            "ingestion_time": pd.to_datetime(
                pd.Series([e.get("ingestionTime") for e in events], dtype="float64"), unit="ms", utc=True
            ),
            "message": [e.get("message", "") for e in events],
        },
        columns=LOG_COLUMNS,
    )
    return frame


@dataclass(frozen=True)
class LogStream:
    """A stream and its event span: per-instance streams approximate instance lifetimes."""

    name: str
    created_at: datetime | None
    first_event_at: datetime | None
    last_event_at: datetime | None
    stored_bytes: int | None


def _ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC)


@aws_call("logs:DescribeLogStreams")
def describe_log_streams(
    client: CloudWatchLogsClient, log_group: str, *, prefix: str | None = None
) -> list[LogStream]:
    params: dict[str, Any] = {"logGroupName": log_group, "limit": DESCRIBE_LOG_STREAMS_PAGE}
    if prefix:
        params["logStreamNamePrefix"] = prefix
    return [
        LogStream(
            name=item["logStreamName"],
            created_at=_ms(item.get("creationTime")),
            first_event_at=_ms(item.get("firstEventTimestamp")),
            last_event_at=_ms(item.get("lastEventTimestamp")),
            stored_bytes=item.get("storedBytes"),
        )
        for item in paginate(client, "describe_log_streams", "logStreams", token_key="nextToken", **params)
    ]
