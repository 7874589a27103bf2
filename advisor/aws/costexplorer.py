"""Cost Explorer: App Runner's daily bill per service, as the account's Cost Explorer reports it.

Cost Explorer's API is global (one us-east-1 endpoint) and account-wide, so a run reads it once, not per
region. Per-service costs need resource-level data: `GetCostAndUsageWithResources`, which is an opt-in of
the account (Cost Management preferences, "daily granularity" resource-level data, per service) and
reaches back 14 days only (botocore's model). Each call is billed by AWS (a cent per request at the time
of writing), so one run makes one call per page. botocore has no paginator for it: `pages` loops
NextPageToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from advisor.aws.calls import aws_call, pages
from advisor.platform.base import DailyCost

if TYPE_CHECKING:
    from mypy_boto3_ce import CostExplorerClient

REGION = "us-east-1"  # Cost Explorer's one endpoint
SERVICE = "AWS App Runner"  # the SERVICE dimension value App Runner is billed under
RESOURCE_DAYS = 14  # GetCostAndUsageWithResources reaches back this far
METRICS = ("UnblendedCost", "UsageQuantity")
OPT_IN_HINT = (
    "Cost Explorer has no resource-level data for App Runner here: enable daily resource-level data for "
    "AWS App Runner in the Cost Management preferences (it applies from then on, for the last 14 days)"
)


@aws_call("ce:GetCostAndUsageWithResources")
def daily_service_costs(client: CostExplorerClient, start: date, end: date) -> list[DailyCost]:
    """Every App Runner service's cost per UTC day and usage type, from `start` to `end` (exclusive)."""
    return [
        cost
        for page in pages(
            client,
            "get_cost_and_usage_with_resources",
            token_key="NextPageToken",
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Granularity="DAILY",
            Metrics=list(METRICS),
            Filter={"Dimensions": {"Key": "SERVICE", "Values": [SERVICE]}},
            GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        )
        for result in page.get("ResultsByTime", [])
        for cost in _costs(result)
    ]


def _costs(result: Mapping[str, Any]) -> list[DailyCost]:
    day = date.fromisoformat(result["TimePeriod"]["Start"])
    costs = []
    for group in result.get("Groups", []):
        service_arn, usage_type = group["Keys"]
        cost, usage = group["Metrics"]["UnblendedCost"], group["Metrics"]["UsageQuantity"]
        costs.append(
            DailyCost(
                day=day,
                service_arn=service_arn,
                usage_type=usage_type,
                cost_usd=float(cost["Amount"]),
                usage_quantity=float(usage["Amount"]),
                unit=usage.get("Unit") or "",
                estimated=bool(result.get("Estimated", False)),
            )
        )
    return costs
