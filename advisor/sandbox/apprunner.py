"""App Runner control-plane emulator for the sandbox endpoint (moto has no App Runner backend).

It speaks App Runner's JSON 1.0 protocol and answers as the real service would, judged by botocore's service
model (apprunner 2020-05-15): every request is checked against its input shape (required members, types,
lengths, ranges, enums, patterns) because botocore's client-side validation checks only minimums, and every
response is built to the output shapes. What the model does not say comes from the App Runner developer guide
(reference/apprunner.md §1 and §5): quotas, revisions, the account default, and operations that take time.

Time is read from an injected clock and every state is derived from it on read, so tests need no sleeping and
the emulator needs no background threads. One lock guards all state: the HTTP router is threaded.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import json
import logging
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from advisor.domain import (
    MAX_SIZE_QUOTA,
    SERVICE_ARN_PATTERN,
    SERVICE_NAME_PATTERN,
    InstanceSize,
    ScalingConfig,
)
from advisor.errors import ConfigError

logger = logging.getLogger(__name__)

INVALID_REQUEST = "InvalidRequestException"
NOT_FOUND = "ResourceNotFoundException"
INVALID_STATE = "InvalidStateException"
QUOTA_EXCEEDED = "ServiceQuotaExceededException"
INTERNAL_ERROR = "InternalServiceErrorException"
# Not in App Runner's model: the generic JSON-protocol errors AWS front ends return for a bad envelope.
SERIALIZATION = "SerializationException"
UNKNOWN_OPERATION = "UnknownOperationException"

DEFAULT_CONFIG_NAME = "DefaultConfiguration"
PENDING_FRACTION = 0.25  # share of operation_seconds an operation spends PENDING before IN_PROGRESS
CONTENT_TYPE = "application/x-amz-json-1.0"

_CONFIG_ARN = re.compile(
    r"arn:aws[a-z-]*:apprunner:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):autoscalingconfiguration/"
    r"(?P<name>[^/]+)(?:/(?P<revision>\d+)(?:/(?P<id>[0-9a-f]{32}))?)?"
)
_URL_ALPHABET = string.ascii_lowercase + string.digits


@functools.cache
def service_model() -> ServiceModel:
    """botocore's App Runner model: the contract the emulator answers to."""
    return botocore.session.get_session().get_service_model("apprunner")


