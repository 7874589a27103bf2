"""The sandbox's Cost Explorer through real boto3 over HTTP: shapes, filters, groups, pages, limits, errors.

The ledger is filled by hand so every amount is known: two services in us-east-1 and one in eu-west-1,
each billed one idle 2 GB instance all day and one active 1 vCPU instance for an hour a day.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import boto3
import numpy as np
import pandas as pd
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from advisor.sandbox.billing import Ledger
from advisor.sandbox.costexplorer import CostExplorer

ACCOUNT = "123456789012"
TODAY = date(2026, 11, 20)
NOW = pd.Timestamp("2026-11-20 12:00", tz="UTC").timestamp()
ARNS = {
    "orders": f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/orders/{'a' * 32}",
    "search": f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/search/{'b' * 32}",
    "billing": f"arn:aws:apprunner:eu-west-1:{ACCOUNT}:service/billing/{'c' * 32}",
}
APP_RUNNER = {"Dimensions": {"Key": "SERVICE", "Values": ["AWS App Runner"]}}
DAY_COST = (2 * 23 * 0.007) + (2 * 0.007 + 0.064)  # 23 idle hours, 1 active hour, per service


def day_usage(ledger: Ledger, region: str, arn: str, day: date) -> None:
    index = pd.date_range(pd.Timestamp(day, tz="UTC"), periods=1440, freq="1min")
    active = np.zeros(1440)
    active[600:660] = 60.0  # 10:00-11:00 one active instance
    ledger.record(region, arn, index, 1.0, 2.0, 60.0 - active, active)


@pytest.fixture(scope="module")
def explorer() -> CostExplorer:
    ledger = Ledger()
    for back in range(20, 0, -1):  # 20 whole days before today
        for name, arn in ARNS.items():
            day_usage(
                ledger, "eu-west-1" if name == "billing" else "us-east-1", arn, TODAY - timedelta(days=back)
            )
    return CostExplorer(ledger, lambda: NOW, ACCOUNT)


@pytest.fixture(scope="module")
def ce(explorer: CostExplorer):
    def wsgi(environ, start_response):
        request = Request(environ)
        status, headers, body = explorer.handle(request.headers.get("X-Amz-Target", ""), request.get_data())
        return Response(body, status=status, headers=headers)(environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield boto3.client(
        "ce",
        endpoint_url=f"http://127.0.0.1:{server.server_port}",
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    server.shutdown()


@pytest.fixture
def controls(explorer: CostExplorer):
    yield explorer
    explorer.configure({"deny": [], "resource_level": True, "page_groups": 500})


def period(days_back: int, days: int = 1) -> dict:
    start = TODAY - timedelta(days=days_back)
    return {"Start": start.isoformat(), "End": (start + timedelta(days=days)).isoformat()}


def error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_daily_total_for_app_runner(ce):
    response = ce.get_cost_and_usage(
        TimePeriod=period(3, 2),
        Granularity="DAILY",
        Metrics=["UnblendedCost", "UsageQuantity"],
        Filter=APP_RUNNER,
    )
    results = response["ResultsByTime"]
    assert [r["TimePeriod"] for r in results] == [period(3), period(2)]
    total = results[0]["Total"]
    assert total["UnblendedCost"]["Unit"] == "USD"
    assert float(total["UnblendedCost"]["Amount"]) == pytest.approx(3 * DAY_COST)
    # usage hours: per service 2 GB x 23 h provisioned + 2 GB x 1 h active + 1 vCPU x 1 h
    assert float(total["UsageQuantity"]["Amount"]) == pytest.approx(3 * (46 + 2 + 1))
    assert results[0]["Groups"] == []
    assert results[0]["Estimated"] is True  # November's bill is not final on November 20
    assert "NextPageToken" not in response


def test_grouped_by_resource_and_usage_type_with_resources(ce):
    response = ce.get_cost_and_usage_with_resources(
        TimePeriod=period(5),
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter=APP_RUNNER,
        GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    assert response["GroupDefinitions"] == [
        {"Type": "DIMENSION", "Key": "RESOURCE_ID"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ]
    (result,) = response["ResultsByTime"]
    assert result["Total"] == {}
    groups = {tuple(g["Keys"]): float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in result["Groups"]}
    assert len(groups) == 9
    assert groups[(ARNS["billing"], "EU-AppRunner-vCPU-hours")] == pytest.approx(0.064)
    assert groups[(ARNS["orders"], "USE1-AppRunner-Provisioned-GB-hours")] == pytest.approx(2 * 23 * 0.007)
    assert groups[(ARNS["search"], "USE1-AppRunner-GB-hours")] == pytest.approx(2 * 0.007)


def test_filter_on_one_resource(ce):
    response = ce.get_cost_and_usage_with_resources(
        TimePeriod=period(4, 2),
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter={"And": [APP_RUNNER, {"Dimensions": {"Key": "RESOURCE_ID", "Values": [ARNS["search"]]}}]},
    )
    amounts = [float(r["Total"]["UnblendedCost"]["Amount"]) for r in response["ResultsByTime"]]
    assert amounts == [pytest.approx(DAY_COST)] * 2


def test_not_and_or_filters(ce):
    not_us = {"Not": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}}
    response = ce.get_cost_and_usage(
        TimePeriod=period(6),
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter={"And": [APP_RUNNER, not_us]},
    )
    assert float(response["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == pytest.approx(DAY_COST)
    vcpu = {
        "Dimensions": {
            "Key": "USAGE_TYPE",
            "Values": ["USE1-AppRunner-vCPU-hours", "EU-AppRunner-vCPU-hours"],
        }
    }
    response = ce.get_cost_and_usage(
        TimePeriod=period(6), Granularity="DAILY", Metrics=["UnblendedCost"], Filter=vcpu
    )
    assert float(response["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == pytest.approx(3 * 0.064)


def test_monthly_periods_are_clipped_to_the_request(ce):
    response = ce.get_cost_and_usage(
        TimePeriod={"Start": "2026-10-30", "End": "2026-11-03"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    results = response["ResultsByTime"]
    assert [r["TimePeriod"] for r in results] == [
        {"Start": "2026-10-30", "End": "2026-11-01"},
        {"Start": "2026-11-01", "End": "2026-11-03"},
    ]
    # the ledger starts on October 31: one day of October, two of November
    assert float(results[0]["Total"]["UnblendedCost"]["Amount"]) == pytest.approx(3 * DAY_COST)
    assert results[0]["Estimated"] is False  # October is closed
    assert float(results[1]["Total"]["UnblendedCost"]["Amount"]) == pytest.approx(2 * 3 * DAY_COST)


def test_pages_cover_every_group_once(ce, controls):
    controls.configure({"page_groups": 4})
    request = {
        "TimePeriod": period(10, 3),
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": APP_RUNNER,
        "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    }
    seen, pages, token = [], 0, None
    while True:
        response = ce.get_cost_and_usage_with_resources(
            **request, **({"NextPageToken": token} if token else {})
        )
        pages += 1
        seen += [
            (r["TimePeriod"]["Start"], tuple(g["Keys"]))
            for r in response["ResultsByTime"]
            for g in r["Groups"]
        ]
        token = response.get("NextPageToken")
        if not token:
            break
    assert pages == 3  # 3 days x 3 services in pages of 4
    assert len(seen) == len(set(seen)) == 9


def test_a_token_replayed_with_other_parameters_is_refused(ce, controls):
    controls.configure({"page_groups": 1})
    request = {
        "TimePeriod": period(10, 3),
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": APP_RUNNER,
    }
    token = ce.get_cost_and_usage(**request)["NextPageToken"]
    changed = {**request, "Metrics": ["UsageQuantity"]}
    assert (
        error(lambda: ce.get_cost_and_usage(**changed, NextPageToken=token))[0] == "RequestChangedException"
    )
    garbage = "not-a-token"
    assert (
        error(lambda: ce.get_cost_and_usage(**request, NextPageToken=garbage))[0]
        == "InvalidNextTokenException"
    )


def test_resource_level_data_reaches_back_14_days_only(ce):
    ok = ce.get_cost_and_usage_with_resources(
        TimePeriod=period(14),
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter=APP_RUNNER,
        GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    )
    assert len(ok["ResultsByTime"][0]["Groups"]) == 3
    code, message = error(
        lambda: ce.get_cost_and_usage_with_resources(
            TimePeriod=period(15),
            Granularity="DAILY",
            Metrics=["UnblendedCost"],
            Filter=APP_RUNNER,
            GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
        )
    )
    assert code == "ValidationException" and "more than 14 days ago" in message
    # the account-wide call keeps its history
    old = ce.get_cost_and_usage(TimePeriod=period(20), Granularity="DAILY", Metrics=["UnblendedCost"])
    assert float(old["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == pytest.approx(3 * DAY_COST)


@pytest.mark.parametrize(
    ("operation", "request_", "code", "words"),
    [
        (
            "get_cost_and_usage",
            {"TimePeriod": period(2, 0)},
            "ValidationException",
            "should be before end date",
        ),
        ("get_cost_and_usage", {"Granularity": "HOURLY"}, "ValidationException", "Hourly granularity"),
        ("get_cost_and_usage", {"Granularity": "WEEKLY"}, "ValidationException", "DAILY, MONTHLY"),
        ("get_cost_and_usage", {"Metrics": ["Profit"]}, "ValidationException", "Metric 'Profit'"),
        (
            "get_cost_and_usage",
            {"TimePeriod": {"Start": "2026-11-2", "End": "2026-11-05"}},
            "ValidationException",
            "YYYY-MM-DD",
        ),
        (
            "get_cost_and_usage",
            {"TimePeriod": {"Start": "2026-11-21", "End": "2026-11-22"}},
            "ValidationException",
            "current date",
        ),
        (
            "get_cost_and_usage",
            {"TimePeriod": {"Start": "2026-11-19", "End": "2027-01-02"}},
            "ValidationException",
            "beginning of next month",
        ),
        (
            "get_cost_and_usage",
            {"Filter": {"Dimensions": {"Key": "RESOURCE_ID", "Values": ["x"]}}},
            "ValidationException",
            "Dimension RESOURCE_ID is not allowed.",
        ),
        (
            "get_cost_and_usage",
            {"GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}]},
            "ValidationException",
            "Group Definition dimension is invalid",
        ),
        (
            "get_cost_and_usage",
            {"GroupBy": [{"Type": "DIMENSION", "Key": k} for k in ("SERVICE", "USAGE_TYPE", "OPERATION")]},
            "ValidationException",
            "up to two",
        ),
        (
            "get_cost_and_usage",
            {"Filter": {**APP_RUNNER, "Not": APP_RUNNER}},
            "ValidationException",
            "more than one roots",
        ),
        ("get_cost_and_usage", {"Filter": {"Not": APP_RUNNER}}, "ValidationException", "whole request"),
        (
            "get_cost_and_usage",
            {
                "Filter": {
                    "Dimensions": {
                        "Key": "SERVICE",
                        "Values": ["AWS App Runner"],
                        "MatchOptions": ["STARTS_WITH"],
                    }
                }
            },
            "ValidationException",
            "EQUALS and CASE_SENSITIVE",
        ),
        (
            "get_cost_and_usage_with_resources",
            {
                "Filter": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
                "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
            },
            "ValidationException",
            "requires a SERVICE filter",
        ),
        ("get_cost_and_usage_with_resources", {"Filter": APP_RUNNER}, "ValidationException", "RESOURCE_ID"),
    ],
)
def test_bad_requests_get_the_error_aws_gives(ce, operation, request_, code, words):
    request = {
        "TimePeriod": period(2),
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": APP_RUNNER,
    }
    request.update(request_)
    if operation == "get_cost_and_usage" and "Filter" not in request_:
        request.pop("Filter")
    got_code, message = error(lambda: getattr(ce, operation)(**request))
    assert got_code == code
    assert words in message


def test_denied_and_not_opted_in(ce, controls):
    request = {
        "TimePeriod": period(2),
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": APP_RUNNER,
        "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    }
    controls.configure({"resource_level": False})
    code, message = error(lambda: ce.get_cost_and_usage_with_resources(**request))
    assert code == "DataUnavailableException" and "not enabled" in message
    controls.configure({"resource_level": True, "deny": ["GetCostAndUsageWithResources"]})
    code, message = error(lambda: ce.get_cost_and_usage_with_resources(**request))
    assert code == "AccessDeniedException" and "ce:GetCostAndUsageWithResources" in message
    assert ce.get_cost_and_usage(TimePeriod=period(2), Granularity="DAILY", Metrics=["UnblendedCost"])


def test_group_by_linked_account_names_it(ce):
    response = ce.get_cost_and_usage(
        TimePeriod=period(2),
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter=APP_RUNNER,
        GroupBy=[{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}, {"Type": "TAG", "Key": "team"}],
    )
    (group,) = response["ResultsByTime"][0]["Groups"]
    assert group["Keys"] == [ACCOUNT, "team$"]
    assert response["DimensionValueAttributes"] == [
        {"Value": ACCOUNT, "Attributes": {"description": "sandbox"}}
    ]
