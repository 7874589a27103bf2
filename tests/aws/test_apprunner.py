from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from advisor.aws import apprunner
from advisor.aws.calls import AccessDenied, ResourceNotFound, paginate
from advisor.domain import InstanceSize

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/web-api/" + "a" * 32
CONFIG_ARN = "arn:aws:apprunner:us-east-1:123456789012:autoscalingconfiguration/lean/3/" + "b" * 32
WHEN = datetime(2026, 11, 27, tzinfo=UTC)


def summary(name: str, service_id: str) -> dict:
    return {
        "ServiceName": name,
        "ServiceId": service_id,
        "ServiceArn": f"arn:aws:apprunner:us-east-1:123456789012:service/{name}/{service_id}",
        "ServiceUrl": f"{name}.awsapprunner.com",
        "CreatedAt": WHEN,
        "UpdatedAt": WHEN,
        "Status": "RUNNING",
    }


@pytest.fixture
def client(session):
    return session.client("apprunner")


def test_list_services_follows_next_token_with_the_largest_page(client):
    with Stubber(client) as stub:
        stub.add_response(
            "list_services",
            {"ServiceSummaryList": [summary("web-api", "a" * 32)], "NextToken": "t1"},
            {"MaxResults": 20},
        )
        stub.add_response(
            "list_services",
            {"ServiceSummaryList": [summary("worker", "c" * 32)]},
            {"MaxResults": 20, "NextToken": "t1"},
        )
        services = apprunner.list_services(client)
        stub.assert_no_pending_responses()
    assert [s.name for s in services] == ["web-api", "worker"]
    assert services[0].arn == ARN and services[0].status == "RUNNING"
    assert (services[0].region, services[0].account) == ("us-east-1", "123456789012")


def test_describe_service_parses_instance_size_and_config_summary(client):
    service = {
        **summary("web-api", "a" * 32),
        "SourceConfiguration": {},
        "NetworkConfiguration": {},
        "InstanceConfiguration": {"Cpu": "1024", "Memory": "3072"},
        "AutoScalingConfigurationSummary": {
            "AutoScalingConfigurationArn": CONFIG_ARN,
            "AutoScalingConfigurationName": "lean",
            "AutoScalingConfigurationRevision": 3,
            "Status": "ACTIVE",
            "IsDefault": False,
        },
    }
    with Stubber(client) as stub:
        stub.add_response("describe_service", {"Service": service}, {"ServiceArn": ARN})
        described = apprunner.describe_service(client, ARN)
    assert described.instance == InstanceSize(1, 3)
    assert described.scaling.arn == CONFIG_ARN and described.scaling.revision == 3


def test_describe_auto_scaling_configuration_gives_the_numbers(client):
    config = {
        "AutoScalingConfigurationArn": CONFIG_ARN,
        "AutoScalingConfigurationName": "lean",
        "AutoScalingConfigurationRevision": 3,
        "Latest": True,
        "Status": "ACTIVE",
        "MaxConcurrency": 80,
        "MinSize": 2,
        "MaxSize": 40,  # above the default quota: AWS accepted it, so no warning here
    }
    with Stubber(client) as stub:
        stub.add_response(
            "describe_auto_scaling_configuration",
            {"AutoScalingConfiguration": config},
            {"AutoScalingConfigurationArn": CONFIG_ARN},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            described = apprunner.describe_auto_scaling_configuration(client, CONFIG_ARN)
    assert described.settings.to_api() == {"MaxConcurrency": 80, "MinSize": 2, "MaxSize": 40}
    assert described.name == "lean" and described.latest is True


def operation(i: int) -> dict:
    return {
        "Id": f"{i:036d}",
        "Type": "UPDATE_SERVICE",
        "Status": "SUCCEEDED",
        "TargetArn": ARN,
        "StartedAt": WHEN,
    }


def test_list_operations_stops_paging_once_it_has_enough(client):
    with Stubber(client) as stub:
        stub.add_response(
            "list_operations",
            {"OperationSummaryList": [operation(i) for i in range(20)], "NextToken": "more"},
            {"ServiceArn": ARN, "MaxResults": 20},
        )
        operations = apprunner.list_operations(client, ARN, limit=5)
        stub.assert_no_pending_responses()
    assert [o.id for o in operations] == [f"{i:036d}" for i in range(5)]


def test_list_auto_scaling_configurations_and_their_services(client):
    item = {
        "AutoScalingConfigurationArn": CONFIG_ARN,
        "AutoScalingConfigurationName": "lean",
        "AutoScalingConfigurationRevision": 3,
    }
    with Stubber(client) as stub:
        stub.add_response(
            "list_auto_scaling_configurations",
            {"AutoScalingConfigurationSummaryList": [item]},
            {"LatestOnly": True, "MaxResults": 100, "AutoScalingConfigurationName": "lean"},
        )
        stub.add_response(
            "list_services_for_auto_scaling_configuration",
            {"ServiceArnList": [ARN]},
            {"AutoScalingConfigurationArn": CONFIG_ARN, "MaxResults": 100},
        )
        configs = apprunner.list_auto_scaling_configurations(client, "lean")
        users = apprunner.list_services_for_auto_scaling_configuration(client, CONFIG_ARN)
    assert [c.revision for c in configs] == [3]
    assert users == [ARN]


def test_a_missing_service_raises_resource_not_found_naming_the_action(client):
    with Stubber(client) as stub:
        stub.add_client_error("describe_service", "ResourceNotFoundException", "no such service")
        with pytest.raises(ResourceNotFound, match="apprunner:DescribeService"):
            apprunner.describe_service(client, ARN)


def test_access_denied_says_which_permission_to_add(client):
    with Stubber(client) as stub:
        stub.add_client_error("list_services", "AccessDeniedException", "not authorized")
        with pytest.raises(AccessDenied, match="the policy needs: apprunner:ListServices"):
            apprunner.list_services(client)


class EchoingClient:
    """A server that returns the token it was sent would loop a naive pager forever."""

    def __init__(self):
        self.calls = 0

    def list_things(self, **kwargs):
        self.calls += 1
        return {"Things": [self.calls], "NextToken": "same"}


def test_paginate_stops_when_the_token_repeats():
    client = EchoingClient()
    assert list(paginate(client, "list_things", "Things")) == [1, 2]
    assert client.calls == 2
