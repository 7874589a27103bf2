"""App Runner as a `Platform`: the calls of advisor.aws.apprunner, bound to one region, their errors
translated into `PlatformError`s.

Every method is one AWS call site of advisor.aws, so the IAM actions collect and apply need are those of
the functions this module calls (tests/apply/test_iam_policy.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from advisor.aws import apprunner as ar
from advisor.aws.calls import AccessDenied, AwsCallError, ResourceNotFound
from advisor.aws.session import AwsSession, caller_identity
from advisor.domain import SERVICE_ARN_PATTERN, InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.platform.base import (
    Conflict,
    ListedService,
    NotFound,
    Operation,
    PermissionDenied,
    PlatformError,
    QuotaExceeded,
    Refused,
    Revision,
    RevisionSummary,
    Service,
)

if TYPE_CHECKING:
    from mypy_boto3_apprunner import AppRunnerClient

OPERATION_LOOKBACK = 20  # operations scanned for ours: one ListOperations page, newest first

# App Runner's refusals by error code: each means the request was rejected before anything started.
REFUSALS: dict[str, type[Refused]] = {
    "InvalidRequestException": Refused,
    "InvalidStateException": Conflict,
    "ServiceQuotaExceededException": QuotaExceeded,
}

P = ParamSpec("P")
R = TypeVar("R")


def platform_error(exc: AwsCallError) -> PlatformError:
    """The neutral error for an AWS one, with the same message (it names the IAM action and AWS's code)."""
    kind: type[PlatformError]
    if isinstance(exc, ResourceNotFound):
        kind = NotFound
    elif isinstance(exc, AccessDenied):
        kind = PermissionDenied
    else:
        kind = REFUSALS.get(exc.code, PlatformError)
    return kind(str(exc))


def _translated(
    method: Callable[Concatenate[AppRunnerPlatform, P], R],
) -> Callable[Concatenate[AppRunnerPlatform, P], R]:
    def call(self: AppRunnerPlatform, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except AwsCallError as exc:
            raise platform_error(exc) from exc

    return call


class AppRunnerPlatform:
    """App Runner in one account and region, through an AwsSession (adaptive retries, call counts)."""

    def __init__(self, session: AwsSession, region: str | None = None):
        self.session = session
        self.region = region or session.default_region

    @cached_property
    def client(self) -> AppRunnerClient:
        client: AppRunnerClient = self.session.client("apprunner", self.region)
        return client

    @cached_property
    def _actor(self) -> str:
        return caller_identity(self.session).arn

    @_translated
    def actor(self) -> str:
        """The caller identity's ARN (one STS call per session)."""
        return self._actor

    @_translated
    def list_services(self) -> list[ListedService]:
        return ar.list_services(self.client)

    @_translated
    def describe_service(self, service_arn: str) -> Service:
        return ar.describe_service(self.client, service_arn)

    def find_service(self, name_or_arn: str) -> Service:
        """A service by ARN, or by name in this region (names are unique per account and region)."""
        if SERVICE_ARN_PATTERN.fullmatch(name_or_arn):
            return self.describe_service(name_or_arn)
        live = [s for s in self.list_services() if s.name == name_or_arn and s.status != "DELETED"]
        if not live:
            raise InputError(
                f"--service {name_or_arn!r}: no such App Runner service in {self.region} "
                "(check the name, --region and --profile)"
            )
        return self.describe_service(live[0].arn)

    @_translated
    def operations(self, service_arn: str, limit: int | None = None) -> list[Operation]:
        return ar.list_operations(self.client, service_arn, limit=limit)

    def operation(self, service_arn: str, operation_id: str) -> Operation | None:
        recent = self.operations(service_arn, limit=OPERATION_LOOKBACK)
        return next((op for op in recent if op.id == operation_id), None)

    @_translated
    def describe_revision(self, revision_arn: str) -> Revision:
        return ar.describe_auto_scaling_configuration(self.client, revision_arn)

    @_translated
    def revisions(self, name: str | None = None) -> list[RevisionSummary]:
        items = ar.list_auto_scaling_configurations(self.client, name, latest_only=False)
        return sorted(items, key=lambda s: (s.name, s.revision))

    @_translated
    def services_using(self, revision_arn: str) -> list[str]:
        return ar.list_services_for_auto_scaling_configuration(self.client, revision_arn)

    @_translated
    def create_revision(self, name: str, settings: ScalingConfig) -> Revision:
        return ar.create_auto_scaling_configuration(self.client, name, settings)

    @_translated
    def delete_revision(self, revision_arn: str) -> None:
        ar.delete_auto_scaling_configuration(self.client, revision_arn)

    @_translated
    def update_service(self, service_arn: str, revision_arn: str, instance: InstanceSize | None) -> str:
        return ar.update_service(self.client, service_arn, revision_arn, instance)


def connect(
    profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
) -> AppRunnerPlatform:
    """App Runner through the standard credential chain (or the sandbox's endpoint)."""
    return AppRunnerPlatform(AwsSession(profile, region, endpoint_url), region)
