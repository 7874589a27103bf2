"""A CreateExpressGatewayService request checked before a person runs it: botocore's ECS model, then the
ranges the model leaves out.

botocore's `ParamValidator` checks member names, types, required members and minimum lengths, but not
enums, maximums or Fargate's CPU/memory pairs, and the model puts no range on `scalingTarget` at all
(reference/ecs-express.md §2): those are checked here, each with what to write instead.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import OperationModel
from botocore.validate import ParamValidator

from advisor.pricing.ecs import task_sizes_text, valid_task_size

OPERATION = "CreateExpressGatewayService"
MAX_TAGS = 50  # the model's Tags list
TAG_KEY_LENGTH = (1, 128)
TAG_VALUE_MAX = 256
PERCENT_METRICS = ("AVERAGE_CPU", "AVERAGE_MEMORY")


@functools.cache
def express_operation() -> OperationModel:
    """botocore's CreateExpressGatewayService operation, from the ECS model it ships."""
    return botocore.session.get_session().get_service_model("ecs").operation_model(OPERATION)


def validate_express_request(request: dict[str, Any]) -> list[str]:
    """Every reason ECS would refuse `request` (or silently run something else); [] when it is valid."""
    shape = express_operation().input_shape
    assert shape is not None, "the model's CreateExpressGatewayService has an input shape"
    report = ParamValidator().validate(request, shape)
    problems = _report_lines(report.generate_report()) if report.has_errors() else []
    return problems + _range_problems(request, shape)


def _report_lines(report: str) -> list[str]:
    """botocore's report is one line per problem (its exception adds the header)."""
    return [line.strip() for line in report.splitlines() if line.strip()]


def _range_problems(request: dict[str, Any], shape: Any) -> list[str]:
    problems: list[str] = []
    if not request.get("taskDefinitionArn") and not request.get("primaryContainer"):
        problems.append("primaryContainer is missing: give the image to run (or a taskDefinitionArn)")
    problems += _task_size_problems(request)
    problems += _enum_problems(request, shape)
    scaling = request.get("scalingTarget")
    if isinstance(scaling, dict):
        problems += _scaling_problems(scaling)
    port = (request.get("primaryContainer") or {}).get("containerPort")
    if isinstance(port, int) and not 1 <= port <= 65535:
        problems.append(f"primaryContainer.containerPort={port} is invalid: allowed 1 to 65535")
    path = request.get("healthCheckPath")
    if isinstance(path, str) and not path.startswith("/"):
        problems.append(f"healthCheckPath={path!r} is invalid: write a path starting with '/'")
    return problems + _tag_problems(request.get("tags"))


def _task_size_problems(request: dict[str, Any]) -> list[str]:
    cpu, memory = request.get("cpu"), request.get("memory")
    if cpu is None and memory is None:
        return []
    if cpu is None or memory is None:
        return ["cpu and memory go together: give both (sources disagree on Express's defaults)"]
    if not (str(cpu).isdigit() and str(memory).isdigit()):
        return [f"cpu={cpu!r} / memory={memory!r}: write CPU units and MiB as digits, e.g. '1024' / '2048'"]
    if not valid_task_size(int(cpu), int(memory)):
        return [f"cpu={cpu} / memory={memory} is not a Fargate task size: allowed {task_sizes_text()}"]
    return []


def _enum_problems(request: dict[str, Any], shape: Any) -> list[str]:
    """The model's enums, which ParamValidator does not check."""
    checks = (
        ("cpuArchitecture", request.get("cpuArchitecture"), shape.members["cpuArchitecture"]),
        (
            "scalingTarget.autoScalingMetric",
            (request.get("scalingTarget") or {}).get("autoScalingMetric"),
            shape.members["scalingTarget"].members["autoScalingMetric"],
        ),
    )
    return [
        f"{name}={value!r} is invalid: allowed {', '.join(member.enum)}"
        for name, value, member in checks
        if value is not None and value not in member.enum
    ]


def _scaling_problems(scaling: dict[str, Any]) -> list[str]:
    problems = []
    low, high = scaling.get("minTaskCount"), scaling.get("maxTaskCount")
    if isinstance(low, int) and low < 1:
        problems.append(
            f"scalingTarget.minTaskCount={low} is invalid: allowed 1 or more (target tracking cannot wake "
            "a service at 0 tasks)"
        )
    if isinstance(low, int) and isinstance(high, int) and high < low:
        problems.append(
            f"scalingTarget.maxTaskCount={high} is invalid: allowed at least minTaskCount ({low})"
        )
    value, metric = scaling.get("autoScalingTargetValue"), scaling.get("autoScalingMetric")
    if isinstance(value, int) and value < 1:
        problems.append(f"scalingTarget.autoScalingTargetValue={value} is invalid: allowed 1 or more")
    if isinstance(value, int) and metric in PERCENT_METRICS and value > 100:
        problems.append(
            f"scalingTarget.autoScalingTargetValue={value} is invalid for {metric}: "
            "allowed 1 to 100 (percent)"
        )
    return problems


def _tag_problems(tags: Any) -> list[str]:
    if not isinstance(tags, list):
        return []
    problems = [f"tags: {len(tags)} given, allowed at most {MAX_TAGS}"] if len(tags) > MAX_TAGS else []
    for i, tag in enumerate(tags):
        key, value = (tag.get("key"), tag.get("value")) if isinstance(tag, dict) else (None, None)
        if isinstance(key, str) and not TAG_KEY_LENGTH[0] <= len(key) <= TAG_KEY_LENGTH[1]:
            problems.append(f"tags[{i}].key is {len(key)} characters: allowed 1 to {TAG_KEY_LENGTH[1]}")
        if isinstance(value, str) and len(value) > TAG_VALUE_MAX:
            problems.append(f"tags[{i}].value is {len(value)} characters: allowed at most {TAG_VALUE_MAX}")
    return problems
