"""Atomic, idempotent writes into the lake.

Atomic: a partition file is written to a hidden temp file in its own directory, fsynced, then renamed
over the old one with `os.replace` (atomic on POSIX and Windows within one filesystem), and the directory
is fsynced so the rename survives a power cut. A reader sees the old file or the new one, never half of
one; a crash leaves at most a hidden `.tmp` file that readers skip and `retention.sweep_temp_files` removes.
On S3 (lake/storage.py) the same write is one PUT of the whole file to its key: S3 has no rename, and
needs none, since an object appears (or replaces the old one) whole when its upload completes; a run
killed mid-upload leaves no object, only an unfinished multipart upload a bucket lifecycle rule expires.

Idempotent: writing rows into a partition merges them with the rows already there and keeps one row per
table key, the newest written. Re-collecting a window therefore never duplicates, and late corrections
(CloudWatch revising a recent minute) win.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from advisor.domain import SERVICE_ARN_PATTERN
from advisor.errors import InputError, LakeError
from advisor.lake.files import LakeWarning, inspect_file, quarantine
from advisor.lake.layout import PART_FILE, Lake
from advisor.lake.schema import Table, table
from advisor.lake.storage import arrow_location, on_s3

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: in-process locking only
    fcntl = None  # type: ignore[assignment]

ROW_INDEX = "__row"


@dataclass(frozen=True)
class WriteResult:
    """What a write did: rows offered, rows the lake did not have before, partition files rewritten."""

    table: str
    rows_in: int
    rows_added: int
    partitions_written: int


def write(lake: Lake | str | Path, table_name: str, frame: pd.DataFrame) -> WriteResult:
    """Merge `frame` into the table's partitions; partition columns are derived when absent.

    `region` and `service_id` come from `service_arn`, `date`/`snapshot_date` from the table's time column
    (UTC). Columns the table does not have are refused, so a typo cannot silently drop data.
    """
    lake, spec = Lake.of(lake), table(table_name)
    frame = with_partition_columns(spec, frame)
    added = written = 0
    if frame.empty:
        return WriteResult(spec.name, 0, 0, 0)
    for values, rows in frame.groupby(list(spec.partition_by), sort=True):
        partition = {k: str(v) for k, v in zip(spec.partition_by, values, strict=True)}
        rows_added, rewrote = merge_partition(lake, spec, partition, to_arrow(spec, rows))
        added += rows_added
        written += rewrote
    return WriteResult(spec.name, len(frame), added, written)


def with_partition_columns(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every partition column filled in, checked for blanks."""
    unknown = sorted(set(frame.columns) - set(spec.schema.names))
    if unknown:
        raise InputError(f"{spec.name}: unknown column(s) {', '.join(unknown)}; allowed: {spec.schema.names}")
    frame = frame.copy()
    if spec.time_column in frame:
        frame[spec.time_column] = _utc(frame[spec.time_column])
    for name in spec.partition_by:
        if name in frame:
            continue
        if name in ("region", "service_id") and "service_arn" in frame:
            frame[name] = _map_unique(frame["service_arn"], functools.partial(_arn_part, name=name))
        elif name == spec.date_partition and spec.time_column in frame:
            frame[name] = _map_unique(frame[spec.time_column].dt.floor("D"), _iso_day)
    _check_complete(spec, frame)
    return frame


def _map_unique(series: pd.Series, derive: Callable[[object], str | None]) -> pd.Series:
    """`derive` once per distinct value: a day of minutes has one ARN and one date, not 1,440."""
    return series.map({value: derive(value) for value in series.dropna().unique()})


def _iso_day(day: object) -> str:
    return pd.Timestamp(str(day)).strftime("%Y-%m-%d")


def _arn_part(arn: object, name: str) -> str | None:
    match = SERVICE_ARN_PATTERN.fullmatch(str(arn))
    return None if match is None else match["region" if name == "region" else "id"]


def _check_complete(spec: Table, frame: pd.DataFrame) -> None:
    for name in (*spec.partition_by, *spec.key):
        if name not in frame:
            raise InputError(f"{spec.name}: column {name!r} is missing (a partition or key column)")
        if frame[name].isna().any():
            raise InputError(f"{spec.name}: column {name!r} has blank values (a partition or key column)")


def _utc(series: pd.Series) -> pd.Series:
    """Naive times are taken as UTC (every time in the lake is UTC)."""
    return pd.to_datetime(series, utc=True)


