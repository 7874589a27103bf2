"""App Runner's configuration quotas, as the account has them: read from Service Quotas (10 names and 5
revisions only when they cannot be read, with a note), room made only by deleting the advisor's own unused
revisions (by tag), everything else refused naming what a person could delete."""

from __future__ import annotations

import json

import pytest

from advisor.apply import ActionStatus, execute, plan_apply
from advisor.domain import QuotaWarning, ScalingConfig

from .conftest import OPERATION_SECONDS, REGION, SERVICE

TARGET = ScalingConfig(60, 2, 8)
OWN = "advisor-c60-m2-M8"  # the target's name by value
OURS = {"managed-by": "apprunner-advisor", "advisor-action-id": "earlier"}


def create(emulator, name: str, c: int, m: int = 1, big_m: int = 10, tags: dict | None = None) -> str:
    body = {"AutoScalingConfigurationName": name, "MaxConcurrency": c, "MinSize": m, "MaxSize": big_m}
    if tags:
        body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    _, _, raw = emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    return json.loads(raw)["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]


def point(emulator, clock, service_arn: str, config_arn: str) -> None:
    body = {"ServiceArn": service_arn, "AutoScalingConfigurationArn": config_arn}
    emulator.handle("UpdateService", json.dumps(body).encode(), REGION)
    clock.advance(OPERATION_SECONDS)


def apply(platform, lake, waiter, values=TARGET, service=SERVICE):
    plan = plan_apply(platform, service, lake=lake, values=values)
    return plan, execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)


def test_a_full_name_loses_its_oldest_unused_revision_of_ours(platform, service, emulator, lake, waiter):
    arns = [create(emulator, OWN, c, tags=OURS) for c in (11, 12, 13, 14, 15)]

    plan, result = apply(platform, lake, waiter)

    assert [d.arn for d in plan.deletions] == [arns[0]]
    assert plan.steps[0].action == "apprunner:DeleteAutoScalingConfiguration"
    assert result.ok, result.message
    assert [r.revision for r in platform.revisions(OWN)] == [2, 3, 4, 5, 6]
    assert f"deleted revision {arns[0]} to make room" in result.message


def test_a_revision_in_use_is_never_the_one_deleted(platform, service, emulator, lake, clock):
    other = emulator.add_service(REGION, "search-api", max_concurrency=80, max_size=10)
    arns = [create(emulator, OWN, c, tags=OURS) for c in (11, 12, 13, 14, 15)]
    point(emulator, clock, other["ServiceArn"], arns[0])

    plan = plan_apply(platform, SERVICE, lake=lake, values=TARGET)

    assert [d.arn for d in plan.deletions] == [arns[1]]


def test_a_full_name_all_in_use_is_refused_naming_what_to_delete(
    platform, service, emulator, lake, waiter, clock, endpoint
):
    arns = [create(emulator, OWN, c, tags=OURS) for c in (11, 12, 13, 14, 15)]
    for i, arn in enumerate(arns):
        other = emulator.add_service(REGION, f"worker-{i}", max_concurrency=80, max_size=10)
        point(emulator, clock, other["ServiceArn"], arn)
    endpoint.emulator.calls.clear()

    _, result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.REFUSED
    assert "already has 5 revisions" in result.message and "worker-0" in result.message
    assert arns[0] in result.message and "delete-auto-scaling-configuration" in result.message
    assert endpoint.write_calls() == []


def test_ten_names_refused_listing_the_unused_names_to_delete(
    platform, service, emulator, lake, waiter, endpoint
):
    for i in range(8):  # + DefaultConfiguration + checkout-api-asc = 10, none of them the advisor's
        create(emulator, f"legacy-{i}", 20 + i)
    endpoint.emulator.calls.clear()

    _, result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.REFUSED
    assert "already has 10 auto scaling configuration names" in result.message
    assert "the account's quota is 10 (Service Quotas)" in result.message
    assert "legacy-0" in result.message and "--delete-all-revisions" in result.message
    assert "checkout-api-asc (" not in result.message  # in use by the service: not offered
    assert endpoint.write_calls() == []


