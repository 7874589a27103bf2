"""Cost Explorer for the sandbox account: GetCostAndUsage and GetCostAndUsageWithResources over the ledger.

The shapes are botocore's model (`ce/2017-10-25/service-2.json`): awsJson1_1, target prefix
`AWSInsightsIndexService`, signing name `ce`. Amounts are strings, periods are dates (Start inclusive,
End exclusive), results come per period with `Groups` when grouped and a `Total` when not, and pages are
cut by groups with an opaque `NextPageToken` bound to the request.

What AWS refuses is refused here with AWS's error and, where it is known, its words:
- `ValidationException: Start date (and hour) should be before end date (and hour)` (aws-doctor#1,
  instance-watcher#18);
- `ValidationException: Dimension RESOURCE_ID is not allowed.` from GetCostAndUsage (aws/aws-cli#8536);
- GetCostAndUsageWithResources before the last 14 days: `ValidationException: Start date is more than 14
  days ago for hourly granularity. ...` even at DAILY granularity (boto/boto3#2369, aws-sdk-net#1773);
- a filter with two roots: the model's documented message; a SERVICE filter that does not cover the
  whole request (inside a Not, or missing from a branch of an Or): ValidationException (model);
- HOURLY: "only available for EC2-Instances resource-level data" (model), so refused for App Runner.
Other wordings are the sandbox's own (unverified), in the same error codes. The account has no cost
allocation tags, cost categories or Bedrock product attributes: filters on them match nothing (`ABSENT`
matches everything) and groups by them put every cost under `key$`.

The sandbox's controls (`POST /_sandbox/cost-explorer`) deny an operation (AccessDeniedException, as IAM
would), turn resource-level data off (the account's opt-in; DataUnavailableException), or shrink pages.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from advisor.sandbox.billing import OPERATION, SERVICE_NAME, UNIT, Ledger, LineItem
from advisor.sandbox.wire import BadToken, decode_token, encode_token, fingerprint

logger = logging.getLogger(__name__)

TARGET_PREFIX = "AWSInsightsIndexService"
OPERATIONS = ("GetCostAndUsage", "GetCostAndUsageWithResources")
COST_METRICS = ("UnblendedCost", "BlendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost")
USAGE_METRIC = "UsageQuantity"
GRANULARITIES = ("DAILY", "MONTHLY")
RESOURCE_DAYS = 14  # GetCostAndUsageWithResources: "The range must be within the last 14 days" (model)
PAGE_GROUPS = 500  # groups per page (AWS does not document its page size)
# GroupBy DIMENSION keys the model lists as valid for GetCostAndUsage; WithResources adds RESOURCE_ID
GROUP_DIMENSIONS = (
    "AZ",
    "INSTANCE_TYPE",
    "LEGAL_ENTITY_NAME",
    "INVOICING_ENTITY",
    "LINKED_ACCOUNT",
    "OPERATION",
    "PLATFORM",
    "PURCHASE_TYPE",
    "SERVICE",
    "TENANCY",
    "RECORD_TYPE",
    "USAGE_TYPE",
)
ROOTS = ("Or", "And", "Not", "Dimensions", "Tags", "CostCategories", "ProductAttributes")
DIMENSION_MATCH_OPTIONS = {"EQUALS", "CASE_SENSITIVE"}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CostExplorerError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _invalid(message: str) -> CostExplorerError:
    return CostExplorerError("ValidationException", message)


Row = dict[str, str]  # a line item's dimension values
Predicate = Callable[[Row], bool]


@dataclass
class Controls:
    """How the sandbox account's Cost Explorer behaves: what IAM denies, the opt-in, the page size."""

    denied: set[str] = field(default_factory=set)  # operations answered AccessDeniedException
    resource_level: bool = True  # the account opted in to resource-level data
    page_groups: int = PAGE_GROUPS


@dataclass(frozen=True)
class Query:
    """One validated request."""

    operation: str
    start: date
    end: date
    granularity: str
    metrics: tuple[str, ...]
    matches: Predicate
    group_by: tuple[tuple[str, str], ...]  # (Type, Key)
    bound_to: str  # what a NextPageToken of this request is bound to


