"""App Runner's quotas: 5 revisions per name (the oldest unused one of ours is deleted), 10 names (refused,
naming what a person could delete)."""

from __future__ import annotations

import json

from advisor.apply import ActionStatus, execute, plan_apply
from advisor.domain import ScalingConfig

from .conftest import OPERATION_SECONDS, REGION, SERVICE

OWN = "advisor-checkout-api"


def create(emulator, name: str, c: int, m: int = 1, big_m: int = 10) -> str:
    body = {"AutoScalingConfigurationName": name, "MaxConcurrency": c, "MinSize": m, "MaxSize": big_m}
    _, _, raw = emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    return json.loads(raw)["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]


def point(emulator, clock, service_arn: str, config_arn: str) -> None:
    body = {"ServiceArn": service_arn, "AutoScalingConfigurationArn": config_arn}
    emulator.handle("UpdateService", json.dumps(body).encode(), REGION)
    clock.advance(OPERATION_SECONDS)


def test_a_full_name_loses_its_oldest_unused_revision(platform, service, emulator, lake, waiter, endpoint):
    arns = [create(emulator, OWN, c) for c in (11, 12, 13, 14, 15)]

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert [d.arn for d in plan.deletions] == [arns[0]]
    assert plan.steps[0].action == "apprunner:DeleteAutoScalingConfiguration"
    assert result.ok, result.message
    active = platform.revisions(OWN)
    assert [r.revision for r in active] == [2, 3, 4, 5, 6]
    assert f"deleted revision {arns[0]} to make room" in result.message


def test_a_revision_in_use_is_never_the_one_deleted(platform, service, emulator, lake, clock):
    other = emulator.add_service(REGION, "search-api", max_concurrency=80, max_size=10)
    arns = [create(emulator, OWN, c) for c in (11, 12, 13, 14, 15)]
    point(emulator, clock, other["ServiceArn"], arns[0])

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))

    assert [d.arn for d in plan.deletions] == [arns[1]]


def test_a_full_name_all_in_use_is_refused_naming_what_to_delete(
    platform, service, emulator, lake, waiter, clock, endpoint
):
    arns = [create(emulator, OWN, c) for c in (11, 12, 13, 14, 15)]
    for i, arn in enumerate(arns):
        other = emulator.add_service(REGION, f"worker-{i}", max_concurrency=80, max_size=10)
        point(emulator, clock, other["ServiceArn"], arn)
    endpoint.emulator.calls.clear()

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.status is ActionStatus.REFUSED
    assert "already has 5 revisions" in result.message and "every one is in use" in result.message
    assert arns[0] in result.message and "worker-0" in result.message
    assert "delete-auto-scaling-configuration" in result.message
    assert endpoint.write_calls() == []


def test_ten_names_refused_listing_the_unused_names_to_delete(
    platform, service, emulator, lake, waiter, endpoint
):
    for i in range(8):  # + DefaultConfiguration + checkout-api-asc = 10
        create(emulator, f"legacy-{i}", 20 + i)
    endpoint.emulator.calls.clear()

    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    result = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert result.status is ActionStatus.REFUSED
    assert "already has 10 auto scaling configuration names" in result.message
    assert "legacy-0" in result.message and "--delete-all-revisions" in result.message
    assert "checkout-api-asc (" not in result.message  # in use by the service: not offered
    assert endpoint.write_calls() == []
