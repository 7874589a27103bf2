"""PutMetricData's datum rules: each MetricDatum checked and turned into Block rows, and their bulk twin."""

from __future__ import annotations

from typing import Any

import numpy as np

from advisor.sandbox.cloudwatch.errors import CloudWatchError, invalid, missing
from advisor.sandbox.cloudwatch.limits import MAX_VALUES, MINUTE
from advisor.sandbox.cloudwatch.storage import Block
from advisor.sandbox.cloudwatch.validation import check_number


class RawBuilder:
    """Collects one series' datums from a PutMetricData call as Python lists, then makes one Block."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float, float, float, float]] = []
        self.samples: list[tuple[int, float, float]] = []

    def add(self, minute: int, count: float, total: float, low: float, high: float, dweight: float) -> None:
        self.rows.append((minute, count, total, low, high, dweight))

    def block(self) -> Block:
        m, c, t, lo, hi, d = (np.array(col) for col in zip(*self.rows, strict=True))
        if self.samples:
            sm, sv, sw = (np.array(col) for col in zip(*self.samples, strict=True))
        else:
            sm, sv, sw = np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        return Block(m.astype(np.int64), c, t, lo, hi, d, sm.astype(np.int64), sv, sw)


def datum_row(datum: dict, name: str, builder: RawBuilder, minute: int) -> None:
    """Validate one MetricDatum and add its aggregate row and its samples (if CloudWatch would keep any)."""
    has = [key for key in ("Value", "StatisticValues", "Values") if datum.get(key) is not None]
    if len(has) > 1:
        raise CloudWatchError(
            "InvalidParameterCombination",
            f"The parameters {name}.{has[0]} and {name}.{has[1]} are mutually exclusive and you have "
            "specified both.",
        )
    if not has:
        raise missing(f"{name}.Value, {name}.StatisticValues or {name}.Values")
    if datum.get("Counts") is not None and has != ["Values"]:
        raise CloudWatchError(
            "InvalidParameterCombination", f"The parameter {name}.Counts needs {name}.Values."
        )
    if has == ["Value"]:
        value = check_number(datum["Value"], f"{name}.Value")
        builder.add(minute, 1.0, value, value, value, 1.0)
        builder.samples.append((minute, value, 1.0))
    elif has == ["Values"]:
        _values_row(datum, name, builder, minute)
    else:
        _statistics_row(datum["StatisticValues"], f"{name}.StatisticValues", builder, minute)


def _values_row(datum: dict, name: str, builder: RawBuilder, minute: int) -> None:
    values = [check_number(v, f"{name}.Values") for v in datum["Values"]]
    counts = [check_number(c, f"{name}.Counts") for c in datum.get("Counts") or [1.0] * len(values)]
    if len(values) > MAX_VALUES:
        raise invalid(f"The collection {name}.Values must not have a size greater than {MAX_VALUES}.")
    if len(counts) != len(values):
        raise invalid(f"The parameters {name}.Values and {name}.Counts must be arrays of the same size.")
    if any(c < 0 for c in counts):
        raise invalid(f"The parameter {name}.Counts must not contain negative numbers.")
    kept = [(v, c) for v, c in zip(values, counts, strict=True) if c > 0]
    if not kept:
        return
    total = sum(c for _, c in kept)
    low, high = min(v for v, _ in kept), max(v for v, _ in kept)
    builder.add(minute, total, sum(v * c for v, c in kept), low, high, total)
    builder.samples.extend((minute, v, c) for v, c in kept)


def _statistics_row(stats: Any, name: str, builder: RawBuilder, minute: int) -> None:
    if not isinstance(stats, dict):
        raise missing(name)
    fields = {}
    for key in ("SampleCount", "Sum", "Minimum", "Maximum"):
        if stats.get(key) is None:
            raise missing(f"{name}.{key}")
        fields[key] = check_number(stats[key], f"{name}.{key}")
    count, low, high = fields["SampleCount"], fields["Minimum"], fields["Maximum"]
    if count <= 0 or low > high:
        raise invalid(f"The parameter {name} is invalid: SampleCount must be > 0 and Minimum <= Maximum.")
    # CloudWatch has percentiles from a statistic set only if it is one value (SampleCount 1 or Min == Max).
    known = count if (count == 1 or low == high) else 0.0
    builder.add(minute, count, fields["Sum"], low, high, known)
    if known:
        builder.samples.append((minute, low, count))


def series_block(
    timestamps: np.ndarray, values: np.ndarray | None, stats: dict[str, np.ndarray] | None,
    histograms: tuple[np.ndarray, np.ndarray] | None,
) -> Block:  # fmt: skip
    """The bulk twin of the PutMetricData datum rules, vectorized over all timestamps."""
    given = [x is not None for x in (values, stats, histograms)]
    if sum(given) != 1:
        raise ValueError("give exactly one of values, stats or histograms")
    minutes = np.floor(np.asarray(timestamps, dtype=np.float64) / MINUTE).astype(np.int64)
    if values is not None:
        v = _finite(values, "values")
        return Block(minutes, np.ones_like(v), v, v, v, np.ones_like(v), minutes, v, np.ones_like(v))
    if stats is not None:
        count, total, low, high = (_finite(stats[k], k) for k in ("SampleCount", "Sum", "Minimum", "Maximum"))
        if (count <= 0).any() or (low > high).any():
            raise ValueError("stats need SampleCount > 0 and Minimum <= Maximum")
        known = np.where((count == 1) | (low == high), count, 0.0)
        mask = known > 0
        return Block(minutes, count, total, low, high, known, minutes[mask], low[mask], count[mask])
    return _histogram_block(minutes, *histograms)  # type: ignore[misc]


def _histogram_block(minutes: np.ndarray, values: np.ndarray, counts: np.ndarray) -> Block:
    """(n, k) values and counts, one row per timestamp; cells with count <= 0 or NaN value are padding."""
    values, counts = np.atleast_2d(values).astype(np.float64), np.atleast_2d(counts).astype(np.float64)
    if values.shape != counts.shape or values.shape[0] != len(minutes):
        raise ValueError("histograms must be two (n timestamps, k buckets) arrays of the same shape")
    cell = (counts > 0) & ~np.isnan(values)
    if cell.all():  # no padding (the sandbox's own history): the same block without masking every cell
        return _full_histogram_block(minutes, values, counts)
    if np.isinf(values[cell]).any() or np.isinf(counts).any():
        raise ValueError("histogram values and counts must be finite")
    weight = np.where(cell, counts, 0.0)
    row = cell.any(axis=1)
    total = weight.sum(axis=1)
    rows, cols = np.nonzero(cell)
    return Block(
        minutes[row], total[row], np.where(cell, values * weight, 0.0).sum(axis=1)[row],
        np.where(cell, values, np.inf).min(axis=1)[row], np.where(cell, values, -np.inf).max(axis=1)[row],
        total[row], minutes[rows], values[rows, cols], counts[rows, cols],
    )  # fmt: skip


def _full_histogram_block(minutes: np.ndarray, values: np.ndarray, counts: np.ndarray) -> Block:
    if not (np.isfinite(values).all() and np.isfinite(counts).all()):
        raise ValueError("histogram values and counts must be finite")
    total = counts.sum(axis=1)
    rows = np.repeat(minutes, values.shape[1])
    return Block(
        minutes, total, (values * counts).sum(axis=1), values.min(axis=1), values.max(axis=1), total,
        rows, values.ravel(), counts.ravel(),
    )  # fmt: skip


def _finite(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (CloudWatch rejects NaN and infinities)")
    return array
