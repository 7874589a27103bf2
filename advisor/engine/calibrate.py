"""The model's undocumented parameters, fitted from the service's own history instead of assumed.

App Runner documents neither its scale-out delay, nor how long it keeps instances after a fall, nor when
an instance stops being active (billed vCPU) after its last request. The protocol assumes 1 minute, 5
minutes and "while a request is in flight"; a real service pays for each assumption that is wrong. What
CloudWatch shows is enough to read each of them:

- **Active linger**: at low traffic, with ready instances R = MinSize for certain, ActiveInstances is
  R (1 - exp(-rps (L0 + linger) / R)) (Poisson arrivals; an instance is idle when no request came in the
  last L0 + linger seconds), so L0 + linger is fitted directly from ActiveInstances against Requests.
- **Scale-out delay and scale-in hold**: the observed demand is replayed through the simulator's scaling
  (`scaling_trajectory`) over a small grid of (delay, hold); the pair whose ActiveInstances and 429s
  (4xx above the service's baseline: what the ready instances could not take) best match is kept. The
  error is read only on the minutes where the candidates disagree (around rises and falls).
- **In flight against demand**: demand is read at the unloaded latency L0 (Requests x L0), but a loaded
  instance holds requests longer, so Concurrency / (served requests x L0) rises with per-instance load
  (Little's law with the latency the load brings). Fitted (isotonic) against per-instance concurrency k,
  it converts MaxConcurrency and the knee (both counted in in-flight requests) into the demand they hold.
- **Sub-minute peaks**: App Runner answers 429 per second, on the Poisson peaks of a minute's arrivals,
  before the minute's mean reaches ready x MaxConcurrency. With the fitted delays, the replay's headroom
  of each minute in Poisson standard deviations, (R c - D) / sqrt(D L0), is set against the minutes whose
  4xx rose beyond the baseline's noise (429s); the headroom z that best separates them is kept.
- **Tail factor** p99 / average latency, from the minutes with enough requests for a p99.
- **Unloaded latency and knee** stay with `capacity.py`; here they get the same error-and-evidence form,
  and CPU is checked as a proxy for capacity: where latency crosses its objective, is CPU at its limit?

Each parameter is a `Fit`: value, default (the protocol's), error, the number of events (rises, falls or
minutes) it rests on, and whether it fell back to the default for lack of evidence, in words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.capacity import (
    ACTIVE,
    CLIENT_ERRORS,
    LATENCY_AVG,
    LATENCY_P99,
    REQUESTS,
    CapacityEstimate,
    CapacitySettings,
    CapacityUnknown,
    _isotonic,
    estimate_capacity,
    load_points,
)
from advisor.engine.simulate import PROTOCOL_MODEL, ScalingModel, delayed, rolling_max, scaling_trajectory
from advisor.engine.telemetry import demand_from_metrics


@dataclass(frozen=True)
class Fit:
    """One fitted parameter with its evidence. `error` is in the parameter's unit unless `reason` says
    otherwise (None: not measurable); `fallback`: too little evidence, `value` is the default."""

    value: float
    default: float
    error: float | None
    events: int
    fallback: bool
    reason: str
    curve: tuple[tuple[float, float], ...] = ()  # a fitted curve's (x, y) points; `value` is its key point

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "curve": [list(point) for point in self.curve]}  # as JSON gives it back

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fit:
        return cls(**{**d, "curve": tuple(tuple(p) for p in d.get("curve", ()))})


@dataclass(frozen=True)
class CalibrationSettings:
    delays_min: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    holds_min: tuple[int, ...] = tuple(range(0, 21))
    # linger candidates (s): fine where the minute data can tell them apart, coarse beyond
    lingers_s: tuple[float, ...] = tuple(
        float(x) for x in np.r_[np.arange(0, 30, 1), np.arange(30, 120, 5), np.arange(120, 601, 15)]
    )
    min_scale_events: int = 5  # rises (for the delay) or falls (for the hold) below which: the default
    min_linger_minutes: int = 30  # minutes at MinSize with a partly active pool, below which: a bound only
    flat_share: float = 0.02  # candidates within 2% of the best loss are "as good": the error's span
    tail_min_requests: float = 100.0  # a minute's p99 needs this many requests to mean anything
    cpu_agreement_pct: float = 15.0  # CPU within this many points of its limit at the latency knee: a proxy
    # In flight within this share of the demand at L0 at the knee: the protocol's (no inflation); the
    # least-loaded minutes' own L0 reading is that uncertain
    in_flight_noise: float = 0.05
    in_flight_points: int = 20  # points of the fitted curve kept for the simulator
    # A minute throttled when its 4xx exceed the baseline by this many binomial standard deviations
    # (plus one request): an application's own 4xx vary from minute to minute
    throttle_sigmas: float = 4.0
    peak_zs: tuple[float, ...] = tuple(float(z) for z in np.round(np.arange(0, 3.01, 0.1), 1))
    # Without minutes near capacity to fit it from: a minute's 429s stand out of the application's own
    # 4xx once its mean demand is within about 1.5 Poisson standard deviations of capacity
    peak_z_prior: float = 1.5


@dataclass(frozen=True)
class Calibration:
    """The fitted parameters of one service; `apply` puts the scaling ones into a simulator model."""

    scale_out_delay: Fit  # minutes
    scale_in_hold: Fit  # minutes
    active_linger: Fit  # seconds
    tail_factor: Fit  # p99 / average latency
    unloaded_latency: Fit  # seconds
    knee: Fit  # per-instance concurrency at the objective
    cpu_proxy: Fit  # CPU % where latency crosses the objective (the protocol: exactly the CPU limit)
    # in flight per unit of demand at L0, at the knee (`curve`: against per-instance concurrency); the
    # defaults keep evidence stored before these fits readable, as the protocol's
    in_flight: Fit = Fit(1.0, 1.0, None, 0, True, "not fitted: in flight taken as the demand at L0")
    peak_z: Fit = Fit(0.0, 0.0, None, 0, True, "not fitted: throttling judged on the minute's mean")

    def apply(self, model: ScalingModel) -> ScalingModel:
        """`model` with the fitted delay, hold, linger, in-flight curve and peak headroom (the defaults
        where a fit fell back)."""
        return replace(
            model,
            scale_out_delay_min=int(self.scale_out_delay.value),
            scale_in_hold_min=int(self.scale_in_hold.value),
            active_linger_s=float(self.active_linger.value),
            in_flight=() if self.in_flight.fallback else self.in_flight.curve,
            peak_z=float(self.peak_z.value),
        )

    def reasons(
        self,
        noticeable_linger_s: float = 5.0,
        cpu_agreement_pct: float = CalibrationSettings.cpu_agreement_pct,
    ) -> list[str]:
        """The fits that change what the replay or the capacity says, in words for the reasons."""
        out = []
        linger = self.active_linger
        if not linger.fallback and linger.value >= noticeable_linger_s:
            out.append(
                f"Calibrated: {linger.reason[0].upper()}{linger.reason[1:]}, so each instance bills vCPU "
                "for a while after its last request and spreading traffic over more instances costs vCPU."
            )
        delay, hold = self.scale_out_delay, self.scale_in_hold
        if delay.fallback or hold.fallback:
            out.append(
                f"Not calibrated: too few scale-outs ({delay.events}) or scale-ins ({hold.events}) in the "
                f"history to fit App Runner's delays; the replay assumes {delay.value:.0f} min to add an "
                f"instance and {hold.value:.0f} min before removing one (the protocol's, where unfitted)."
            )
        else:
            out.append(
                f"Calibrated: App Runner took about {delay.value:.0f} min to add an instance and kept "
                f"instances {hold.value:.0f} min after demand fell (fitted on {delay.events} scale-outs and "
                f"{hold.events} scale-ins); the replay uses both."
            )
        cpu = self.cpu_proxy
        if (cpu.error or 0.0) > cpu_agreement_pct or (cpu.fallback and self.knee.fallback):
            out.append(f"CPU as a capacity proxy: {cpu.reason}.")
        return out

    def fits(self) -> dict[str, Fit]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def to_dict(self) -> dict[str, Any]:
        return {name: fit.to_dict() for name, fit in self.fits().items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        return cls(**{name: Fit.from_dict(d[name]) for name in cls.__dataclass_fields__ if name in d})


@dataclass(frozen=True)
class _Observed:
    """The history on the replay's minute grid: demand, ActiveInstances, and 429s in instances' worth."""

    demand: np.ndarray
    requests_per_s: np.ndarray
    active: np.ndarray  # NaN where CloudWatch had no datapoint
    short: np.ndarray  # 4xx above the baseline, as instances' worth of concurrency (0 when none)
    throttled: np.ndarray  # minutes whose 4xx rose beyond the baseline's noise: 429s

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        latency_s: float,
        capacity: float,
        settings: CalibrationSettings = CalibrationSettings(),
    ) -> _Observed:
        """`capacity`: the demand (at L0) one instance holds at MaxConcurrency."""
        demand = demand_from_metrics(frame, latency_s)
        requests = frame[REQUESTS].reindex(demand.index).fillna(0.0).to_numpy()
        active = (
            frame[ACTIVE].reindex(demand.index).to_numpy(dtype=float)
            if ACTIVE in frame
            else np.full(len(demand), np.nan)
        )
        errors = (
            frame[CLIENT_ERRORS].reindex(demand.index).fillna(0.0).to_numpy()
            if CLIENT_ERRORS in frame
            else np.zeros(len(demand))
        )
        busy = requests > 0
        baseline = float(np.median(errors[busy] / requests[busy])) if busy.any() else 0.0
        excess = np.maximum(errors - baseline * requests, 0.0)
        short = excess / 60.0 * latency_s / capacity
        noise = settings.throttle_sigmas * np.sqrt(baseline * (1 - baseline) * requests) + 1
        return cls(demand.to_numpy(), requests / 60.0, active, short, excess > noise)


def _recent_arrivals(requests: np.ndarray, minutes: np.ndarray, windows_s: np.ndarray) -> np.ndarray:
    """(windows, minutes): requests that arrived within each window before a moment of each minute,
    averaged over three moments of the minute, with each minute's requests spread evenly over it.

    An instance lingering 3 minutes is active in a quiet minute because of the minutes before it, so
    the minute's own count is not enough."""
    cumulative = np.concatenate([[0.0], np.cumsum(requests)])
    edges = 60.0 * np.arange(len(requests) + 1)
    out = np.zeros((len(windows_s), len(minutes)))
    for offset in (10.0, 30.0, 50.0):
        now = 60.0 * minutes + offset
        at_now = np.interp(now, edges, cumulative)
        out += at_now[None, :] - np.interp(now[None, :] - windows_s[:, None], edges, cumulative)
    return out / 3


