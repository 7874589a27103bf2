"""CloudWatch's limits, units and retention tiers, as the real service enforces them (apprunner.md §3)."""

from __future__ import annotations

import re

import numpy as np

MINUTE, DAY = 60, 86_400


MAX_QUERIES = 500


MAX_DATAPOINTS = 100_800


MAX_STATISTICS_DATAPOINTS = 1_440


MAX_DATUMS = 1_000


MAX_VALUES = 150


LIST_PAGE = 500


ACCEPT_PAST_S, ACCEPT_FUTURE_S = 14 * DAY, 2 * 3600


LISTED_FOR_S, RECENT_S = 14 * DAY, 3 * 3600


# (max age, Period must be a multiple of this, StartTime rounds down to this): CloudWatch's retention tiers.
TIERS = ((15 * DAY, 60), (63 * DAY, 300), (455 * DAY, 3600))


BASIC_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


_UNIT_WORDS = (
    "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits "
    "Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second "
    "Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second "
    "Count/Second None"
)


UNITS = frozenset(_UNIT_WORDS.split())


QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,10})?)$")


VALUE_LIMIT = 2.0**360


SeriesKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


def _required_multiple(age: np.ndarray) -> np.ndarray:
    """The Period multiple CloudWatch still has data for at each age (0: retention expired)."""
    return np.select([age <= limit for limit, _ in TIERS], [step for _, step in TIERS], 0)


def round_start(start: float, now: float) -> int:
    """CloudWatch rounds StartTime down to the minute, 5 minutes or hour, depending on its age."""
    age = now - start
    step = next((step for limit, step in TIERS if age <= limit), TIERS[-1][1])
    return int(start // step * step)


def retained(starts: np.ndarray, period: int, now: float) -> np.ndarray:
    """Mask of periods CloudWatch would still return: the Period must suit the age of the data."""
    multiple = _required_multiple(now - starts)
    return (multiple > 0) & (period % np.maximum(multiple, 1) == 0)
