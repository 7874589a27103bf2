"""Fixtures for the sandbox's App Runner emulator: a real HTTP endpoint that real boto3 talks to, a fake
clock, and a validator of raw responses against botocore's output shapes."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.model import Shape
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from advisor.sandbox.apprunner import AppRunnerEmulator, service_model

START = 1_795_000_000.0  # 2026-11-18, a fixed "now" for the fake clock
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request")


class FakeClock:
    """A clock the tests move by hand, so operations that take time need no sleeping."""

    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Endpoint:
    """The emulator behind a threaded werkzeug server, as the sandbox router serves it (region from SigV4)."""

    def __init__(self, emulator: AppRunnerEmulator):
        self.emulator = emulator
        self.raw: list[tuple[str, int, dict[str, Any]]] = []  # (operation, status, decoded body) per request
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        scope = _SCOPE.search(request.headers.get("Authorization", ""))
        region = scope["region"] if scope else "us-east-1"
        operation = request.headers.get("X-Amz-Target", "").partition(".")[2]
        status, headers, body = self.emulator.handle(operation, request.get_data(), region)
        self.raw.append((operation, status, json.loads(body)))
        return Response(body, status=status, headers=headers)(environ, start_response)

    def __enter__(self) -> Endpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def last(self, operation: str) -> dict[str, Any]:
        """The raw JSON body of the latest response to `operation`."""
        return next(body for op, _, body in reversed(self.raw) if op == operation)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> AppRunnerEmulator:
    """The emulator on the fake clock (test modules override this to pick their operation_seconds)."""
    return AppRunnerEmulator(clock=clock)


@pytest.fixture
def endpoint(emulator: AppRunnerEmulator) -> Iterator[Endpoint]:
    with Endpoint(emulator) as ep:
        yield ep


@pytest.fixture
def make_client(endpoint: Endpoint) -> Callable[..., Any]:
    """boto3 App Runner clients on the endpoint; no retries, so a refused call is seen once."""

    def make(region: str = "us-east-1", **config: Any):
        return boto3.client(
            "apprunner",
            region_name=region,
            endpoint_url=endpoint.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
        )

    return make


@pytest.fixture
def client(make_client: Callable[..., Any]):
    return make_client()


@pytest.fixture
def unvalidated(make_client: Callable[..., Any]):
    """A client with botocore's client-side validation off: what a buggy or foreign SDK may send."""
    return make_client(parameter_validation=False)


# ---------------------------------------------------------------------------------------------------------
# Output-shape validation
# ---------------------------------------------------------------------------------------------------------

# botocore's ServiceId shape says min/max 32 characters but its pattern is a dashed 36-character UUID: both
# can't hold, and real ServiceIds are 32 hex digits (reference/apprunner.md §4), so only its length counts.
_PATTERN_EXEMPT = {"ServiceId"}


def shape_errors(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Every way a raw JSON value breaks a botocore output shape: unknown or missing members, JSON types,
    lengths, enums, patterns, integer ranges."""
    checker = _SHAPE_CHECKS.get(shape.type_name)
    if checker is None:
        return [f"{path}: no check for shape type {shape.type_name}"]
    return checker(shape, value, path)


def _structure(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {value!r}"]
    errors = [
        f"{path}.{name}: required member missing" for name in shape.required_members if name not in value
    ]
    for name, item in value.items():
        if name not in shape.members:
            errors.append(f"{path}.{name}: not a member of {shape.name}")
        else:
            errors += shape_errors(shape.members[name], item, f"{path}.{name}")
    return errors


def _list(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: expected a list, got {value!r}"]
    errors = _length(shape, value, path)
    for i, item in enumerate(value):
        errors += shape_errors(shape.member, item, f"{path}[{i}]")
    return errors


def _map(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {value!r}"]
    errors: list[str] = []
    for key, item in value.items():
        errors += shape_errors(shape.key, key, f"{path}<{key}>") + shape_errors(
            shape.value, item, f"{path}.{key}"
        )
    return errors


def _string(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string, got {value!r}"]
    errors = _length(shape, value, path)
    if shape.enum and value not in shape.enum:
        errors.append(f"{path}: {value!r} not in enum {shape.enum}")
    pattern = shape.metadata.get("pattern")
    if pattern and shape.name not in _PATTERN_EXEMPT and not re.fullmatch(pattern, value):
        errors.append(f"{path}: {value!r} does not match {pattern}")
    return errors


def _integer(shape: Shape, value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{path}: expected an integer, got {value!r}"]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return [f"{path}: {value} outside [{low}, {high}]"]
    return []


def _boolean(shape: Shape, value: Any, path: str) -> list[str]:
    return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {value!r}"]


def _timestamp(shape: Shape, value: Any, path: str) -> list[str]:
    """The JSON protocol sends epoch seconds; a plausible date, not 1970 or milliseconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{path}: expected epoch seconds, got {value!r}"]
    year = datetime.fromtimestamp(value).year
    return [] if 2015 <= year <= 2100 else [f"{path}: {value} is not epoch seconds of a plausible date"]


def _length(shape: Shape, value: Any, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        return [f"{path}: length {len(value)} outside [{low}, {high}]"]
    return []


_SHAPE_CHECKS: dict[str, Callable[[Shape, Any, str], list[str]]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "boolean": _boolean,
    "timestamp": _timestamp,
}


@pytest.fixture
def output_errors() -> Callable[..., list[str]]:
    """The raw-response validator itself, so a test can show it catches what it should."""
    return shape_errors


@pytest.fixture
def conforms(endpoint: Endpoint) -> Callable[[str], dict[str, Any]]:
    """Assert the latest raw response to an operation validates against its botocore output shape."""

    def check(operation: str) -> dict[str, Any]:
        body = endpoint.last(operation)
        errors = shape_errors(service_model().operation_model(operation).output_shape, body)
        assert not errors, f"{operation} response breaks botocore's output shape:\n" + "\n".join(errors)
        return body

    return check
