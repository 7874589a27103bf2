"""Service Quotas: the account's applied quota values for App Runner (names per Region, revisions per
name, MaxSize), so apply never refuses on a default the account has raised.

ListServiceQuotas returns only the quotas with an applied value; a quota at its default may be absent
(the API reference: "If the applied quota value is not available for a quota, the quota is not
retrieved"), which the caller treats as the documented default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.aws.calls import aws_call, paginate

if TYPE_CHECKING:
    from mypy_boto3_service_quotas import ServiceQuotasClient

LIST_QUOTAS_PAGE = 100  # MaxResults 1-100


@dataclass(frozen=True)
class AppliedQuota:
    code: str
    name: str
    value: float


@aws_call("servicequotas:ListServiceQuotas")
def list_service_quotas(client: ServiceQuotasClient, service_code: str) -> list[AppliedQuota]:
    """The applied quotas of one service (`apprunner`), every page."""
    items = paginate(
        client, "list_service_quotas", "Quotas", ServiceCode=service_code, MaxResults=LIST_QUOTAS_PAGE
    )
    return [
        AppliedQuota(str(q.get("QuotaCode", "")), str(q.get("QuotaName", "")), float(q["Value"]))
        for q in items
        if q.get("Value") is not None
    ]