class CostExplorer:
    """The sandbox account's Cost Explorer, answering from the ledger at the sandbox clock's date."""

    def __init__(self, ledger: Ledger, clock: Callable[[], float], account_id: str):
        self.ledger = ledger
        self.account_id = account_id
        self.controls = Controls()
        self._clock = clock
        self._lock = threading.Lock()

    def configure(self, payload: dict[str, Any]) -> dict[str, Any]:
        """`deny` (operation names), `resource_level` (bool), `page_groups` (1 or more)."""
        with self._lock:
            if "deny" in payload:
                unknown = set(payload["deny"]) - set(OPERATIONS)
                if unknown:
                    raise ValueError(f"unknown operations {sorted(unknown)}: one of {', '.join(OPERATIONS)}")
                self.controls.denied = set(payload["deny"])
            if "resource_level" in payload:
                self.controls.resource_level = bool(payload["resource_level"])
            if "page_groups" in payload:
                if int(payload["page_groups"]) < 1:
                    raise ValueError("page_groups must be at least 1")
                self.controls.page_groups = int(payload["page_groups"])
            return {
                "deny": sorted(self.controls.denied),
                "resource_level": self.controls.resource_level,
                "page_groups": self.controls.page_groups,
            }

    def handle(self, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """`target` is the X-Amz-Target header; returns (status, headers, JSON 1.1 body)."""
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": str(uuid.uuid4())}
        prefix, _, operation = target.partition(".")
        try:
            if prefix != TARGET_PREFIX or operation not in OPERATIONS:
                raise CostExplorerError(
                    "UnknownOperationException", f"Operation {target!r} is not supported."
                )
            try:
                request = json.loads(body or b"{}")
            except ValueError as exc:
                raise CostExplorerError(
                    "SerializationException", f"The request body is not JSON: {exc}"
                ) from None
            if not isinstance(request, dict):
                raise CostExplorerError("SerializationException", "The request body must be a JSON object.")
            response = self._answer(operation, request)
        except CostExplorerError as exc:
            status = 500 if exc.code == "InternalServerException" else 400
            return status, headers, json.dumps({"__type": exc.code, "Message": exc.message}).encode()
        except Exception:  # a bug here must look like AWS's fault, not crash the router
            logger.exception("Cost Explorer emulator failed on %s", operation)
            payload = {"__type": "InternalServerException", "Message": "An internal error occurred."}
            return 500, headers, json.dumps(payload).encode()
        return 200, headers, json.dumps(response, separators=(",", ":")).encode()

    def today(self) -> date:
        return datetime.fromtimestamp(self._clock(), UTC).date()

    # -- the request -----------------------------------------------------------------------------------
    def _answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            controls = Controls(
                set(self.controls.denied), self.controls.resource_level, self.controls.page_groups
            )
        if operation in controls.denied:
            raise CostExplorerError(
                "AccessDeniedException",
                f"User: arn:aws:iam::{self.account_id}:user/sandbox is not authorized to perform: "
                f"ce:{operation} because no identity-based policy allows the ce:{operation} action",
            )
        query = self._query(operation, request)
        if operation == "GetCostAndUsageWithResources" and not controls.resource_level:
            raise CostExplorerError(
                "DataUnavailableException",
                "Resource-level data is not enabled for this account: opt in to daily resource-level "
                "granularity in the Cost Management preferences.",
            )
        items = self._items(query)
        after = self._cursor(request.get("NextPageToken"), query.bound_to)
        page = items[after : after + controls.page_groups]
        more = after + len(page) < len(items)
        response: dict[str, Any] = {
            "ResultsByTime": self._results(page, query),
            "DimensionValueAttributes": self._attributes(page, query),
        }
        if query.group_by:
            response["GroupDefinitions"] = [{"Type": t, "Key": k} for t, k in query.group_by]
        if more:
            response["NextPageToken"] = encode_token({"at": after + len(page), "for": query.bound_to})
        return response

    def _query(self, operation: str, request: dict[str, Any]) -> Query:
        resources = operation == "GetCostAndUsageWithResources"
        start, end = self._period(request.get("TimePeriod"))
        granularity = request.get("Granularity")
        if granularity == "HOURLY":
            raise _invalid(
                "Hourly granularity is only available for EC2-Instances (Elastic Compute Cloud) "
                "resource-level data."
            )
        if granularity not in GRANULARITIES:
            raise _invalid(f"Granularity {granularity!r} is invalid: one of DAILY, MONTHLY, HOURLY.")
        if resources and start < self.today() - timedelta(days=RESOURCE_DAYS):
            raise _invalid(
                "Start date is more than 14 days ago for hourly granularity. Please adjust start date as we "
                "support only 14 days of data at hourly granularity."
            )
        metrics = _metrics(request.get("Metrics"))
        expression = request.get("Filter")
        if resources and expression is None:
            raise _invalid("Filter is required for GetCostAndUsageWithResources.")
        matches = _compile(expression, resources) if expression is not None else (lambda row: True)
        group_by = _group_by(request.get("GroupBy"), resources)
        if expression is not None:
            _check_service_scope(expression, required=resources)
        if resources and not (
            _names_dimension(expression, "RESOURCE_ID") or ("DIMENSION", "RESOURCE_ID") in group_by
        ):
            raise _invalid("GetCostAndUsageWithResources requires a group by or filter on RESOURCE_ID.")
        bound = {k: v for k, v in request.items() if k != "NextPageToken"}
        return Query(
            operation, start, end, granularity, metrics, matches, group_by, fingerprint(operation, bound)
        )

    def _period(self, period: Any) -> tuple[date, date]:
        if not isinstance(period, dict) or "Start" not in period or "End" not in period:
            raise _invalid("TimePeriod with Start and End is required.")
        start, end = (_date(period[k], k) for k in ("Start", "End"))
        if start >= end:
            raise _invalid("Start date (and hour) should be before end date (and hour)")
        today = self.today()
        if start > today:
            raise _invalid(f"Start date {start} must be equal to or earlier than the current date {today}.")
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        if end > next_month:
            raise _invalid("end date past the beginning of next month")
        return start, end

    @staticmethod
    def _cursor(token: Any, bound_to: str) -> int:
        if token is None:
            return 0
        try:
            cursor = decode_token(str(token))
            at, made_for = int(cursor["at"]), cursor["for"]
        except (BadToken, KeyError, TypeError, ValueError):
            raise CostExplorerError("InvalidNextTokenException", "The pagination token is invalid.") from None
        if made_for != bound_to:
            raise CostExplorerError(
                "RequestChangedException",
                "Your request parameters changed between pages. Try again with the old parameters or "
                "without a pagination token.",
            )
        return at

    # -- the answer ------------------------------------------------------------------------------------
    def _row(self, item: LineItem) -> Row:
        """A line item's value for each dimension (those App Runner has no value for are empty)."""
        return {
            "SERVICE": SERVICE_NAME,
            "RESOURCE_ID": item.service_arn,
            "USAGE_TYPE": item.usage_type,
            "REGION": item.region,
            "LINKED_ACCOUNT": self.account_id,
            "OPERATION": OPERATION,
            "RECORD_TYPE": "Usage",
            "LEGAL_ENTITY_NAME": "Amazon Web Services, Inc.",
            "INVOICING_ENTITY": "Amazon Web Services, Inc.",
        }

    def _items(self, query: Query) -> list[tuple[tuple[date, date], tuple[str, ...] | None, list[LineItem]]]:
        """What the pages are cut from: (period, group keys, line items) in order; an ungrouped period, or a
        grouped one with no costs, is one item with keys None."""
        periods = _periods(query.start, query.end, query.granularity)
        by_period: dict[tuple[date, date], list[tuple[Row, LineItem]]] = {p: [] for p in periods}
        for item in self.ledger.line_items():
            row = self._row(item)
            period = next((p for p in periods if p[0] <= item.day < p[1]), None)
            if period is not None and query.matches(row):
                by_period[period].append((row, item))
        items = []
        for period, found in by_period.items():
            if not query.group_by:
                items.append((period, None, [item for _, item in found]))
                continue
            groups: dict[tuple[str, ...], list[LineItem]] = {}
            for row, item in found:
                keys = _group_keys(row, query.group_by)
                if keys is not None:
                    groups.setdefault(keys, []).append(item)
            if not groups:
                items.append((period, None, []))
            items += [(period, keys, groups[keys]) for keys in sorted(groups)]
        return items

    def _results(self, page, query: Query) -> list[dict[str, Any]]:
        first_of_month = self.today().replace(day=1)
        results: list[dict[str, Any]] = []
        for (start, end), keys, items in page:
            if not results or results[-1]["TimePeriod"]["Start"] != start.isoformat():
                results.append(
                    {
                        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                        "Total": {} if query.group_by else _metric_values(items, query.metrics),
                        "Groups": [],
                        "Estimated": end > first_of_month,  # the month's bill is not final yet
                    }
                )
            if keys is not None:
                results[-1]["Groups"].append(
                    {"Keys": list(keys), "Metrics": _metric_values(items, query.metrics)}
                )
        return results

    def _attributes(self, page, query: Query) -> list[dict[str, Any]]:
        if ("DIMENSION", "LINKED_ACCOUNT") not in query.group_by or not any(k for _, k, _ in page):
            return []
        return [{"Value": self.account_id, "Attributes": {"description": "sandbox"}}]


def _date(value: Any, name: str) -> date:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise _invalid(f"{name} {value!r} is not a date: write YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{name} {value!r} is not a date: write YYYY-MM-DD.") from None


def _metrics(metrics: Any) -> tuple[str, ...]:
    if not isinstance(metrics, list) or not metrics:
        raise _invalid("Metrics is required: for example UnblendedCost or UsageQuantity.")
    known = (*COST_METRICS, USAGE_METRIC)
    for metric in metrics:
        if metric not in known:
            raise _invalid(f"Metric {metric!r} is not supported in the sandbox: one of {', '.join(known)}.")
    return tuple(dict.fromkeys(metrics))


def _periods(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    periods = []
    at = start
    while at < end:
        if granularity == "DAILY":
            nxt = at + timedelta(days=1)
        else:
            nxt = (at.replace(day=1) + timedelta(days=32)).replace(day=1)
        periods.append((at, min(nxt, end)))
        at = nxt
    return periods


def _compile(expression: Any, resources: bool) -> Predicate:
    """A filter Expression as a predicate on line items, checked as Cost Explorer checks it."""
    if not isinstance(expression, dict):
        raise _invalid("Expression must be an object.")
    roots = [k for k in ROOTS if expression.get(k) is not None]
    if len(roots) != 1:
        raise _invalid(
            "Expression has more than one roots. Only one root operator is allowed for each expression: "
            "And, Or, Not, Dimensions, Tags, CostCategories"
            if roots
            else "Expression has no root operator: one of And, Or, Not, Dimensions, Tags, CostCategories."
        )
    root = roots[0]
    value = expression[root]
    if root in ("And", "Or"):
        if not isinstance(value, list) or not value:
            raise _invalid(f"{root} takes a list of expressions.")
        parts = [_compile(e, resources) for e in value]
        if root == "And":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    if root == "Not":
        inner = _compile(value, resources)
        return lambda row: not inner(row)
    if root == "Dimensions":
        return _dimension(value, resources)
    absent = "ABSENT" in (value.get("MatchOptions") or [])  # Tags, cost categories, product attributes
    return lambda row: absent


def _dimension(values: Any, resources: bool) -> Predicate:
    if not isinstance(values, dict) or not values.get("Key"):
        raise _invalid("Dimensions needs a Key.")
    key = values["Key"]
    if key == "RESOURCE_ID" and not resources:
        raise _invalid("Dimension RESOURCE_ID is not allowed.")
    options = set(values.get("MatchOptions") or [])
    if options - DIMENSION_MATCH_OPTIONS:
        raise _invalid(
            f"MatchOptions {sorted(options - DIMENSION_MATCH_OPTIONS)} are not valid for Dimensions: "
            "EQUALS and CASE_SENSITIVE only."
        )
    wanted = set(values.get("Values") or [])
    return lambda row: row.get(key, "") in wanted


def _names_dimension(expression: Any, key: str) -> bool:
    """Whether the filter mentions the dimension anywhere."""
    if not isinstance(expression, dict):
        return False
    if isinstance(expression.get("Dimensions"), dict) and expression["Dimensions"].get("Key") == key:
        return True
    children = [*(expression.get("And") or []), *(expression.get("Or") or []), expression.get("Not")]
    return any(_names_dimension(c, key) for c in children if c is not None)


def _service_scoped(expression: dict[str, Any]) -> bool:
    """Whether a SERVICE filter applies to the whole request: at the root, in an And, in every Or branch."""
    dims = expression.get("Dimensions")
    if isinstance(dims, dict):
        return dims.get("Key") == "SERVICE"
    if expression.get("And"):
        return any(_service_scoped(e) for e in expression["And"])
    if expression.get("Or"):
        return all(_service_scoped(e) for e in expression["Or"])
    return False


def _check_service_scope(expression: dict[str, Any], *, required: bool) -> None:
    """The model: "If you include a SERVICE filter, it must apply to the whole request"; WithResources
    requires one."""
    if _service_scoped(expression):
        return
    if required:
        raise _invalid(
            'GetCostAndUsageWithResources requires a SERVICE filter (for example "SERVICE = AWS App '
            'Runner") that applies to the whole request.'
        )
    if _names_dimension(expression, "SERVICE"):
        raise _invalid(
            "A SERVICE filter must apply to the whole request: combine it with other filters by using And, "
            "and include it in every branch of an Or (not inside Not)."
        )


def _group_by(groups: Any, resources: bool) -> tuple[tuple[str, str], ...]:
    if groups is None:
        return ()
    if not isinstance(groups, list):
        raise _invalid("GroupBy must be a list.")
    if len(groups) > 2:
        raise _invalid("You can group by up to two different groups.")
    out = []
    allowed = (*GROUP_DIMENSIONS, "RESOURCE_ID") if resources else GROUP_DIMENSIONS
    for group in groups:
        kind, key = (group or {}).get("Type"), (group or {}).get("Key")
        if kind not in ("DIMENSION", "TAG", "COST_CATEGORY", "PRODUCT_ATTRIBUTE") or not key:
            raise _invalid(
                "GroupBy needs a Type (DIMENSION, TAG, COST_CATEGORY, PRODUCT_ATTRIBUTE) and a Key."
            )
        if kind == "DIMENSION" and key not in allowed:
            raise _invalid(f"Group Definition dimension is invalid. Valid values are {', '.join(allowed)}")
        out.append((kind, key))
    return tuple(out)


def _group_keys(row: Row, group_by: tuple[tuple[str, str], ...]) -> tuple[str, ...] | None:
    """A line item's group keys; None when it belongs to no group (product attributes: App Runner has
    none, so its costs are in no group)."""
    keys = []
    for kind, key in group_by:
        if kind == "PRODUCT_ATTRIBUTE":
            return None
        keys.append(row.get(key, "") if kind == "DIMENSION" else f"{key}$")
    return tuple(keys)


def _metric_values(items: list[LineItem], metrics: tuple[str, ...]) -> dict[str, dict[str, str]]:
    cost = sum(i.cost_usd for i in items)
    usage = sum(i.quantity for i in items)
    return {
        m: {
            "Amount": _amount(usage if m == USAGE_METRIC else cost),
            "Unit": UNIT if m == USAGE_METRIC else "USD",
        }
        for m in metrics
    }


def _amount(value: float) -> str:
    """As Cost Explorer writes amounts: a decimal string, no exponent."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
