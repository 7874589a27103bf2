"""The metrics store behind the CloudWatch API: PutMetricData, GetMetricData (with paging),
GetMetricStatistics and ListMetrics, and `put_series` to seed history in bulk.
"""

from __future__ import annotations

import gzip
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.sandbox.cloudwatch.datums import RawBuilder, datum_row, series_block
from advisor.sandbox.cloudwatch.errors import CloudWatchError, invalid, missing
from advisor.sandbox.cloudwatch.limits import (
    ACCEPT_FUTURE_S,
    ACCEPT_PAST_S,
    LIST_PAGE,
    LISTED_FOR_S,
    MAX_DATAPOINTS,
    MAX_DATUMS,
    MAX_QUERIES,
    MAX_STATISTICS_DATAPOINTS,
    MINUTE,
    RECENT_S,
    UNITS,
    SeriesKey,
    retained,
    round_start,
)
from advisor.sandbox.cloudwatch.storage import Block, Series
from advisor.sandbox.cloudwatch.validation import (
    epoch,
    series_dimensions,
    statistics_wanted,
    time_range,
    validate_queries,
)
from advisor.sandbox.wire import (
    BadToken,
    Epoch,
    Floats,
    Timestamps,
    WireError,
    decode_request,
    decode_token,
    encode_body,
    encode_token,
    fingerprint,
    page_after,
    response_headers,
    wire_format,
)

log = logging.getLogger(__name__)


TARGET_PREFIX = "GraniteServiceVersion20100801."


GZIP_MAGIC = b"\x1f\x8b"  # never the start of a CBOR or JSON request


@dataclass
class _Query:
    """One returned GetMetricData result, computed on demand (pages compute only what they emit)."""

    id: str
    label: str
    compute: Callable[[], tuple[np.ndarray, np.ndarray, list[dict], str]]