def test_a_raised_names_quota_is_the_limit_not_ten(platform, service, emulator, lake, waiter):
    emulator.quotas.config_names = 12  # raised through Service Quotas
    for i in range(8):  # 10 names in use: App Runner's default quota is full, this account's is not
        create(emulator, f"legacy-{i}", 20 + i)

    plan, result = apply(platform, lake, waiter)

    assert plan.ok and result.succeeded, result.message
    assert len({r.name for r in platform.revisions()}) == 11


def test_quotas_that_cannot_be_read_fall_back_to_ten_and_say_so(
    platform, service, emulator, lake, waiter, endpoint
):
    endpoint.serve_quotas = False  # a policy without servicequotas:ListServiceQuotas
    for i in range(8):
        create(emulator, f"legacy-{i}", 20 + i)

    _, result = apply(platform, lake, waiter)

    assert result.status is ActionStatus.REFUSED
    assert "App Runner's default quota is 10" in result.message
    assert "servicequotas:ListServiceQuotas" in result.message


def test_at_the_names_quota_an_unused_name_of_ours_makes_room(
    platform, service, emulator, lake, waiter, endpoint
):
    for i in range(7):
        create(emulator, f"legacy-{i}", 20 + i)
    ours = create(emulator, "advisor-c30-m1-M4", 30, 1, 4, tags=OURS)  # the 10th name: ours, unused

    plan, result = apply(platform, lake, waiter)

    assert [d.arn for d in plan.deletions] == [ours]
    assert result.succeeded, result.message
    assert "advisor-c30-m1-M4" not in {r.name for r in platform.revisions()}


def test_with_every_name_taken_a_revision_goes_under_a_name_of_ours_with_room(
    platform, service, emulator, lake, waiter, clock
):
    for i in range(7):
        create(emulator, f"legacy-{i}", 20 + i)
    ours = create(emulator, "advisor-c30-m1-M4", 30, 1, 4, tags=OURS)  # the 10th name: ours, in use
    other = emulator.add_service(REGION, "search-api", max_concurrency=80, max_size=10)
    point(emulator, clock, other["ServiceArn"], ours)

    plan, result = apply(platform, lake, waiter)

    assert plan.ok and plan.config_name == "advisor-c30-m1-M4" and plan.deletions == ()
    assert any("every configuration name of us-east-1 is taken (10)" in n for n in plan.notes)
    assert result.succeeded, result.message
    revisions = [r for r in platform.revisions() if r.name == "advisor-c30-m1-M4"]
    assert sorted(r.revision for r in revisions) == [1, 2]
    assert len({r.name for r in platform.revisions()}) == 10


def test_with_every_name_taken_and_none_of_ours_the_refusal_stands(platform, service, emulator, lake, waiter):
    for i in range(8):  # + DefaultConfiguration + checkout-api-asc = 10: a person's names, none ours
        create(emulator, f"legacy-{i}", 20 + i)

    plan, _ = apply(platform, lake, waiter)

    assert not plan.ok and plan.config_name == OWN


def test_an_advisor_named_configuration_without_our_tag_is_never_deleted(
    platform, service, emulator, lake, waiter, endpoint
):
    for i in range(7):
        create(emulator, f"legacy-{i}", 20 + i)
    create(emulator, "advisor-c30-m1-M4", 30, 1, 4)  # a person's, named like ours: no tag
    endpoint.emulator.calls.clear()

    plan, result = apply(platform, lake, waiter)

    assert plan.deletions == () and result.status is ActionStatus.REFUSED
    assert endpoint.write_calls() == []


def test_a_full_untagged_advisor_named_configuration_is_left_alone(
    platform, service, emulator, lake, waiter, endpoint
):
    lookalike = [create(emulator, "advisor-checkout-api", c) for c in (11, 12, 13, 14, 15)]  # no tag
    endpoint.emulator.calls.clear()

    plan, result = apply(platform, lake, waiter)

    assert result.succeeded and plan.deletions == ()
    assert "DeleteAutoScalingConfiguration" not in endpoint.write_calls()
    assert [r.arn for r in platform.revisions("advisor-checkout-api")] == lookalike


def test_a_users_configuration_with_the_same_values_is_reused(platform, service, emulator, lake, waiter):
    terraform = create(emulator, "tf-checkout-scaling", 60, 2, 8)

    plan, result = apply(platform, lake, waiter)

    assert not plan.creates and plan.target.arn == terraform
    assert result.succeeded and platform.describe_service(service["ServiceArn"]).scaling.arn == terraform


