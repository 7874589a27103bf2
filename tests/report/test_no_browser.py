"""A user who ran only `make demo` has no Chromium: the report must still be written, and quickly."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import START, add_service, ref, traffic


def test_without_a_browser_the_report_writes_html_and_csv_and_says_why_there_are_no_images(tmp_path):
    lake = tmp_path / "lake"
    add_service(lake, ref("orders-api", 1), traffic(START, 2, seed=1))
    env = os.environ | {"BROWSER_PATH": str(tmp_path / "no-such-browser")}
    done = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "report", "--lake", str(lake), "--period", "1d",
         "--out", str(tmp_path / "r")],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "no-such-browser" in done.stderr and "Chromium" in done.stderr
    [folder] = (tmp_path / "r").iterdir()
    assert folder.name == "apprunner-cost-1d-20260304-0000"  # data 03-02..03-04: the last day
    written = {p.name for p in folder.iterdir()}
    assert {"report.html", "report.md", "summary.csv"} <= written
    assert not (folder / "charts").exists()
