"""`advisor sandbox start|advance|status`: the local AWS account everything runs on by default."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

import typer
from rich.console import Console

from advisor.cli.options import check_days, check_port
from advisor.domain import MAX_RUN_DAYS
from advisor.errors import AdvisorError, InputError
from advisor.settings import check_endpoint_url

sandbox_app = typer.Typer(help="The local sandbox AWS account (App Runner, CloudWatch, Logs, STS, S3, ...).")
DEFAULT_PORT = 4566


def _endpoint(endpoint_url: str | None) -> str:
    url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{DEFAULT_PORT}"
    return str(check_endpoint_url(url)).rstrip("/")


def control(endpoint_url: str | None, action: str, payload: dict | None = None, timeout: float = 600) -> dict:
    """Call one of the sandbox's /_sandbox/ controls."""
    url = f"{_endpoint(endpoint_url)}/_sandbox/{action}"
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        url, data=data, method="POST" if data else "GET", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise InputError(f"sandbox at {url} refused: {exc.read().decode(errors='replace')}") from None
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, or a timeout while it is busy seeding
        raise AdvisorError(
            f"no sandbox answers at {_endpoint(endpoint_url)} ({exc}); start one with 'advisor sandbox start'"
        ) from None
    try:
        return json.loads(body)
    except ValueError:
        raise AdvisorError(
            f"{url} answered, but not as a sandbox (no JSON): is --endpoint-url the sandbox's address?"
        ) from None


def check_port_free(flag: str, port: int) -> None:
    """Bad input when something listens on the port already: the demo would talk to it, not to its own."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is free
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise InputError(
                f"{flag} {port}: 127.0.0.1:{port} is in use (another sandbox or dashboard?); "
                f"stop it or choose another {flag}"
            ) from None


@sandbox_app.command("start")
def start(
    port: int = typer.Option(DEFAULT_PORT, help="Port on 127.0.0.1."),
    seed: int = typer.Option(7, min=0, help="Makes the fleet and its traffic reproducible (0 or more)."),
    days: float = typer.Option(14, help="Days of history ending now."),
    services: int = typer.Option(
        8, help="How many fleet services: the eight named ones, then generated ones in us-east-1."
    ),
    trace: list[str] = typer.Option([], "--trace", help="NAME=FILE: a service whose traffic is this trace."),
    throttle: float = typer.Option(0.0, help="Fraction of App Runner/CloudWatch/Logs calls to throttle."),
    operation_seconds: float = typer.Option(5.0, help="How long UpdateService/Pause/Resume take."),
) -> None:
    """Start the sandbox in the foreground; Ctrl-C or SIGTERM stops it."""
    from advisor.sandbox.fleet import default_fleet, trace_service
    from advisor.sandbox.server import Sandbox

    check_port("--port", port)
    if port:
        check_port_free("--port", port)
    if not 0 <= throttle <= 1:
        raise InputError(f"--throttle {throttle} is invalid: allowed a fraction from 0 to 1")
    check_days("--days", days)
    if services < 0:
        raise InputError(f"--services {services} is invalid: allowed 0 or more")
    if not (math.isfinite(operation_seconds) and operation_seconds >= 0):
        raise InputError(f"--operation-seconds {operation_seconds:g} is invalid: allowed 0 or more seconds")
    console = Console(stderr=True)
    fleet = default_fleet(services) + [trace_service(spec) for spec in trace]
    began = time.perf_counter()
    with console.status(f"Seeding {len(fleet)} services with {days:g} days of history ...") as shown:
        try:
            sandbox = Sandbox(
                fleet, port=port, days=days, seed=seed, throttle=throttle, operation_seconds=operation_seconds
            )
        except OSError as exc:
            raise AdvisorError(f"cannot listen on 127.0.0.1:{port} ({exc}); choose another --port") from None
        console.print(f"Listening on {sandbox.endpoint} (AWS calls answer 503 until the history is seeded)")

        def progress(done: int, total: int) -> None:
            shown.update(f"Seeding {total} services with {days:g} days of history: {done}/{total} ...")

        counts = sandbox.start(progress)
    console.print(
        f"[green]Sandbox ready[/] in {time.perf_counter() - began:.1f} s: {len(fleet)} services, "
        f"{counts['datapoints']:,} datapoints, {counts['log_events']:,} log events."
    )
    print(
        f"Endpoint: {sandbox.endpoint}\nUse it from another terminal with:\n"
        f"  export AWS_ENDPOINT_URL={sandbox.endpoint}\n"
        "  export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-east-1",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()
    console.print("Sandbox stopped.")


@sandbox_app.command("advance")
def advance(
    hours: float = typer.Option(..., help="Hours to move the sandbox clock forward."),
    endpoint_url: str | None = typer.Option(None, help="The sandbox (default: AWS_ENDPOINT_URL or :4566)."),
) -> None:
    """Move the sandbox clock forward: new traffic, metrics and logs under each service's current config."""
    most = MAX_RUN_DAYS * 24  # the minutes of an advance are produced in memory, like a start's history
    if not (math.isfinite(hours) and hours > 0 and hours <= most):
        raise InputError(f"--hours {hours:g} is invalid: allowed a number of hours above 0 up to {most}")
    result = control(endpoint_url, "advance", {"hours": hours})
    print(
        f"Sandbox clock moved {hours:g} h: {result['minutes']:,} minutes, "
        f"{result['datapoints']:,} datapoints, {result['log_events']:,} log events produced."
    )


@sandbox_app.command("status")
def status(
    endpoint_url: str | None = typer.Option(None, help="The sandbox (default: AWS_ENDPOINT_URL or :4566)."),
) -> None:
    """Is a sandbox running, and what is its clock?"""
    print(json.dumps(control(endpoint_url, "health", timeout=30), indent=2))
