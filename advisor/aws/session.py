"""Sessions and clients: the standard credential chain, adaptive retries, the sandbox's endpoint.

One `AwsSession` per run: boto3 clients are thread-safe once made, so they are made once per
(service, region) and shared by the collector's threads. Every client counts its API calls by operation,
which is what the run summary and `make bench` report.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from advisor.aws.calls import aws_call
from advisor.errors import InputError

FALLBACK_REGION = "us-east-1"

# Adaptive mode adds client-side rate limiting on top of retries: under throttling the client slows down
# instead of burning its attempts. Timeouts: fail a dead endpoint fast, but give GetMetricData time to
# assemble 100,800 datapoints.
CLIENT_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=5,
    read_timeout=60,
    max_pool_connections=32,
)


@dataclass(frozen=True)
class CallerIdentity:
    account_id: str
    arn: str
    user_id: str


class AwsSession:
    """A boto3 session plus what every client of a run shares: endpoint, config, call counts."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        *,
        boto_session: boto3.session.Session | None = None,
    ):
        self.boto = boto_session or boto3.session.Session(profile_name=profile, region_name=region)
        self.endpoint_url = endpoint_url
        self.calls: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @property
    def default_region(self) -> str:
        return self.boto.region_name or FALLBACK_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached client of `service` in `region` (default: the session's region)."""
        region = region or self.default_region
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._new_client(service, region)
            return self._clients[key]

    def _new_client(self, service: str, region: str) -> Any:
        client = self.boto.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=CLIENT_CONFIG
        )
        client.meta.events.register("before-parameter-build", self._count_call)
        return client

    def _count_call(self, model: Any, **_: Any) -> None:
        """Counts logical calls (retries are botocore's business and not counted here)."""
        with self._lock:
            self.calls[f"{model.service_model.service_id.hyphenize()}:{model.name}"] += 1


def app_runner_regions(session: AwsSession) -> list[str]:
    """Regions where App Runner exists, from botocore's endpoint data (no API call)."""
    return sorted(session.boto.get_available_regions("apprunner"))


def resolve_regions(session: AwsSession, requested: Iterable[str] = ()) -> list[str]:
    """`--region` values to region names: none means the session's region, `all` every App Runner region."""
    requested = [r.strip() for r in requested if r.strip()]
    if not requested:
        return [session.default_region]
    if "all" in requested:
        return app_runner_regions(session)
    known = set(app_runner_regions(session))
    unknown = [r for r in requested if r not in known]
    if unknown and session.endpoint_url is None:
        raise InputError(
            f"App Runner is not available in {', '.join(unknown)}: "
            f"allowed {', '.join(sorted(known))} or 'all'"
        )
    return list(dict.fromkeys(requested))


@aws_call("sts:GetCallerIdentity")
def caller_identity(session: AwsSession) -> CallerIdentity:
    """Whose credentials these are: the account id keys every lake row."""
    response = session.client("sts").get_caller_identity()
    return CallerIdentity(response["Account"], response["Arn"], response["UserId"])
