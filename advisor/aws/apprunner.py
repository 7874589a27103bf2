"""App Runner's control plane as the platform's neutral records: services, their auto scaling
configurations, operations; and the three writes the apply path makes (create and delete a configuration
revision, point a service at one).

botocore ships no paginators and no waiters for App Runner (reference/apprunner.md §5), so every List*
call goes through `paginate`, with the largest page size the API allows to keep the call count minimal.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from advisor.aws.calls import aws_call, paginate
from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig, ServiceRef
from advisor.platform.base import (
    ListedService,
    Operation,
    Revision,
    RevisionSummary,
    Service,
    ServiceSetup,
    VpcConnector,
)

if TYPE_CHECKING:
    from mypy_boto3_apprunner import AppRunnerClient

LIST_SERVICES_PAGE = 20  # MaxResults 1-20
LIST_OPERATIONS_PAGE = 20  # MaxResults 1-20
LIST_CONFIGS_PAGE = 100  # MaxResults 1-100
CUSTOM_DOMAINS_PAGE = 5  # MaxResults 1-5

Item = Mapping[str, Any]  # one API record: the typed boto3 TypedDicts fit, and so do the tests' dicts


def _listed(item: Item) -> ListedService:
    ref = ServiceRef.from_arn(item["ServiceArn"])
    return ListedService(
        arn=item["ServiceArn"],
        name=item["ServiceName"],
        id=item["ServiceId"],
        region=ref.region,
        account=ref.account_id,
        status=item["Status"],
        url=item.get("ServiceUrl"),
        created_at=item.get("CreatedAt"),
        updated_at=item.get("UpdatedAt"),
    )


def _service(item: Item) -> Service:
    """DescribeService: the service plus only a *summary* of its auto scaling configuration."""
    instance = item.get("InstanceConfiguration") or {}
    config = item.get("AutoScalingConfigurationSummary")
    return Service(
        **vars(_listed(item)),
        instance=InstanceSize.parse(instance.get("Cpu", "1024"), instance.get("Memory", "2048")),
        scaling=_revision_summary(config) if config else None,
        setup=_setup(item),
    )


def _setup(item: Item) -> ServiceSetup:
    """What DescribeService says of the source, runtime, health check and network (names, not values)."""
    source = item.get("SourceConfiguration") or {}
    image = source.get("ImageRepository") or {}
    code = source.get("CodeRepository") or {}
    runtime = image.get("ImageConfiguration") or (
        (code.get("CodeConfiguration") or {}).get("CodeConfigurationValues") or {}
    )
    health = item.get("HealthCheckConfiguration") or {}
    network = item.get("NetworkConfiguration") or {}
    egress = network.get("EgressConfiguration") or {}
    ingress = network.get("IngressConfiguration") or {}
    observability = item.get("ObservabilityConfiguration") or {}
    port = runtime.get("Port")
    return ServiceSetup(
        source_type="code" if code else "image",
        image_identifier=image.get("ImageIdentifier"),
        image_repository_type=image.get("ImageRepositoryType"),
        code_repository_url=code.get("RepositoryUrl"),
        port=int(port) if port else None,
        env_names=tuple(sorted(runtime.get("RuntimeEnvironmentVariables") or {})),
        secret_names=tuple(sorted(runtime.get("RuntimeEnvironmentSecrets") or {})),
        start_command=bool(runtime.get("StartCommand")),
        health_check_protocol=health.get("Protocol"),
        health_check_path=health.get("Path"),
        instance_role_arn=(item.get("InstanceConfiguration") or {}).get("InstanceRoleArn"),
        egress_type=egress.get("EgressType"),
        vpc_connector_arn=egress.get("VpcConnectorArn"),
        publicly_accessible=ingress.get("IsPubliclyAccessible"),
        observability_enabled=observability.get("ObservabilityEnabled"),
        kms_key=bool((item.get("EncryptionConfiguration") or {}).get("KmsKey")),
    )


def _revision_summary(item: Item) -> RevisionSummary:
    return RevisionSummary(
        arn=item["AutoScalingConfigurationArn"],
        name=item["AutoScalingConfigurationName"],
        revision=int(item["AutoScalingConfigurationRevision"]),
        status=item.get("Status"),
        is_default=item.get("IsDefault"),
        in_use=item.get("HasAssociatedService"),
    )


def _revision(item: Item) -> Revision:
    """DescribeAutoScalingConfiguration: the numbers DescribeService leaves out."""
    with warnings.catch_warnings():  # AWS already accepted it: a raised quota is not news here
        warnings.simplefilter("ignore", QuotaWarning)
        settings = ScalingConfig.from_api(dict(item))
    return Revision(**vars(_revision_summary(item)), settings=settings, latest=item.get("Latest"))


def _operation(item: Item) -> Operation:
    return Operation(
        id=item["Id"],
        type=item["Type"],
        status=item["Status"],
        target_arn=item.get("TargetArn"),
        started_at=item.get("StartedAt"),
        ended_at=item.get("EndedAt"),
        updated_at=item.get("UpdatedAt"),
    )


@aws_call("apprunner:ListServices")
def list_services(client: AppRunnerClient) -> list[ListedService]:
    """Every service of the client's region, deleted ones included while App Runner still lists them."""
    items = paginate(client, "list_services", "ServiceSummaryList", MaxResults=LIST_SERVICES_PAGE)
    return [_listed(item) for item in items]


