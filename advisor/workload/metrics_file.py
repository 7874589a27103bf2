"""A service's own CloudWatch metrics from a file (CSV or Parquet) to the wide frame the engine reads.

`recommend --from-metrics` gives advice to someone who will not give the advisor AWS access: they export
one service's 1-minute metrics (docs/from-metrics.md: `aws cloudwatch get-metric-data`, or any monitoring
tool) and the file goes through the same engine path as the lake, because it becomes the same frame
(`lake.reader.wide_frame`: UTC minute grid from the first to the last datapoint, `{Metric}_{Stat}` float
columns, NaN where nothing was reported).

Two layouts, told apart by their columns:
- long: `timestamp, metric, stat, value`, one row per datapoint, as CloudWatch returns them;
- wide: `timestamp` and one `{Metric}_{Stat}` column each (`Requests_Sum`, `RequestLatency_p99`).
Names are App Runner's (`domain.APP_RUNNER_METRICS`), in any letter case. Timestamps are period starts in
UTC: ISO dates with Z or an offset (naive ones are read as UTC), or epoch seconds. An optional service
column (`service`, `ServiceName`, `service_name` or `service_arn`) must hold one service. A minute without
a Requests datapoint had no requests (CloudWatch leaves empty counts out); the engine reads it so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from advisor.domain import MAX_RUN_DAYS, METRIC_STATS
from advisor.errors import InputError
from advisor.lake.reader import wide_frame
from advisor.workload.files import read_data_file, utc_timestamps

LONG_COLUMNS = ("timestamp", "metric", "stat", "value")
SERVICE_COLUMNS = ("service", "servicename", "service_name", "service_arn")
PERIOD_S = 60
# What the engine cannot do without: requests to size from, latency to find the knee, and per-instance
# load (Concurrency / ActiveInstances) to place it; without the last two it only ever refuses.
REQUIRED: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Requests", "Sum"),),
    (("RequestLatency", "p99"), ("RequestLatency", "Average")),
    (("Concurrency", "Average"),),
    (("ActiveInstances", "Average"),),
)
_CANONICAL = {f"{m}_{s}".lower(): (m, s) for m, s in METRIC_STATS}  # any letter case -> App Runner's


@dataclass(frozen=True)
class MetricsFile:
    """One service's metrics as read from a file: the engine's wide frame, and what the file was."""

    path: Path
    layout: Literal["long", "wide"]
    service: str | None  # the file's service column's one value, if it has one
    frame: pd.DataFrame


def read_metrics_file(path: str | Path) -> MetricsFile:
    """The metrics file at `path`, or an InputError saying what to fix in it."""
    path = Path(path)
    label = f"metrics file {path}"
    table = read_data_file(path, label, InputError)
    if table.empty:
        raise InputError(f"{label}: has no rows")
    table = table.rename(columns={c: str(c).lower() for c in table.columns if _structural(c)})
    service = _one_service(table, path)
    if "timestamp" not in table:
        raise InputError(f"{label}: no 'timestamp' column (found: {', '.join(map(str, table.columns))})")
    table["timestamp"] = utc_timestamps(table["timestamp"], label, InputError)
    long = any(c in table for c in LONG_COLUMNS[1:])
    rows = _long_rows(table, label) if long else _wide_rows(table, label)
    frame = wide_frame(_checked(rows, label))
    _require(frame, label)
    return MetricsFile(path, "long" if long else "wide", service, frame)


def _structural(column: object) -> bool:
    return str(column).lower() in (*LONG_COLUMNS, *SERVICE_COLUMNS)


def _one_service(table: pd.DataFrame, path: Path) -> str | None:
    """The service the file is about; a file of several would blend their traffic into one."""
    found: set[str] = set()
    for column in (c for c in SERVICE_COLUMNS if c in table):
        values = set(table[column].dropna().astype(str))
        if len(values) > 1:
            listed = ", ".join(sorted(values))
            raise InputError(f"{path} mixes {len(values)} services ({listed}): export one service per file")
        found |= values
    return found.pop() if len(found) == 1 else None


def _long_rows(table: pd.DataFrame, label: str) -> pd.DataFrame:
    missing = [c for c in LONG_COLUMNS if c not in table]
    if missing:
        raise InputError(
            f"{label}: missing column {', '.join(map(repr, missing))}; a long file has "
            f"{', '.join(LONG_COLUMNS)} (or is wide: timestamp and one Metric_Stat column each)"
        )
    metrics, stats = table["metric"].astype(str), table["stat"].astype(str)
    keys = (metrics + "_" + stats).str.lower()
    known = keys.isin(_CANONICAL)
    if not known.all():
        unknown = sorted(set(metrics[~known] + " " + stats[~known]))
        raise InputError(f"{label}: unknown metric and statistic {', '.join(unknown)}; {_known()}")
    return _rows(table["timestamp"], keys, table["value"])


def _wide_rows(table: pd.DataFrame, label: str) -> pd.DataFrame:
    columns = [c for c in table.columns if c != "timestamp" and str(c) not in SERVICE_COLUMNS]
    if not columns:
        raise InputError(
            f"{label}: no metric columns; a wide file has timestamp and one Metric_Stat column each"
        )
    unknown = [str(c) for c in columns if str(c).lower() not in _CANONICAL]
    if unknown:
        raise InputError(f"{label}: unknown column {', '.join(map(repr, unknown))}; {_known()}")
    long = table.melt(id_vars="timestamp", value_vars=columns, var_name="column").dropna(subset="value")
    return _rows(long["timestamp"], long["column"].astype(str).str.lower(), long["value"])


def _rows(timestamps: pd.Series, keys: pd.Series, values: pd.Series) -> pd.DataFrame:
    """Datapoint rows under App Runner's names (`keys`: lowercase Metric_Stat), whatever the layout."""
    metric = keys.map({k: m for k, (m, _) in _CANONICAL.items()}).astype(str)
    stat = keys.map({k: s for k, (_, s) in _CANONICAL.items()}).astype(str)
    return pd.DataFrame({"timestamp": timestamps, "metric": metric, "stat": stat, "value": values})


