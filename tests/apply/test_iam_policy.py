"""The IAM policy is generated from the code: read-only by default, and with --apply exactly the write
actions apply makes, no more (checked statically on the source and dynamically on a real run)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from advisor.apply import execute, plan_apply, plan_rollback
from advisor.apply.naming import PREFIX
from advisor.apply.policy import policy_actions, policy_document, required_actions, write_actions
from advisor.aws.calls import IAM_ACTIONS
from advisor.domain import ScalingConfig

from .conftest import REGION, SERVICE

ADVISOR = Path(__file__).resolve().parents[2] / "advisor"
APPLY_CODE = (ADVISOR / "apply", ADVISOR / "platform")  # apply reaches AWS through the platform


def actions_apply_code_reaches() -> set[str]:
    """IAM actions of every advisor.aws function the apply package calls (`ar.update_service(...)` or an
    imported name such as `caller_identity(...)`)."""
    required_actions()  # registers every call site
    by_name = {key.rsplit(".", 1)[1]: actions for key, actions in IAM_ACTIONS.items()}
    found: set[str] = set()
    for path in (p for package in APPLY_CODE for p in package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            is_aws = isinstance(func, ast.Name) or (
                isinstance(func.value, ast.Name) and func.value.id == "ar"
            )
            if name in by_name and is_aws:
                found |= set(by_name[name])
    return found


def statements(**options) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy_document(**options)["Statement"]}


def test_the_read_only_policy_has_no_write_action():
    assert not any(s.startswith("AdvisorApply") for s in statements())
    assert not set(policy_actions()) & set(write_actions())


def test_the_apply_policy_adds_exactly_the_writes_apply_code_calls():
    used = actions_apply_code_reaches()
    writes = set(write_actions())
    assert writes == {
        "apprunner:CreateAutoScalingConfiguration",
        "apprunner:DeleteAutoScalingConfiguration",
        "apprunner:TagResource",  # tags passed to CreateAutoScalingConfiguration
        "apprunner:UpdateService",
    }
    assert used & writes == writes  # every write permission granted is used by apply
    assert set(policy_actions(apply=True)) == set(required_actions()) | writes
    assert used <= set(policy_actions(apply=True))  # and everything apply calls is granted


def test_configurations_are_created_only_under_our_names_and_with_our_tag():
    create = statements(apply=True)["AdvisorCreateTaggedConfigurations"]
    assert create["Resource"] == [f"arn:aws:apprunner:*:*:autoscalingconfiguration/{PREFIX}*"]
    assert set(create["Action"]) == {"apprunner:CreateAutoScalingConfiguration", "apprunner:TagResource"}
    assert create["Condition"]["StringEquals"] == {"aws:RequestTag/managed-by": "apprunner-advisor"}
    assert create["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"] == [
        "managed-by",
        "advisor-action-id",
    ]


def test_configurations_are_deleted_only_when_they_carry_our_tag():
    delete = statements(apply=True)["AdvisorDeleteOwnConfigurations"]
    assert delete["Action"] == ["apprunner:DeleteAutoScalingConfiguration"]
    assert delete["Condition"] == {"StringEquals": {"aws:ResourceTag/managed-by": "apprunner-advisor"}}


def test_update_service_is_scoped_to_services_of_the_accounts_and_regions_given():
    update = statements(apply=True, accounts=["111122223333"], regions=["us-east-1", "eu-west-1"])[
        "AdvisorApplyServices"
    ]
    assert update["Action"] == ["apprunner:UpdateService"]
    assert update["Resource"] == [
        "arn:aws:apprunner:us-east-1:111122223333:service/*",
        "arn:aws:apprunner:eu-west-1:111122223333:service/*",
    ]
    assert "Condition" not in update


def test_update_service_can_require_a_tag_on_the_service():
    update = statements(apply=True, service_tag=("team", "payments"))["AdvisorApplyServices"]
    assert update["Condition"] == {"StringEquals": {"aws:ResourceTag/team": "payments"}}


def test_read_actions_are_scoped_where_app_runner_and_logs_allow_it():
    read = statements(regions=["us-east-1"])
    assert read["AdvisorReadAppRunnerLogs"]["Resource"] == [
        "arn:aws:logs:us-east-1:*:log-group:/aws/apprunner/*"
    ]
    assert set(read["AdvisorReadAppRunnerLogs"]["Action"]) == {
        "logs:FilterLogEvents",
        "logs:DescribeLogStreams",
    }
    assert "apprunner:DescribeService" in read["AdvisorReadServices"]["Action"]
    assert read["AdvisorReadServices"]["Resource"] == ["arn:aws:apprunner:us-east-1:*:service/*"]
    assert "apprunner:DescribeService" not in read["AppRunnerAdvisor"]["Action"]  # the "*" statement
    assert read["AppRunnerAdvisor"]["Resource"] == "*"


def test_delivery_permissions_only_when_asked():
    assert "AdvisorReportDelivery" not in statements(apply=True)
    delivery = statements(report=True)["AdvisorReportDelivery"]
    assert set(delivery["Action"]) == {"s3:PutObject", "ses:SendRawEmail"}


def granted_by_scoped_policy(
    action: str, arn: str, tags: dict[str, str], request_tags: dict[str, str]
) -> bool:
    """Whether some statement of the apply policy allows `action` on `arn`: a small evaluator of exactly
    the forms the policy uses (ARN wildcards, StringEquals on aws:ResourceTag / aws:RequestTag)."""
    import fnmatch

    for statement in policy_document(apply=True)["Statement"]:
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        if action not in statement["Action"] or not any(fnmatch.fnmatchcase(arn, r) for r in resources):
            continue
        equals = statement.get("Condition", {}).get("StringEquals", {})
        context = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
        context |= {f"aws:RequestTag/{k}": v for k, v in request_tags.items()}
        if all(context.get(key) == value for key, value in equals.items()):
            return True
    return False


def test_a_real_apply_and_prune_call_only_what_the_policy_grants_on_those_resources(
    platform, service, emulator, lake, waiter, endpoint
):
    for i in range(7):  # 10 names: the apply must first delete an unused configuration of ours
        body = {"AutoScalingConfigurationName": f"legacy-{i}", "MaxConcurrency": 20 + i}
        emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    ours = {"AutoScalingConfigurationName": "advisor-c30-m1-M4", "MaxConcurrency": 30, "MaxSize": 4}
    ours["Tags"] = [{"Key": "managed-by", "Value": "apprunner-advisor"}]
    emulator.handle("CreateAutoScalingConfiguration", json.dumps(ours).encode(), REGION)
    emulator.calls.clear()
    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    assert execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter).ok
    assert execute(
        plan_rollback(platform, SERVICE, lake=lake), platform, lake=lake, allow_apply=True, waiter=waiter
    ).ok

    writes = [
        c
        for c in emulator.calls
        if c["operation"]
        in {"CreateAutoScalingConfiguration", "UpdateService", "DeleteAutoScalingConfiguration"}
    ]
    assert {c["operation"] for c in writes} == {
        "CreateAutoScalingConfiguration",
        "UpdateService",
        "DeleteAutoScalingConfiguration",
    }
    for call in writes:
        params = call["params"]
        if call["operation"] == "CreateAutoScalingConfiguration":
            name = params["AutoScalingConfigurationName"]
            arn = f"arn:aws:apprunner:{REGION}:123456789012:autoscalingconfiguration/{name}/1/x"
            request_tags = {t["Key"]: t["Value"] for t in params.get("Tags", [])}
            assert granted_by_scoped_policy("apprunner:CreateAutoScalingConfiguration", arn, {}, request_tags)
        elif call["operation"] == "DeleteAutoScalingConfiguration":
            arn = params["AutoScalingConfigurationArn"]
            assert granted_by_scoped_policy(
                "apprunner:DeleteAutoScalingConfiguration", arn, platform_tags(emulator, arn), {}
            )
        else:
            assert granted_by_scoped_policy("apprunner:UpdateService", params["ServiceArn"], {}, {})

    called = {a.replace("service-quotas:", "servicequotas:") for a in platform.session.calls}
    assert called <= set(policy_actions(apply=True))


def platform_tags(emulator, arn: str) -> dict[str, str]:
    for rev in emulator._regions[REGION].configs.get(arn.split("/")[1], []):
        if rev.arn == arn:
            return rev.tags
    return {}