def to_arrow(spec: Table, frame: pd.DataFrame) -> pa.Table:
    """The file columns of `frame` in the table's exact types; absent optional columns become nulls."""
    arrays = []
    for field in spec.columns:
        if field.name not in frame:
            arrays.append(pa.nulls(len(frame), field.type))
        elif pa.types.is_timestamp(field.type):
            values = pa.array(_utc(frame[field.name]), from_pandas=True)
            arrays.append(values.cast(field.type, safe=False))  # ns -> us: sub-microsecond parts dropped
        else:
            arrays.append(pa.array(frame[field.name], type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=spec.columns)


def conform(spec: Table, data: pa.Table) -> pa.Table:
    """An older file in today's schema: missing columns as nulls, extra ones dropped."""
    arrays = [
        data[f.name].cast(f.type) if f.name in data.column_names else pa.nulls(data.num_rows, f.type)
        for f in spec.columns
    ]
    return pa.Table.from_arrays(arrays, schema=spec.columns)


def dedupe_keep_last(data: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """One row per key, the last one in `data`, sorted by key (so equal content gives equal files)."""
    numbered = data.append_column(ROW_INDEX, pa.array(np.arange(data.num_rows, dtype=np.int64)))
    last = numbered.group_by(list(key), use_threads=False).aggregate([(ROW_INDEX, "max")])
    kept = data.take(last[f"{ROW_INDEX}_max"])
    return kept.sort_by([(k, "ascending") for k in key])


def merge_partition(
    lake: Lake, spec: Table, partition: Mapping[str, str], rows: pa.Table
) -> tuple[int, bool]:
    """Merge rows into one partition file; returns (rows new to the partition, whether the file changed)."""
    directory = lake.partition_dir(spec, partition)
    with writable(lake, directory):
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / PART_FILE
        with partition_lock(directory):
            old = _old_rows(lake, spec, target)
            merged = dedupe_keep_last(pa.concat_tables([old, rows]), spec.key)
            if merged.equals(old):
                return 0, False
            atomic_write(target, lambda f: pq.write_table(merged, f, compression="zstd"))
    return merged.num_rows - old.num_rows, True


def _old_rows(lake: Lake, spec: Table, target: Path) -> pa.Table:
    """The partition's rows so far; an unreadable file is quarantined (never merged into, never deleted),
    so one damaged file does not fail every later write of its partition."""
    if not target.exists():
        return spec.columns.empty_table()
    rows, problem = inspect_file(spec, target)
    if rows is not None:
        try:
            filesystem, where = arrow_location(target)
            return conform(spec, pq.read_table(where, filesystem=filesystem))
        except (OSError, pa.ArrowException):
            problem = "its data cannot be read"
    moved = quarantine(lake, target)
    message = f"moved {target} to {moved}: {problem}; 'advisor collect' re-fetches what CloudWatch holds"
    warnings.warn(message, LakeWarning, stacklevel=5)
    return spec.columns.empty_table()


def ensure_writable(lake: Lake | str | Path) -> None:
    """Fail once, before any work, when the lake cannot take a write (a read-only mount, no space)."""
    lake = Lake.of(lake)
    with writable(lake, lake.root):
        lake.root.mkdir(parents=True, exist_ok=True)
        probe = lake.root / f".probe.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        probe.write_bytes(b"")
        probe.unlink()


@contextlib.contextmanager
def writable(lake: Lake, path: Path) -> Iterator[None]:
    """A lake that refuses writes (read-only file system, no permission) is one error saying so, not a
    traceback from deep in pyarrow."""
    try:
        yield
    except OSError as exc:
        if on_s3(path) and exc.errno is None and not isinstance(exc, FileNotFoundError):
            raise LakeError(
                f"cannot write to the lake at {lake.root} ({exc}): check the credentials' s3:PutObject "
                "on the bucket, or pass --lake a writable place"
            ) from None
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
            raise
        raise LakeError(
            f"cannot write to the lake at {lake.root} ({exc.strerror}: {exc.filename or path}): "
            "make it writable, free space, or pass --lake a writable directory"
        ) from None


def atomic_write(target: Path, write_to: Callable[[BinaryIO], object]) -> None:
    """Write a file so readers see the old content or the new, never a part: hidden temp, fsync, rename
    (on S3: one PUT, atomic by itself)."""
    if on_s3(target):
        with target.open("wb") as f:
            write_to(f)
        return
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temp, "wb") as f:
            write_to(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Makes the rename durable; some platforms cannot open a directory, and then the OS decides."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def partition_lock(directory: Path) -> Iterator[None]:
    """One writer per partition at a time: across threads (a lock) and processes (flock on a hidden file).

    Without it two collectors merging the same partition could each read the old file and the second
    rename would drop the first one's rows. S3 has no lock to take: on an S3 lake one process at a time
    collects a given service (threads of one run are serialized here; partitions are per service).
    """
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.setdefault(directory.resolve(), threading.Lock())
    with lock:
        if fcntl is None or on_s3(directory):
            yield
            return
        with open(directory / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
