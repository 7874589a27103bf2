"""Request traces: `timestamp` + `requests` files (CSV or Parquet) to requests per minute.

Resampling follows bench/PROTOCOL.md §1: finer intervals are summed into minutes, a coarser interval's
count is spread evenly over its minutes, and missing intervals count as zero requests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.domain import MAX_TRACE_DAYS
from advisor.errors import TraceError
from advisor.workload.files import read_data_file, utc_timestamps

MINUTE = pd.Timedelta(minutes=1)


def read_trace(path: str | Path) -> pd.Series:
    """Requests per minute of the trace file at `path` (UTC minute index), or a TraceError saying why not."""
    path = Path(path)
    return per_minute(read_data_file(path, f"trace {path}", TraceError), name=str(path))


def _counts(column: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise TraceError(
            f"trace {name}: {int(bad.sum())} request counts are missing or not numbers, "
            f"first at row {first} ({column.iloc[first]!r})"
        )
    counts = values.astype(float).to_numpy()
    if (counts < 0).any():
        first = int(np.flatnonzero(counts < 0)[0])
        raise TraceError(
            f"trace {name}: {int((counts < 0).sum())} request counts are negative, "
            f"first at row {first} ({counts[first]:g}); counts must be 0 or more"
        )
    return counts


def per_minute(frame: pd.DataFrame, name: str = "trace") -> pd.Series:
    """Requests per minute from a frame with `timestamp` (interval start) and `requests` columns."""
    missing = [col for col in ("timestamp", "requests") if col not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise TraceError(
            f"trace {name}: missing column {' and '.join(map(repr, missing))} (found: {found}); "
            "a trace needs 'timestamp' (interval start, UTC) and 'requests' (count in the interval)"
        )
    if frame.empty:
        raise TraceError(f"trace {name}: has no rows")
    stamps = utc_timestamps(frame["timestamp"], f"trace {name}", TraceError)
    counts = _counts(frame["requests"], name)
    steps = np.diff(stamps.asi8)
    if (steps < 0).any():
        row = int(np.flatnonzero(steps < 0)[0]) + 1
        raise TraceError(
            f"trace {name}: timestamps are not sorted: row {row} ({stamps[row]}) comes after "
            f"row {row - 1} ({stamps[row - 1]}); sort the file by timestamp"
        )
    if (steps == 0).any():
        row = int(np.flatnonzero(steps == 0)[0]) + 1
        raise TraceError(
            f"trace {name}: {int((steps == 0).sum())} duplicate timestamps, first {stamps[row]} "
            f"at rows {row - 1} and {row}; keep one row per interval"
        )
    if len(stamps) < 2:
        raise TraceError(f"trace {name}: has one row; at least two are needed to tell the interval")

    span = stamps[-1] - stamps[0]
    if span > pd.Timedelta(days=MAX_TRACE_DAYS):
        raise TraceError(
            f"trace {name}: spans {span.days:,} days ({stamps[0]:%F} to {stamps[-1]:%F}); a run replays at "
            f"most {MAX_TRACE_DAYS} days: cut the trace, or check its timestamps' unit"
        )
    series = pd.Series(counts, index=stamps)
    step = pd.Timedelta(int(np.median(steps)), unit="ns")
    if step <= MINUTE:
        out = series.resample("1min").sum()
    else:
        if step % MINUTE != pd.Timedelta(0):
            raise TraceError(
                f"trace {name}: its interval ({step}) is longer than a minute but not a whole number of "
                "minutes; resample it to whole minutes first"
            )
        per = int(step / MINUTE)
        full = series.resample(step).sum()  # missing intervals -> 0
        index = pd.date_range(full.index[0], full.index[-1] + step - MINUTE, freq="1min")
        out = pd.Series(np.repeat(full.to_numpy() / per, per), index=index)
    _check_rate(out, name)
    out.index.name = "timestamp"
    out.name = "requests"
    return out.astype(float)


# Above any App Runner service: 200 requests per instance x 1,000 instances, each taking 1 ms, is 1.2e10 a
# minute. A count past this is a wrong unit or a corrupt file; left in, it overflowed into nonsense numbers.
MAX_REQUESTS_PER_MINUTE = 1e12


def _check_rate(out: pd.Series, name: str) -> None:
    values = out.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values > MAX_REQUESTS_PER_MINUTE)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise TraceError(
            f"trace {name}: {int(bad.sum())} minutes have more than {MAX_REQUESTS_PER_MINUTE:.0e} requests, "
            f"first {out.index[first]} ({values[first]:g}); check the requests column's unit"
        )
