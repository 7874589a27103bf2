"""Housekeeping: temp files a crash left behind, and date partitions past their keep-by date.

Pruning removes only what the writer made: a partition directory is a candidate when its path is the
table's own partition layout and it holds nothing but the writer's `part-0.parquet` (with its lock and hidden
temp files). Files are unlinked one by one and directories removed only once empty, so a file the advisor did
not write stops the removal instead of going with it. The audit log (`actions`) is kept unless named.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from advisor.lake.layout import PART_FILE, Lake
from advisor.lake.schema import TABLES, table
from advisor.lake.state import StateStore

TEMP_SUFFIX = ".tmp"
WRITER_LOCK = ".lock"  # the writer's per-partition lock file (lake/writer.py)
AUDIT_TABLE = "actions"  # the record of what was changed in AWS: pruned only when asked for by name


def sweep_temp_files(lake: Lake | str | Path, older_than: timedelta = timedelta(hours=1)) -> list[Path]:
    """Remove hidden temp files older than `older_than` (younger ones may belong to a running write)."""
    lake = Lake.of(lake)
    if not lake.root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in lake.root.rglob(f".*{TEMP_SUFFIX}"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@dataclass(frozen=True)
class Partition:
    """One date partition of one table: the directory the writer made and the bytes it holds."""

    table: str
    day: date
    path: Path
    size_bytes: int


def prunable_tables() -> tuple[str, ...]:
    """The tables pruned by default: every date-partitioned one except the audit log."""
    return tuple(n for n, t in TABLES.items() if t.date_partition is not None and n != AUDIT_TABLE)


def old_partitions(lake: Lake | str | Path, before: date, tables: Iterable[str] = ()) -> list[Partition]:
    """The advisor's date partitions dated before `before`, in `tables` (default: `prunable_tables()`)."""
    lake = Lake.of(lake)
    found = []
    for name in tuple(tables) or prunable_tables():
        spec = table(name)
        if spec.date_partition is None or spec.partition_by[-1] != spec.date_partition:
            raise ValueError(
                f"{spec.name} has no date partition (its partitions: {', '.join(spec.partition_by)})"
            )
        pattern = "/".join(f"{key}=*" for key in spec.partition_by)
        for directory in sorted(lake.table_dir(spec).glob(pattern)):
            day = _day(directory.name, spec.date_partition)
            if day is not None and day < before and directory.is_dir() and _written_by_advisor(directory):
                size = sum(f.stat().st_size for f in directory.iterdir())
                found.append(Partition(spec.name, day, directory, size))
    return found


def drop_partitions(lake: Lake | str | Path, partitions: Iterable[Partition]) -> list[Partition]:
    """Delete these partitions, then the partition directories above them left empty."""
    table_dirs = {Lake.of(lake).root / name for name in TABLES}
    removed = []
    for partition in partitions:
        if not _written_by_advisor(partition.path):
            continue  # changed since it was listed: leave it
        for f in partition.path.iterdir():
            f.unlink()
        partition.path.rmdir()
        _forget(Lake.of(lake), partition)
        removed.append(partition)
        parent = partition.path.parent
        while parent not in table_dirs and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def _forget(lake: Lake, partition: Partition) -> None:
    """A pruned day of a service's metrics leaves the collector's record too (else it is re-fetched)."""
    service = next((p for p in partition.path.parts if p.startswith("service_id=")), None)
    if service is not None:
        StateStore(lake).forget_days(partition.table, service.split("=", 1)[1], {partition.day.isoformat()})


def _day(directory_name: str, key: str) -> date | None:
    name, _, value = directory_name.partition("=")
    if name != key:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _written_by_advisor(directory: Path) -> bool:
    """Only the writer's part file, its lock and its hidden temp files, nothing else."""
    entries = list(directory.iterdir())
    return any(e.name == PART_FILE for e in entries) and all(
        e.is_file() and _writers(e.name) for e in entries
    )


def _writers(name: str) -> bool:
    return name in (PART_FILE, WRITER_LOCK) or (
        name.startswith(f".{PART_FILE}.") and name.endswith(TEMP_SUFFIX)
    )
