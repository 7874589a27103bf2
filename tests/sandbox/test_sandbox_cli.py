"""`advisor sandbox start` and `advance` as a user runs them, in real processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import boto3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_prints_the_environment_serves_advances_and_stops_on_sigterm():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "advisor.cli",
            "sandbox",
            "start",
            "--port",
            str(port),
            "--days",
            "1",
            "--services",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "AWS_DEFAULT_REGION" in line:
                break
        assert any(f"AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in line for line in lines)
        client = boto3.client(
            "apprunner",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        assert {s["ServiceName"] for s in client.list_services()["ServiceSummaryList"]} == {"orders-api"}
        env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
        advanced = subprocess.run(
            [sys.executable, "-m", "advisor.cli", "sandbox", "advance", "--hours", "2"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert advanced.returncode == 0, advanced.stderr
        minutes = int(re.search(r"([\d,]+) minutes", advanced.stdout)[1].replace(",", ""))
        assert 120 <= minutes <= 125  # two hours, plus what the live clock produced meanwhile
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Sandbox stopped." in err


def test_advance_without_a_sandbox_says_how_to_start_one():
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    run = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "sandbox", "advance", "--hours", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 1
    assert "advisor sandbox start" in run.stderr


def test_bad_flags_exit_2():
    run = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "sandbox", "start", "--throttle", "2"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "--throttle 2.0 is invalid" in run.stderr
