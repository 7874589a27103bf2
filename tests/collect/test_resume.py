"""Killed with SIGKILL at random points, then run again: the lake equals an uninterrupted run's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from advisor.lake.layout import is_hidden
from tests.collect.conftest import SANDBOX_ENV, assert_same_lake, start_sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=3, days=1)


def collect_command(box, lake: Path) -> list[str]:
    return [
        sys.executable, "-m", "advisor.cli", "collect", "--endpoint-url", box.endpoint,
        "--region", "all", "--lake", str(lake), "--days", "3", "--no-progress",
    ]  # fmt: skip


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ADVISOR_"))}
    return {**env, **SANDBOX_ENV, "ADVISOR_CONFIG": str(tmp_path / "none.toml"), "PYTHONPATH": str(ROOT)}


def visible_files_are_whole(lake: Path) -> None:
    """What a reader would open: every visible Parquet file reads completely."""
    for path in lake.rglob("*.parquet"):
        if not any(is_hidden(part) for part in path.relative_to(lake).parts):
            pq.read_table(path)


def test_killed_runs_then_a_rerun_give_the_uninterrupted_lake(box, tmp_path):
    env = cli_env(tmp_path)
    reference, lake, rng = tmp_path / "reference", tmp_path / "killed", random.Random(4)
    started = time.monotonic()
    subprocess.run(collect_command(box, reference), env=env, capture_output=True, check=True, timeout=120)
    duration = time.monotonic() - started  # imports first (most of it), then the collection itself
    for _ in range(3):
        process = subprocess.Popen(collect_command(box, lake), env=env, stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.45, 0.95) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        visible_files_are_whole(lake)
    finished = subprocess.run(
        collect_command(box, lake), env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    visible_files_are_whole(lake)
    assert_same_lake(reference, lake)
