"""The sandbox's App Runner emulator, driven by real boto3 over HTTP and judged by botocore's model."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from advisor.sandbox.apprunner import AppRunnerEmulator, service_model
from advisor.sandbox.apprunner.errors import AppRunnerError
from advisor.sandbox.fleet import AppSetup

REGION, ACCOUNT = "us-east-1", "123456789012"
HEX32 = re.compile(r"[0-9a-f]{32}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
CONFIG_PREFIX = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:autoscalingconfiguration/"
OPERATION_SECONDS = 60.0


@pytest.fixture
def emulator(clock) -> AppRunnerEmulator:
    """Operations take a minute of the fake clock: PENDING for 15 s, then IN_PROGRESS."""
    return AppRunnerEmulator(clock=clock, operation_seconds=OPERATION_SECONDS)


def error_code(call: Callable[[], Any]) -> str:
    """Run a call that must fail; return App Runner's error code."""
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def create(client, name: str, c: int = 100, m: int = 1, big_m: int = 25, **kw: Any) -> dict[str, Any]:
    response = client.create_auto_scaling_configuration(
        AutoScalingConfigurationName=name, MaxConcurrency=c, MinSize=m, MaxSize=big_m, **kw
    )
    return response["AutoScalingConfiguration"]


def describe_config(client, arn: str) -> dict[str, Any]:
    return client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)[
        "AutoScalingConfiguration"
    ]


def default_arn(client) -> str:
    listed = client.list_auto_scaling_configurations(AutoScalingConfigurationName="DefaultConfiguration")
    return listed["AutoScalingConfigurationSummaryList"][0]["AutoScalingConfigurationArn"]


def operation(client, service_arn: str, operation_id: str) -> dict[str, Any]:
    listed = client.list_operations(ServiceArn=service_arn)["OperationSummaryList"]
    return next(o for o in listed if o["Id"] == operation_id)


@pytest.fixture
def service(emulator: AppRunnerEmulator) -> dict[str, Any]:
    """A running service on a custom configuration (50/2/10), 1 vCPU / 2 GB."""
    return emulator.add_service(REGION, "checkout-api", max_concurrency=50, min_size=2, max_size=10)


# ---------------------------------------------------------------------------------------------------------
# 1. Conformance: every operation answers in botocore's output shape
# ---------------------------------------------------------------------------------------------------------


def _conformance_calls(
    client, service: dict[str, Any], connected: dict[str, Any]
) -> dict[str, Callable[[], Any]]:
    arn = service["ServiceArn"]
    connector = connected["NetworkConfiguration"]["EgressConfiguration"]["VpcConnectorArn"]
    new = {}

    def create_config():
        new["arn"] = create(client, "spare-config", 80, 1, 5, Tags=[{"Key": "team", "Value": "pay"}])[
            "AutoScalingConfigurationArn"
        ]

    return {
        "ListServices": lambda: client.list_services(MaxResults=20),
        "DescribeService": lambda: client.describe_service(ServiceArn=arn),
        "DescribeCustomDomains": lambda: client.describe_custom_domains(ServiceArn=arn),
        "DescribeVpcConnector": lambda: client.describe_vpc_connector(VpcConnectorArn=connector),
        "CreateAutoScalingConfiguration": create_config,
        "ListAutoScalingConfigurations": lambda: client.list_auto_scaling_configurations(LatestOnly=False),
        "DescribeAutoScalingConfiguration": lambda: describe_config(client, new["arn"]),
        "ListServicesForAutoScalingConfiguration": lambda: (
            client.list_services_for_auto_scaling_configuration(
                AutoScalingConfigurationArn=service["AutoScalingConfigurationSummary"][
                    "AutoScalingConfigurationArn"
                ]
            )
        ),
        "UpdateDefaultAutoScalingConfiguration": lambda: client.update_default_auto_scaling_configuration(
            AutoScalingConfigurationArn=new["arn"]
        ),
        "TagResource": lambda: client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}]),
        "ListTagsForResource": lambda: client.list_tags_for_resource(ResourceArn=arn),
        "UntagResource": lambda: client.untag_resource(ResourceArn=arn, TagKeys=["env"]),
        "UpdateService": lambda: client.update_service(
            ServiceArn=arn, InstanceConfiguration={"Cpu": "2 vCPU", "Memory": "4 GB"}
        ),
        "ListOperations": lambda: client.list_operations(ServiceArn=arn),
        "PauseService": lambda: client.pause_service(ServiceArn=arn),
        "ResumeService": lambda: client.resume_service(ServiceArn=arn),
        "DeleteAutoScalingConfiguration": lambda: client.delete_auto_scaling_configuration(
            AutoScalingConfigurationArn=CONFIG_PREFIX + "DefaultConfiguration"
        ),
    }


