"""Reading the lake into pandas, and the one wide per-service frame the engine consumes.

Hidden files (temp files of a write in progress, the state store) are never listed, so a reader never
sees a partial write; damaged files are skipped with a warning naming them (lake/files.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from advisor.domain import ServiceRef
from advisor.lake.files import REPAIR_HINT, LakeFile, LakeWarning, scan_table
from advisor.lake.layout import Lake
from advisor.lake.schema import METRICS, Table, table
from advisor.lake.storage import arrow_location
from advisor.lake.writer import dedupe_keep_last


def read_table(
    lake: Lake | str | Path,
    table_name: str,
    *,
    where: Mapping[str, str | Iterable[str]] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of a table as pandas, partition columns included; a table not written yet reads as empty.

    `where` filters partition columns (a value or a list of values) and prunes directories before any
    file is opened; `start`/`end` bound the table's time column, [start, end).

    A damaged lake does not stop a read: a file that cannot be read, or sits outside the partition
    layout, is skipped with a `LakeWarning` naming it; a key found in several files of a partition
    (a stray copy) is counted once, from the newest file, with a warning.
    """
    lake, spec = Lake.of(lake), table(table_name)
    wanted = list(columns) if columns is not None else spec.schema.names
    expression = _filter(spec, where or {}, start, end)
    scan = scan_table(lake, spec, _where(spec, where or {}), *_day_bounds(start, end))
    scan.warn()
    shared = scan.shared()
    single = [f.path for f in scan.files if f.path.parent not in shared]
    pieces = [_read(lake, spec, single, wanted, expression)] if single or not shared else []
    pieces += [_read_newest(lake, spec, d, files, wanted, expression) for d, files in shared.items()]
    return pieces[0].to_pandas() if len(pieces) == 1 else pa.concat_tables(pieces).to_pandas()


def _where(spec: Table, where: Mapping[str, str | Iterable[str]]) -> dict[str, set[str]]:
    for name in where:
        if name not in spec.partition_by:
            raise ValueError(f"{spec.name}: {name!r} is not a partition column ({spec.partition_by})")
    return {n: {v} if isinstance(v, str) else {str(x) for x in v} for n, v in where.items()}


