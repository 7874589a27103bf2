"""`advisor demo` (what `make demo` runs) up to the dashboard: sandbox, collect, recommend."""

from __future__ import annotations

import socket
import subprocess
import sys

from advisor.lake.reader import read_table


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_prepares_a_lake_with_recommendations_and_stops_its_sandbox(tmp_path):
    lake = tmp_path / "demo"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisor.cli",
            "demo",
            "--no-dashboard",
            "--days",
            "2",
            "--sandbox-port",
            str(free_port()),
            "--lake",
            str(lake),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Sandbox stopped." in run.stderr + run.stdout
    recommendations = read_table(lake, "recommendations")
    assert len(recommendations) == 8
    assert recommendations["recommended_max_concurrency"].notna().sum() >= 5