def test_every_operation_answers_in_botocores_output_shape(client, service, clock, conforms, emulator):
    app = AppSetup(vpc_connector=True)
    connected = emulator.add_service(  # on its own configuration: the default is deleted at the end
        REGION, "orders-vpc", max_concurrency=70, setup=app.members(emulator.account_id, REGION, "x")
    )
    calls = _conformance_calls(client, service, connected)
    assert set(calls) == set(AppRunnerEmulator.OPERATIONS)
    for name, call in calls.items():
        call()
        body = conforms(name)
        if name in ("UpdateService", "PauseService"):
            clock.advance(OPERATION_SECONDS)  # let the service settle before the next mutation
        if name == "ResumeService":
            assert body["Service"]["Status"] == "OPERATION_IN_PROGRESS"


def test_in_flight_and_terminal_operations_conform(client, service, clock, conforms, emulator):
    arn = service["ServiceArn"]
    emulator.fail_next_operation(arn)
    client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2048", "Memory": "4096"})
    for _ in range(3):  # PENDING, IN_PROGRESS, FAILED
        client.list_operations(ServiceArn=arn)
        conforms("ListOperations")
        client.describe_service(ServiceArn=arn)
        conforms("DescribeService")
        clock.advance(OPERATION_SECONDS / 2)


def test_deleted_revision_description_conforms(client, conforms):
    arn = create(client, "short-lived")["AutoScalingConfigurationArn"]
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn)
    conforms("DeleteAutoScalingConfiguration")
    describe_config(client, arn)
    assert conforms("DescribeAutoScalingConfiguration")["AutoScalingConfiguration"]["Status"] == "INACTIVE"


def test_a_seeded_setup_is_described_in_botocores_shape(client, emulator, conforms):
    """A code-built service with secrets, a VPC connector and private ingress, as DescribeService shows it."""
    app = AppSetup(source="code", runtime="NODEJS_18", port=3000, secrets=("DB_PASSWORD",),
                   vpc_connector=True, private=True, health_path="/healthz")  # fmt: skip
    seeded = emulator.add_service(
        REGION, "shop-web", setup=app.members(emulator.account_id, REGION, "shop-web")
    )
    described = client.describe_service(ServiceArn=seeded["ServiceArn"])["Service"]
    conforms("DescribeService")
    source = described["SourceConfiguration"]
    assert "ImageRepository" not in source and "AccessRoleArn" not in source["AuthenticationConfiguration"]
    values = source["CodeRepository"]["CodeConfiguration"]["CodeConfigurationValues"]
    assert (values["Runtime"], values["Port"]) == ("NODEJS_18", "3000")
    assert list(values["RuntimeEnvironmentSecrets"]) == ["DB_PASSWORD"]
    assert described["NetworkConfiguration"]["EgressConfiguration"]["EgressType"] == "VPC"
    assert described["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": False}
    assert described["HealthCheckConfiguration"]["Path"] == "/healthz"


def test_a_setup_app_runner_would_refuse_is_refused(emulator):
    with pytest.raises(AppRunnerError, match=r"healthCheckConfiguration\.protocol"):
        emulator.add_service(REGION, "odd-api", setup={"HealthCheckConfiguration": {"Protocol": "GRPC"}})


def test_a_vpc_connector_names_its_subnets_and_only_a_known_one_is_found(client, emulator):
    app = AppSetup(vpc_connector=True)
    seeded = emulator.add_service(REGION, "b2b-portal", setup=app.members(emulator.account_id, REGION, "b2b"))
    arn = seeded["NetworkConfiguration"]["EgressConfiguration"]["VpcConnectorArn"]
    connector = client.describe_vpc_connector(VpcConnectorArn=arn)["VpcConnector"]
    assert (connector["VpcConnectorName"], connector["Status"]) == ("b2b-vpc", "ACTIVE")
    assert len(connector["Subnets"]) == 2 and connector["SecurityGroups"][0].startswith("sg-")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.describe_vpc_connector(VpcConnectorArn=arn.replace("b2b-vpc", "other-vpc"))


def test_custom_domains_come_in_pages_of_five(client, emulator, conforms):
    domains = [f"d{i}.example.com" for i in range(7)]
    arn = emulator.add_service(REGION, "catalog-svc", custom_domains=domains)["ServiceArn"]
    first = client.describe_custom_domains(ServiceArn=arn, MaxResults=5)
    conforms("DescribeCustomDomains")
    second = client.describe_custom_domains(ServiceArn=arn, MaxResults=5, NextToken=first["NextToken"])
    names = [d["DomainName"] for d in first["CustomDomains"] + second["CustomDomains"]]
    assert (len(first["CustomDomains"]), names, "NextToken" in second) == (5, sorted(domains), False)


def test_the_output_validator_catches_broken_responses(client, service, endpoint, output_errors):
    client.describe_service(ServiceArn=service["ServiceArn"])
    good = endpoint.last("DescribeService")
    shape = service_model().operation_model("DescribeService").output_shape
    assert output_errors(shape, good) == []
    broken = json.loads(json.dumps(good))
    del broken["Service"]["NetworkConfiguration"]  # required
    broken["Service"]["Status"] = "SLEEPING"  # enum
    broken["Service"]["ServiceName"] = "abc"  # min length 4, and so its pattern
    broken["Service"]["HealthCheckConfiguration"]["Interval"] = 21  # max 20
    broken["Service"]["CreatedAt"] = "yesterday"  # timestamp
    broken["Service"]["Color"] = "blue"  # not a member
    broken["Service"]["InstanceConfiguration"]["Cpu"] = "3 vCPU"  # pattern
    assert len(output_errors(shape, broken)) == 8


