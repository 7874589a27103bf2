"""A recommendation and its evidence: every number a person needs to check it at a glance.

Nothing here decides anything; it holds what `recommend` decided, with the data that justify it, and
says why in plain sentences. The CLI, the dashboard and the lake writer all render this one object.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig
from advisor.engine.calibrate import Calibration
from advisor.engine.capacity import CapacityEstimate
from advisor.engine.forecast import Forecast
from advisor.engine.modelcheck import ModelCheck
from advisor.engine.optimize import SizeOption
from advisor.engine.simulate import PROTOCOL_MODEL, ScalingModel
from advisor.pricing.apprunner import prices_estimated

OK, INSUFFICIENT_DATA, NO_TRAFFIC = "ok", "insufficient_data", "no_traffic"
# Recommendation.action: change the configuration, keep the current one (the change is not worth it,
# engine/benefit.py), or none (nothing was recommended: too little data, no traffic, paused).
CHANGE, KEEP, NONE = "change", "keep", "none"


@dataclass(frozen=True)
class DataSummary:
    """How much history the recommendation stands on."""

    minutes: int  # minutes with a Requests datapoint
    span_minutes: int  # first to last datapoint
    requests: float
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    @property
    def days(self) -> float:
        return self.minutes / 1440

    @property
    def coverage(self) -> float:
        return self.minutes / self.span_minutes if self.span_minutes else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "days": self.days,
            "coverage": self.coverage,
            "requests": self.requests,
            "first": None if self.first is None else str(self.first),
            "last": None if self.last is None else str(self.last),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataSummary:
        """`to_dict` keeps the coverage, not the span it was computed from: the span is read back from it."""
        minutes, coverage = int(d["minutes"]), float(d["coverage"])
        return cls(
            minutes=minutes,
            span_minutes=round(minutes / coverage) if coverage else 0,
            requests=d["requests"],
            first=None if d["first"] is None else pd.Timestamp(d["first"]),
            last=None if d["last"] is None else pd.Timestamp(d["last"]),
        )


@dataclass(frozen=True)
class Outcome:
    """What one configuration does on one demand scenario, under the estimated service model."""

    config: ScalingConfig
    scenario: str
    minutes: int
    monthly_cost_usd: float
    breach_minutes: int
    throttled_requests: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": config_dict(self.config),
            "scenario": self.scenario,
            "minutes": self.minutes,
            "monthly_cost_usd": self.monthly_cost_usd,
            "breach_minutes": self.breach_minutes,
            "throttled_requests": self.throttled_requests,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Outcome:
        return cls(
            config=config_from_dict(d["config"]),
            scenario=d["scenario"],
            minutes=d["minutes"],
            monthly_cost_usd=d["monthly_cost_usd"],
            breach_minutes=d["breach_minutes"],
            throttled_requests=d["throttled_requests"],
        )


def config_dict(config: ScalingConfig, instance: InstanceSize | None = None) -> dict[str, float]:
    out: dict[str, float] = {
        "max_concurrency": config.max_concurrency,
        "min_size": config.min_size,
        "max_size": config.max_size,
    }
    if instance is not None:
        out |= {"cpu": instance.cpu_vcpu, "memory": instance.memory_gb}
    return out


def config_from_dict(d: dict[str, Any]) -> ScalingConfig:
    """The inverse of `config_dict`; a MaxSize above the quota was flagged when it was first checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QuotaWarning)
        return ScalingConfig(d["max_concurrency"], d["min_size"], d["max_size"])


