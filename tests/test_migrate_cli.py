"""`advisor migrate-whatif` as a user runs it: on the sandbox lake (collected over HTTP from the sandbox,
recommended), and offline on a trace file and a metrics file. In process through `advisor.cli.main`."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from advisor.engine.offline import metrics_from_trace
from tests.conftest import ROOT
from tests.test_cli_bad_input import cli, refused

TARGETS = ("app_runner", "ecs_express", "fargate")


def flat(rpm: float, days: float = 3) -> pd.Series:
    """A flat trace: `rpm` requests every minute for `days`."""
    index = pd.date_range("2026-03-02", periods=int(days * 1440), freq="1min", tz="UTC", name="timestamp")
    return pd.Series(float(rpm), index=index, name="requests")


@pytest.fixture(scope="module")
def fleet_json(sandbox_lake):
    """`advisor migrate-whatif --all --format json` on the sandbox lake, run once as a user would."""
    _, lake = sandbox_lake
    args = [
        sys.executable,
        "-m",
        "advisor.cli",
        "migrate-whatif",
        "--all",
        "--lake",
        str(lake),
        "--format",
        "json",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_all_gives_every_service_of_the_lake_and_totals_that_are_their_sum(fleet_json, sandbox_lake):
    from advisor.lake.views import service_records

    _, lake = sandbox_lake
    names = {r.service_name for r in service_records(lake) if r.status != "DELETED"}
    services = fleet_json["services"]
    assert {s["service_name"] for s in services} == names
    priced = [s for s in services if s["status"] == "ok"]
    assert priced, services
    for target in TARGETS:
        expected = sum(s["targets"][target]["monthly_cost_usd"] for s in priced)
        assert fleet_json["totals"][target] == pytest.approx(expected)


def test_the_json_has_each_targets_cost_lines_breach_minutes_config_and_the_verdict(fleet_json):
    for s in fleet_json["services"]:
        if s["status"] != "ok":
            continue
        assert {"service_name", "service_arn", "region", "targets", "break_even", "recommendation"} <= set(s)
        assert {"reasons", "plan", "settings", "instance"} <= set(s)
        assert s["recommendation"] in ("stay", "move", "move with these settings")
        assert s["reasons"] and all(isinstance(r, str) and r for r in s["reasons"])
        assert {"requests_per_minute", "scale", "against", "reason"} <= set(s["break_even"])
        assert set(s["targets"]) == set(TARGETS)
        for t in s["targets"].values():
            assert {
                "monthly_cost_usd",
                "cost_lines",
                "breach_minutes",
                "minutes",
                "config",
                "task_hours",
            } <= set(t)
            assert t["monthly_cost_usd"] == pytest.approx(sum(line["usd"] for line in t["cost_lines"]))
            assert all({"component", "usd", "detail"} <= set(line) for line in t["cost_lines"])
            assert t["minutes"] > 0 and 0 <= t["breach_minutes"] <= t["minutes"]


def test_services_moved_together_share_an_alb_per_region(fleet_json):
    by_region: dict[str, int] = {}
    for s in fleet_json["services"]:
        by_region[s["region"]] = by_region.get(s["region"], 0) + 1
    for s in fleet_json["services"]:
        if s["status"] == "ok":
            assert s["settings"]["alb_services"] == by_region[s["region"]]


def test_the_table_shows_each_service_and_a_total_row(sandbox_lake, fleet_json, monkeypatch, capsys):
    _, lake = sandbox_lake
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli(["migrate-whatif", "--all", "--lake", lake], monkeypatch, capsys)
    assert code == 0, err
    for s in fleet_json["services"]:
        assert s["service_name"] in out
    total = next(line for line in out.splitlines() if line.lstrip().startswith("total ("))
    for target in TARGETS:  # whole dollars, to fit 80 columns
        assert f"${fleet_json['totals'][target]:,.0f}" in total


def test_the_csv_has_a_row_per_service_and_target_with_its_cost_lines(
    sandbox_lake, fleet_json, monkeypatch, capsys
):
    _, lake = sandbox_lake
    code, out, err = cli(["migrate-whatif", "--all", "--lake", lake, "--format", "csv"], monkeypatch, capsys)
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    ok = [s for s in fleet_json["services"] if s["status"] == "ok"]
    assert len(rows[rows["status"] == "ok"]) == 3 * len(ok)
    lines = rows[[c for c in rows.columns if c.startswith("cost_") and c.endswith("_usd")]].fillna(0)
    ok_rows = rows["status"] == "ok"
    assert lines[ok_rows].sum(axis=1).to_numpy() == pytest.approx(
        rows.loc[ok_rows, "monthly_cost_usd"].to_numpy()
    )


def test_one_service_by_name_writes_its_plan(sandbox_lake, fleet_json, tmp_path, monkeypatch, capsys):
    _, lake = sandbox_lake
    first = next(s for s in fleet_json["services"] if s["status"] == "ok")
    args = ["migrate-whatif", "--service", first["service_name"], "--lake", lake, "--format", "json"]
    code, out, err = cli([*args, "--plan", tmp_path / "plans"], monkeypatch, capsys)
    assert code == 0, err
    [one] = json.loads(out)["services"]
    assert one["service_arn"] == first["service_arn"]
    folder = tmp_path / "plans" / first["region"] / first["service_name"]
    request = json.loads((folder / "express-request.json").read_text())
    assert request == one["plan"]["request"]
    assert json.loads((folder / "cloudformation.json").read_text())
    assert (folder / "steps.md").read_text().strip()


def test_from_trace_prices_a_flat_busy_service_cheaper_on_fargate(tmp_path, monkeypatch, capsys):
    path = tmp_path / "busy.csv"
    flat(2000).reset_index().to_csv(path, index=False)
    args = ["migrate-whatif", "--from-trace", path, "--current", "100/1/25", "--format", "json"]
    code, out, err = cli(args, monkeypatch, capsys)
    assert code == 0, err
    [one] = json.loads(out)["services"]
    assert one["service_name"] == str(path)
    costs = {t: one["targets"][t]["monthly_cost_usd"] for t in TARGETS}
    assert costs["fargate"] < costs["app_runner"], costs


def test_from_metrics_reads_an_exported_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "metrics.csv"
    metrics_from_trace(flat(600, days=3)).reset_index().to_csv(path, index=False)
    code, out, err = cli(["migrate-whatif", "--from-metrics", path, "--format", "csv"], monkeypatch, capsys)
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    assert list(rows["target"]) == list(TARGETS)
    assert (rows["monthly_cost_usd"] > 0).all()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--all", "--service", "x"], "--all and --service"),
        ([], "--service NAME"),
        (["--all", "--alb-services", "30"], "--alb-services 30"),
        (["--all", "--knee", "50"], "--knee"),
        (["--all", "--cpu", "2"], "--cpu"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args, words, sandbox_lake, monkeypatch, capsys):
    _, lake = sandbox_lake
    assert words in refused(["migrate-whatif", *args, "--lake", lake], monkeypatch, capsys)


def test_an_unknown_service_is_named(sandbox_lake, monkeypatch, capsys):
    _, lake = sandbox_lake
    message = refused(["migrate-whatif", "--service", "no-such-api", "--lake", lake], monkeypatch, capsys)
    assert "no-such-api" in message and "not in the lake" in message


def test_a_missing_lake_says_to_collect(tmp_path, monkeypatch, capsys):
    message = refused(["migrate-whatif", "--all", "--lake", tmp_path / "nowhere"], monkeypatch, capsys)
    assert "no such directory" in message and "advisor collect" in message


def test_a_trace_without_requests_is_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "quiet.csv"
    flat(0, days=2).reset_index().to_csv(path, index=False)
    message = refused(["migrate-whatif", "--from-trace", path], monkeypatch, capsys)
    assert "has no requests" in message


def test_the_lake_does_not_go_with_a_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "busy.csv"
    flat(100, days=1).reset_index().to_csv(path, index=False)
    message = refused(["migrate-whatif", "--from-trace", path, "--all"], monkeypatch, capsys)
    assert "do not go with --from-trace" in message


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--architecture", "sparc"], "--architecture 'sparc' is invalid"),
        (["--task-start-s", "-5"], "--task-start-s -5"),
    ],
)
def test_a_bad_setting_names_its_flag(args, words, tmp_path, monkeypatch, capsys):
    path = tmp_path / "busy.csv"
    flat(100, days=1).reset_index().to_csv(path, index=False)
    assert words in refused(["migrate-whatif", "--from-trace", path, *args], monkeypatch, capsys)


def test_the_settings_flags_reach_the_engine(tmp_path, monkeypatch, capsys):
    path = tmp_path / "busy.csv"
    flat(2000).reset_index().to_csv(path, index=False)
    args = ["--architecture", "ARM64", "--no-public-ip", "--alb-services", "5", "--format", "json"]
    code, out, err = cli(["migrate-whatif", "--from-trace", path, *args], monkeypatch, capsys)
    assert code == 0, err
    settings = json.loads(out)["services"][0]["settings"]
    assert (settings["architecture"], settings["public_ip_per_task"], settings["alb_services"]) == (
        "ARM64",
        False,
        5,
    )