def test_identifiers_look_like_app_runners(client, service):
    described = client.describe_service(ServiceArn=service["ServiceArn"])["Service"]
    assert HEX32.fullmatch(described["ServiceId"])
    assert (
        described["ServiceArn"]
        == f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/checkout-api/{described['ServiceId']}"
    )
    assert re.fullmatch(rf"[a-z0-9]+\.{REGION}\.awsapprunner\.com", described["ServiceUrl"])
    assert described["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048"}
    assert described["ObservabilityConfiguration"] == {"ObservabilityEnabled": False}
    assert described["SourceConfiguration"]["ImageRepository"]["ImageRepositoryType"] == "ECR"
    config_arn = described["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"]
    assert re.fullmatch(re.escape(CONFIG_PREFIX) + r"checkout-api-asc/1/[0-9a-f]{32}", config_arn)
    response = client.update_service(ServiceArn=service["ServiceArn"], AutoScalingConfigurationArn=config_arn)
    assert UUID.fullmatch(response["OperationId"])
    assert UUID.fullmatch(response["ResponseMetadata"]["RequestId"])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"MaxConcurrency": 201}, "InvalidRequestException"),  # botocore lets maximums through
        ({"MinSize": 26}, "InvalidRequestException"),
        ({"MinSize": 5, "MaxSize": 4}, "InvalidRequestException"),
        ({"MaxSize": 26}, "InvalidRequestException"),  # above the default quota of 25
        (
            {"AutoScalingConfigurationName": "bad name!"},
            "InvalidRequestException",
        ),  # pattern, unchecked by botocore
        ({"AutoScalingConfigurationName": "-starts-with-dash"}, "InvalidRequestException"),
        ({"Tags": [{"Key": "aws:reserved", "Value": "x"}]}, "InvalidRequestException"),
    ],
)
def test_invalid_configuration_is_refused_like_app_runner(client, params, code):
    request = {"AutoScalingConfigurationName": "good-name", **params}
    assert error_code(lambda: client.create_auto_scaling_configuration(**request)) == code
    assert (
        client.list_auto_scaling_configurations(AutoScalingConfigurationName="good-name")[
            "AutoScalingConfigurationSummaryList"
        ]
        == []
    )


def test_validation_message_names_member_and_constraint(endpoint, client):
    error_code(
        lambda: client.create_auto_scaling_configuration(
            AutoScalingConfigurationName="ok-name", MaxConcurrency=201
        )
    )
    message = endpoint.last("CreateAutoScalingConfiguration")["message"]
    assert "Value '201' at 'maxConcurrency' failed to satisfy constraint" in message
    assert "less than or equal to 200" in message


def test_missing_required_member_and_wrong_type_reach_the_server(unvalidated, endpoint):
    assert error_code(lambda: unvalidated.create_auto_scaling_configuration(MaxConcurrency=10)) == (
        "InvalidRequestException"
    )
    assert "Member must not be null" in endpoint.last("CreateAutoScalingConfiguration")["message"]
    assert error_code(lambda: unvalidated.describe_service()) == "InvalidRequestException"
    wrong_type = lambda: unvalidated.create_auto_scaling_configuration(  # noqa: E731
        AutoScalingConfigurationName="typed-name", MaxConcurrency="lots"
    )
    assert error_code(wrong_type) == "SerializationException"


def test_unknown_resources_are_not_found(client, service):
    ghost = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/ghost-svc/{'0' * 32}"
    assert error_code(lambda: client.describe_service(ServiceArn=ghost)) == "ResourceNotFoundException"
    assert error_code(lambda: client.update_service(ServiceArn=ghost)) == "ResourceNotFoundException"
    assert error_code(lambda: client.list_operations(ServiceArn=ghost)) == "ResourceNotFoundException"
    assert error_code(lambda: client.pause_service(ServiceArn=ghost)) == "ResourceNotFoundException"
    assert error_code(lambda: client.list_tags_for_resource(ResourceArn=ghost)) == "ResourceNotFoundException"
    config = CONFIG_PREFIX + "nobody/1/" + "0" * 32
    assert error_code(lambda: describe_config(client, config)) == "ResourceNotFoundException"
    assert (
        error_code(
            lambda: client.update_service(
                ServiceArn=service["ServiceArn"], AutoScalingConfigurationArn=config
            )
        )
        == "ResourceNotFoundException"
    )


def test_regions_are_separate(make_client, service):
    eu = make_client("eu-west-1")
    assert eu.list_services()["ServiceSummaryList"] == []
    assert (
        error_code(lambda: eu.describe_service(ServiceArn=service["ServiceArn"]))
        == "ResourceNotFoundException"
    )
    assert default_arn(eu).startswith("arn:aws:apprunner:eu-west-1:")


