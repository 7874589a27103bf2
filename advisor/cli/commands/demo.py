"""`advisor demo`: the sandbox, a first collection, recommendations and the dashboard, in one command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from advisor.cli.commands.sandbox import check_port_free, control
from advisor.cli.options import check_days, check_port
from advisor.errors import AdvisorError, InputError

ROOT = Path(__file__).resolve().parents[3]
SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# Written into every lake the demo makes: the one sign that the folder's tables are the demo's to replace.
DEMO_MARK = ".advisor-demo"
# What the demo writes at the top of its lake, and so all it ever removes there (the lake's tables and
# its state store; names from advisor.lake, written out so that `--help` does not import pyarrow).
DEMO_ENTRIES = (
    "services",
    "metrics",
    "logs",
    "operations",
    "recommendations",
    "actions",
    "costs",
    "_state",
    DEMO_MARK,
)


def prepare_lake(lake: Path) -> None:
    """An empty lake for the demo, removing only what an earlier demo wrote there.

    The demo starts from nothing each time, but a folder it did not make (a user's lake from `advisor
    collect`, their documents) is refused untouched: only a folder that is new, empty, or marked with
    DEMO_MARK is used, and in a marked one only the lake's own entries are removed.
    """
    if lake.exists() and not lake.is_dir():
        raise InputError(f"--lake {lake}: is a file; give a folder for the demo's lake")
    if lake.is_dir() and any(lake.iterdir()) and not (lake / DEMO_MARK).is_file():
        raise InputError(
            f"--lake {lake}: not empty and not a lake the demo made; the demo replaces its lake at each "
            "start, so give a new or empty folder"
        )
    lake.mkdir(parents=True, exist_ok=True)
    for name in DEMO_ENTRIES:
        entry = lake / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.exists() or entry.is_symlink():
            entry.unlink()
    (lake / DEMO_MARK).write_text("made by 'advisor demo': its tables are replaced at each demo start\n")


class Stopped(BaseException):
    """A signal asked the demo to stop (SIGTERM, SIGHUP): stop the children, then exit 128 + signal.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` on the way swallows it.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped` in the main thread (Python's default ends the process at once,
    skipping every `finally`, which left the sandbox and the dashboard listening)."""
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_children(children: list[subprocess.Popen]) -> None:
    """SIGTERM to each child still running, newest first; SIGKILL to any that has not gone in 20 s."""
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in reversed(children):
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def dashboard_command(port: int) -> list[str]:
    """`streamlit run app.py` on 127.0.0.1, headless, without telemetry or a file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def _wait_for_sandbox(endpoint: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AdvisorError(f"the sandbox exited with code {process.returncode}; see the lines above")
        try:
            if control(endpoint, "health", timeout=2).get("status") == "ok":  # history produced
                return
        except (AdvisorError, OSError):  # not listening yet, or too busy seeding to answer in time
            pass
        time.sleep(0.5)
    raise AdvisorError(f"the sandbox at {endpoint} did not answer within {timeout:.0f} s")


def demo_cmd(
    port: int = typer.Option(8501, help="Dashboard port on 127.0.0.1."),
    sandbox_port: int = typer.Option(4566, help="Sandbox endpoint port on 127.0.0.1."),
    lake: Path = typer.Option(
        Path("advisor-data/demo"), help="Lake for the demo: a new or empty folder, or an earlier demo's lake."
    ),
    days: float = typer.Option(14, help="Days of sandbox history."),
    services: int = typer.Option(8, help="Sandbox services (past eight the templates repeat)."),
    dashboard: bool = typer.Option(True, "--dashboard/--no-dashboard", help="Open the dashboard at the end."),
) -> None:
    """Start the sandbox, collect its fleet, recommend, and serve the dashboard (Ctrl-C stops all)."""
    check_port("--port", port)
    check_port("--sandbox-port", sandbox_port)
    if port == sandbox_port:
        raise InputError(f"--port and --sandbox-port are both {port}: give two different ports")
    check_days("--days", days)
    if services < 1:
        raise InputError(f"--services {services} is invalid: allowed 1 or more")
    check_port_free("--sandbox-port", sandbox_port)
    if dashboard:
        check_port_free("--port", port)
    prepare_lake(lake)
    children: list[subprocess.Popen] = []
    with stop_signals_raise():
        try:
            _run(children, port, sandbox_port, lake, days, services, dashboard)
        except KeyboardInterrupt:
            pass
        except Stopped as stopped:
            print(f"advisor demo: {stopped}: stopping the sandbox and the dashboard", file=sys.stderr)
            raise typer.Exit(128 + stopped.signum) from None
        finally:
            for sig in (signal.SIGTERM, signal.SIGHUP):  # a second signal must not cut the clean-up short
                signal.signal(sig, signal.SIG_IGN)
            stop_children(children)


def _run(
    children: list[subprocess.Popen],
    port: int,
    sandbox_port: int,
    lake: Path,
    days: float,
    services: int,
    dashboard: bool,
) -> None:
    """The four steps; every child process started goes into `children` at once, for the caller to stop."""
    from advisor.aws.session import AwsSession
    from advisor.cli.formats.progress import ServiceBar
    from advisor.collect.progress import RichProgress
    from advisor.collect.run import CollectRequest, collect
    from advisor.recommend.pipeline import recommend_lake

    console = Console(stderr=True)
    endpoint = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        **SANDBOX_ENV,
        "AWS_ENDPOINT_URL": endpoint,
        "ADVISOR_LAKE": str(lake.resolve()),
        "PYTHONUNBUFFERED": "1",  # the sandbox's lines appear as they are printed
    }
    os.environ.update({k: env[k] for k in (*SANDBOX_ENV, "AWS_ENDPOINT_URL", "ADVISOR_LAKE")})
    console.rule(f"1/4 sandbox on {endpoint}: seeding {days:g} days of history")
    sandbox_args = ["--port", str(sandbox_port), "--days", str(days), "--services", str(services)]
    children.append(
        subprocess.Popen([sys.executable, "-m", "advisor.cli", "sandbox", "start", *sandbox_args], env=env)
    )
    _wait_for_sandbox(endpoint, children[0])
    console.rule("2/4 collect")
    session = AwsSession.open(None, endpoint)
    summary = collect(session, CollectRequest(lake=lake, regions=("all",), days=days), RichProgress())
    if not summary.ok:
        failed = ", ".join(s.name for s in summary.failed) or ", ".join(summary.region_errors)
        raise AdvisorError(f"the first collection failed for {failed}")
    console.print(f"Collected {len(summary.services)} services into {lake}.")
    console.rule("3/4 recommend")
    with ServiceBar("recommend") as bar:  # about a minute for eight services
        fleet = recommend_lake(lake, progress=bar.advance)
    console.print(f"{fleet.rows_written} recommendations written.")
    if not dashboard:
        return
    console.rule(f"4/4 dashboard on http://127.0.0.1:{port}")
    dash_env = {**env, "ADVISOR_ALLOW_APPLY": "1"}  # the sandbox is a safe place to try apply
    children.append(subprocess.Popen(dashboard_command(port), env=dash_env))
    console.print(f"[green]Open http://127.0.0.1:{port}[/] (Ctrl-C stops the dashboard and the sandbox)")
    children[-1].wait()
