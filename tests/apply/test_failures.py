"""A failure at each step leaves the account in a known state, and the audit row says which."""

from __future__ import annotations

import json

import pytest

from advisor.apply import ActionStatus, Waiter, execute, plan_apply, read_actions
from advisor.domain import ScalingConfig
from advisor.errors import InputError

from .conftest import REGION, SERVICE

VALUES = ScalingConfig(60, 2, 8)
OWN = "advisor-c60-m2-M8"


def apply(platform, lake, waiter):
    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)
    return execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)


def still_on_the_old_config(platform, service) -> None:
    live = platform.describe_service(service["ServiceArn"])
    assert live.scaling.name == "checkout-api-asc" and live.status == "RUNNING"


def audited(lake, status: str):
    row = read_actions(lake).iloc[0]
    assert row["status"] == status
    return row


def test_create_fails_nothing_changed(platform, service, lake, waiter, endpoint):
    endpoint.fail("CreateAutoScalingConfiguration", "ServiceQuotaExceededException")

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED
    assert "CreateAutoScalingConfiguration" in result.message and "Nothing was changed" in result.message
    still_on_the_old_config(platform, service)
    assert audited(lake, "failed")["operation_id"] is None
    assert platform.revisions(OWN) == []


def test_update_refused_the_new_revision_is_deleted_again(platform, service, lake, waiter, endpoint):
    endpoint.fail("UpdateService", "InvalidStateException")

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED
    assert "UpdateService was refused" in result.message and "deleted again" in result.message
    still_on_the_old_config(platform, service)
    assert platform.revisions(OWN) == []  # no orphan holding a quota slot
    assert endpoint.write_calls()[-1] == "DeleteAutoScalingConfiguration"
    audited(lake, "failed")


def test_update_refused_and_cleanup_refused_the_message_says_what_to_delete(
    platform, service, lake, waiter, endpoint
):
    endpoint.fail("UpdateService", "InvalidStateException")
    endpoint.fail("DeleteAutoScalingConfiguration", "InvalidRequestException")

    result = apply(platform, lake, waiter)

    orphan = platform.revisions(OWN)[0].arn
    assert result.status is ActionStatus.FAILED
    assert "was kept" in result.message and "if no service uses it" in result.message
    assert f"delete-auto-scaling-configuration --auto-scaling-configuration-arn {orphan}" in result.message
    still_on_the_old_config(platform, service)


def test_an_update_whose_answer_is_lost_follows_the_operation_it_started(
    platform, service, lake, waiter, endpoint
):
    endpoint.fail("UpdateService", "InternalServiceErrorException", after=True)

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.SUCCEEDED
    assert result.action.operation_id == platform.operations(service["ServiceArn"])[0].id
    assert platform.describe_service(service["ServiceArn"]).scaling.name == OWN
    assert "DeleteAutoScalingConfiguration" not in endpoint.write_calls()  # no probe delete


def test_an_update_that_failed_without_starting_anything_is_failed_and_cleaned_up(
    platform, service, lake, waiter, endpoint
):
    endpoint.fail("UpdateService", "InternalServiceErrorException")  # before the emulator sees it

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED
    assert "ListOperations shows no update started" in result.message
    still_on_the_old_config(platform, service)
    assert platform.revisions(OWN) == []
    audited(lake, "failed")


def test_another_update_between_our_create_and_update_wins_and_we_clean_up(
    platform, service, lake, waiter, endpoint, emulator
):
    def someone_else_updates() -> None:
        default = emulator.services(REGION)[0]["AutoScalingConfigurationSummary"][
            "AutoScalingConfigurationArn"
        ]
        body = {"ServiceArn": service["ServiceArn"], "AutoScalingConfigurationArn": default}
        emulator.handle("UpdateService", json.dumps(body).encode(), REGION)

    endpoint.before("UpdateService", someone_else_updates)

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED and "InvalidStateException" in result.message
    assert platform.revisions(OWN) == []  # our revision: deleted, nothing half-done
    assert platform.describe_service(service["ServiceArn"]).status == "OPERATION_IN_PROGRESS"


def test_operation_ends_failed_service_stays_on_old_config(platform, service, lake, waiter, emulator):
    emulator.fail_next_operation(service["ServiceArn"])

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED
    assert "ended FAILED" in result.message and "kept the service on 80/1/10" in result.message
    still_on_the_old_config(platform, service)
    assert platform.revisions(OWN) == []
    assert audited(lake, "failed")["operation_id"] == result.action.operation_id


def test_a_timed_out_wait_leaves_the_action_in_progress_and_says_what_to_check(
    platform, service, lake, clock, endpoint
):
    short = Waiter(timeout_s=60, first_delay_s=5, max_delay_s=20, sleep=clock.advance, clock=clock)

    result = apply(platform, lake, short)

    assert result.status is ActionStatus.IN_PROGRESS and not result.ok
    assert "still IN_PROGRESS after 60 s" in result.message
    assert "advisor actions --refresh" in result.message and "aws apprunner list-operations" in result.message
    assert "if it SUCCEEDED" in result.message and "if it FAILED" in result.message
    row = audited(lake, "in_progress")
    assert row["operation_id"] == result.action.operation_id
    assert len(platform.revisions(OWN)) == 1  # kept: the operation may still move the service onto it


def test_the_default_wait_is_an_hour():
    assert Waiter().timeout_s == 3600


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_a_wait_that_cannot_see_the_end_is_refused(seconds):
    with pytest.raises(InputError, match="--timeout"):
        Waiter(timeout_s=seconds)


def test_an_unexpected_crash_mid_wait_is_audited_as_unknown_then_raised(platform, service, lake, waiter):
    def crash(event) -> None:
        if event.step == "wait":
            raise KeyboardInterrupt

    plan = plan_apply(platform, SERVICE, lake=lake, values=VALUES)
    with pytest.raises(KeyboardInterrupt):
        execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter, progress=crash)

    row = audited(lake, "unknown")
    assert row["operation_id"] and "list-operations" in row["message"]
    assert "interrupted by KeyboardInterrupt" in row["message"]


def test_listing_the_operations_before_the_update_fails_nothing_changed_and_no_orphan(
    platform, service, lake, waiter, endpoint
):
    endpoint.fail("ListOperations", "InternalServiceErrorException")

    result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.FAILED and "could not list the operations" in result.message
    assert "UpdateService" not in endpoint.write_calls()
    still_on_the_old_config(platform, service)
    assert platform.revisions(OWN) == []
