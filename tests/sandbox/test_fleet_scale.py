"""`advisor sandbox start --services N`: the eight named services, then generated ones in us-east-1, so
one region holds more services than App Runner's configuration quota (10) and than one ListServices page
(MaxResults 1-20 in botocore's apprunner model)."""

from __future__ import annotations

from collections import Counter

import pytest

from advisor.aws.apprunner import list_services
from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox
from tests.conftest import SANDBOX_ENV

NAMED = [
    "orders-api", "shop-web", "b2b-portal", "webhook-receiver",
    "admin-tool", "catalog-svc", "checkout-api", "legacy-reports",
]  # fmt: skip


def test_the_eight_named_services_come_first():
    assert [s.name for s in default_fleet(30)[:8]] == NAMED


def test_past_eight_the_services_are_generated_in_us_east_1():
    generated = default_fleet(30)[8:]
    assert len(generated) == 22
    assert {s.region for s in generated} == {"us-east-1"}
    assert all(s.name.startswith("gen-") and 4 <= len(s.name) <= 40 for s in generated)
    assert generated[0].name == "gen-steady-001"


def test_every_name_is_unique():
    names = [s.name for s in default_fleet(60)]
    assert len(set(names)) == 60


def test_generated_services_share_a_few_configurations():
    configs = Counter(s.config for s in default_fleet(30)[8:])
    assert len(configs) == 3 and min(configs.values()) >= 7


def test_thirty_services_put_more_than_the_configuration_quota_in_us_east_1():
    in_us_east_1 = [s for s in default_fleet(30) if s.region == "us-east-1"]
    assert len(in_us_east_1) == 3 + 22  # orders-api, checkout-api, legacy-reports, and the generated


@pytest.fixture(scope="module")
def big_sandbox():
    with pytest.MonkeyPatch.context() as env:
        for key, value in SANDBOX_ENV.items():
            env.setenv(key, value)
        box = Sandbox(default_fleet(30), port=0, days=0.25, seed=7, live=False)
        box.start()
        yield box
        box.stop()


def test_list_services_pages_at_twenty_and_the_advisor_follows_the_token(big_sandbox):
    session = AwsSession.open(None, big_sandbox.endpoint, region="us-east-1")
    services = list_services(session.client("apprunner", "us-east-1"))
    assert len(services) == 25
    assert session.calls["apprunner:ListServices"] == 2  # 20 on the first page, 5 on the second


@pytest.fixture(scope="module")
def region_collected(big_sandbox, tmp_path_factory):
    """One collect of us-east-1's 25 services: 50 FilterLogEvents calls at least, in one Region."""
    session = AwsSession.open(None, big_sandbox.endpoint, region="us-east-1")
    lake = tmp_path_factory.mktemp("lake")
    calls_before = list(big_sandbox.log_search.calls.get("us-east-1", []))
    summary = collect(session, CollectRequest(lake=lake, regions=("us-east-1",), days=0.25))
    calls = big_sandbox.log_search.calls["us-east-1"][len(calls_before) :]
    return summary, calls


def test_a_collect_of_the_region_lands_every_service_of_both_pages(region_collected):
    summary, _ = region_collected
    names = {s.name for s in summary.services}
    assert len(names) == 25 and {"gen-steady-001", "gen-bursty-022"} <= names


def test_the_collector_paces_filter_log_events_under_the_5_tps_quota(big_sandbox, region_collected):
    """Eight threads share one pacer: never throttled, and on average under 5 requests a second."""
    _, calls = region_collected
    assert len(calls) >= 50
    assert big_sandbox.log_search.stats()["us-east-1"]["throttled"] == 0
    assert (len(calls) - 1) / (calls[-1] - calls[0]) < 4.5