def _linger(
    obs: _Observed, config: ScalingConfig, capacity: float, latency_s: float, settings: CalibrationSettings
) -> Fit:
    """The active linger from the minutes where the ready pool is MinSize whatever the delay and hold:
    there ActiveInstances = m (1 - exp(-N / m)), N the requests of the last L0 + linger seconds."""
    m = config.min_size
    needed = np.minimum(config.max_size, np.maximum(m, np.ceil(obs.demand / capacity)))
    window = max(settings.holds_min) + max(settings.delays_min)
    at_min = (rolling_max(needed, window) <= m) & np.isfinite(obs.active)
    default = PROTOCOL_MODEL.active_linger_s
    if at_min.sum() < settings.min_linger_minutes:
        reason = (
            f"{int(at_min.sum())} minutes at MinSize {m} (at least {settings.min_linger_minutes} needed): "
            "the protocol's rule (active only while a request is in flight) is kept"
        )
        return Fit(default, default, None, int(at_min.sum()), True, reason)
    active = obs.active[at_min]
    lingers = np.asarray(settings.lingers_s)
    recent = _recent_arrivals(obs.requests_per_s * 60.0, np.flatnonzero(at_min), latency_s + lingers)
    loss = np.abs(m * (1 - np.exp(-recent / m)) - active[None, :]).mean(axis=1)
    best = int(np.argmin(loss))
    good = lingers[loss <= loss[best] * (1 + settings.flat_share) + 1e-12]
    partly = int(((active > 0.02 * m) & (active < 0.98 * m)).sum())
    value, error = float(good.min()), float((good.max() - good.min()) / 2)
    if partly < settings.min_linger_minutes:
        reason = (
            f"instances stay active at least {value:.0f} s after their last request: at MinSize {m} the "
            f"pool is almost always fully active ({at_min.sum():,} minutes, {partly} partly active), so "
            "only a lower bound is measurable"
        )
        return Fit(value, default, None, partly, value == default, reason)
    reason = (
        f"instances stay active about {value:.0f} s after their last request (fitted from {partly:,} "
        f"partly active minutes at MinSize {m}; ActiveInstances within {loss[best]:.2f} instances on "
        "average)"
    )
    return Fit(value, default, error, partly, False, reason)