@dataclass(frozen=True)
class PathStep:
    """One step of a stepwise consolidation (engine/consolidate.py), and what must be seen before it."""

    config: ScalingConfig
    knee: float  # the per-instance capacity this step assumes
    monthly_cost_usd: float  # on the forecast replay, at this step's capacity
    breach_minutes: int
    # before this step (None for the first: the history is its evidence): instances must have run at
    # `needs_concurrency` concurrent requests each for `support_minutes`, p99 under `needs_p99_ms` and
    # CPU under `needs_cpu_pct`
    needs_concurrency: float | None
    needs_p99_ms: float | None
    needs_cpu_pct: float | None
    support_minutes: int
    review_after_days: float | None  # days of data at this setting before the next review (None: the end)

    @property
    def evidence(self) -> str:
        if self.needs_concurrency is None:
            return "the history so far"
        return (
            f"instances at {self.needs_concurrency:.0f}+ concurrent requests each for {self.support_minutes} "
            f"minutes with p99 under {self.needs_p99_ms:.0f} ms and CPU under {self.needs_cpu_pct:.0f}%"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": config_dict(self.config),
            "knee": self.knee,
            "monthly_cost_usd": self.monthly_cost_usd,
            "breach_minutes": self.breach_minutes,
            "evidence": self.evidence,
            "needs_concurrency": self.needs_concurrency,
            "needs_p99_ms": self.needs_p99_ms,
            "needs_cpu_pct": self.needs_cpu_pct,
            "support_minutes": self.support_minutes,
            "review_after_days": self.review_after_days,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PathStep:
        return cls(
            config=config_from_dict(d["config"]),
            knee=d["knee"],
            monthly_cost_usd=d["monthly_cost_usd"],
            breach_minutes=d["breach_minutes"],
            needs_concurrency=d["needs_concurrency"],
            needs_p99_ms=d["needs_p99_ms"],
            needs_cpu_pct=d["needs_cpu_pct"],
            support_minutes=d["support_minutes"],
            review_after_days=d["review_after_days"],
        )


@dataclass(frozen=True)
class Recommendation:
    status: str  # OK, INSUFFICIENT_DATA or NO_TRAFFIC
    current: ScalingConfig
    instance: InstanceSize
    region: str
    profile: str
    confidence: str  # "high", "medium", "low" or "none"
    data_rule: str  # the minimum-data rule that allowed (or refused) the recommendation
    data: DataSummary
    reasons: list[str]
    recommended: ScalingConfig | None = None
    budget: float = 0.001
    breach_budget_minutes: int | None = None  # on the forecast scenario
    before: dict[str, Outcome] = field(default_factory=dict)  # scenario -> current config's outcome
    after: dict[str, Outcome] = field(default_factory=dict)  # scenario -> recommended config's outcome
    feasible: bool = True
    capacity: CapacityEstimate | None = field(default=None, repr=False)
    forecast: Forecast | None = field(default=None, repr=False)
    frontier: pd.DataFrame | None = field(default=None, repr=False)
    right_sizing: list[SizeOption] = field(default_factory=list, repr=False)
    action: str = NONE  # CHANGE, KEEP (then `recommended` is `current`) or NONE (`recommended` is None)
    candidate: ScalingConfig | None = None  # on KEEP: the best configuration found, not worth the change
    candidate_after: dict[str, Outcome] = field(default_factory=dict)  # scenario -> the candidate's outcome
    calibration: Calibration | None = field(default=None, repr=False)  # the model's fitted parameters
    model_check: ModelCheck | None = field(default=None, repr=False)  # the model against what was observed
    path: list[PathStep] = field(default_factory=list)  # a stepwise consolidation: this step first; or []

    @property
    def keep(self) -> bool:
        return self.action == KEEP

    @property
    def best_found(self) -> ScalingConfig | None:
        """The optimizer's pick, whether or not it was worth the change (the candidate on KEEP)."""
        return self.candidate if self.keep else self.recommended

    @property
    def monthly_cost_current_usd(self) -> float | None:
        return self.before["forecast"].monthly_cost_usd if "forecast" in self.before else None

    @property
    def monthly_cost_recommended_usd(self) -> float | None:
        return self.after["forecast"].monthly_cost_usd if "forecast" in self.after else None

    @property
    def monthly_savings_usd(self) -> float | None:
        if self.monthly_cost_current_usd is None or self.monthly_cost_recommended_usd is None:
            return None
        return self.monthly_cost_current_usd - self.monthly_cost_recommended_usd

    @property
    def prices_estimate(self) -> bool:
        """Whether the money is an estimate: no published App Runner rate for the region (docs/pricing.md)."""
        return prices_estimated(self.region)

    @property
    def forecast_outcomes(self) -> tuple[Outcome, Outcome] | None:
        """(current, recommended) replayed on the forecast: the comparison a person reads first."""
        if "forecast" in self.before and "forecast" in self.after:
            return self.before["forecast"], self.after["forecast"]
        return None

    @property
    def breach_minutes_expected(self) -> int | None:
        return self.after["forecast"].breach_minutes if "forecast" in self.after else None

    def to_dict(self) -> dict[str, Any]:
        """Everything the dashboard charts: plain JSON-ready values."""
        current = self.monthly_cost_current_usd
        savings = self.monthly_savings_usd
        return {
            "status": self.status,
            "action": self.action,
            "profile": self.profile,
            "region": self.region,
            "current": config_dict(self.current, self.instance),
            "recommended": None if self.recommended is None else config_dict(self.recommended, self.instance),
            "monthly_cost_current_usd": current,
            "monthly_cost_recommended_usd": self.monthly_cost_recommended_usd,
            "monthly_savings_usd": savings,
            "savings_pct": None if not current or savings is None else 100 * savings / current,
            "prices_estimate": self.prices_estimate,
            "breach_minutes_expected": self.breach_minutes_expected,
            "breach_budget_minutes": self.breach_budget_minutes,
            "budget": self.budget,
            "feasible": self.feasible,
            "confidence": self.confidence,
            "data_rule": self.data_rule,
            "data": self.data.to_dict(),
            "reasons": list(self.reasons),
            "before": {k: v.to_dict() for k, v in self.before.items()},
            "after": {k: v.to_dict() for k, v in self.after.items()},
            "knee": None if self.capacity is None else self.capacity.to_dict(),
            "forecast": None if self.forecast is None else self.forecast.to_dict(),
            "frontier": [] if self.frontier is None else self.frontier.to_dict("records"),
            "right_sizing": [o.to_dict() for o in self.right_sizing],
            "candidate": None if self.candidate is None else config_dict(self.candidate, self.instance),
            "candidate_after": {k: v.to_dict() for k, v in self.candidate_after.items()},
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "model_check": [] if self.model_check is None else self.model_check.rows_dicts(),
            "model_check_summary": None if self.model_check is None else self.model_check.summary_dict(),
            "path": [s.to_dict() for s in self.path],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Recommendation:
        """The inverse of `to_dict` (as the lake's evidence stores it): `from_dict(d).to_dict() == d`. The
        derived figures (costs, savings, expected breaches) are recomputed from the outcomes."""
        current = d["current"]
        recommended = None if d["recommended"] is None else config_from_dict(d["recommended"])
        candidate = d.get("candidate")
        check = d.get("model_check_summary")  # evidence written before the model check had none
        return cls(
            status=d["status"],
            current=config_from_dict(current),
            instance=InstanceSize(current["cpu"], current["memory"]),
            region=d["region"],
            profile=d["profile"],
            confidence=d["confidence"],
            data_rule=d["data_rule"],
            data=DataSummary.from_dict(d["data"]),
            reasons=list(d["reasons"]),
            recommended=recommended,
            budget=d["budget"],
            breach_budget_minutes=d["breach_budget_minutes"],
            before={k: Outcome.from_dict(v) for k, v in d["before"].items()},
            after={k: Outcome.from_dict(v) for k, v in d["after"].items()},
            feasible=d["feasible"],
            capacity=None if d["knee"] is None else CapacityEstimate.from_dict(d["knee"]),
            forecast=None if d["forecast"] is None else Forecast.from_dict(d["forecast"]),
            frontier=pd.DataFrame.from_records(d["frontier"]) if d["frontier"] else None,
            right_sizing=[SizeOption.from_dict(o) for o in d["right_sizing"]],
            # evidence written before the minimum-benefit rule knew no "keep": a configuration was a change
            action=d.get("action", NONE if recommended is None else CHANGE),
            candidate=None if candidate is None else config_from_dict(candidate),
            candidate_after={k: Outcome.from_dict(v) for k, v in d.get("candidate_after", {}).items()},
            # evidence written before calibration: the replay then uses the protocol's delays
            calibration=Calibration.from_dict(d["calibration"]) if d.get("calibration") else None,
            model_check=None if check is None else ModelCheck.from_dicts(check, d["model_check"]),
            path=[PathStep.from_dict(s) for s in d.get("path", [])],  # evidence from before paths has none
        )


def outcome_risks(outcome: Outcome | None) -> list[str]:
    """What one configuration risks on one replay: throttling (429s), else latency above the objective."""
    if outcome is not None and outcome.throttled_requests > 0:
        return ["throttling"]
    if outcome is not None and outcome.breach_minutes > 0:
        return ["latency"]
    return []


def risk_badges(rec: Recommendation) -> list[str]:
    """What the current configuration risks, from its replay on history: throttling (429s), latency
    above the objective, or a warm pool smaller than the recommendation's (cold starts on rises)."""
    badges = outcome_risks(rec.before.get("history"))
    if rec.recommended is not None and rec.recommended.min_size > rec.current.min_size:
        badges.append("cold starts")
    return badges


def recommended_risk_badges(rec: Recommendation) -> list[str]:
    """What the recommended configuration risks, from its replay on the same history (none recommended:
    nothing)."""
    return outcome_risks(rec.after.get("history")) if rec.recommended is not None else []


def capacity_finding(c: CapacityEstimate) -> str:
    """The estimate in one line, as the evidence keeps it (`CapacityEstimate.reason`, under the chart)."""
    if c.knee_observed:
        finding = f"p99 latency or CPU reach their limit at {c.knee:.1f} concurrent requests per instance"
    elif not c.extrapolated:
        finding = (
            f"the service never ran hot: latency and CPU stayed within limits up to "
            f"{c.max_observed_concurrency:.1f} concurrent requests per instance, the most it was seen to "
            "handle; higher may be fine but is unproven"
        )
    else:
        finding = (
            f"the service never ran hot: latency and CPU stayed within limits up to "
            f"{c.max_observed_concurrency:.1f} concurrent requests per instance; CPU grows by "
            f"{c.cpu_per_request_pct or 0.0:.2f}% per concurrent request and would reach "
            f"{c.settings.cpu_limit_pct:.0f}% at about {c.cpu_extrapolated_knee or 0.0:.0f}. Capacity is "
            f"taken as {c.knee:.1f} (limited by {c.limited_by}): extrapolated, not observed, so the next "
            "review should check it once instances run at the new level"
        )
    if c.unloaded_uncertain:
        finding += f"; the unloaded latency is uncertain ({c.unloaded_basis})"
    return finding


def capacity_reason(capacity: CapacityEstimate) -> str:
    c = capacity
    unloaded = ""
    if c.unloaded_uncertain:
        unloaded = (
            f" The unloaded latency ({1000 * c.unloaded_latency_s:.0f} ms) is uncertain: {c.unloaded_basis}."
        )
    elif c.unloaded_basis.startswith("Little"):
        unloaded = (
            f" The unloaded latency ({1000 * c.unloaded_latency_s:.0f} ms) comes from {c.unloaded_basis}."
        )
    if not c.knee_observed and c.extrapolated:
        return (
            f"Knee not observed: p99 latency stayed near {c.unloaded_p99_ms:.0f} ms and CPU under "
            f"{c.settings.cpu_limit_pct:.0f}% up to {c.max_observed_concurrency:.0f} concurrent requests per "
            f"instance, the most seen. CPU rises about linearly with load and would reach "
            f"{c.settings.cpu_limit_pct:.0f}% near {c.cpu_extrapolated_knee:.0f}; capacity is taken as "
            f"{c.knee:.1f} per instance (limited by {c.limited_by}), an extrapolation never beyond "
            f"{c.settings.extrapolation_cap:g}x the most seen, so the next review can go further once "
            f"instances run at this level." + unloaded
        )
    if not c.knee_observed:
        return (
            f"Knee not observed: p99 latency stayed near {c.unloaded_p99_ms:.0f} ms and CPU under "
            f"{c.settings.cpu_limit_pct:.0f}% up to {c.max_observed_concurrency:.0f} concurrent requests per "
            f"instance, the most seen; MaxConcurrency is held at or below that until the service runs hotter."
            + unloaded
        )
    return (
        f"Each instance handles up to {c.knee:.1f} concurrent requests before p99 latency passes "
        f"{c.latency_limit_ms:.0f} ms ({c.settings.slo_factor:g}x the unloaded {c.unloaded_p99_ms:.0f} ms) "
        f"or CPU passes {c.settings.cpu_limit_pct:.0f}% (limited by {c.limited_by}; "
        f"{c.minutes_used:,} minutes of data)." + unloaded
    )


def forecast_reason(fc: Forecast, quantile: float, recent_days: float) -> str:
    growth = fc.growth_at(quantile)
    bt = fc.backtest
    error = f"; backtest error {100 * bt.mape:.0f}% per hour over {bt.origins} tries" if bt.mape else ""
    return (
        f"Traffic over the next {fc.settings.horizon_days:g} days ({' + '.join(fc.components)} model): busy "
        f"hours at {growth:.2f}x the last {recent_days:g} days at the {100 * quantile:g}% level, peak "
        f"minute about {fc.peak(quantile):.0f} concurrent requests{error}."
    )


def config_reasons(
    rec: ScalingConfig,
    knee: float,
    fewer_warm_breaches: int | None,
    allowed: int,
    peak: float,
    model: ScalingModel = PROTOCOL_MODEL,
) -> list[str]:
    """Why each knob is what it is; the delays are the replay's (calibrated, or the protocol's)."""
    out = [
        f"MaxConcurrency {rec.max_concurrency}: "
        + (
            f"at or under the knee ({math.floor(knee)}): no instance gets more than it serves well."
            if rec.max_concurrency <= math.floor(knee)
            else f"above the knee ({math.floor(knee)}) because the {model.scale_in_hold_min}-minute scale-in "
            "hold keeps spare instances; the replay counts every minute an instance goes past the knee."
        )
    ]
    if rec.min_size > 1 and fewer_warm_breaches is not None:
        out.append(
            f"MinSize {rec.min_size}: App Runner takes about {_minutes(model.scale_out_delay_min)} to add an "
            "instance; with one warm "
            f"instance fewer, sudden rises would breach {fewer_warm_breaches} minutes (budget {allowed})."
        )
    need = math.ceil(peak / max(rec.max_concurrency, 1))
    out.append(
        f"MaxSize {rec.max_size}: the busiest minute seen or forecast (~{peak:.0f} concurrent requests) "
        f"needs about {need} instances; MaxSize caps runaway cost, not set to turn peaks into 429s."
    )
    return out


def _minutes(n: int) -> str:
    return "a minute" if n == 1 else f"{n} minutes"


def money_reason(before: Outcome, after: Outcome, budget_minutes: int) -> str:
    saved = before.monthly_cost_usd - after.monthly_cost_usd
    verb = "saves" if saved >= 0 else "costs"
    share = abs(saved) / before.monthly_cost_usd if before.monthly_cost_usd else 0.0
    return (
        f"Against the current {before.config}: {verb} ${abs(saved):,.2f}/month ({share:.0%}); breach "
        f"minutes in the forecast replay {before.breach_minutes} -> {after.breach_minutes} "
        f"(budget {budget_minutes}), "
        f"throttled requests {before.throttled_requests:,.0f} -> {after.throttled_requests:,.0f}."
    )


def sizing_reason(options: list[SizeOption], instance: InstanceSize, current_cost: float) -> str | None:
    best = next((o for o in options if o.feasible and o.monthly_cost_usd is not None), None)
    if best is None or best.monthly_cost_usd is None or best.instance == instance or current_cost <= 0:
        return None
    saving = 1 - best.monthly_cost_usd / current_cost
    if saving < 0.05:
        return None
    return (
        f"Right-sizing: {best.instance} with {best.config} would cost ${best.monthly_cost_usd:,.2f}/month "
        f"({saving:.0%} less; knee {best.knee:.0f}, {best.basis}); it needs a redeploy, so it is not applied."
    )


def path_reason(path: list[PathStep], projected_knee: float) -> str:
    """The stepwise consolidation in one paragraph: this step, each next one with its evidence, the end
    (where the CPU line, or a rising latency line, says capacity runs out: `projected_knee`)."""
    first, end = path[0], path[-1]
    nexts = "; ".join(
        f"then {s.config} (${s.monthly_cost_usd:,.2f}/month, capacity {s.knee:.0f}) once the data show "
        f"{s.evidence}"
        for s in path[1:]
    )
    return (
        f"Consolidation in steps: capacity far beyond the load seen is unproven, so this step is "
        f"{first.config} (${first.monthly_cost_usd:,.2f}/month); review after "
        f"{first.review_after_days:g} days of data at it; {nexts}. Projected end state, if capacity holds "
        f"to where the CPU line reaches its limit ({projected_knee:.0f} concurrent requests per instance): "
        f"{end.config} at about ${end.monthly_cost_usd:,.2f}/month."
    )
