"""The least-privilege IAM policy, generated from the `@aws_call` declarations of the code that runs.

Read-only: every read action declared in advisor.aws, scoped to resources where the action allows it
(App Runner services and configurations, the `/aws/apprunner/*` log groups) and `*` where it does not
(List*, CloudWatch metrics, STS, Service Quotas). With apply: UpdateService on services only; creating
configurations only under the advisor's names and only with its `managed-by` tag in the request; deleting
only configurations that carry that tag. With delivery: the cost report's S3 and SES actions, in a
statement of their own (scope its Resource to your bucket and identity).

Resources are built for the accounts and regions given (default `*`). Which actions take which resource
type, and the tag condition keys (aws:RequestTag and aws:TagKeys on CreateAutoScalingConfiguration and
TagResource, aws:ResourceTag on the service and autoscalingconfiguration resource types), are the Service
Authorization Reference's for App Runner and CloudWatch Logs [IAM-AR in reference/apprunner.md; read
from iam-floyd's generated apprunner statements].

The client modules are imported here by name: importing one registers its call sites, so the policy
covers every decorated function without advisor.aws importing its own modules back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import advisor.aws.apprunner
import advisor.aws.cloudwatch
import advisor.aws.costexplorer
import advisor.aws.logs
import advisor.aws.s3
import advisor.aws.servicequotas
import advisor.aws.ses
import advisor.aws.session  # noqa: F401  (importing them registers their call sites)
from advisor.apply.naming import ACTION_TAG, OWNER_TAG, OWNER_VALUE, PREFIX
from advisor.aws.calls import IAM_ACTIONS, REPORT_CALLS, WRITE_CALLS
from advisor.errors import InputError

Statement = dict[str, Any]

# action -> the resource types it can be scoped to (an action not listed takes only "*")
RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "apprunner:DescribeService": ("service",),
    "apprunner:DescribeCustomDomains": ("service",),
    "apprunner:ListOperations": ("service",),
    "apprunner:UpdateService": ("service",),
    "apprunner:DescribeAutoScalingConfiguration": ("autoscalingconfiguration",),
    "apprunner:ListServicesForAutoScalingConfiguration": ("autoscalingconfiguration",),
    "apprunner:ListTagsForResource": ("service", "autoscalingconfiguration"),
    "logs:FilterLogEvents": ("log-group",),
    "logs:DescribeLogStreams": ("log-group",),
}
READ_SIDS = {
    "service": "AdvisorReadServices",
    "autoscalingconfiguration": "AdvisorReadConfigurations",
    "log-group": "AdvisorReadAppRunnerLogs",
}
CREATE_ACTIONS = frozenset({"apprunner:CreateAutoScalingConfiguration", "apprunner:TagResource"})
DELETE_ACTIONS = frozenset({"apprunner:DeleteAutoScalingConfiguration"})
SERVICE_WRITES = frozenset({"apprunner:UpdateService"})
ACCOUNT = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


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


class Scope:
    """The accounts and regions the policy covers (`*` when none given), checked as IAM would need them."""

    def __init__(self, accounts: Sequence[str] = (), regions: Sequence[str] = ()):
        for account in accounts:
            if not ACCOUNT.fullmatch(account):
                raise InputError(f"--account {account!r}: an AWS account id is 12 digits")
        for region in regions:
            if not REGION.fullmatch(region):
                raise InputError(f"--region {region!r}: not a region name (like us-east-1)")
        self.accounts, self.regions = list(accounts) or ["*"], list(regions) or ["*"]

    def arns(self, resource_type: str, name: str = "*") -> list[str]:
        """Every ARN pattern of a resource type in the scope: `service/*`, `autoscalingconfiguration/
        advisor-*`, `log-group:/aws/apprunner/*`."""
        if resource_type == "log-group":
            tail, service = "log-group:/aws/apprunner/*", "logs"
        else:
            tail, service = f"{resource_type}/{name}", "apprunner"
        return [f"arn:aws:{service}:{r}:{a}:{tail}" for a in self.accounts for r in self.regions]


def policy_document(
    *,
    apply: bool = False,
    report: bool = False,
    accounts: Sequence[str] = (),
    regions: Sequence[str] = (),
    service_tag: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A least-privilege IAM policy document: the read actions, with `apply=True` the write actions, with
    `report=True` the report's delivery actions. `service_tag` (key, value) limits UpdateService to
    services carrying that tag."""
    scope = Scope(accounts, regions)
    statements = _read_statements(required_actions(), scope)
    if apply:
        statements += _apply_statements(write_actions(), scope, service_tag)
    if report:
        statements.append(_allow("AdvisorReportDelivery", report_actions(), ["*"]))
    return {"Version": "2012-10-17", "Statement": statements}


def _read_statements(actions: list[str], scope: Scope) -> list[Statement]:
    statements = [_allow("AppRunnerAdvisor", [a for a in actions if a not in RESOURCE_TYPES], ["*"])]
    for resource_type, sid in READ_SIDS.items():
        scoped = [a for a in actions if resource_type in RESOURCE_TYPES.get(a, ())]
        if scoped:
            statements.append(_allow(sid, scoped, scope.arns(resource_type)))
    return statements


def _apply_statements(
    writes: list[str], scope: Scope, service_tag: tuple[str, str] | None
) -> list[Statement]:
    statements = []
    service_writes = [a for a in writes if a in SERVICE_WRITES]
    if service_writes:
        condition = None
        if service_tag:
            condition = {"StringEquals": {f"aws:ResourceTag/{service_tag[0]}": service_tag[1]}}
        statements.append(_allow("AdvisorApplyServices", service_writes, scope.arns("service"), condition))
    creates = [a for a in writes if a in CREATE_ACTIONS]
    if creates:
        tagged = {
            "StringEquals": {f"aws:RequestTag/{OWNER_TAG}": OWNER_VALUE},
            "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG, ACTION_TAG]},
        }
        own_names = scope.arns("autoscalingconfiguration", f"{PREFIX}*")
        statements.append(_allow("AdvisorCreateTaggedConfigurations", creates, own_names, tagged))
    deletes = [a for a in writes if a in DELETE_ACTIONS]
    if deletes:
        owned = {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": OWNER_VALUE}}
        own_names = scope.arns("autoscalingconfiguration", f"{PREFIX}*")  # the tag decides; the name too
        statements.append(_allow("AdvisorDeleteOwnConfigurations", deletes, own_names, owned))
    other = [a for a in writes if a not in SERVICE_WRITES | CREATE_ACTIONS | DELETE_ACTIONS]
    if other:  # a write call site added without a scope here: granted, visibly, rather than failing
        statements.append(_allow("AdvisorApplyOther", other, ["*"]))
    return statements


def _allow(
    sid: str, actions: list[str], resources: list[str], condition: dict[str, Any] | None = None
) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": resources[0] if resources == ["*"] else resources,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def policy_json(**options: Any) -> str:
    """What `advisor iam-policy [--apply] [--delivery] [--account A] [--region R]` prints."""
    return json.dumps(policy_document(**options), indent=2)


def policy_actions(*, apply: bool = False, report: bool = False) -> list[str]:
    """Every action the policy grants, flattened."""
    statements: list[Statement] = policy_document(apply=apply, report=report)["Statement"]
    return sorted({a for s in statements for a in s["Action"]})
