"""Fixtures for the CloudWatch store: a real HTTP server (werkzeug) and a real boto3 client.

Kept out of tests/sandbox/conftest.py (owned by the sandbox router's tests); the test module imports these.
The tiny WSGI adapter does what the sandbox router does for CloudWatch: operation from the URL path,
region from the SigV4 credential scope.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from advisor.sandbox.cloudwatch import MetricsStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()  # a Monday noon, minute-aligned
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/monitoring/aws4_request")


class FakeClock:
    """The store's clock, set by the tests, so retention and 'recently active' are deterministic."""

    def __init__(self, now: float = NOW):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Router:
    """The smallest router: the operation from the URL path (rpc-v2-cbor: /service/<S>/operation/<Op>)
    or, for awsJson1_0 (POST / — what boto3 1.44.8 actually sends), from X-Amz-Target. The store is
    swappable so one server (started once per session) serves a fresh store to every test."""

    def __init__(self, store: MetricsStore | None = None):
        self.store = store

    def __call__(self, environ, start_response):
        request = Request(environ)
        scope = _SCOPE.search(request.headers.get("Authorization", ""))
        region = scope.group(1) if scope else "us-east-1"
        operation = request.headers.get("X-Amz-Target") or request.path.rstrip("/").rsplit("/", 1)[-1]
        status, headers, body = self.store.handle(operation, request.get_data(), region, "123456789012")
        return Response(body, status=status, headers=headers)(environ, start_response)


@contextmanager
def serve(router: Router) -> Iterator[str]:
    """Run a threaded werkzeug server for `router` on a free port; yields its endpoint URL."""
    server = make_server("127.0.0.1", 0, router, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def cbor_only_models(root: Path) -> Path:
    """A botocore data path whose CloudWatch model lists only smithy-rpc-v2-cbor.

    botocore 1.44.8 prefers 'json' among the model's protocols (cbor, json, query), so a plain client
    speaks awsJson1_0; this copy makes a real botocore client speak CBOR to exercise that path too."""
    loader = botocore.loaders.Loader()
    model = loader.load_service_model("cloudwatch", "service-2", "2010-08-01")
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    target = root / "cloudwatch" / "2010-08-01"
    target.mkdir(parents=True, exist_ok=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return root


@dataclass
class CloudWatchSandbox:
    store: MetricsStore
    clock: FakeClock
    endpoint: str
    cbor_models: Path

    def client(self, region: str = "us-east-1", *, wire: str = "json"):
        """A real boto3 CloudWatch client on the sandbox; wire='cbor' forces smithy-rpc-v2-cbor."""
        core = botocore.session.get_session()
        if wire == "cbor":
            core.get_component("data_loader").search_paths.insert(0, str(self.cbor_models))
        client = boto3.Session(botocore_session=core).client(
            "cloudwatch",
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
        assert client.meta.service_model.resolved_protocol == (
            "smithy-rpc-v2-cbor" if wire == "cbor" else "json"
        )
        return client


@pytest.fixture(scope="session")
def cbor_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cbor_only_models(tmp_path_factory.mktemp("botocore-data"))


@pytest.fixture(scope="session")
def cw_server() -> Iterator[tuple[Router, str]]:
    router = Router()
    with serve(router) as endpoint:
        yield router, endpoint


@pytest.fixture
def cw_sandbox(cw_server: tuple[Router, str], cbor_models: Path) -> CloudWatchSandbox:
    router, endpoint = cw_server
    clock = FakeClock()
    router.store = MetricsStore(clock=clock)
    return CloudWatchSandbox(router.store, clock, endpoint, cbor_models)


@pytest.fixture(params=["json", "cbor"])
def cw(cw_sandbox: CloudWatchSandbox, request: pytest.FixtureRequest):
    """A boto3 client over each wire protocol botocore can speak to CloudWatch."""
    return cw_sandbox.client(wire=request.param)
