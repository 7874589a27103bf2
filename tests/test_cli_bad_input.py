"""Bad input as a user types it: every case ends in one line on stderr and exit 2, never a traceback.

The commands run in process through `advisor.cli.main` (the real entry point), so that each case costs
milliseconds instead of a Python start-up; the few that need AWS talk to a real sandbox over HTTP.
"""

from __future__ import annotations

import http.server
import socket
import threading

import pandas as pd
import pytest

from tests.conftest import cli, refused


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


# --- AWS flags ------------------------------------------------------------------------------------

SANDBOX_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Credentials that would do for the sandbox, and no profile or endpoint from the machine."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))  # an empty config: no profiles
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("ADVISOR_CONFIG", str(tmp_path / "no-config.toml"))
    for key, value in SANDBOX_CREDENTIALS.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize(
    "url", ["notaurl", "127.0.0.1:4566", "ftp://127.0.0.1:4566", "http://", "http://h:99999"]
)
def test_an_endpoint_that_is_not_an_http_url_is_bad_input(url, aws_env, tmp_path, monkeypatch, capsys):
    args = ["collect", "--no-progress", "--lake", tmp_path / "lake", "--endpoint-url", url]
    message = refused(args, monkeypatch, capsys)
    assert message.startswith(f"endpoint URL {url!r}")
    assert not (tmp_path / "lake").exists()


def test_an_endpoint_from_the_environment_is_checked_alike(aws_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:4566")
    message = refused(["collect", "--no-progress", "--lake", tmp_path / "lake"], monkeypatch, capsys)
    assert "endpoint URL 'localhost:4566' (--endpoint-url, AWS_ENDPOINT_URL or the config file)" in message


def test_apply_with_a_profile_that_does_not_exist_is_one_line(aws_env, tmp_path, monkeypatch, capsys):
    args = ["apply", "--service", "checkout-api", "--lake", tmp_path, "--profile", "nosuch", "--dry-run"]
    message = refused(args, monkeypatch, capsys)
    assert message.startswith("The config profile (nosuch) could not be found")


def test_an_aws_profile_variable_naming_no_profile_is_one_line(aws_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_PROFILE", "typo")
    args = ["apply", "--service", "checkout-api", "--lake", tmp_path, "--dry-run"]
    assert "profile (typo) could not be found" in refused(args, monkeypatch, capsys)


def test_collect_in_a_region_without_app_runner_names_the_known_ones(aws_env, tmp_path, monkeypatch, capsys):
    args = ["collect", "--no-progress", "--lake", tmp_path / "lake", "--region", "mars-1"]
    args += ["--endpoint-url", "http://127.0.0.1:9"]  # the sandbox's address: refused before any call
    message = refused(args, monkeypatch, capsys)
    # botocore's endpoint data lists App Runner in these eleven regions (botocore 1.44)
    known = "ap-northeast-1, ap-south-1, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1, eu-west-2, "
    known += "eu-west-3, us-east-1, us-east-2, us-west-2"
    assert message == f"App Runner is not available in mars-1: allowed {known} or 'all'"


# --- recommend --------------------------------------------------------------------------------------


OFFLINE = "to --from-trace and --from-metrics only"


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--cpu", "3"], f"--cpu applies {OFFLINE}"),
        (["--knee", "-1"], "--knee applies to --from-trace only"),
        (["--latency-s", "nan"], "--latency-s applies to --from-trace only"),
        (["--region", "mars-1"], f"--region applies {OFFLINE}"),
        (["--memory", "4", "--current", "50/1/5"], f"--current, --memory apply {OFFLINE}"),
        (["--memory", "4", "--seed", "3"], "--seed applies to --from-trace only"),
    ],
)
def test_recommend_refuses_trace_flags_on_the_lake(flags, named, tmp_path, monkeypatch, capsys):
    message = refused(["recommend", "--lake", tmp_path, *flags], monkeypatch, capsys)
    assert message.startswith(named)


def test_recommend_lake_flags_at_their_defaults_are_no_complaint(tmp_path, monkeypatch, capsys):
    """Typing a default is not the same as typing nothing: only typed flags are refused."""
    message = refused(
        ["recommend", "--lake", tmp_path / "missing", "--strategy", "balanced"], monkeypatch, capsys
    )
    assert "--from-trace" not in message


@pytest.mark.parametrize(("flag", "value"), [("--knee", "nan"), ("--latency-s", "inf"), ("--knee", "-1")])
def test_recommend_from_a_trace_needs_finite_behaviour(flag, value, trace_file, monkeypatch, capsys):
    message = refused(["recommend", "--from-trace", trace_file, flag, value], monkeypatch, capsys)
    assert message == f"{flag}={float(value)!r} is invalid: allowed a finite number above 0"


@pytest.mark.parametrize("days", ["inf", "1e6", "0"])
def test_recommend_horizon_is_bounded(days, trace_file, monkeypatch, capsys):
    message = refused(["recommend", "--from-trace", trace_file, "--horizon-days", days], monkeypatch, capsys)
    assert message.startswith("--horizon-days ") and "up to 455 days" in message


# --- sandbox ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_sandbox_port_outside_tcp_is_refused_not_replaced(port, monkeypatch, capsys):
    message = refused(["sandbox", "start", "--port", port], monkeypatch, capsys)
    assert message == f"--port {port} is invalid: allowed 1 to 65535, or 0 for any free port"