@dataclass(frozen=True)
class _Grid:
    """Each (delay, hold) candidate's loss against the observed ActiveInstances and 429s."""

    delays: np.ndarray
    holds: np.ndarray
    loss: np.ndarray  # (delays, holds): mean absolute error on the minutes where candidates disagree
    minutes: int  # those minutes
    rises: np.ndarray  # (holds,): scale-out events of the provisioned trajectory under each hold
    falls: np.ndarray

    @classmethod
    def replay(
        cls, obs: _Observed, config: ScalingConfig, model: ScalingModel, settings: CalibrationSettings
    ) -> _Grid:
        delays, holds = np.asarray(settings.delays_min), np.asarray(settings.holds_min)
        c, seen = model.demand_capacity(config.max_concurrency), np.isfinite(obs.active)
        errors = np.empty((len(delays), len(holds), int(seen.sum())))
        readies = np.empty((len(delays), len(holds), len(obs.demand)))
        rises, falls = np.zeros(len(holds), np.int64), np.zeros(len(holds), np.int64)
        for j, h in enumerate(holds):
            # the delay only shifts the provisioned trajectory: it is replayed once per hold
            held = replace(model, scale_out_delay_min=0, scale_in_hold_min=int(h))
            _, provisioned, _ = scaling_trajectory(obs.demand, config, held)
            for i, d in enumerate(delays):
                candidate = replace(held, scale_out_delay_min=int(d))
                ready = delayed(provisioned, int(d), fill=config.min_size)
                active = candidate.active(ready, obs.demand)
                short = np.maximum(obs.demand - ready * c, 0.0) / c
                errors[i, j] = np.abs(active - obs.active)[seen] + np.abs(short - obs.short)[seen]
                readies[i, j] = ready
            step = np.sign(np.diff(provisioned))
            rises[j], falls[j] = _runs(step > 0), _runs(step < 0)
        flat = readies.reshape(-1, len(obs.demand))
        differ = (flat.max(axis=0) != flat.min(axis=0))[seen]
        minutes = int(differ.sum())
        loss = errors[..., differ].mean(axis=2) if minutes else np.zeros((len(delays), len(holds)))
        return cls(delays, holds, loss, minutes, rises, falls)


