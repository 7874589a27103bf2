"""App Runner as a `Platform`: the calls of advisor.aws.apprunner, bound to one region, their errors
translated into `PlatformError`s.

Every method is one AWS call site of advisor.aws, so the IAM actions collect and apply need are those of
the functions this module calls (tests/apply/test_iam_policy.py checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from advisor.aws import apprunner as ar
from advisor.aws import costexplorer, servicequotas
from advisor.aws.calls import AccessDenied, AwsCallError, ResourceNotFound
from advisor.aws.session import AwsSession, caller_identity
from advisor.domain import MAX_SIZE_QUOTA, SERVICE_ARN_PATTERN, InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.platform.base import (
    ConfigQuotas,
    Conflict,
    DailyCost,
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
    VpcConnector,
)

if TYPE_CHECKING:
    from mypy_boto3_apprunner import AppRunnerClient
    from mypy_boto3_ce import CostExplorerClient

# App Runner's documented defaults (developer guide, "App Runner resource quotas"; reference/apprunner.md
# §1): used when Service Quotas cannot be read, and said so.
DEFAULT_CONFIG_NAMES = 10
DEFAULT_REVISIONS_PER_NAME = 5
QUOTA_SERVICE_CODE = "apprunner"

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


def _quota_kind(name: str) -> str | None:
    """Which of our quotas a Service Quotas entry is, by its name (App Runner's quota codes are not
    published where we could read them; names are, in the developer guide's quota table)."""
    flat = re.sub(r"[^a-z]", "", name.lower())
    if "autoscaling" in flat:
        return "revisions_per_name" if "revision" in flat else "config_names"
    if "instance" in flat or "maxsize" in flat:
        return "max_size"
    return None


def config_quotas(found: list[servicequotas.AppliedQuota]) -> ConfigQuotas:
    """The quotas Service Quotas listed, each missing one at App Runner's default."""
    values = {
        "config_names": DEFAULT_CONFIG_NAMES,
        "revisions_per_name": DEFAULT_REVISIONS_PER_NAME,
        "max_size": MAX_SIZE_QUOTA,
    }
    seen: set[str] = set()
    for quota in found:
        kind = _quota_kind(quota.name)
        if kind is not None and kind not in seen:
            values[kind] = int(quota.value)
            seen.add(kind)
    missing = sorted(set(values) - seen)
    note = None
    if missing:
        note = f"Service Quotas listed no value for {', '.join(missing)}: App Runner's default used"
    return ConfigQuotas(**values, source="service-quotas", note=note)


def default_quotas(why: str) -> ConfigQuotas:
    return ConfigQuotas(
        DEFAULT_CONFIG_NAMES,
        DEFAULT_REVISIONS_PER_NAME,
        MAX_SIZE_QUOTA,
        source="default",
        note=(
            f"could not read the account's App Runner quotas from Service Quotas ({why}); using App "
            f"Runner's defaults ({DEFAULT_CONFIG_NAMES} configuration names, {DEFAULT_REVISIONS_PER_NAME} "
            f"revisions per name, MaxSize {MAX_SIZE_QUOTA}). Grant servicequotas:ListServiceQuotas to use "
            "the account's real values"
        ),
    )


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
    def custom_domains(self, service_arn: str) -> list[str]:
        return ar.describe_custom_domains(self.client, service_arn)

    @_translated
    def vpc_connector(self, connector_arn: str) -> VpcConnector:
        return ar.describe_vpc_connector(self.client, connector_arn)

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
    def tags(self, arn: str) -> dict[str, str]:
        return ar.list_tags_for_resource(self.client, arn)

    def quotas(self) -> ConfigQuotas:
        """Read once per platform (one ListServiceQuotas call): quotas change by support ticket, not
        within a run."""
        return self._quotas

    @cached_property
    def _quotas(self) -> ConfigQuotas:
        try:
            client = self.session.client("service-quotas", self.region)
            return config_quotas(servicequotas.list_service_quotas(client, QUOTA_SERVICE_CODE))
        except AwsCallError as exc:
            return default_quotas(exc.code)

    @_translated
    def create_revision(
        self, name: str, settings: ScalingConfig, tags: Mapping[str, str] | None = None
    ) -> Revision:
        return ar.create_auto_scaling_configuration(self.client, name, settings, tags)

    @_translated
    def delete_revision(self, revision_arn: str) -> None:
        ar.delete_auto_scaling_configuration(self.client, revision_arn)

    @_translated
    def update_service(self, service_arn: str, revision_arn: str, instance: InstanceSize | None) -> str:
        return ar.update_service(self.client, service_arn, revision_arn, instance)

    def daily_costs(self, start: date, end: date) -> list[DailyCost]:
        """From Cost Explorer's one (us-east-1) endpoint, whatever this platform's region. No
        resource-level data (the account never opted in, or the days are too old) is a refusal that says
        how to opt in."""
        client: CostExplorerClient = self.session.client("ce", costexplorer.REGION)
        try:
            return costexplorer.daily_service_costs(client, start, end)
        except AwsCallError as exc:
            if exc.code == "DataUnavailableException":
                raise Refused(f"{exc} ({costexplorer.OPT_IN_HINT})") from exc
            raise platform_error(exc) from exc


def connect(
    profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
) -> AppRunnerPlatform:
    """App Runner through the standard credential chain (or the sandbox's endpoint)."""
    return AppRunnerPlatform(AwsSession(profile, region, endpoint_url), region)
