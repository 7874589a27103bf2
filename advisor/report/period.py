"""The window a report covers, and the one before it to compare against.

A period ends where the collected data ends (not at the wall clock): a report run before the morning's
collection, or on the sandbox's virtual clock, still covers whole collected days instead of a tail of
minutes nobody has collected yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from advisor.domain import MAX_RUN_DAYS
from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.lake.reader import read_table

PERIOD_PATTERN = re.compile(r"(?P<days>\d+)d")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InputError(f"the period must end after it starts: {self.start:%F %R} .. {self.end:%F %R}")
        if self.end - self.start > timedelta(days=MAX_RUN_DAYS):
            raise InputError(
                f"the period {self.start:%F} .. {self.end:%F} is {(self.end - self.start).days:,} days long: "
                f"allowed at most {MAX_RUN_DAYS} (the longest history CloudWatch keeps)"
            )

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) / timedelta(minutes=1))

    @property
    def days(self) -> float:
        return self.minutes / 1440

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start)

    def contains(self, when: datetime | pd.Timestamp) -> bool:
        return self.start <= pd.Timestamp(when) < self.end

    @property
    def label(self) -> str:
        last = self.end - timedelta(minutes=1)
        return f"{self.start:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC ({self.days:g} days)"


def utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def data_end(lake: Lake | str | Path) -> datetime | None:
    """The minute after the newest collected metric datapoint, or None for a lake without metrics."""
    stamps = read_table(lake, "metrics", columns=["timestamp"])["timestamp"]
    if stamps.empty:
        return None
    return (pd.Timestamp(stamps.max()).floor("min") + pd.Timedelta(minutes=1)).to_pydatetime()


def period_days(spec: str) -> int:
    """The N of an `Nd` period, or bad input: a check without the lake (`advisor schedule` makes it first)."""
    match = PERIOD_PATTERN.fullmatch(spec.strip())
    if not match or not 1 <= int(match["days"]) <= MAX_RUN_DAYS:
        raise InputError(
            f"--period {spec!r} is invalid: allowed 7d, 30d (any Nd from 1d to {MAX_RUN_DAYS}d) or custom"
        )
    return int(match["days"])


def resolve_period(
    spec: str,
    lake: Lake | str | Path,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> Period:
    """`7d`, `30d` (any `Nd`) ending at `end` (default: the end of the collected data, else now), or
    `custom` from `start` to `end`."""
    if spec == "custom":
        if start is None or end is None:
            raise InputError("--period custom needs both --start and --end")
        return Period(utc(start), utc(end))
    days = period_days(spec)
    if start is not None:
        raise InputError("--start goes with --period custom only")
    stop = utc(end) if end is not None else data_end(lake) or utc(now or datetime.now(UTC))
    stop = pd.Timestamp(stop).floor("min").to_pydatetime()
    return Period(stop - timedelta(days=days), stop)
