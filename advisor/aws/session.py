"""Sessions and clients: the standard credential chain, adaptive retries, the sandbox's endpoint.

One `AwsSession` per run: boto3 clients are thread-safe once made, so they are made once per
(service, region) and shared by the collector's threads. Every client counts its API calls by operation,
which is what the run summary and `make bench` report.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ProfileNotFound
from botocore.utils import parse_timestamp

from advisor.aws.calls import aws_call
from advisor.errors import InputError
from advisor.settings import check_endpoint_url

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel
    from mypy_boto3_apprunner import AppRunnerClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_service_quotas import ServiceQuotasClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sts import STSClient

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


def _boto_session(profile: str | None, region: str | None) -> boto3.session.Session:
    """boto3's session, with a profile that does not exist (flag, AWS_PROFILE) as bad input in one line."""
    try:
        return boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise InputError(f"{exc}: see 'aws configure list-profiles' or give another --profile") from None


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
        self.boto = boto_session or _boto_session(profile, region)
        parsers = self.boto._session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=utc_timestamp)
        self.endpoint_url = check_endpoint_url(endpoint_url)
        self.calls: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], BaseClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, profile: str | None = None, endpoint_url: str | None = None, region: str | None = None
    ) -> AwsSession:
        """A session for a command: an unknown profile or no credentials at all is bad input, in one line."""
        try:
            session = cls(profile=profile, region=region, endpoint_url=endpoint_url)
            credentials = session.boto.get_credentials()
        except BotoCoreError as exc:
            raise InputError(f"AWS credentials: {exc}") from None
        if credentials is None:
            hint = " (any values will do for the sandbox)" if endpoint_url else ""
            raise InputError(
                "no AWS credentials found: use --profile, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY{hint}"
            )
        return session

    @property
    def default_region(self) -> str:
        return self.boto.region_name or FALLBACK_REGION

    @overload
    def client(self, service: Literal["apprunner"], region: str | None = None) -> AppRunnerClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"], region: str | None = None) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["logs"], region: str | None = None) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["sts"], region: str | None = None) -> STSClient: ...
    @overload
    def client(self, service: Literal["s3"], region: str | None = None) -> S3Client: ...
    @overload
    def client(self, service: Literal["ses"], region: str | None = None) -> SESClient: ...
    @overload
    def client(
        self, service: Literal["service-quotas"], region: str | None = None
    ) -> ServiceQuotasClient: ...
    @overload
    def client(self, service: str, region: str | None = None) -> Any: ...

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached client of `service` in `region` (default: the session's region), typed by service."""
        region = region or self.default_region
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._new_client(service, region)
            return self._clients[key]

    def _new_client(self, service: str, region: str) -> BaseClient:
        create: Callable[..., BaseClient] = self.boto.client  # boto3's stubs overload it per service name
        client = create(service, region_name=region, endpoint_url=self.endpoint_url, config=CLIENT_CONFIG)
        client.meta.events.register("before-parameter-build", self._count_call)
        return client

    def _count_call(self, model: OperationModel, **_: Any) -> None:
        """Counts logical calls (retries are botocore's business and not counted here)."""
        with self._lock:
            self.calls[f"{model.service_model.service_id.hyphenize()}:{model.name}"] += 1


def app_runner_regions(session: AwsSession) -> list[str]:
    """Regions where App Runner exists in any partition, from botocore's endpoint data (no API call)."""
    boto = session.boto
    return sorted(
        {r for p in boto.get_available_partitions() for r in boto.get_available_regions("apprunner", p)}
    )


def resolve_regions(session: AwsSession, requested: Iterable[str] = ()) -> list[str]:
    """`--region` values to region names: none means the session's region, `all` every App Runner region."""
    requested = [r.strip() for r in requested if r.strip()]
    if not requested:
        return [session.default_region]
    if "all" in requested:
        return app_runner_regions(session)
    known = set(app_runner_regions(session))
    unknown = [r for r in requested if r not in known]
    if unknown:  # the sandbox too: it serves App Runner's regions only, as AWS does
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


def utc_timestamp(value: Any) -> datetime:
    """Response timestamps as UTC datetimes, fast.

    botocore's default gives local-zone datetimes through dateutil, about 25 µs each: 2.5 s of the 3.5 s
    it takes to parse one full GetMetricData page of 100,800 datapoints. Epoch numbers (JSON, CBOR) go
    straight to `datetime.fromtimestamp`; strings keep botocore's parser, converted to UTC.
    """
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return parse_timestamp(value).astimezone(UTC)


# An RFC 7231 date ("Sat, 28 Nov 2026 04:45:33 GMT"); it contains a comma, so a repeated header
# ("<date>, <date>", as urllib3 joins them) cannot be split on commas.
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def response_date(response: Mapping[str, Any]) -> datetime | None:
    """The server's time from a response's HTTP `Date` header, or None when it has none.

    When the header is repeated, the last one is the application's own: a front server (http.server in
    the sandbox, a proxy elsewhere) writes its Date first.
    """
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    dates = _HTTP_DATE.findall(str(headers.get("date", "")))
    return parsedate_to_datetime(dates[-1]).astimezone(UTC) if dates else None


@aws_call("sts:GetCallerIdentity")
def server_now(session: AwsSession) -> datetime:
    """AWS's "now", from the Date of a cheap call: the end of every collection window.

    The local clock is not trusted: it may be skewed, and the sandbox runs on a virtual clock that
    `advance` moves past real time.
    """
    when = response_date(session.client("sts").get_caller_identity())
    return when if when is not None else datetime.now(UTC)
