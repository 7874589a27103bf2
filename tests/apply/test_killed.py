"""A CLI apply killed (SIGKILL) at its first write or while it waits: the audit row it leaves tells the
truth, `advisor actions --refresh` settles it from ListOperations and DescribeService, and the action can
then be rolled back. Real processes against the emulator, whose clock the test moves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor import cli as advisor_cli
from advisor.apply import read_actions
from advisor.sandbox.apprunner import AppRunnerEmulator

from .conftest import REGION, SERVICE, FakeClock

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ("-c", "60", "-m", "2", "-M", "8")


@pytest.fixture
def frozen() -> FakeClock:
    """The emulator's clock stands still until the test moves it: the operation runs until then."""
    return FakeClock(time.time())


@pytest.fixture
def emulator(frozen) -> AppRunnerEmulator:
    return AppRunnerEmulator(clock=frozen, operation_seconds=600)


def start_apply(endpoint, lake) -> subprocess.Popen[str]:
    env = {**os.environ, "ADVISOR_LAKE": str(lake)}
    command = [sys.executable, "-m", "advisor.cli", "apply", "--service", SERVICE, *FLAGS, "--yes"]
    command += ["--allow-apply", "--endpoint-url", endpoint.url, "--region", REGION]
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at(endpoint, operation: str, process_box: list[subprocess.Popen[str]]) -> None:
    """SIGKILL the CLI the moment its request for `operation` arrives (the request itself goes through)."""

    def kill() -> None:
        process_box[0].kill()
        process_box[0].wait()

    endpoint.before(operation, kill)


def run_cli(monkeypatch, capsys, lake, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("ADVISOR_LAKE", str(lake))
    monkeypatch.setattr(sys, "argv", ["advisor", *args])
    with pytest.raises(SystemExit) as exit_info:
        advisor_cli.main()
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_a_kill_at_the_first_write_leaves_a_truthful_in_progress_row(
    endpoint, service, lake, frozen, monkeypatch, capsys
):
    box: list[subprocess.Popen[str]] = []
    kill_at(endpoint, "CreateAutoScalingConfiguration", box)
    box.append(start_apply(endpoint, lake))
    assert box[0].wait(timeout=60) == -signal.SIGKILL

    rows = read_actions(lake)
    assert list(rows["status"]) == ["in_progress"]  # written before the first write, so it survived
    code, _, err = run_cli(monkeypatch, capsys, lake, "actions", "--refresh", "--endpoint-url", endpoint.url)
    assert code == 0 and "in_progress -> failed" in err and "did not change it" in err


def test_a_kill_during_the_wait_is_settled_by_refresh_and_can_be_rolled_back(
    endpoint, service, lake, frozen, monkeypatch, capsys, emulator
):
    process = start_apply(endpoint, lake)
    deadline = time.monotonic() + 60
    while not polling_after_update(emulator):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    row = read_actions(lake).iloc[0]
    assert row["status"] == "in_progress" and row["operation_id"]

    frozen.advance(700)  # App Runner finished the update without the advisor watching
    code, _, err = run_cli(monkeypatch, capsys, lake, "actions", "--refresh", "--endpoint-url", endpoint.url)
    assert code == 0 and "in_progress -> succeeded" in err
    emulator.operation_seconds = 0  # the rollback's own operation ends at once
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        lake,
        "rollback",
        "--service",
        SERVICE,
        "--yes",
        "--allow-apply",
        "--endpoint-url",
        endpoint.url,
        "--region",
        REGION,
    )

    assert code == 0, out
    assert emulator.service_scaling(service["ServiceArn"]) == (80, 1, 10)


def polling_after_update(emulator) -> bool:
    """The CLI has sent UpdateService and is polling ListOperations for its end."""
    names = [c["operation"] for c in emulator.calls]
    return "UpdateService" in names and "ListOperations" in names[names.index("UpdateService") :]