def _runs(mask: np.ndarray) -> int:
    """Runs of consecutive True: one rise over three minutes is one event."""
    return int(np.sum(mask[1:] & ~mask[:-1]) + (1 if mask.size and mask[0] else 0))


def _scaling_fits(grid: _Grid, settings: CalibrationSettings) -> tuple[Fit, Fit]:
    """Delay and hold from the grid; a parameter with too few events keeps the protocol's value and the
    other is fitted with it held there."""
    d0, h0 = PROTOCOL_MODEL.scale_out_delay_min, PROTOCOL_MODEL.scale_in_hold_min
    i, j = (int(x) for x in np.unravel_index(int(np.argmin(grid.loss)), grid.loss.shape))
    rises, falls = int(grid.rises[j]), int(grid.falls[j])
    delay_ok, hold_ok = rises >= settings.min_scale_events, falls >= settings.min_scale_events
    if not delay_ok:
        i = int(np.flatnonzero(grid.delays == d0)[0])
        j = int(np.argmin(grid.loss[i])) if hold_ok else j
    if not hold_ok:
        j = int(np.flatnonzero(grid.holds == h0)[0])
        i = int(np.argmin(grid.loss[:, j])) if delay_ok else i
    evidence = (settings.min_scale_events, grid.minutes, settings.flat_share)
    delay = _grid_fit("scale-out delay", grid.delays, grid.loss[:, j], i, d0, rises, "scale-outs", *evidence)
    hold = _grid_fit("scale-in hold", grid.holds, grid.loss[i, :], j, h0, falls, "scale-ins", *evidence)
    return delay, hold


