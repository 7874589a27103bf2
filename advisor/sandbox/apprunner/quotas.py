"""Service Quotas for App Runner, as the sandbox answers them (moto's servicequotas knows only `vpc`: for
`apprunner` it raises NoSuchResource, checked with moto 5.2.5).

It speaks Service Quotas' JSON 1.1 protocol (target prefix `ServiceQuotasV20190624`, botocore's model
service-quotas 2019-06-24) for the two read operations the advisor calls, `ListServiceQuotas` and
`GetServiceQuota`, and answers from the App Runner emulator's own `Quotas`, so raising a value in a test
(or through `/_sandbox/quotas`) changes both what App Runner enforces and what Service Quotas reports.

The quota names and defaults are App Runner's documented ones (developer guide, "App Runner resource
quotas": 10 auto scaling configuration names and 5 revisions per name per Region; MaxSize 25, raisable
through AWS Support since 2023-10, reference/apprunner.md §1). The quota *codes* App Runner uses in Service
Quotas were not found in any source we could read (the General Reference table renders only on AWS's
site), so the codes below are the sandbox's own, marked `SANDBOX-`: the advisor finds App Runner's quotas
by name, never by code, and works with whatever codes the real service uses.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from advisor.sandbox.apprunner.state import Quotas
from advisor.sandbox.wire import WireError, decode_request

SERVICE_CODE = "apprunner"
SERVICE_NAME = "AWS App Runner"
TARGET_PREFIX = "ServiceQuotasV20190624"
CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class QuotaEntry:
    code: str
    name: str
    attribute: str  # the field of Quotas it reports
    description: str


ENTRIES = (
    QuotaEntry(
        "SANDBOX-ASC-NAMES",
        "Auto scaling configurations",
        "config_names",
        "The maximum number of unique auto scaling configuration names in this account and Region.",
    ),
    QuotaEntry(
        "SANDBOX-ASC-REVISIONS",
        "Auto scaling configuration revisions per name",
        "revisions_per_name",
        "The maximum number of active revisions of one auto scaling configuration name.",
    ),
    QuotaEntry(
        "SANDBOX-MAX-SIZE",
        "Maximum instances per service",
        "max_size",
        "The highest MaxSize an auto scaling configuration may set.",
    ),
)


class ServiceQuotasEmulator:
    """`handle` answers one Service Quotas request from the App Runner emulator's quotas."""

    def __init__(self, quotas: Quotas, account_id: str):
        self.quotas, self.account_id = quotas, account_id

    def handle(self, target: str, body: bytes, region: str) -> tuple[int, dict[str, str], bytes]:
        operation = target.removeprefix(TARGET_PREFIX + ".")
        try:
            params = decode_request(body, "json")
            payload = self._dispatch(operation, params, region)
            status = 200
        except WireError as exc:
            status, payload = 400, _error("IllegalArgumentException", str(exc))
        except _Error as exc:
            status, payload = 400, _error(exc.code, exc.message)
        headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}
        return status, headers, json.dumps(payload).encode()

    def _dispatch(self, operation: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        if operation == "ListServiceQuotas":
            entries = self._entries(params, region)
            code = params.get("QuotaCode")
            chosen = [e for e in entries if code in (None, e["QuotaCode"])]
            return {"Quotas": chosen}
        if operation == "GetServiceQuota":
            if not params.get("QuotaCode"):
                raise _Error("IllegalArgumentException", "QuotaCode is required.")
            for entry in self._entries(params, region):
                if entry["QuotaCode"] == params["QuotaCode"]:
                    return {"Quota": entry}
            raise _Error("NoSuchResourceException", f"The quota {params['QuotaCode']} does not exist.")
        raise _Error("IllegalArgumentException", f"Operation {operation!r} is not supported by the sandbox.")

    def _entries(self, params: dict[str, Any], region: str) -> list[dict[str, Any]]:
        service = params.get("ServiceCode")
        if not service:
            raise _Error("IllegalArgumentException", "ServiceCode is required.")
        if service != SERVICE_CODE:
            raise _Error("NoSuchResourceException", f"The sandbox serves only {SERVICE_CODE!r} quotas.")
        return [self._entry(e, region) for e in ENTRIES]

    def _entry(self, entry: QuotaEntry, region: str) -> dict[str, Any]:
        return {
            "ServiceCode": SERVICE_CODE,
            "ServiceName": SERVICE_NAME,
            "QuotaArn": f"arn:aws:servicequotas:{region}:{self.account_id}:{SERVICE_CODE}/{entry.code}",
            "QuotaCode": entry.code,
            "QuotaName": entry.name,
            "Value": float(getattr(self.quotas, entry.attribute)),
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
            "QuotaAppliedAtLevel": "ACCOUNT",
            "Description": entry.description,
        }


class _Error(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _error(code: str, message: str) -> dict[str, str]:
    return {"__type": code, "message": message}
