"""Every refusal: a clear reason, an audit row that says `refused`, and no write call."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from advisor.apply import READ_ONLY_MESSAGE, ActionStatus, execute, plan_apply, read_actions
from advisor.domain import ScalingConfig
from advisor.errors import ConfigError

from .conftest import REGION, SERVICE, utc, write_metrics, write_recommendation

VALUES = ScalingConfig(60, 2, 8)


def refused(result, endpoint, match: str) -> None:
    assert result.status is ActionStatus.REFUSED
    assert match in result.message, result.message
    assert endpoint.write_calls() == []
    assert result.action.message == result.message


def test_read_only_by_default(platform, service, lake, waiter, endpoint):
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)

    result = execute(plan, platform, lake=lake, waiter=waiter)

    refused(result, endpoint, "--allow-apply")
    assert result.message == READ_ONLY_MESSAGE and "ADVISOR_ALLOW_APPLY=1" in result.message
    assert read_actions(lake).iloc[0]["status"] == "refused"


def test_the_environment_switch_enables_apply_for_the_dashboard(platform, service, lake, waiter, monkeypatch):
    monkeypatch.setenv("ADVISOR_ALLOW_APPLY", "1")
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)

    assert execute(plan, platform, lake=lake, waiter=waiter).ok


def test_refused_while_an_operation_is_in_progress(platform, service, lake, waiter, endpoint, emulator):
    emulator.handle("PauseService", f'{{"ServiceArn": "{service["ServiceArn"]}"}}'.encode(), REGION)
    endpoint.emulator.calls.clear()
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert plan.service_status == "OPERATION_IN_PROGRESS"
    refused(result, endpoint, "an operation is in progress")


def test_refused_on_a_paused_service(platform, emulator, lake, waiter, endpoint):
    emulator.add_service(REGION, SERVICE, max_concurrency=80, max_size=10, status="PAUSED")
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    refused(result, endpoint, "PAUSED")
    assert "resume it first" in result.message


def test_a_recommendation_older_than_the_collected_metrics_is_stale(
    platform, service, lake, waiter, endpoint, clock
):
    made = utc(clock() - 3600)
    write_recommendation(lake, service["ServiceArn"], made)
    write_metrics(lake, service["ServiceArn"], made + timedelta(minutes=30))
    plan = plan_apply(platform, SERVICE, lake=lake, recommendation="latest")

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    refused(result, endpoint, "is stale")
    assert "advisor recommend" in result.message


def test_force_applies_a_stale_recommendation_and_says_so(platform, service, lake, waiter, clock):
    made = utc(clock() - 3600)
    write_recommendation(lake, service["ServiceArn"], made)
    write_metrics(lake, service["ServiceArn"], made + timedelta(minutes=30))
    plan = plan_apply(platform, SERVICE, lake=lake, recommendation="latest", force=True)

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.ok and "Forced past" in result.message and "stale" in result.message


def test_a_recommendation_made_for_another_configuration_is_refused(
    platform, service, lake, waiter, endpoint
):
    write_recommendation(lake, service["ServiceArn"], utc(1e9 * 1.8), current=(100, 1, 25))
    plan = plan_apply(platform, SERVICE, lake=lake, recommendation="latest")

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    refused(result, endpoint, "was made for 100/1/25")


def test_values_outside_app_runners_limits_never_reach_a_plan():
    with pytest.raises(ConfigError, match="MaxConcurrency=201"):
        ScalingConfig(201, 1, 10)  # botocore would have sent it


def test_max_size_above_the_accounts_quota_is_refused(platform, service, lake, waiter, endpoint):
    with pytest.warns(UserWarning):
        values = ScalingConfig(60, 1, 30)
    plan = plan_apply(platform, SERVICE, lake=lake, values=values)

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    refused(result, endpoint, "quota of 25")


def test_a_plan_made_before_someone_else_changed_the_service_is_refused(
    platform, service, lake, waiter, endpoint
):
    stale_plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)
    other = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(40, 1, 5))
    assert execute(other, platform, lake=lake, allow_apply=True, waiter=waiter).ok
    writes = len(endpoint.write_calls())

    result = execute(stale_plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.status is ActionStatus.REFUSED and "changed since the plan was made" in result.message
    assert len(endpoint.write_calls()) == writes


def test_two_applies_racing_one_wins_the_other_is_refused(platform, service, lake, waiter, endpoint):
    plans = [plan_apply(platform, SERVICE, lake=lake, values=v) for v in (VALUES, ScalingConfig(40, 1, 5))]
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        results[i] = execute(plans[i], platform, lake=lake, allow_apply=True, waiter=waiter)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = sorted(str(r.status) for r in results)
    assert statuses == ["refused", "succeeded"]
    assert endpoint.write_calls() == ["CreateAutoScalingConfiguration", "UpdateService"]  # nothing half-done
    winner = next(r for r in results if r.ok)
    assert platform.describe_service(service["ServiceArn"]).scaling.arn == winner.action.after.arn