def _grid_fit(
    name: str,
    values: np.ndarray,
    loss: np.ndarray,
    best: int,
    default: int,
    events: int,
    kind: str,
    need: int,
    minutes: int,
    flat_share: float,
) -> Fit:
    if events < need:
        reason = (
            f"{name} kept at the protocol's {default} min: {events} {kind} in the history (at least "
            f"{need} needed to fit it)"
        )
        return Fit(float(default), float(default), None, events, True, reason)
    good = values[loss <= loss[best] * (1 + flat_share) + 1e-12]
    neighbours = ", ".join(
        f"{int(values[k])} min: {loss[k]:.2f}" for k in (best - 1, best + 1) if 0 <= k < len(values)
    )
    reason = (
        f"{name} {int(values[best])} min: replaying the history with it matches ActiveInstances and 429s "
        f"within {loss[best]:.2f} instances on average over {minutes:,} minutes around {events} "
        f"{kind} ({neighbours})"
    )
    return Fit(
        float(values[best]), float(default), float((good.max() - good.min()) / 2), events, False, reason
    )


def _tail_factor(frame: pd.DataFrame, settings: CalibrationSettings) -> Fit:
    """p99 / average latency on the minutes with enough requests for a p99, low load against high."""
    default = 1.0  # the protocol's L(k) is the latency the objective is checked on: no tail
    if LATENCY_P99 not in frame or LATENCY_AVG not in frame or REQUESTS not in frame:
        return Fit(default, default, None, 0, True, "no p99 and average latency to compare: no tail assumed")
    enough = frame[REQUESTS].fillna(0.0) >= settings.tail_min_requests
    ratio = (frame[LATENCY_P99] / frame[LATENCY_AVG])[enough].replace([np.inf, -np.inf], np.nan).dropna()
    if len(ratio) < settings.min_linger_minutes:
        reason = f"{len(ratio)} minutes with {settings.tail_min_requests:.0f}+ requests and both latencies"
        return Fit(default, default, None, len(ratio), True, reason + ": too few to read the tail")
    q25, q50, q75 = (float(ratio.quantile(q)) for q in (0.25, 0.5, 0.75))
    busy = frame[REQUESTS][ratio.index]
    low, high = (float(ratio[busy <= busy.median()].median()), float(ratio[busy > busy.median()].median()))
    reason = (
        f"p99 latency is {q50:.2f}x the average ({len(ratio):,} minutes with "
        f"{settings.tail_min_requests:.0f}+ requests; {low:.2f}x in the quieter half, {high:.2f}x in the "
        "busier)"
    )
    return Fit(q50, default, (q75 - q25) / 2, len(ratio), False, reason)


