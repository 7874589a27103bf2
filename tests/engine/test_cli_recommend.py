"""`advisor recommend --from-trace` and `advisor bench` as a user runs them: real processes, exit codes."""

import csv
import io
import json
import subprocess
import sys

import pytest
from shapes import CHARTED, scaled

from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate


def advisor(*args):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def trace_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traces")
    requests = scaled(per_minute(generate("diurnal", days=2.25, seed=9)))
    requests.rename("requests").rename_axis("timestamp").reset_index().to_csv(
        folder / "diurnal.csv", index=False
    )
    return folder


def test_recommend_json_has_what_the_dashboard_charts(trace_dir):
    run = advisor(
        "recommend", "--from-trace", trace_dir / "diurnal.csv", "--format", "json", "--no-right-size"
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data["recommended"]) == {"max_concurrency", "min_size", "max_size", "cpu", "memory"}
    assert data["current"]["max_concurrency"] == 100
    for key in CHARTED:
        assert data[key] is not None, key
    assert data["knee"]["points"] and data["forecast"]["hourly"] and data["frontier"]


def test_recommend_table_explains_itself(trace_dir):
    run = advisor("recommend", "--from-trace", trace_dir / "diurnal.csv", "--no-right-size")
    assert run.returncode == 0, run.stderr
    for words in ("recommended", "knee", "monthly savings", "MaxConcurrency"):
        assert words in run.stdout


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--strategy", "yolo", "profile='yolo'"),
        ("--profile", "yolo", "--strategy"),
        ("--knee", "0", "--knee"),
        ("--cpu", "3", "Cpu"),
    ],
)
def test_bad_input_exits_2_with_one_line(trace_dir, flag, value, words):
    run = advisor("recommend", "--from-trace", trace_dir / "diurnal.csv", flag, value)
    assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_bench_scores_every_trace_in_the_folder(trace_dir):
    run = advisor("bench", "--traces", trace_dir, "--format", "json")
    assert run.returncode == 0, run.stderr
    (trace,) = json.loads(run.stdout)["traces"]
    assert trace["trace"] == "diurnal.csv"
    assert {"cost_ratio", "breach_budget_minutes", "savings_vs_default", "optimum", "baseline"} <= set(trace)


def test_bench_without_traces_is_bad_input(tmp_path):
    run = advisor("bench", "--traces", tmp_path)
    assert run.returncode == 2 and "no .parquet or .csv" in run.stderr


def test_a_strategy_given_to_the_old_profile_flag_still_works_with_a_warning(trace_dir):
    trace = trace_dir / "diurnal.csv"
    old = advisor("recommend", "--from-trace", trace, "--profile", "performance", "--format", "json")
    new = advisor("recommend", "--from-trace", trace, "--strategy", "performance", "--format", "json")
    assert old.returncode == new.returncode == 0, old.stderr
    assert "deprecated" in old.stderr and "--strategy performance" in old.stderr
    assert new.stderr == ""
    assert json.loads(old.stdout)["recommended"] == json.loads(new.stdout)["recommended"]
    assert json.loads(old.stdout)["profile"] == "performance"


def test_bench_takes_the_old_profile_flag_with_the_same_warning(trace_dir):
    run = advisor("bench", "--traces", trace_dir, "--profile", "cost-saver", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "deprecated" in run.stderr and "--strategy cost-saver" in run.stderr


def test_two_different_strategies_are_bad_input(trace_dir):
    trace = trace_dir / "diurnal.csv"
    run = advisor("recommend", "--from-trace", trace, "--strategy", "performance", "--profile", "cost-saver")
    assert run.returncode == 2 and "--strategy only" in run.stderr


@pytest.fixture(scope="module")
def quiet_trace(tmp_path_factory):
    """A day and a half of steady traffic that App Runner's defaults already serve at the lowest cost:
    the best candidate (about 53/1/2) saves $0.00 a month, like orders-api in issue 13."""
    path = tmp_path_factory.mktemp("quiet") / "steady.csv"
    requests = scaled(per_minute(generate("steady", days=1.5, seed=0)), 50)
    requests.rename("requests").rename_axis("timestamp").reset_index().to_csv(path, index=False)
    return path


def test_a_change_worth_nothing_is_keep_current_in_every_format(quiet_trace):
    table = advisor("recommend", "--from-trace", quiet_trace, "--no-right-size")
    assert table.returncode == 0, table.stderr
    assert "keep current" in table.stdout and "Keep current 100/1/25" in table.stdout
    data = json.loads(
        advisor("recommend", "--from-trace", quiet_trace, "--no-right-size", "--format", "json").stdout
    )
    assert data["action"] == "keep" and data["recommended"] == data["current"]
    assert data["monthly_savings_usd"] == 0 and data["reasons"][0].startswith("Keep current 100/1/25")
    assert data["candidate"]["max_concurrency"] != 100
    csv_run = advisor("recommend", "--from-trace", quiet_trace, "--no-right-size", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(csv_run.stdout)))
    assert row["action"] == "keep" and row["reason"].startswith("Keep current 100/1/25")


def test_the_minimum_benefit_is_settable_on_the_command_line(quiet_trace):
    run = advisor(
        "recommend",
        "--from-trace",
        quiet_trace,
        "--no-right-size",
        "--format",
        "json",
        "--min-benefit",
        "0",
        "--min-benefit-pct",
        "0",
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["action"] == "change" and data["recommended"] != data["current"]


@pytest.mark.parametrize(
    ("flag", "value"), [("--min-benefit", "-1"), ("--min-benefit-pct", "101"), ("--max-size-limit", "0")]
)
def test_a_bad_minimum_benefit_or_limit_is_bad_input_naming_the_flag(quiet_trace, flag, value):
    run = advisor("recommend", "--from-trace", quiet_trace, flag, value)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1
    assert f"{flag}={float(value)!r}" in run.stderr or f"{flag}={value}" in run.stderr
    assert "allowed" in run.stderr