def _raw_post(url: str, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_unknown_operation_and_malformed_body(endpoint):
    assert _raw_post(endpoint.url, "AppRunner.CreateService", b"{}") == (
        400,
        {"__type": "UnknownOperationException", "message": "Operation 'CreateService' is not supported."},
    )
    status, body = _raw_post(endpoint.url, "AppRunner.ListServices", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_error_statuses_come_from_the_model(emulator):
    """No App Runner error shape carries an HTTP status: client errors are 400 (quota too), faults 500."""
    model = service_model()
    assert model.shape_for("ServiceQuotaExceededException").metadata.get("error") is None
    for _ in range(9):
        emulator.handle(
            "CreateAutoScalingConfiguration",
            json.dumps({"AutoScalingConfigurationName": f"n-{_:03d}"}).encode(),
            REGION,
        )
    status, headers, body = emulator.handle(
        "CreateAutoScalingConfiguration", b'{"AutoScalingConfigurationName": "one-too-many"}', REGION
    )
    assert (status, json.loads(body)["__type"]) == (400, "ServiceQuotaExceededException")
    assert headers["Content-Type"] == "application/x-amz-json-1.0"


def test_a_bug_surfaces_as_internal_service_error(emulator, monkeypatch):
    def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emulator, "_op_list_services", broken)
    status, _, body = emulator.handle("ListServices", b"{}", REGION)
    assert (status, json.loads(body)["__type"]) == (500, "InternalServiceErrorException")


# ---------------------------------------------------------------------------------------------------------
# 2. Auto scaling configurations: quotas, revisions, immutability, protections, default
# ---------------------------------------------------------------------------------------------------------


def test_quota_of_ten_names_per_region(client, make_client):
    for i in range(9):  # DefaultConfiguration is the tenth name
        create(client, f"name-{i:02d}")
    assert error_code(lambda: create(client, "eleventh")) == "ServiceQuotaExceededException"
    create(client, "name-00")  # a new revision of an existing name is still fine
    create(make_client("eu-west-1"), "eleventh")  # quotas are per Region
    client.delete_auto_scaling_configuration(
        AutoScalingConfigurationArn=CONFIG_PREFIX + "name-03", DeleteAllRevisions=True
    )
    assert create(client, "eleventh")["AutoScalingConfigurationRevision"] == 1


def test_quota_of_five_revisions_per_name(client):
    arns = [create(client, "busy-name", c=10 + i)["AutoScalingConfigurationArn"] for i in range(5)]
    assert error_code(lambda: create(client, "busy-name")) == "ServiceQuotaExceededException"
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arns[0])
    assert create(client, "busy-name")["AutoScalingConfigurationRevision"] == 6  # numbers are never reused


def test_revision_numbering_and_latest(client):
    revisions = [create(client, "web-tier", c=c) for c in (40, 60, 80)]
    assert [r["AutoScalingConfigurationRevision"] for r in revisions] == [1, 2, 3]
    assert [describe_config(client, r["AutoScalingConfigurationArn"])["Latest"] for r in revisions] == [
        False,
        False,
        True,
    ]
    assert describe_config(client, CONFIG_PREFIX + "web-tier")["MaxConcurrency"] == 80  # partial ARN: latest
    assert describe_config(client, CONFIG_PREFIX + "web-tier/1")["MaxConcurrency"] == 40  # .../name/revision
    latest = client.list_auto_scaling_configurations(AutoScalingConfigurationName="web-tier")
    assert [s["AutoScalingConfigurationRevision"] for s in latest["AutoScalingConfigurationSummaryList"]] == [
        3
    ]
    every = client.list_auto_scaling_configurations(AutoScalingConfigurationName="web-tier", LatestOnly=False)
    assert [s["AutoScalingConfigurationRevision"] for s in every["AutoScalingConfigurationSummaryList"]] == [
        1,
        2,
        3,
    ]
    client.delete_auto_scaling_configuration(
        AutoScalingConfigurationArn=revisions[2]["AutoScalingConfigurationArn"]
    )
    assert describe_config(client, revisions[1]["AutoScalingConfigurationArn"])["Latest"] is True
    assert create(client, "web-tier")["AutoScalingConfigurationRevision"] == 4