def _unloaded_latency(
    frame: pd.DataFrame, capacity: CapacityEstimate | None, settings: CapacitySettings
) -> Fit:
    """capacity.py's L0, checked against Little's law (Concurrency / served requests) on the same
    least-loaded minutes: the relative gap is the error."""
    default = PROTOCOL_MODEL.latency_s
    if capacity is None:
        return Fit(
            default, default, None, 0, True, "too little loaded data for the latency curve: 250 ms assumed"
        )
    points = load_points(frame, settings)
    low = points[points["k"] <= points["k"].quantile(settings.unloaded_share)]
    ok = low["served_per_s"] > 0
    little = (low["concurrency"][ok] / low["served_per_s"][ok]).median() if ok.any() else np.nan
    value = capacity.unloaded_latency_s
    error = float(abs(little - value) / value) if np.isfinite(little) else None
    check = f"; Little's law on them reads {1000 * little:.0f} ms" if error is not None else ""
    reason = f"{1000 * value:.0f} ms unloaded ({capacity.unloaded_basis}, {len(low):,} minutes{check})"
    return Fit(value, default, error, len(low), False, reason)


def _crossing_span(k: np.ndarray, y: np.ndarray, limit: float) -> float | None:
    """Half the span of k over which the fitted curve goes from 0.9 to 1.1 x `limit` (how sharp the knee
    is)."""
    inside = k[np.isfinite(y) & (y >= 0.9 * limit) & (y <= 1.1 * limit)]
    return float((inside.max() - inside.min()) / 2) if inside.size else None


def _knee(capacity: CapacityEstimate | None, points: pd.DataFrame | None) -> Fit:
    default = PROTOCOL_MODEL.slo_concurrency
    if capacity is None or points is None:
        return Fit(default, default, None, 0, True, "too little loaded data for the latency curve")
    near = int((points["k"] >= 0.9 * capacity.knee).sum())
    curve = capacity.curve
    if "cpu" in capacity.limited_by and "latency" not in capacity.limited_by:
        y, limit = curve["cpu_pct"].to_numpy(), capacity.settings.cpu_limit_pct
    else:
        y, limit = curve["latency_p99_ms"].to_numpy(), capacity.latency_limit_ms
    span = _crossing_span(curve["k"].to_numpy(), y, limit) if capacity.knee_observed else None
    reason = capacity.reason or f"limited by {capacity.limited_by}"
    return Fit(capacity.knee, default, span, near, not capacity.knee_observed, reason)


def _cpu_proxy(
    capacity: CapacityEstimate | None, points: pd.DataFrame | None, settings: CalibrationSettings
) -> Fit:
    """CPU where latency crosses its objective. The protocol makes it the CPU limit exactly; a service
    whose CPU is far from it there cannot have its capacity read from CPU alone."""
    default = CapacitySettings().cpu_limit_pct
    if capacity is None or points is None:
        return Fit(default, default, None, 0, True, "too little loaded data to compare CPU with latency")
    limit = capacity.settings.cpu_limit_pct
    if capacity.latency_knee is None:
        if capacity.cpu_knee is not None:
            reason = (
                f"CPU reaches {limit:.0f}% at {capacity.cpu_knee:.1f} per instance while p99 latency is "
                "still within the objective: CPU is the tighter (conservative) limit here; how far latency "
                "holds beyond is not seen"
            )
        elif capacity.extrapolated:
            reason = (
                "latency never crossed the objective, so whether CPU tracks it is unverified for this "
                f"service: the knee ({capacity.knee:.0f}) is extrapolated from the CPU line on the "
                f"protocol's assumption that latency breaks where CPU reaches {limit:.0f}%"
            )
        else:
            reason = "neither latency nor CPU reached its limit: CPU is not checked as a capacity proxy"
        return Fit(default, default, None, 0, True, reason)
    curve = capacity.curve.dropna(subset=["cpu_pct"])
    if curve.empty:
        return Fit(default, default, None, 0, True, "no CPU data to compare with latency")
    knee = capacity.latency_knee
    at_knee = float(np.interp(knee, curve["k"], curve["cpu_pct"]))
    near = int(((points["k"] >= 0.9 * knee) & (points["k"] <= 1.1 * knee)).sum())
    gap = at_knee - limit
    if abs(gap) <= settings.cpu_agreement_pct:
        verdict = "CPU is a fair proxy for capacity here"
    elif gap < 0:
        verdict = (
            "CPU understates the load here: a knee extrapolated from CPU would be too high, so CPU alone "
            "must not set this service's capacity"
        )
    else:
        verdict = "CPU reaches its limit before latency does: CPU is the tighter (conservative) limit here"
    reason = (
        f"where p99 latency crosses the objective ({knee:.1f} per instance) CPU is {at_knee:.0f}% "
        f"(the protocol assumes {limit:.0f}%; {near:,} minutes near it): {verdict}"
    )
    return Fit(at_knee, default, abs(gap), near, False, reason)


