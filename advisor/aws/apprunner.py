"""App Runner as typed records: services, their auto scaling configurations, operations; and the three
writes the apply path makes (create and delete a configuration revision, point a service at one).

botocore ships no paginators and no waiters for App Runner (reference/apprunner.md §5), so every List*
call goes through `paginate`, with the largest page size the API allows to keep the call count minimal.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from advisor.aws.calls import aws_call, paginate
from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig

LIST_SERVICES_PAGE = 20  # MaxResults 1-20
LIST_OPERATIONS_PAGE = 20  # MaxResults 1-20
LIST_CONFIGS_PAGE = 100  # MaxResults 1-100

__all__ = [
    "AutoScalingConfiguration",
    "AutoScalingConfigurationSummary",
    "Operation",
    "ServiceDescription",
    "ServiceSummary",
    "ServiceUpdate",
    "create_auto_scaling_configuration",
    "delete_auto_scaling_configuration",
    "describe_auto_scaling_configuration",
    "describe_service",
    "list_auto_scaling_configurations",
    "list_operations",
    "list_services",
    "list_services_for_auto_scaling_configuration",
    "paginate",
    "update_service",
]


@dataclass(frozen=True)
class ServiceSummary:
    service_arn: str
    service_name: str
    service_id: str
    service_url: str | None
    status: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ServiceSummary:
        return cls(
            service_arn=item["ServiceArn"],
            service_name=item["ServiceName"],
            service_id=item["ServiceId"],
            service_url=item.get("ServiceUrl"),
            status=item["Status"],
            created_at=item.get("CreatedAt"),
            updated_at=item.get("UpdatedAt"),
        )


@dataclass(frozen=True)
class AutoScalingConfigurationSummary:
    arn: str
    name: str
    revision: int
    status: str | None
    is_default: bool | None
    has_associated_service: bool | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> AutoScalingConfigurationSummary:
        return cls(
            arn=item["AutoScalingConfigurationArn"],
            name=item["AutoScalingConfigurationName"],
            revision=int(item["AutoScalingConfigurationRevision"]),
            status=item.get("Status"),
            is_default=item.get("IsDefault"),
            has_associated_service=item.get("HasAssociatedService"),
        )


@dataclass(frozen=True)
class ServiceDescription:
    """DescribeService: the service plus only a *summary* of its auto scaling configuration."""

    summary: ServiceSummary
    instance: InstanceSize
    autoscaling: AutoScalingConfigurationSummary | None
    deleted_at: datetime | None

    @classmethod
    def from_api(cls, service: dict[str, Any]) -> ServiceDescription:
        instance = service.get("InstanceConfiguration") or {}
        config = service.get("AutoScalingConfigurationSummary")
        return cls(
            summary=ServiceSummary.from_api(service),
            instance=InstanceSize.parse(instance.get("Cpu", "1024"), instance.get("Memory", "2048")),
            autoscaling=AutoScalingConfigurationSummary.from_api(config) if config else None,
            deleted_at=service.get("DeletedAt"),
        )


@dataclass(frozen=True)
class AutoScalingConfiguration:
    """DescribeAutoScalingConfiguration: the numbers DescribeService leaves out."""

    summary: AutoScalingConfigurationSummary
    scaling: ScalingConfig
    latest: bool | None
    created_at: datetime | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> AutoScalingConfiguration:
        with warnings.catch_warnings():  # AWS already accepted it: a raised quota is not news here
            warnings.simplefilter("ignore", QuotaWarning)
            scaling = ScalingConfig.from_api(item)
        return cls(
            summary=AutoScalingConfigurationSummary.from_api(item),
            scaling=scaling,
            latest=item.get("Latest"),
            created_at=item.get("CreatedAt"),
        )


@dataclass(frozen=True)
class Operation:
    operation_id: str
    type: str
    status: str
    target_arn: str | None
    started_at: datetime | None
    ended_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Operation:
        return cls(
            operation_id=item["Id"],
            type=item["Type"],
            status=item["Status"],
            target_arn=item.get("TargetArn"),
            started_at=item.get("StartedAt"),
            ended_at=item.get("EndedAt"),
            updated_at=item.get("UpdatedAt"),
        )


@aws_call("apprunner:ListServices")
def list_services(client: Any) -> list[ServiceSummary]:
    """Every service of the client's region, deleted ones included while App Runner still lists them."""
    items = paginate(client, "list_services", "ServiceSummaryList", MaxResults=LIST_SERVICES_PAGE)
    return [ServiceSummary.from_api(item) for item in items]