@aws_call("apprunner:DescribeService")
def describe_service(client: AppRunnerClient, service_arn: str) -> Service:
    return _service(client.describe_service(ServiceArn=service_arn)["Service"])


@aws_call("apprunner:DescribeCustomDomains")
def describe_custom_domains(client: AppRunnerClient, service_arn: str) -> list[str]:
    """The domain names linked to a service, every page (at most five a page)."""
    items = paginate(
        client,
        "describe_custom_domains",
        "CustomDomains",
        ServiceArn=service_arn,
        MaxResults=CUSTOM_DOMAINS_PAGE,
    )
    return [str(item["DomainName"]) for item in items]


@aws_call("apprunner:DescribeVpcConnector")
def describe_vpc_connector(client: AppRunnerClient, connector_arn: str) -> VpcConnector:
    """The subnets and security groups a VPC connector sends a service's outbound traffic through."""
    item = client.describe_vpc_connector(VpcConnectorArn=connector_arn)["VpcConnector"]
    return VpcConnector(
        arn=item.get("VpcConnectorArn", connector_arn),
        subnets=tuple(item.get("Subnets", [])),
        security_groups=tuple(item.get("SecurityGroups", [])),
    )


@aws_call("apprunner:DescribeAutoScalingConfiguration")
def describe_auto_scaling_configuration(client: AppRunnerClient, config_arn: str) -> Revision:
    """The ARN may be partial (`.../name`: latest active revision) or full (`.../name/revision/id`)."""
    response = client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=config_arn)
    return _revision(response["AutoScalingConfiguration"])


@aws_call("apprunner:ListOperations")
def list_operations(
    client: AppRunnerClient, service_arn: str, *, limit: int | None = None
) -> list[Operation]:
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
        operations.append(_operation(item))
        if limit is not None and len(operations) >= limit:
            break
    return operations


@aws_call("apprunner:ListAutoScalingConfigurations")
def list_auto_scaling_configurations(
    client: AppRunnerClient, name: str | None = None, *, latest_only: bool = True
) -> list[RevisionSummary]:
    params: dict[str, Any] = {"LatestOnly": latest_only, "MaxResults": LIST_CONFIGS_PAGE}
    if name is not None:
        params["AutoScalingConfigurationName"] = name
    items = paginate(
        client, "list_auto_scaling_configurations", "AutoScalingConfigurationSummaryList", **params
    )
    return [_revision_summary(item) for item in items]


@aws_call("apprunner:ListServicesForAutoScalingConfiguration")
def list_services_for_auto_scaling_configuration(client: AppRunnerClient, config_arn: str) -> list[str]:
    """ARNs of the services using a configuration revision (a revision in use cannot be deleted)."""
    items = paginate(
        client,
        "list_services_for_auto_scaling_configuration",
        "ServiceArnList",
        AutoScalingConfigurationArn=config_arn,
        MaxResults=LIST_CONFIGS_PAGE,
    )
    return [str(arn) for arn in items]


@aws_call("apprunner:ListTagsForResource")
def list_tags_for_resource(client: AppRunnerClient, resource_arn: str) -> dict[str, str]:
    """A resource's tags (a configuration revision's own: App Runner tags each revision ARN)."""
    response = client.list_tags_for_resource(ResourceArn=resource_arn)
    return {str(t["Key"]): str(t.get("Value", "")) for t in response.get("Tags", []) if "Key" in t}


# ---------------------------------------------------------------------------------------------------------
# Writes: only advisor.apply calls these, and only after its checks (read-only mode, status, plan).
# ---------------------------------------------------------------------------------------------------------


# Tagging on create needs apprunner:TagResource besides the create action (reference/apprunner.md §5).
@aws_call("apprunner:CreateAutoScalingConfiguration", "apprunner:TagResource", writes=True)
def create_auto_scaling_configuration(
    client: AppRunnerClient, name: str, scaling: ScalingConfig, tags: Mapping[str, str] | None = None
) -> Revision:
    """A new revision of `name` (revision 1 of a new name), tagged in the same call (so no untagged
    revision ever exists for a moment); ServiceQuotaExceededException when full."""
    params: dict[str, Any] = {
        "AutoScalingConfigurationName": name,
        "MaxConcurrency": scaling.max_concurrency,
        "MinSize": scaling.min_size,
        "MaxSize": scaling.max_size,
    }
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    response = client.create_auto_scaling_configuration(**params)
    return _revision(response["AutoScalingConfiguration"])


@aws_call("apprunner:DeleteAutoScalingConfiguration", writes=True)
def delete_auto_scaling_configuration(client: AppRunnerClient, config_arn: str) -> RevisionSummary:
    """Deletes one revision (a full ARN); App Runner refuses the default and revisions in use."""
    response = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=config_arn)
    return _revision_summary(response["AutoScalingConfiguration"])


@aws_call("apprunner:UpdateService", writes=True)
def update_service(
    client: AppRunnerClient, service_arn: str, config_arn: str, instance: InstanceSize | None = None
) -> str:
    """Points a service at a configuration revision (and an instance size when given); asynchronous:
    returns the operation to wait on (the service shows the change only once it ends)."""
    params: dict[str, Any] = {"ServiceArn": service_arn, "AutoScalingConfigurationArn": config_arn}
    if instance is not None:
        params["InstanceConfiguration"] = instance.to_api()
    return client.update_service(**params)["OperationId"]