def _in_flight(
    capacity: CapacityEstimate | None, points: pd.DataFrame | None, settings: CalibrationSettings
) -> Fit:
    """In-flight requests per unit of demand at L0, Concurrency / (served requests x L0), fitted rising
    against per-instance concurrency k up to the most seen (held there beyond); its value at the knee.

    The protocol's latency is flat up to the knee, so in flight is the demand (1); a service whose
    latency rises with load holds more requests than the demand at L0 says, reaches MaxConcurrency (and
    the knee) at less demand, and scales out and throttles sooner than a replay without it."""
    default = 1.0
    if capacity is None or points is None:
        return Fit(default, default, None, 0, True, "too little loaded data: in flight taken as the demand")
    L0 = capacity.unloaded_latency_s
    ok = (points["served_per_s"] > 0) & (points["concurrency"] > 0)
    k = points["k"][ok].to_numpy()
    ratio = (points["concurrency"][ok] / (points["served_per_s"][ok] * L0)).to_numpy()
    if len(k) < capacity.settings.min_points:
        reason = f"{len(k)} minutes with Concurrency and served requests: in flight taken as the demand"
        return Fit(default, default, None, len(k), True, reason)
    grid = np.linspace(0.0, capacity.max_observed_concurrency, settings.in_flight_points)
    fitted = np.maximum(_isotonic(k, ratio)(grid), 1.0)
    at_knee = float(np.interp(capacity.knee, grid, fitted))
    near = (k >= 0.9 * min(capacity.knee, capacity.max_observed_concurrency)) & (k <= 1.1 * capacity.knee)
    spread = float(np.subtract(*np.quantile(ratio[near], [0.75, 0.25])) / 2) if near.sum() > 1 else None
    if at_knee <= 1 + settings.in_flight_noise:
        reason = (
            f"in flight at the knee is {at_knee:.2f}x the demand at L0 ({len(k):,} minutes): within the "
            f"{100 * settings.in_flight_noise:.0f}% L0 is read to, so the protocol's (in flight = demand)"
        )
        return Fit(default, default, spread, int(near.sum()), True, reason)
    reason = (
        f"a loaded instance holds {at_knee:.2f}x the requests the demand at L0 says at the knee "
        f"({capacity.knee:.0f} per instance; Concurrency / (served requests x {1000 * L0:.0f} ms) on "
        f"{len(k):,} minutes): its latency rises with load, so it reaches MaxConcurrency and the objective "
        "at less traffic"
    )
    curve = tuple((float(x), float(y)) for x, y in zip(grid, fitted, strict=True))
    return Fit(at_knee, default, spread, int(near.sum()), False, reason, curve)


