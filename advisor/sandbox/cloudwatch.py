"""The sandbox's CloudWatch metrics store, answering the real CloudWatch API.

Wire: botocore 1.44.8 lists CloudWatch as smithy-rpc-v2-cbor, json and query, and picks **json**
(awsJson1_0: POST /, `X-Amz-Target: GraniteServiceVersion20100801.<Op>`); a client whose model lists
only CBOR posts to /service/GraniteServiceVersion20100801/operation/<Op>. `handle` answers both, in the
format of the request, and un-gzips bodies (botocore compresses PutMetricData over 10 KB).

moto's CloudWatch keeps one Python object per datapoint: ~5,000 points/s on PutMetricData, seconds per
GetMetricData, no percentiles, no MaxDatapoints paging. A fleet of 100 services x 16 series x 14 days of
1-minute data (32 M points) needs columns instead, so this store keeps, per series and per minute, the
aggregates CloudWatch itself keeps (SampleCount, Sum, Minimum, Maximum) plus the sample distribution
needed for percentiles, all in numpy arrays, and aggregates any Period with `reduceat`.

What it copies from CloudWatch, because the collector must survive the real thing:
- GetMetricData: <= 500 queries, Id pattern, StartTime rounded down by age, StartTime inclusive and
  EndTime exclusive, Period multiples by data age (60 s < 15 d, 300 s < 63 d, 3600 s < 455 d) and
  retention, MaxDatapoints across queries with NextToken paging, ScanBy, PartialData, empty periods absent.
- GetMetricStatistics: <= 1,440 datapoints, <= 5 Statistics, <= 10 ExtendedStatistics.
- ListMetrics: one entry per series, 500 a page, RecentlyActive=PT3H, only series written in 2 weeks.
- PutMetricData: Value, Values+Counts, StatisticValues; percentiles only where CloudWatch has raw samples
  (a StatisticSet counts only with SampleCount 1 or Minimum == Maximum); none over negative values.
- Errors: HTTP 400 with the modeled `__type` and the `x-amzn-query-error` header, so botocore raises
  `client.exceptions.InvalidParameterValueException` and friends with CloudWatch's query error codes.

Deliberate differences: data is kept at 1-minute resolution (StorageResolution=1 is accepted and rolled
up to the minute, so Periods under 60 s return no data); the `AWS/` namespaces are writable because the
sandbox publishes App Runner's metrics itself; metric math supports only a bare reference to another id;
one unit per series (the last one written); accounts are not separated; new series are listed at once.
Percentiles are numpy's default ("linear") percentile of the expanded sample.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import math
import re
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cbor2
import numpy as np

log = logging.getLogger(__name__)

MINUTE, DAY = 60, 86_400
MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
MAX_STATISTICS_DATAPOINTS = 1_440
MAX_DATUMS = 1_000
MAX_VALUES = 150
LIST_PAGE = 500
ACCEPT_PAST_S, ACCEPT_FUTURE_S = 14 * DAY, 2 * 3600
LISTED_FOR_S, RECENT_S = 14 * DAY, 3 * 3600
# (max age, Period must be a multiple of this, StartTime rounds down to this): CloudWatch's retention tiers.
TIERS = ((15 * DAY, 60), (63 * DAY, 300), (455 * DAY, 3600))
BASIC_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_UNIT_WORDS = (
    "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits "
    "Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second "
    "Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second "
    "Count/Second None"
)
UNITS = frozenset(_UNIT_WORDS.split())
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,10})?)$")
VALUE_LIMIT = 2.0**360
TARGET_PREFIX = "GraniteServiceVersion20100801."
GZIP_MAGIC = b"\x1f\x8b"  # never the start of a CBOR or JSON request

SeriesKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


# ---------------------------------------------------------------------------------------------- errors


# botocore maps the `x-amzn-query-error` code to the modeled exception classes (awsQueryCompatible).
_SHAPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
    "InvalidParameterCombination": "InvalidParameterCombinationException",
    "InvalidNextToken": "InvalidNextToken",
    "InternalServiceError": "InternalServiceFault",
}


class CloudWatchError(Exception):
    """An API error as CloudWatch reports it: query-protocol code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self, wire: str = "cbor") -> tuple[int, dict[str, str], bytes]:
        shape = _SHAPES.get(self.code, self.code)
        fault = "Receiver" if self.status >= 500 else "Sender"
        headers = _headers(wire) | {"x-amzn-query-error": f"{self.code};{fault}"}
        body = {"__type": f"com.amazonaws.cloudwatch#{shape}", "message": self.message}
        if self.code == "InternalServiceError":
            body["Message"] = self.message
        return self.status, headers, _encode(body, wire)


