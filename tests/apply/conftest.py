"""Apply runs against real boto3 over HTTP: App Runner from the project's emulator, STS from moto, one
local endpoint routed by the SigV4 service, as the sandbox does. The emulator runs on a fake clock that
the waiter's sleep moves, so operations that take minutes take no time."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from advisor.apply import AppRunnerPlatform, Waiter
from advisor.aws.session import AwsSession
from advisor.lake import writer
from advisor.sandbox.apprunner import AppRunnerEmulator, ServiceQuotasEmulator

START = 1_795_000_000.0  # 2026-11-18
REGION = "us-east-1"
SERVICE = "checkout-api"
OPERATION_SECONDS = 240.0
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
WRITES = {"CreateAutoScalingConfiguration", "UpdateService", "DeleteAutoScalingConfiguration"}


class FakeClock:
    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        """Tests poll a lot: one log line per request would drown a failure's output."""


class Endpoint:
    """App Runner (emulator) + STS (moto) behind one threaded werkzeug server.

    `fail(operation, code)` makes the next call of an operation answer an App Runner error (with
    `after=True` the emulator handles the call first: the answer is lost, not the request);
    `before(operation, hook)` runs a hook just before the next call of it (to stage a race).
    """

    def __init__(self, emulator: AppRunnerEmulator):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.emulator = emulator
        self.quotas = ServiceQuotasEmulator(emulator.quotas, emulator.account_id)
        self.serve_quotas = True  # False: Service Quotas answers AccessDenied (a policy without it)
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._failures: dict[str, list[tuple[str, bool]]] = {}
        self._hooks: dict[str, list[Callable[[], None]]] = {}
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def fail(self, operation: str, code: str = "InvalidRequestException", *, after: bool = False) -> None:
        self._failures.setdefault(operation, []).append((code, after))

    def before(self, operation: str, hook: Callable[[], None]) -> None:
        self._hooks.setdefault(operation, []).append(hook)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        scope = SCOPE.search(request.headers.get("Authorization", ""))
        if scope and scope["service"] == "servicequotas":
            return self._service_quotas(request, scope["region"])(environ, start_response)
        if not scope or scope["service"] != "apprunner":
            return self._moto(environ, start_response)
        operation = request.headers.get("X-Amz-Target", "").partition(".")[2]
        if self._hooks.get(operation):
            self._hooks[operation].pop(0)()
        if self._failures.get(operation):
            code, after = self._failures[operation].pop(0)
            if after:
                self.emulator.handle(operation, request.get_data(), scope["region"])
            body = json.dumps({"__type": code, "message": f"injected {code}"})
            self.emulator.calls.append({"operation": operation, "status": 400, "error": code, "params": {}})
            return Response(body, status=400, content_type="application/x-amz-json-1.0")(
                environ, start_response
            )
        status, headers, body = self.emulator.handle(operation, request.get_data(), scope["region"])
        return Response(body, status=status, headers=headers)(environ, start_response)

    def _service_quotas(self, request: Request, region: str) -> Response:
        if not self.serve_quotas:
            body = json.dumps({"__type": "AccessDeniedException", "message": "not authorized"})
            return Response(body, status=400, content_type="application/x-amz-json-1.1")
        target = request.headers.get("X-Amz-Target", "")
        status, headers, body = self.quotas.handle(target, request.get_data(), region)
        return Response(body, status=status, headers=headers)

    def write_calls(self) -> list[str]:
        return [c["operation"] for c in self.emulator.calls if c["operation"] in WRITES]

    def __enter__(self) -> Endpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "ADVISOR_ALLOW_APPLY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("ADVISOR_CONFIG", str(tmp_path / "no-advisor-config.toml"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> AppRunnerEmulator:
    return AppRunnerEmulator(clock=clock, operation_seconds=OPERATION_SECONDS)


@pytest.fixture
def endpoint(emulator: AppRunnerEmulator) -> Iterator[Endpoint]:
    with Endpoint(emulator) as ep:
        yield ep


@pytest.fixture
def service(emulator: AppRunnerEmulator) -> dict[str, Any]:
    """A RUNNING service on its own configuration checkout-api-asc (rev 1: 80/1/10)."""
    return emulator.add_service(REGION, SERVICE, max_concurrency=80, min_size=1, max_size=10)