@aws_call("apprunner:DescribeService")
def describe_service(client: Any, service_arn: str) -> ServiceDescription:
    return ServiceDescription.from_api(client.describe_service(ServiceArn=service_arn)["Service"])


@aws_call("apprunner:DescribeAutoScalingConfiguration")
def describe_auto_scaling_configuration(client: Any, config_arn: str) -> AutoScalingConfiguration:
    """The ARN may be partial (`.../name`: latest active revision) or full (`.../name/revision/id`)."""
    response = client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=config_arn)
    return AutoScalingConfiguration.from_api(response["AutoScalingConfiguration"])


@aws_call("apprunner:ListOperations")
def list_operations(client: Any, service_arn: str, *, limit: int | None = None) -> list[Operation]:
    """A service's operations, newest first; `limit` stops early (an incremental run needs only the new)."""
    operations: list[Operation] = []
    items = paginate(
        client,
        "list_operations",
        "OperationSummaryList",
        ServiceArn=service_arn,
        MaxResults=LIST_OPERATIONS_PAGE,
    )
    for item in items:
        operations.append(Operation.from_api(item))
        if limit is not None and len(operations) >= limit:
            break
    return operations


@aws_call("apprunner:ListAutoScalingConfigurations")
def list_auto_scaling_configurations(
    client: Any, name: str | None = None, *, latest_only: bool = True
) -> list[AutoScalingConfigurationSummary]:
    params: dict[str, Any] = {"LatestOnly": latest_only, "MaxResults": LIST_CONFIGS_PAGE}
    if name is not None:
        params["AutoScalingConfigurationName"] = name
    items = paginate(
        client, "list_auto_scaling_configurations", "AutoScalingConfigurationSummaryList", **params
    )
    return [AutoScalingConfigurationSummary.from_api(item) for item in items]


@aws_call("apprunner:ListServicesForAutoScalingConfiguration")
def list_services_for_auto_scaling_configuration(client: Any, config_arn: str) -> list[str]:
    """ARNs of the services using a configuration revision (a revision in use cannot be deleted)."""
    items = paginate(
        client,
        "list_services_for_auto_scaling_configuration",
        "ServiceArnList",
        AutoScalingConfigurationArn=config_arn,
        MaxResults=LIST_CONFIGS_PAGE,
    )
    return list(items)


# ---------------------------------------------------------------------------------------------------------
# Writes: only advisor.apply calls these, and only after its checks (read-only mode, status, plan).
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceUpdate:
    """UpdateService's answer: the operation to wait on (the service shows the change only once it ends)."""

    operation_id: str
    service_arn: str


@aws_call("apprunner:CreateAutoScalingConfiguration", writes=True)
def create_auto_scaling_configuration(
    client: Any, name: str, scaling: ScalingConfig
) -> AutoScalingConfiguration:
    """A new revision of `name` (revision 1 of a new name); ServiceQuotaExceededException when full."""
    response = client.create_auto_scaling_configuration(AutoScalingConfigurationName=name, **scaling.to_api())
    return AutoScalingConfiguration.from_api(response["AutoScalingConfiguration"])


@aws_call("apprunner:DeleteAutoScalingConfiguration", writes=True)
def delete_auto_scaling_configuration(client: Any, config_arn: str) -> AutoScalingConfigurationSummary:
    """Deletes one revision (a full ARN); App Runner refuses the default and revisions in use."""
    response = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=config_arn)
    return AutoScalingConfigurationSummary.from_api(response["AutoScalingConfiguration"])


@aws_call("apprunner:UpdateService", writes=True)
def update_service(
    client: Any, service_arn: str, config_arn: str, instance: InstanceSize | None = None
) -> ServiceUpdate:
    """Points a service at a configuration revision (and an instance size when given); asynchronous."""
    params: dict[str, Any] = {"ServiceArn": service_arn, "AutoScalingConfigurationArn": config_arn}
    if instance is not None:
        params["InstanceConfiguration"] = instance.to_api()
    response = client.update_service(**params)
    return ServiceUpdate(operation_id=response["OperationId"], service_arn=response["Service"]["ServiceArn"])
