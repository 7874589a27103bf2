"""From a service's metrics to a recommendation: capacity, forecast, optimize, explain.

The only input is what CloudWatch reports (a wide frame: UTC-minute index, f"{metric}_{stat}" columns),
the service's current configuration, instance size and region. The lake reader, the sandbox and
`recommend --from-trace` all hand over that same frame, so each is a thin adapter over `recommend`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import cast

import pandas as pd

from advisor.domain import MAX_SIZE_QUOTA, InstanceSize, ScalingConfig
from advisor.engine import explain
from advisor.engine.benefit import MinimumBenefit, Verdict, judge
from advisor.engine.calibrate import CalibrationSettings, calibrate
from advisor.engine.capacity import CapacityEstimate, CapacitySettings, CapacityUnknown, estimate_capacity
from advisor.engine.consolidate import PathSettings, consolidation_path
from advisor.engine.explain import DataSummary, Outcome, Recommendation
from advisor.engine.forecast import Forecast, ForecastSettings, forecast, hourly_means
from advisor.engine.modelcheck import ModelCheckSettings, model_check
from advisor.engine.optimize import (
    OptimizationResult,
    Scenario,
    SizeOption,
    SizingEvidence,
    allowed_breaches,
    optimize,
    profile_named,
    right_size,
    within_quota,
)
from advisor.engine.profiles import Profile
from advisor.engine.simulate import ScalingModel, simulate
from advisor.engine.telemetry import column, demand_from_metrics

REQUESTS = column("Requests", "Sum")
MINUTE = pd.Timedelta(minutes=1)


@dataclass(frozen=True)
class RecommendSettings:
    profile: str = "balanced"
    budget: float = 0.001  # SLO error budget: share of minutes allowed to breach
    horizon_days: float = 7.0  # how long the recommendation should hold (the forecast's horizon)
    history_days: float = 14.0  # recent history replayed minute by minute (CloudWatch keeps 15 days)
    min_days: float = 1.0  # below: no recommendation (not one full daily cycle)
    confident_days: float = 7.0  # below: low confidence (not one full weekly cycle)
    min_coverage: float = 0.9  # share of minutes with data below which confidence drops
    max_size_headroom: float = 0.2  # MaxSize covers the busiest minute seen or forecast, plus this
    surge_factor: float = 2.0  # a day whose busiest minute is this many times the median day's is a surge
    surge_max_days: int = 2  # a one-off event lasts at most a day, so it touches at most two UTC days
    # An episode is over when every day since has been quieter by this factor (busy hours) ...
    decline_factor: float = 1.5
    decline_min_days: int = 3  # ... for at least this many days: a weekend alone is not a decline
    right_size: bool = True
    # MaxSize the grid may go up to: App Runner's default quota (25); an account with a raised quota
    # (Service Quotas) may set more, and the recommendation then goes up to it.
    max_size_limit: int = MAX_SIZE_QUOTA
    benefit: MinimumBenefit = field(default_factory=MinimumBenefit)  # below it: keep current
    capacity: CapacitySettings = field(default_factory=CapacitySettings)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    model_check: ModelCheckSettings = field(default_factory=ModelCheckSettings)  # its budget is `budget`
    path: PathSettings = field(default_factory=PathSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)


def summarize_data(frame: pd.DataFrame) -> DataSummary:
    if REQUESTS not in frame or frame.empty:
        return DataSummary(0, 0, 0.0)
    present = frame[REQUESTS].dropna()
    if present.empty:
        return DataSummary(0, 0, 0.0)
    span = int((present.index[-1] - present.index[0]) / MINUTE) + 1
    return DataSummary(len(present), span, float(present.sum()), present.index[0], present.index[-1])


def refusal(
    status: str,
    rule: str,
    data: DataSummary,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str,
    settings: RecommendSettings,
) -> Recommendation:
    """A Recommendation without a configuration, saying why (the minimum-data rule, a pause, ...)."""
    return Recommendation(
        status=status,
        current=current,
        instance=instance,
        region=region,
        profile=settings.profile,
        confidence="none",
        data_rule=rule,
        data=data,
        reasons=[rule],
        budget=settings.budget,
    )


def _data_rule(data: DataSummary, settings: RecommendSettings) -> tuple[str | None, str]:
    """(status if refused, the rule in words)."""
    if data.days < settings.min_days:
        return explain.INSUFFICIENT_DATA, (
            f"No recommendation: {data.minutes:,} minutes of metrics; at least {settings.min_days:g} day "
            f"({settings.min_days * 1440:,.0f} minutes, one full daily cycle) is needed."
        )
    if data.requests <= 0:
        return explain.NO_TRAFFIC, (
            f"No recommendation: no requests in {data.days:.1f} days, so there is nothing to size from. "
            "App Runner cannot scale to zero; pause the service if it is unused."
        )
    if data.days < settings.confident_days:
        return None, (
            f"Low confidence: {data.days:.1f} days of metrics, under the {settings.confident_days:g} days "
            "of a full weekly cycle."
        )
    return (
        None,
        f"{data.days:.1f} days of metrics (at least {settings.confident_days:g}): full confidence rules.",
    )


def _confidence(data: DataSummary, capacity: CapacityEstimate, settings: RecommendSettings) -> str:
    if data.days < settings.confident_days:
        return "low"
    if not capacity.knee_observed or capacity.unloaded_uncertain or data.coverage < settings.min_coverage:
        return "medium"  # an extrapolated knee or an uncertain unloaded latency is never high confidence
    return "high"


def _days(index: pd.Index) -> pd.DatetimeIndex:
    """The UTC day of each minute of a per-minute (DatetimeIndex) series."""
    return cast(pd.DatetimeIndex, index).floor("D")


def one_off_surge(demand: pd.Series, settings: RecommendSettings) -> list[pd.Timestamp]:
    """The UTC days of the one surge in the recent history, when there is exactly one; else none.

    A surge day's busiest minute is `surge_factor` times the median day's. Consecutive surge days are one
    event (a launch can straddle midnight); one lasting longer than `surge_max_days` is an episode with a
    level of its own. Seen once in `history_days` and over before the history ends, the event is an
    outlier, not the service's level: it is neither forecast nor replayed (its breach minutes would
    otherwise set MinSize, and its hours the forecast's level, for traffic that does not come back).
    MaxSize still covers its busiest minute. Two or more events mean surges recur, and one still going
    on at the end of the history may be the new level: both are kept.
    """
    recent = demand[demand.index > demand.index[-1] - pd.Timedelta(days=settings.history_days)]
    peaks = recent.groupby(_days(recent.index)).max()
    if len(peaks) < settings.confident_days or not peaks.median() > 0:
        return []
    surge = peaks.index[(peaks > settings.surge_factor * peaks.median()).to_numpy()]
    if surge.empty or surge[-1] == peaks.index[-1] or len(surge) > settings.surge_max_days:
        return []
    if len(surge) - 1 != int((surge[-1] - surge[0]) / pd.Timedelta(days=1)):
        return []  # not one run of consecutive days: the surges recur
    return list(surge)


def surge_reason(surge: list[pd.Timestamp], demand: pd.Series) -> str:
    days = f"{surge[0]:%Y-%m-%d}" + (f" to {surge[-1]:%Y-%m-%d}" if len(surge) > 1 else "")
    on = _days(demand.index).isin(surge)
    peaks = demand.groupby(_days(demand.index)).max()
    ratio = float(demand[on].max() / peaks[~peaks.index.isin(surge)].median())
    return (
        f"A one-off surge ({days} UTC, busiest minute x{ratio:.1f} a typical day's) is set aside: seen once "
        "and over, it is neither forecast nor sized for; MaxSize still covers it."
    )


def level_over(demand: pd.Series, settings: RecommendSettings) -> list[pd.Timestamp]:
    """The UTC days of an episode that is over: traffic fell after it and has stayed lower since.

    An episode longer than a one-off surge (a launch week, a campaign, a migration's double traffic) has
    a level of its own while it lasts; once the busy hours of every day since, for at least
    `decline_min_days` (more than a weekend), are `decline_factor` times quieter, that level is history.
    Only an episode longer than `surge_max_days`: a day or two of news-driven traffic is a surge, and
    surges recur unless `one_off_surge` finds just the one.
    Replayed, its sudden rises would size the warm pool (MinSize) for traffic that has gone, and its hours
    would set the forecast's level: its days are set aside as a one-off surge's are, and MaxSize still
    covers its busiest minute should it return. The busy days must be one run: busy days that recur (a
    weekly peak) are the service's cycle, not an episode.
    """
    recent = demand[demand.index > demand.index[-1] - pd.Timedelta(days=settings.history_days)]
    hours = hourly_means(recent)
    busy = hours.groupby(_days(hours.index)).quantile(settings.forecast.busy_quantile)
    if len(busy) < settings.confident_days:
        return []
    since = float(busy.iloc[-settings.decline_min_days :].max())
    over = busy.index[(busy > settings.decline_factor * since).to_numpy()]
    if over.empty or not since > 0:
        return []
    if len(over) - 1 != int((over[-1] - over[0]) / pd.Timedelta(days=1)):
        return []  # not one run of consecutive days: a cycle, not an episode
    if len(over) <= settings.surge_max_days:
        return []  # a surge, which one_off_surge sets aside only when it is the one in the history
    return list(over)


def decline_reason(over: list[pd.Timestamp], demand: pd.Series) -> str:
    days = f"{over[0]:%Y-%m-%d}" + (f" to {over[-1]:%Y-%m-%d}" if len(over) > 1 else "")
    hours = hourly_means(demand)
    after = hours[hours.index >= over[-1] + pd.Timedelta(days=1)]
    during = hours[_days(hours.index).isin(over)]
    ratio = float(during.max() / after.max()) if after.max() > 0 else math.inf
    return (
        f"Traffic fell after {days} UTC (busiest hour x{ratio:.1f} the {len(after) / 24:.0f} days since) "
        "and has stayed lower: that level is over, so neither the forecast nor the warm pool is sized for "
        "it; MaxSize still covers its busiest minute should it return."
    )


def _scenarios(
    demand: pd.Series, fc: Forecast, quantile: float, settings: RecommendSettings
) -> list[Scenario]:
    recent = demand[demand.index > demand.index[-1] - pd.Timedelta(days=settings.history_days)]
    growth = fc.growth_at(quantile)
    history = Scenario("history", recent.to_numpy(), f"the last {settings.history_days:g} days as they were")
    ahead = Scenario(
        "forecast",
        recent.to_numpy() * growth,
        f"the last {settings.history_days:g} days at the forecast's {100 * quantile:g}% level "
        f"(x{growth:.2f})",
    )
    return [history, ahead]


def _outcome(
    config: ScalingConfig, scenario: Scenario, instance: InstanceSize, region: str, model: ScalingModel
) -> Outcome:
    s = simulate(scenario.demand, config, instance, region, model).summary
    return Outcome(
        config,
        scenario.name,
        s.minutes,
        s.monthly_cost_usd,
        s.breach_minutes,
        s.throttled_requests,
    )


def _fewer_warm_breaches(result: OptimizationResult, best: ScalingConfig) -> int | None:
    """Breach minutes (worst scenario) with one warm instance fewer: why MinSize is what it is."""
    if best.min_size <= 1:
        return None
    lower = within_quota(best.max_concurrency, best.min_size - 1, best.max_size, best.max_size)
    row = result.row(lower)
    return int(max(row[f"breach_{name}"] for name in result.scenarios))


def _sizing(
    capacity: CapacityEstimate,
    instance: InstanceSize,
    scenarios: list[Scenario],
    model: ScalingModel,
    region: str,
    settings: RecommendSettings,
    profile: Profile,
) -> list[SizeOption]:
    evidence = SizingEvidence(
        knee=capacity.knee,
        knee_observed=capacity.knee_observed,
        cpu_bound="cpu" in capacity.limited_by,
        cpu_per_request_pct=capacity.cpu_per_request_pct,
        memory_base_pct=capacity.memory_base_pct,
        memory_per_request_pct=capacity.memory_per_request_pct,
        cpu_limit_pct=capacity.settings.cpu_limit_pct,
    )
    return right_size(
        evidence,
        instance,
        scenarios,
        model,
        region,
        settings.budget,
        profile,
        max_size_limit=settings.max_size_limit,
    )


@dataclass(frozen=True)
class _Outlook:
    """The demand a configuration must hold: the history (a one-off surge set aside) and the period ahead."""

    forecast: Forecast
    scenarios: list[Scenario]
    peak: float  # concurrent requests: the busiest minute seen (surge included) or forecast
    surge_note: str | None
    decline_note: str | None = None


def _outlook(
    frame: pd.DataFrame, capacity: CapacityEstimate, profile: Profile, settings: RecommendSettings
) -> _Outlook:
    demand = demand_from_metrics(frame, capacity.unloaded_latency_s)
    seen_peak = float(demand.max())
    surge = one_off_surge(demand, settings)
    surge_note = surge_reason(surge, demand) if surge else None
    if surge:
        demand = demand[~_days(demand.index).isin(surge)]
    over = level_over(demand, settings)
    decline_note = decline_reason(over, demand) if over else None
    if over:
        demand = demand[~_days(demand.index).isin(over)]
    fc_settings = replace(settings.forecast, horizon_days=settings.horizon_days)
    fc = forecast(demand, fc_settings, recent_days=settings.history_days)
    scenarios = _scenarios(demand, fc, profile.forecast_quantile, settings)
    peak = max(fc.peak(profile.forecast_quantile), seen_peak)
    return _Outlook(fc, scenarios, peak, surge_note, decline_note)


def _reasons(
    capacity: CapacityEstimate,
    outlook: _Outlook,
    result: OptimizationResult,
    money: str,
    sized: str | None,
    rule: str,
    allowed: int,
    profile: Profile,
    settings: RecommendSettings,
    model: ScalingModel,
) -> list[str]:
    """Why, in the order a person reads it: capacity, traffic, each knob, money, the data rule."""
    best = result.best
    reasons = [
        explain.capacity_reason(capacity),
        explain.forecast_reason(outlook.forecast, profile.forecast_quantile, settings.history_days),
        *explain.config_reasons(
            best, capacity.knee, _fewer_warm_breaches(result, best), allowed, outlook.peak, model
        ),
        money,
        rule,
    ]
    if outlook.surge_note:
        reasons.insert(2, outlook.surge_note)
    if outlook.decline_note:
        reasons.insert(2, outlook.decline_note)
    if not result.feasible:
        reasons.insert(0, "No configuration fits the error budget: this one has the fewest breach minutes.")
    if sized:
        reasons.append(sized)
    return reasons


def _keep_reasons(
    capacity: CapacityEstimate,
    outlook: _Outlook,
    verdict: Verdict,
    rule: str,
    profile: Profile,
    settings: RecommendSettings,
) -> list[str]:
    """Why the current configuration stays: the verdict first, then the evidence it rests on."""
    reasons = [
        verdict.reason,
        explain.capacity_reason(capacity),
        explain.forecast_reason(outlook.forecast, profile.forecast_quantile, settings.history_days),
        rule,
    ]
    if outlook.surge_note:
        reasons.insert(3, outlook.surge_note)
    if outlook.decline_note:
        reasons.insert(3, outlook.decline_note)
    return reasons


def _path(
    capacity: CapacityEstimate,
    result: OptimizationResult,
    model: ScalingModel,
    scenarios: list[Scenario],
    instance: InstanceSize,
    region: str,
    search: Callable[[ScalingModel, float], OptimizationResult],
    settings: RecommendSettings,
) -> list[explain.PathStep]:
    """The stepwise consolidation when the extrapolation cap held the knee back; else []."""
    demand = next(s.demand for s in scenarios if s.name == result.cost_scenario)
    return consolidation_path(capacity, result, model, demand, instance, region, search, settings.path)


def recommend(
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str = "us-east-1",
    settings: RecommendSettings = RecommendSettings(),
    *,
    observed_daily_cost: pd.Series | None = None,
    config_since: pd.Timestamp | None = None,
) -> Recommendation:
    """The configuration the profile picks for the service whose metrics are in `frame`, with its evidence.

    `observed_daily_cost` (Cost Explorer's bill per UTC day) and `config_since` (when `current` took
    effect) feed the model check (engine/modelcheck.py): its large errors lower the confidence.
    """
    profile = profile_named(settings.profile)
    data = summarize_data(frame)
    refused, rule = _data_rule(data, settings)
    args = (data, current, instance, region, settings)
    if refused:
        return refusal(refused, rule, *args)
    try:
        capacity = estimate_capacity(frame, settings.capacity)
    except CapacityUnknown as exc:
        return refusal(explain.INSUFFICIENT_DATA, f"No recommendation: {exc}.", *args)
    capacity = replace(capacity, reason=explain.capacity_finding(capacity))

    calibration = calibrate(frame, current, instance, capacity, settings.calibration)
    model = calibration.apply(capacity.scaling_model())
    check = model_check(
        frame,
        current,
        instance,
        region,
        model,
        observed_daily_cost,
        latency_limit_ms=capacity.latency_limit_ms,
        since=config_since,
        settings=replace(settings.model_check, budget=settings.budget),
    )
    outlook = _outlook(frame, capacity, profile, settings)
    scenarios = outlook.scenarios

    def search(model: ScalingModel, knee: float) -> OptimizationResult:
        return optimize(
            scenarios,
            model,
            instance,
            region,
            settings.budget,
            profile,
            cost_scenario="forecast",
            # never ask an instance for more than its knee
            max_concurrency=range(1, min(max(1, math.floor(knee)), 200) + 1),
            max_size_limit=settings.max_size_limit,
            max_size_peak=outlook.peak * (1 + settings.max_size_headroom),
        )

    result = search(model, capacity.knee)
    best = result.best
    before = {s.name: _outcome(current, s, instance, region, model) for s in scenarios}
    after = {s.name: _outcome(best, s, instance, region, model) for s in scenarios}
    verdict = judge(before, after, result.allowed, settings.benefit)
    sizing = (
        _sizing(capacity, instance, scenarios, model, region, settings, profile)
        if settings.right_size
        else []
    )
    allowed = allowed_breaches(scenarios[-1].minutes, settings.budget * profile.budget_share)
    keep = verdict.action == explain.KEEP
    chosen = before if keep else after
    money = explain.money_reason(before["forecast"], after["forecast"], allowed)
    sized = explain.sizing_reason(sizing, instance, chosen["forecast"].monthly_cost_usd)
    path = [] if keep else _path(capacity, result, model, scenarios, instance, region, search, settings)
    if keep:
        reasons = _keep_reasons(capacity, outlook, verdict, rule, profile, settings)
        reasons += [sized] if sized else []
    else:
        reasons = _reasons(capacity, outlook, result, money, sized, rule, allowed, profile, settings, model)
        if verdict.basis == "risk":
            reasons.insert(reasons.index(money), verdict.reason)
        if path:
            projected = capacity.projected_knee or path[-1].knee
            reasons.insert(reasons.index(money) + 1, explain.path_reason(path, projected))
    reasons += calibration.reasons()
    confidence = _confidence(data, capacity, settings)
    reasons += check.reasons(confidence)
    return Recommendation(
        status=explain.OK,
        current=current,
        instance=instance,
        region=region,
        profile=profile.name,
        confidence=check.lowered(confidence),
        data_rule=rule,
        data=data,
        reasons=reasons,
        recommended=current if keep else best,
        budget=settings.budget,
        breach_budget_minutes=allowed,
        before=before,
        after=chosen,
        feasible=result.feasible,
        capacity=capacity,
        forecast=outlook.forecast,
        frontier=result.frontier(),
        right_sizing=sizing,
        action=verdict.action,
        candidate=best if keep else None,
        candidate_after=after if keep else {},
        calibration=calibration,
        model_check=check,
        path=path,
    )