def _day_bounds(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    first = _utc(start).strftime("%Y-%m-%d") if start is not None else None
    last = (_utc(end) - timedelta(microseconds=1)).strftime("%Y-%m-%d") if end is not None else None
    return first, last


def _read(
    lake: Lake, spec: Table, files: Sequence[Path], columns: list[str], expression: ds.Expression | None
) -> pa.Table:
    """The files' rows in the table's schema; a file that fails past its footer is skipped, named."""
    if not files:
        return spec.schema.empty_table().select(columns)
    try:
        return dataset(lake, spec, files).to_table(columns=columns, filter=expression)
    except (OSError, pa.ArrowException):
        if len(files) == 1:
            message = f"skipped {files[0]}: its data cannot be read; {REPAIR_HINT}"
            warnings.warn(message, LakeWarning, stacklevel=4)
            return spec.schema.empty_table().select(columns)
    return pa.concat_tables([_read(lake, spec, [f], columns, expression) for f in files])


def dataset(lake: Lake, spec: Table, files: Sequence[Path]) -> ds.Dataset:
    """The files as one pyarrow dataset, on the lake's filesystem (local or S3)."""
    filesystem, base = arrow_location(lake.table_dir(spec))
    return ds.dataset(
        [arrow_location(f)[1] for f in files],
        format="parquet",
        partitioning=ds.partitioning(spec.partition_schema, flavor="hive"),
        partition_base_dir=base,
        schema=spec.schema,
        filesystem=filesystem,
    )


def _read_newest(
    lake: Lake,
    spec: Table,
    directory: Path,
    files: Sequence[LakeFile],
    columns: list[str],
    expression: ds.Expression | None,
) -> pa.Table:
    """One partition with several files (oldest first): each key once, its row from the newest file."""
    read = [*columns, *(k for k in spec.key if k not in columns)]
    rows = pa.concat_tables([_read(lake, spec, [f.path], read, expression) for f in files])
    kept = dedupe_keep_last(rows, spec.key)
    names = ", ".join(f.path.name for f in files)
    warnings.warn(
        f"{directory} holds {len(files)} data files ({names}): {rows.num_rows - kept.num_rows} rows "
        f"whose key is in more than one are counted once, from the newest file; "
        "run 'advisor lake check --repair' to merge them",
        LakeWarning,
        stacklevel=4,
    )
    return kept.select(columns)


def _filter(
    spec: Table, where: Mapping[str, str | Iterable[str]], start: datetime | None, end: datetime | None
) -> ds.Expression | None:
    terms: list[ds.Expression] = []
    for name, values in _where(spec, where).items():
        terms.append(ds.field(name).isin(sorted(values)))
    time = ds.field(spec.time_column)
    if start is not None:
        start = _utc(start)
        terms.append(time >= pa.scalar(start, spec.columns.field(spec.time_column).type))
        if spec.date_partition:
            terms.append(ds.field(spec.date_partition) >= start.strftime("%Y-%m-%d"))
    if end is not None:
        end = _utc(end)
        terms.append(time < pa.scalar(end, spec.columns.field(spec.time_column).type))
        if spec.date_partition:
            last_day = end - timedelta(microseconds=1)
            terms.append(ds.field(spec.date_partition) <= last_day.strftime("%Y-%m-%d"))
    expression = None
    for term in terms:
        expression = term if expression is None else expression & term
    return expression


def wide_metrics(
    lake: Lake | str | Path,
    service_arn: str,
    start: datetime | None = None,
    end: datetime | None = None,
    period_s: int = 60,
) -> pd.DataFrame:
    """One service's metrics as the engine wants them: a regular UTC grid of `period_s` × one column per
    metric and statistic, named `f"{metric}_{stat}"` (`Requests_Sum`, `RequestLatency_p99`, ...).

    The grid spans [start, end) (default: the first to the last datapoint) with no missing rows; a
    period CloudWatch returned nothing for is NaN, not 0, so the engine can tell "no data" from "zero"
    and judge how gappy the history is.
    """
    ref = ServiceRef.from_arn(service_arn)
    rows = read_table(
        lake,
        METRICS.name,
        where={"region": ref.region, "service_id": ref.service_id},
        start=start,
        end=end,
        columns=["service_arn", "metric", "stat", "period_s", "timestamp", "value"],
    )
    rows = rows[(rows["service_arn"] == service_arn) & (rows["period_s"] == period_s)]
    return wide_frame(rows, start, end, period_s)


def wide_frame(
    rows: pd.DataFrame, start: datetime | None = None, end: datetime | None = None, period_s: int = 60
) -> pd.DataFrame:
    """Datapoints of one service (`timestamp`, `metric`, `stat`, `value`: one row per datapoint, no key
    twice) as the engine's wide frame: what `wide_metrics` gives, for rows read from anywhere (a user's
    own export: `workload.metrics_file`)."""
    wide = rows.assign(column=rows["metric"] + "_" + rows["stat"]).pivot(
        index="timestamp", columns="column", values="value"
    )
    wide.index = pd.DatetimeIndex(wide.index, tz=UTC).as_unit("us")
    grid = _grid(wide.index, start, end, period_s)
    wide = wide.reindex(grid).sort_index(axis=1)
    wide.columns.name = None
    return wide.astype("float64")


def _grid(
    index: pd.DatetimeIndex, start: datetime | None, end: datetime | None, period_s: int
) -> pd.DatetimeIndex:
    freq = pd.Timedelta(seconds=period_s)
    first = (
        pd.Timestamp(_utc(start)).floor(freq) if start is not None else (index.min() if len(index) else None)
    )
    stop = pd.Timestamp(_utc(end)) if end is not None else (index.max() + freq if len(index) else None)
    if first is None or stop is None:
        return pd.DatetimeIndex([], tz=UTC, name="timestamp").as_unit("us")
    grid = pd.date_range(first, stop, freq=freq, inclusive="left", name="timestamp", unit="us")
    return grid


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
