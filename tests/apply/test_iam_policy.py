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


def test_the_read_only_policy_has_no_write_action():
    document = policy_document()
    assert len(document["Statement"]) == 1
    assert not set(policy_actions()) & set(write_actions())


def test_the_apply_policy_adds_exactly_the_writes_apply_code_calls():
    used = actions_apply_code_reaches()
    writes = set(write_actions())
    assert writes == {
        "apprunner:CreateAutoScalingConfiguration",
        "apprunner:DeleteAutoScalingConfiguration",
        "apprunner:UpdateService",
    }
    assert used & writes == writes  # every write permission granted is used by apply
    assert set(policy_actions(apply=True)) == set(required_actions()) | writes
    assert used <= set(policy_actions(apply=True))  # and everything apply calls is granted


def test_configuration_writes_are_scoped_to_the_advisors_own_names():
    statements = {s["Sid"]: s for s in policy_document(apply=True)["Statement"]}
    own = statements["AdvisorApplyOwnConfigurations"]
    assert own["Resource"] == f"arn:aws:apprunner:*:*:autoscalingconfiguration/{PREFIX}*"
    assert set(own["Action"]) == {
        "apprunner:CreateAutoScalingConfiguration",
        "apprunner:DeleteAutoScalingConfiguration",
    }


def test_a_real_apply_and_rollback_call_only_what_the_policy_grants(
    platform, service, emulator, lake, waiter
):
    for c in (11, 12, 13, 14, 15):  # a full name, so the run deletes a revision too
        body = {"AutoScalingConfigurationName": "advisor-checkout-api", "MaxConcurrency": c}
        emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    plan = plan_apply(platform, SERVICE, lake=lake, values=ScalingConfig(60, 2, 8))
    assert execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter).ok
    assert execute(
        plan_rollback(platform, SERVICE, lake=lake), platform, lake=lake, allow_apply=True, waiter=waiter
    ).ok

    called = set(platform.session.calls)

    assert called <= set(policy_actions(apply=True))
    assert called & set(write_actions()) == set(write_actions())
    assert called <= set(policy_actions()) | set(write_actions())
