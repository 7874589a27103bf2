"""`advisor lake check [--repair]`: what in the lake cannot be read, and moving it out of the way.

Nothing is deleted. A file readers cannot use (truncated, empty, not Parquet, not this table's, or in a
directory that is not a partition such as `date=bogus`) is moved to `<lake>/_quarantine/<time>/` under
its own path; a second data file in a partition (`part-0 (copy).parquet`) is merged into the writer's
`part-0.parquet` (newest file wins per key, as readers count it) and then quarantined. What was lost
from the lake and is still in CloudWatch comes back with the next `advisor collect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from advisor.lake.files import LakeFile, quarantine, quarantine_stamp, scan_table
from advisor.lake.layout import PART_FILE, Lake
from advisor.lake.schema import TABLES, Table
from advisor.lake.storage import arrow_location
from advisor.lake.writer import atomic_write, conform, dedupe_keep_last, partition_lock, writable

UNREADABLE, MISPLACED, EXTRA = "unreadable", "misplaced", "extra file"
REPAIRS = {
    UNREADABLE: "quarantine",
    MISPLACED: "quarantine",
    EXTRA: f"merge into {PART_FILE}, then quarantine",
}


@dataclass(frozen=True)
class Finding:
    """One file that needs repair: what is wrong, and what `--repair` does about it."""

    table: str
    path: Path
    kind: str  # unreadable | misplaced | extra file
    problem: str

    @property
    def repair(self) -> str:
        return REPAIRS[self.kind]


@dataclass
class CheckReport:
    """Every table's files checked; the findings; after `repair`, where each file went."""

    lake: Path
    files_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    moved: dict[Path, Path] = field(default_factory=dict)
    quarantine: Path | None = None

    @property
    def healthy(self) -> bool:
        return not self.findings


def check_lake(lake: Lake | str | Path) -> CheckReport:
    """Look at every data file of every table (footers only) without changing anything."""
    lake = Lake.of(lake)
    report = CheckReport(lake.root)
    for spec in TABLES.values():
        scan = scan_table(lake, spec)
        report.files_checked += len(scan.files) + len(scan.damaged)
        report.findings += [
            Finding(spec.name, d.path, d.kind if d.kind == MISPLACED else UNREADABLE, d.problem)
            for d in scan.damaged
        ]
        for files in scan.by_partition().values():
            report.findings += [_extra(spec, f, files) for f in files if f.path.name != PART_FILE]
    report.findings.sort(key=lambda f: (f.table, str(f.path)))
    return report


def _extra(spec: Table, extra: LakeFile, files: list[LakeFile]) -> Finding:
    others = [f.path.name for f in files if f is not extra]
    beside = f" beside {', '.join(others)}" if others else ""
    return Finding(spec.name, extra.path, EXTRA, f"a data file the advisor did not write{beside}")


def repair(lake: Lake | str | Path, report: CheckReport) -> CheckReport:
    """Quarantine every finding (merging extra files first); fills `report.moved`."""
    lake = Lake.of(lake)
    stamp = quarantine_stamp()
    report.quarantine = lake.root / "_quarantine" / stamp
    with writable(lake, report.quarantine):
        for directory in sorted({f.path.parent for f in report.findings if f.kind == EXTRA}):
            _merge(lake, TABLES[_table_of(report, directory)], directory)
        for finding in report.findings:
            if finding.path.exists():
                report.moved[finding.path] = quarantine(lake, finding.path, stamp)
    return report


def _table_of(report: CheckReport, directory: Path) -> str:
    return next(f.table for f in report.findings if f.path.parent == directory)


def _merge(lake: Lake, spec: Table, directory: Path) -> None:
    """The partition's readable files into its part file, oldest first so the newest row of a key wins."""
    with partition_lock(directory):
        files = scan_table(lake, spec).by_partition().get(directory, [])
        tables = []
        for f in files:
            try:
                filesystem, where = arrow_location(f.path)
                tables.append(conform(spec, pq.read_table(where, filesystem=filesystem)))
            except (OSError, pa.ArrowException):
                continue  # unreadable past its footer: quarantined with the others, not merged
        if not tables:
            return
        merged = dedupe_keep_last(pa.concat_tables(tables), spec.key)
        atomic_write(directory / PART_FILE, lambda out: pq.write_table(merged, out, compression="zstd"))
