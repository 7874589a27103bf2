"""The columnar store: per series, minute aggregates in numpy arrays plus the samples percentiles need.

CloudWatch keeps SampleCount, Sum, Minimum and Maximum per minute, and the distribution behind them; a
Block holds the same as columns, and any Period is aggregated from them with `reduceat`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.sandbox.cloudwatch.limits import MINUTE
from advisor.sandbox.cloudwatch.validation import parse_percentile


@dataclass
class Block:
    """Columns of minute aggregates plus the samples percentiles need.

    Raw (as written): one row per datum, every sample listed. Grouped (as stored): one row per minute,
    sorted, and samples kept only for minutes whose distribution is not a single value (min < max): a
    minute with min == max is a point mass at `low` with weight `dweight`, so it needs no sample rows.
    `dweight` is the sample weight known for the minute; below `count` when a StatisticSet hid its samples.
    """

    minutes: np.ndarray  # int64 epoch minutes
    count: np.ndarray
    total: np.ndarray
    low: np.ndarray
    high: np.ndarray
    dweight: np.ndarray
    s_minutes: np.ndarray  # int64, sorted (grouped blocks)
    s_values: np.ndarray
    s_weights: np.ndarray

    @staticmethod
    def empty() -> Block:
        f, i = np.empty(0), np.empty(0, dtype=np.int64)
        return Block(i, f, f, f, f, f, i, f, f)

    @staticmethod
    def concat(blocks: Sequence[Block]) -> Block:
        if len(blocks) == 1:
            return blocks[0]
        return Block(*(np.concatenate([getattr(b, name) for b in blocks]) for name in _BLOCK_FIELDS))

    def with_point_masses(self, minutes: np.ndarray) -> Block:
        """Spell out the implicit single-value samples of `minutes`, before merging new data into them."""
        mask = np.isin(self.minutes, minutes) & (self.low == self.high) & (self.dweight > 0)
        if not mask.any():
            return self
        return Block(
            self.minutes, self.count, self.total, self.low, self.high, self.dweight,
            np.concatenate([self.s_minutes, self.minutes[mask]]),
            np.concatenate([self.s_values, self.low[mask]]),
            np.concatenate([self.s_weights, self.dweight[mask]]),
        )  # fmt: skip


_BLOCK_FIELDS = tuple(Block.__dataclass_fields__)


def group_by_minute(raw: Block) -> Block:
    """Reduce rows to one per minute (vectorized: a stable sort, then `reduceat`)."""
    if not len(raw.minutes):
        return Block.empty()
    order = np.argsort(raw.minutes, kind="stable")
    minutes = raw.minutes[order]
    starts = np.flatnonzero(np.r_[True, minutes[1:] != minutes[:-1]])
    grouped = Block(
        minutes[starts],
        np.add.reduceat(raw.count[order], starts),
        np.add.reduceat(raw.total[order], starts),
        np.minimum.reduceat(raw.low[order], starts),
        np.maximum.reduceat(raw.high[order], starts),
        np.add.reduceat(raw.dweight[order], starts),
        raw.s_minutes, raw.s_values, raw.s_weights,
    )  # fmt: skip
    position = np.searchsorted(grouped.minutes, raw.s_minutes)
    keep = grouped.low[position] < grouped.high[position]
    s_order = np.argsort(raw.s_minutes[keep], kind="stable")
    grouped.s_minutes = raw.s_minutes[keep][s_order]
    grouped.s_values = raw.s_values[keep][s_order]
    grouped.s_weights = raw.s_weights[keep][s_order]
    return grouped


def merge(stored: Block, new: Block) -> Block:
    """Merge grouped `new` into grouped `stored`; appending later minutes (the usual case) is a concat."""
    if not len(stored.minutes):
        return new
    if not len(new.minutes) or new.minutes[0] > stored.minutes[-1]:
        return Block.concat([stored, new])
    shared = np.intersect1d(stored.minutes, new.minutes, assume_unique=True)
    return group_by_minute(Block.concat([stored.with_point_masses(shared), new.with_point_masses(shared)]))


class Series:
    """One metric series: stored minute aggregates plus writes not yet merged (merged lazily on read)."""

    def __init__(self, unit: str):
        self.unit = unit
        self.last_write = 0.0
        self._stored = Block.empty()
        self._pending: list[Block] = []

    def append(self, raw: Block, unit: str, now: float) -> None:
        self._pending.append(raw)
        self.unit, self.last_write = unit, now

    def block(self) -> Block:
        if self._pending:
            self._stored = merge(self._stored, group_by_minute(Block.concat(self._pending)))
            self._pending = []
        return self._stored

    def aggregate(self, t0: int, t1: float, period: int, stats: Sequence[str]) -> tuple[np.ndarray, dict]:
        """Per-period statistics over [t0, t1), periods anchored at t0; periods without data are absent.

        Returns (period start times, {stat: values}); a value is NaN where the statistic does not exist
        (a percentile over hidden or negative samples)."""
        b = self.block()
        lo, hi = np.searchsorted(b.minutes, [math.ceil(t0 / MINUTE), math.ceil(t1 / MINUTE)])
        minutes = b.minutes[lo:hi]
        bucket = (minutes * MINUTE - t0) // period
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if len(bucket) else bucket
        if not len(starts):
            return np.empty(0, dtype=np.int64), {s: np.empty(0) for s in stats}
        count = np.add.reduceat(b.count[lo:hi], starts)
        total = np.add.reduceat(b.total[lo:hi], starts)
        low = np.minimum.reduceat(b.low[lo:hi], starts)
        columns = {"SampleCount": count, "Sum": total, "Minimum": low}
        columns["Maximum"] = np.maximum.reduceat(b.high[lo:hi], starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["Average"] = total / count
        names = [s for s in dict.fromkeys(stats) if s not in columns]
        if names:
            wanted = [parse_percentile(s) for s in names]
            tables = _percentiles(b, lo, hi, t0, period, bucket[starts], count, low, wanted)
            columns.update(zip(names, tables, strict=True))
        keep = count > 0
        return (t0 + bucket[starts] * period)[keep], {s: columns[s][keep] for s in stats}


WEIGHT_SCALE = 2**16  # fixed-point resolution of sample weights (Counts may be fractional)


def _percentiles(
    b: Block, lo: int, hi: int, t0: int, period: int, buckets: np.ndarray, count: np.ndarray,
    low: np.ndarray, wanted: Sequence[float],
) -> list[np.ndarray]:  # fmt: skip
    """numpy's linear percentile of each period's expanded sample, all periods at once.

    The samples are the stored ones plus the point masses of single-valued minutes, sorted by (period,
    value); index k of the expanded sample is found by binary search in the cumulative weights."""
    s_lo, s_hi = np.searchsorted(b.s_minutes, [b.minutes[lo], b.minutes[hi - 1] + 1])
    point = (b.low[lo:hi] == b.high[lo:hi]) & (b.dweight[lo:hi] > 0)
    minutes = np.concatenate([b.s_minutes[s_lo:s_hi], b.minutes[lo:hi][point]])
    values = np.concatenate([b.s_values[s_lo:s_hi], b.low[lo:hi][point]])
    weights = np.concatenate([b.s_weights[s_lo:s_hi], b.dweight[lo:hi][point]])
    if not len(minutes):
        return [np.full(len(buckets), np.nan) for _ in wanted]
    owner = np.searchsorted(buckets, (minutes * MINUTE - t0) // period)
    order = np.lexsort((values, owner))
    # Cumulative weights in fixed point: exact integer sums, so a period's percentiles do not depend on
    # what else the query covers (a float cumsum over the whole range drifts by a sample now and then).
    owner, values = owner[order], values[order]
    cum = np.cumsum(np.rint(weights[order] * WEIGHT_SCALE).astype(np.int64))
    index = np.arange(len(buckets))
    first, last = np.searchsorted(owner, index, "left"), np.searchsorted(owner, index, "right") - 1
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
    size = np.where(last >= first, cum[np.clip(last, 0, None)] - base, 0) / WEIGHT_SCALE
    valid = (size > 0) & np.isclose(size, count, rtol=1e-6) & (low >= 0)
    bounds = (np.clip(first, 0, len(cum) - 1), np.clip(last, 0, len(cum) - 1))

    def sample_at(k: np.ndarray) -> np.ndarray:
        target = base + k.astype(np.int64) * WEIGHT_SCALE
        return values[np.clip(np.searchsorted(cum, target, "right"), *bounds)]

    tables = []
    for p in wanted:
        h = np.maximum(size - 1, 0) * (p / 100)
        k = np.floor(h)
        below, above = sample_at(k), sample_at(k + 1)
        tables.append(np.where(valid, below + (above - below) * (h - k), np.nan))
    return tables
