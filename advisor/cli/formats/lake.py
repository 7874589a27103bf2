"""Formatters for `advisor lake prune` (partitions it would remove, per table) and `advisor lake check`."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from rich.table import Table

from advisor.cli.formats.common import to_json
from advisor.lake.check import EXTRA, CheckReport
from advisor.lake.retention import Partition
from advisor.presentation.numbers import count, size


def prune_json(partitions: Sequence[Partition], before: str, removed: bool) -> str:
    return to_json(
        {
            "before": before,
            "removed": removed,
            "partitions": [
                {"table": p.table, "date": p.day.isoformat(), "path": str(p.path), "size_bytes": p.size_bytes}
                for p in partitions
            ],
        }
    )


def prune_table(partitions: Sequence[Partition], before: str, removed: bool) -> Table:
    verb = "Removed" if removed else "Would remove"
    table = Table(title=f"{verb}: lake partitions dated before {before}", title_justify="left")
    table.add_column("table")
    table.add_column("partitions", justify="right")
    table.add_column("oldest")
    table.add_column("newest")
    table.add_column("size", justify="right")
    for name, group in groupby(sorted(partitions, key=lambda p: (p.table, p.day)), key=lambda p: p.table):
        rows = list(group)
        table.add_row(
            name,
            count(len(rows)),
            rows[0].day.isoformat(),
            rows[-1].day.isoformat(),
            size(sum(p.size_bytes for p in rows)),
        )
    table.add_row(
        "total", count(len(partitions)), "", "", size(sum(p.size_bytes for p in partitions)), style="bold"
    )
    return table


def check_json(report: CheckReport) -> str:
    return to_json(
        {
            "lake": str(report.lake),
            "files_checked": report.files_checked,
            "healthy": report.healthy,
            "quarantine": str(report.quarantine) if report.quarantine else None,
            "findings": [
                {
                    "table": f.table,
                    "path": str(f.path),
                    "kind": f.kind,
                    "problem": f.problem,
                    "repair": f.repair,
                    "moved_to": str(report.moved[f.path]) if f.path in report.moved else None,
                }
                for f in report.findings
            ],
        }
    )


def check_text(report: CheckReport) -> str:
    """One block per file: its path in the lake (whole: it is what a person acts on), then the problem
    and the repair (a table would cut the path at 80 columns)."""
    done = report.quarantine is not None
    lines = [f"Lake check: {count(report.files_checked)} files, {count(len(report.findings))} to repair"]
    for f in report.findings:
        moved = report.moved.get(f.path)
        if done:
            action = ("merged, then " if f.kind == EXTRA else "") + "quarantined" if moved else "already gone"
        else:
            action = f"--repair would {f.repair}"
        lines += [f"  {f.path.relative_to(report.lake)}", f"      {f.problem}; {action}"]
    return "\n".join(lines)
