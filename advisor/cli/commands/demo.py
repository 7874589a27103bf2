"""`advisor demo`: the sandbox, a first collection, recommendations and the dashboard, in one command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console

from advisor.cli.commands.sandbox import control
from advisor.errors import AdvisorError

ROOT = Path(__file__).resolve().parents[3]
SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
}


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
    lake: Path = typer.Option(Path("advisor-data/demo"), help="Lake for the demo (emptied at each start)."),
    days: float = typer.Option(14, help="Days of sandbox history."),
    dashboard: bool = typer.Option(True, "--dashboard/--no-dashboard", help="Open the dashboard at the end."),
) -> None:
    """Start the sandbox, collect its fleet, recommend, and serve the dashboard (Ctrl-C stops all)."""
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
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "advisor.cli",
            "sandbox",
            "start",
            "--port",
            str(sandbox_port),
            "--days",
            str(days),
        ],
        env=env,
    )
    children = [sandbox]
    try:
        _wait_for_sandbox(endpoint, sandbox)
        console.rule("2/4 collect")
        shutil.rmtree(lake, ignore_errors=True)
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
        ui = subprocess.Popen(
            dashboard_command(port),
            env=dash_env,
        )
        children.append(ui)
        console.print(f"[green]Open http://127.0.0.1:{port}[/] (Ctrl-C stops the dashboard and the sandbox)")
        ui.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
