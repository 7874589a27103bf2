"""Formatters for `advisor lake prune`: the partitions it would remove (or removed), per table."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from rich.table import Table

from advisor.cli.formats.common import to_json
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
