from __future__ import annotations

import os
from datetime import date, timedelta

import pandas as pd

from advisor.lake.reader import read_table
from advisor.lake.retention import drop_partitions, old_partitions, prunable_tables, sweep_temp_files
from advisor.lake.writer import write

from .conftest import ARN, metric_rows


def action_rows(day: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "action_id": [f"act-{day}"],
            "created_at": [pd.Timestamp(f"{day} 12:00", tz="UTC")],
            "actor": ["tester"],
            "service_arn": [ARN],
            "before": ["{}"],
            "after": ["{}"],
            "operation_id": ["op-1"],
            "status": ["succeeded"],
            "rollback_of": [None],
            "message": [""],
            "kind": ["apply"],
            "source": ["explicit values"],
            "duration_s": [1.0],
        }
    )


def test_old_temp_files_are_swept_and_young_ones_kept(lake):
    write(lake, "metrics", metric_rows(minutes=3))
    partition = next(lake.root.rglob("part-0.parquet")).parent
    old, young = partition / ".part-0.parquet.1.old.tmp", partition / ".part-0.parquet.2.new.tmp"
    old.write_bytes(b"x")
    young.write_bytes(b"x")
    os.utime(old, (0, 0))
    assert sweep_temp_files(lake, older_than=timedelta(minutes=5)) == [old]
    assert young.exists() and len(read_table(lake, "metrics")) == 3


def test_partitions_dated_before_a_day_are_listed_with_their_sizes(lake):
    write(lake, "metrics", metric_rows(minutes=20))  # 2026-11-27 and 2026-11-28
    [old] = old_partitions(lake, date(2026, 11, 28))
    assert (old.table, old.day, old.path.name) == ("metrics", date(2026, 11, 27), "date=2026-11-27")
    assert old.size_bytes == (old.path / "part-0.parquet").stat().st_size > 0


def test_dropping_removes_the_old_partitions_and_their_empty_parents_only(lake):
    write(lake, "metrics", metric_rows(minutes=20))
    write(lake, "metrics", metric_rows(minutes=3, arn=ARN[:-32] + "b" * 32))  # a service gone since 11-27
    dropped = drop_partitions(lake, old_partitions(lake, date(2026, 11, 28)))
    assert [p.path.name for p in dropped] == ["date=2026-11-27", "date=2026-11-27"]
    assert set(read_table(lake, "metrics")["date"]) == {"2026-11-28"}
    region = lake.root / "metrics" / "region=us-east-1"
    assert [d.name for d in region.iterdir()] == ["service_id=" + "a" * 32]


def test_a_partition_holding_a_file_the_advisor_did_not_write_is_never_listed(lake):
    write(lake, "metrics", metric_rows(minutes=20))
    partition = next((lake.root / "metrics").rglob("date=2026-11-27"))
    (partition / "notes.txt").write_text("mine")
    assert old_partitions(lake, date(2026, 11, 28)) == []
    assert (partition / "notes.txt").exists()


def test_the_audit_log_is_kept_unless_named(lake):
    write(lake, "actions", action_rows("2026-01-05"))
    assert "actions" not in prunable_tables()
    assert old_partitions(lake, date(2026, 11, 28)) == []
    [named] = old_partitions(lake, date(2026, 11, 28), ["actions"])
    assert (named.table, named.day) == ("actions", date(2026, 1, 5))


def test_a_pruned_day_leaves_the_collectors_record_so_it_is_not_fetched_again(lake):
    from advisor.lake.state import StateStore

    write(lake, "metrics", metric_rows(minutes=20))  # 10 rows on 2026-11-27, 10 on 2026-11-28
    other = ARN[:-32] + "b" * 32
    state = StateStore(lake)
    state.set_days("metrics", ARN, {"2026-11-27": 10, "2026-11-28": 10})
    state.set_days("metrics", other, {"2026-11-27": 7})
    drop_partitions(lake, old_partitions(lake, date(2026, 11, 28)))
    assert state.days("metrics", ARN) == {"2026-11-28": 10}
    assert state.days("metrics", other) == {"2026-11-27": 7}  # another service's record is its own