class MetricsStore:
    """CloudWatch metrics for the sandbox: `handle` speaks the wire protocol, `put_series` seeds in bulk."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        # CloudWatch may answer fewer than MaxDatapoints (StatusCode PartialData, with a NextToken, in
        # the MetricDataResult docs); the sandbox can be told to, so a client's paging is exercised
        self.page_datapoints = MAX_DATAPOINTS
        self._series: dict[SeriesKey, Series] = {}
        self._lock = threading.RLock()
        self._operations: dict[str, Callable[[dict, str, str], dict | None]] = {
            "PutMetricData": self._put_metric_data,
            "GetMetricData": self._get_metric_data,
            "GetMetricStatistics": self._get_metric_statistics,
            "ListMetrics": self._list_metrics,
        }

    # -- entry points

    def handle(
        self, operation: str, body: bytes, region: str, account_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request in the protocol it came in: rpc-v2-cbor, or awsJson1_0 (what boto3 sends).

        `operation`: the URL path's last segment (CBOR) or the X-Amz-Target header (JSON); either form,
        with or without its prefix, is accepted."""
        operation = operation.rsplit("/", 1)[-1].removeprefix(TARGET_PREFIX)
        if body[:2] == GZIP_MAGIC:  # botocore gzips PutMetricData bodies over 10 KB (Content-Encoding: gzip)
            body = gzip.decompress(body)
        wire = wire_format(body)
        try:
            handler = self._operations.get(operation)
            if handler is None:
                raise CloudWatchError(
                    "InvalidAction", f"The sandbox metrics store does not implement CloudWatch.{operation}."
                )
            response = handler(decode_request(body, wire), region, account_id)
        except WireError as exc:
            return CloudWatchError("SerializationException", str(exc)).response(wire)
        except CloudWatchError as exc:
            return exc.response(wire)
        except Exception as exc:  # a bug here must reach the client as CloudWatch's 500, not kill the server
            log.exception("CloudWatch %s failed", operation)
            return CloudWatchError("InternalServiceError", f"{type(exc).__name__}: {exc}", 500).response(wire)
        if response is None:
            return 200, response_headers(wire), b"{}" if wire == "json" else b""
        return 200, response_headers(wire), encode_body(response, wire)

    def put_series(
        self, region: str, namespace: str, metric: str, dimensions: dict[str, str], timestamps: np.ndarray,
        values: np.ndarray | None = None, *, unit: str = "None", stats: dict[str, np.ndarray] | None = None,
        histograms: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:  # fmt: skip
        """Write a whole series at once, aggregated exactly as PutMetricData would store it.

        `values`: one value per timestamp; `stats`: SampleCount/Sum/Minimum/Maximum arrays; `histograms`:
        (values, counts) arrays of shape (n, k). Unlike PutMetricData it accepts timestamps older than two
        weeks, so the sandbox can seed history; the store's clock still governs what reads return."""
        if unit not in UNITS:
            raise ValueError(f"unknown CloudWatch unit {unit!r}")
        block = series_block(np.asarray(timestamps), values, stats, histograms)
        key = (region, namespace, metric, tuple(sorted((str(k), str(v)) for k, v in dimensions.items())))
        self._append({key: block}, unit_of={key: unit})

    def series_count(self) -> int:
        return len(self._series)

    def _append(self, blocks: dict[SeriesKey, Block], unit_of: dict[SeriesKey, str]) -> None:
        now = self._clock()
        with self._lock:
            for key, block in blocks.items():
                series = self._series.get(key) or self._series.setdefault(key, Series(unit_of[key]))
                series.append(block, unit_of[key], now)

    # -- PutMetricData

    def _put_metric_data(self, request: dict, region: str, account_id: str) -> None:
        namespace = request.get("Namespace")
        if not namespace:
            raise missing("Namespace")
        if not isinstance(namespace, str) or namespace.startswith(":") or len(namespace) > 255:
            raise invalid(f"The value {namespace!r} for parameter Namespace is invalid.")
        datums = [(f"MetricData.member.{i}", d) for i, d in enumerate(request.get("MetricData") or [], 1)]
        for e, entity in enumerate(request.get("EntityMetricData") or [], 1):
            datums += [
                (f"EntityMetricData.member.{e}.MetricData.member.{i}", d)
                for i, d in enumerate(entity.get("MetricData") or [], 1)
            ]
        if not datums:
            raise missing("MetricData")
        if len(datums) > MAX_DATUMS:
            raise invalid(f"The collection MetricData must not have a size greater than {MAX_DATUMS}.")
        builders: dict[SeriesKey, RawBuilder] = {}
        units: dict[SeriesKey, str] = {}
        now = self._clock()
        for name, datum in datums:
            key, unit, minute = self._datum_identity(namespace, region, name, datum, now)
            datum_row(datum, name, builders.setdefault(key, RawBuilder()), minute)
            units[key] = unit
        self._append({k: b.block() for k, b in builders.items() if b.rows}, units)
        return None

    def _datum_identity(
        self, namespace: str, region: str, name: str, datum: Any, now: float
    ) -> tuple[SeriesKey, str, int]:
        if not isinstance(datum, dict) or not datum.get("MetricName"):
            raise missing(f"{name}.MetricName")
        unit = datum.get("Unit") or "None"
        if unit not in UNITS:
            raise invalid(f"The value {unit} for parameter {name}.Unit is invalid.")
        if datum.get("StorageResolution", 60) not in (1, 60):
            raise invalid(
                f"The value {datum['StorageResolution']} for {name}.StorageResolution is not 1 or 60."
            )
        stamp = epoch(datum["Timestamp"], f"{name}.Timestamp") if datum.get("Timestamp") is not None else now
        if stamp < now - ACCEPT_PAST_S:
            raise invalid(
                f"The parameter {name}.Timestamp must specify a time no more than two weeks in the past."
            )
        if stamp > now + ACCEPT_FUTURE_S:
            raise invalid(
                f"The parameter {name}.Timestamp must specify a time no more than two hours in the future."
            )
        dims = series_dimensions(datum.get("Dimensions"), f"{name}.Dimensions")
        return (region, namespace, str(datum["MetricName"]), dims), unit, int(stamp // MINUTE)

    # -- GetMetricData

    def _get_metric_data(self, request: dict, region: str, account_id: str) -> dict:
        queries = request.get("MetricDataQueries")
        if not queries:
            raise missing("MetricDataQueries")
        if len(queries) > MAX_QUERIES:
            raise CloudWatchError(
                "ValidationError",
                f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.",
            )
        validate_queries(queries)
        start, end = time_range(request)
        scan = request.get("ScanBy") or "TimestampDescending"
        if scan not in ("TimestampDescending", "TimestampAscending"):
            raise invalid(f"The value {scan} for parameter ScanBy is invalid.")
        limit = request.get("MaxDatapoints", MAX_DATAPOINTS)
        if not isinstance(limit, int) or limit < 1:
            raise invalid("The parameter MaxDatapoints must be a positive integer.")
        now = self._clock()
        t0 = round_start(start, now)
        bound_to = fingerprint(queries, start, end, scan)
        cursor = _read_token(request.get("NextToken"), bound_to)
        plan = self._plan(queries, region, t0, end, now)
        with self._lock:
            budget = min(limit, MAX_DATAPOINTS, self.page_datapoints)
            results, cursor = _page(plan, cursor, budget, scan == "TimestampDescending")
        return {
            "MetricDataResults": results,
            "NextToken": encode_token(cursor, bound_to) if cursor else None,
            "Messages": [],
        }

    def _plan(self, queries: list[dict], region: str, t0: int, t1: float, now: float) -> list[_Query]:
        by_id = {q["Id"]: q for q in queries}
        plan = []
        for q in queries:
            if q.get("ReturnData", True) is False:
                continue
            target = q
            if q.get("Expression") is not None:
                target = by_id.get(q["Expression"].strip(), {})
            if q.get("Expression") is not None and target.get("MetricStat") is None:
                label = q.get("Label") or q["Id"]
                plan.append(_Query(q["Id"], label, _unsupported(q["Expression"])))
                continue
            stat = target["MetricStat"]
            label = q.get("Label") or stat["Metric"]["MetricName"]
            plan.append(_Query(q["Id"], label, self._metric_stat(stat, region, t0, t1, now)))
        return plan

    def _metric_stat(self, stat: dict, region: str, t0: int, t1: float, now: float) -> Callable:
        def compute() -> tuple[np.ndarray, np.ndarray, list[dict], str]:
            period = stat["Period"]
            if period % MINUTE:
                message = f"Period {period} is not a multiple of 60: the sandbox keeps 1-minute data only."
                return _no_points(), _no_values(), [{"Code": "NoData", "Value": message}], "Complete"
            series = self._find(region, stat["Metric"])
            if series is None or (stat.get("Unit") and stat["Unit"] != series.unit):
                return _no_points(), _no_values(), [], "Complete"
            starts, columns = series.aggregate(t0, t1, period, [stat["Stat"]])
            values = columns[stat["Stat"]]
            keep = retained(starts, period, now) & ~np.isnan(values)
            return starts[keep], values[keep], [], "Complete"

        return compute

    def _find(self, region: str, metric: dict) -> Series | None:
        dims = series_dimensions(metric.get("Dimensions"), "Metric.Dimensions")
        return self._series.get((region, metric["Namespace"], metric["MetricName"], dims))

    # -- GetMetricStatistics

    def _get_metric_statistics(self, request: dict, region: str, account_id: str) -> dict:
        for name in ("Namespace", "MetricName", "StartTime", "EndTime", "Period"):
            if request.get(name) is None:
                raise missing(name)
        statistics_wanted(request)
        start, end = time_range(request)
        period = request["Period"]
        if not isinstance(period, int) or period < 1 or (period % MINUTE and period not in (1, 5, 10, 30)):
            raise invalid(
                "The parameter Period must be a multiple of 60 (or 1, 5, 10, 30 for high resolution)."
            )
        now = self._clock()
        t0 = round_start(start, now)
        points = math.ceil((end - t0) / period)
        if points > MAX_STATISTICS_DATAPOINTS:
            raise CloudWatchError(
                "InvalidParameterCombination",
                f"You have requested up to {points:,} datapoints, which exceeds the limit of "
                f"{MAX_STATISTICS_DATAPOINTS:,}. You may reduce the datapoints requested by increasing "
                "Period, or decreasing the time range.",
            )
        return {"Label": request["MetricName"], "Datapoints": self._datapoints(request, region, t0, end, now)}

    def _datapoints(self, request: dict, region: str, t0: int, t1: float, now: float) -> list[dict]:
        statistics, extended = statistics_wanted(request)
        series = self._find(region, request)
        period = request["Period"]
        unit = request.get("Unit")
        if series is None or period % MINUTE or (unit and unit != series.unit):
            return []
        with self._lock:
            starts, columns = series.aggregate(t0, t1, period, statistics + extended)
        keep = retained(starts, period, now)
        points = []
        for i in np.flatnonzero(keep):
            point: dict[str, Any] = {"Timestamp": Epoch(int(starts[i])), "Unit": series.unit}
            point |= {s: float(columns[s][i]) for s in statistics}
            percentiles = {p: float(columns[p][i]) for p in extended if not np.isnan(columns[p][i])}
            if extended:
                point["ExtendedStatistics"] = percentiles
            points.append(point)
        return points

    # -- ListMetrics

    def _list_metrics(self, request: dict, region: str, account_id: str) -> dict:
        filters = request.get("Dimensions") or []
        if len(filters) > 10:
            raise invalid("The collection Dimensions must not have a size greater than 10.")
        if request.get("RecentlyActive") not in (None, "PT3H"):
            raise invalid(f"The value {request['RecentlyActive']} for parameter RecentlyActive is invalid.")
        after = _read_list_token(request.get("NextToken"))
        now = self._clock()
        since = now - (RECENT_S if request.get("RecentlyActive") else LISTED_FOR_S)
        with self._lock:
            keys = [
                (key[1:], key[1:])
                for key, series in self._series.items()
                if key[0] == region and series.last_write >= since and _listed(key, request, filters)
            ]
        page, last = page_after(keys, after, LIST_PAGE)
        response: dict[str, Any] = {
            "Metrics": [
                {"Namespace": ns, "MetricName": m, "Dimensions": [{"Name": n, "Value": v} for n, v in dims]}
                for ns, m, dims in page
            ]
        }
        if last is not None:
            response["NextToken"] = encode_token(last)
        if request.get("IncludeLinkedAccounts"):
            response["OwningAccounts"] = [account_id] * len(page)
        return response


def _listed(key: SeriesKey, request: dict, filters: Iterable[dict]) -> bool:
    _, namespace, metric, dims = key
    if request.get("Namespace") not in (None, namespace) or request.get("MetricName") not in (None, metric):
        return False
    have = dict(dims)
    return all(f.get("Name") in have and f.get("Value") in (None, have[f["Name"]]) for f in filters)


def _no_points() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


def _no_values() -> np.ndarray:
    return np.empty(0)


def _unsupported(expression: str) -> Callable:
    def compute() -> tuple[np.ndarray, np.ndarray, list[dict], str]:
        message = (
            f"Metric math is not supported by the sandbox metrics store (expression {expression!r}); only a "
            "bare reference to another query's Id is."
        )
        return _no_points(), _no_values(), [{"Code": "Unsupported", "Value": message}], "InternalError"

    return compute


def _page(
    plan: list[_Query], cursor: tuple[int, int | None] | None, budget: int, descending: bool
) -> tuple[list[dict], tuple[int, int | None] | None]:
    """Fill one page with at most `budget` points, queries in order, each in scan order.

    The cursor is (query index, last timestamp sent for it): a resumed query continues strictly past
    that timestamp, so pages never repeat or skip a point, even if data arrived in between."""
    first, after = cursor or (0, None)
    results: list[dict[str, Any]] = []
    for i in range(first, len(plan)):
        query = plan[i]
        stamps, values, messages, status = query.compute()
        if descending:
            stamps, values = stamps[::-1], values[::-1]
        if i == first and after is not None:
            resume = stamps < after if descending else stamps > after
            stamps, values = stamps[resume], values[resume]
        if budget == 0 and len(stamps):
            return results, (i, after if i == first else None)
        take = min(budget, len(stamps))
        partial = take < len(stamps)
        results.append(
            {
                "Id": query.id,
                "Label": query.label,
                "Timestamps": Timestamps(stamps[:take]),
                "Values": Floats(values[:take]),
                "StatusCode": "PartialData" if partial else status,
                "Messages": messages,
            }
        )
        if partial:
            return results, (i, int(stamps[take - 1]))
        budget -= take
    return results, None


def _read_token(token: str | None, bound_to: str) -> tuple[int, int | None] | None:
    """GetMetricData's cursor: (query index, last timestamp sent for it)."""
    if token is None:
        return None
    try:
        query, after = decode_token(token, bound_to)
        return int(query), None if after is None else int(after)
    except (BadToken, TypeError, ValueError) as exc:
        raise CloudWatchError("InvalidNextToken", f"The NextToken is invalid: {exc}") from exc


def _read_list_token(token: str | None) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """ListMetrics' cursor: the last (namespace, metric, dimensions) listed."""
    if token is None:
        return None
    try:
        namespace, metric, dims = decode_token(token)
        return str(namespace), str(metric), tuple((str(n), str(v)) for n, v in dims)
    except (BadToken, TypeError, ValueError) as exc:
        raise invalid(f"The NextToken is invalid: {exc}") from exc
