"""`advisor simulate` as a user runs it: a real process, real files, exit codes and one-line errors."""

import json
import math
import subprocess
import sys

import pandas as pd
import pytest


def advisor(*args, check=False):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *map(str, args)], capture_output=True, text=True, check=check
    )


@pytest.fixture
def trace_file(tmp_path):
    stamps = pd.date_range("2026-01-01", periods=600, freq="1min", tz="UTC")
    requests = [24_000 if 100 <= i < 130 else 2_400 for i in range(600)]
    path = tmp_path / "trace.csv"
    pd.DataFrame({"timestamp": stamps, "requests": requests}).to_csv(path, index=False)
    return path


def test_json_has_the_documented_fields_and_the_simulators_numbers(trace_file):
    run = advisor("simulate", "--trace", trace_file, "-c", 80, "-m", 1, "-M", 5, "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    for key in (
        "monthly_cost_usd",
        "cost_usd",
        "breach_minutes",
        "minutes",
        "active_instance_hours",
        "provisioned_instance_hours",
        "config",
    ):
        assert key in data
    assert data["config"] == {"max_concurrency": 80, "min_size": 1, "max_size": 5}
    assert data["minutes"] == 600
    assert data["cost_usd"] == pytest.approx(HAND_COST_USD, rel=1e-9)
    assert data["breach_minutes"] == 1


# The trace under 80/1/5, worked by hand with PROTOCOL.md (L0 0.25 s, knee 80, 1-minute scale-out delay,
# 5-minute hold; $0.007/GB-hour for the 2 GB of every provisioned instance, $0.064/vCPU-hour for the
# active share R (1 - exp(-D / R))). Demand is 2,400 / 60 x 0.25 = 10 concurrent requests, and 100 in
# minutes 100-129. Wanted instances: 1, and 2 in minutes 100-134 (the hold); ready ones a minute later:
# 2 in minutes 101-135. Minute 100 has 100 requests on one instance of 80: the one breach minute.
# Provisioned max(wanted, ready): 2 in minutes 100-135 (36 minutes), 1 in the other 564.
_MEMORY = 2 * 0.007 * (564 * 1 + 36 * 2) / 60
_ACTIVE = (
    564 * (1 - math.exp(-10))  # one instance, 10 requests
    + 1 * (1 - math.exp(-100))  # minute 100: one instance, 100 requests
    + 29 * 2 * (1 - math.exp(-50))  # minutes 101-129: two instances, 50 requests each
    + 6 * 2 * (1 - math.exp(-5))  # minutes 130-135: two instances held, 5 requests each
)
HAND_COST_USD = _MEMORY + 0.064 * _ACTIVE / 60


def test_table_reads_like_a_report(trace_file):
    run = advisor("simulate", "--trace", trace_file, "-c", 80, "-m", 1, "-M", 5)
    assert run.returncode == 0, run.stderr
    for words in ("80/1/5", "monthly cost", "breach minutes", "1 vCPU / 2 GB"):
        assert words in run.stdout


def test_per_minute_output(trace_file, tmp_path):
    out = tmp_path / "minutes.csv"
    assert advisor("simulate", "--trace", trace_file, "--per-minute", out).returncode == 0
    frame = pd.read_csv(out)
    assert len(frame) == 600
    assert {"demand", "ready", "active", "breach", "cost_usd", "requests"} <= set(frame.columns)


