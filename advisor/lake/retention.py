"""Housekeeping: temp files a crash left behind, and date partitions past their keep-by date."""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from advisor.lake.layout import Lake
from advisor.lake.schema import table

TEMP_SUFFIX = ".tmp"


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


def drop_partitions_before(lake: Lake | str | Path, table_name: str, before: date) -> list[Path]:
    """Delete a table's date partitions older than `before` (whole directories: each is one file)."""
    lake, spec = Lake.of(lake), table(table_name)
    if spec.date_partition is None:
        raise ValueError(f"{spec.name} has no date partition")
    removed = []
    for directory in lake.table_dir(spec).rglob(f"{spec.date_partition}=*"):
        day = directory.name.split("=", 1)[1]
        if directory.is_dir() and day < before.isoformat():
            shutil.rmtree(directory)
            removed.append(directory)
    return sorted(removed)
