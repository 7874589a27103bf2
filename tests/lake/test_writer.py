from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from advisor.errors import InputError
from advisor.lake.reader import read_table
from advisor.lake.writer import write

from .conftest import ARN, OTHER_ARN, T0, metric_rows


def part_files(lake) -> list[Path]:
    return sorted(p for p in lake.root.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_the_layout_is_hive_partitioned_one_file_per_partition(lake):
    write(lake, "metrics", metric_rows())  # 23:50 to 00:09: two days
    relative = [p.relative_to(lake.root).as_posix() for p in part_files(lake)]
    assert relative == [
        f"metrics/region=us-east-1/service_id={'a' * 32}/date=2026-11-27/part-0.parquet",
        f"metrics/region=us-east-1/service_id={'a' * 32}/date=2026-11-28/part-0.parquet",
    ]


def test_partition_columns_live_in_the_path_not_in_the_file(lake):
    write(lake, "metrics", metric_rows())
    names = pq.read_schema(part_files(lake)[0]).names
    assert "region" not in names and "service_id" not in names and "date" not in names


def test_writing_the_same_rows_twice_changes_nothing(lake):
    first = write(lake, "metrics", metric_rows())
    before = {p: p.stat().st_mtime_ns for p in part_files(lake)}
    again = write(lake, "metrics", metric_rows())
    assert (first.rows_added, again.rows_added, again.partitions_written) == (20, 0, 0)
    assert {p: p.stat().st_mtime_ns for p in part_files(lake)} == before
    assert len(read_table(lake, "metrics")) == 20


def test_overlapping_windows_union_without_duplicates(lake):
    write(lake, "metrics", metric_rows(T0, 20))
    result = write(lake, "metrics", metric_rows(T0 + pd.Timedelta(minutes=10), 20, value_offset=10))
    rows = read_table(lake, "metrics")
    assert result.rows_added == 10  # exactly the new minutes
    assert len(rows) == 30
    assert not rows.duplicated(["service_arn", "metric", "stat", "period_s", "timestamp"]).any()


def test_the_newest_write_of_a_key_wins(lake):
    write(lake, "metrics", metric_rows(T0, 5))
    write(lake, "metrics", metric_rows(T0, 5, value_offset=100))
    assert sorted(read_table(lake, "metrics")["value"]) == [100.0, 101.0, 102.0, 103.0, 104.0]


def test_duplicates_inside_one_write_keep_the_last(lake):
    rows = pd.concat([metric_rows(T0, 3), metric_rows(T0, 3, value_offset=7)])
    assert write(lake, "metrics", rows).rows_added == 3
    assert sorted(read_table(lake, "metrics")["value"]) == [7.0, 8.0, 9.0]


def test_services_of_other_regions_land_in_their_own_partitions(lake):
    write(lake, "metrics", pd.concat([metric_rows(minutes=5), metric_rows(minutes=5, arn=OTHER_ARN)]))
    rows = read_table(lake, "metrics", where={"region": "eu-west-1"})
    assert set(rows["service_arn"]) == {OTHER_ARN} and set(rows["service_id"]) == {"b" * 32}


def test_an_unknown_column_is_refused(lake):
    with pytest.raises(InputError, match="valu"):
        write(lake, "metrics", metric_rows().rename(columns={"value": "valu"}))


def test_a_blank_key_is_refused(lake):
    rows = metric_rows(minutes=2)
    rows.loc[0, "metric"] = None
    with pytest.raises(InputError, match="metric"):
        write(lake, "metrics", rows)


def test_naive_times_are_taken_as_utc(lake):
    write(lake, "metrics", metric_rows(T0.replace(tzinfo=None), 1))
    assert read_table(lake, "metrics")["timestamp"].iloc[0] == T0


def test_other_tables_derive_their_partitions(lake):
    write(
        lake,
        "operations",
        pd.DataFrame(
            {
                "operation_id": ["o1"],
                "service_arn": [ARN],
                "type": ["UPDATE_SERVICE"],
                "status": ["SUCCEEDED"],
                "started_at": [T0],
            }
        ),
    )
    write(
        lake,
        "actions",
        pd.DataFrame({"action_id": ["a1"], "created_at": [T0], "service_arn": [ARN], "status": ["planned"]}),
    )
    relative = {p.relative_to(lake.root).as_posix() for p in part_files(lake)}
    assert relative == {
        "operations/region=us-east-1/part-0.parquet",
        "actions/date=2026-11-27/part-0.parquet",
    }


def test_a_crash_before_the_rename_leaves_the_old_file_and_no_temp(lake, monkeypatch):
    write(lake, "metrics", metric_rows(T0, 5))

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        write(lake, "metrics", metric_rows(T0, 5, value_offset=100))
    monkeypatch.undo()
    assert sorted(read_table(lake, "metrics")["value"]) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert not [p for p in lake.root.rglob(".*.tmp")]


def test_a_leftover_temp_file_is_invisible_to_readers(lake):
    write(lake, "metrics", metric_rows(T0, 5))
    partition = part_files(lake)[0].parent
    (partition / ".part-0.parquet.123.deadbeef.tmp").write_bytes(b"PAR1 half a file")
    assert len(read_table(lake, "metrics")) == 5


KILLED_WRITER = """
import os, signal, sys
import numpy as np
import pandas as pd
import advisor.lake.writer as writer

lake, point = sys.argv[1], sys.argv[2]
arn = "arn:aws:apprunner:us-east-1:123456789012:service/web-api/" + "a" * 32


def rows(write):  # random values: the file is ~160 KB, written in several pieces
    ts = pd.date_range("2026-11-27", periods=20_000, freq="s", tz="UTC")
    values = np.random.default_rng(write).random(len(ts))
    return pd.DataFrame({"service_arn": arn, "metric": "Requests", "stat": "Sum", "period_s": 1,
                         "timestamp": ts, "value": values, "unit": f"write-{write}"})


def die(*args):
    os.kill(os.getpid(), signal.SIGKILL)


class Torn:
    \"\"\"A file that is killed once 4 KiB of it reached the disk.\"\"\"

    def __init__(self, f):
        self.f, self.written = f, 0

    def write(self, data):
        data = bytes(data)
        if self.written + len(data) > 4096:
            self.f.write(data[: 4096 - self.written])
            self.f.flush()
            die()
        self.written += len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)


writer.write(lake, "metrics", rows(1))
if point == "mid-write":
    writer.open = lambda *args, **kwargs: Torn(open(*args, **kwargs))
elif point == "before-fsync":
    os.fsync = die
elif point == "before-rename":
    os.replace = die
elif point == "after-rename":
    replace = os.replace
    os.replace = lambda src, dst: (replace(src, dst), die())
writer.write(lake, "metrics", rows(2))
"""


@pytest.mark.parametrize(
    ("point", "survivor", "temp_files"),
    [
        ("mid-write", "write-1", 1),  # 4 KiB of the new file on disk
        ("before-fsync", "write-1", 1),  # all of it written, not yet durable
        ("before-rename", "write-1", 1),  # complete and durable, not yet in place
        ("after-rename", "write-2", 0),  # in place, the directory not yet synced
    ],
)
def test_sigkill_at_each_point_of_a_write_leaves_one_whole_write_visible(lake, point, survivor, temp_files):
    """The writer kills itself at a chosen point of its second write (not after a random delay, which
    only sometimes lands inside the write): every visible file reads whole, with the rows of exactly
    one write; what the kill leaves is hidden temp files a reader skips."""
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(lake.root), point], check=False)
    assert done.returncode == -signal.SIGKILL
    for path in part_files(lake):
        pq.read_table(path)  # a torn file would raise here
    rows = read_table(lake, "metrics")
    assert len(rows) == 20_000
    assert set(rows["unit"]) == {survivor}
    assert len(list(lake.root.rglob(".part-0.parquet.*.tmp"))) == temp_files
