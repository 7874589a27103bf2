"""The CLI as a person runs it. End to end in a subprocess talking HTTP to the local endpoint (the CLI
imports the whole engine, ~4 s a start, so only the two runs that need a real process are subprocesses);
the rest through the same `main()` in process, exit codes included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from advisor import cli as advisor_cli
from advisor.sandbox.apprunner import AppRunnerEmulator

from .conftest import REGION, SERVICE, store_recommendation

ROOT = Path(__file__).resolve().parents[2]
VALUES = ("-c", "60", "-m", "2", "-M", "8")


@pytest.fixture
def emulator() -> AppRunnerEmulator:
    """Real time here (the CLI sleeps for real); operations end at once so nothing waits."""
    return AppRunnerEmulator(clock=time.time, operation_seconds=0)


@pytest.fixture
def aws_flags(endpoint) -> list[str]:
    return ["--endpoint-url", endpoint.url, "--region", REGION]


@pytest.fixture
def subprocess_cli(aws_flags, lake):
    env = {**os.environ, "ADVISOR_LAKE": str(lake)}
    env.pop("ADVISOR_ALLOW_APPLY", None)

    def run(*args: str, aws: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "advisor.cli", *args, *(aws_flags if aws else [])],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )

    return run


@pytest.fixture
def cli(aws_flags, lake, monkeypatch, capsys):
    """advisor.cli.main() in process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ADVISOR_LAKE", str(lake))

    def run(*args: str, aws: bool = True) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["advisor", *args, *(aws_flags if aws else [])])
        with pytest.raises(SystemExit) as exit_info:
            advisor_cli.main()
        out = capsys.readouterr()
        return exit_info.value.code, out.out, out.err

    return run


def test_apply_then_rollback_then_the_audit_log_end_to_end(subprocess_cli, service, emulator):
    applied = subprocess_cli("apply", "--service", SERVICE, *VALUES, "--yes", "--allow-apply")
    assert applied.returncode == 0, applied.stderr
    assert "succeeded" in applied.stdout and "MaxConcurrency" in applied.stdout
    assert emulator.service_scaling(service["ServiceArn"]) == (60, 2, 8)

    rolled = subprocess_cli("rollback", "--service", SERVICE, "--yes", "--allow-apply")
    assert rolled.returncode == 0, rolled.stderr
    assert emulator.service_scaling(service["ServiceArn"]) == (80, 1, 10)

    csv = subprocess_cli("actions", "--service", SERVICE, "--format", "csv", aws=False).stdout.splitlines()
    assert csv[0].startswith("action_id,") and len(csv) == 3
    assert ",rollback,succeeded," in csv[1] and ",apply,succeeded," in csv[2]


def test_without_yes_and_no_terminal_it_refuses_rather_than_hang(subprocess_cli, service, endpoint):
    done = subprocess_cli("apply", "--service", SERVICE, *VALUES, "--allow-apply")

    assert done.returncode == 2 and "no terminal to confirm on" in done.stderr
    assert endpoint.write_calls() == []


def test_without_allow_apply_it_refuses_with_exit_2(cli, service, endpoint):
    code, out, _ = cli("apply", "--service", SERVICE, *VALUES, "--yes")

    assert code == 2 and "--allow-apply" in out
    assert endpoint.write_calls() == []


def test_dry_run_shows_the_plan_and_makes_no_write_call(cli, service, endpoint):
    code, out, _ = cli("apply", "--service", SERVICE, *VALUES, "--dry-run", "--allow-apply", "--yes")

    assert code == 0
    assert "apprunner:CreateAutoScalingConfiguration" in out and "apprunner:UpdateService" in out
    assert endpoint.write_calls() == []


def test_json_output_has_the_plan_and_the_result(cli, service):
    code, out, _ = cli("apply", "--service", SERVICE, *VALUES, "--yes", "--allow-apply", "--format", "json")

    data = json.loads(out)
    assert code == 0 and data["result"]["status"] == "succeeded"
    assert data["plan"]["target"]["max_concurrency"] == 60 and data["plan"]["before"]["max_concurrency"] == 80


def test_a_refused_apply_exits_1(cli, emulator, endpoint):
    emulator.add_service(REGION, SERVICE, max_concurrency=80, max_size=10, status="PAUSED")

    code, out, _ = cli("apply", "--service", SERVICE, *VALUES, "--yes", "--allow-apply")

    assert code == 1 and "PAUSED" in out and endpoint.write_calls() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-c", "60"), "all three"),
        (("-c", "201", "-m", "1", "-M", "8"), "MaxConcurrency=201"),
        (("--recommendation", "latest", *VALUES), "not both"),
        (("--recommendation", "latest"), "no recommendation"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, service, args, message):
    code, _, err = cli("apply", "--service", SERVICE, *args)

    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_an_unknown_service_is_bad_input(cli, service):
    code, _, err = cli("apply", "--service", "no-such-service", *VALUES)

    assert code == 2 and "no such App Runner service" in err


def test_actions_as_json(cli, service):
    cli("apply", "--service", SERVICE, *VALUES, "--yes", "--allow-apply")

    code, out, _ = cli("actions", "--format", "json", aws=False)

    rows = json.loads(out)
    assert code == 0 and rows[0]["status"] == "succeeded" and rows[0]["after"].startswith("60/2/8")