def test_built_in_example_runs_without_any_file():
    run = advisor("simulate", "--example", "bursty", "--days", 2, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["minutes"] == 2 * 1440


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", 300], "MaxConcurrency=300 is invalid: allowed an integer from 1 to 200"),
        (["-m", 5, "-M", 2], "MaxSize=2 is invalid: allowed at least MinSize (5)"),
        (["--cpu", 1, "--memory", 8], "Memory=8.0 is invalid"),
        (["--bogus"], "No such option: --bogus"),
        (["-c", "many"], "Invalid value for '--max-concurrency'"),
    ],
)
def test_bad_input_exits_2_with_one_line(trace_file, args, message):
    run = advisor("simulate", "--trace", trace_file, *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_bad_trace_exits_2_with_one_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,requests\n2026-01-01 00:00,1\n2026-01-01 00:01,-3\n")
    run = advisor("simulate", "--trace", path)
    assert run.returncode == 2
    expected = f"trace {path}: 1 request counts are negative, first at row 1 (-3); counts must be 0 or more"
    assert run.stderr.strip() == f"advisor: error: {expected}"


def test_trace_or_example_not_both_nor_neither(trace_file):
    assert advisor("simulate").returncode == 2
    assert advisor("simulate", "--trace", trace_file, "--example", "steady").returncode == 2


def test_warnings_are_visible_but_do_not_fail(trace_file):
    run = advisor("simulate", "--trace", trace_file, "--region", "mars-1", "-M", 30, "--format", "json")
    assert run.returncode == 0
    assert "using us-east-1 prices" in run.stderr
    assert "quota increase" in run.stderr
    assert json.loads(run.stdout)["prices_fallback_for"] == "us-east-1"


def test_a_region_without_published_prices_is_priced_as_an_estimate(trace_file):
    frankfurt = advisor("simulate", "--trace", trace_file, "--region", "eu-central-1", "--format", "json")
    virginia = advisor("simulate", "--trace", trace_file, "--region", "us-east-1", "--format", "json")
    assert json.loads(frankfurt.stdout)["prices_estimate"] is True
    assert json.loads(virginia.stdout)["prices_estimate"] is False
    table = advisor("simulate", "--trace", trace_file, "--region", "eu-central-1")
    assert "≈$" in table.stdout and "docs/pricing.md" in table.stdout
    assert "≈$" not in advisor("simulate", "--trace", trace_file).stdout


def test_real_trace_as_a_newcomer_would(shared_traces):
    path = shared_traces / "nasa_ksc_http_1995-07_1min.parquet"
    run = advisor("simulate", "--trace", path, "-c", 100, "-m", 1, "-M", 25)
    assert run.returncode == 0, run.stderr
    assert "39,692" in run.stdout  # minutes replayed


def test_help_lists_simulate():
    run = advisor("--help")
    assert run.returncode == 0
    assert "simulate" in run.stdout


def test_the_flags_defaults_are_the_protocols_model_and_shapes():
    from advisor.cli import options
    from advisor.engine.simulate import PROTOCOL_MODEL
    from advisor.workload.traffic import SHAPES

    assert PROTOCOL_MODEL.latency_s == options.PROTOCOL_LATENCY_S
    assert PROTOCOL_MODEL.knee == options.PROTOCOL_KNEE
    assert PROTOCOL_MODEL.slo_factor == options.PROTOCOL_SLO_FACTOR
    assert PROTOCOL_MODEL.scale_out_delay_min == options.PROTOCOL_SCALE_OUT_DELAY_MIN
    assert PROTOCOL_MODEL.scale_in_hold_min == options.PROTOCOL_SCALE_IN_HOLD_MIN
    assert tuple(SHAPES) == options.TRAFFIC_SHAPES


@pytest.mark.parametrize(
    "command",
    [[], ["recommend"], ["explain"], ["migrate-whatif"], ["collect"], ["apply"], ["report"], ["simulate"]],
)
def test_help_starts_without_pandas_the_engine_or_boto3(command):
    probe = (
        "import sys\n"
        "from advisor.cli import app\n"
        f"try: app({[*command, '--help']!r})\n"
        "except SystemExit: pass\n"
        "heavy = ('pandas', 'sklearn', 'boto3', 'advisor.engine.simulate')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_a_format_the_command_does_not_speak_is_bad_input(trace_file):
    run = advisor("simulate", "--trace", trace_file, "--format", "csv")
    assert run.returncode == 2 and "--format csv" in run.stderr and "allowed table, json" in run.stderr
