"""An apply that did not see its operation end (timed out, killed) leaves an `in_progress` row that tells
the truth, and the row is settled later from ListOperations and DescribeService: by
`advisor actions --refresh`, and by the next apply or rollback of the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.apply import ActionStatus, Waiter, execute, plan_apply, plan_rollback, read_actions
from advisor.apply.reconcile import reconcile
from advisor.domain import ScalingConfig
from advisor.errors import InputError

from .conftest import SERVICE

ROOT = Path(__file__).resolve().parents[2]
VALUES = ScalingConfig(60, 2, 8)
FLAGS = ("-c", "60", "-m", "2", "-M", "8")


def timed_out_apply(platform, lake, clock):
    short = Waiter(timeout_s=60, first_delay_s=5, max_delay_s=20, sleep=clock.advance, clock=clock)
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=short)
    assert result.status is ActionStatus.IN_PROGRESS
    return result


def status_of(lake, action_id: str) -> str:
    rows = read_actions(lake)
    return rows[rows["action_id"] == action_id].iloc[0]["status"]


def test_refresh_settles_a_timed_out_action_once_its_operation_has_succeeded(platform, service, lake, clock):
    result = timed_out_apply(platform, lake, clock)
    clock.advance(600)  # the operation (240 s) has ended meanwhile

    settled = reconcile(lake, lambda region: platform)

    assert [(s.action_id, s.now) for s in settled] == [(result.action_id, ActionStatus.SUCCEEDED)], settled
    assert status_of(lake, result.action_id) == "succeeded"
    assert "ended SUCCEEDED" in read_actions(lake).iloc[0]["message"]


def test_refresh_leaves_an_action_whose_operation_still_runs_in_progress(platform, service, lake, clock):
    result = timed_out_apply(platform, lake, clock)

    settled = reconcile(lake, lambda region: platform)

    assert [(s.action_id, s.changed) for s in settled] == [(result.action_id, False)]
    assert status_of(lake, result.action_id) == "in_progress"


def test_refresh_records_a_failed_operation_as_failed(platform, service, lake, clock, emulator):
    emulator.fail_next_operation(service["ServiceArn"])
    result = timed_out_apply(platform, lake, clock)
    clock.advance(600)

    reconcile(lake, lambda region: platform)

    assert status_of(lake, result.action_id) == "failed"


def test_rollback_settles_a_timed_out_apply_first_and_undoes_it(platform, service, lake, clock, waiter):
    result = timed_out_apply(platform, lake, clock)
    clock.advance(600)

    plan = plan_rollback(platform, SERVICE, lake=lake)
    rolled = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert plan.rollback_of == result.action_id
    assert rolled.status is ActionStatus.SUCCEEDED, rolled.message
    assert platform.describe_revision(
        platform.describe_service(service["ServiceArn"]).scaling.arn
    ).settings == (ScalingConfig(80, 1, 10))


def test_the_next_apply_settles_an_earlier_timed_out_one(platform, service, lake, clock):
    result = timed_out_apply(platform, lake, clock)
    clock.advance(600)

    plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(40, 1, 5))

    assert status_of(lake, result.action_id) == "succeeded"


def test_rolling_back_an_action_whose_operation_still_runs_says_to_wait(platform, service, lake, clock):
    result = timed_out_apply(platform, lake, clock)

    with pytest.raises(InputError, match="still in progress"):
        plan_rollback(platform, SERVICE, lake=lake, action_id=result.action_id)