def test_iam_policy_read_only_and_with_apply(cli):
    _, read, _ = cli("iam-policy", aws=False)
    _, write, _ = cli("iam-policy", "--apply", aws=False)

    read_doc, write_doc = json.loads(read), json.loads(write)
    granted = {a for s in write_doc["Statement"] for a in s["Action"]}
    assert "apprunner:UpdateService" in granted
    assert "apprunner:UpdateService" not in read_doc["Statement"][0]["Action"]


def test_iam_policy_scoped_to_accounts_regions_and_with_delivery(cli):
    code, out, _ = cli(
        "iam-policy", "--apply", "--delivery", "--account", "111122223333", "--region", "eu-west-1", aws=False
    )

    statements = {s["Sid"]: s for s in json.loads(out)["Statement"]}
    assert code == 0
    assert statements["AdvisorApplyServices"]["Resource"] == [
        "arn:aws:apprunner:eu-west-1:111122223333:service/*"
    ]
    assert set(statements["AdvisorReportDelivery"]["Action"]) == {"s3:PutObject", "ses:SendRawEmail"}


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--account", "12"), "12 digits"), (("--service-tag", "team"), "KEY=VALUE")],
)
def test_iam_policy_bad_scope_is_bad_input(cli, args, message):
    code, _, err = cli("iam-policy", *args, aws=False)

    assert code == 2 and message in err


def test_prune_without_yes_and_no_terminal_deletes_nothing(cli, service, emulator, endpoint):
    body = {"AutoScalingConfigurationName": "advisor-c30-m1-M4", "MaxConcurrency": 30}
    body["Tags"] = [{"Key": "managed-by", "Value": "apprunner-advisor"}]
    emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    emulator.calls.clear()

    listed, out, _ = cli("apply", "--prune")
    refused, _, err = cli("apply", "--prune", "--allow-apply")

    assert listed == 0 and "advisor-c30-m1-M4" in out
    assert refused == 2 and "pass --yes" in err
    assert endpoint.write_calls() == []


def test_max_size_above_25_within_a_raised_quota_applies_without_a_warning(cli, service, emulator):
    emulator.quotas.max_size = 50

    code, out, err = cli(
        "apply", "--service", SERVICE, "-c", "60", "-m", "1", "-M", "40", "--yes", "--allow-apply"
    )

    assert code == 0, out
    assert emulator.service_scaling(service["ServiceArn"]) == (60, 1, 40)
    assert "Warning" not in err


@pytest.mark.parametrize("seconds", ["0", "-1", "nan"])
def test_a_timeout_that_cannot_wait_is_refused_before_any_write(cli, service, endpoint, seconds):
    code, _, err = cli("apply", "--service", SERVICE, *VALUES, "--yes", "--allow-apply", "--timeout", seconds)

    assert code == 2 and "--timeout" in err and len(err.strip().splitlines()) == 1
    assert endpoint.write_calls() == []


def test_the_dry_run_shows_predicted_money_and_risk_before_and_after(cli, service, lake):
    store_recommendation(
        lake, service["ServiceArn"], datetime.now(UTC), before=(100.0, 30, 500.0), after=(70.0, 4, 20.0)
    )

    code, out, _ = cli("apply", "--service", SERVICE, "--dry-run")

    assert code == 0
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 4}
    assert "$100.00" in lines["Monthly cost"] and "$70.00" in lines["Monthly cost"]
    breach = next(line for name, line in lines.items() if name.startswith("Breach minutes"))
    assert [cell.strip() for cell in breach.split("│")[2:4]] == ["30", "4"]
    assert "Monthly savings $30.00; confidence high" in out


def test_the_dry_run_json_carries_the_evidence(cli, service, lake):
    store_recommendation(
        lake,
        service["ServiceArn"],
        datetime.now(UTC),
        before=(100.0, 30, 500.0),
        after=(70.0, 4, 20.0),
        confidence="medium",
    )

    code, out, _ = cli("apply", "--service", SERVICE, "--dry-run", "--format", "json")

    evidence = json.loads(out)["evidence"]
    assert code == 0
    assert (evidence["monthly_cost_before_usd"], evidence["monthly_cost_after_usd"]) == (100.0, 70.0)
    assert (evidence["breach_minutes_before"], evidence["breach_minutes_after"]) == (30, 4)
    assert evidence["monthly_savings_usd"] == 30.0 and evidence["confidence"] == "medium"


def test_explicit_values_have_no_prediction_and_say_so(cli, service):
    code, out, _ = cli("apply", "--service", SERVICE, *VALUES, "--dry-run")

    assert code == 0 and "Predicted effect: none" in out


def test_a_recommendation_that_proposes_nothing_is_one_line_and_exit_2(cli, service, lake):
    store_recommendation(
        lake,
        service["ServiceArn"],
        datetime.now(UTC),
        recommended=None,
        reason="No recommendation: 0 minutes with enough load.",
    )

    code, _, err = cli("apply", "--service", SERVICE, "--dry-run")

    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "proposes no configuration: No recommendation: 0 minutes with enough load." in err