def _invalid(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterValue", message)


def _missing(name: str) -> CloudWatchError:
    return CloudWatchError("MissingParameter", f"The parameter {name} is required.")


def _headers(wire: str) -> dict[str, str]:
    if wire == "json":
        return {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())}
    return {
        "smithy-protocol": "rpc-v2-cbor",
        "Content-Type": "application/cbor",
        "x-amzn-RequestId": str(uuid.uuid4()),
    }


# ------------------------------------------------------------------------------------------------ CBOR


class Floats:
    """A float64 array to encode as a CBOR array of doubles in one numpy pass (100,800 values in ~1 ms)."""

    _DTYPE = np.dtype([("head", "u1"), ("value", ">f8")])

    def __init__(self, values: np.ndarray):
        self.values = np.asarray(values, dtype=np.float64)

    def encode(self) -> bytes:
        packed = np.empty(len(self.values), dtype=self._DTYPE)
        packed["head"], packed["value"] = 0xFB, self.values
        return _head(4, len(self.values)) + packed.tobytes()


class Timestamps:
    """Whole epoch seconds to encode as a CBOR array of tag-1 timestamps for botocore."""

    _DTYPE = np.dtype([("tag", "u1"), ("head", "u1"), ("value", ">u4")])

    def __init__(self, seconds: np.ndarray):
        self.seconds = np.asarray(seconds, dtype=np.int64)

    def encode(self) -> bytes:
        if len(self.seconds) and (self.seconds.min() < 0 or self.seconds.max() >= 2**32):
            return _head(4, len(self.seconds)) + b"".join(encode_cbor(Epoch(int(s))) for s in self.seconds)
        packed = np.empty(len(self.seconds), dtype=self._DTYPE)
        packed["tag"], packed["head"], packed["value"] = 0xC1, 0x1A, self.seconds
        return _head(4, len(self.seconds)) + packed.tobytes()


@dataclass(frozen=True)
class Epoch:
    """One timestamp (epoch seconds), encoded as CBOR tag 1 as smithy-rpc-v2-cbor requires."""

    seconds: float


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(f"CBOR length too large: {n}")


def encode_cbor(obj: Any) -> bytes:
    """Encode a response; numpy-backed arrays go through in bulk, so large answers cost no Python loop."""
    out = bytearray()
    _encode_into(obj, out)
    return bytes(out)


def _encode_into(obj: Any, out: bytearray) -> None:
    if isinstance(obj, dict):
        items = [(k, v) for k, v in obj.items() if v is not None]
        out += _head(5, len(items))
        for key, value in items:
            _encode_into(key, out)
            _encode_into(value, out)
    elif isinstance(obj, str):
        raw = obj.encode()
        out += _head(3, len(raw)) + raw
    elif isinstance(obj, bool):
        out.append(0xF5 if obj else 0xF4)
    elif isinstance(obj, int):
        out += _head(0, obj) if obj >= 0 else _head(1, -1 - obj)
    elif isinstance(obj, float):
        out += b"\xfb" + struct.pack(">d", obj)
    elif isinstance(obj, list | tuple):
        out += _head(4, len(obj))
        for item in obj:
            _encode_into(item, out)
    elif isinstance(obj, Floats | Timestamps):
        out += obj.encode()
    elif isinstance(obj, Epoch):
        out.append(0xC1)
        _encode_into(int(obj.seconds) if float(obj.seconds).is_integer() else float(obj.seconds), out)
    elif obj is None:
        out.append(0xF6)
    else:
        raise TypeError(f"cannot encode {type(obj).__name__} as CBOR")


def wire_format(body: bytes) -> str:
    """'json' or 'cbor': a JSON request is an object; a CBOR request map never starts with '{' (0x7b)."""
    return "json" if body.lstrip()[:1] == b"{" else "cbor"


