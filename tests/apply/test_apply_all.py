"""`advisor apply --all`: one fleet plan (each change with its predicted money and risk, and a total),
the services left alone with why, one confirmation, then each service's result."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import pytest

from advisor import cli as advisor_cli
from advisor.apply import read_actions
from advisor.sandbox.apprunner import AppRunnerEmulator

from .conftest import collect_inventory, store_recommendation


@pytest.fixture
def emulator() -> AppRunnerEmulator:
    """Real time (the CLI sleeps for real); operations end at once."""
    return AppRunnerEmulator(clock=time.time, operation_seconds=0)


@pytest.fixture
def fleet(emulator, endpoint, lake) -> dict[str, str]:
    """Five services in two regions, collected; four stored recommendations: two changes, one that
    proposes nothing, one that keeps the current configuration; the paused one has none."""
    arns = {}
    for region, name, config, status in [
        ("us-east-1", "checkout-api", (80, 1, 10), "RUNNING"),
        ("us-east-1", "orders-api", (100, 1, 25), "RUNNING"),
        ("us-east-1", "steady-svc", (50, 1, 5), "RUNNING"),
        ("us-east-1", "legacy-reports", (100, 1, 25), "PAUSED"),
        ("eu-west-1", "admin-tool", (100, 1, 25), "RUNNING"),
    ]:
        c, m, big_m = config
        added = emulator.add_service(
            region, name, max_concurrency=c, min_size=m, max_size=big_m, status=status
        )
        arns[name] = added["ServiceArn"]
    collect_inventory(endpoint, lake, "us-east-1", "eu-west-1")
    now = datetime.now(UTC)
    store_recommendation(
        lake,
        arns["checkout-api"],
        now,
        recommended=(60, 2, 8),
        before=(100.0, 30, 500.0),
        after=(70.0, 4, 20.0),
    )
    store_recommendation(
        lake,
        arns["orders-api"],
        now,
        name="orders-api",
        current=(100, 1, 25),
        recommended=(50, 1, 5),
        before=(50.0, 0, 0.0),
        after=(30.0, 0, 0.0),
    )
    store_recommendation(
        lake, arns["steady-svc"], now, name="steady-svc", current=(50, 1, 5), recommended=(50, 1, 5)
    )
    store_recommendation(
        lake,
        arns["admin-tool"],
        now,
        name="admin-tool",
        region="eu-west-1",
        current=(100, 1, 25),
        recommended=None,
        reason="No recommendation: too few minutes with enough load per instance.",
    )
    return arns


@pytest.fixture
def cli(endpoint, lake, monkeypatch, capsys):
    monkeypatch.setenv("ADVISOR_LAKE", str(lake))

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["advisor", "apply", "--all", *args, "--endpoint-url", endpoint.url])
        with pytest.raises(SystemExit) as exit_info:
            advisor_cli.main()
        out = capsys.readouterr()
        return exit_info.value.code, out.out, out.err

    return run


def skipped_reasons(out: str) -> dict[str, str]:
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("skipped ")]
    return {line.split()[1]: line.partition(": ")[2] for line in lines}


def test_the_fleet_plan_shows_each_change_with_money_and_risk_and_a_total(cli, fleet, endpoint):
    code, out, _ = cli("--dry-run")

    assert code == 0 and endpoint.write_calls() == []
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 8}
    assert "80/1/10 -> 60/2/8" in rows["checkout-api"] and "$100.00 -> $70.00" in rows["checkout-api"]
    assert "30 -> 4" in rows["checkout-api"]
    assert "100/1/25 -> 50/1/5" in rows["orders-api"] and "$50.00 -> $30.00" in rows["orders-api"]
    assert "$150.00 -> $100.00" in rows["total (2)"] and "$50.00" in rows["total (2)"]


def test_services_without_a_change_are_listed_as_skipped_with_why(cli, fleet):
    _, out, _ = cli("--dry-run")

    reasons = skipped_reasons(out)
    assert set(reasons) == {"admin-tool", "steady-svc", "legacy-reports"}
    assert "proposes no configuration: No recommendation: too few minutes" in reasons["admin-tool"]
    assert reasons["steady-svc"].startswith("keep current")
    assert "no recommendation in the lake" in reasons["legacy-reports"]


def test_apply_all_changes_service_by_service_after_one_confirmation(cli, fleet, emulator, lake):
    code, out, err = cli("--allow-apply", "--yes")

    assert code == 0, out + err
    assert emulator.service_scaling(fleet["checkout-api"]) == (60, 2, 8)
    assert emulator.service_scaling(fleet["orders-api"]) == (50, 1, 5)
    assert emulator.service_scaling(fleet["steady-svc"]) == (50, 1, 5)
    assert "succeeded checkout-api (us-east-1)" in out and "succeeded orders-api (us-east-1)" in out
    assert sorted(read_actions(lake)["status"]) == ["succeeded", "succeeded"]


def test_min_savings_leaves_smaller_changes_alone(cli, fleet):
    _, out, _ = cli("--dry-run", "--min-savings", "25")

    assert "below --min-savings $25.00" in skipped_reasons(out)["orders-api"]
    assert "$20.00" in skipped_reasons(out)["orders-api"]
    assert "checkout-api" not in skipped_reasons(out)


def test_a_strategy_other_than_the_recommendations_skips_them_and_says_how_to_get_one(cli, fleet):
    _, out, _ = cli("--dry-run", "--strategy", "performance")

    reason = skipped_reasons(out)["checkout-api"]
    assert "made with strategy balanced" in reason and "advisor recommend --strategy performance" in reason


def test_the_fleet_plan_as_json(cli, fleet):
    code, out, _ = cli("--dry-run", "--format", "json")

    data = json.loads(out)
    assert code == 0
    assert [p["plan"]["service_name"] for p in data["plans"]] == ["checkout-api", "orders-api"]
    assert data["total"] == {
        "monthly_cost_before_usd": 150.0,
        "monthly_cost_after_usd": 100.0,
        "monthly_savings_usd": 50.0,
    }
    assert {s["service_name"] for s in data["skipped"]} == {"admin-tool", "steady-svc", "legacy-reports"}


def test_without_allow_apply_nothing_is_written_and_it_exits_2(cli, fleet, endpoint):
    code, _, err = cli("--yes")

    assert code == 2 and "--allow-apply" in err and endpoint.write_calls() == []


def test_without_a_terminal_to_confirm_on_it_refuses_before_any_write(cli, fleet, endpoint):
    code, _, err = cli("--allow-apply")

    assert code == 2 and "no terminal to confirm on" in err and endpoint.write_calls() == []


def test_all_with_a_service_is_bad_input(cli, fleet):
    code, _, err = cli("--service", "checkout-api")

    assert code == 2 and "--all" in err
