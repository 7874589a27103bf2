"""Reading the lake into pandas, and the one wide per-service frame the engine consumes.

Hidden files (temp files of a write in progress, the state store) are skipped by pyarrow's dataset
discovery, so a reader never sees a partial write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from advisor.domain import ServiceRef
from advisor.lake.layout import Lake
from advisor.lake.schema import METRICS, Table, table


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
    """
    lake, spec = Lake.of(lake), table(table_name)
    wanted = list(columns) if columns is not None else spec.schema.names
    files = lake.partition_files(spec)
    if not files:
        return spec.schema.empty_table().select(wanted).to_pandas()
    dataset = ds.dataset(
        [str(f) for f in files],
        format="parquet",
        partitioning=ds.partitioning(spec.partition_schema, flavor="hive"),
        partition_base_dir=str(lake.table_dir(spec)),
        schema=spec.schema,
    )
    expression = _filter(spec, where or {}, start, end)
    return dataset.to_table(columns=wanted, filter=expression).to_pandas()


def _filter(
    spec: Table, where: Mapping[str, str | Iterable[str]], start: datetime | None, end: datetime | None
) -> ds.Expression | None:
    terms: list[ds.Expression] = []
    for name, value in where.items():
        if name not in spec.partition_by:
            raise ValueError(f"{spec.name}: {name!r} is not a partition column ({spec.partition_by})")
        values = [value] if isinstance(value, str) else [str(v) for v in value]
        terms.append(ds.field(name).isin(values))
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