@pytest.mark.parametrize(
    ("flags", "start"),
    [
        (["--days", "inf"], "--days inf is invalid"),
        (["--days", "1e6"], "--days 1e+06 is invalid"),
        (["--services", "-2"], "--services -2 is invalid"),
        (["--operation-seconds", "nan"], "--operation-seconds nan is invalid"),
    ],
)
def test_sandbox_start_refuses_what_it_cannot_seed(flags, start, monkeypatch, capsys):
    assert refused(["sandbox", "start", "--port", "0", *flags], monkeypatch, capsys).startswith(start)


@pytest.mark.parametrize("hours", ["inf", "nan", "1e9", "0"])
def test_sandbox_advance_hours_are_finite_and_bounded(hours, monkeypatch, capsys):
    args = ["sandbox", "advance", "--hours", hours, "--endpoint-url", "http://127.0.0.1:9"]
    message = refused(args, monkeypatch, capsys)
    assert message.startswith("--hours ") and "up to 10920" in message  # 455 days * 24


def test_sandbox_status_at_a_bad_address_is_bad_input(monkeypatch, capsys):
    message = refused(["sandbox", "status", "--endpoint-url", "localhost:4566"], monkeypatch, capsys)
    assert message.startswith("endpoint URL 'localhost:4566'")


def test_a_sandbox_busy_past_the_timeout_is_an_error_not_a_traceback():
    """While the sandbox seeds, a health check may time out: the demo's wait must read that as "not yet"."""
    from advisor.cli.commands.sandbox import control
    from advisor.errors import AdvisorError

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(AdvisorError, match="no sandbox answers at"):
            control(f"http://127.0.0.1:{silent.getsockname()[1]}", "health", timeout=0.5)


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # a web server that says nothing on stderr
        pass


def test_an_endpoint_that_is_not_a_sandbox_says_so(tmp_path, monkeypatch, capsys):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietFiles)
    (tmp_path / "_sandbox").mkdir()
    (tmp_path / "_sandbox" / "health").write_text("<html>a web page</html>")
    monkeypatch.chdir(tmp_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        code, _, err = cli(["sandbox", "status", "--endpoint-url", url], monkeypatch, capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    assert err.strip() == (
        f"advisor: error: {url}/_sandbox/health answered, but not as a sandbox (no JSON): "
        "is --endpoint-url the sandbox's address?"
    )


# --- found by trying more bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--example", "steady", "--days", "1", "--seed", "-1"],
        ["recommend", "--from-trace", "TRACE", "--seed", "-1"],
        ["sandbox", "start", "--port", "0", "--seed", "-1"],
    ],
)
def test_a_negative_seed_is_refused_by_the_flag(args, trace_file, monkeypatch, capsys):
    """numpy's generators take no negative seed: it was a ValueError traceback from inside numpy."""
    args = [str(trace_file) if a == "TRACE" else a for a in args]
    assert "Invalid value for '--seed': Input should be greater than or equal to 0" in refused(
        args, monkeypatch, capsys
    )


def test_schedule_checks_its_period_before_the_first_run(tmp_path, monkeypatch, capsys):
    """It ran the chain, logged InputError's traceback and exited 1; a typo is bad input, said at once."""
    args = ["schedule", "--once", "--lake", tmp_path, "--out", tmp_path / "r", "--period", "7days"]
    message = refused(args, monkeypatch, capsys)
    assert message == "--period '7days' is invalid: allowed 7d, 30d (any Nd from 1d to 455d) or custom"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("age", ["99999999999999999d", "36526d"])
def test_prune_age_beyond_any_date_is_bad_input(age, tmp_path, monkeypatch, capsys):
    message = refused(["lake", "prune", "--lake", tmp_path, "--older-than", age], monkeypatch, capsys)
    assert message == f"--older-than '{age}' is invalid: allowed a number of days from 1 to 36525, e.g. 90d"


def test_sandbox_start_on_a_port_in_use_is_one_line(monkeypatch, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        message = refused(["sandbox", "start", "--port", port, "--services", "1"], monkeypatch, capsys)
    assert message == (
        f"--port {port}: 127.0.0.1:{port} is in use (another sandbox or dashboard?); "
        "stop it or choose another --port"
    )


def test_a_trace_with_impossible_counts_is_refused_not_overflowed(tmp_path, monkeypatch, capsys):
    """1e308 requests a minute summed to inf: simulate printed overflow warnings and a nonsense bill."""
    path = tmp_path / "huge.csv"
    stamps = ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"]
    pd.DataFrame({"timestamp": stamps, "requests": [1e308, 5]}).to_csv(path, index=False)
    message = refused(["simulate", "--trace", path], monkeypatch, capsys)
    assert message == (
        f"trace {path}: 1 minutes have more than 1e+12 requests, first 2026-01-01 00:00:00+00:00 (1e+308); "
        "check the requests column's unit"
    )


def test_actions_of_a_lake_that_does_not_exist_is_refused(tmp_path, monkeypatch, capsys):
    message = refused(["actions", "--lake", tmp_path / "nowhere"], monkeypatch, capsys)
    assert "nowhere: no such directory" in message