def _known() -> str:
    names = ", ".join(f"{m}_{s}" for m, s in METRIC_STATS)
    return f"known (as Metric_Stat, or metric and stat in a long file): {names}"


def _checked(rows: pd.DataFrame, label: str) -> pd.DataFrame:
    """Datapoints with UTC minute timestamps, numbers for values, one per minute and metric."""
    if rows.empty:
        raise InputError(f"{label}: has no datapoints (every value is empty)")
    values = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{label}: {int(bad.sum())} values are missing or not numbers, first "
            f"{rows['metric'].iloc[first]} {rows['stat'].iloc[first]} at {rows['timestamp'].iloc[first]} "
            f"({rows['value'].iloc[first]!r})"
        )
    rows = rows.assign(value=values).drop_duplicates(ignore_index=True)
    _one_value_each(rows, label)
    _check_period(pd.DatetimeIndex(rows["timestamp"]), label)
    return rows


def _one_value_each(rows: pd.DataFrame, label: str) -> None:
    """Exact repeats (overlapping exports) are dropped already; two values for one minute are a conflict."""
    twice = rows.duplicated(["timestamp", "metric", "stat"], keep=False)
    if twice.any():
        clash = rows[twice].sort_values(["timestamp", "metric", "stat"])
        first = clash.iloc[0]
        values = clash[(clash["timestamp"] == first["timestamp"]) & (clash["metric"] == first["metric"])]
        listed = " and ".join(f"{v:g}" for v in values.loc[values["stat"] == first["stat"], "value"])
        raise InputError(
            f"{label}: {int(twice.sum())} rows give different values for the same minute and metric, first "
            f"{first['metric']} {first['stat']} at {first['timestamp']} ({listed}); keep one value per "
            "minute (two services, or two periods, in one file?)"
        )


def _check_period(stamps: pd.DatetimeIndex, label: str) -> None:
    """1-minute periods (the engine's grid): coarser data would spread a peak over minutes it did not fill."""
    distinct = np.unique(stamps.asi8 // 10**9)
    if len(distinct) > 1:
        period = reduce(math.gcd, np.diff(distinct).tolist())
        if period != PERIOD_S:
            size = f"{period // 60}-minute" if period % 60 == 0 else f"{period}-second"
            raise InputError(
                f"{label}: has {size} data (its timestamps are {period} s apart); the advisor needs "
                f"1-minute periods: export with a period of {PERIOD_S} seconds (get-metric-data "
                "'Period': 60; CloudWatch keeps 1-minute data for 15 days)"
            )
        span = pd.Timedelta(seconds=int(distinct[-1] - distinct[0]))
        if span > pd.Timedelta(days=MAX_RUN_DAYS):
            raise InputError(
                f"{label}: spans {span.days:,} days ({stamps.min():%F} to {stamps.max():%F}); at most "
                f"{MAX_RUN_DAYS} are replayed: cut the file, or check its timestamps' unit"
            )
    off = stamps[(stamps.asi8 % (PERIOD_S * 10**9)) != 0]
    if len(off):
        raise InputError(
            f"{label}: {len(off)} timestamps are not on a whole minute, first {off[0]}; give each "
            "period's start, as CloudWatch does"
        )


def _require(frame: pd.DataFrame, label: str) -> None:
    present = {c for c in frame.columns if frame[c].notna().any()}
    missing = [
        " or ".join(f"{m}_{s}" for m, s in group)
        for group in REQUIRED
        if not any(f"{m}_{s}" in present for m, s in group)
    ]
    if missing:
        needs = "; ".join(" or ".join(f"{m}_{s}" for m, s in group) for group in REQUIRED)
        raise InputError(
            f"{label}: no data for {', '.join(missing)}; the advisor needs {needs} (per-instance load is "
            f"Concurrency / ActiveInstances); found: {', '.join(sorted(present)) or 'nothing'}"
        )
