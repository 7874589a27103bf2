from __future__ import annotations

import pytest
from botocore.stub import Stubber

from advisor.aws.session import (
    CLIENT_CONFIG,
    AwsSession,
    app_runner_regions,
    caller_identity,
    resolve_regions,
)
from advisor.errors import InputError


def test_clients_use_adaptive_retries_and_timeouts(session):
    client = session.client("apprunner")
    # botocore stores max_attempts=10 retries as 11 attempts in all
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}
    assert client.meta.config.connect_timeout == CLIENT_CONFIG.connect_timeout
    assert client.meta.config.read_timeout == CLIENT_CONFIG.read_timeout


def test_clients_are_made_once_per_service_and_region(session):
    assert session.client("logs", "eu-west-1") is session.client("logs", "eu-west-1")
    assert session.client("logs", "eu-west-1") is not session.client("logs", "us-east-1")
    assert session.client("logs", "eu-west-1").meta.region_name == "eu-west-1"


def test_the_endpoint_url_reaches_every_client():
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:4599")
    assert session.client("apprunner").meta.endpoint_url == "http://127.0.0.1:4599"
    assert session.client("cloudwatch").meta.endpoint_url == "http://127.0.0.1:4599"


def test_caller_identity_and_calls_are_counted(session):
    sts = session.client("sts")
    with Stubber(sts) as stub:
        stub.add_response(
            "get_caller_identity",
            {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/me", "UserId": "AIDA"},
        )
        identity = caller_identity(session)
    assert identity.account_id == "123456789012"
    assert session.calls == {"sts:GetCallerIdentity": 1}


def test_no_region_means_the_sessions_region(session):
    assert resolve_regions(session) == ["us-east-1"]


def test_all_means_every_app_runner_region(session):
    regions = resolve_regions(session, ["all"])
    assert regions == app_runner_regions(session)
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert "sa-east-1" not in regions  # no App Runner there


def test_a_region_without_app_runner_is_bad_input(session):
    with pytest.raises(InputError, match="not available in sa-east-1"):
        resolve_regions(session, ["us-east-1", "sa-east-1"])


def test_the_sandbox_serves_app_runners_regions_only():
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:4599")
    assert resolve_regions(session, ["eu-west-1", "eu-west-1"]) == ["eu-west-1"]
    with pytest.raises(InputError, match=r"not available in mars-1: allowed ap-northeast-1, .*us-west-2"):
        resolve_regions(session, ["mars-1"])
