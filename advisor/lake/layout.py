"""Where things are in the lake: `<root>/<table>/<k>=<v>/.../part-0.parquet`, plus `<root>/_state/`.

One file per partition, rewritten whole on merge: simple, and small enough (a day of one service's
metrics is ~25k rows). Names starting with `.` or `_` are invisible to readers (pyarrow, DuckDB globs,
Spark, Athena all skip them), which is what temp files and the state store rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import InputError
from advisor.lake.schema import Table
from advisor.lake.storage import lake_location

PART_FILE = "part-0.parquet"
STATE_DIR = "_state"


def is_hidden(name: str) -> bool:
    return name.startswith((".", "_"))


@dataclass(frozen=True)
class Lake:
    """A lake root; pass one (or a path, or `s3://bucket/prefix`) to every lake function.

    `root` is a local `Path` or an `S3Path` (lake/storage.py): the same code reads and writes both."""

    root: Path

    @classmethod
    def of(cls, lake: Lake | str | Path) -> Lake:
        return lake if isinstance(lake, Lake) else cls(lake_location(lake))

    @classmethod
    def existing(cls, lake: Lake | str | Path) -> Lake:
        """The lake, refused with what to do when its folder does not exist (nothing collected yet)."""
        found = cls.of(lake)
        if not found.root.is_dir():
            raise InputError(f"--lake {found.root}: no such directory (run 'advisor collect' first)")
        return found

    def table_dir(self, table: Table) -> Path:
        return self.root / table.name

    def partition_dir(self, table: Table, values: Mapping[str, str]) -> Path:
        directory = self.table_dir(table)
        for name in table.partition_by:
            value = str(values[name])
            if not value or "/" in value or value in (".", "..") or is_hidden(value):
                raise InputError(f"{table.name}: partition {name}={value!r} is not a usable directory name")
            directory = directory / f"{name}={value}"
        return directory

    def partition_files(self, table: Table, within: Mapping[str, str] | None = None) -> list[Path]:
        """The visible data files of a table (what a reader would read).

        `within` fixes leading partition columns (`region`, `service_id`): only that directory is
        listed, which on S3 is one service's few objects instead of the fleet's pages of them."""
        fixed, within = [], within or {}
        for name in table.partition_by:
            if name not in within:
                break
            fixed.append(f"{name}={within[name]}")
        base = self.table_dir(table)
        directory = base.joinpath(*fixed)
        pattern = "/".join(["*"] * (len(table.partition_by) - len(fixed)) + ["*.parquet"])
        if not directory.is_dir():
            return []
        return sorted(
            p
            for p in directory.glob(pattern)
            if not any(is_hidden(part) for part in p.relative_to(base).parts)
        )

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR
