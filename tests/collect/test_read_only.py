"""A lake on a read-only file system: one line saying so, and the answers that need no write still given.

The lake is made read-only by a real mount (a bind mount in a private mount namespace), because root,
which runs these tests in CI, ignores permission bits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collect.conftest import SANDBOX_ENV, run_collect, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
READ_ONLY = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'


@pytest.fixture(scope="module")
def box():
    if subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("needs unshare -m (root in a mount namespace) to make a read-only file system")
    yield from start_sandbox(services=2, days=1)


def advisor_read_only(lake: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ADVISOR_"))}
    env = {**env, **SANDBOX_ENV, "ADVISOR_CONFIG": str(tmp_path / "none.toml"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "advisor.cli", *args, "--lake", str(lake)]
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", str(lake), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_collect_into_a_read_only_lake_is_one_error(box, tmp_path):
    lake = tmp_path / "lake"
    run_collect(box, lake)
    run = advisor_read_only(
        lake, tmp_path, "collect", "--endpoint-url", box.endpoint, "--region", "all", "--no-progress"
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"cannot write to the lake at {lake}" in lines[0] and "Read-only file system" in lines[0]


def test_recommend_on_a_read_only_lake_prints_the_answer_then_says_it_is_not_stored(box, tmp_path):
    lake = tmp_path / "lake"
    run_collect(box, lake)
    run = advisor_read_only(lake, tmp_path, "recommend", "--format", "json")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert len(json.loads(run.stdout)) == 2  # one recommendation per service
    assert "the recommendations above are not stored: cannot write to the lake" in run.stderr
