"""A damaged lake: readers skip what they cannot read, naming it, and never count a key twice.

Each lake here is written by the real writer, then damaged on disk the way a full disk, a failed copy or
a person would damage it. The expected rows are counted by hand from `metric_rows`: T0 is 23:50, so a
write of N minutes puts 10 minutes on 2026-11-27 and N - 10 on 2026-11-28.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from advisor.lake.files import LakeWarning
from advisor.lake.reader import read_table, wide_metrics
from advisor.lake.writer import write

from .conftest import ARN, OTHER_ARN, T0, metric_rows

DAY1 = f"metrics/region=us-east-1/service_id={'a' * 32}/date=2026-11-27/part-0.parquet"
DAY2 = f"metrics/region=us-east-1/service_id={'a' * 32}/date=2026-11-28/part-0.parquet"


@pytest.fixture
def two_days(lake):
    """30 minutes of Requests: 10 on 2026-11-27, 20 on 2026-11-28."""
    write(lake, "metrics", metric_rows(T0, 30))
    return lake


def read_warning(lake, **kwargs) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = read_table(lake, "metrics", **kwargs)
    return rows, [str(w.message) for w in caught if issubclass(w.category, LakeWarning)]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "truncated"),
        (lambda p: p.write_bytes(b""), "empty file (0 bytes)"),
        (lambda p: p.write_text("timestamp,value\n2026-11-28,1\n"), "not a Parquet file"),
    ],
    ids=["truncated", "empty", "not-parquet"],
)
def test_an_unreadable_partition_is_skipped_with_a_warning_naming_it(two_days, damage, problem):
    damage(two_days.root / DAY1)
    rows, messages = read_warning(two_days)
    assert len(rows) == 20  # the other day, whole
    assert set(rows["date"]) == {"2026-11-28"}
    assert len(messages) == 1
    assert str(two_days.root / DAY1) in messages[0] and problem in messages[0]
    assert "advisor lake check --repair" in messages[0]


def test_a_parquet_file_of_something_else_is_skipped_not_read_as_blank_rows(two_days):
    pd.DataFrame({"a": [1, 2]}).to_parquet(two_days.root / DAY2.replace("part-0", "notes"))
    rows, messages = read_warning(two_days)
    assert len(rows) == 30 and rows["service_arn"].notna().all()
    assert len(messages) == 1 and "notes.parquet" in messages[0] and "no column service_arn" in messages[0]


def test_a_stray_copy_of_a_partition_counts_each_key_once(two_days):
    shutil.copy(two_days.root / DAY2, (two_days.root / DAY2).with_name("part-0 (copy).parquet"))
    rows, messages = read_warning(two_days)
    assert len(rows) == 30
    assert not rows.duplicated(["service_arn", "metric", "stat", "period_s", "timestamp"]).any()
    assert len(messages) == 1 and "part-0 (copy).parquet" in messages[0] and "20 rows" in messages[0]


def test_of_two_files_with_a_key_the_newest_one_wins(lake):
    write(lake, "metrics", metric_rows(T0 + pd.Timedelta(minutes=10), 3))  # 00:00-00:02, values 0, 1, 2
    part = lake.root / DAY2
    newer = part.with_name("part-0 (copy).parquet")
    shutil.copy(part, lake.root / "old.parquet")
    write(lake, "metrics", metric_rows(T0 + pd.Timedelta(minutes=10), 3, value_offset=50))
    shutil.move(lake.root / "old.parquet", newer)  # the old values, in a file written later
    os.utime(part, ns=(1_000_000_000, 1_000_000_000))
    rows, _ = read_warning(lake)
    assert sorted(rows["value"]) == [0.0, 1.0, 2.0]  # the copy is the newest file: its values
    os.utime(newer, ns=(500_000_000, 500_000_000))
    rows, _ = read_warning(lake)
    assert sorted(rows["value"]) == [50.0, 51.0, 52.0]


def test_the_wide_frame_survives_a_stray_copy(two_days):
    """Today's failure: pandas' 'Index contains duplicate entries, cannot reshape'."""
    shutil.copy(two_days.root / DAY1, (two_days.root / DAY1).with_name("part-0 (copy).parquet"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LakeWarning)
        wide = wide_metrics(two_days, ARN)
    assert wide.shape == (30, 1)
    assert wide["Requests_Sum"].tolist() == [float(i) for i in range(30)]


@pytest.mark.parametrize("name", ["date=bogus", "backup"])
def test_a_directory_outside_the_partition_layout_is_skipped(two_days, name):
    day = (two_days.root / DAY1).parent
    shutil.copytree(day, day.with_name(name))  # a second copy of 2026-11-27
    rows, messages = read_warning(two_days)
    assert len(rows) == 30
    assert len(messages) == 1 and f"{name}/part-0.parquet" in messages[0]


def test_a_read_names_only_the_damage_it_met(two_days):
    """Another service's damaged file is pruned by its path, never opened, never reported."""
    write(two_days, "metrics", metric_rows(T0, 5, arn=OTHER_ARN))
    next((two_days.root / "metrics" / "region=eu-west-1").rglob("part-0.parquet")).write_bytes(b"")
    (two_days.root / DAY1).write_bytes(b"")
    rows, messages = read_warning(two_days, where={"region": "us-east-1"})
    assert len(rows) == 20
    assert len(messages) == 1 and DAY1 in messages[0]


