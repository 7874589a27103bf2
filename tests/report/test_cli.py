"""`advisor report` and `advisor schedule --once` run as a user runs them."""

from __future__ import annotations

import json
import sys

import pytest

from advisor import cli

from .conftest import START, add_service, ref, traffic


def run(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["advisor", *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


@pytest.fixture
def lake(tmp_path):
    add_service(tmp_path / "lake", ref("orders-api", 1), traffic(START, 2, seed=1))
    return tmp_path / "lake"


def test_report_writes_the_asked_formats_and_prints_where(monkeypatch, capsys, lake, tmp_path):
    code, out, _ = run(
        monkeypatch, capsys, "report", "--lake", lake, "--period", "1d", "--out", tmp_path / "r",
        "--format", "json,csv", "--deliver", tmp_path / "copy", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["total_cost_usd"] > 0 and data["previous_total_cost_usd"] > 0
    names = sorted(p.split("/")[-1] for p in data["files"])
    assert "report.json" in names and "summary.csv" in names and "report.html" not in names
    assert (tmp_path / "copy" / data["directory"].split("/")[-1] / "report.json").exists()


def test_a_custom_period_needs_both_ends(monkeypatch, capsys, lake):
    code, _, err = run(
        monkeypatch, capsys, "report", "--lake", lake, "--period", "custom", "--start", "2026-03-02"
    )
    assert code == 2 and "--start and --end" in err
    code, out, _ = run(
        monkeypatch, capsys, "report", "--lake", lake, "--period", "custom", "--start", "2026-03-02",
        "--end", "2026-03-03T12:00", "--format", "json", "--out", lake.parent / "r", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["period_end"].startswith("2026-03-03 12:00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "week"), "--period"),
        (("--format", "pdf"), "--format"),
        (("--deliver", "ftp://host/x"), "--deliver"),
        (("--lake", "/nonexistent/lake"), "no such directory"),
    ],
)
def test_bad_input_exits_2_with_one_line(monkeypatch, capsys, lake, args, message):
    code, _, err = run(monkeypatch, capsys, "report", "--lake", lake, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_schedule_once_runs_and_logs(monkeypatch, capsys, lake, tmp_path):
    code, _, _ = run(
        monkeypatch, capsys, "schedule", "--once", "--lake", lake, "--period", "1d", "--out", tmp_path / "r",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    (line,) = (tmp_path / "r" / "runs.jsonl").read_text().splitlines()
    assert json.loads(line)["status"] == "ok"
    code, _, err = run(monkeypatch, capsys, "schedule", "--lake", lake)
    assert code == 2 and "--cron" in err
