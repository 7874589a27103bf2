"""`advisor lake prune` as a user runs it, on a lake the writer wrote: shown first, removed with --yes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from advisor.lake.reader import read_table
from advisor.lake.writer import write

from .conftest import metric_rows
from .test_retention import action_rows

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
OLD_DAY = (NOW - timedelta(days=200)).replace(hour=12, minute=0)


def advisor(*args):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture
def aged_lake(lake):
    write(lake, "metrics", metric_rows(start=OLD_DAY, minutes=5))
    write(lake, "metrics", metric_rows(start=NOW - timedelta(minutes=5), minutes=5))
    write(lake, "actions", action_rows(f"{OLD_DAY:%Y-%m-%d}"))
    return lake


def test_without_yes_it_shows_the_old_partitions_and_removes_nothing(aged_lake):
    run = advisor("lake", "prune", "--older-than", "90d", "--lake", aged_lake.root)
    assert run.returncode == 0, run.stderr
    assert "Would remove" in run.stdout and "metrics" in run.stdout and f"{OLD_DAY:%Y-%m-%d}" in run.stdout
    assert "actions" not in run.stdout
    assert "pass --yes" in run.stderr
    assert len(read_table(aged_lake, "metrics")) == 10


def test_with_yes_it_removes_the_old_partitions_and_keeps_the_audit_log(aged_lake):
    run = advisor(
        "lake", "prune", "--older-than", "90d", "--lake", aged_lake.root, "--yes", "--format", "json"
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["removed"] is True
    assert [(p["table"], p["date"]) for p in data["partitions"]] == [("metrics", f"{OLD_DAY:%Y-%m-%d}")]
    assert len(read_table(aged_lake, "metrics")) == 5
    assert len(read_table(aged_lake, "actions")) == 1


def test_the_audit_log_goes_only_when_named(aged_lake):
    run = advisor("lake", "prune", "--older-than", "90", "--table", "actions", "--lake", aged_lake.root, "-y")
    assert run.returncode == 0, run.stderr
    assert read_table(aged_lake, "actions").empty
    assert len(read_table(aged_lake, "metrics")) == 10


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--older-than", "three months"), "--older-than"),
        (("--older-than", "0d"), "--older-than"),
        (("--older-than", "90d", "--table", "operations"), "no date partition"),
        (("--older-than", "90d", "--table", "nope"), "--table nope"),
    ],
)
def test_bad_input_exits_2_with_one_line(aged_lake, args, words):
    run = advisor("lake", "prune", *args, "--lake", aged_lake.root)
    assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1