def test_writing_into_an_unreadable_partition_quarantines_it_and_lands_the_rows(two_days):
    """Today every later write of that partition (every collect of the day) fails with ArrowInvalid."""
    damaged = two_days.root / DAY2
    damaged.write_bytes(damaged.read_bytes()[:100])
    torn = damaged.read_bytes()
    with pytest.warns(LakeWarning, match="moved .*date=2026-11-28/part-0.parquet"):
        result = write(two_days, "metrics", metric_rows(T0 + pd.Timedelta(minutes=10), 5))
    assert result.rows_added == 5
    kept = list((two_days.root / "_quarantine").rglob("part-0.parquet"))
    assert len(kept) == 1 and kept[0].read_bytes() == torn  # moved, byte for byte, not deleted
    assert kept[0].as_posix().endswith(DAY2)
    assert len(read_table(two_days, "metrics")) == 15


READ_ONLY = """
import sys
from advisor.errors import LakeError
from advisor.lake.writer import write
sys.path.insert(0, sys.argv[2])
from lake.conftest import metric_rows
try:
    write(sys.argv[1], "metrics", metric_rows())
except LakeError as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_read_only_lake_is_one_error_naming_the_lake(two_days):
    """A real read-only mount (a private mount namespace), not a permission bit root would ignore."""
    tests = Path(__file__).resolve().parents[1]
    script = f'mount --bind -o ro "$1" "$1" && exec "{sys.executable}" -c "$2" "$1" "{tests}"'
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("needs unshare -m (root in a mount namespace) to make a read-only file system")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(two_days.root), READ_ONLY],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 3, done.stderr
    assert f"cannot write to the lake at {two_days.root}" in done.stdout
    assert "Read-only file system" in done.stdout


def test_duckdb_views_skip_damaged_files_and_count_a_key_once(two_days):
    from advisor.lake.duck import connect

    (two_days.root / DAY1).write_bytes(b"")
    shutil.copy(two_days.root / DAY2, (two_days.root / DAY2).with_name("part-0 (copy).parquet"))
    with pytest.warns(LakeWarning, match="empty file"):
        connection = connect(two_days)
    by_date = connection.execute("SELECT date, count(*) FROM metrics GROUP BY date").fetchall()
    assert by_date == [("2026-11-28", 20)]
    assert connection.execute("SELECT count(*) FROM metrics").fetchone() == (20,)  # not 40
