"""Permissions next to code: every AWS call in advisor/aws is covered by the IAM actions declared with it."""

from __future__ import annotations

import ast
from pathlib import Path

import boto3
import pytest

from advisor.apply.policy import policy_document as iam_policy
from advisor.apply.policy import required_actions

AWS_PACKAGE = Path(__file__).resolve().parents[2] / "advisor" / "aws"
SERVICES = {
    "apprunner": "apprunner",
    "cloudwatch": "cloudwatch",
    "logs": "logs",
    "sts": "sts",
    "service-quotas": "servicequotas",
    "ce": "ce",
}  # client -> IAM prefix


def operation_actions() -> dict[str, set[str]]:
    """snake_case operation name -> the IAM actions it could be, for every service the advisor talks to."""
    actions: dict[str, set[str]] = {}
    for service, prefix in SERVICES.items():
        client = boto3.session.Session().client(service, region_name="us-east-1")
        for snake, camel in client.meta.method_to_api_mapping.items():
            actions.setdefault(snake, set()).add(f"{prefix}:{camel}")
    return actions


OPERATIONS = operation_actions()


def called_operations(node: ast.AST) -> set[str]:
    """Operations called: `client.describe_service(...)` or `paginate(client, "list_services", ...)`."""
    found = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        if isinstance(call.func, ast.Attribute) and call.func.attr in OPERATIONS:
            found.add(call.func.attr)
        for arg in call.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value in OPERATIONS:
                found.add(arg.value)
    return found


def declared_actions(function: ast.FunctionDef) -> set[str]:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "aws_call":
            return {arg.value for arg in decorator.args if isinstance(arg, ast.Constant)}
    return set()


def module_functions() -> list[tuple[str, dict[str, ast.FunctionDef]]]:
    modules = []
    for path in sorted(AWS_PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        modules.append((path.name, functions))
    return modules


def operations_reached(function: ast.FunctionDef, functions: dict[str, ast.FunctionDef]) -> set[str]:
    """Its own calls plus those of the private helpers of its module it calls by name."""
    reached = called_operations(function)
    for call in ast.walk(function):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            helper = functions.get(call.func.id)
            if helper is not None and helper.name.startswith("_") and not declared_actions(helper):
                reached |= called_operations(helper)
    return reached


CALL_SITES = [
    (module, name, function, functions)
    for module, functions in module_functions()
    for name, function in functions.items()
    if not name.startswith("_") and operations_reached(function, functions)
]


def test_the_scan_finds_the_call_sites():
    names = {(module, name) for module, name, _, _ in CALL_SITES}
    assert ("apprunner.py", "list_services") in names
    assert ("cloudwatch.py", "get_metric_data") in names
    assert ("logs.py", "iter_log_event_pages") in names
    assert ("session.py", "caller_identity") in names
    assert ("costexplorer.py", "daily_service_costs") in names


@pytest.mark.parametrize(
    ("module", "name", "function", "functions"), CALL_SITES, ids=[f"{m}:{n}" for m, n, _, _ in CALL_SITES]
)
def test_every_aws_call_site_declares_its_iam_action(module, name, function, functions):
    declared = declared_actions(function)
    for operation in operations_reached(function, functions):
        assert OPERATIONS[operation] & declared, (
            f"{module}:{name} calls {operation} but declares {sorted(declared) or 'no IAM action'}"
        )


def test_the_read_policy_is_exactly_what_the_code_calls():
    assert required_actions() == [
        "apprunner:DescribeAutoScalingConfiguration",
        "apprunner:DescribeCustomDomains",
        "apprunner:DescribeService",
        "apprunner:DescribeVpcConnector",
        "apprunner:ListAutoScalingConfigurations",
        "apprunner:ListOperations",
        "apprunner:ListServices",
        "apprunner:ListServicesForAutoScalingConfiguration",
        "apprunner:ListTagsForResource",
        "ce:GetCostAndUsageWithResources",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "servicequotas:ListServiceQuotas",
        "sts:GetCallerIdentity",
    ]
    assert not any(
        a.split(":")[1].startswith(("Create", "Update", "Delete", "Pause", "Resume"))
        for a in required_actions()
    )


def test_the_policy_document_is_valid_iam_json():
    policy = iam_policy()
    assert policy["Version"] == "2012-10-17"
    granted = sorted({a for statement in policy["Statement"] for a in statement["Action"]})
    assert granted == required_actions()
    assert all(s["Effect"] == "Allow" and s["Resource"] for s in policy["Statement"])