class AppRunnerError(Exception):
    """An error as App Runner returns it: the modeled exception name, a message and the HTTP status."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def status(self) -> int:
        return error_status(self.code)

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


@functools.cache
def error_status(code: str) -> int:
    """The HTTP status of an error, from the model. App Runner's error shapes carry no explicit status
    (ServiceQuotaExceededException included), so the JSON protocol's rule applies: 500 for a fault,
    else 400."""
    try:
        shape = service_model().shape_for(code)
    except Exception:  # not a modeled error (SerializationException, UnknownOperationException)
        return 400
    status = shape.metadata.get("error", {}).get("httpStatusCode")
    fault = shape._shape_model.get("fault", False)  # botocore keeps 'fault' out of Shape.metadata
    return int(status) if status else (500 if fault else 400)


# ---------------------------------------------------------------------------------------------------------
# Input validation from the model
# ---------------------------------------------------------------------------------------------------------

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


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    if not isinstance(value, expected) or (shape.type_name != "boolean" and isinstance(value, bool)):
        where = path or "the request body"
        raise AppRunnerError(
            SERIALIZATION, f"Expected {shape.type_name} at '{where}', got {type(value).__name__}"
        )
    if shape.type_name == "structure":
        _check_structure(shape, value, path, errors)
    elif shape.type_name == "list":
        _check_length(shape, value, path, errors)
        for i, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{i}.member", errors)
    elif shape.type_name == "map":
        _check_length(shape, value, path, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", errors)
            _check(shape.value, item, f"{path}.{key}.value", errors)
    elif shape.type_name == "string":
        _check_string(shape, value, path, errors)
    elif shape.type_name in ("integer", "long"):
        _check_range(shape, value, path, errors)


def _check_structure(shape: Shape, value: dict[str, Any], path: str, errors: list[str]) -> None:
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


def _check_string(shape: Shape, value: str, path: str, errors: list[str]) -> None:
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


# ---------------------------------------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------------------------------------


def _fingerprint(operation: str, params: dict[str, Any]) -> str:
    """What a NextToken is bound to: the operation and every parameter but the paging ones (AWS: 'all other
    parameter values must be identical to the ones specified in the initial request')."""
    rest = {k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")}
    text = json.dumps([operation, rest], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def paginate(
    items: list[tuple[str, Any]], params: dict[str, Any], fingerprint: str
) -> tuple[list[Any], str | None]:
    """One page of (sort key, item) pairs. The token carries the last key returned (a cursor, not an offset),
    so resources created or deleted between pages are never repeated or skipped."""
    ordered = sorted(items, key=lambda pair: pair[0])
    token = params.get("NextToken")
    if token:
        last = _decode_token(token, fingerprint)
        ordered = [pair for pair in ordered if pair[0] > last]
    limit = params.get("MaxResults") or len(ordered)
    page = ordered[:limit]
    more = len(ordered) > limit
    next_token = _encode_token(page[-1][0], fingerprint) if more and page else None
    return [item for _, item in page], next_token


def _encode_token(key: str, fingerprint: str) -> str:
    raw = json.dumps({"k": key, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str, fingerprint: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["f"] == fingerprint and isinstance(data["k"], str):
            return data["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        pass
    raise AppRunnerError(INVALID_REQUEST, "The NextToken is invalid, or it belongs to a different request.")


# ---------------------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Quotas:
    """App Runner's per account and Region limits (adjustable through Service Quotas, hence settable)."""

    config_names: int = 10
    revisions_per_name: int = 5
    max_size: int = MAX_SIZE_QUOTA


@dataclass
class _Revision:
    """One immutable revision of an auto scaling configuration."""

    arn: str
    name: str
    revision: int
    max_concurrency: int
    min_size: int
    max_size: int
    created_at: float
    deleted_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.deleted_at is None


@dataclass
class _Operation:
    """An asynchronous operation whose status is a function of the clock."""

    id: str
    type: str
    target_arn: str
    started_at: float
    duration: float
    seq: int
    fails: bool = False
    changes: dict[str, Any] = field(default_factory=dict)
    success_status: str = "RUNNING"
    prior_status: str = "RUNNING"

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration

    def status(self, now: float) -> str:
        if now >= self.ends_at:
            return "FAILED" if self.fails else "SUCCEEDED"
        return "PENDING" if now < self.started_at + self.duration * PENDING_FRACTION else "IN_PROGRESS"

    def summary(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        updated = {
            "PENDING": self.started_at,
            "IN_PROGRESS": self.started_at + self.duration * PENDING_FRACTION,
        }
        body = {
            "Id": self.id,
            "Type": self.type,
            "Status": status,
            "TargetArn": self.target_arn,
            "StartedAt": self.started_at,
            "UpdatedAt": updated.get(status, self.ends_at),
        }
        if status in ("SUCCEEDED", "FAILED"):
            body["EndedAt"] = self.ends_at
        return body


@dataclass
class _Service:
    """A service: its settled configuration, plus at most one operation in flight."""

    name: str
    id: str
    arn: str
    url: str
    created_at: float
    updated_at: float
    status: str
    seq: int
    config: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    operations: list[_Operation] = field(default_factory=list)
    pending: _Operation | None = None

    @property
    def config_arn(self) -> str:
        return self.config["AutoScalingConfigurationArn"]

    def settle(self, now: float) -> None:
        """Apply the operation in flight if the clock says it has ended: new config only on success."""
        op = self.pending
        if op is None or now < op.ends_at:
            return
        if op.fails:
            self.status = op.prior_status
        else:
            self.config = _merge(self.config, op.changes)
            self.status = op.success_status
        self.updated_at, self.pending = op.ends_at, None


@dataclass
class _Region:
    """Everything App Runner keeps per account and Region."""

    name: str
    default_arn: str = ""
    configs: dict[str, list[_Revision]] = field(default_factory=dict)  # name -> revisions, oldest first
    services: dict[str, _Service] = field(default_factory=dict)  # arn -> service, creation order

    def revision(self, arn: str) -> _Revision | None:
        match = _CONFIG_ARN.fullmatch(arn)
        if not match or match["revision"] is None:
            return None
        return next((r for r in self.configs.get(match["name"], []) if r.arn == arn), None)

    def active_revisions(self, name: str) -> list[_Revision]:
        return [r for r in self.configs.get(name, []) if r.active]

    def is_latest(self, rev: _Revision) -> bool:
        active = self.active_revisions(rev.name)
        return bool(active) and active[-1] is rev

    def users(self, rev: _Revision, *, pending: bool = False) -> list[_Service]:
        """Services bound to a revision (with pending=True also those an operation is moving onto it)."""
        return [
            s
            for s in self.services.values()
            if s.config_arn == rev.arn
            or (
                pending
                and s.pending is not None
                and s.pending.changes.get("AutoScalingConfigurationArn") == rev.arn
            )
        ]


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """A deep merge: UpdateService changes only the members it is given."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tag_dict(tags: list[dict[str, Any]]) -> dict[str, str]:
    """Tags from a request; Key is optional in the model's Tag shape but the service needs it."""
    out: dict[str, str] = {}
    for tag in tags:
        if tag.get("Key") is None:
            raise AppRunnerError(INVALID_REQUEST, "Every tag needs a Key.")
        out[tag["Key"]] = tag.get("Value") or ""
    return out


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


# ---------------------------------------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------------------------------------


class AppRunnerEmulator:
    """App Runner for one account across Regions, behind `handle` (the HTTP router's entry point) and a small
    programmatic API the sandbox uses to seed and read its fleet."""

    OPERATIONS = (
        "ListServices",
        "DescribeService",
        "ListAutoScalingConfigurations",
        "DescribeAutoScalingConfiguration",
        "CreateAutoScalingConfiguration",
        "DeleteAutoScalingConfiguration",
        "ListServicesForAutoScalingConfiguration",
        "UpdateDefaultAutoScalingConfiguration",
        "UpdateService",
        "ListOperations",
        "PauseService",
        "ResumeService",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    )

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        operation_seconds: float = 2.0,
        account_id: str = "123456789012",
    ):
        if not re.fullmatch(r"\d{12}", account_id):
            raise ValueError(f"account_id={account_id!r} is invalid: allowed 12 digits")
        self._clock = clock
        self.operation_seconds = float(operation_seconds)
        self.account_id = account_id
        self.quotas = Quotas()
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._regions: dict[str, _Region] = {}
        self._failures: dict[str | None, int] = {}
        self._seq = count()

    # -- the AWS API ---------------------------------------------------------------------------------------

    def handle(self, operation: str, body: bytes, region: str) -> tuple[int, dict[str, str], bytes]:
        """operation is the part after 'AppRunner.' in X-Amz-Target; returns (status, headers, JSON body)."""
        with self._lock:
            now = self._clock()
            params: dict[str, Any] = {}
            try:
                params = _parse_body(body)
                status, payload = 200, self._dispatch(operation, params, region, now)
            except AppRunnerError as err:
                status, payload = err.status, err.body()
            except Exception:  # a bug here must look like AWS's fault, not crash the router
                logger.exception("App Runner emulator failed on %s", operation)
                err = AppRunnerError(INTERNAL_ERROR, "An internal error occurred in the App Runner emulator.")
                status, payload = err.status, err.body()
            self.calls.append(
                {
                    "operation": operation,
                    "params": params,
                    "region": region,
                    "time": now,
                    "status": status,
                    "error": payload.get("__type") if status != 200 else None,
                }
            )
        headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}
        return status, headers, json.dumps(payload).encode()

    def _dispatch(self, operation: str, params: dict[str, Any], region: str, now: float) -> dict[str, Any]:
        if operation not in self.OPERATIONS:
            raise AppRunnerError(UNKNOWN_OPERATION, f"Operation {operation!r} is not supported.")
        validate_input(service_model().operation_model(operation), params)
        state = self._region(region, now)
        handler = getattr(self, "_op_" + _snake(operation))
        return handler(state, params, now, operation)

    # -- services ------------------------------------------------------------------------------------------

    def _op_list_services(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        items = [(f"{s.seq:012d}", self._service_summary(s)) for s in state.services.values()]
        page, token = paginate(items, params, _fingerprint(op, params))
        return _drop_none({"ServiceSummaryList": page, "NextToken": token})

    def _op_describe_service(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        return {"Service": self._service_view(state, self._service(state, params["ServiceArn"]))}

    def _op_update_service(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "RUNNING", "updated")
        changes = self._service_changes(state, svc, params)
        operation = self._start(svc, "UPDATE_SERVICE", now, changes, success_status="RUNNING")
        # The model: "All configuration values in the returned Service structure reflect configuration
        # changes that are being applied by this request"; DescribeService shows them once it succeeds.
        view = self._service_view(state, svc, config=_merge(svc.config, changes))
        return {"Service": view, "OperationId": operation.id}

    def _op_pause_service(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "RUNNING", "paused")
        operation = self._start(svc, "PAUSE_SERVICE", now, {}, success_status="PAUSED")
        return {"Service": self._service_view(state, svc), "OperationId": operation.id}

    def _op_resume_service(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "PAUSED", "resumed")
        operation = self._start(svc, "RESUME_SERVICE", now, {}, success_status="RUNNING")
        return {"Service": self._service_view(state, svc), "OperationId": operation.id}

    def _op_list_operations(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        items = [(f"{10**12 - o.seq:013d}", o.summary(now)) for o in svc.operations]  # newest first
        page, token = paginate(items, params, _fingerprint(op, params))
        return _drop_none({"OperationSummaryList": page, "NextToken": token})

    def _service(self, state: _Region, arn: str) -> _Service:
        svc = state.services.get(arn)
        if svc is None:
            raise AppRunnerError(NOT_FOUND, f"Service {arn} not found in {state.name}.")
        return svc

    def _require_status(self, svc: _Service, wanted: str, verb: str) -> None:
        """App Runner refuses a mutation while an operation runs, and Update/Pause/Resume by status."""
        if svc.pending is not None:
            raise AppRunnerError(
                INVALID_STATE,
                f"Service {svc.arn} can't be {verb}: operation {svc.pending.id} is in progress "
                "(status OPERATION_IN_PROGRESS).",
            )
        if svc.status != wanted:
            raise AppRunnerError(
                INVALID_STATE,
                f"Service {svc.arn} can't be {verb} in status {svc.status}: it must be {wanted}.",
            )

    def _service_changes(self, state: _Region, svc: _Service, params: dict) -> dict[str, Any]:
        """The configuration an UpdateService asks for, checked before any operation starts."""
        changes: dict[str, Any] = {}
        if "AutoScalingConfigurationArn" in params:
            rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
            if not rev.active:
                raise AppRunnerError(INVALID_REQUEST, f"Auto scaling configuration {rev.arn} is INACTIVE.")
            changes["AutoScalingConfigurationArn"] = rev.arn
        if "InstanceConfiguration" in params:
            changes["InstanceConfiguration"] = _instance_config(svc.config, params["InstanceConfiguration"])
        if "SourceConfiguration" in params:
            _check_source_kind(svc.config["SourceConfiguration"], params["SourceConfiguration"])
            changes["SourceConfiguration"] = params["SourceConfiguration"]
        for member in ("HealthCheckConfiguration", "NetworkConfiguration", "ObservabilityConfiguration"):
            if member in params:
                changes[member] = params[member]
        return changes

    def _start(self, svc: _Service, kind: str, now: float, changes: dict, success_status: str) -> _Operation:
        """Start an operation; the service shows OPERATION_IN_PROGRESS until the clock passes its end."""
        operation = _Operation(
            id=str(uuid.uuid4()),
            type=kind,
            target_arn=svc.arn,
            started_at=now,
            duration=self.operation_seconds,
            seq=next(self._seq),
            fails=self._take_failure(svc.arn),
            changes=changes,
            success_status=success_status,
            prior_status=svc.status,
        )
        svc.operations.append(operation)
        svc.pending, svc.updated_at = operation, now
        svc.settle(now)  # operation_seconds=0: done at once
        return operation

    def _take_failure(self, arn: str) -> bool:
        for key in (arn, None):
            if self._failures.get(key, 0) > 0:
                self._failures[key] -= 1
                return True
        return False

    def _service_summary(self, svc: _Service) -> dict[str, Any]:
        return {
            "ServiceName": svc.name,
            "ServiceId": svc.id,
            "ServiceArn": svc.arn,
            "ServiceUrl": svc.url,
            "CreatedAt": svc.created_at,
            "UpdatedAt": svc.updated_at,
            "Status": "OPERATION_IN_PROGRESS" if svc.pending else svc.status,
        }

    def _service_view(self, state: _Region, svc: _Service, config: dict | None = None) -> dict[str, Any]:
        """The full Service shape DescribeService returns."""
        config = copy.deepcopy(config or svc.config)
        rev = state.revision(config.pop("AutoScalingConfigurationArn"))
        assert rev is not None, "a service is always bound to a known revision"
        return {
            **self._service_summary(svc),
            **config,
            "AutoScalingConfigurationSummary": self._summary(state, rev),
        }

    # -- auto scaling configurations -----------------------------------------------------------------------

    def _op_create_auto_scaling_configuration(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._create_revision(
            state,
            params["AutoScalingConfigurationName"],
            params.get("MaxConcurrency", 100),
            params.get("MinSize", 1),
            params.get("MaxSize", 25),
            now,
            _tag_dict(params.get("Tags", [])),
        )
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _op_describe_auto_scaling_configuration(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _op_list_auto_scaling_configurations(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        """Active revisions only (deleted ones are being purged); LatestOnly defaults to true."""
        name, latest_only = params.get("AutoScalingConfigurationName"), params.get("LatestOnly", True)
        names = [name] if name else list(state.configs)
        revisions = [r for n in names for r in state.active_revisions(n)]
        if latest_only:
            revisions = [r for r in revisions if state.is_latest(r)]
        items = [(f"{r.name}/{r.revision:010d}", self._summary(state, r)) for r in revisions]
        page, token = paginate(items, params, _fingerprint(op, params))
        return _drop_none({"AutoScalingConfigurationSummaryList": page, "NextToken": token})

    def _op_delete_auto_scaling_configuration(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        arn = params["AutoScalingConfigurationArn"]
        if params.get("DeleteAllRevisions"):
            match = self._parse_config_arn(state, arn)
            if match["revision"] is not None:
                raise AppRunnerError(
                    INVALID_REQUEST,
                    "With DeleteAllRevisions the ARN must be a partial ARN ending with .../name.",
                )
            targets = state.active_revisions(match["name"])
            if not targets:
                raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} has no active revision.")
        else:
            rev = self._resolve_config(state, arn)
            if not rev.active:
                raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {rev.arn} is already deleted.")
            targets = [rev]
        for rev in targets:  # all or nothing
            self._check_deletable(state, rev)
        for rev in targets:
            rev.deleted_at = now
        return {"AutoScalingConfiguration": self._config_view(state, targets[-1])}

    def _check_deletable(self, state: _Region, rev: _Revision) -> None:
        """The developer guide: the default and a configuration in use can't be deleted. The model lists only
        InvalidRequest, ResourceNotFound and InternalServiceError for DeleteAutoScalingConfiguration (no
        InvalidStateException), so App Runner reports both refusals as InvalidRequestException."""
        if rev.arn == state.default_arn:
            raise AppRunnerError(
                INVALID_REQUEST,
                f"{rev.arn} is the default auto scaling configuration of {state.name} and can't be deleted: "
                "make another configuration the default first.",
            )
        users = state.users(rev, pending=True)
        if users:
            raise AppRunnerError(
                INVALID_REQUEST,
                f"{rev.arn} is in use by {len(users)} service(s) ({users[0].arn}) and can't be deleted.",
            )

    def _op_list_services_for_auto_scaling_configuration(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        items = [(f"{s.seq:012d}", s.arn) for s in state.users(rev)]
        page, token = paginate(items, params, _fingerprint(op, params))
        return _drop_none({"ServiceArnList": page, "NextToken": token})

    def _op_update_default_auto_scaling_configuration(
        self, state: _Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        if not rev.active:
            raise AppRunnerError(INVALID_REQUEST, f"{rev.arn} is INACTIVE and can't be the default.")
        state.default_arn = rev.arn  # the previous default becomes non-default: one per account and Region
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _create_revision(
        self,
        state: _Region,
        name: str,
        concurrency: int,
        min_size: int,
        max_size: int,
        now: float,
        tags: dict,
    ) -> _Revision:
        """The next revision of a name, within App Runner's limits and quotas."""
        if max_size < min_size:
            raise AppRunnerError(
                INVALID_REQUEST, f"MaxSize ({max_size}) must be at least MinSize ({min_size})."
            )
        if max_size > self.quotas.max_size:
            # Terraform issue 39830: above 25 works once AWS Support raised the quota (error code unverified).
            raise AppRunnerError(
                INVALID_REQUEST,
                f"MaxSize ({max_size}) is above the account's quota of {self.quotas.max_size}.",
            )
        active = state.active_revisions(name)
        names_in_use = sum(1 for n in state.configs if state.active_revisions(n))
        if not active and names_in_use >= self.quotas.config_names:
            raise AppRunnerError(
                QUOTA_EXCEEDED,
                f"You can't create more than {self.quotas.config_names} auto scaling configuration names "
                f"in {state.name}: delete one first.",
            )
        if len(active) >= self.quotas.revisions_per_name:
            raise AppRunnerError(
                QUOTA_EXCEEDED,
                f"Auto scaling configuration {name} already has {len(active)} active revisions, "
                "the most allowed: delete one first.",
            )
        revisions = state.configs.setdefault(name, [])
        number = revisions[-1].revision + 1 if revisions else 1  # deleted revisions keep their numbers
        arn = (
            f"arn:aws:apprunner:{state.name}:{self.account_id}:autoscalingconfiguration/"
            f"{name}/{number}/{uuid.uuid4().hex}"
        )
        rev = _Revision(arn, name, number, concurrency, min_size, max_size, now, tags=tags)
        revisions.append(rev)
        return rev

    def _parse_config_arn(self, state: _Region, arn: str) -> re.Match[str]:
        match = _CONFIG_ARN.fullmatch(arn)
        if not match:
            raise AppRunnerError(INVALID_REQUEST, f"{arn} is not an auto scaling configuration ARN.")
        if match["region"] != state.name or match["account"] != self.account_id:
            raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} not found in {state.name}.")
        return match

    def _resolve_config(self, state: _Region, arn: str) -> _Revision:
        """A full ARN, '.../name/revision', or '.../name' (the latest ACTIVE revision)."""
        match = self._parse_config_arn(state, arn)
        if match["revision"] is None:
            active = state.active_revisions(match["name"])
            found = active[-1] if active else None
        else:
            found = next(
                (
                    r
                    for r in state.configs.get(match["name"], [])
                    if r.revision == int(match["revision"]) and match["id"] in (None, r.arn.rsplit("/", 1)[1])
                ),
                None,
            )
        if found is None:
            raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} not found in {state.name}.")
        return found

    def _summary(self, state: _Region, rev: _Revision) -> dict[str, Any]:
        return {
            "AutoScalingConfigurationArn": rev.arn,
            "AutoScalingConfigurationName": rev.name,
            "AutoScalingConfigurationRevision": rev.revision,
            "Status": "ACTIVE" if rev.active else "INACTIVE",
            "CreatedAt": rev.created_at,
            "HasAssociatedService": bool(state.users(rev)),
            "IsDefault": rev.arn == state.default_arn,
        }

    def _config_view(self, state: _Region, rev: _Revision) -> dict[str, Any]:
        """The full AutoScalingConfiguration shape; Latest only on the highest ACTIVE revision of the name."""
        body = {
            **self._summary(state, rev),
            "Latest": state.is_latest(rev),
            "MaxConcurrency": rev.max_concurrency,
            "MinSize": rev.min_size,
            "MaxSize": rev.max_size,
            "DeletedAt": rev.deleted_at,
        }
        return _drop_none(body)

    # -- tags ----------------------------------------------------------------------------------------------

    def _op_tag_resource(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        self._tags_of(state, params["ResourceArn"]).update(_tag_dict(params["Tags"]))
        return {}

    def _op_untag_resource(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        tags = self._tags_of(state, params["ResourceArn"])
        for key in params["TagKeys"]:
            tags.pop(key, None)
        return {}

    def _op_list_tags_for_resource(self, state: _Region, params: dict, now: float, op: str) -> dict[str, Any]:
        return {"Tags": _tag_list(self._tags_of(state, params["ResourceArn"]))}

    def _tags_of(self, state: _Region, arn: str) -> dict[str, str]:
        if arn in state.services:
            return state.services[arn].tags
        rev = state.revision(arn)
        if rev is None:
            raise AppRunnerError(NOT_FOUND, f"Resource {arn} not found in {state.name}.")
        return rev.tags

    # -- regions and time ----------------------------------------------------------------------------------

    def _region(self, name: str, now: float) -> _Region:
        """A Region's state, created on first use with App Runner's DefaultConfiguration (100/1/25) as the
        default; every service in it settled to the clock."""
        state = self._regions.get(name)
        if state is None:
            state = self._regions[name] = _Region(name)
            default = self._create_revision(state, DEFAULT_CONFIG_NAME, 100, 1, 25, now, {})
            state.default_arn = default.arn
        for svc in state.services.values():
            svc.settle(now)
        return state

    # -- programmatic API for the sandbox (not part of the AWS API) ---------------------------------------

    def add_service(
        self,
        region: str,
        name: str,
        *,
        cpu: str = "1024",
        memory: str = "2048",
        max_concurrency: int = 100,
        min_size: int = 1,
        max_size: int = 25,
        status: str = "RUNNING",
        tags: dict[str, str] | None = None,
        created_at: float | None = None,
    ) -> dict[str, Any]:
        """Seed a service as if it had been created earlier; returns its Service shape.

        Raises ConfigError (a ValueError) for values App Runner would refuse, and AppRunnerError when a new
        configuration revision would break a quota.
        """
        size, scaling = InstanceSize.parse(cpu, memory), ScalingConfig(max_concurrency, min_size, max_size)
        _check_seed(name, status)
        with self._lock:
            now = self._clock()
            at = now if created_at is None else float(created_at)
            state = self._region(region, min(at, now))
            if any(s.name == name for s in state.services.values()):
                raise ValueError(f"A service named {name!r} already exists in {region}")
            rev = self._config_for_seed(state, name, scaling, at)
            svc = self._new_service(state, name, size, rev, status, at)
            svc.tags = dict(tags or {})
            state.services[svc.arn] = svc
            return self._service_view(state, svc)

    def services(self, region: str | None = None) -> list[dict[str, Any]]:
        """Current Service shapes (settled to the clock), in one Region or all."""
        with self._lock:
            now = self._clock()
            names = [region] if region is not None else list(self._regions)
            states = [self._region(n, now) for n in names]
            return [self._service_view(state, svc) for state in states for svc in state.services.values()]

    def service_scaling(self, service_arn: str) -> tuple[int, int, int]:
        """(MaxConcurrency, MinSize, MaxSize) in force now: what the sandbox's simulator must replay."""
        with self._lock:
            state, svc = self._locate_service(service_arn)
            rev = state.revision(svc.config_arn)
            assert rev is not None
            return rev.max_concurrency, rev.min_size, rev.max_size

    def fail_next_operation(self, service_arn: str | None = None, count: int = 1) -> None:
        """Make the next `count` UpdateService/Pause/Resume operations (of one service, or any) end FAILED."""
        with self._lock:
            self._failures[service_arn] = self._failures.get(service_arn, 0) + count

    def _locate_service(self, arn: str) -> tuple[_Region, _Service]:
        match = SERVICE_ARN_PATTERN.fullmatch(arn or "")
        state = self._region(match["region"], self._clock()) if match else None
        if state is None or arn not in state.services:
            raise AppRunnerError(NOT_FOUND, f"Service {arn} not found.")
        return state, state.services[arn]

    def _config_for_seed(self, state: _Region, name: str, scaling: ScalingConfig, at: float) -> _Revision:
        """The default when it has these values, else an active revision with them (preferring the service's
        own '<name>-asc'), else a new revision of '<name>-asc': seeding shares configurations like people do,
        which keeps a fleet within the 10-names quota."""
        values = (scaling.max_concurrency, scaling.min_size, scaling.max_size)
        candidates = [state.revision(state.default_arn)]
        candidates += reversed(state.active_revisions(f"{name}-asc"))
        candidates += [r for n in state.configs for r in reversed(state.active_revisions(n))]
        for rev in candidates:
            if rev is not None and rev.active and (rev.max_concurrency, rev.min_size, rev.max_size) == values:
                return rev
        return self._create_revision(state, f"{name}-asc", *values, at, {})

    def _new_service(
        self, state: _Region, name: str, size: InstanceSize, rev: _Revision, status: str, at: float
    ) -> _Service:
        service_id = uuid.uuid4().hex
        arn = f"arn:aws:apprunner:{state.name}:{self.account_id}:service/{name}/{service_id}"
        url = "".join(secrets.choice(_URL_ALPHABET) for _ in range(10)) + f".{state.name}.awsapprunner.com"
        config = _default_service_config(self.account_id, state.name, name)
        config["InstanceConfiguration"] = size.to_api()
        config["AutoScalingConfigurationArn"] = rev.arn
        svc = _Service(name, service_id, arn, url, at, at, status, next(self._seq), config)
        created = _Operation(str(uuid.uuid4()), "CREATE_SERVICE", arn, at, 0.0, next(self._seq))
        svc.operations.append(created)
        return svc


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _parse_body(body: bytes) -> dict[str, Any]:
    """The JSON request body; boto3 always sends an object ('{}' at least)."""
    if not body:
        return {}
    try:
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise AppRunnerError(SERIALIZATION, "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise AppRunnerError(SERIALIZATION, "The request body must be a JSON object.")
    return params


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _instance_config(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Cpu/Memory merged with the current ones, as a valid pair, in the API units DescribeService shows."""
    merged = _merge(current["InstanceConfiguration"], update)
    try:
        size = InstanceSize.parse(merged["Cpu"], merged["Memory"])
    except ConfigError as err:
        raise AppRunnerError(INVALID_REQUEST, str(err)) from None
    return {**merged, **size.to_api()}


def _check_source_kind(current: dict[str, Any], update: dict[str, Any]) -> None:
    """The model: a service can't switch between a code and an image repository."""
    for kind, other in (("CodeRepository", "ImageRepository"), ("ImageRepository", "CodeRepository")):
        if kind in update and other in current:
            raise AppRunnerError(
                INVALID_REQUEST, f"This service deploys from an {other}: it can't use a {kind}."
            )


_SEED_STATUSES = ("RUNNING", "PAUSED", "CREATE_FAILED", "DELETE_FAILED")


def _check_seed(name: str, status: str) -> None:
    if not SERVICE_NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            "ServiceName", name, "4-40 characters: a letter or digit, then letters, digits, '-', '_'"
        )
    if status not in _SEED_STATUSES:
        raise ConfigError("Status", status, f"one of {', '.join(_SEED_STATUSES)}")


def _default_service_config(account_id: str, region: str, name: str) -> dict[str, Any]:
    """What App Runner fills in for an image service created with the console's defaults."""
    repository = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")  # ECR's repository name rules
    return {
        "SourceConfiguration": {
            "ImageRepository": {
                "ImageIdentifier": f"{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}:latest",
                "ImageConfiguration": {"Port": "8080"},
                "ImageRepositoryType": "ECR",
            },
            "AutoDeploymentsEnabled": False,
            "AuthenticationConfiguration": {
                "AccessRoleArn": f"arn:aws:iam::{account_id}:role/service-role/AppRunnerECRAccessRole"
            },
        },
        "HealthCheckConfiguration": {
            "Protocol": "TCP",
            "Path": "/",
            "Interval": 5,
            "Timeout": 2,
            "HealthyThreshold": 1,
            "UnhealthyThreshold": 5,
        },
        "NetworkConfiguration": {
            "EgressConfiguration": {"EgressType": "DEFAULT"},
            "IngressConfiguration": {"IsPubliclyAccessible": True},
            "IpAddressType": "IPV4",
        },
        "ObservabilityConfiguration": {"ObservabilityEnabled": False},
    }
