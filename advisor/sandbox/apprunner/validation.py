"""Requests checked as App Runner checks them: every input shape of botocore's model (botocore's client
checks only minimums), and the rules the model leaves to the developer guide.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StringShape, StructureShape

from advisor.domain import (
    SERVICE_NAME_PATTERN,
    InstanceSize,
)
from advisor.errors import ConfigError
from advisor.sandbox.apprunner.errors import INVALID_REQUEST, SERIALIZATION, AppRunnerError, service_model
from advisor.sandbox.apprunner.state import merge

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
}


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:  # a Java-only construct: skip the check rather than reject valid input
        return None


def validate_input(operation: OperationModel, params: dict[str, Any]) -> None:
    """Check a request as the service does: a wrong JSON type is a SerializationException, a broken
    constraint an InvalidRequestException listing every violation (the model has no ValidationException)."""
    errors: list[str] = []
    if operation.input_shape is not None:
        _check(operation.input_shape, params, "", errors)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise AppRunnerError(
            INVALID_REQUEST, f"{len(errors)} validation {noun} detected: " + "; ".join(errors)
        )


def _has_json_type(shape: Shape, value: Any) -> bool:
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    return isinstance(value, expected) and (shape.type_name == "boolean" or not isinstance(value, bool))


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    if not _has_json_type(shape, value):
        where = path or "the request body"
        raise AppRunnerError(
            SERIALIZATION, f"Expected {shape.type_name} at '{where}', got {type(value).__name__}"
        )
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path, errors)
    elif isinstance(shape, ListShape):
        _check_length(shape, value, path, errors)
        for i, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{i}.member", errors)
    elif isinstance(shape, MapShape):
        _check_length(shape, value, path, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", errors)
            _check(shape.value, item, f"{path}.{key}.value", errors)
    elif isinstance(shape, StringShape):
        _check_string(shape, value, path, errors)
    elif shape.type_name in ("integer", "long"):
        _check_range(shape, value, path, errors)


def _check_structure(shape: StructureShape, value: dict[str, Any], path: str, errors: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(
                f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, member in shape.members.items():  # unknown members are ignored, as AWS does
        if value.get(name) is not None:
            _check(member, value[name], _member_path(path, name), errors)


def _member_path(path: str, name: str) -> str:
    """AWS names members in validation messages in lowerCamelCase: 'instanceConfiguration.cpu'."""
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


def _violation(shape: Shape, value: Any, path: str, rule: str) -> str:
    shown = "" if shape.metadata.get("sensitive") else f" '{value}'"
    return f"Value{shown} at '{path}' failed to satisfy constraint: Member must {rule}"


def _check_length(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        errors.append(_violation(shape, value, path, f"have length greater than or equal to {low}"))
    if high is not None and len(value) > high:
        errors.append(_violation(shape, value, path, f"have length less than or equal to {high}"))


def _check_string(shape: StringShape, value: str, path: str, errors: list[str]) -> None:
    _check_length(shape, value, path, errors)
    if shape.enum and value not in shape.enum:
        errors.append(_violation(shape, value, path, f"satisfy enum value set: [{', '.join(shape.enum)}]"))
    regex = shape.metadata.get("pattern")
    compiled = _pattern(regex) if regex else None
    if compiled is not None and not compiled.fullmatch(value):
        errors.append(_violation(shape, value, path, f"satisfy regular expression pattern: {regex}"))


def _check_range(shape: Shape, value: int, path: str, errors: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        errors.append(_violation(shape, value, path, f"have value greater than or equal to {low}"))
    if high is not None and value > high:
        errors.append(_violation(shape, value, path, f"have value less than or equal to {high}"))


def instance_config(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Cpu/Memory merged with the current ones, as a valid pair, in the API units DescribeService shows."""
    merged = merge(current["InstanceConfiguration"], update)
    try:
        size = InstanceSize.parse(merged["Cpu"], merged["Memory"])
    except ConfigError as err:
        raise AppRunnerError(INVALID_REQUEST, str(err)) from None
    return {**merged, **size.to_api()}


def check_source_kind(current: dict[str, Any], update: dict[str, Any]) -> None:
    """The model: a service can't switch between a code and an image repository."""
    for kind, other in (("CodeRepository", "ImageRepository"), ("ImageRepository", "CodeRepository")):
        if kind in update and other in current:
            raise AppRunnerError(
                INVALID_REQUEST, f"This service deploys from an {other}: it can't use a {kind}."
            )


def seeded_config(default: dict[str, Any], setup: dict[str, Any], name: str) -> dict[str, Any]:
    """A seeded service's configuration: `setup` over the defaults, valid as a CreateService request."""
    config = merge(default, setup)
    source = setup.get("SourceConfiguration", {})
    if "CodeRepository" in source:  # a code service has no image, and reaches GitHub by a connection
        config["SourceConfiguration"].pop("ImageRepository", None)
        config["SourceConfiguration"]["AuthenticationConfiguration"] = source.get(
            "AuthenticationConfiguration", {}
        )
    request = {k: v for k, v in config.items() if k != "AutoScalingConfigurationArn"}
    validate_input(service_model().operation_model("CreateService"), {"ServiceName": name, **request})
    return config


_SEED_STATUSES = ("RUNNING", "PAUSED", "CREATE_FAILED", "DELETE_FAILED")


def check_seed(name: str, status: str) -> None:
    if not SERVICE_NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            "ServiceName", name, "4-40 characters: a letter or digit, then letters, digits, '-', '_'"
        )
    if status not in _SEED_STATUSES:
        raise ConfigError("Status", status, f"one of {', '.join(_SEED_STATUSES)}")