def _decode_request(body: bytes, wire: str) -> dict[str, Any]:
    if not body:
        return {}
    try:
        request = json.loads(body) if wire == "json" else cbor2.loads(body)
    except Exception as exc:
        raise CloudWatchError(
            "SerializationException", f"The request body is not valid {wire}: {exc}"
        ) from exc
    if not isinstance(request, dict):
        raise CloudWatchError("SerializationException", f"The request body must be a {wire} map.")
    return request


def _encode(response: dict, wire: str) -> bytes:
    return _encode_json(response) if wire == "json" else encode_cbor(response)


def _encode_json(response: dict) -> bytes:
    """awsJson1_0: timestamps as epoch-second numbers, arrays through numpy's `tolist`."""

    def plain(obj: Any) -> Any:
        if isinstance(obj, Floats):
            return obj.values.tolist()
        if isinstance(obj, Timestamps):
            return obj.seconds.tolist()
        if isinstance(obj, Epoch):
            return obj.seconds
        raise TypeError(f"cannot encode {type(obj).__name__} as JSON")

    return json.dumps(_drop_none(response), default=plain, separators=(",", ":")).encode()


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def _epoch(value: Any, name: str) -> float:
    """Request timestamps arrive as CBOR tag 1 (cbor2 gives datetimes); bare numbers are accepted too."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _invalid(f"The parameter {name} must be a timestamp.")


# --------------------------------------------------------------------------------------------- storage


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


def parse_percentile(stat: str) -> float:
    match = PERCENTILE.match(stat)
    if not match or float(match.group(1)) > 100:
        raise _invalid(
            f"The statistic {stat} is not supported by the sandbox metrics store: use SampleCount, Average, "
            "Sum, Minimum, Maximum or a percentile pNN.NN (tm/wm/tc/ts/PR/IQM are not implemented)."
        )
    return float(match.group(1))


def _check_stat(stat: Any, where: str) -> str:
    if not isinstance(stat, str):
        raise _missing(where)
    if stat not in BASIC_STATS:
        parse_percentile(stat)
    return stat


def _required_multiple(age: np.ndarray) -> np.ndarray:
    """The Period multiple CloudWatch still has data for at each age (0: retention expired)."""
    return np.select([age <= limit for limit, _ in TIERS], [step for _, step in TIERS], 0)


def _round_start(start: float, now: float) -> int:
    """CloudWatch rounds StartTime down to the minute, 5 minutes or hour, depending on its age."""
    age = now - start
    step = next((step for limit, step in TIERS if age <= limit), TIERS[-1][1])
    return int(start // step * step)


def _retained(starts: np.ndarray, period: int, now: float) -> np.ndarray:
    """Mask of periods CloudWatch would still return: the Period must suit the age of the data."""
    multiple = _required_multiple(now - starts)
    return (multiple > 0) & (period % np.maximum(multiple, 1) == 0)


# ------------------------------------------------------------------------------------------ raw writes


class _RawBuilder:
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


def _check_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"The value {value!r} for parameter {name} is invalid.")
    value = float(value)
    if not math.isfinite(value) or abs(value) > VALUE_LIMIT:
        raise _invalid(
            f"The value {value} for parameter {name} is invalid: it must be finite and within 2^360."
        )
    return value


def _series_dimensions(dimensions: Any, name: str, limit: int = 30) -> tuple[tuple[str, str], ...]:
    dims = dimensions or []
    if len(dims) > limit:
        raise _invalid(f"The collection {name} must not have a size greater than {limit}.")
    pairs = []
    for i, dim in enumerate(dims, 1):
        if not isinstance(dim, dict) or not dim.get("Name") or "Value" not in dim:
            raise _missing(f"{name}.member.{i}.Name and Value")
        pairs.append((str(dim["Name"]), str(dim["Value"])))
    if len({n for n, _ in pairs}) != len(pairs):
        raise _invalid(f"The collection {name} must not contain duplicate dimension names.")
    return tuple(sorted(pairs))


def _datum_row(datum: dict, name: str, builder: _RawBuilder, minute: int) -> None:
    """Validate one MetricDatum and add its aggregate row and its samples (if CloudWatch would keep any)."""
    has = [key for key in ("Value", "StatisticValues", "Values") if datum.get(key) is not None]
    if len(has) > 1:
        raise CloudWatchError(
            "InvalidParameterCombination",
            f"The parameters {name}.{has[0]} and {name}.{has[1]} are mutually exclusive and you have "
            "specified both.",
        )
    if not has:
        raise _missing(f"{name}.Value, {name}.StatisticValues or {name}.Values")
    if datum.get("Counts") is not None and has != ["Values"]:
        raise CloudWatchError(
            "InvalidParameterCombination", f"The parameter {name}.Counts needs {name}.Values."
        )
    if has == ["Value"]:
        value = _check_number(datum["Value"], f"{name}.Value")
        builder.add(minute, 1.0, value, value, value, 1.0)
        builder.samples.append((minute, value, 1.0))
    elif has == ["Values"]:
        _values_row(datum, name, builder, minute)
    else:
        _statistics_row(datum["StatisticValues"], f"{name}.StatisticValues", builder, minute)


def _values_row(datum: dict, name: str, builder: _RawBuilder, minute: int) -> None:
    values = [_check_number(v, f"{name}.Values") for v in datum["Values"]]
    counts = [_check_number(c, f"{name}.Counts") for c in datum.get("Counts") or [1.0] * len(values)]
    if len(values) > MAX_VALUES:
        raise _invalid(f"The collection {name}.Values must not have a size greater than {MAX_VALUES}.")
    if len(counts) != len(values):
        raise _invalid(f"The parameters {name}.Values and {name}.Counts must be arrays of the same size.")
    if any(c < 0 for c in counts):
        raise _invalid(f"The parameter {name}.Counts must not contain negative numbers.")
    kept = [(v, c) for v, c in zip(values, counts, strict=True) if c > 0]
    if not kept:
        return
    total = sum(c for _, c in kept)
    low, high = min(v for v, _ in kept), max(v for v, _ in kept)
    builder.add(minute, total, sum(v * c for v, c in kept), low, high, total)
    builder.samples.extend((minute, v, c) for v, c in kept)


def _statistics_row(stats: Any, name: str, builder: _RawBuilder, minute: int) -> None:
    if not isinstance(stats, dict):
        raise _missing(name)
    fields = {}
    for key in ("SampleCount", "Sum", "Minimum", "Maximum"):
        if stats.get(key) is None:
            raise _missing(f"{name}.{key}")
        fields[key] = _check_number(stats[key], f"{name}.{key}")
    count, low, high = fields["SampleCount"], fields["Minimum"], fields["Maximum"]
    if count <= 0 or low > high:
        raise _invalid(f"The parameter {name} is invalid: SampleCount must be > 0 and Minimum <= Maximum.")
    # CloudWatch has percentiles from a statistic set only if it is one value (SampleCount 1 or Min == Max).
    known = count if (count == 1 or low == high) else 0.0
    builder.add(minute, count, fields["Sum"], low, high, known)
    if known:
        builder.samples.append((minute, low, count))


def _series_block(
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


def _finite(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (CloudWatch rejects NaN and infinities)")
    return array


# ------------------------------------------------------------------------------------------- the store


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
            response = handler(_decode_request(body, wire), region, account_id)
        except CloudWatchError as exc:
            return exc.response(wire)
        except Exception as exc:  # a bug here must reach the client as CloudWatch's 500, not kill the server
            log.exception("CloudWatch %s failed", operation)
            return CloudWatchError("InternalServiceError", f"{type(exc).__name__}: {exc}", 500).response(wire)
        if response is None:
            return 200, _headers(wire), b"{}" if wire == "json" else b""
        return 200, _headers(wire), _encode(response, wire)

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
        block = _series_block(np.asarray(timestamps), values, stats, histograms)
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
            raise _missing("Namespace")
        if not isinstance(namespace, str) or namespace.startswith(":") or len(namespace) > 255:
            raise _invalid(f"The value {namespace!r} for parameter Namespace is invalid.")
        datums = [(f"MetricData.member.{i}", d) for i, d in enumerate(request.get("MetricData") or [], 1)]
        for e, entity in enumerate(request.get("EntityMetricData") or [], 1):
            datums += [
                (f"EntityMetricData.member.{e}.MetricData.member.{i}", d)
                for i, d in enumerate(entity.get("MetricData") or [], 1)
            ]
        if not datums:
            raise _missing("MetricData")
        if len(datums) > MAX_DATUMS:
            raise _invalid(f"The collection MetricData must not have a size greater than {MAX_DATUMS}.")
        builders: dict[SeriesKey, _RawBuilder] = {}
        units: dict[SeriesKey, str] = {}
        now = self._clock()
        for name, datum in datums:
            key, unit, minute = self._datum_identity(namespace, region, name, datum, now)
            _datum_row(datum, name, builders.setdefault(key, _RawBuilder()), minute)
            units[key] = unit
        self._append({k: b.block() for k, b in builders.items() if b.rows}, units)
        return None

    def _datum_identity(
        self, namespace: str, region: str, name: str, datum: Any, now: float
    ) -> tuple[SeriesKey, str, int]:
        if not isinstance(datum, dict) or not datum.get("MetricName"):
            raise _missing(f"{name}.MetricName")
        unit = datum.get("Unit") or "None"
        if unit not in UNITS:
            raise _invalid(f"The value {unit} for parameter {name}.Unit is invalid.")
        if datum.get("StorageResolution", 60) not in (1, 60):
            raise _invalid(
                f"The value {datum['StorageResolution']} for {name}.StorageResolution is not 1 or 60."
            )
        stamp = _epoch(datum["Timestamp"], f"{name}.Timestamp") if datum.get("Timestamp") is not None else now
        if stamp < now - ACCEPT_PAST_S:
            raise _invalid(
                f"The parameter {name}.Timestamp must specify a time no more than two weeks in the past."
            )
        if stamp > now + ACCEPT_FUTURE_S:
            raise _invalid(
                f"The parameter {name}.Timestamp must specify a time no more than two hours in the future."
            )
        dims = _series_dimensions(datum.get("Dimensions"), f"{name}.Dimensions")
        return (region, namespace, str(datum["MetricName"]), dims), unit, int(stamp // MINUTE)

    # -- GetMetricData

    def _get_metric_data(self, request: dict, region: str, account_id: str) -> dict:
        queries = request.get("MetricDataQueries")
        if not queries:
            raise _missing("MetricDataQueries")
        if len(queries) > MAX_QUERIES:
            raise CloudWatchError(
                "ValidationError",
                f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.",
            )
        _validate_queries(queries)
        start, end = _time_range(request)
        scan = request.get("ScanBy") or "TimestampDescending"
        if scan not in ("TimestampDescending", "TimestampAscending"):
            raise _invalid(f"The value {scan} for parameter ScanBy is invalid.")
        limit = request.get("MaxDatapoints", MAX_DATAPOINTS)
        if not isinstance(limit, int) or limit < 1:
            raise _invalid("The parameter MaxDatapoints must be a positive integer.")
        now = self._clock()
        t0 = _round_start(start, now)
        fingerprint = _fingerprint(queries, start, end, scan)
        cursor = _read_token(request.get("NextToken"), fingerprint)
        plan = self._plan(queries, region, t0, end, now)
        with self._lock:
            results, cursor = _page(plan, cursor, min(limit, MAX_DATAPOINTS), scan == "TimestampDescending")
        return {
            "MetricDataResults": results,
            "NextToken": _write_token(cursor, fingerprint) if cursor else None,
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
            keep = _retained(starts, period, now) & ~np.isnan(values)
            return starts[keep], values[keep], [], "Complete"

        return compute

    def _find(self, region: str, metric: dict) -> Series | None:
        dims = _series_dimensions(metric.get("Dimensions"), "Metric.Dimensions")
        return self._series.get((region, metric.get("Namespace"), metric.get("MetricName"), dims))

    # -- GetMetricStatistics

    def _get_metric_statistics(self, request: dict, region: str, account_id: str) -> dict:
        for name in ("Namespace", "MetricName", "StartTime", "EndTime", "Period"):
            if request.get(name) is None:
                raise _missing(name)
        _statistics_wanted(request)
        start, end = _time_range(request)
        period = request["Period"]
        if not isinstance(period, int) or period < 1 or (period % MINUTE and period not in (1, 5, 10, 30)):
            raise _invalid(
                "The parameter Period must be a multiple of 60 (or 1, 5, 10, 30 for high resolution)."
            )
        now = self._clock()
        t0 = _round_start(start, now)
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
        statistics, extended = _statistics_wanted(request)
        series = self._find(region, request)
        period = request["Period"]
        unit = request.get("Unit")
        if series is None or period % MINUTE or (unit and unit != series.unit):
            return []
        with self._lock:
            starts, columns = series.aggregate(t0, t1, period, statistics + extended)
        keep = _retained(starts, period, now)
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
            raise _invalid("The collection Dimensions must not have a size greater than 10.")
        if request.get("RecentlyActive") not in (None, "PT3H"):
            raise _invalid(f"The value {request['RecentlyActive']} for parameter RecentlyActive is invalid.")
        after = _read_list_token(request.get("NextToken"))
        now = self._clock()
        since = now - (RECENT_S if request.get("RecentlyActive") else LISTED_FOR_S)
        with self._lock:
            keys = sorted(
                key[1:]
                for key, series in self._series.items()
                if key[0] == region and series.last_write >= since and _listed(key, request, filters)
            )
        if after is not None:
            keys = [k for k in keys if k > after]
        page = keys[:LIST_PAGE]
        response: dict[str, Any] = {
            "Metrics": [
                {"Namespace": ns, "MetricName": m, "Dimensions": [{"Name": n, "Value": v} for n, v in dims]}
                for ns, m, dims in page
            ]
        }
        if len(keys) > LIST_PAGE:
            response["NextToken"] = _encode_token(json.dumps([page[-1][0], page[-1][1], page[-1][2]]))
        if request.get("IncludeLinkedAccounts"):
            response["OwningAccounts"] = [account_id] * len(page)
        return response


# ---------------------------------------------------------------------------------------------- helpers


def _validate_queries(queries: list[Any]) -> None:
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
        raise _missing(f"{name}.Metric")
    period = stat.get("Period")
    if not isinstance(period, int) or period < 1:
        raise _missing(f"{name}.Period")
    _check_stat(stat.get("Stat"), f"{name}.Stat")
    _series_dimensions(metric.get("Dimensions"), f"{name}.Metric.Dimensions")


def _time_range(request: dict) -> tuple[float, float]:
    for name in ("StartTime", "EndTime"):
        if request.get(name) is None:
            raise _missing(name)
    start, end = _epoch(request["StartTime"], "StartTime"), _epoch(request["EndTime"], "EndTime")
    if start >= end:
        raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
    return start, end


def _statistics_wanted(request: dict) -> tuple[list[str], list[str]]:
    statistics, extended = (
        list(request.get("Statistics") or []),
        list(request.get("ExtendedStatistics") or []),
    )
    if not statistics and not extended:
        raise _missing("Statistics or ExtendedStatistics")
    if len(statistics) > 5:
        raise _invalid("The collection Statistics must not have a size greater than 5.")
    if len(extended) > 10:
        raise _invalid("The collection ExtendedStatistics must not have a size greater than 10.")
    for s in statistics:
        if s not in BASIC_STATS:
            raise _invalid(f"The value {s} for parameter Statistics is invalid.")
    for s in extended:
        parse_percentile(s)
    return statistics, extended


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
    results = []
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


def _fingerprint(queries: list[dict], start: float, end: float, scan: str) -> str:
    """Ties a NextToken to its request: CloudWatch rejects a token replayed with other parameters."""
    canonical = json.dumps([queries, start, end, scan], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _encode_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _write_token(cursor: tuple[int, int | None], fingerprint: str) -> str:
    return _encode_token(json.dumps({"q": cursor[0], "t": cursor[1], "h": fingerprint}))


def _read_token(token: str | None, fingerprint: str) -> tuple[int, int | None] | None:
    if token is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["h"] != fingerprint:
            raise ValueError("the token belongs to another request")
        return int(data["q"]), None if data["t"] is None else int(data["t"])
    except Exception as exc:
        raise CloudWatchError("InvalidNextToken", f"The NextToken is invalid: {exc}") from exc


def _read_list_token(token: str | None) -> tuple[str, str, tuple] | None:
    if token is None:
        return None
    try:
        namespace, metric, dims = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(namespace), str(metric), tuple((str(n), str(v)) for n, v in dims)
    except Exception as exc:
        raise _invalid(f"The NextToken is invalid: {exc}") from exc
