"""The lake's files as they are on disk, not as the writer meant them: which can be read, which cannot.

A lake lives for months on a user's disk. A part file can be truncated by a full disk, emptied by a
copy that failed, replaced by something else; a person can leave `part-0 (copy).parquet` beside the
writer's file or rename a directory to `date=bogus`. Readers, the collector and `advisor lake check`
all look at a table through `scan_table`, so they agree on what is damaged and nobody stops on
pyarrow's first ArrowInvalid. Opening a file here reads its footer only (a few hundred bytes).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from advisor.lake.layout import PART_FILE, Lake
from advisor.lake.schema import Table

QUARANTINE_DIR = "_quarantine"
PARQUET_MAGIC = b"PAR1"
REPAIR_HINT = "run 'advisor lake check --repair' to quarantine it"


class LakeWarning(UserWarning):
    """A damaged or doubtful file the advisor went past; the message names it and what to do."""


@dataclass(frozen=True)
class LakeFile:
    """A readable data file of a table, with the partition values its path gives."""

    path: Path
    partition: Mapping[str, str]
    rows: int
    mtime_ns: int

    @property
    def age_rank(self) -> tuple[int, bool, str]:
        """Sorts oldest first; on a tie the writer's own part file counts as the newer one."""
        return (self.mtime_ns, self.path.name == PART_FILE, self.path.name)


@dataclass(frozen=True)
class Damage:
    """A file readers skip: unreadable, or outside the table's partition layout."""

    table: str
    path: Path
    problem: str
    kind: str = "unreadable"  # unreadable | misplaced (a directory that is not the table's layout)

    def warning(self) -> str:
        return f"skipped {self.path}: {self.problem}; {REPAIR_HINT}"


@dataclass
class TableScan:
    """One table's files: readable ones by partition directory, and the damaged ones."""

    spec: Table
    files: list[LakeFile] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)

    def by_partition(self) -> dict[Path, list[LakeFile]]:
        groups: dict[Path, list[LakeFile]] = defaultdict(list)
        for f in self.files:
            groups[f.path.parent].append(f)
        return {d: sorted(fs, key=lambda f: f.age_rank) for d, fs in groups.items()}

    def shared(self) -> dict[Path, list[LakeFile]]:
        """Partitions holding more than one data file: a key may be in several (oldest file first)."""
        return {d: fs for d, fs in self.by_partition().items() if len(fs) > 1}

    def warn(self) -> None:
        for damage in self.damaged:
            warnings.warn(damage.warning(), LakeWarning, stacklevel=3)


def scan_table(
    lake: Lake,
    spec: Table,
    where: Mapping[str, Iterable[str]] | None = None,
    first_day: str | None = None,
    last_day: str | None = None,
) -> TableScan:
    """The table's visible `*.parquet` files whose partition matches, each checked by its footer.

    `where` (partition column -> allowed values) and the ISO day bounds prune by path before any file is
    opened, so a damaged file of another service or day neither costs a read nor raises a warning.
    """
    scan = TableScan(spec)
    single = {name: next(iter(values)) for name, values in (where or {}).items() if len(set(values)) == 1}
    for path in lake.partition_files(spec, single):
        parts = path.relative_to(lake.table_dir(spec)).parts[:-1]
        partition, problem = parse_partition(spec, parts)
        if partition is None:
            scan.damaged.append(Damage(spec.name, path, problem, "misplaced"))
            continue
        if not _wanted(spec, partition, where or {}, first_day, last_day):
            continue
        rows, problem = inspect_file(spec, path)
        if rows is None:
            scan.damaged.append(Damage(spec.name, path, problem))
        else:
            scan.files.append(LakeFile(path, partition, rows, path.stat().st_mtime_ns))
    return scan


def parse_partition(spec: Table, parts: tuple[str, ...]) -> tuple[dict[str, str] | None, str]:
    """The partition values of a directory path under the table, or None and why it is not one."""
    values: dict[str, str] = {}
    for expected, part in zip(spec.partition_by, parts, strict=True):
        name, sep, value = part.partition("=")
        if not sep or name != expected or not value:
            return None, f"directory {part!r} is not a {spec.name} partition (expected {expected}=...)"
        if expected == spec.date_partition and not _iso_day(value):
            return None, f"directory {part!r} is not a date (expected {expected}=YYYY-MM-DD)"
        values[name] = value
    return values, ""


_INSPECTED: dict[tuple[str, Path, int, int, int], tuple[int | None, str]] = {}
_INSPECTED_MAX = 20_000


def inspect_file(spec: Table, path: Path) -> tuple[int | None, str]:
    """(rows, "") for a Parquet file of this table, or (None, what is wrong with it).

    Remembered per (path, inode, size, mtime): the writer replaces a file by rename, which changes all
    three, and the dashboard and the report read the same files many times in one process."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None, "removed while being read"
    key = (spec.name, path, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _INSPECTED:
        if len(_INSPECTED) >= _INSPECTED_MAX:
            _INSPECTED.clear()
        _INSPECTED[key] = _inspect(spec, path, stat.st_size)
    return _INSPECTED[key]


def _inspect(spec: Table, path: Path, size: int) -> tuple[int | None, str]:
    try:
        if size == 0:
            return None, "empty file (0 bytes)"
        with path.open("rb") as handle:  # one open for both: on S3 each open is a request
            if handle.read(4) != PARQUET_MAGIC:
                return None, "not a Parquet file"
            metadata = pq.read_metadata(handle)
    except FileNotFoundError:
        return None, "removed while being read"
    except (OSError, pa.ArrowException):
        return None, f"truncated or corrupt Parquet file ({size} bytes, no readable footer)"
    names = metadata.schema.to_arrow_schema().names
    missing = [k for k in spec.key if k not in names]
    if missing:
        return None, f"not a {spec.name} file: no column {', '.join(missing)}"
    return metadata.num_rows, ""


def partition_rows(path: Path, spec: Table) -> int | None:
    """Rows in one partition's writer file, or None when it is missing or cannot be read."""
    if not path.is_file():
        return None
    return inspect_file(spec, path)[0]


def quarantine(lake: Lake, path: Path, stamp: str | None = None) -> Path:
    """Move a file to `<lake>/_quarantine/<stamp>/<its path in the lake>`: out of every reader's way,
    nothing deleted. Returns where it went."""
    stamp = stamp or quarantine_stamp()
    target = lake.root / QUARANTINE_DIR / stamp / path.relative_to(lake.root)
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target


def quarantine_stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")


def _wanted(
    spec: Table,
    partition: Mapping[str, str],
    where: Mapping[str, Iterable[str]],
    first_day: str | None,
    last_day: str | None,
) -> bool:
    if any(partition[name] not in allowed for name, allowed in where.items()):
        return False
    day = partition.get(spec.date_partition or "")
    if day is None:
        return True
    return (first_day is None or day >= first_day) and (last_day is None or day <= last_day)


def _iso_day(value: str) -> bool:
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
