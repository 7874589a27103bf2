"""`advisor lake check [--repair]` as a user runs it: list what readers skip, quarantine it, delete none."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from advisor.lake.check import check_lake, repair
from advisor.lake.reader import read_table
from advisor.lake.writer import write

from .conftest import T0, metric_rows
from .test_damaged import DAY1, DAY2


def advisor(*args):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture
def damaged(lake):
    """30 minutes (10 on 11-27, 20 on 11-28); 11-27 truncated, a stray copy of 11-28 with newer values,
    and a `date=bogus` directory."""
    write(lake, "metrics", metric_rows(T0, 30))
    day1, day2 = lake.root / DAY1, lake.root / DAY2
    shutil.copytree(day2.parent, day2.parent.with_name("date=bogus"))
    copy = day2.with_name("part-0 (copy).parquet")
    shutil.copy(day2, lake.root / "saved.parquet")
    write(lake, "metrics", metric_rows(T0 + pd.Timedelta(minutes=25), 5, value_offset=100))  # 00:15-00:19
    shutil.move(lake.root / "saved.parquet", copy)
    os.utime(day2, ns=(1_000_000_000, 1_000_000_000))  # the copy is the newer file: its values win
    day1.write_bytes(day1.read_bytes()[:50])
    return lake


def test_check_lists_every_damaged_file_and_exits_1_with_what_to_do(damaged):
    run = advisor("lake", "check", "--lake", damaged.root, "--format", "json")
    assert run.returncode == 1
    findings = json.loads(run.stdout)["findings"]
    found = {(f["path"].removeprefix(f"{damaged.root}/"), f["kind"]) for f in findings}
    assert found == {
        (DAY1, "unreadable"),
        (DAY2.replace("date=2026-11-28", "date=bogus"), "misplaced"),
        (DAY2.replace("part-0", "part-0 (copy)"), "extra file"),
    }
    assert "advisor lake check --repair" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_check_changes_nothing(damaged):
    before = sorted((p, p.stat().st_mtime_ns) for p in damaged.root.rglob("*") if p.is_file())
    advisor("lake", "check", "--lake", damaged.root)
    assert sorted((p, p.stat().st_mtime_ns) for p in damaged.root.rglob("*") if p.is_file()) == before


def test_repair_quarantines_byte_for_byte_and_leaves_a_healthy_lake(damaged):
    originals = {
        p.relative_to(damaged.root): p.read_bytes()
        for p in damaged.root.rglob("*.parquet")
        if p.name != "part-0.parquet" or "bogus" in str(p) or p.stat().st_size < 100
    }
    run = advisor("lake", "check", "--repair", "--lake", damaged.root)
    assert run.returncode == 0, run.stderr
    assert "advisor collect" in run.stderr
    (stamp,) = (damaged.root / "_quarantine").iterdir()
    assert {p.relative_to(stamp): p.read_bytes() for p in stamp.rglob("*.parquet")} == originals
    again = advisor("lake", "check", "--lake", damaged.root)
    assert again.returncode == 0, again.stderr


def test_repair_merges_a_stray_copy_keeping_the_newest_values(damaged):
    repair(damaged, check_lake(damaged))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a repaired lake reads without a warning
        rows = read_table(damaged, "metrics")
    # 11-27 is quarantined; 11-28 keeps its 20 minutes, 00:15-00:19 from the copy (the older values)
    assert len(rows) == 20
    assert rows.sort_values("timestamp")["value"].tolist() == [float(i) for i in range(10, 30)]
    assert sorted(os.listdir((damaged.root / DAY2).parent)) == [".lock", "part-0.parquet"]


def test_a_healthy_lake_checks_clean(lake):
    write(lake, "metrics", metric_rows(T0, 30))
    run = advisor("lake", "check", "--lake", lake.root)
    assert run.returncode == 0, run.stderr
    assert "2 files, 0 to repair" in run.stdout


def test_a_missing_lake_is_bad_input(tmp_path):
    run = advisor("lake", "check", "--lake", tmp_path / "nowhere")
    assert run.returncode == 2 and "no such directory" in run.stderr
