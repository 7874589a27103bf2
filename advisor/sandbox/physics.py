"""The sandbox's own App Runner, second by second: requests, instances, and what CloudWatch shows of them.

Nothing here comes from the advisor's engine: this is the world the advisor is checked against.

- Arrivals: each minute's request count (the traffic generator's, with its bursts, or a trace's) is
  spread over its seconds at random: Poisson arrivals per second, given the minute's count.
- Serving: requests are routed evenly over the *ready* instances; with r arrivals per second per
  instance, k = r L(k) requests are in flight on each (Little's law on the service's own latency curve,
  params.py). Where no k up to MaxConcurrency solves it, in flight is held at ready x MaxConcurrency and
  the arrivals beyond what that serves are answered 429.
- Scaling (reference/apprunner.md §1), a controller every TICK_S seconds: concurrency averaged over a
  short window, divided by MaxConcurrency, says how many instances are needed (within MinSize..MaxSize).
  More than provisioned starts new instances that are provisioned (billed memory) at once and ready
  after a delay drawn for that event; fewer for a whole cooldown removes what went unneeded. A newly
  ready instance is slow for its first seconds (cold start). Random deployments double the provisioned
  instances for their duration.
- Active instances: an instance is active from a request until `active_linger_s` after its last one.
- Metrics: per minute, as CloudWatch aggregates them: counts summed, Concurrency and ActiveInstances
  averaged and maximized over the per-second values, latency percentiles from a sample of the minute's
  own requests (each drawn from its second's lognormal, cold starts included).

Every random draw is made per hour of the service's time from a seed of (service seed, hour), and the
controller's state carries from one call to the next, so producing a stretch in chunks gives exactly
what producing it in one go gives.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binom

from advisor.domain import METRIC_STATS, ScalingConfig
from advisor.sandbox.params import K_STEP, WorldParams

TICK_S = 10  # the controller's period
SECONDS_PER_HOUR = 3600
LATENCY_SAMPLES = 256  # requests sampled per minute for its percentiles (all of them when fewer)
MIN_DELAY_S, MAX_DELAY_S = 10.0, 600.0
DEPLOYMENT_STREAM = 1_000_003  # the deployment schedule's own seed stream
# The histogram published per minute: quantile bins, finer in the tail so p90 and p99 stay accurate.
HISTOGRAM_EDGES = np.unique(
    np.concatenate([np.linspace(0, 0.9, 46), np.linspace(0.9, 0.99, 19), np.linspace(0.99, 1, 11)])
)
HISTOGRAM_WEIGHTS = np.diff(HISTOGRAM_EDGES)
HISTOGRAM_LEVELS = (HISTOGRAM_EDGES[:-1] + HISTOGRAM_EDGES[1:]) / 2
PERCENTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}


@dataclass
class ScalingState:
    """What carries from one stretch to the next: instances, pending starts, timers, recent arrivals."""

    ready: int
    pending: list[tuple[float, int]] = field(default_factory=list)  # (ready at second, instances)
    calm_since: float = 0.0  # since when fewer instances than provisioned were needed
    calm_max: int = 0  # the most needed since then
    window: deque[float] = field(default_factory=deque)  # offered concurrency of the last ticks
    arrivals_tail: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    became_ready_tail: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def initial(cls, params: WorldParams, min_size: int, at_s: float) -> ScalingState:
        """MinSize instances, ready and warm, and no recent requests."""
        return cls(
            ready=min_size,
            calm_since=at_s,
            arrivals_tail=np.zeros(max(int(params.active_linger_s) - 1, 0), np.int64),
            became_ready_tail=np.zeros(max(params.cold_start_s - 1, 0), np.int64),
        )

    @property
    def pending_count(self) -> int:
        return sum(count for _, count in self.pending)


@dataclass(frozen=True)
class Minutes:
    """A produced stretch: CloudWatch's wide frame, the latency histograms, and the world's own view."""

    metrics: pd.DataFrame  # one row per minute, a `{metric}_{stat}` column per domain.METRIC_STATS
    latency_values: np.ndarray  # (minutes, buckets) ms: the minute's request latencies as a histogram
    latency_counts: np.ndarray  # (minutes, buckets) requests per bucket
    ready: np.ndarray  # ready instances at each minute's last second (logs need it)
    throttled: np.ndarray  # 429s per minute
    offered_max: np.ndarray  # the most requests in flight the ready instances were asked to hold
    capacity: np.ndarray  # ready x MaxConcurrency at that second
    provisioned_instance_seconds: np.ndarray  # holding memory: ready, starting, deployment copies
    active_instance_seconds: np.ndarray
    deployment_copy_seconds: np.ndarray

    @property
    def idle_instance_seconds(self) -> np.ndarray:
        """Provisioned but not active: billed for memory only."""
        return self.provisioned_instance_seconds - self.active_instance_seconds


@dataclass(frozen=True)
class _Noise:
    """The state-independent draws of a stretch, per second, tick and minute."""

    arrivals: np.ndarray  # per second
    active: np.ndarray  # per second, standard normal
    delay: np.ndarray  # per tick, standard normal
    status: np.ndarray  # (minutes, 2) uniform: 5xx, application 4xx
    wobble: np.ndarray  # (minutes, 4) standard normal: CPU avg/max, memory avg/max
    pick: np.ndarray  # (minutes, LATENCY_SAMPLES) stratified, rising: which request of the minute is sampled
    cold: np.ndarray  # (minutes, LATENCY_SAMPLES) uniform: whether it met a cold start
    spread: np.ndarray  # (minutes, LATENCY_SAMPLES) standard normal: its place in the lognormal


def _hour_noise(seed: int, hour: int, requests: np.ndarray) -> _Noise:
    rng = np.random.default_rng([seed, hour])
    counts = np.round(np.maximum(requests, 0)).astype(np.int64)
    minutes = len(counts)
    return _Noise(
        arrivals=rng.multinomial(counts, np.full(60, 1 / 60)).reshape(-1),
        active=rng.standard_normal(SECONDS_PER_HOUR),
        delay=rng.standard_normal(SECONDS_PER_HOUR // TICK_S),
        status=rng.random((minutes, 2)),
        wobble=rng.standard_normal((minutes, 4)),
        pick=(np.arange(LATENCY_SAMPLES) + rng.random((minutes, LATENCY_SAMPLES))) / LATENCY_SAMPLES,
        cold=rng.random((minutes, LATENCY_SAMPLES)),
        spread=rng.standard_normal((minutes, LATENCY_SAMPLES)),
    )


def _noise(seed: int, requests: np.ndarray, first_minute: int, last_minute: int) -> _Noise:
    """The draws of minutes [first, last), cut from whole hours (so any chunking draws the same)."""
    first_hour, last_hour = first_minute // 60, -(-last_minute // 60)
    hours = [_hour_noise(seed, h, requests[h * 60 : h * 60 + 60]) for h in range(first_hour, last_hour)]
    m0, m1 = first_minute - first_hour * 60, last_minute - first_hour * 60

    def cut(name: str, per_minute: int) -> np.ndarray:
        joined = np.concatenate([getattr(h, name) for h in hours])
        return joined[m0 * per_minute : m1 * per_minute]

    return _Noise(
        arrivals=cut("arrivals", 60),
        active=cut("active", 60),
        delay=cut("delay", 60 // TICK_S),
        status=cut("status", 1),
        wobble=cut("wobble", 1),
        pick=cut("pick", 1),
        cold=cut("cold", 1),
        spread=cut("spread", 1),
    )


def deployment_windows(params: WorldParams, seed: int, start_s: int, end_s: int) -> list[tuple[int, int]]:
    """The service's random deployments overlapping [start, end): (start, end) seconds, drawn per day."""
    windows = []
    for day in range(start_s // 86400 - 1, end_s // 86400 + 1):
        if day < 0:
            continue
        rng = np.random.default_rng([seed, DEPLOYMENT_STREAM, day])
        count = rng.poisson(params.deployments_per_fortnight / 14)
        starts = day * 86400 + rng.integers(0, 86400, count)
        lengths = rng.integers(params.deployment_min_s, params.deployment_max_s + 1, count)
        windows += [
            (int(s), int(s + n))
            for s, n in zip(starts, lengths, strict=True)
            if s < end_s and s + n > start_s
        ]
    return sorted(windows)


def _deploying(windows: list[tuple[int, int]], tick_starts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(tick_starts), dtype=bool)
    for begin, end in windows:
        out |= (tick_starts >= begin) & (tick_starts < end)
    return out


def _control(
    params: WorldParams,
    config: ScalingConfig,
    state: ScalingState,
    start_s: int,
    tick_arrivals: np.ndarray,
    delay_noise: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scaling controller, one tick at a time: ready and starting instances per tick, and the
    instances that became ready at each tick. Mutates `state`."""
    curve = params.curve
    c, m, M = config.max_concurrency, config.min_size, config.max_size
    cap_rate = curve.capacity_rate(c)
    latency_at_cap = curve.latency_scalar(c)
    throughput, top = curve.throughput_list, len(curve.throughput_list) - 1
    window_ticks = max(1, params.scale_out_window_s // TICK_S)
    n = len(tick_arrivals)
    ready_out = np.empty(n, np.int64)
    pending_out = np.empty(n, np.int64)
    became = np.zeros(n, np.int64)
    window = state.window
    window_sum = math.fsum(window)
    ready, pending, pending_count = state.ready, state.pending, state.pending_count
    calm_since, calm_max = state.calm_since, state.calm_max
    for t, arrivals in enumerate(tick_arrivals.tolist()):
        now = start_s + t * TICK_S
        while pending and pending[0][0] <= now:
            _, count = pending.pop(0)
            ready += count
            pending_count -= count
            became[t] += count
        rate = arrivals / TICK_S
        per_instance = rate / ready
        if per_instance > cap_rate:
            offered = rate * latency_at_cap  # what would be in flight if all were admitted
        else:  # the in-flight fixed point, as LatencyCurve.concurrency (inlined: this loop is hot)
            offered = ready * min(bisect.bisect_left(throughput, per_instance), top) * K_STEP
        window.append(offered)
        window_sum += offered
        if len(window) > window_ticks:
            window_sum -= window.popleft()
        needed = min(M, max(m, math.ceil(window_sum / len(window) / c - 1e-9)))
        provisioned = ready + pending_count
        if needed > provisioned:
            delay = params.scale_out_delay_s * math.exp(params.scale_out_spread * delay_noise[t])
            bisect.insort(pending, (now + min(max(delay, MIN_DELAY_S), MAX_DELAY_S), needed - provisioned))
            pending_count += needed - provisioned
            calm_since, calm_max = now, 0
        elif needed == provisioned:
            calm_since, calm_max = now, 0
        else:
            calm_max = max(calm_max, needed)
            if now - calm_since >= params.scale_in_cooldown_s or provisioned > M:
                target = max(m, calm_max) if provisioned <= M else M
                ready, pending, pending_count = _remove(ready, pending, provisioned - target)
                calm_since, calm_max = now, 0
        ready_out[t] = ready
        pending_out[t] = pending_count
    state.ready, state.pending, state.calm_since, state.calm_max = ready, pending, calm_since, calm_max
    return ready_out, pending_out, became


def _remove(ready: int, pending: list[tuple[float, int]], count: int) -> tuple[int, list, int]:
    """Scale in by `count`: instances still starting go first (the latest first), then ready ones."""
    pending = list(pending)
    while count > 0 and pending:
        at, n = pending.pop()
        if n > count:
            pending.append((at, n - count))
            count = 0
        else:
            count -= n
    return ready - count, pending, sum(n for _, n in pending)


def _rolling(tail: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each second and the len(tail) seconds before it; the new tail."""
    extended = np.concatenate([tail, values])
    width = len(tail) + 1
    sums = np.concatenate([[0], np.cumsum(extended)])
    return sums[width:] - sums[: len(values)], extended[len(extended) - len(tail) :]


def produce(
    params: WorldParams,
    config: ScalingConfig,
    state: ScalingState,
    requests: np.ndarray,
    first_minute: int,
    index: pd.DatetimeIndex,
    seed: int,
) -> Minutes:
    """Minutes [first_minute, first_minute + len(index)) of a service whose per-minute request counts
    (from its minute 0) are `requests`, under `config`, continuing from `state` (mutated)."""
    n_min = len(index)
    last_minute = first_minute + n_min
    noise = _noise(seed, requests, first_minute, last_minute)
    start_s = first_minute * 60
    arrivals = noise.arrivals
    ticks = arrivals.reshape(-1, TICK_S).sum(axis=1)
    ready_t, pending_t, became_t = _control(params, config, state, start_s, ticks, noise.delay)
    tick_starts = start_s + TICK_S * np.arange(len(ticks))
    windows = deployment_windows(params, seed, start_s, start_s + 60 * n_min)
    copies_t = np.where(_deploying(windows, tick_starts), ready_t + pending_t, 0)

    per_second = lambda x: np.repeat(x, TICK_S)  # noqa: E731
    ready = per_second(ready_t).astype(float)
    became = np.zeros(len(arrivals), np.int64)
    became[::TICK_S] = became_t

    # serving: in flight per instance from the latency curve, capped at MaxConcurrency (then 429)
    curve = params.curve
    c = config.max_concurrency
    rate = arrivals / ready
    throttling = rate > curve.capacity_rate(c)
    k = np.where(throttling, float(c), curve.concurrency(rate))
    admitted = np.floor(ready * c / curve.latency_scalar(c))
    served = np.where(throttling, np.minimum(arrivals, admitted), arrivals)
    in_flight = ready * k
    mean_latency = curve.at(k)

    cold, state.became_ready_tail = _rolling(state.became_ready_tail, became)
    cold_share = np.minimum(cold, ready) / ready
    recent, state.arrivals_tail = _rolling(state.arrivals_tail, arrivals)
    untouched = np.exp(-recent / ready)  # the chance an instance had no request within the linger
    expected = ready * (1 - untouched)
    active = np.rint(expected + noise.active * np.sqrt(expected * untouched))
    active = np.clip(np.maximum(active, arrivals > 0), 0, ready)

    def minute(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_min, 60)

    served_m = minute(served).sum(axis=1)
    requests_m = minute(arrivals).sum(axis=1)
    throttled_m = requests_m - served_m
    overload = params.server_error_rate + params.overload_error_rate * np.maximum(k / params.knee - 1, 0)
    share_5xx = _weighted(minute(np.minimum(overload, 0.5)), minute(served))
    u = np.clip(noise.status, 1e-12, 1 - 1e-12)
    errors_5xx = binom.ppf(u[:, 0], served_m, share_5xx)
    errors_4xx = binom.ppf(u[:, 1], served_m - errors_5xx, params.client_error_rate)

    values, counts, percentiles = _latency(params, minute(served), minute(mean_latency), minute(k),
                                           minute(cold_share), noise)  # fmt: skip
    cold_latency = mean_latency + params.cold_extra_s * cold_share
    average_ms = 1000 * _weighted(minute(cold_latency), minute(served))

    wobble = np.exp(params.noise * noise.wobble)
    cpu = minute(params.cpu_pct(k))
    memory = minute(params.memory_base_pct + params.memory_per_request_pct * k)
    has = served_m > 0
    columns = {
        ("Requests", "Sum"): requests_m.astype(float),
        ("2xxStatusResponses", "Sum"): served_m - errors_5xx - errors_4xx,
        ("4xxStatusResponses", "Sum"): errors_4xx + throttled_m,
        ("5xxStatusResponses", "Sum"): errors_5xx,
        ("Concurrency", "Average"): minute(in_flight).mean(axis=1),
        ("Concurrency", "Maximum"): minute(in_flight).max(axis=1),
        ("ActiveInstances", "Average"): minute(active).mean(axis=1),
        ("ActiveInstances", "Maximum"): minute(active).max(axis=1),
        ("RequestLatency", "Average"): np.where(has, average_ms, np.nan),
        **{("RequestLatency", stat): percentiles[stat] for stat in PERCENTILES},
        ("CPUUtilization", "Average"): np.minimum(100.0, cpu.mean(axis=1) * wobble[:, 0]),
        ("CPUUtilization", "Maximum"): np.minimum(100.0, cpu.max(axis=1) * np.maximum(wobble[:, 1], 1)),
        ("MemoryUtilization", "Average"): np.minimum(100.0, memory.mean(axis=1) * wobble[:, 2]),
        ("MemoryUtilization", "Maximum"): np.minimum(100.0, memory.max(axis=1) * np.maximum(wobble[:, 3], 1)),
    }
    frame = pd.DataFrame(
        {f"{m}_{s}": np.asarray(columns[(m, s)], float) for m, s in METRIC_STATS}, index=index
    )
    frame.index.name = "timestamp"
    frame["CPUUtilization_Maximum"] = np.maximum(
        frame["CPUUtilization_Maximum"], frame["CPUUtilization_Average"]
    )
    frame["MemoryUtilization_Maximum"] = np.maximum(
        frame["MemoryUtilization_Maximum"], frame["MemoryUtilization_Average"]
    )

    provisioned = ready + per_second(pending_t + copies_t)
    return Minutes(
        metrics=frame,
        latency_values=values,
        latency_counts=counts,
        ready=minute(ready)[:, -1].astype(np.int64),
        throttled=throttled_m.astype(np.int64),
        offered_max=minute(np.where(throttling, arrivals * curve.latency_scalar(c), in_flight)).max(axis=1),
        capacity=minute(ready * c).min(axis=1),
        provisioned_instance_seconds=minute(provisioned).sum(axis=1),
        active_instance_seconds=minute(active).sum(axis=1),
        deployment_copy_seconds=minute(per_second(copies_t)).sum(axis=1).astype(float),
    )


def _weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the weights' average of values (0 where the row has no weight)."""
    total = weights.sum(axis=1)
    return np.where(total > 0, (values * weights).sum(axis=1) / np.maximum(total, 1), 0.0)


def _latency(
    params: WorldParams,
    served: np.ndarray,
    mean_latency: np.ndarray,
    k: np.ndarray,
    cold_share: np.ndarray,
    noise: _Noise,
    wait: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Each minute's latency from a sample of its requests (all of them when fewer than the sample):
    the histogram to publish, and p50/p90/p99 in ms (NaN for a minute without requests). `wait`
    (seconds, per second of the minute) is time spent queued before service, added to each request
    that arrived in that second (the Express world's ALB queues; App Runner answers 429 instead)."""
    n_min = served.shape[0]
    cumulative = np.cumsum(served, axis=1).astype(float)
    total = cumulative[:, -1]
    flat = (cumulative + (np.cumsum(total) - total)[:, None]).reshape(-1)  # cumulative over the stretch
    target = (np.cumsum(total) - total)[:, None] + noise.pick * total[:, None]
    second = np.minimum(np.searchsorted(flat, target.reshape(-1), side="right"), flat.size - 1)
    rows = np.repeat(np.arange(n_min), LATENCY_SAMPLES)
    second = np.clip(second, rows * 60, rows * 60 + 59)
    sigma = params.sigma_at(k.reshape(-1)[second])
    median = mean_latency.reshape(-1)[second] * np.exp(-(sigma**2) / 2)
    cold = noise.cold.reshape(-1) < cold_share.reshape(-1)[second]
    sample = 1000 * (median * np.exp(sigma * noise.spread.reshape(-1)) + params.cold_extra_s * cold)
    if wait is not None:
        sample = sample + 1000 * wait.reshape(-1)[second]
    taken = np.minimum(total, LATENCY_SAMPLES).astype(np.int64)
    sample = sample.reshape(n_min, LATENCY_SAMPLES)
    sample[np.arange(LATENCY_SAMPLES)[None, :] >= taken[:, None]] = np.inf
    ordered = np.sort(sample, axis=1)

    def quantile(levels: np.ndarray) -> np.ndarray:
        position = levels[None, :] * np.maximum(taken - 1, 0)[:, None]
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(taken - 1, 0)[:, None])
        frac = position - low
        rows_ = np.arange(n_min)[:, None]
        a, b = ordered[rows_, low], ordered[rows_, high]
        with np.errstate(invalid="ignore"):
            out = np.where(frac > 0, a + frac * (b - a), a)
        return np.where(taken[:, None] > 0, out, np.nan)

    values = quantile(HISTOGRAM_LEVELS)
    counts = total[:, None] * HISTOGRAM_WEIGHTS[None, :]
    levels = np.array(list(PERCENTILES.values()))
    at = quantile(levels)
    return values, counts, {stat: at[:, i] for i, stat in enumerate(PERCENTILES)}
