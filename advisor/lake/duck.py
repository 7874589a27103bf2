"""DuckDB over the lake: one view per table, for notebooks, the dashboard and ad-hoc SQL.

A table with no files yet still gets a view (typed, empty), so queries written against the lake work
on a fresh install instead of failing with "no files found".

An S3 lake is read by pyarrow (DuckDB reaches S3 only through its httpfs extension, which it downloads
at first use: not possible offline, nor in a locked-down account), and DuckDB scans the Arrow dataset
lazily, pushing column choice and filters down, so SQL over an S3 lake reads what the query needs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from advisor.lake.files import scan_table
from advisor.lake.layout import Lake
from advisor.lake.reader import dataset, read_table
from advisor.lake.schema import TABLES, Table
from advisor.lake.storage import on_s3

_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def connect(lake: Lake | str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection with a view per lake table (`SELECT * FROM metrics WHERE service_id = ...`)."""
    lake = Lake.of(lake)
    connection = duckdb.connect(database)
    connection.execute("SET TimeZone = 'UTC'")
    for spec in TABLES.values():
        if on_s3(lake.root):
            _register_s3(connection, lake, spec)
        else:
            connection.execute(view_sql(lake, spec))
    return connection


def _register_s3(connection: duckdb.DuckDBPyConnection, lake: Lake, spec: Table) -> None:
    """A table of an S3 lake as an Arrow dataset DuckDB scans; a damaged one (a file skipped, a key in
    two files) as the pandas reader's rows, which already count each key once."""
    scan = scan_table(lake, spec)
    if not scan.files:
        connection.execute(view_sql(lake, spec))
        return
    source: object
    if scan.damaged or scan.shared():
        source = read_table(lake, spec.name)
    else:
        source = dataset(lake, spec, [f.path for f in scan.files])
    connection.register(f"_lake_{spec.name}", source)
    connection.execute(
        f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS SELECT * FROM {_quote('_lake_' + spec.name)}"
    )


def view_sql(lake: Lake, spec: Table) -> str:
    """The CREATE VIEW of one table: over its files, or empty with the right columns when it has none.

    A healthy table is a glob (new partitions show up in an open connection). A damaged one is the list
    of its readable files, named in a warning like the pandas reader's, and a partition holding several
    files is read newest file first per key, so SQL never counts a key twice either.
    """
    scan = scan_table(lake, spec)
    if not scan.files:
        scan.warn()
        columns = ", ".join(f"CAST(NULL AS {_SQL_TYPES[f.type]}) AS {_quote(f.name)}" for f in spec.schema)
        return f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS SELECT {columns} WHERE false"
    shared = scan.shared()
    if not scan.damaged and not shared:
        pattern = "/".join([lake.table_dir(spec).as_posix(), *["*"] * len(spec.partition_by), "*.parquet"])
        return f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS {_select(spec, _literal(pattern))}"
    scan.warn()
    single = [f.path for f in scan.files if f.path.parent not in shared]
    parts = [_select(spec, _files(single))] if single else []
    if shared:
        ranked = [f.path for files in shared.values() for f in files]  # oldest first in each partition
        key = ", ".join(_quote(k) for k in spec.key)
        newest = f"list_position({_files(ranked)}, filename) DESC"
        parts.append(
            f"SELECT * EXCLUDE (filename) FROM ({_select(spec, _files(ranked), filename=True)}) "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {newest}) = 1"
        )
    return f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS {' UNION ALL BY NAME '.join(parts)}"


def _select(spec: Table, source: str, filename: bool = False) -> str:
    # Partition values stay strings, as in pandas: a service id of digits or a date must not be guessed.
    hive_types = ", ".join(f"'{p}': 'VARCHAR'" for p in spec.partition_by)
    extra = ", filename = true" if filename else ""
    return (
        f"SELECT * FROM read_parquet({source}, hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{{hive_types}}}{extra})"
    )


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join(_literal(p.as_posix()) for p in paths) + "]"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
