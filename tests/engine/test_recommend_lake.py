"""`advisor recommend` on a lake: a small fleet written by hand, the command run as a user runs it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest
from shapes import scaled

from advisor import cli
from advisor.domain import METRIC_STATS, METRIC_UNITS, ServiceRef
from advisor.engine.offline import metrics_from_trace
from advisor.engine.telemetry import column
from advisor.lake.reader import read_table
from advisor.lake.writer import write
from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate

SNAPSHOT = datetime(2026, 3, 10, tzinfo=UTC)


def ref(name: str, n: int) -> ServiceRef:
    return ServiceRef("123456789012", "us-east-1", name, f"{n:032x}")


BUSY, PAUSED, YOUNG = ref("busy-api", 1), ref("paused-api", 2), ref("young-api", 3)


def metric_rows(service: ServiceRef, requests: pd.Series) -> pd.DataFrame:
    """The `metrics` table rows CloudWatch (via the collector) would give for this traffic under 100/1/25."""
    wide = metrics_from_trace(requests)
    frames = []
    for metric, stat in METRIC_STATS:
        values = wide[column(metric, stat)].dropna()
        frames.append(
            pd.DataFrame(
                {
                    "service_arn": service.arn,
                    "metric": metric,
                    "stat": stat,
                    "period_s": 60,
                    "timestamp": values.index,
                    "value": values.to_numpy(),
                    "unit": METRIC_UNITS[metric],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def service_row(service: ServiceRef, status: str = "RUNNING") -> dict:
    return {
        "snapshot_time": SNAPSHOT,
        "account_id": service.account_id,
        "region": service.region,
        "service_arn": service.arn,
        "service_name": service.service_name,
        "service_id": service.service_id,
        "status": status,
        "cpu_vcpu": 1.0,
        "memory_gb": 2.0,
        "max_concurrency": 100,
        "min_size": 1,
        "max_size": 25,
    }


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    busy = scaled(per_minute(generate("diurnal", days=3, seed=4)))
    young = scaled(per_minute(generate("diurnal", days=0.5, seed=5)))
    paused_traffic = scaled(per_minute(generate("diurnal", days=2, seed=6)))
    for service, requests in ((BUSY, busy), (YOUNG, young), (PAUSED, paused_traffic)):
        write(root, "metrics", metric_rows(service, requests))
    write(
        root,
        "services",
        pd.DataFrame([service_row(BUSY), service_row(PAUSED, "PAUSED"), service_row(YOUNG)]),
    )
    return root


def advisor(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=None if env is None else os.environ | env,
    )


def in_process(monkeypatch, capsys, *args) -> tuple[int, str]:
    """The CLI's entry point in this process (bad input fails before any work: no interpreter to start)."""
    monkeypatch.setattr(sys, "argv", ["advisor", *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    return exit_.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def json_run(lake):
    run = advisor("recommend", "--lake", lake, "--format", "json", "--no-right-size")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_json_has_one_recommendation_per_service(json_run):
    by_name = {item["service_name"]: item for item in json_run}
    assert set(by_name) == {"busy-api", "paused-api", "young-api"}
    busy = by_name["busy-api"]
    assert busy["status"] == "ok" and busy["service_arn"] == BUSY.arn
    assert set(busy["recommended"]) == {"max_concurrency", "min_size", "max_size", "cpu", "memory"}
    assert busy["current"]["max_concurrency"] == 100
    assert busy["knee"]["points"] and busy["forecast"]["hourly"] and busy["frontier"]
    assert by_name["paused-api"]["status"] == "paused" and by_name["paused-api"]["recommended"] is None
    assert by_name["young-api"]["status"] == "insufficient_data"
    assert by_name["young-api"]["recommended"] is None
    assert "day" in by_name["young-api"]["reasons"][0]


def test_rows_land_in_the_lake_once_per_service_and_data(lake, json_run):
    rows = read_table(lake, "recommendations")
    assert sorted(rows["service_name"]) == ["busy-api", "paused-api", "young-api"]
    busy = rows[rows["service_arn"] == BUSY.arn].iloc[0]
    last_metric = read_table(lake, "metrics").query("service_arn == @BUSY.arn")["timestamp"].max()
    assert busy["generated_at"] == last_metric
    assert busy["recommended_max_concurrency"] > 0 and busy["confidence"] in ("low", "medium", "high")
    evidence = json.loads(busy["evidence_json"])
    assert evidence["recommended"]["max_concurrency"] == busy["recommended_max_concurrency"]
    young = rows[rows["service_arn"] == YOUNG.arn].iloc[0]
    assert pd.isna(young["recommended_max_concurrency"]) and "No recommendation" in young["explanation"]

    again = advisor("recommend", "--lake", lake, "--format", "csv", "--no-right-size")  # same data
    assert again.returncode == 0, again.stderr
    assert len(read_table(lake, "recommendations")) == 3
    csv = pd.read_csv(io.StringIO(again.stdout))
    assert list(csv["service_name"]) == ["busy-api", "paused-api", "young-api"]
    assert {"status", "recommended_max_concurrency", "monthly_savings", "reason"} <= set(csv.columns)


def test_table_names_every_service_and_fits_80_columns(lake, json_run):
    run = advisor(
        "recommend", "--lake", lake, "--service", "busy-api", "--service", "young-api", env={"COLUMNS": "80"}
    )
    assert run.returncode == 0, run.stderr
    for words in ("busy-api", "young-api", "100/1/25", "conf.", "No recommendation", "total"):
        assert words in run.stdout
    assert "paused-api" not in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 80


def test_progress_goes_to_stderr_and_json_stays_clean(lake):
    # FORCE_COLOR makes stderr a terminal for rich, as a user's is; the refusals are quick to make.
    run = advisor(
        "recommend", "--lake", lake, "--service", "young-api", "--service", "paused-api",
        "--format", "json", env={"FORCE_COLOR": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [item["service_name"] for item in json.loads(run.stdout)] == ["paused-api", "young-api"]
    assert "recommend" in run.stderr and "2/2" in run.stderr


def test_a_bad_sort_is_bad_input_before_any_work(lake, monkeypatch, capsys):
    code, err = in_process(monkeypatch, capsys, "recommend", "--lake", lake, "--sort", "price")
    assert code == 2 and "--sort" in err and "savings" in err and len(err.strip().splitlines()) == 1


def stored_busy(lake) -> pd.Series:
    """busy-api's row in the lake, as the last `advisor recommend` of this module left it."""
    rows = read_table(lake, "recommendations")
    return rows[rows["service_arn"] == BUSY.arn].sort_values("generated_at").iloc[-1]


def test_explain_prints_every_reason_whole(lake, json_run):
    run = advisor("explain", "busy-api", "--lake", lake, env={"COLUMNS": "80"})
    assert run.returncode == 0, run.stderr
    busy = stored_busy(lake)
    for reason in busy["explanation"].split("\n"):
        assert reason in run.stdout
    assert f"{int(busy['recommended_max_concurrency'])}/" in run.stdout and "Evidence" in run.stdout


def test_explain_json_is_the_stored_recommendation_whole(lake, json_run):
    run = advisor("explain", "busy-api", "--lake", lake, "--format", "json")
    assert run.returncode == 0, run.stderr
    stored, busy = json.loads(run.stdout), stored_busy(lake)
    assert stored["reasons"] == busy["explanation"].split("\n")
    assert stored["recommended"]["max_concurrency"] == busy["recommended_max_concurrency"]
    assert stored["service_arn"] == BUSY.arn and len(stored["id"]) == 12


def test_explain_an_unknown_service_is_bad_input(lake, json_run, monkeypatch, capsys):
    code, err = in_process(monkeypatch, capsys, "explain", "nope-api", "--lake", lake)
    assert code == 2 and "nope-api" in err and "busy-api" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--service", "nope-api"), "nope-api"),
        (("--profile", "yolo"), "profile"),
        (("--from-trace", "x.csv"), "--from-trace"),
    ],
)
def test_bad_input_exits_2(lake, args, words, monkeypatch, capsys):
    code, err = in_process(monkeypatch, capsys, "recommend", "--lake", lake, *args)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_empty_lake_is_bad_input(tmp_path, monkeypatch, capsys):
    code, err = in_process(monkeypatch, capsys, "recommend", "--lake", tmp_path)
    assert code == 2 and "advisor collect" in err


def test_a_failing_service_does_not_stop_the_others(lake, tmp_path):
    broken = ref("broken-api", 4)
    root = tmp_path / "lake"
    bad_size = service_row(broken) | {"cpu_vcpu": 3.0}  # no such instance size: this service fails
    write(root, "services", pd.DataFrame([service_row(BUSY), bad_size]))
    busy_rows = read_table(lake, "metrics").query("service_arn == @BUSY.arn")
    write(root, "metrics", busy_rows.drop(columns=["region", "service_id", "date"]))
    run = advisor("recommend", "--lake", root, "--format", "json", "--no-right-size")
    assert run.returncode == 1 and "broken-api" in run.stderr
    by_name = {item["service_name"]: item for item in json.loads(run.stdout)}
    assert by_name["broken-api"]["status"] == "error" and by_name["busy-api"]["status"] == "ok"
    assert list(read_table(root, "recommendations")["service_name"]) == ["busy-api"]


def test_the_pipeline_reports_each_service_as_it_is_done(lake):
    from advisor.engine.recommender import RecommendSettings
    from advisor.recommend.pipeline import recommend_lake

    calls = []
    recommend_lake(
        lake,
        ("young-api", "paused-api"),
        RecommendSettings(right_size=False),
        progress=lambda *a: calls.append(a),
    )
    assert calls == [("paused-api", 1, 2), ("young-api", 2, 2)]


def test_json_carries_the_model_check_of_the_current_configuration(json_run):
    busy = next(item for item in json_run if item["service_name"] == "busy-api")
    rows = {row["quantity"]: row for row in busy["model_check"]}
    assert set(rows) == {"active instance hours", "throttled requests", "latency-breach minutes", "cost"}
    hours = rows["active instance hours"]
    assert hours["observed"] > 0 and hours["error_pct"] == pytest.approx(
        100 * (hours["modeled"] - hours["observed"]) / hours["observed"]
    )
    assert rows["cost"]["observed"] is None and "no Cost Explorer data" in rows["cost"]["note"]
    assert busy["model_check_summary"]["minutes"] == busy["data"]["minutes"]


def test_explain_shows_the_model_against_what_was_observed(lake, json_run):
    run = advisor("explain", "busy-api", "--lake", lake, env={"COLUMNS": "120"})
    assert run.returncode == 0, run.stderr
    assert "Model vs observed" in run.stdout and "active instance hours" in run.stdout
    assert "latency-breach minutes" in run.stdout and "no Cost Explorer data" in run.stdout


def test_the_check_starts_when_the_current_configuration_took_effect(tmp_path):
    from advisor.lake.views import ServiceRecord
    from advisor.recommend.pipeline import config_since

    before, after = service_row(BUSY), service_row(BUSY)
    after |= {"snapshot_time": SNAPSHOT + pd.Timedelta(days=1), "min_size": 3}
    write(tmp_path, "services", pd.DataFrame([before]))
    assert config_since(tmp_path, ServiceRecord.from_row(before)) is None  # nothing says it ran another
    write(tmp_path, "services", pd.DataFrame([after]))
    assert config_since(tmp_path, ServiceRecord.from_row(after)) == SNAPSHOT + pd.Timedelta(days=1)
