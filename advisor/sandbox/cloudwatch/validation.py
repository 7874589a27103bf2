"""Request checks with CloudWatch's own messages: queries, statistics, time ranges, dimensions, numbers."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from advisor.sandbox.cloudwatch.errors import CloudWatchError, invalid, missing
from advisor.sandbox.cloudwatch.limits import BASIC_STATS, PERCENTILE, QUERY_ID, VALUE_LIMIT


def epoch(value: Any, name: str) -> float:
    """Request timestamps arrive as CBOR tag 1 (cbor2 gives datetimes); bare numbers are accepted too."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise invalid(f"The parameter {name} must be a timestamp.")


def parse_percentile(stat: str) -> float:
    match = PERCENTILE.match(stat)
    if not match or float(match.group(1)) > 100:
        raise invalid(
            f"The statistic {stat} is not supported by the sandbox metrics store: use SampleCount, Average, "
            "Sum, Minimum, Maximum or a percentile pNN.NN (tm/wm/tc/ts/PR/IQM are not implemented)."
        )
    return float(match.group(1))


def check_stat(stat: Any, where: str) -> str:
    if not isinstance(stat, str):
        raise missing(where)
    if stat not in BASIC_STATS:
        parse_percentile(stat)
    return stat


def check_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"The value {value!r} for parameter {name} is invalid.")
    value = float(value)
    if not math.isfinite(value) or abs(value) > VALUE_LIMIT:
        raise invalid(
            f"The value {value} for parameter {name} is invalid: it must be finite and within 2^360."
        )
    return value


def series_dimensions(dimensions: Any, name: str, limit: int = 30) -> tuple[tuple[str, str], ...]:
    dims = dimensions or []
    if len(dims) > limit:
        raise invalid(f"The collection {name} must not have a size greater than {limit}.")
    pairs = []
    for i, dim in enumerate(dims, 1):
        if not isinstance(dim, dict) or not dim.get("Name") or "Value" not in dim:
            raise missing(f"{name}.member.{i}.Name and Value")
        pairs.append((str(dim["Name"]), str(dim["Value"])))
    if len({n for n, _ in pairs}) != len(pairs):
        raise invalid(f"The collection {name} must not contain duplicate dimension names.")
    return tuple(sorted(pairs))


def validate_queries(queries: list[Any]) -> None:
    """Ids, one of MetricStat or Expression, and the MetricStat fields: CloudWatch's ValidationError text."""
    bad = [
        f"The value {q.get('Id')} for parameter MetricDataQueries.member.{i}.Id is not matching the expected "
        "pattern ^[a-z][a-zA-Z0-9_]*$."
        for i, q in enumerate(queries, 1)
        if not isinstance(q.get("Id"), str) or not QUERY_ID.match(q["Id"])
    ]
    if bad:
        raise CloudWatchError("ValidationError", "\n".join(bad))
    ids = [q["Id"] for q in queries]
    if len(set(ids)) != len(ids):
        raise CloudWatchError(
            "ValidationError", "The values for parameter Id in MetricDataQueries are not unique."
        )
    for i, q in enumerate(queries, 1):
        name = f"MetricDataQueries.member.{i}"
        if (q.get("MetricStat") is None) == (q.get("Expression") is None):
            raise CloudWatchError(
                "ValidationError", f"Exactly one of {name}.MetricStat and {name}.Expression."
            )
        if q.get("MetricStat") is not None:
            _validate_metric_stat(q["MetricStat"], f"{name}.MetricStat")
    if not any(q.get("ReturnData", True) is not False for q in queries):
        raise CloudWatchError(
            "ValidationError", "At least one MetricDataQuery must have ReturnData set to true."
        )


def _validate_metric_stat(stat: Any, name: str) -> None:
    metric = stat.get("Metric") if isinstance(stat, dict) else None
    if not isinstance(metric, dict) or not metric.get("Namespace") or not metric.get("MetricName"):
        raise missing(f"{name}.Metric")
    period = stat.get("Period")
    if not isinstance(period, int) or period < 1:
        raise missing(f"{name}.Period")
    check_stat(stat.get("Stat"), f"{name}.Stat")
    series_dimensions(metric.get("Dimensions"), f"{name}.Metric.Dimensions")


def time_range(request: dict) -> tuple[float, float]:
    for name in ("StartTime", "EndTime"):
        if request.get(name) is None:
            raise missing(name)
    start, end = epoch(request["StartTime"], "StartTime"), epoch(request["EndTime"], "EndTime")
    if start >= end:
        raise invalid("The parameter StartTime must be less than the parameter EndTime.")
    return start, end


def statistics_wanted(request: dict) -> tuple[list[str], list[str]]:
    statistics, extended = (
        list(request.get("Statistics") or []),
        list(request.get("ExtendedStatistics") or []),
    )
    if not statistics and not extended:
        raise missing("Statistics or ExtendedStatistics")
    if len(statistics) > 5:
        raise invalid("The collection Statistics must not have a size greater than 5.")
    if len(extended) > 10:
        raise invalid("The collection ExtendedStatistics must not have a size greater than 10.")
    for s in statistics:
        if s not in BASIC_STATS:
            raise invalid(f"The value {s} for parameter Statistics is invalid.")
    for s in extended:
        parse_percentile(s)
    return statistics, extended