def test_revisions_are_immutable_and_deleted_ones_become_inactive(client, clock):
    assert not any(op.startswith("UpdateAutoScaling") for op in service_model().operation_names)
    first = create(client, "frozen-cfg", 30, 2, 6)
    clock.advance(10)
    create(client, "frozen-cfg", 90, 1, 3)  # a change is a new revision; the first keeps its values
    arn = first["AutoScalingConfigurationArn"]
    assert {k: describe_config(client, arn)[k] for k in ("MaxConcurrency", "MinSize", "MaxSize")} == {
        "MaxConcurrency": 30,
        "MinSize": 2,
        "MaxSize": 6,
    }
    deleted = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn)[
        "AutoScalingConfiguration"
    ]
    assert deleted["Status"] == "INACTIVE" and deleted["DeletedAt"].timestamp() == clock.now
    again = describe_config(client, arn)
    assert (again["Status"], again["Latest"], again["MaxConcurrency"]) == ("INACTIVE", False, 30)
    listed = client.list_auto_scaling_configurations(
        AutoScalingConfigurationName="frozen-cfg", LatestOnly=False
    )
    assert [s["AutoScalingConfigurationRevision"] for s in listed["AutoScalingConfigurationSummaryList"]] == [
        2
    ]
    assert error_code(lambda: client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn)) == (
        "ResourceNotFoundException"
    )


def test_delete_all_revisions_needs_a_name_only_arn(client):
    arns = [create(client, "all-gone", c=c)["AutoScalingConfigurationArn"] for c in (10, 20, 30)]
    assert (
        error_code(
            lambda: client.delete_auto_scaling_configuration(
                AutoScalingConfigurationArn=arns[0], DeleteAllRevisions=True
            )
        )
        == "InvalidRequestException"
    )
    client.delete_auto_scaling_configuration(
        AutoScalingConfigurationArn=CONFIG_PREFIX + "all-gone", DeleteAllRevisions=True
    )
    assert {describe_config(client, a)["Status"] for a in arns} == {"INACTIVE"}
    assert (
        error_code(lambda: describe_config(client, CONFIG_PREFIX + "all-gone")) == "ResourceNotFoundException"
    )


def test_a_configuration_in_use_cannot_be_deleted(client, service, clock):
    used = service["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"]
    spare = create(client, "spare-cfg", 20, 1, 4)["AutoScalingConfigurationArn"]
    assert describe_config(client, used)["HasAssociatedService"] is True
    assert error_code(lambda: client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=used)) == (
        "InvalidRequestException"
    )
    assert (
        error_code(
            lambda: client.delete_auto_scaling_configuration(
                AutoScalingConfigurationArn=CONFIG_PREFIX + "checkout-api-asc", DeleteAllRevisions=True
            )
        )
        == "InvalidRequestException"
    )
    client.update_service(ServiceArn=service["ServiceArn"], AutoScalingConfigurationArn=spare)
    # the target of an operation in flight is in use too
    assert error_code(
        lambda: client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=spare)
    ) == ("InvalidRequestException")
    clock.advance(OPERATION_SECONDS)
    assert describe_config(client, used)["HasAssociatedService"] is False
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=used)
    assert describe_config(client, used)["Status"] == "INACTIVE"


def test_the_default_configuration_cannot_be_deleted(client):
    default = describe_config(client, default_arn(client))
    assert (default["AutoScalingConfigurationName"], default["IsDefault"]) == ("DefaultConfiguration", True)
    assert (default["MaxConcurrency"], default["MinSize"], default["MaxSize"]) == (100, 1, 25)
    assert (
        error_code(
            lambda: client.delete_auto_scaling_configuration(
                AutoScalingConfigurationArn=default["AutoScalingConfigurationArn"]
            )
        )
        == "InvalidRequestException"
    )
    custom = create(client, "house-default", 60, 2, 8)["AutoScalingConfigurationArn"]
    client.update_default_auto_scaling_configuration(AutoScalingConfigurationArn=custom)
    client.delete_auto_scaling_configuration(
        AutoScalingConfigurationArn=default["AutoScalingConfigurationArn"]
    )
    assert error_code(
        lambda: client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=custom)
    ) == ("InvalidRequestException")


def test_update_default_moves_the_default(client):
    old = default_arn(client)
    create(client, "new-default", 70, 1, 12)
    response = client.update_default_auto_scaling_configuration(
        AutoScalingConfigurationArn=CONFIG_PREFIX + "new-default"
    )
    new = response["AutoScalingConfiguration"]
    assert (new["IsDefault"], new["AutoScalingConfigurationRevision"], new["HasAssociatedService"]) == (
        True,
        1,
        False,
    )
    assert describe_config(client, old)["IsDefault"] is False
    summaries = client.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]
    assert [s["AutoScalingConfigurationName"] for s in summaries if s["IsDefault"]] == ["new-default"]
    gone = create(client, "gone-cfg")["AutoScalingConfigurationArn"]
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=gone)
    assert error_code(
        lambda: client.update_default_auto_scaling_configuration(AutoScalingConfigurationArn=gone)
    ) == ("InvalidRequestException")


def test_list_services_for_a_configuration(client, emulator, service):
    twin = emulator.add_service(REGION, "checkout-web", max_concurrency=50, min_size=2, max_size=10)
    emulator.add_service(REGION, "plain-svc")
    shared = service["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"]
    assert (
        twin["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"] == shared
    )  # same values reused
    listed = client.list_services_for_auto_scaling_configuration(AutoScalingConfigurationArn=shared)
    assert listed["ServiceArnList"] == [service["ServiceArn"], twin["ServiceArn"]]
    default_users = client.list_services_for_auto_scaling_configuration(
        AutoScalingConfigurationArn=default_arn(client)
    )
    assert len(default_users["ServiceArnList"]) == 1


