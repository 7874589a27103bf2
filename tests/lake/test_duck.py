from __future__ import annotations

import pandas as pd

from advisor.lake.duck import connect
from advisor.lake.schema import TABLES
from advisor.lake.writer import write

from .conftest import ARN, metric_rows


def test_every_table_has_a_view_even_in_an_empty_lake(lake):
    connection = connect(lake)
    for name, spec in TABLES.items():
        assert connection.execute(f"SELECT count(*) FROM {name}").fetchone() == (0,)
        columns = [row[0] for row in connection.execute(f"DESCRIBE {name}").fetchall()]
        assert sorted(columns) == sorted(spec.schema.names)


def test_views_read_the_written_rows_with_string_partitions(lake):
    write(lake, "metrics", metric_rows(minutes=20))
    connection = connect(lake)
    by_date = connection.execute("SELECT date, count(*) FROM metrics GROUP BY date ORDER BY date").fetchall()
    assert by_date == [("2026-11-27", 10), ("2026-11-28", 10)]
    types = dict(connection.execute("SELECT column_name, column_type FROM (DESCRIBE metrics)").fetchall())
    assert types["service_id"] == "VARCHAR" and types["timestamp"] == "TIMESTAMP WITH TIME ZONE"
    assert connection.execute("SELECT count(*) FROM logs").fetchone() == (0,)


def test_views_skip_temp_files(lake):
    write(lake, "metrics", metric_rows(minutes=3))
    partition = next(lake.root.rglob("part-0.parquet")).parent
    (partition / ".part-0.parquet.1.abc.tmp").write_bytes(b"garbage")
    assert connect(lake).execute("SELECT count(*) FROM metrics").fetchone() == (3,)


def test_duckdb_and_pandas_agree(lake):
    write(lake, "metrics", metric_rows(minutes=5))
    frame = (
        connect(lake)
        .execute("SELECT value FROM metrics WHERE service_arn = ? ORDER BY timestamp", [ARN])
        .df()
    )
    pd.testing.assert_series_equal(frame["value"], pd.Series([0.0, 1.0, 2.0, 3.0, 4.0], name="value"))
