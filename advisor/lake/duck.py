"""DuckDB over the lake: one view per table, for notebooks, the dashboard and ad-hoc SQL.

A table with no files yet still gets a view (typed, empty), so queries written against the lake work
on a fresh install instead of failing with "no files found".
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from advisor.lake.layout import Lake
from advisor.lake.schema import TABLES, Table

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
        connection.execute(view_sql(lake, spec))
    return connection


def view_sql(lake: Lake, spec: Table) -> str:
    """The CREATE VIEW of one table: over its files, or empty with the right columns when it has none."""
    if not lake.partition_files(spec):
        columns = ", ".join(f"CAST(NULL AS {_SQL_TYPES[f.type]}) AS {_quote(f.name)}" for f in spec.schema)
        return f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS SELECT {columns} WHERE false"
    pattern = lake.table_dir(spec).as_posix() + "/" + "/".join(["*"] * len(spec.partition_by) + ["*.parquet"])
    # Partition values stay strings, as in pandas: a service id of digits or a date must not be guessed.
    hive_types = ", ".join(f"'{p}': 'VARCHAR'" for p in spec.partition_by)
    return (
        f"CREATE OR REPLACE VIEW {_quote(spec.name)} AS SELECT * FROM read_parquet("
        f"{_literal(pattern)}, hive_partitioning = true, union_by_name = true, hive_types = {{{hive_types}}})"
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
