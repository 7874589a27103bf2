"""The seam between apply and the service platform: the few calls apply makes, behind a Protocol.

App Runner on boto3 is the implementation here; another platform (ECS) implements the same methods.
Every method is one AWS call site of advisor.aws, so the IAM actions apply needs are those of the
functions this module calls (tests/apply/test_iam_policy.py checks it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Protocol

from advisor.aws import apprunner as ar
from advisor.aws.apprunner import (
    AutoScalingConfiguration,
    AutoScalingConfigurationSummary,
    Operation,
    ServiceDescription,
)
from advisor.aws.session import AwsSession, caller_identity
from advisor.domain import SERVICE_ARN_PATTERN, InstanceSize, ScalingConfig
from advisor.errors import InputError

OPERATION_LOOKBACK = 20  # operations scanned for ours: one ListOperations page, newest first


class ScalingPlatform(Protocol):
    """What apply needs from a platform that runs services with an auto scaling configuration."""

    region: str

    def actor(self) -> str: ...
    def find_service(self, name_or_arn: str) -> ServiceDescription: ...
    def describe_service(self, service_arn: str) -> ServiceDescription: ...
    def describe_config(self, config_arn: str) -> AutoScalingConfiguration: ...
    def config_revisions(self, name: str | None = None) -> list[AutoScalingConfigurationSummary]: ...
    def services_using(self, config_arn: str) -> list[str]: ...
    def create_config(self, name: str, scaling: ScalingConfig) -> AutoScalingConfiguration: ...
    def delete_config(self, config_arn: str) -> None: ...
    def update_service(self, service_arn: str, config_arn: str, instance: InstanceSize | None) -> str: ...
    def operation(self, service_arn: str, operation_id: str) -> Operation | None: ...


class AppRunnerPlatform:
    """App Runner in one account and region, through an AwsSession (adaptive retries, call counts)."""

    def __init__(self, session: AwsSession, region: str | None = None):
        self.session = session
        self.region = region or session.default_region

    @cached_property
    def client(self):
        return self.session.client("apprunner", self.region)

    @cached_property
    def _actor(self) -> str:
        return caller_identity(self.session).arn

    def actor(self) -> str:
        """Who is acting, for the audit log: the caller identity's ARN (one STS call per session)."""
        return self._actor

    def find_service(self, name_or_arn: str) -> ServiceDescription:
        """A service by ARN, or by name in this region (names are unique per account and region)."""
        if SERVICE_ARN_PATTERN.fullmatch(name_or_arn):
            return self.describe_service(name_or_arn)
        matches = [s for s in ar.list_services(self.client) if s.service_name == name_or_arn]
        live = [s for s in matches if s.status != "DELETED"]
        if not live:
            raise InputError(
                f"--service {name_or_arn!r}: no such App Runner service in {self.region} "
                "(check the name, --region and --profile)"
            )
        return self.describe_service(live[0].service_arn)

    def describe_service(self, service_arn: str) -> ServiceDescription:
        return ar.describe_service(self.client, service_arn)

    def describe_config(self, config_arn: str) -> AutoScalingConfiguration:
        return ar.describe_auto_scaling_configuration(self.client, config_arn)

    def config_revisions(self, name: str | None = None) -> list[AutoScalingConfigurationSummary]:
        """Every ACTIVE revision (of one name, or of all names), oldest first within a name."""
        items = ar.list_auto_scaling_configurations(self.client, name, latest_only=False)
        return sorted(items, key=lambda s: (s.name, s.revision))

    def services_using(self, config_arn: str) -> list[str]:
        return ar.list_services_for_auto_scaling_configuration(self.client, config_arn)

    def create_config(self, name: str, scaling: ScalingConfig) -> AutoScalingConfiguration:
        return ar.create_auto_scaling_configuration(self.client, name, scaling)

    def delete_config(self, config_arn: str) -> None:
        ar.delete_auto_scaling_configuration(self.client, config_arn)

    def update_service(self, service_arn: str, config_arn: str, instance: InstanceSize | None) -> str:
        return ar.update_service(self.client, service_arn, config_arn, instance).operation_id

    def operation(self, service_arn: str, operation_id: str) -> Operation | None:
        recent = ar.list_operations(self.client, service_arn, limit=OPERATION_LOOKBACK)
        return next((op for op in recent if op.operation_id == operation_id), None)


def connect(
    profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
) -> AppRunnerPlatform:
    """App Runner through the standard credential chain (or the sandbox's endpoint)."""
    return AppRunnerPlatform(AwsSession(profile, region, endpoint_url), region)
