"""`advisor recommend --from-metrics` as a user runs it: a sandbox service's metrics exported long and
wide, CSV and Parquet, against `advisor recommend --lake` on the same lake; the files it must refuse;
docs/from-metrics.md's recipe run against the sandbox with the real AWS CLI.

The commands run in process through `advisor.cli.main` (as tests/test_cli_bad_input.py does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO

import pandas as pd
import pytest

from advisor.cli import main
from advisor.domain import METRIC_STATS
from advisor.errors import InputError
from advisor.lake.reader import read_table, wide_metrics
from advisor.recommend.pipeline import inventory
from advisor.workload.metrics_file import read_metrics_file
from tests.conftest import ROOT, cli, refused

RECIPE = ROOT / "docs" / "from-metrics.md"
LAYOUTS = ["long.csv", "long.parquet", "wide.csv", "wide.parquet"]
NEEDED = ["Requests_Sum", "RequestLatency_p99", "Concurrency_Average", "ActiveInstances_Average"]


@pytest.fixture(scope="module")
def service(sandbox_lake):
    """checkout-api's inventory row in the sandbox lake (it runs 150/1/2: not App Runner's defaults)."""
    _, lake = sandbox_lake
    services = inventory(lake)
    return services[services["service_name"] == "checkout-api"].iloc[0]


@pytest.fixture(scope="module")
def exports(sandbox_lake, service, tmp_path_factory):
    """The service's metrics as a user would export them: long (one row per datapoint, with the
    service's ARN) and wide (the lake's own frame, empty cells where CloudWatch reported nothing)."""
    _, lake = sandbox_lake
    folder = tmp_path_factory.mktemp("exports")
    rows = read_table(lake, "metrics")
    rows = rows[rows["service_arn"] == service["service_arn"]]
    long = rows[["timestamp", "service_arn", "metric", "stat", "value"]].sample(frac=1, random_state=1)
    wide = wide_metrics(lake, service["service_arn"]).reset_index()
    long.to_csv(folder / "long.csv", index=False)
    long.drop(columns="service_arn").to_parquet(folder / "long.parquet")
    wide.to_csv(folder / "wide.csv", index=False)
    wide.to_parquet(folder / "wide.parquet")
    return folder


def flags(service) -> list[str]:
    current = f"{service['max_concurrency']}/{service['min_size']}/{service['max_size']}"
    return [
        "--current",
        current,
        "--cpu",
        f"{service['cpu_vcpu']:g}",
        "--memory",
        f"{service['memory_gb']:g}",
        "--region",
        service["region"],
    ]


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_reads_as_the_lakes_own_frame(name, exports, sandbox_lake, service):
    _, lake = sandbox_lake
    read = read_metrics_file(exports / name)
    assert read.layout == name.split(".")[0]
    pd.testing.assert_frame_equal(read.frame, wide_metrics(lake, service["service_arn"]))


@pytest.fixture(scope="module")
def from_the_lake(sandbox_lake, service):
    _, lake = sandbox_lake
    args = ["advisor", "recommend", "--lake", lake, "--service", service["service_name"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", [*map(str, args), "--format", "json", "--no-progress"])
        out = StringIO()
        with redirect_stdout(out), pytest.raises(SystemExit) as exited:
            main()
    assert exited.value.code == 0
    (row,) = json.loads(out.getvalue())
    for key in ("service_name", "service_arn", "generated_at"):
        row.pop(key)
    return row


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_recommendation_is_the_lakes(name, exports, service, from_the_lake, monkeypatch, capsys):
    args = ["recommend", "--from-metrics", exports / name, *flags(service), "--format", "json"]
    code, out, err = cli(args, monkeypatch, capsys)
    assert code == 0, err
    rec = json.loads(out)
    assert rec.pop("source") == str(exports / name)
    assert rec["status"] == "ok" and rec["recommended"] is not None
    assert rec["current"] == from_the_lake["current"]
    assert rec["recommended"] == from_the_lake["recommended"]
    assert rec["monthly_cost_recommended_usd"] == from_the_lake["monthly_cost_recommended_usd"]
    # a lake may also hold the service's bill (Cost Explorer), which a file never does
    for key in ("model_check", "model_check_summary"):
        rec.pop(key, None), from_the_lake.pop(key, None)
    for r in (rec, from_the_lake):  # the model check's reasons (it may lower the confidence) read that bill
        r["reasons"] = [x for x in r["reasons"] if not x.startswith("Model check")]
        r.pop("confidence", None)
    assert rec == from_the_lake


def test_the_table_names_the_file_and_the_given_configuration(exports, service, monkeypatch, capsys):
    code, out, err = cli(
        ["recommend", "--from-metrics", exports / "wide.parquet", *flags(service)], monkeypatch, capsys
    )
    assert code == 0, err
    assert f"Recommendation for {exports / 'wide.parquet'}" in out.replace("\n", "")
    assert "150/1/2" in out


# --- what it refuses ---------------------------------------------------------------------------------


def minutes(n: int = 60, start: str = "2026-03-01", step: str = "1min") -> pd.DataFrame:
    """A wide file of `n` plausible periods with the needed metrics."""
    stamps = pd.date_range(start, periods=n, freq=step, tz="UTC")
    values = {"Requests_Sum": 600.0, "RequestLatency_p99": 250.0, "Concurrency_Average": 2.5}
    return pd.DataFrame({"timestamp": stamps, **values, "ActiveInstances_Average": 1.0})


def long_of(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.melt(id_vars="timestamp", var_name="name")
    pairs = long.pop("name").str.split("_", n=1)
    return long.assign(metric=pairs.str[0], stat=pairs.str[1])[["timestamp", "metric", "stat", "value"]]


def write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path)
    return str(path)


def from_metrics(path, monkeypatch, capsys, *more) -> str:
    return refused(["recommend", "--from-metrics", path, *more], monkeypatch, capsys)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_missing_needed_metrics_are_named(suffix, tmp_path, monkeypatch, capsys):
    path = write(
        minutes().drop(columns=["Concurrency_Average", "ActiveInstances_Average"]), tmp_path / f"m{suffix}"
    )
    message = from_metrics(path, monkeypatch, capsys)
    assert message.startswith(
        f"metrics file {path}: no data for Concurrency_Average, ActiveInstances_Average;"
    )
    assert "needs Requests_Sum; RequestLatency_p99 or RequestLatency_Average;" in message
    assert message.endswith("found: RequestLatency_p99, Requests_Sum")


def test_a_needed_metric_that_is_all_empty_is_missing(tmp_path, monkeypatch, capsys):
    frame = minutes().assign(RequestLatency_p99=float("nan"))
    message = from_metrics(write(frame, tmp_path / "m.csv"), monkeypatch, capsys)
    assert "no data for RequestLatency_p99 or RequestLatency_Average;" in message


def test_average_latency_stands_in_for_p99(tmp_path):
    frame = minutes().rename(columns={"RequestLatency_p99": "RequestLatency_Average"})
    assert "RequestLatency_Average" in read_metrics_file(write(frame, tmp_path / "m.csv")).frame


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_five_minute_data_is_refused_with_how_to_export(layout, tmp_path, monkeypatch, capsys):
    frame = minutes(600, step="5min")
    frame = frame if layout == "wide" else long_of(frame)
    message = from_metrics(write(frame, tmp_path / "m.csv"), monkeypatch, capsys)
    assert "has 5-minute data (its timestamps are 300 s apart)" in message
    assert "export with a period of 60 seconds" in message


def test_sub_minute_data_is_refused(tmp_path, monkeypatch, capsys):
    message = from_metrics(write(minutes(step="10s"), tmp_path / "m.csv"), monkeypatch, capsys)
    assert "has 10-second data" in message


def test_gaps_are_not_a_wrong_period(tmp_path):
    frame = minutes(2000).drop(index=range(100, 400))  # a quiet spell CloudWatch reported nothing for
    read = read_metrics_file(write(frame, tmp_path / "m.csv"))
    assert len(read.frame) == 2000 and read.frame["Requests_Sum"].isna().sum() == 300


def test_a_second_service_is_refused(tmp_path, monkeypatch, capsys):
    frame = long_of(minutes()).assign(ServiceName="checkout-api")
    frame.loc[frame.index[-5:], "ServiceName"] = "admin-tool"
    path = write(frame, tmp_path / "m.csv")
    message = from_metrics(path, monkeypatch, capsys)
    assert message == f"{path} mixes 2 services (admin-tool, checkout-api): export one service per file"


def test_one_named_service_is_kept(tmp_path):
    frame = minutes().assign(service_arn="arn:aws:apprunner:us-east-1:123456789012:service/a/1")
    assert read_metrics_file(write(frame, tmp_path / "m.parquet")).service.endswith("service/a/1")


def test_two_values_for_one_minute_are_refused(tmp_path, monkeypatch, capsys):
    long = long_of(minutes())
    clash = long.iloc[[0]].assign(value=700.0)
    message = from_metrics(write(pd.concat([long, clash]), tmp_path / "m.csv"), monkeypatch, capsys)
    assert "2 rows give different values for the same minute and metric, first Requests Sum at " in message
    assert "(600 and 700)" in message


def test_exact_repeats_are_dropped(tmp_path):
    long = long_of(minutes())
    read = read_metrics_file(write(pd.concat([long, long.iloc[:30]]), tmp_path / "m.csv"))
    assert (read.frame["Requests_Sum"] == 600).all()


@pytest.mark.parametrize(
    ("change", "unknown"),
    [
        (
            lambda f: f.rename(columns={"Requests_Sum": "RequestCount_Sum"}),
            "unknown column 'RequestCount_Sum'",
        ),
        (lambda f: f.rename(columns={"Concurrency_Average": "Concurrency_p99"}), "'Concurrency_p99'"),
        (lambda f: long_of(f).replace({"CPUUtilization": "x"}).replace({"Sum": "Total"}), "Requests Total"),
    ],
)
def test_unknown_names_are_listed_with_the_known(change, unknown, tmp_path, monkeypatch, capsys):
    message = from_metrics(write(change(minutes()), tmp_path / "m.csv"), monkeypatch, capsys)
    assert unknown in message
    assert "known (as Metric_Stat, or metric and stat in a long file): Requests_Sum, " in message
    assert all(f"{m}_{s}" in message for m, s in METRIC_STATS)


def test_names_in_any_letter_case_are_app_runners(tmp_path):
    frame = minutes().rename(columns=str.lower)
    assert list(read_metrics_file(write(frame, tmp_path / "m.csv")).frame.columns) == sorted(NEEDED)


def test_a_long_file_missing_its_value_column(tmp_path, monkeypatch, capsys):
    frame = long_of(minutes()).drop(columns="value")
    message = from_metrics(write(frame, tmp_path / "m.csv"), monkeypatch, capsys)
    assert "missing column 'value'; a long file has timestamp, metric, stat, value" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"timestamp,Requests_Sum\n", "has no rows"),
        (b"when,Requests_Sum\n2026-03-01,1\n", "no 'timestamp' column (found: when, Requests_Sum)"),
        (b"timestamp,Requests_Sum\nyesterday,1\n", "1 timestamps cannot be read as dates, first at row 0"),
        (
            b"timestamp,Requests_Sum\n2026-03-01T00:00:30Z,1\n2026-03-01T00:01:30Z,1\n",
            "not on a whole minute",
        ),
        (
            b"timestamp,Requests_Sum\n2026-03-01T00:00Z,1\n2026-03-01T00:01Z,lots\n",
            "1 values are missing or not",
        ),
    ],
)
def test_files_that_make_no_sense(content, message, tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    said = from_metrics(path, monkeypatch, capsys)
    assert said.startswith(f"metrics file {path}: ") and message in said


def test_an_unreadable_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "m.parquet").write_bytes(b"not parquet at all")
    assert "cannot be read (" in from_metrics(tmp_path / "m.parquet", monkeypatch, capsys)
    assert from_metrics(tmp_path / "none.csv", monkeypatch, capsys).endswith("none.csv: no such file")


def test_too_short_a_span_is_the_recommenders_own_rule(tmp_path, monkeypatch, capsys):
    message = from_metrics(write(minutes(120), tmp_path / "m.csv"), monkeypatch, capsys)
    assert "No recommendation: 120 minutes of metrics; at least 1 day (1,440 minutes" in message
    assert message.endswith("Export a longer span: CloudWatch keeps 1-minute metrics for 15 days")


def test_epoch_seconds_and_offsets_are_utc(tmp_path):
    frame = minutes(3)
    epoch = frame.assign(timestamp=(frame["timestamp"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta("1s"))
    tokyo = frame.assign(timestamp=frame["timestamp"].dt.tz_convert("Asia/Tokyo").astype(str))
    naive = frame.assign(timestamp=frame["timestamp"].dt.tz_localize(None).astype(str))
    expected = read_metrics_file(write(frame, tmp_path / "utc.csv")).frame
    for name, variant in (("epoch", epoch), ("tokyo", tokyo), ("naive", naive)):
        pd.testing.assert_frame_equal(
            read_metrics_file(write(variant, tmp_path / f"{name}.csv")).frame, expected
        )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "100/1",
            "--current 100/1: configuration='100/1' is invalid: allowed MaxConcurrency/MinSize/MaxSize",
        ),
        ("0/1/25", "--current 0/1/25: MaxConcurrency='0' is invalid: allowed an integer from 1 to 200"),
        ("100/5/2", "--current 100/5/2: MaxSize='2' is invalid: allowed at least MinSize (5)"),
    ],
)
def test_current_is_checked(given, message, tmp_path, monkeypatch, capsys):
    path = write(minutes(), tmp_path / "m.csv")
    assert from_metrics(path, monkeypatch, capsys, "--current", given).startswith(message)


def test_trace_only_flags_and_two_sources_are_refused(tmp_path, monkeypatch, capsys):
    path = write(minutes(), tmp_path / "m.csv")
    assert from_metrics(path, monkeypatch, capsys, "--knee", "40").startswith(
        "--knee applies to --from-trace only"
    )
    both = from_metrics(path, monkeypatch, capsys, "--from-trace", path)
    assert both.startswith("--from-trace and --from-metrics: give one")
    lake = from_metrics(path, monkeypatch, capsys, "--lake", tmp_path)
    assert lake == "--lake and --service read the lake; they do not go with --from-metrics"


def test_current_on_the_lake_is_refused(tmp_path, monkeypatch, capsys):
    message = refused(["recommend", "--lake", tmp_path, "--current", "50/1/5"], monkeypatch, capsys)
    assert message.startswith("--current applies to --from-trace and --from-metrics only")


# --- docs/from-metrics.md ------------------------------------------------------------------------------


def recipe_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", RECIPE.read_text(), flags=re.S)


def test_the_python_conversion_reads_get_metric_data_output(tmp_path):
    """GetMetricData as AWS CLI v2 prints it (ISO dates), two pages joined: an Id appears twice."""
    (python,) = [b for b in recipe_blocks() if b.startswith("python3")]
    stamps = [f"2026-03-01T00:{m:02d}:00+00:00" for m in range(4)]
    answer = {
        "MetricDataResults": [
            {"Id": "m_Requests_Sum", "Label": "Requests", "Timestamps": stamps[:2], "Values": [60.0, 120.0]},
            {"Id": "m_RequestLatency_p99", "Label": "x", "Timestamps": stamps, "Values": [250.0] * 4},
            {"Id": "m_Requests_Sum", "Label": "Requests", "Timestamps": stamps[3:], "Values": [30.0]},
        ],
        "Messages": [],
    }
    (tmp_path / "metrics.json").write_text(json.dumps(answer))
    subprocess.run(["bash", "-c", python], cwd=tmp_path, check=True)
    frame = pd.read_csv(tmp_path / "metrics.csv")
    assert list(frame.columns) == ["timestamp", "metric", "stat", "value"] and len(frame) == 7
    with pytest.raises(InputError, match="no data for Concurrency_Average, ActiveInstances_Average"):
        read_metrics_file(tmp_path / "metrics.csv")  # the shape is right; only the needed metrics are not


def test_the_recipe_exports_what_the_lake_collected(sandbox_lake, service, tmp_path):
    """Every sh block of the recipe, as written, with the AWS CLI and jq against the sandbox."""
    if not (shutil.which("aws") and shutil.which("jq")):
        pytest.skip("the AWS CLI or jq is not installed")
    box, lake = sandbox_lake
    script = "set -euo pipefail\n" + "\n".join(recipe_blocks())
    script = script.replace("SERVICE=my-service", f"SERVICE={service['service_name']}")
    script = script.replace("REGION=us-east-1", f"REGION={service['region']}")
    env = {**os.environ, "AWS_ENDPOINT_URL": box.endpoint}
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True)
    read = read_metrics_file(tmp_path / "metrics.csv")
    expected = wide_metrics(lake, service["service_arn"])
    pd.testing.assert_frame_equal(read.frame, expected, check_exact=False, rtol=1e-12)


def test_current_tells_a_trace_what_it_runs(tmp_path, monkeypatch, capsys):
    stamps = pd.date_range("2026-03-01", periods=1440, freq="1min", tz="UTC")
    pd.DataFrame({"timestamp": stamps, "requests": 6000}).to_csv(tmp_path / "t.csv", index=False)
    args = ["recommend", "--from-trace", tmp_path / "t.csv", "--current", "50/2/10", "--format", "json"]
    code, out, err = cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert json.loads(out)["current"] == {
        "max_concurrency": 50,
        "min_size": 2,
        "max_size": 10,
        "cpu": 1.0,
        "memory": 2.0,
    }


def test_a_file_of_timestamps_only(tmp_path, monkeypatch, capsys):
    message = from_metrics(write(minutes()[["timestamp"]], tmp_path / "m.csv"), monkeypatch, capsys)
    assert message.endswith("no metric columns; a wide file has timestamp and one Metric_Stat column each")
