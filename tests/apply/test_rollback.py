"""Rollback: back to exactly the configuration before an action, with the same checks and audit."""

from __future__ import annotations

import json

import pytest

from advisor.apply import ActionStatus, execute, plan_apply, plan_rollback, read_actions
from advisor.domain import ScalingConfig
from advisor.errors import InputError

from .conftest import REGION, SERVICE


def apply(platform, lake, waiter, values: ScalingConfig):
    plan = plan_apply(platform, SERVICE, lake=lake, values=values)
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)
    assert result.ok, result.message
    return result


def test_rollback_restores_the_exact_previous_arn_and_values(platform, service, lake, waiter, endpoint):
    original = platform.describe_service(service["ServiceArn"]).scaling.arn
    applied = apply(platform, lake, waiter, ScalingConfig(60, 2, 8))
    creates = endpoint.write_calls().count("CreateAutoScalingConfiguration")

    plan = plan_rollback(platform, SERVICE, lake=lake)
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.status is ActionStatus.SUCCEEDED, result.message
    live = platform.describe_service(service["ServiceArn"])
    assert live.scaling.arn == original
    assert platform.describe_revision(original).settings == ScalingConfig(80, 1, 10)
    assert (
        endpoint.write_calls().count("CreateAutoScalingConfiguration") == creates
    )  # re-pointed, not rebuilt
    row = read_actions(lake).iloc[0]
    assert row["kind"] == "rollback" and row["rollback_of"] == applied.action_id
    assert json.loads(row["after"])["arn"] == original


def test_rollback_of_a_named_action(platform, service, lake, waiter):
    first = apply(platform, lake, waiter, ScalingConfig(60, 2, 8))
    apply(platform, lake, waiter, ScalingConfig(40, 1, 5))

    plan = plan_rollback(platform, SERVICE, lake=lake, action_id=first.action_id)

    assert not plan.ok and "changed after action" in plan.refusals[0]  # it would undo the later one too
    forced = plan_rollback(platform, SERVICE, lake=lake, action_id=first.action_id, force=True)
    assert execute(forced, platform, lake=lake, allow_apply=True, waiter=waiter).ok
    assert str(platform.describe_revision(forced.target.arn).settings) == "80/1/10"


def test_rollback_recreates_values_whose_revision_was_deleted(platform, service, lake, waiter, emulator):
    applied = apply(platform, lake, waiter, ScalingConfig(60, 2, 8))
    body = {"AutoScalingConfigurationArn": applied.action.before.arn}
    emulator.handle("DeleteAutoScalingConfiguration", json.dumps(body).encode(), REGION)

    plan = plan_rollback(platform, SERVICE, lake=lake)
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert plan.creates and result.ok
    assert result.action.after.name == "advisor-c80-m1-M10" and str(result.action.after.scaling) == "80/1/10"


def test_rollback_is_read_only_without_allow_apply(platform, service, lake, waiter, endpoint):
    apply(platform, lake, waiter, ScalingConfig(60, 2, 8))
    writes = len(endpoint.write_calls())

    result = execute(plan_rollback(platform, SERVICE, lake=lake), platform, lake=lake, waiter=waiter)

    assert result.status is ActionStatus.REFUSED and "--allow-apply" in result.message
    assert len(endpoint.write_calls()) == writes


def test_nothing_to_roll_back(platform, service, lake):
    with pytest.raises(InputError, match="nothing to roll back"):
        plan_rollback(platform, SERVICE, lake=lake)


def test_a_failed_action_cannot_be_rolled_back(platform, service, lake, waiter, emulator):
    emulator.fail_next_operation(service["ServiceArn"])
    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    failed = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    with pytest.raises(InputError, match="did not change the service"):
        plan_rollback(platform, SERVICE, lake=lake, action_id=failed.action_id)


def test_rollback_by_default_undoes_the_latest_successful_action_not_the_oldest(
    platform, service, lake, waiter
):
    apply(platform, lake, waiter, ScalingConfig(60, 2, 8))
    second = apply(platform, lake, waiter, ScalingConfig(40, 1, 5))

    plan = plan_rollback(platform, SERVICE, lake=lake)
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert plan.rollback_of == second.action_id
    assert result.status is ActionStatus.SUCCEEDED, result.message
    assert platform.describe_revision(
        platform.describe_service(service["ServiceArn"]).scaling.arn
    ).settings == (ScalingConfig(60, 2, 8))