@pytest.fixture
def platform(endpoint: Endpoint) -> AppRunnerPlatform:
    return AppRunnerPlatform(AwsSession(region=REGION, endpoint_url=endpoint.url), REGION)


@pytest.fixture
def waiter(clock: FakeClock) -> Waiter:
    """Polls on the fake clock: each sleep moves the emulator's time."""
    return Waiter(timeout_s=1200, first_delay_s=2, max_delay_s=30, sleep=clock.advance, clock=clock)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def write_recommendation(
    lake: Path,
    service_arn: str,
    generated_at: datetime,
    recommended: tuple[int, int, int] = (60, 2, 8),
    current: tuple[int, int, int] = (80, 1, 10),
    instance: tuple[float, float] = (1.0, 2.0),
) -> None:
    row = {
        "generated_at": generated_at,
        "service_arn": service_arn,
        "service_name": SERVICE,
        "region": REGION,
        "current_max_concurrency": current[0],
        "current_min_size": current[1],
        "current_max_size": current[2],
        "current_cpu_vcpu": 1.0,
        "current_memory_gb": 2.0,
        "recommended_max_concurrency": recommended[0],
        "recommended_min_size": recommended[1],
        "recommended_max_size": recommended[2],
        "recommended_cpu_vcpu": instance[0],
        "recommended_memory_gb": instance[1],
        "confidence": "high",
        "explanation": "test",
    }
    writer.write(lake, "recommendations", pd.DataFrame([row]))


def write_metrics(lake: Path, service_arn: str, last: datetime, minutes: int = 5) -> None:
    times = [last - timedelta(minutes=i) for i in range(minutes)]
    frame = pd.DataFrame(
        {
            "service_arn": service_arn,
            "metric": "Requests",
            "stat": "Sum",
            "period_s": 60,
            "timestamp": times,
            "value": 1.0,
            "unit": "Count",
        }
    )
    writer.write(lake, "metrics", frame)


def collect_inventory(endpoint: Endpoint, lake: Path, *regions: str) -> None:
    """Land today's `services` snapshot of these regions, as `advisor collect` does (its own functions)."""
    from advisor.collect.inventory import describe, land_snapshot, list_region

    for region in regions:
        platform = AppRunnerPlatform(AwsSession(region=region, endpoint_url=endpoint.url), region)
        listing = list_region(platform, "123456789012")
        land_snapshot(lake, [describe(platform, t) for t in listing.targets], datetime.now(UTC))


def store_recommendation(
    lake: Path,
    service_arn: str,
    generated_at: datetime,
    *,
    current: tuple[int, int, int] = (80, 1, 10),
    recommended: tuple[int, int, int] | None = (60, 2, 8),
    before: tuple[float, int, float] = (100.0, 30, 500.0),  # monthly cost, breach minutes, throttled
    after: tuple[float, int, float] = (70.0, 4, 20.0),
    confidence: str = "high",
    region: str = REGION,
    name: str = SERVICE,
    reason: str = "test",
) -> None:
    """An engine Recommendation, stored the way `advisor recommend` stores one (lake_row: columns and the
    evidence JSON), with hand-picked forecast outcomes for the current and the recommended config."""
    from advisor.domain import InstanceSize, ScalingConfig
    from advisor.engine.explain import OK, DataSummary, Outcome, Recommendation
    from advisor.lake.recommendations import lake_row

    now_config, next_config = (
        ScalingConfig(*current),
        None if recommended is None else ScalingConfig(*recommended),
    )

    def outcome(config: ScalingConfig, figures: tuple[float, int, float]) -> Outcome:
        return Outcome(config, "forecast", 4320, figures[0], figures[1], figures[2])

    rec = Recommendation(
        status=OK if next_config else "insufficient_data",
        current=now_config,
        instance=InstanceSize(1, 2),
        region=region,
        profile="balanced",
        confidence=confidence,
        data_rule="test",
        data=DataSummary(minutes=10_000, span_minutes=10_000, requests=1e6),
        reasons=[reason],
        recommended=next_config,
        before={"forecast": outcome(now_config, before)} if next_config else {},
        after={"forecast": outcome(next_config, after)} if next_config else {},
    )
    writer.write(lake, "recommendations", pd.DataFrame([lake_row(rec, service_arn, name, generated_at)]))
