"""Which time a collection covers: from a stored mark (minus an overlap) or `--days` back, to AWS's now.

Every window ends at the server's time floored to the minute: only whole minutes are collected, and the
minute in progress is left for the next run. Each window restarts a little before the stored mark
because data lands late (CloudWatch publishes a minute a few minutes after it ends; a log event can be
ingested after later ones); the lake dedupes by key, so the overlap costs nothing but a few rows read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from advisor.lake.state import StateStore

METRICS_OVERLAP = timedelta(minutes=15)
LOGS_OVERLAP = timedelta(minutes=15)
OLDEST = timedelta(days=455)  # CloudWatch keeps hourly data this long; nothing older can be had


@dataclass(frozen=True)
class CollectWindow:
    """[start, end) in UTC, whole minutes."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return max(0, int((self.end - self.start).total_seconds() // 60))


def floor_minute(when: datetime) -> datetime:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.replace(second=0, microsecond=0)


def window_for(
    state: StateStore, table: str, key: str, now: datetime, days: float, overlap: timedelta
) -> CollectWindow:
    """From the key's high-water mark less `overlap` (or `days` before `now` on a first run) to `now`."""
    end = floor_minute(now)
    mark = state.high_water_mark(table, key)
    start = end - timedelta(days=days) if mark is None else floor_minute(mark) - overlap
    return CollectWindow(max(start, end - OLDEST), end)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def days_between(start: datetime, end: datetime) -> list[date]:
    """The UTC days that [start, end) touches."""
    first, last = start.astimezone(UTC).date(), (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)] if end > start else []


def heal_windows(lost: Iterable[date], horizon: CollectWindow, before: datetime) -> tuple[CollectWindow, ...]:
    """Windows re-fetching lost days: each day clipped to the horizon and ending where the regular
    window starts (`before`), adjacent days joined so they share calls."""
    windows: list[CollectWindow] = []
    for day in sorted(set(lost)):
        start = max(day_start(day), horizon.start)
        end = min(day_start(day + timedelta(days=1)), before, horizon.end)
        if end <= start:
            continue
        if windows and windows[-1].end == start:
            start = windows.pop().start
        windows.append(CollectWindow(start, end))
    return tuple(windows)