# ---------------------------------------------------------------------------------------------------------
# 3. Services: operations that take time, refusals, injected failures, pause and resume
# ---------------------------------------------------------------------------------------------------------


def _scaling(summary_holder: dict[str, Any]) -> str:
    return summary_holder["AutoScalingConfigurationSummary"]["AutoScalingConfigurationName"]


def test_update_goes_pending_in_progress_succeeded(client, emulator, service, clock):
    arn = service["ServiceArn"]
    target = create(client, "bigger-cfg", 120, 3, 15)["AutoScalingConfigurationArn"]
    started = clock.now
    response = client.update_service(
        ServiceArn=arn,
        AutoScalingConfigurationArn=target,
        InstanceConfiguration={"Cpu": "2 vCPU", "Memory": "4 GB"},
    )
    assert response["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert _scaling(response["Service"]) == "bigger-cfg"  # the response shows what is being applied
    op_id = response["OperationId"]
    op = operation(client, arn, op_id)
    assert (op["Type"], op["Status"], op["TargetArn"], "EndedAt" in op) == (
        "UPDATE_SERVICE",
        "PENDING",
        arn,
        False,
    )

    clock.advance(OPERATION_SECONDS / 2)
    assert operation(client, arn, op_id)["Status"] == "IN_PROGRESS"
    during = client.describe_service(ServiceArn=arn)["Service"]
    assert (during["Status"], _scaling(during)) == ("OPERATION_IN_PROGRESS", "checkout-api-asc")
    assert during["InstanceConfiguration"]["Cpu"] == "1024"
    assert emulator.service_scaling(arn) == (50, 2, 10)
    for refused in (
        lambda: client.update_service(ServiceArn=arn, AutoScalingConfigurationArn=target),
        lambda: client.pause_service(ServiceArn=arn),
        lambda: client.resume_service(ServiceArn=arn),
    ):
        assert error_code(refused) == "InvalidStateException"

    clock.advance(OPERATION_SECONDS / 2)
    done = operation(client, arn, op_id)
    assert done["Status"] == "SUCCEEDED"
    assert done["EndedAt"].timestamp() == done["UpdatedAt"].timestamp() == started + OPERATION_SECONDS
    after = client.describe_service(ServiceArn=arn)["Service"]
    assert (after["Status"], _scaling(after)) == ("RUNNING", "bigger-cfg")
    assert after["InstanceConfiguration"] == {"Cpu": "2048", "Memory": "4096"}  # stored in API units
    assert emulator.service_scaling(arn) == (120, 3, 15)


def test_injected_failure_keeps_the_old_configuration(client, emulator, service, clock):
    arn = service["ServiceArn"]
    target = create(client, "doomed-cfg", 10, 1, 2)["AutoScalingConfigurationArn"]
    emulator.fail_next_operation(arn)
    op_id = client.update_service(ServiceArn=arn, AutoScalingConfigurationArn=target)["OperationId"]
    clock.advance(OPERATION_SECONDS)
    assert operation(client, arn, op_id)["Status"] == "FAILED"
    after = client.describe_service(ServiceArn=arn)["Service"]
    assert (after["Status"], _scaling(after)) == ("RUNNING", "checkout-api-asc")
    assert emulator.service_scaling(arn) == (50, 2, 10)
    op_id = client.update_service(ServiceArn=arn, AutoScalingConfigurationArn=target)[
        "OperationId"
    ]  # budget spent
    clock.advance(OPERATION_SECONDS)
    assert operation(client, arn, op_id)["Status"] == "SUCCEEDED"


def test_failures_can_target_any_service_and_count(client, emulator, service, clock):
    other = emulator.add_service(REGION, "other-svc")
    emulator.fail_next_operation(count=2)
    ids = [client.pause_service(ServiceArn=s["ServiceArn"])["OperationId"] for s in (service, other)]
    clock.advance(OPERATION_SECONDS)
    assert [
        operation(client, s["ServiceArn"], i)["Status"] for s, i in zip((service, other), ids, strict=True)
    ] == [
        "FAILED",
        "FAILED",
    ]
    assert {s["Status"] for s in emulator.services(REGION)} == {"RUNNING"}  # a failed pause leaves it running


def test_pause_and_resume_rules(client, service, clock):
    arn = service["ServiceArn"]
    assert error_code(lambda: client.resume_service(ServiceArn=arn)) == "InvalidStateException"  # running
    paused = client.pause_service(ServiceArn=arn)
    assert paused["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    clock.advance(OPERATION_SECONDS)
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == "PAUSED"
    assert operation(client, arn, paused["OperationId"])["Type"] == "PAUSE_SERVICE"
    assert error_code(lambda: client.pause_service(ServiceArn=arn)) == "InvalidStateException"
    assert error_code(
        lambda: client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "512", "Memory": "1024"})
    ) == ("InvalidStateException")
    resumed = client.resume_service(ServiceArn=arn)
    clock.advance(OPERATION_SECONDS)
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"
    assert operation(client, arn, resumed["OperationId"])["Type"] == "RESUME_SERVICE"


