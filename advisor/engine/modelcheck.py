"""The model against what CloudWatch and Cost Explorer saw: replay the current configuration, compare.

Every figure the advisor shows comes from its scaling model, so before those figures are trusted the
model replays the configuration the service actually ran over the collected history (demand from the
metrics, exactly as the recommender derives it) and is compared with what was observed there:

- active instance hours: modeled A(t) summed / 60 against ActiveInstances_Average summed / 60, on the
  minutes CloudWatch reported ActiveInstances (or had no Requests either: nothing ran, nothing active).
  vCPU is billed on these hours, so an error here is an error in the bill.
- throttled requests: the replay's requests above what the ready instances accept, against the 4xx above
  the service's own baseline. The baseline is the 4xx rate (4xx / Requests, summed) on quiet minutes:
  minutes whose per-instance concurrency (Concurrency / ActiveInstances), and that of the minutes either
  side, stayed at most `quiet_share` of MaxConcurrency, where App Runner has no reason to answer 429.
  Throttled = total 4xx - baseline x total Requests (at least 0): per-minute excesses would count the
  noise of every minute as throttling. With fewer than `min_baseline_minutes` quiet minutes (or no
  Concurrency metric) the baseline is the median minute's 4xx rate instead, as throttling touches few
  minutes; the row says which.
- latency-breach minutes: the replay's minutes past the latency objective against minutes whose p99
  passed the capacity estimate's latency limit, among the minutes with at least `min_p99_requests`
  requests: CloudWatch's p99 of a handful of requests is the slowest of them, so one slow request would
  make a quiet minute "breach" whatever the load (the replay judges load; it cannot judge that).
- cost: the replay's bill per UTC day against Cost Explorer's (UnblendedCost of the service), summed
  over the whole days both cover; without Cost Explorer data the row says so and why.

A configuration change inside the window would make the replay of the current configuration wrong for
the minutes before it, so the check is restricted to the minutes since the current configuration took
effect (`since`); the caller reads that from the inventory and the audit log.

A large error lowers the recommendation's confidence by one step and says which quantity was off and by
how much (`ModelCheck.reasons`). The thresholds are plain numbers in `ModelCheckSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.optimize import allowed_breaches
from advisor.engine.simulate import ScalingModel, simulate
from advisor.engine.telemetry import column, demand_from_metrics

REQUESTS = column("Requests", "Sum")
ACTIVE = column("ActiveInstances", "Average")
CONCURRENCY = column("Concurrency", "Average")
CLIENT_ERRORS = column("4xxStatusResponses", "Sum")  # the 429s of throttled requests are counted here
LATENCY_P99 = column("RequestLatency", "p99")

ACTIVE_HOURS, THROTTLED, LATENCY_BREACH, COST = (
    "active instance hours",
    "throttled requests",
    "latency-breach minutes",
    "cost",
)
NO_COST_DATA = "no Cost Explorer data"
CONFIDENCE_STEPS = ("high", "medium", "low")
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class ModelCheckSettings:
    """What counts as a large error, and how much history the check needs."""

    active_hours_tolerance: float = 0.25  # |modeled - observed| above this share of observed: off
    cost_tolerance: float = 0.25
    # Counts (breach minutes, throttled requests) are off when they are more apart than the error budget
    # allows (`budget` of the minutes; `budget` x the requests) and than `count_tolerance` of observed:
    # a configuration that breaches all day can be off by more than the budget and still be well modeled.
    budget: float = 0.001
    count_tolerance: float = 0.25
    min_minutes: int = 360  # under the current configuration; fewer: nothing is judged
    quiet_share: float = 0.5  # per-instance concurrency at most this share of MaxConcurrency: quiet
    min_baseline_minutes: int = 60
    min_p99_requests: float = 100.0  # a minute's p99 is a 99th percentile from 100 requests on


@dataclass(frozen=True)
class CheckRow:
    """One quantity, modeled against observed. `error_pct` = 100 (modeled - observed) / observed."""

    quantity: str
    unit: str
    modeled: float | None
    observed: float | None
    error_pct: float | None  # None: not measurable (nothing observed, or one side missing)
    off: bool = False  # the error is large enough to doubt the model's figures
    note: str = ""  # how it was measured, or why a side is missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "modeled": self.modeled,
            "observed": self.observed,
            "error_pct": self.error_pct,
            "unit": self.unit,
            "off": self.off,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckRow:
        return cls(d["quantity"], d["unit"], d["modeled"], d["observed"], d["error_pct"], d["off"], d["note"])


@dataclass(frozen=True)
class ModelCheck:
    """The replay of the current configuration against what was observed, and the verdict."""

    minutes: int  # minutes replayed (since the current configuration took effect)
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    verdict: str
    rows: list[CheckRow] = field(default_factory=list)

    @property
    def off(self) -> list[CheckRow]:
        return [r for r in self.rows if r.off]

    def row(self, quantity: str) -> CheckRow | None:
        return next((r for r in self.rows if r.quantity == quantity), None)

    def lowered(self, confidence: str) -> str:
        """`confidence` one step lower when a quantity is off ("low" stays low, "none" stays none)."""
        if not self.off or confidence not in CONFIDENCE_STEPS:
            return confidence
        return CONFIDENCE_STEPS[min(CONFIDENCE_STEPS.index(confidence) + 1, len(CONFIDENCE_STEPS) - 1)]

    def reasons(self, confidence: str) -> list[str]:
        """Why the confidence drops from `confidence` (empty when nothing is off)."""
        if not self.off:
            return []
        step = f"confidence {confidence} -> {self.lowered(confidence)}"
        return [f"Model check ({step}): {_off_sentence(r)}" for r in self.off]

    def summary_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "first": None if self.first is None else str(self.first),
            "last": None if self.last is None else str(self.last),
            "verdict": self.verdict,
        }

    def rows_dicts(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]

    @classmethod
    def from_dicts(cls, summary: dict[str, Any], rows: list[dict[str, Any]]) -> ModelCheck:
        """The inverse of (`summary_dict`, `rows_dicts`), as the evidence keeps them."""
        return cls(
            minutes=summary["minutes"],
            first=None if summary["first"] is None else pd.Timestamp(summary["first"]),
            last=None if summary["last"] is None else pd.Timestamp(summary["last"]),
            verdict=summary["verdict"],
            rows=[CheckRow.from_dict(r) for r in rows],
        )


def error_pct(modeled: float | None, observed: float | None) -> float | None:
    if modeled is None or observed is None:
        return None
    if observed == 0:
        return 0.0 if modeled == 0 else None
    return 100.0 * (modeled - observed) / observed


def _relative_off(modeled: float, observed: float, tolerance: float) -> bool:
    return abs(modeled - observed) > tolerance * observed if observed > 0 else modeled > 0


def _off_sentence(r: CheckRow) -> str:
    by = "" if r.error_pct is None else f" ({r.error_pct:+.0f}%)"
    if r.quantity == ACTIVE_HOURS:
        low = "low" if (r.modeled or 0) < (r.observed or 0) else "high"
        return (
            f"the model counted {r.modeled:,.0f} active-instance hours where CloudWatch saw "
            f"{r.observed:,.0f}{by}: its vCPU cost may be {low} by as much."
        )
    if r.quantity == COST:
        return (
            f"the model billed ${r.modeled:,.2f} where Cost Explorer billed ${r.observed:,.2f}{by} "
            f"({r.note}): its monthly costs are off by as much."
        )
    if r.quantity == THROTTLED:
        return (
            f"the model throttled {r.modeled:,.0f} requests where CloudWatch's 4xx above the baseline "
            f"show {r.observed:,.0f}{by}: its throttling risk is not to be taken at face value."
        )
    return (
        f"the model counted {r.modeled:,.0f} latency-breach minutes where p99 passed the limit on "
        f"{r.observed:,.0f}{by}, more apart than the error budget ({r.note}): its breach figures are "
        "not to be taken at face value."
    )


def _active_hours(replay: pd.DataFrame, frame: pd.DataFrame, settings: ModelCheckSettings) -> CheckRow:
    if ACTIVE not in frame:
        return CheckRow(
            ACTIVE_HOURS, "instance-hours", None, None, None, note="CloudWatch reported no ActiveInstances"
        )
    observed = frame[ACTIVE].reindex(replay.index)
    no_requests = frame[REQUESTS].reindex(replay.index).isna()
    observed = observed.where(observed.notna() | ~no_requests, 0.0)  # no requests: nothing was active
    seen = observed.notna().to_numpy()
    modeled_h = float(replay["active"].to_numpy()[seen].sum() / 60.0)
    observed_h = float(observed.to_numpy()[seen].sum() / 60.0)
    return CheckRow(
        ACTIVE_HOURS,
        "instance-hours",
        modeled_h,
        observed_h,
        error_pct(modeled_h, observed_h),
        _relative_off(modeled_h, observed_h, settings.active_hours_tolerance),
        f"{int(seen.sum()):,} minutes with ActiveInstances",
    )


def _quiet_minutes(frame: pd.DataFrame, config: ScalingConfig, share: float) -> pd.Series:
    """Minutes (and their neighbours) whose per-instance concurrency left room: no reason for a 429."""
    per_instance = frame[CONCURRENCY] / frame[ACTIVE].where(frame[ACTIVE] > 0)
    quiet = (per_instance <= share * config.max_concurrency).fillna(False)
    return quiet & quiet.shift(1, fill_value=False) & quiet.shift(-1, fill_value=False)


def baseline_4xx_rate(
    frame: pd.DataFrame, config: ScalingConfig, settings: ModelCheckSettings
) -> tuple[float, str]:
    """(the service's own 4xx rate when it is not throttling, how it was measured)."""
    requests, errors = frame[REQUESTS].fillna(0.0), frame[CLIENT_ERRORS].fillna(0.0)
    if CONCURRENCY in frame and ACTIVE in frame:
        quiet = _quiet_minutes(frame, config, settings.quiet_share) & (requests > 0)
        if int(quiet.sum()) >= settings.min_baseline_minutes and requests[quiet].sum() > 0:
            rate = float(errors[quiet].sum() / requests[quiet].sum())
            return rate, f"baseline 4xx rate {rate:.2%} on {int(quiet.sum()):,} quiet minutes"
    served = requests > 0
    rate = float((errors[served] / requests[served]).median()) if served.any() else 0.0
    return rate, f"baseline 4xx rate {rate:.2%}: the median minute's (too few quiet minutes)"


def _throttled(
    replay: pd.DataFrame, frame: pd.DataFrame, config: ScalingConfig, settings: ModelCheckSettings
) -> CheckRow:
    modeled = float(replay["throttled_requests"].sum())
    if CLIENT_ERRORS not in frame:
        return CheckRow(THROTTLED, "requests", modeled, None, None, note="CloudWatch reported no 4xx counts")
    rate, how = baseline_4xx_rate(frame, config, settings)
    requests = float(frame[REQUESTS].fillna(0.0).sum())
    observed = max(0.0, float(frame[CLIENT_ERRORS].fillna(0.0).sum()) - rate * requests)
    off = abs(modeled - observed) > settings.budget * requests and _relative_off(
        modeled, observed, settings.count_tolerance
    )
    return CheckRow(THROTTLED, "requests", modeled, observed, error_pct(modeled, observed), off, how)


def _latency_breaches(
    replay: pd.DataFrame, frame: pd.DataFrame, limit_ms: float | None, settings: ModelCheckSettings
) -> CheckRow:
    judged = (frame[REQUESTS].fillna(0.0) >= settings.min_p99_requests).to_numpy()
    modeled = float(replay["latency_breach"].to_numpy()[judged].sum())
    if limit_ms is None or LATENCY_P99 not in frame:
        why = "no latency limit" if limit_ms is None else "CloudWatch reported no p99 latency"
        return CheckRow(LATENCY_BREACH, "minutes", modeled, None, None, note=why)
    observed = float((frame[LATENCY_P99] > limit_ms).to_numpy()[judged].sum())
    allowed = allowed_breaches(len(replay), settings.budget)
    off = abs(modeled - observed) > allowed and _relative_off(modeled, observed, settings.count_tolerance)
    note = (
        f"p99 above {limit_ms:.0f} ms on minutes with {settings.min_p99_requests:.0f}+ requests; budget "
        f"{allowed:,} minutes"
    )
    return CheckRow(LATENCY_BREACH, "minutes", modeled, observed, error_pct(modeled, observed), off, note)


def _utc_days(index: pd.Index) -> pd.DatetimeIndex:
    days = pd.DatetimeIndex(index)
    return (days.tz_localize("UTC") if days.tz is None else days.tz_convert("UTC")).floor("D")


def _cost(replay: pd.DataFrame, observed: pd.Series | None, settings: ModelCheckSettings) -> CheckRow:
    by_day = replay["cost_usd"].groupby(_utc_days(replay.index)).agg(["sum", "count"])
    whole = by_day[by_day["count"] == MINUTES_PER_DAY]
    if observed is None:
        why = (
            f"{NO_COST_DATA}: no bill was given (a trace or a metrics file has none; from a lake, collect "
            "reads Cost Explorer where the account allows ce:GetCostAndUsageWithResources)"
        )
        return CheckRow(COST, "USD", None, None, None, note=why)
    bill = pd.Series(observed.to_numpy(dtype=float), index=_utc_days(observed.index)).groupby(level=0).sum()
    if bill.empty:
        why = (
            f"{NO_COST_DATA}: the lake holds no Cost Explorer cost for this service (costs not collected, "
            "no ce:GetCostAndUsageWithResources permission, or no resource-level data)"
        )
        return CheckRow(COST, "USD", None, None, None, note=why)
    days = whole.index.intersection(bill.index)
    if days.empty:
        why = f"{NO_COST_DATA} on a whole day of the replay ({len(bill)} days billed, none fully replayed)"
        return CheckRow(COST, "USD", None, None, None, note=why)
    modeled, billed = float(whole.loc[days, "sum"].sum()), float(bill.loc[days].sum())
    note = f"{len(days)} whole UTC days, {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}"
    off = _relative_off(modeled, billed, settings.cost_tolerance)
    return CheckRow(COST, "USD", modeled, billed, error_pct(modeled, billed), off, note)


def _verdict(rows: list[CheckRow]) -> str:
    off = [r.quantity for r in rows if r.off]
    if off:
        return f"The model is off on {', '.join(off)}: the figures that rest on it are less certain."
    checked = [r.quantity for r in rows if r.error_pct is not None]
    return f"The model matches what was observed on {', '.join(checked) or 'nothing measurable'}."


def model_check(
    frame: pd.DataFrame,
    config: ScalingConfig,
    instance: InstanceSize,
    region: str,
    model: ScalingModel,
    observed_daily_cost: pd.Series | None = None,
    *,
    latency_limit_ms: float | None = None,
    since: pd.Timestamp | None = None,
    settings: ModelCheckSettings = ModelCheckSettings(),
) -> ModelCheck:
    """Replay `config` over the metrics since it took effect with `model`; compare with what was observed.

    `observed_daily_cost`: UTC day -> USD from Cost Explorer (None: not read). `latency_limit_ms`: the p99
    the capacity estimate calls too slow. `since`: when `config` took effect (None: the whole frame).
    """
    if since is not None:
        frame = frame[frame.index >= since]
    present = frame[REQUESTS].dropna() if REQUESTS in frame else pd.Series(dtype=float)
    span = int((present.index[-1] - present.index[0]) / pd.Timedelta(minutes=1)) + 1 if len(present) else 0
    first, last = (present.index[0], present.index[-1]) if span else (None, None)
    if span < settings.min_minutes:
        verdict = (
            f"Not checked: {span:,} minutes of Requests under {config}, at least {settings.min_minutes:,} "
            "are needed to compare the model with what was observed."
        )
        return ModelCheck(span, first, last, verdict)
    demand = demand_from_metrics(frame, model.latency_s)
    replay = simulate(demand, config, instance, region, model).per_minute
    frame = frame.reindex(replay.index)
    rows = [
        _active_hours(replay, frame, settings),
        _throttled(replay, frame, config, settings),
        _latency_breaches(replay, frame, latency_limit_ms, settings),
        _cost(replay, observed_daily_cost, settings),
    ]
    return ModelCheck(span, first, last, _verdict(rows), rows)
