"""The happy path: plan → diff → execute → wait → verify → audit, and what a second identical apply does."""

from __future__ import annotations

import json

from advisor.apply import ActionStatus, execute, plan_apply, read_actions
from advisor.domain import ScalingConfig

from .conftest import OPERATION_SECONDS, SERVICE, utc, write_recommendation


def test_a_plan_shows_the_current_and_target_config_and_the_calls(platform, service, lake):
    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))

    assert plan.ok and not plan.noop
    assert str(plan.before.scaling) == "80/1/10" and plan.before.name == "checkout-api-asc"
    assert str(plan.target.scaling) == "60/2/8" and plan.target.arn is None
    assert [s.action for s in plan.steps] == [
        "apprunner:CreateAutoScalingConfiguration",
        "apprunner:UpdateService",
        "apprunner:ListOperations",
        "apprunner:DescribeService",
    ]
    changed = {row.field: (row.current, row.target) for row in plan.diff() if row.changed}
    assert changed["MaxConcurrency"] == ("80", "60")
    assert changed["Configuration"] == ("checkout-api-asc rev 1", "advisor-c60-m2-M8 (new revision)")


def test_planning_makes_no_write_call(platform, service, lake, endpoint):
    plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))

    assert endpoint.write_calls() == []


def test_apply_creates_updates_waits_verifies_and_audits(platform, service, lake, waiter, endpoint, clock):
    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    events = []

    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter, progress=events.append)

    assert result.status is ActionStatus.SUCCEEDED, result.message
    live = platform.describe_service(service["ServiceArn"])
    assert live.scaling.name == "advisor-c60-m2-M8" and live.scaling.revision == 1
    assert platform.describe_revision(live.scaling.arn).settings == ScalingConfig(60, 2, 8)
    assert endpoint.write_calls() == ["CreateAutoScalingConfiguration", "UpdateService"]
    assert {e.step for e in events} >= {"create", "update", "wait", "verify", "done"}

    row = read_actions(lake).iloc[0]
    assert row["status"] == "succeeded" and row["kind"] == "apply" and row["source"] == "explicit values"
    assert row["actor"].startswith("arn:aws:")  # STS caller identity
    assert row["operation_id"] == result.action.operation_id
    assert json.loads(row["before"])["max_concurrency"] == 80
    assert json.loads(row["after"])["arn"] == live.scaling.arn
    assert OPERATION_SECONDS <= row["duration_s"] < OPERATION_SECONDS + 60  # waited with backoff
    assert row["service_arn"] == service["ServiceArn"] and row["rollback_of"] is None


def test_applying_the_latest_recommendation(platform, service, lake, waiter, clock):
    write_recommendation(lake, service["ServiceArn"], utc(clock()), recommended=(50, 1, 6))

    plan = plan_apply(platform, SERVICE, lake=lake, recommendation="latest")
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.ok and plan.source.startswith("recommendation ")
    assert str(result.action.after.scaling) == "50/1/6"


def test_a_recommendation_by_id(platform, service, lake, clock):
    from advisor.apply import recommendation_id

    older, newer = utc(clock() - 3600), utc(clock())
    write_recommendation(lake, service["ServiceArn"], older, recommended=(40, 1, 5))
    write_recommendation(lake, service["ServiceArn"], newer, recommended=(50, 1, 6))

    plan = plan_apply(
        platform, SERVICE, lake=lake, recommendation=recommendation_id(service["ServiceArn"], older)
    )

    assert str(plan.target.scaling) == "40/1/5"


def test_the_same_values_twice_the_second_is_a_noop(platform, service, lake, waiter, endpoint):
    first = execute(
        plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8)),
        platform,
        lake=lake,
        allow_apply=True,
        waiter=waiter,
    )
    writes = len(endpoint.write_calls())

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    second = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert first.ok and plan.noop and plan.steps == ()
    assert second.status is ActionStatus.NOOP
    assert first.succeeded and second.ok and not second.succeeded  # a no-op is fine, but changed nothing
    assert len(endpoint.write_calls()) == writes
    assert len(platform.revisions("advisor-c60-m2-M8")) == 1
    assert list(read_actions(lake)["status"]) == ["noop", "succeeded"]


def test_an_identical_active_revision_is_reused_not_created(platform, service, lake, waiter, endpoint):
    for values in (ScalingConfig(60, 2, 8), ScalingConfig(40, 1, 5)):
        plan = plan_apply(platform, SERVICE, lake=lake, values=values)
        assert execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter).ok

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert not plan.creates and plan.target.revision == 1
    assert plan.steps[0].action == "apprunner:UpdateService"
    assert result.ok and result.action.after.revision == 1
    assert endpoint.write_calls().count("CreateAutoScalingConfiguration") == 2


def test_a_recommended_instance_size_is_applied_with_the_scaling(platform, service, lake, waiter, clock):
    write_recommendation(
        lake, service["ServiceArn"], utc(clock()), recommended=(30, 1, 8), instance=(0.5, 1.0)
    )

    plan = plan_apply(platform, SERVICE, lake=lake, recommendation="latest")
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert "0.5 vCPU / 1 GB" in plan.steps[1].why
    assert result.ok, result.message
    live = platform.describe_service(service["ServiceArn"])
    assert (live.instance.cpu_vcpu, live.instance.memory_gb) == (0.5, 1.0)
    assert str(platform.describe_revision(live.scaling.arn).settings) == "30/1/8"