def test_list_operations_is_newest_first(client, service, clock):
    arn = service["ServiceArn"]
    ids = []
    for call in (client.pause_service, client.resume_service, client.pause_service):
        ids.append(call(ServiceArn=arn)["OperationId"])
        clock.advance(OPERATION_SECONDS)
    listed = client.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert [o["Id"] for o in listed[:3]] == ids[::-1]
    assert listed[-1]["Type"] == "CREATE_SERVICE" and listed[-1]["Status"] == "SUCCEEDED"
    starts = [o["StartedAt"] for o in listed]
    assert starts == sorted(starts, reverse=True)


def test_update_service_checks_instance_sizes_and_sources(client, service):
    arn = service["ServiceArn"]
    invalid_pair = {
        "Cpu": "4 vCPU",
        "Memory": "2 GB",
    }  # each matches the model's pattern; the pair is invalid
    assert error_code(lambda: client.update_service(ServiceArn=arn, InstanceConfiguration=invalid_pair)) == (
        "InvalidRequestException"
    )
    assert error_code(
        lambda: client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "3 vCPU"})
    ) == ("InvalidRequestException")
    code_source = {
        "CodeRepository": {
            "RepositoryUrl": "https://github.com/x/y",
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
        }
    }
    assert error_code(lambda: client.update_service(ServiceArn=arn, SourceConfiguration=code_source)) == (
        "InvalidRequestException"
    )
    accepted = client.update_service(
        ServiceArn=arn,
        InstanceConfiguration={"Memory": "4 GB"},  # merged with the current 1 vCPU
        HealthCheckConfiguration={"Protocol": "HTTP", "Path": "/health"},
    )["Service"]
    assert accepted["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "4096"}
    assert accepted["HealthCheckConfiguration"]["Interval"] == 5  # unchanged members are kept


def test_an_inactive_configuration_cannot_be_applied(client, service):
    gone = create(client, "retired-cfg")["AutoScalingConfigurationArn"]
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=gone)
    assert (
        error_code(
            lambda: client.update_service(ServiceArn=service["ServiceArn"], AutoScalingConfigurationArn=gone)
        )
        == "InvalidRequestException"
    )


# ---------------------------------------------------------------------------------------------------------
# 4. Pagination
# ---------------------------------------------------------------------------------------------------------


def _pages(call: Callable[..., dict[str, Any]], key: str, **params: Any) -> list[list[Any]]:
    pages, token = [], None
    while True:
        response = call(**params, **({"NextToken": token} if token else {}))
        pages.append(response[key])
        token = response.get("NextToken")
        if not token:
            return pages


def test_list_services_pages_without_duplicates(client, emulator):
    arns = [emulator.add_service(REGION, f"svc-{i:03d}")["ServiceArn"] for i in range(45)]
    pages = _pages(client.list_services, "ServiceSummaryList", MaxResults=20)
    assert [len(p) for p in pages] == [20, 20, 5]
    assert [s["ServiceArn"] for p in pages for s in p] == arns
    assert len(client.list_services()["ServiceSummaryList"]) == 45  # no MaxResults: everything at once


def test_pages_survive_changes_between_calls(client, emulator):
    for i in range(5):
        create(client, f"cfg-{i}")
    first = client.list_auto_scaling_configurations(MaxResults=3)
    create(client, "aaa-first")  # sorts before the cursor: not repeated, not shifted
    rest = client.list_auto_scaling_configurations(MaxResults=3, NextToken=first["NextToken"])
    seen = [s["AutoScalingConfigurationName"] for s in first["AutoScalingConfigurationSummaryList"]]
    seen += [s["AutoScalingConfigurationName"] for s in rest["AutoScalingConfigurationSummaryList"]]
    assert len(seen) == len(set(seen)) == 6 and "aaa-first" not in seen


@pytest.mark.parametrize(
    ("operation_name", "limit"),
    [
        ("list_services", 20),
        ("list_auto_scaling_configurations", 100),
        ("list_operations", 20),
        ("list_services_for_auto_scaling_configuration", 100),
    ],
)
def test_max_results_ranges_from_the_model(client, service, operation_name, limit):
    extra = {
        "list_operations": {"ServiceArn": service["ServiceArn"]},
        "list_services_for_auto_scaling_configuration": {
            "AutoScalingConfigurationArn": service["AutoScalingConfigurationSummary"][
                "AutoScalingConfigurationArn"
            ]
        },
    }.get(operation_name, {})
    call = getattr(client, operation_name)
    call(MaxResults=limit, **extra)
    assert error_code(lambda: call(MaxResults=limit + 1, **extra)) == "InvalidRequestException"


