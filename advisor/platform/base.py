"""What collect/ and apply/ know of a service platform: neutral records, errors, and the `Platform` Protocol.

A platform runs services whose scaling is a stored, revisioned configuration (App Runner's auto scaling
configurations; ECS Express Mode's will fit the same shape). Scaling values are the domain's
`ScalingConfig`. A backend implements `Platform` for one account and region and raises only
`PlatformError`s, so neither collect nor apply depends on a cloud SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from advisor.domain import InstanceSize, ScalingConfig
from advisor.errors import AdvisorError


@dataclass(frozen=True)
class ListedService:
    """A service as its region's listing shows it: enough to decide whether to collect it."""

    arn: str
    name: str
    id: str
    region: str
    account: str
    status: str  # the platform's own word: RUNNING, PAUSED, OPERATION_IN_PROGRESS, DELETED, ...
    url: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class RevisionSummary:
    """A revision of a stored scaling configuration, as listed: which one, and whether it can go."""

    arn: str
    name: str
    revision: int
    status: str | None  # ACTIVE or INACTIVE
    is_default: bool | None  # the account's default configuration: never deleted
    in_use: bool | None  # some service is bound to it (a cheap hint; `services_using` is the authority)


@dataclass(frozen=True)
class Revision(RevisionSummary):
    """A described revision: its scaling settings, which a listing or a service's reference leaves out."""

    settings: ScalingConfig
    latest: bool | None


@dataclass(frozen=True)
class ServiceSetup:
    """How a service is built, reached and wired: what a move to another platform must reproduce.

    Environment variables and secrets are kept by name only: their values are the user's, and a plan
    needs only to say which ones to carry over.
    """

    source_type: str  # "image" (a container image) or "code" (the platform builds from a repository)
    image_identifier: str | None
    image_repository_type: str | None  # ECR or ECR_PUBLIC
    code_repository_url: str | None
    port: int | None
    env_names: tuple[str, ...]
    secret_names: tuple[str, ...]
    start_command: bool  # the service overrides the image's start command
    health_check_protocol: str | None  # TCP or HTTP
    health_check_path: str | None
    instance_role_arn: str | None
    egress_type: str | None  # DEFAULT (public internet) or VPC (through a VPC connector)
    vpc_connector_arn: str | None
    publicly_accessible: bool | None  # False: reachable only through a VPC interface endpoint
    observability_enabled: bool | None  # tracing (X-Ray) on
    kms_key: bool  # encrypted with the user's own KMS key


@dataclass(frozen=True)
class VpcConnector:
    """Where a service's outbound traffic enters the user's VPC: its subnets and security groups."""

    arn: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]


@dataclass(frozen=True)
class Service(ListedService):
    """A described service: its instance size, the revision its scaling is bound to (None: none), and its
    setup (None: the backend does not describe it)."""

    instance: InstanceSize
    scaling: RevisionSummary | None
    setup: ServiceSetup | None = None


@dataclass(frozen=True)
class Operation:
    """A long-running change of a service (a deployment, a configuration update, a pause)."""

    id: str
    type: str
    status: str  # IN_PROGRESS until it ends SUCCEEDED, FAILED, ROLLBACK_SUCCEEDED or ROLLBACK_FAILED
    target_arn: str | None
    started_at: datetime | None
    ended_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class DailyCost:
    """What the account's bill says one service cost on one UTC day, for one usage type."""

    day: date
    service_arn: str
    usage_type: str  # the bill's own name, e.g. USE1-AppRunner-Provisioned-GB-hours
    cost_usd: float  # unblended
    usage_quantity: float
    unit: str
    estimated: bool  # the bill for that day is not final yet


@dataclass(frozen=True)
class ConfigQuotas:
    """The account's limits on stored scaling configurations in one region, and where they came from.

    `source` is "service-quotas" when the account's applied values were read, "default" when they could
    not be (no permission, no such quota listed): then `note` says why and what the defaults are.
    """

    config_names: int
    revisions_per_name: int
    max_size: int
    source: str
    note: str | None = None


class PlatformError(AdvisorError):
    """A platform call failed after the backend's retries; the message names what failed and why."""


class Refused(PlatformError):
    """The platform said no and did nothing (an invalid request): safe to report as "nothing changed"."""


class NotFound(Refused):
    """The service, revision or operation is not there (deleted, or never created)."""


class PermissionDenied(Refused):
    """The credentials lack a permission; the message names it."""


class Conflict(Refused):
    """Not in the resource's current state: an operation in progress, a revision in use."""


class QuotaExceeded(Refused):
    """The account is at a quota (revisions per name, names per region, instances)."""


class Platform(Protocol):
    """One account and region of a service platform: what collect reads and what apply changes."""

    region: str

    def actor(self) -> str:
        """Who is acting, for the audit log."""
        ...

    def list_services(self) -> list[ListedService]: ...
    def describe_service(self, service_arn: str) -> Service: ...
    def find_service(self, name_or_arn: str) -> Service: ...
    def operations(self, service_arn: str, limit: int | None = None) -> list[Operation]:
        """Newest first; `limit` stops early."""
        ...

    def operation(self, service_arn: str, operation_id: str) -> Operation | None: ...
    def describe_revision(self, revision_arn: str) -> Revision: ...
    def revisions(self, name: str | None = None) -> list[RevisionSummary]:
        """Every ACTIVE revision (of one name, or of all names), oldest first within a name."""
        ...

    def custom_domains(self, service_arn: str) -> list[str]:
        """The domain names linked to a service (its own URL aside)."""
        ...

    def vpc_connector(self, connector_arn: str) -> VpcConnector: ...
    def services_using(self, revision_arn: str) -> list[str]: ...
    def tags(self, arn: str) -> dict[str, str]:
        """A resource's tags (a revision's, a service's)."""
        ...

    def quotas(self) -> ConfigQuotas:
        """The account's configuration quotas in this region (never raises: falls back to defaults)."""
        ...

    def create_revision(
        self, name: str, settings: ScalingConfig, tags: Mapping[str, str] | None = None
    ) -> Revision: ...
    def delete_revision(self, revision_arn: str) -> None: ...
    def update_service(self, service_arn: str, revision_arn: str, instance: InstanceSize | None) -> str:
        """Binds a service to a revision (and an instance size when given); returns the operation id."""
        ...

    def daily_costs(self, start: date, end: date) -> list[DailyCost]:
        """Every service's billed cost per UTC day and usage type, `start` to `end` (exclusive), for the
        whole account (a billing API is account-wide: call it on one region's platform, once per run)."""
        ...
