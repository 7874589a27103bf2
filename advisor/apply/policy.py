"""The least-privilege IAM policy, generated from the `@aws_call` declarations of the code that runs.

Read-only: every read action declared in advisor.aws. With apply: also the write actions, configuration
writes limited to the advisor's own names (the prefix of advisor.apply.naming). With report: the cost
report's delivery actions, in a statement of their own.

The client modules are imported here by name: importing one registers its call sites, so the policy
covers every decorated function without advisor.aws importing its own modules back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import advisor.aws.apprunner
import advisor.aws.cloudwatch
import advisor.aws.logs
import advisor.aws.s3
import advisor.aws.ses
import advisor.aws.session  # noqa: F401  (importing them registers their call sites)
from advisor.apply.naming import PREFIX
from advisor.aws.calls import IAM_ACTIONS, REPORT_CALLS, WRITE_CALLS

# A revision ARN is `.../<name>/<revision>/<id>`: the advisor creates and deletes only its own names.
APPLY_CONFIG_RESOURCE = f"arn:aws:apprunner:*:*:autoscalingconfiguration/{PREFIX}*"
CONFIG_WRITE_ACTIONS = frozenset(
    {"apprunner:CreateAutoScalingConfiguration", "apprunner:DeleteAutoScalingConfiguration"}
)

Statement = dict[str, Any]


def required_actions() -> list[str]:
    """The read actions call sites declared, sorted: the whole read-only policy."""
    return _actions(lambda key: key not in WRITE_CALLS and key not in REPORT_CALLS)


def write_actions() -> list[str]:
    """The actions of the call sites that change AWS (apply only), sorted."""
    return _actions(lambda key: key in WRITE_CALLS)


def report_actions() -> list[str]:
    """The actions the cost report's delivery needs (S3 upload, SES e-mail), sorted."""
    return _actions(lambda key: key in REPORT_CALLS)


def _actions(wanted: Callable[[str], bool]) -> list[str]:
    return sorted({a for key, actions in IAM_ACTIONS.items() if wanted(key) for a in actions})


def policy_document(*, apply: bool = False, report: bool = False) -> dict[str, Any]:
    """A least-privilege IAM policy document: the read actions, plus with `apply=True` the write actions
    (configuration writes limited to the advisor's own names), and with `report=True` the report's
    delivery actions (scope their Resource to your bucket and identity)."""
    statements: list[Statement] = [_allow("AppRunnerAdvisor", required_actions())]
    if apply:
        writes = write_actions()
        service_writes = [a for a in writes if a not in CONFIG_WRITE_ACTIONS]
        config_writes = [a for a in writes if a in CONFIG_WRITE_ACTIONS]
        if service_writes:
            statements.append(_allow("AdvisorApplyServices", service_writes))
        if config_writes:
            statements.append(_allow("AdvisorApplyOwnConfigurations", config_writes, APPLY_CONFIG_RESOURCE))
    if report:
        statements.append(_allow("AdvisorReportDelivery", report_actions()))
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(sid: str, actions: list[str], resource: str = "*") -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def policy_json(*, apply: bool = False) -> str:
    """What `advisor iam-policy [--apply]` prints."""
    return json.dumps(policy_document(apply=apply), indent=2)


def policy_actions(*, apply: bool = False) -> list[str]:
    """Every action the policy grants, flattened."""
    statements: list[Statement] = policy_document(apply=apply)["Statement"]
    return sorted({a for s in statements for a in s["Action"]})