def test_bad_next_tokens_are_invalid_requests(client, emulator, service, clock):
    for _ in range(3):
        client.pause_service(ServiceArn=service["ServiceArn"])
        clock.advance(OPERATION_SECONDS)
        client.resume_service(ServiceArn=service["ServiceArn"])
        clock.advance(OPERATION_SECONDS)
    ops = _pages(
        client.list_operations, "OperationSummaryList", ServiceArn=service["ServiceArn"], MaxResults=2
    )
    assert [len(p) for p in ops] == [2, 2, 2, 1]
    assert len({o["Id"] for p in ops for o in p}) == 7
    emulator.add_service(REGION, "second-svc")
    token = client.list_services(MaxResults=1)["NextToken"]
    assert error_code(lambda: client.list_services(NextToken="garbage!")) == "InvalidRequestException"
    assert error_code(lambda: client.list_operations(ServiceArn=service["ServiceArn"], NextToken=token)) == (
        "InvalidRequestException"  # a token from another request
    )
    assert len(client.list_services(MaxResults=1, NextToken=token)["ServiceSummaryList"]) == 1


# ---------------------------------------------------------------------------------------------------------
# 5. Tags, the call log, the programmatic API, threads
# ---------------------------------------------------------------------------------------------------------


def test_tags_on_services_and_configurations(client, emulator):
    svc = emulator.add_service(REGION, "tagged-svc", tags={"team": "pay"})
    arn = svc["ServiceArn"]
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "pay"}]
    client.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "team", "Value": "search"}, {"Key": "env", "Value": "prod"}]
    )
    tags = client.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "search", "env": "prod"}
    client.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    config = create(client, "tagged-cfg", Tags=[{"Key": "owner", "Value": "me"}])[
        "AutoScalingConfigurationArn"
    ]
    assert client.list_tags_for_resource(ResourceArn=config)["Tags"] == [{"Key": "owner", "Value": "me"}]
    reserved = [{"Key": "aws:cloudformation:stack-name", "Value": "x"}]
    assert (
        error_code(lambda: client.tag_resource(ResourceArn=arn, Tags=reserved)) == "InvalidRequestException"
    )
    assert error_code(
        lambda: client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": ""}])
    ) == ("InvalidRequestException")


def test_call_log_records_every_request(client, emulator, service, clock):
    client.describe_service(ServiceArn=service["ServiceArn"])
    clock.advance(5)
    error_code(
        lambda: client.create_auto_scaling_configuration(
            AutoScalingConfigurationName="x-y-z", MaxConcurrency=500
        )
    )
    assert [(c["operation"], c["status"], c["error"]) for c in emulator.calls] == [
        ("DescribeService", 200, None),
        ("CreateAutoScalingConfiguration", 400, "InvalidRequestException"),
    ]
    last = emulator.calls[-1]
    assert last["params"] == {"AutoScalingConfigurationName": "x-y-z", "MaxConcurrency": 500}
    assert (last["region"], last["time"]) == (REGION, clock.now)
    json.dumps(emulator.calls)  # the sandbox serves it as JSON


def test_add_service_reuses_configurations(emulator):
    default = emulator.add_service(REGION, "on-defaults")
    assert (
        default["AutoScalingConfigurationSummary"]["AutoScalingConfigurationName"] == "DefaultConfiguration"
    )
    custom = emulator.add_service(
        REGION, "tuned-svc", max_concurrency=80, min_size=2, max_size=6, cpu="2 vCPU", memory="4 GB"
    )
    assert custom["AutoScalingConfigurationSummary"]["AutoScalingConfigurationName"] == "tuned-svc-asc"
    assert custom["InstanceConfiguration"] == {"Cpu": "2048", "Memory": "4096"}
    assert emulator.service_scaling(custom["ServiceArn"]) == (80, 2, 6)
    paused = emulator.add_service(REGION, "idle-svc", status="PAUSED", created_at=1_700_000_000.0)
    assert paused["Status"] == "PAUSED" and paused["CreatedAt"] == 1_700_000_000.0
    assert [s["ServiceName"] for s in emulator.services(REGION)] == ["on-defaults", "tuned-svc", "idle-svc"]
    assert emulator.services("eu-west-1") == []
    with pytest.raises(ValueError):
        emulator.add_service(REGION, "tuned-svc")
    with pytest.raises(ValueError):
        emulator.add_service(REGION, "bad-size", cpu="4 vCPU", memory="2 GB")
    with pytest.raises(ValueError):
        emulator.add_service(REGION, "bad-scaling", min_size=5, max_size=4)


def test_concurrent_clients_are_safe(make_client, endpoint):
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            c = make_client()
            for j in range(3):
                create(c, f"t{i}-rev", c=10 + j)
                c.list_auto_scaling_configurations(LatestOnly=False)
        except BaseException as err:  # collected for the main thread
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    listed = make_client().list_auto_scaling_configurations(LatestOnly=False)[
        "AutoScalingConfigurationSummaryList"
    ]
    assert len(listed) == 1 + 8 * 3
    assert sorted({s["AutoScalingConfigurationRevision"] for s in listed}) == [1, 2, 3]
