"""App Runner's scaling and billing, minute by minute (bench/PROTOCOL.md §3).

App Runner documents only its rule for scaling out (more concurrent requests than MaxConcurrency per
instance); the delays and the latency curve are undocumented, so each is a named parameter of
`ScalingModel`, with the protocol's values as defaults.

For configuration c = MaxConcurrency, m = MinSize, M = MaxSize and per-minute demand D (concurrent
requests):
    needed       n(t) = ceil(D(t) / c)
    provisioned  P(t) = min(M, max(m, max(n(t-h) .. n(t))))          scale-in hold h
    ready        R(t) = P(t-d), P(t<0) = m                           scale-out delay d
    per instance k(t) = D(t) / R(t)
    active       A(t) = R(t) (1 - exp(-k(t) (1 + linger / L0)))       a request in flight, or one within
                                                                      `linger` seconds (0: the protocol)
    breach       D(t) > R(t) c  or  L(k(t)) > SLO L0                  throttled (429) or too slow
    cost         mem x price x max(P, R) + vCPU x price x A            per minute

Two calibrated parameters, whose defaults keep the protocol's formulas above exactly: `in_flight` (a
loaded instance holds more requests than the demand at L0, as its latency rises: c above is then the
demand that fills c in-flight requests, `demand_capacity`, and the objective is judged on the demand
whose in-flight requests reach the knee, `slo_demand`), and `peak_z` (throttling and latency are judged
on the minute's busiest seconds, D + z sqrt(D L0), Poisson arrivals around the minute's rate).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from advisor.domain import DEFAULT_INSTANCE, MAX_SIZE_QUOTA, InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.pricing.apprunner import MINUTES_PER_MONTH, RegionPrices, prices_for, trajectory_cost


@dataclass(frozen=True)
class ScalingModel:
    """The assumptions behind a simulation; defaults are bench/PROTOCOL.md's."""

    scale_out_delay_min: int = 1  # d: a newly provisioned instance serves from the next minute
    scale_in_hold_min: int = 5  # h: an instance stays provisioned h minutes after it was last needed
    knee: float = 80.0  # K: per-instance concurrency up to which latency stays at L0
    latency_s: float = 0.25  # L0: unloaded latency
    latency_slope: float = 3.0  # past the knee L(k) = L0 (1 + slope (k - K) / K)
    slo_factor: float = 1.5  # the latency objective: L(k) <= slo_factor x L0
    # An instance stays active (billed vCPU) this long after its last request (App Runner documents no rule;
    # users see active instances fall back only "after a certain amount of time"). Arrivals per instance
    # per second are k / L0 and an instance is idle when none came in the last L0 + linger seconds, so
    # A = R (1 - exp(-k (1 + linger / L0))); 0 keeps the protocol's "a request in flight".
    active_linger_s: float = 0.0
    # Requests in flight per instance against the demand at L0 (Little's law with the latency the load
    # itself brings: in flight = arrivals x L(k)), as (k, factor) points with k rising and k the in-flight
    # concurrency per instance that MaxConcurrency and the knee are counted in. () is 1 everywhere, the
    # protocol's: latency stays at L0 up to the knee, so in flight is the demand. Calibration fits it.
    in_flight: tuple[tuple[float, float], ...] = ()
    # Sub-minute peaks: arrivals are Poisson around the minute's rate, so its busiest seconds carry about
    # D + z sqrt(D L0) concurrent requests, and App Runner throttles (and latency rises) per second. 0 is
    # the protocol's minute mean; calibration fits z from the history's 429s.
    peak_z: float = 0.0
    tolerance: float = 1e-9  # comparisons of demand against capacity

    def __post_init__(self) -> None:
        for name in ("scale_out_delay_min", "scale_in_hold_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not float(value).is_integer() or value < 0:
                raise InputError(f"{name}={value!r} is invalid: allowed a whole number of minutes, 0 or more")
            object.__setattr__(self, name, int(value))
        for name in ("knee", "latency_s", "latency_slope"):
            if not float(getattr(self, name)) > 0:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed a number above 0")
        if not float(self.active_linger_s) >= 0:
            raise InputError(f"active_linger_s={self.active_linger_s!r} is invalid: allowed 0 s or more")
        if not float(self.slo_factor) >= 1:
            raise InputError(f"slo_factor={self.slo_factor!r} is invalid: allowed a number of at least 1")
        if not float(self.peak_z) >= 0:
            raise InputError(f"peak_z={self.peak_z!r} is invalid: allowed a number of 0 or more")
        points = tuple((float(k), float(f)) for k, f in self.in_flight)  # JSON gives lists
        if any(not f >= 1 or not k >= 0 for k, f in points) or any(
            b[0] <= a[0] for a, b in itertools.pairwise(points)
        ):
            raise InputError(
                f"in_flight={self.in_flight!r} is invalid: allowed (k, factor) points with k rising from 0 "
                "or more and every factor at least 1"
            )
        object.__setattr__(self, "in_flight", points)

    @property
    def slo_concurrency(self) -> float:
        """Per-instance concurrency at which latency reaches the objective."""
        return self.knee * (1 + (self.slo_factor - 1) / self.latency_slope)

    def in_flight_factor(self, k: float) -> float:
        """In-flight requests per unit of demand at L0 when an instance holds k in flight (1: protocol)."""
        if not self.in_flight:
            return 1.0
        ks, factors = zip(*self.in_flight, strict=True)
        return float(np.interp(k, ks, factors))

    def demand_capacity(self, max_concurrency: float) -> float:
        """The demand (at L0) per instance that fills `max_concurrency` in-flight requests."""
        return max_concurrency / self.in_flight_factor(max_concurrency)

    @property
    def slo_demand(self) -> float:
        """Per-instance demand (at L0) whose in-flight requests reach the latency objective."""
        return self.slo_concurrency / self.in_flight_factor(self.slo_concurrency)

    def peak(self, demand: np.ndarray) -> np.ndarray:
        """The demand of a minute's busiest seconds (the minute's mean when `peak_z` is 0)."""
        if not self.peak_z:
            return demand
        out: np.ndarray = demand + self.peak_z * np.sqrt(demand * self.latency_s)
        return out

    @property
    def active_factor(self) -> float:
        """How many times the in-flight rule's exponent the active rule's is: 1 + linger / L0."""
        return 1.0 + self.active_linger_s / self.latency_s

    def active(self, ready: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """Expected active instances among `ready` ones sharing `demand` concurrent requests."""
        out: np.ndarray = ready * (1 - np.exp(-(demand / ready) * self.active_factor))
        return out

    def latency(self, per_instance: np.ndarray) -> np.ndarray:
        k = np.asarray(per_instance, dtype=float)
        return self.latency_s * (1 + self.latency_slope * np.maximum(k - self.knee, 0.0) / self.knee)


PROTOCOL_MODEL = ScalingModel()

Demand: TypeAlias = "npt.ArrayLike | pd.Series[float]"  # per-minute concurrent requests


def demand_from_requests(
    requests_per_minute: npt.ArrayLike, latency_s: npt.ArrayLike = PROTOCOL_MODEL.latency_s
) -> np.ndarray:
    """Concurrent requests by Little's law: arrival rate (per second) x time in the system."""
    rpm = np.asarray(requests_per_minute, dtype=float)
    out: np.ndarray = rpm / 60.0 * np.asarray(latency_s, dtype=float)
    return out


def as_demand(demand: Demand) -> np.ndarray:
    """A 1-D array of finite, non-negative concurrent requests, or an InputError saying what is wrong."""
    values = np.asarray(demand.to_numpy() if isinstance(demand, pd.Series) else demand, dtype=float)
    if values.ndim != 1:
        raise InputError(f"demand must be one value per minute (1-D), got shape {values.shape}")
    if values.size == 0:
        raise InputError("demand is empty: give at least one minute")
    if not np.all(np.isfinite(values)):
        raise InputError(f"demand has {int((~np.isfinite(values)).sum())} missing or infinite values")
    if np.any(values < 0):
        raise InputError(f"demand has {int((values < 0).sum())} negative values")
    return values


def rolling_max(values: np.ndarray, hold: int) -> np.ndarray:
    """max(values[t-hold] .. values[t]) for every t (non-negative values; the window is cut at the start)."""
    if hold == 0:
        return values.copy()
    padded = np.concatenate([np.zeros(hold, dtype=values.dtype), values])
    # maxima over windows doubling in width (max is exact in any order), then two that cover hold + 1
    window, width = padded, 1
    while 2 * width <= hold + 1:
        window = np.maximum(window[:-width], window[width:])
        width *= 2
    out: np.ndarray = np.maximum(
        window[: len(values)], window[hold + 1 - width : hold + 1 - width + len(values)]
    )
    return out


def delayed(values: np.ndarray, delay: int, fill: float) -> np.ndarray:
    """values[t - delay], with `fill` before the start."""
    if delay == 0:
        return values.copy()
    out = np.full_like(values, fill)
    out[delay:] = values[:-delay] if delay < len(values) else out[delay:]
    return out


@dataclass(frozen=True)
class SimulationSummary:
    config: ScalingConfig
    instance: InstanceSize
    region: str
    minutes: int
    cost_usd: float
    monthly_cost_usd: float
    active_instance_hours: float
    provisioned_instance_hours: float
    breach_minutes: int
    throttle_minutes: int
    latency_breach_minutes: int
    throttled_requests: float
    peak_demand: float
    peak_ready_instances: int
    prices_fallback_for: str | None = None
    prices_estimate: bool = False  # a rate of the region is not published: the money is an estimate
    model: ScalingModel = field(default_factory=ScalingModel)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["config"] = {
            "max_concurrency": self.config.max_concurrency,
            "min_size": self.config.min_size,
            "max_size": self.config.max_size,
        }
        out["instance"] = {"cpu_vcpu": self.instance.cpu_vcpu, "memory_gb": self.instance.memory_gb}
        return out


@dataclass(frozen=True)
class SimulationResult:
    per_minute: pd.DataFrame
    summary: SimulationSummary


def _resolve_prices(region: str | RegionPrices) -> RegionPrices:
    return region if isinstance(region, RegionPrices) else prices_for(region)


def scaling_trajectory(
    D: np.ndarray, config: ScalingConfig, model: ScalingModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(needed, provisioned, ready) instances per minute: App Runner's scaling without the billing, for
    callers that replay many models over the same demand (calibration)."""
    c, m, M = model.demand_capacity(config.max_concurrency), config.min_size, config.max_size
    needed = np.ceil(D / c)
    provisioned = np.minimum(M, np.maximum(m, rolling_max(needed, model.scale_in_hold_min)))
    return needed, provisioned, delayed(provisioned, model.scale_out_delay_min, fill=m)


def simulate(
    demand: Demand,
    config: ScalingConfig,
    instance: InstanceSize = DEFAULT_INSTANCE,
    region: str | RegionPrices = "us-east-1",
    model: ScalingModel = PROTOCOL_MODEL,
) -> SimulationResult:
    """Replay App Runner's scaling and billing over per-minute demand (concurrent requests).

    `demand` may be a Series with a DatetimeIndex; the per-minute frame keeps that index.
    """
    index = demand.index if isinstance(demand, pd.Series) else None
    D = as_demand(demand)
    prices = _resolve_prices(region)
    c, tol = model.demand_capacity(config.max_concurrency), model.tolerance

    needed, provisioned, ready = scaling_trajectory(D, config, model)
    per_instance = D / ready
    active = model.active(ready, D)
    peak = model.peak(D)
    throttled = ready * c + tol < peak
    too_slow = peak / ready > model.slo_demand + tol
    breach = throttled | too_slow
    billed = np.maximum(provisioned, ready)
    cost = trajectory_cost(billed, active, instance, prices)
    throttled_requests = np.where(throttled, np.maximum(D - ready * c, 0.0), 0.0) / model.latency_s * 60.0

    frame = pd.DataFrame(
        {
            "demand": D,
            "needed": needed.astype(np.int64),
            "provisioned": provisioned.astype(np.int64),
            "ready": ready.astype(np.int64),
            "active": active,
            "per_instance_concurrency": per_instance,
            "latency_s": model.latency(per_instance),
            "throttled": throttled,
            "latency_breach": too_slow,
            "breach": breach,
            "throttled_requests": throttled_requests,
            "cost_usd": cost,
        },
        index=index,
    )
    minutes = len(D)
    total = float(cost.sum())
    summary = SimulationSummary(
        config=config,
        instance=instance,
        region=prices.region,
        minutes=minutes,
        cost_usd=total,
        monthly_cost_usd=total * MINUTES_PER_MONTH / minutes,
        active_instance_hours=float(active.sum() / 60.0),
        provisioned_instance_hours=float(billed.sum() / 60.0),
        breach_minutes=int(breach.sum()),
        throttle_minutes=int(throttled.sum()),
        latency_breach_minutes=int(too_slow.sum()),
        throttled_requests=float(throttled_requests.sum()),
        peak_demand=float(D.max()),
        peak_ready_instances=int(ready.max()),
        prices_fallback_for=prices.fallback_for,
        prices_estimate=prices.estimated,
        model=model,
    )
    return SimulationResult(frame, summary)


def _smallest_ok(guess: np.ndarray, ok: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The smallest r >= 1 with ok(r), starting from a guess that float rounding may have put one off.

    `ok` must be monotone in r (false below a threshold, true from it on).
    """
    r: np.ndarray = np.maximum(guess, 1.0)
    for _ in range(2):
        r = r + ~ok(r)
        r = r - ((r > 1) & ok(np.maximum(r - 1, 1)))
    return r


@dataclass(frozen=True)
class _ClippedSums:
    """sum over groups h = 0..top of table[h, clip(h, m, M)] for every pair (m, M), from prefix sums: the
    groups below m are all clipped to m, those above M to M, those between keep their own column. For
    integer tables (top + 1 groups by top + 2 columns) only: the sums are exact whatever their order."""

    top: int
    min_sizes: np.ndarray  # m of each pair
    past_max: np.ndarray  # M + 1 of each pair
    below_m: np.ndarray  # flat places in the (top + 2)^2 prefix table: groups h < m, column m
    all_at_max: np.ndarray  # every group, column M
    below_past_max: np.ndarray  # groups h < M + 1, column M

    @classmethod
    def of(cls, top: int, ms: np.ndarray, Ms: np.ndarray) -> _ClippedSums:
        width = top + 2
        return cls(top, ms, Ms + 1, ms * width + ms, (top + 1) * width + Ms, (Ms + 1) * width + Ms)

    def __call__(self, table: np.ndarray) -> np.ndarray:
        top = self.top
        below = np.zeros((top + 2, top + 2), dtype=table.dtype)
        np.cumsum(table, axis=0, out=below[1:])  # below[k, r]: groups h < k in column r
        diagonal = np.zeros(top + 2, dtype=table.dtype)
        np.cumsum(table.ravel()[:: top + 3], out=diagonal[1:])  # table[h, h]
        flat = below.ravel()
        out: np.ndarray = (
            flat.take(self.below_m)
            + (diagonal.take(self.past_max) - diagonal.take(self.min_sizes))
            + (flat.take(self.all_at_max) - flat.take(self.below_past_max))
        )
        return out


@dataclass(frozen=True)
class _HeldBasis:
    """What every MaxConcurrency's row of the grid shares, whatever the latency objective: the minutes
    sorted by the held demand W, the (m, M) pairs, the vCPU sums; and, per c, the cost parts.

    Sorted by W (`held_ready`), the minutes of each group h = min(ceil(W / c), top) are a contiguous run for
    every c, so a group's size is a binary search and not a pass over the minutes; the same holds for
    U (`held_billed`), sorted on its own. `clip_table[p, h]` is clip(h, m, M) of pair p for every group
    h = 0..top; `active_cum[r]` is the prefix sum of the active instances among r ready
    (`ScalingModel.active`) over the minutes in W order. Right-sizing replays the same demand on every
    instance size with models that differ only in the latency objective, so the instance-hours of each c
    are kept (`per_c`) and priced per size.
    """

    demand: np.ndarray  # D
    order: np.ndarray  # the minutes by W (stable)
    held_ready: np.ndarray  # W, ascending: held over the scale-in window, then delayed; 0 clips to m
    held_billed: np.ndarray  # U = max(held, held and delayed), ascending
    min_sizes: np.ndarray
    max_sizes: np.ndarray
    clip_table: np.ndarray  # (pairs, groups)
    clipped_sums: _ClippedSums
    active_cum: np.ndarray  # (top + 1, minutes + 1)
    top: int
    per_c: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, compare=False)
    peaks: dict[tuple[float, ...], _PeakBasis] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, D: np.ndarray, model: ScalingModel, top: int) -> _HeldBasis:
        held = rolling_max(D, model.scale_in_hold_min)  # V: needed is ceil(V / c) before clipping
        held_ready = delayed(held, model.scale_out_delay_min, fill=0.0)
        ms, Ms = np.array([(m, M) for m in range(1, top + 1) for M in range(m, top + 1)]).T
        clip_table = np.clip(np.arange(top + 1)[None, :], ms[:, None], Ms[:, None])

        order = np.argsort(held_ready, kind="stable")
        r_col = np.arange(1, top + 1, dtype=float)[:, None]
        active_cum = np.zeros((top + 1, len(D) + 1))
        active_cum[1:, 1:] = np.cumsum(model.active(r_col, D[order][None, :]), axis=1)
        held_billed = np.sort(np.maximum(held, held_ready))
        clipped = _ClippedSums.of(top, ms, Ms)
        return cls(D, order, held_ready[order], held_billed, ms, Ms, clip_table, clipped, active_cum, top)

    def _group_ends(self, held_sorted: np.ndarray, c: float) -> np.ndarray:
        """ends[h]: how many minutes have min(ceil(held / c), top) <= h, for h = 0..top.

        ceil(x) <= h exactly when x <= h, and held / c keeps the order of `held_sorted`."""
        ends = np.empty(self.top + 1, dtype=np.int64)
        ends[:-1] = np.searchsorted(held_sorted / c, np.arange(self.top), side="right")
        ends[-1] = len(held_sorted)
        return ends

    def instance_minutes(self, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At MaxConcurrency c (as demand per instance): the W groups' ends, and every (m, M) pair's billed
        instance-minutes and active instance-minutes (the vCPU-billed share)."""
        if c not in self.per_c:
            top, groups = self.top, np.arange(self.top + 1)[None, :]
            ends = self._group_ends(self.held_ready, c)
            starts = np.zeros_like(ends)
            starts[1:] = ends[:-1]
            active_by = self.active_cum[:, ends] - self.active_cum[:, starts]  # [r, h]
            active_total = active_by[self.clip_table, groups].sum(axis=1)
            billed_counts = _runs(self._group_ends(self.held_billed, c))
            minutes_at = billed_counts[:, None] * np.arange(top + 2)[None, :]  # [h, r]: r instances each
            billed_total = self.clipped_sums(minutes_at)
            self.per_c[c] = (ends, billed_total, active_total)
        return self.per_c[c]

    def peak_basis(self, model: ScalingModel) -> _PeakBasis:
        key = (model.peak_z, model.latency_s, model.slo_demand, model.tolerance)
        if key not in self.peaks:
            self.peaks[key] = _PeakBasis.of(self, model)
        return self.peaks[key]


@dataclass(frozen=True)
class _PeakBasis:
    """The breach side of the grid for one latency objective: whether r ready instances breach a minute
    rises with its peak, so each c's breach count q is worked out once per place in the sorted peaks."""

    held: _HeldBasis
    peak: np.ndarray  # the busiest seconds' demand (`ScalingModel.peak`), ascending: what throttles
    peak_rank: np.ndarray  # in W order, each minute's place in `peak`
    q_latency: np.ndarray  # in peak order, the smallest ready count without a latency breach (for every c)
    breaches: dict[tuple[float, float], np.ndarray] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, held: _HeldBasis, model: ScalingModel) -> _PeakBasis:
        tol, k_slo, top = model.tolerance, model.slo_demand, held.top
        peak = model.peak(held.demand)
        q_latency = _smallest_ok(np.ceil(peak / k_slo), lambda r: ~(peak / r > k_slo + tol))
        q_latency = np.minimum(q_latency, top + 1).astype(np.int64)
        by_peak = np.argsort(peak, kind="stable")
        rank = np.empty(len(peak), dtype=np.int64)
        rank[by_peak] = np.arange(len(peak))
        return cls(held, peak[by_peak], rank[held.order], q_latency[by_peak])

    def breach(self, c: float, tol: float) -> np.ndarray:
        """Breach minutes of every (m, M) pair at MaxConcurrency c (as demand per instance)."""
        if (c, tol) not in self.breaches:
            top = self.held.top
            width = top + 2  # q in 1..top+1 (top+1: no ready count up to the limit avoids a breach)
            ends = self.held.instance_minutes(c)[0]
            # r ready instances throttle a minute when r c + tol < peak (rising in r): the smallest r that
            # does not, capped at top + 1, is 1 + how many of r = 1..top do; from the peaks' first place
            # past r c + tol
            limits = np.arange(1, top + 1, dtype=float) * c + tol
            throttled_from = np.empty(top + 1, dtype=np.int64)
            throttled_from[:-1] = np.searchsorted(self.peak, limits, side="right")
            throttled_from[-1] = len(self.peak)
            runs = _runs(throttled_from)
            q = np.maximum(np.repeat(np.arange(1, top + 2), runs), self.q_latency)[self.peak_rank]
            group = np.repeat(np.arange(top + 1) * width, _runs(ends))
            joint = np.bincount(group + q, minlength=(top + 1) * width).reshape(top + 1, width)
            # breach_if_ready[h, r]: minutes of group h that breach with r ready instances (q > r)
            breach_if_ready = np.zeros_like(joint)
            breach_if_ready[:, :-1] = np.cumsum(joint[:, ::-1], axis=1)[:, ::-1][:, 1:]
            self.breaches[(c, tol)] = self.held.clipped_sums(breach_if_ready)
        return self.breaches[(c, tol)]


_BASES: dict[tuple[Any, ...], _HeldBasis] = {}
_BASES_KEPT = 4  # a service's scenarios and a few more; at 14 days ~4 MB each, ~1 MB more per objective
_BASES_LOCK = threading.Lock()  # the dashboard may recommend from more than one thread


def _runs(ends: np.ndarray) -> np.ndarray:
    """The lengths of the runs that end (exclusive) at `ends`, the first starting at 0: np.diff with
    prepend=0, without its overhead (it is called per MaxConcurrency)."""
    runs = ends.copy()
    runs[1:] -= ends[:-1]
    return runs


def _held_basis(D: np.ndarray, model: ScalingModel, top: int) -> _HeldBasis:
    """The grid basis of this demand and model, kept for the next replay of the same demand (the right-sizing
    replays it once per instance size): a memo, so the grid is the same as computed afresh."""
    key = (D.tobytes(), model.scale_in_hold_min, model.scale_out_delay_min, model.active_factor, top)
    with _BASES_LOCK:
        if key not in _BASES:
            while len(_BASES) >= _BASES_KEPT:
                del _BASES[next(iter(_BASES))]
            _BASES[key] = _HeldBasis.of(D.copy(), model, top)  # a copy: the caller may change D after
        return _BASES[key]


def forget_grid_bases() -> None:
    """Drop the kept grid bases: for a benchmark that times the same demand afresh."""
    with _BASES_LOCK:
        _BASES.clear()


def evaluate_grid(
    demand: Demand,
    instance: InstanceSize = DEFAULT_INSTANCE,
    region: str | RegionPrices = "us-east-1",
    model: ScalingModel = PROTOCOL_MODEL,
    max_concurrency: range | list[int] | np.ndarray = range(1, 201),
    max_size_limit: int = MAX_SIZE_QUOTA,
) -> pd.DataFrame:
    """Cost and breach minutes of every configuration at once: c in `max_concurrency`, 1 <= m <= M <= limit.

    Equal to `simulate` for each configuration, but without simulating each one. For a fixed c, ready
    instances are R(t) = clip(ceil(W(t) / c), m, M) where W(t) is the demand held over the scale-in
    window and delayed by the scale-out delay, and every instance holding memory is
    clip(ceil(U(t) / c), m, M) with U = max(held, held and delayed). So (m, M) act only by clipping a
    small integer: minutes are grouped by that integer (0..limit) and every (m, M) is a sum over at most
    limit + 1 groups. The vCPU term R (1 - exp(-D f / R)) (f: the model's active factor) depends on D,
    so per r it is prefix-summed once over the minutes sorted by W, where each group of ceil(W / c) is a
    contiguous run.
    """
    D = as_demand(demand)
    mem_per_min, cpu_per_min = _resolve_prices(region).per_minute(instance)
    top = int(max_size_limit)
    if top < 1:
        raise InputError(f"max_size_limit={max_size_limit!r} is invalid: allowed an integer of at least 1")
    cs = np.asarray(list(max_concurrency), dtype=np.int64)
    for c in cs:
        ScalingConfig(int(c), 1, 1)  # validates the range

    basis = _held_basis(D, model, top)
    peaks = basis.peak_basis(model)
    n_pairs = len(basis.min_sizes)
    cost = np.empty((len(cs), n_pairs))
    breach = np.empty((len(cs), n_pairs), dtype=np.int64)
    for i, c in enumerate(cs):
        capacity = model.demand_capacity(int(c))
        _, billed_total, active_total = basis.instance_minutes(capacity)
        breach[i] = peaks.breach(capacity, model.tolerance)
        cost[i] = mem_per_min * billed_total + cpu_per_min * active_total

    return pd.DataFrame(
        {
            "max_concurrency": np.repeat(cs, n_pairs),
            "min_size": np.tile(basis.min_sizes, len(cs)),
            "max_size": np.tile(basis.max_sizes, len(cs)),
            "cost_usd": cost.ravel(),
            "monthly_cost_usd": cost.ravel() * MINUTES_PER_MONTH / len(D),
            "breach_minutes": breach.ravel(),
        }
    )
