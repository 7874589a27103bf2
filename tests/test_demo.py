"""`advisor demo` (what `make demo` runs): sandbox, collect, recommend, dashboard; and what it never does:
delete what it did not write, or leave a child listening after a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.cli.commands.demo import DEMO_MARK, prepare_lake
from advisor.lake.reader import read_table


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_args(lake: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "advisor.cli",
        "demo",
        "--sandbox-port",
        str(free_port()),
        "--lake",
        str(lake),
        *extra,
    ]


def refused(args: list[str], monkeypatch, capsys) -> str:
    monkeypatch.setattr(sys, "argv", ["advisor", "demo", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert err.count("\n") == 1 and err.startswith("advisor: error: "), err
    return err.strip().removeprefix("advisor: error: ")


def test_demo_prepares_a_lake_with_recommendations_and_stops_its_sandbox(tmp_path):
    lake = tmp_path / "demo"
    run = subprocess.run(
        demo_args(lake, "--no-dashboard", "--days", "2"), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Sandbox stopped." in run.stderr + run.stdout
    recommendations = read_table(lake, "recommendations")
    assert len(recommendations) == 8
    assert recommendations["recommended_max_concurrency"].notna().sum() >= 5
    assert (lake / DEMO_MARK).is_file()


# --- never delete what the advisor did not write ---------------------------------------------------------


def test_a_folder_the_demo_did_not_make_is_refused_untouched(tmp_path, monkeypatch, capsys):
    (tmp_path / "thesis.tex").write_text("four years of work")
    (tmp_path / "metrics").mkdir()  # looks like a lake table, but no demo made this folder
    message = refused(["--lake", str(tmp_path), "--sandbox-port", str(free_port())], monkeypatch, capsys)
    assert message.startswith(f"--lake {tmp_path}: not empty and not a lake the demo made")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics", "thesis.tex"]
    assert (tmp_path / "thesis.tex").read_text() == "four years of work"


def test_a_file_as_the_lake_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "lake").write_text("x")
    message = refused(
        ["--lake", str(tmp_path / "lake"), "--sandbox-port", str(free_port())], monkeypatch, capsys
    )
    assert message == f"--lake {tmp_path / 'lake'}: is a file; give a folder for the demo's lake"


def test_an_earlier_demo_lake_loses_only_the_demos_own_entries(tmp_path):
    (tmp_path / DEMO_MARK).write_text("")
    for table in ("metrics/date=2026-01-01", "recommendations", "_state"):
        (tmp_path / table).mkdir(parents=True)
        (tmp_path / table / "part-0.parquet").write_bytes(b"old")
    (tmp_path / "notes.md").write_text("the user's")
    (tmp_path / "exports").mkdir()
    prepare_lake(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEMO_MARK, "exports", "notes.md"]
    assert (tmp_path / "notes.md").read_text() == "the user's"


def test_a_new_folder_becomes_a_marked_demo_lake(tmp_path):
    prepare_lake(tmp_path / "a" / "demo")
    assert [p.name for p in (tmp_path / "a" / "demo").iterdir()] == [DEMO_MARK]


@pytest.mark.parametrize("flag", ["--sandbox-port", "--port"])
def test_a_port_in_use_is_refused_before_anything_starts(flag, tmp_path, monkeypatch, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        other = "--port" if flag == "--sandbox-port" else "--sandbox-port"
        args = ["--lake", str(tmp_path / "demo"), flag, str(taken), other, str(free_port())]
        message = refused(args, monkeypatch, capsys)
    assert message.startswith(f"{flag} {taken}: 127.0.0.1:{taken} is in use")
    assert not (tmp_path / "demo").exists()


# --- a signal stops everything the demo started ------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """Live child processes of `pid`, from /proc (zombies, already dead, left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_dashboard(port: int, demo: subprocess.Popen, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert demo.poll() is None, f"the demo exited with {demo.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"no dashboard on port {port} within {timeout:.0f} s")


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGTERM, 128 + 15), (signal.SIGINT, 0)])
def test_a_signal_to_the_demo_stops_the_sandbox_and_the_dashboard(sig, exit_code, tmp_path):
    dash_port, sandbox_port = free_port(), free_port()
    args = [sys.executable, "-m", "advisor.cli", "demo", "--port", str(dash_port)]
    args += [
        "--sandbox-port",
        str(sandbox_port),
        "--lake",
        str(tmp_path / "demo"),
        "--days",
        "1",
        "--services",
        "1",
    ]
    log = (tmp_path / "demo.log").open("w")
    # its own session, so that the signal reaches the demo alone, as `kill PID` from a service manager does
    demo = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    children: list[int] = []
    try:
        wait_for_dashboard(dash_port, demo)
        children = children_of(demo.pid)
        assert len(children) == 2  # the sandbox and the dashboard
        assert listening(sandbox_port) and listening(dash_port)
        demo.send_signal(sig)
        code = demo.wait(timeout=60)
        time.sleep(1)  # what an orphan would do meanwhile: keep listening
        assert [pid for pid in children if alive(pid)] == []
        assert not listening(sandbox_port) and not listening(dash_port)
        assert code == exit_code, (tmp_path / "demo.log").read_text()[-3000:]
    finally:
        for pid in [demo.pid, *children]:  # only what this test started
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()


def test_the_demos_entries_are_the_lakes_tables_and_state():
    """Written out in demo.py so that `--help` does not import pyarrow; held equal to the lake's here."""
    from advisor.cli.commands.demo import DEMO_ENTRIES
    from advisor.lake.layout import STATE_DIR
    from advisor.lake.schema import TABLES

    assert set(DEMO_ENTRIES) == {*TABLES, STATE_DIR, DEMO_MARK}