def test_services_with_the_same_values_share_one_configuration_named_by_value(
    platform, service, emulator, lake, waiter, endpoint
):
    emulator.add_service(REGION, "search-api", max_concurrency=80, max_size=10)

    _, first = apply(platform, lake, waiter)
    plan, second = apply(platform, lake, waiter, service="search-api")

    assert first.succeeded and second.succeeded
    assert first.action.after.name == OWN and second.action.after.arn == first.action.after.arn
    assert not plan.creates
    assert endpoint.write_calls().count("CreateAutoScalingConfiguration") == 1


def test_a_created_configuration_is_tagged_as_the_advisors_with_the_action_id(
    platform, service, lake, waiter
):
    _, result = apply(platform, lake, waiter)

    tags = platform.tags(result.action.after.arn)
    assert tags == {"managed-by": "apprunner-advisor", "advisor-action-id": result.action_id}


def big(c: int = 60, m: int = 1, big_m: int = 40) -> ScalingConfig:
    with pytest.warns(QuotaWarning):  # above App Runner's default: the domain says so once
        return ScalingConfig(c, m, big_m)


def test_max_size_above_25_is_applied_when_the_accounts_quota_allows_it(
    platform, service, emulator, lake, waiter
):
    emulator.quotas.max_size = 50  # raised by AWS Support, reported by Service Quotas

    plan, result = apply(platform, lake, waiter, values=big(big_m=40))

    assert plan.ok and plan.overridden == ()
    assert result.succeeded, result.message
    live = platform.describe_service(service["ServiceArn"])
    assert platform.describe_revision(live.scaling.arn).settings.max_size == 40


def test_max_size_above_the_raised_quota_is_refused_naming_it(platform, service, emulator, lake, waiter):
    emulator.quotas.max_size = 50

    _, result = apply(platform, lake, waiter, values=big(big_m=60))

    assert result.status is ActionStatus.REFUSED
    assert "above this account's quota of 50 (Service Quotas)" in result.message


def test_max_size_above_25_with_unreadable_quotas_needs_force(
    platform, service, emulator, lake, waiter, endpoint
):
    emulator.quotas.max_size = 50
    endpoint.serve_quotas = False

    _, refused = apply(platform, lake, waiter, values=big(big_m=40))
    plan = plan_apply(platform, SERVICE, lake=lake, values=big(big_m=40), force=True)
    forced = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)

    assert refused.status is ActionStatus.REFUSED and "pass --force" in refused.message
    assert forced.succeeded, forced.message


def test_service_quotas_entries_are_read_by_name_and_missing_ones_default():
    from advisor.aws.servicequotas import AppliedQuota
    from advisor.platform.apprunner import config_quotas

    quotas = config_quotas(
        [
            AppliedQuota("L-AAAA1111", "Auto Scaling Configurations", 20.0),
            AppliedQuota("L-BBBB2222", "Services", 30.0),  # not one of ours
        ]
    )

    assert (quotas.config_names, quotas.revisions_per_name, quotas.max_size) == (20, 5, 25)
    assert quotas.source == "service-quotas"
    assert quotas.note is not None and "max_size, revisions_per_name" in quotas.note


def test_plans_made_together_create_one_configuration_for_the_same_values(
    platform, service, emulator, lake, waiter, endpoint
):
    emulator.add_service(REGION, "search-api", max_concurrency=80, max_size=10)
    first = plan_apply(platform, SERVICE, lake=lake, values=TARGET)  # a fleet run plans every service,
    second = plan_apply(platform, "search-api", lake=lake, values=TARGET)  # then executes them in turn

    results = [execute(p, platform, lake=lake, allow_apply=True, waiter=waiter) for p in (first, second)]

    assert first.creates and second.creates  # neither plan could know of the other's revision
    assert all(r.succeeded for r in results)
    assert results[1].action.after.arn == results[0].action.after.arn
    assert endpoint.write_calls().count("CreateAutoScalingConfiguration") == 1


def test_a_plan_says_when_the_quotas_are_app_runners_defaults(platform, service, lake, endpoint):
    endpoint.serve_quotas = False

    plan = plan_apply(platform, SERVICE, lake=lake, values=TARGET)

    assert plan.ok and len(plan.notes) == 1
    assert "servicequotas:ListServiceQuotas" in plan.notes[0] and "10 configuration names" in plan.notes[0]
