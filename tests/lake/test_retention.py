from __future__ import annotations

import os
from datetime import date, timedelta

from advisor.lake.reader import read_table
from advisor.lake.retention import drop_partitions_before, sweep_temp_files
from advisor.lake.writer import write

from .conftest import metric_rows


def test_old_temp_files_are_swept_and_young_ones_kept(lake):
    write(lake, "metrics", metric_rows(minutes=3))
    partition = next(lake.root.rglob("part-0.parquet")).parent
    old, young = partition / ".part-0.parquet.1.old.tmp", partition / ".part-0.parquet.2.new.tmp"
    old.write_bytes(b"x")
    young.write_bytes(b"x")
    os.utime(old, (0, 0))
    assert sweep_temp_files(lake, older_than=timedelta(minutes=5)) == [old]
    assert young.exists() and len(read_table(lake, "metrics")) == 3


def test_date_partitions_before_a_day_are_dropped(lake):
    write(lake, "metrics", metric_rows(minutes=20))  # 2026-11-27 and 2026-11-28
    dropped = drop_partitions_before(lake, "metrics", date(2026, 11, 28))
    assert [d.name for d in dropped] == ["date=2026-11-27"]
    assert set(read_table(lake, "metrics")["date"]) == {"2026-11-28"}
