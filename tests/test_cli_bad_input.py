"""Bad input as a user types it: every case ends in one line on stderr and exit 2, never a traceback.

The commands run in process through `advisor.cli.main` (the real entry point), so that each case costs
milliseconds instead of a Python start-up; the few that need AWS talk to a real sandbox over HTTP.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from advisor.cli import main


def cli(args: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """`advisor ...` in process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["advisor", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def refused(args, monkeypatch, capsys) -> str:
    """The one-line error of a command that must refuse its input (exit 2), for the test to read."""
    code, _, err = cli(args, monkeypatch, capsys)
    assert code == 2, err
    assert err.startswith("advisor: error: "), err
    assert err.strip().count("\n") == 0, err
    return err.strip().removeprefix("advisor: error: ")


@pytest.fixture
def trace_file(tmp_path):
    stamps = pd.date_range("2026-01-01", periods=120, freq="1min", tz="UTC")
    path = tmp_path / "trace.csv"
    pd.DataFrame({"timestamp": stamps, "requests": 600}).to_csv(path, index=False)
    return path


# --- simulate ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "1e6", "456"])
def test_simulate_days_must_be_a_finite_number_within_the_bound(days, monkeypatch, capsys):
    message = refused(["simulate", "--example", "steady", "--days", days], monkeypatch, capsys)
    assert message.startswith("--days ")
    assert "up to 455 days" in message


def test_simulate_days_at_the_bound_is_accepted_by_the_generator():
    from advisor.workload.traffic import generate

    assert len(generate("low", days=455, end="2026-01-01", seed=1)) == 455 * 1440


def test_days_and_seed_with_a_trace_are_refused_not_ignored(trace_file, monkeypatch, capsys):
    message = refused(["simulate", "--trace", trace_file, "--days", 3, "--seed", 1], monkeypatch, capsys)
    assert message == "--days, --seed apply to --example only (a trace has its own length); drop them"


@pytest.mark.parametrize(("flag", "value"), [("--latency-s", "nan"), ("--knee", "inf"), ("--slo", "-1")])
def test_simulate_model_numbers_must_be_finite_and_positive(flag, value, trace_file, monkeypatch, capsys):
    message = refused(["simulate", "--trace", trace_file, flag, value], monkeypatch, capsys)
    assert message.startswith(f"{flag} ") and "finite number above 0" in message


def test_per_minute_into_a_directory_is_refused(trace_file, tmp_path, monkeypatch, capsys):
    message = refused(["simulate", "--trace", trace_file, "--per-minute", tmp_path], monkeypatch, capsys)
    assert "is a directory" in message


def test_per_minute_into_a_missing_folder_is_refused(trace_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "nowhere" / "minutes.csv"
    message = refused(["simulate", "--trace", trace_file, "--per-minute", out], monkeypatch, capsys)
    assert f"no such folder {out.parent}" in message


def test_per_minute_with_an_unknown_suffix_writes_nothing(trace_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "minutes.json"
    message = refused(["simulate", "--trace", trace_file, "--per-minute", out], monkeypatch, capsys)
    assert "unknown file type '.json'; allowed .csv, .parquet" in message
    assert not out.exists()


def test_per_minute_parquet_is_parquet(trace_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "minutes.parquet"
    code, _, err = cli(["simulate", "--trace", trace_file, "--per-minute", out], monkeypatch, capsys)
    assert code == 0, err
    assert len(pd.read_parquet(out)) == 120


def test_a_trace_spanning_centuries_is_refused_before_resampling(tmp_path, monkeypatch, capsys):
    path = tmp_path / "seconds-as-ms.csv"
    pd.DataFrame({"timestamp": ["1970-01-01", "2026-01-01"], "requests": [1, 2]}).to_csv(path, index=False)
    message = refused(["simulate", "--trace", path], monkeypatch, capsys)
    assert "spans 20,454 days (1970-01-01 to 2026-01-01)" in message
    assert "at most 3653 days" in message


# --- report ---------------------------------------------------------------------------------------


def test_report_out_pointing_at_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt"
    message = refused(["report", "--lake", tmp_path / "no-lake", "--out", out], monkeypatch, capsys)
    assert message == f"--out {out}: {out} is a file, not a folder; give a folder"
    assert out.read_text() == "mine"


def test_report_out_under_a_file_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" / "reports"
    message = refused(["report", "--lake", tmp_path, "--out", out], monkeypatch, capsys)
    assert f"{tmp_path / 'notes.txt'} is a file" in message


@pytest.mark.parametrize("period", ["100000d", "456d", "99999999999999999999d"])
def test_report_period_is_bounded_by_what_cloudwatch_keeps(period, tmp_path, monkeypatch, capsys):
    message = refused(
        ["report", "--lake", tmp_path, "--out", tmp_path / "r", "--period", period], monkeypatch, capsys
    )
    assert message == f"--period '{period}' is invalid: allowed 7d, 30d (any Nd from 1d to 455d) or custom"


def test_a_custom_period_is_bounded_too(tmp_path, monkeypatch, capsys):
    args = ["--period", "custom", "--start", "2020-01-01", "--end", "2026-01-01"]
    message = refused(["report", "--lake", tmp_path, "--out", tmp_path / "r", *args], monkeypatch, capsys)
    # 2020-01-01 to 2026-01-01: six years, two of them leap (2020, 2024): 6 * 365 + 2 days
    assert message == (
        "the period 2020-01-01 .. 2026-01-01 is 2,192 days long: "
        "allowed at most 455 (the longest history CloudWatch keeps)"
    )