def _peak_z(obs: _Observed, config: ScalingConfig, model: ScalingModel, settings: CalibrationSettings) -> Fit:
    """The headroom, in Poisson standard deviations of a minute's demand, below which App Runner already
    throttles. Replayed with the fitted model, each steady minute (no instance starting or leaving around
    it: a scale-out's own 429s are the delay's, fitted above) whose ready instances hold
    (R c - D) / sqrt(D L0) < z more than its mean demand is predicted throttled; the z that best matches
    the minutes whose 4xx rose beyond the baseline's noise is kept (the smallest of the best).

    A history that never ran near capacity cannot show it; then arrivals are taken as Poisson, whose 429s
    show in a minute's count about `peak_z_prior` standard deviations below capacity (the protocol's 0
    would throttle only once the minute's mean passed capacity: no real traffic is that smooth)."""
    prior = settings.peak_z_prior
    _, provisioned, ready = scaling_trajectory(obs.demand, config, model)
    settled = (provisioned == ready) & (rolling_max(np.abs(np.diff(ready, prepend=ready[0])), 3) == 0)
    busy = (obs.demand > 0) & settled
    headroom = np.full(len(obs.demand), np.inf)
    capacity = ready * model.demand_capacity(config.max_concurrency)
    headroom[busy] = (capacity[busy] - obs.demand[busy]) / np.sqrt(obs.demand[busy] * model.latency_s)
    zs = np.asarray(settings.peak_zs)
    judged = (headroom >= 0) & (headroom < zs.max())  # below 0 the mean already throttles, whatever z
    seen, room = obs.throttled[judged], headroom[judged]
    events = int(seen.sum())
    if room.size < settings.min_linger_minutes:
        reason = (
            f"{room.size} steady minutes near capacity (at least {settings.min_linger_minutes} needed): "
            f"throttling judged on the demand plus {prior:g} Poisson standard deviations, where a minute's "
            "429s show for Poisson arrivals"
        )
        return Fit(prior, prior, None, events, True, reason)
    predicted = room[None, :] < zs[:, None]
    loss = (predicted != seen[None, :]).sum(axis=1)
    best = int(np.argmin(loss))
    good = zs[loss <= loss[best] * (1 + settings.flat_share)]
    reason = (
        f"{events} of {room.size:,} steady minutes near capacity throttled: throttling is judged on the "
        f"demand plus {zs[best]:.1f} Poisson standard deviations (it matches {int(room.size - loss[best]):,} "
        "of them)"
    )
    return Fit(float(zs[best]), prior, float((good.max() - good.min()) / 2), events, False, reason)


def calibrate(
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    capacity: CapacityEstimate | None = None,
    settings: CalibrationSettings = CalibrationSettings(),
    capacity_settings: CapacitySettings = CapacitySettings(),
) -> Calibration:
    """Fit the model's parameters to the service whose metrics are in `frame`, run under `current`.

    `capacity` is the service's estimate when the caller has it (the recommender does); otherwise it is
    estimated here, and a service too quiet for one keeps the protocol's latency and knee. `instance` is
    part of the configuration the history ran on; the fits read instance counts and latency, which do
    not depend on its size, so it only names the replay.
    """
    del instance  # see the docstring: the counts fitted here do not depend on the size
    if capacity is None:
        try:
            capacity = estimate_capacity(frame, capacity_settings)
        except CapacityUnknown:
            capacity = None
    latency_s = capacity.unloaded_latency_s if capacity is not None else PROTOCOL_MODEL.latency_s
    points = load_points(frame, capacity.settings) if capacity is not None else None
    in_flight = _in_flight(capacity, points, settings)
    model = replace(
        PROTOCOL_MODEL, latency_s=latency_s, in_flight=() if in_flight.fallback else in_flight.curve
    )
    c = model.demand_capacity(current.max_concurrency)
    obs = _Observed.of(frame, latency_s, c, settings)
    linger = _linger(obs, current, c, latency_s, settings)
    model = replace(model, active_linger_s=linger.value)
    delay, hold = _scaling_fits(_Grid.replay(obs, current, model, settings), settings)
    fitted = replace(model, scale_out_delay_min=int(delay.value), scale_in_hold_min=int(hold.value))
    return Calibration(
        scale_out_delay=delay,
        scale_in_hold=hold,
        active_linger=linger,
        tail_factor=_tail_factor(frame, settings),
        unloaded_latency=_unloaded_latency(
            frame, capacity, capacity.settings if capacity else capacity_settings
        ),
        knee=_knee(capacity, points),
        cpu_proxy=_cpu_proxy(capacity, points, settings),
        in_flight=in_flight,
        peak_z=_peak_z(obs, current, fitted, settings),
    )
