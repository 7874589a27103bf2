"""The cost report's numbers, as one typed object that every format (HTML, Markdown, CSV, JSON) renders.

Money is the engine's: `billing.replay_window` bills each service's collected demand under the
configuration it ran, for this period and the one before; savings and their risk are the stored
recommendations' (`lake.recommendations`); actions come from the audit log. A lake with nothing in it, or a
service with no data in the period, gives empty sections and notes that say why, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from advisor.apply.audit import ActionRecord, read_actions
from advisor.apply.state import ActionStatus, ConfigState
from advisor.engine.calibrate import Calibration
from advisor.engine.capacity import CapacityEstimate
from advisor.engine.modelcheck import CheckRow
from advisor.lake import recommendations as stored
from advisor.lake import views as overview
from advisor.lake.layout import Lake
from advisor.lake.reader import read_table, wide_metrics
from advisor.lake.recommendations import StoredRecommendation
from advisor.lake.views import ServiceRecord
from advisor.migrate.pipeline import migrate_lake
from advisor.presentation import modelcheck as check_cells
from advisor.presentation.migration import MigrationLine, fleet_lines
from advisor.pricing.apprunner import MINUTES_PER_MONTH, prices_estimated
from advisor.report.billing import Observed, WindowReplay, observe, replay_window
from advisor.report.period import Period
from advisor.report.timeline import ConfigTimeline, config_label, config_timeline
from advisor.settings import Slo

TOP_SAVINGS = 5
SERVER_ERROR_RATE = 0.01  # 5xx above this share of requests puts a service at risk on its own


@dataclass(frozen=True)
class ServiceCost:
    service_name: str
    region: str
    status: str
    cost_usd: float  # the engine's bill for the period (0 when the service had no data)
    previous_cost_usd: float | None  # None: no data in the period before, so nothing to compare
    billed_minutes: int
    configs: tuple[str, ...]  # configurations in effect during the period, in order

    @property
    def change_usd(self) -> float | None:
        return None if self.previous_cost_usd is None else self.cost_usd - self.previous_cost_usd

    @property
    def prices_estimate(self) -> bool:
        """Priced from a rate AWS does not publish for the region (docs/pricing.md)."""
        return prices_estimated(self.region)


@dataclass(frozen=True)
class RegionCost:
    region: str
    services: int
    cost_usd: float
    previous_cost_usd: float | None


@dataclass(frozen=True)
class Saving:
    """A stored recommendation's monthly savings and what it risks (the engine's numbers)."""

    service_name: str
    region: str
    current: str | None
    recommended: str | None
    monthly_cost_current_usd: float
    monthly_cost_recommended_usd: float
    monthly_savings_usd: float
    predicted_breach_minutes: float | None
    confidence: str
    risks: tuple[str, ...]  # the current configuration's (Risk now)
    recommended_risks: tuple[str, ...] = ()  # the recommended configuration's (Risk recommended)

    @property
    def prices_estimate(self) -> bool:
        return prices_estimated(self.region)


@dataclass(frozen=True)
class KeptLine:
    """A service whose recommendation is to keep its configuration: no change was worth it, and why."""

    service_name: str
    region: str
    current: str
    monthly_cost_usd: float | None
    confidence: str
    risks: tuple[str, ...]
    reason: str

    @property
    def prices_estimate(self) -> bool:
        return prices_estimated(self.region)


@dataclass(frozen=True)
class RiskLine:
    """A service that breached in the period: the engine's replay and what CloudWatch observed."""

    service_name: str
    region: str
    breach_minutes: int  # throttled or too slow, by the engine's replay of the period
    throttled_requests: float  # the engine's estimate of 429s
    errors_4xx: float  # observed (429s are counted in 4xx)
    errors_5xx: float
    minutes_above_slo: int  # observed p99 above the latency objective
    latency_limit_ms: float | None
    requests: float = 0.0

    @property
    def error_rate_5xx(self) -> float:
        return self.errors_5xx / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class CheckLine:
    """One quantity of a service's model check (its latest recommendation's): modeled against observed."""

    service_name: str
    region: str
    minutes: int  # replayed under the current configuration
    row: CheckRow

    @property
    def quantity(self) -> str:
        return self.row.quantity

    @property
    def unit(self) -> str:
        return self.row.unit

    @property
    def modeled(self) -> float | None:
        return self.row.modeled

    @property
    def observed(self) -> float | None:
        return self.row.observed

    @property
    def error_pct(self) -> float | None:
        return self.row.error_pct

    @property
    def off(self) -> bool:
        return self.row.off

    @property
    def note(self) -> str:
        return self.row.note

    @property
    def modeled_text(self) -> str:
        return check_cells.amount(self.modeled, self.unit, prices_estimated(self.region))

    @property
    def observed_text(self) -> str:
        return check_cells.amount(self.observed, self.unit)

    @property
    def verdict(self) -> str:
        return check_cells.verdict(self.row)


@dataclass(frozen=True)
class ActionLine:
    """One apply or rollback in the period, with the savings predicted and those realized since."""

    created_at: datetime
    service_name: str
    kind: str
    status: str
    before: str
    after: str
    source: str
    predicted_monthly_savings_usd: float | None
    realized_monthly_savings_usd: float | None  # engine: demand since the change, old config minus new
    realized_minutes: int
    note: str = ""
    # the new configuration's breach minutes (throttled or too slow) and 429s per month, by the engine's
    # replay: predicted on the 14 days before the change, realized on the demand collected since
    predicted_breach_minutes: float | None = None
    realized_breach_minutes: float | None = None
    predicted_throttled_requests: float | None = None
    realized_throttled_requests: float | None = None


@dataclass(frozen=True)
class DataGap:
    service_name: str
    region: str
    status: str
    minutes_with_data: int
    period_minutes: int
    largest_gap_minutes: int
    first: datetime | None
    last: datetime | None
    note: str

    @property
    def coverage(self) -> float:
        return self.minutes_with_data / self.period_minutes if self.period_minutes else 0.0


@dataclass(frozen=True)
class DailyCost:
    day: datetime
    service_name: str
    cost_usd: float
    minutes: int  # minutes billed that day: under 1,440 on a partial day


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    lake: str
    period: Period
    previous: Period
    total_cost_usd: float
    previous_total_cost_usd: float | None  # None: no service had data in the period before
    services: list[ServiceCost] = field(default_factory=list)
    regions: list[RegionCost] = field(default_factory=list)
    savings: list[Saving] = field(default_factory=list)
    kept: list[KeptLine] = field(default_factory=list)
    risks: list[RiskLine] = field(default_factory=list)
    model_check: list[CheckLine] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)
    daily: list[DailyCost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    migration: list[MigrationLine] = field(default_factory=list)  # "Move to ECS?": services, then total

    @property
    def change_usd(self) -> float | None:
        if self.previous_total_cost_usd is None:
            return None
        return self.total_cost_usd - self.previous_total_cost_usd

    @property
    def change_pct(self) -> float | None:
        change, before = self.change_usd, self.previous_total_cost_usd
        return None if change is None or not before else 100 * change / before

    @property
    def monthly_savings_usd(self) -> float:
        """What the recommendations that save money would save; those that add capacity cost extra."""
        return sum(s.monthly_savings_usd for s in self.savings if s.monthly_savings_usd > 0)

    @property
    def empty(self) -> bool:
        return not self.services


@dataclass(frozen=True)
class _ServiceWindow:
    """Everything read and computed for one service (internal: the sections pick from it)."""

    service: ServiceRecord
    timeline: ConfigTimeline | None
    capacity: CapacityEstimate | None  # of the latest recommendation (None: the default model)
    calibration: Calibration | None  # of the same recommendation (None: the protocol's delays)
    now: WindowReplay
    before: WindowReplay
    observed: Observed
    latency_limit_ms: float | None


def _models(
    recs: list[StoredRecommendation],
) -> dict[str, tuple[CapacityEstimate | None, Calibration | None]]:
    """Each service's capacity estimate and calibration, as its latest recommendation replayed with them."""
    out: dict[str, tuple[CapacityEstimate | None, Calibration | None]] = {}
    for r in recs:
        evidence = r.evidence if r.evidence_json else None
        out[r.service_arn] = (evidence.capacity, evidence.calibration) if evidence else (None, None)
    return out


def _latency_limit(capacity: CapacityEstimate | None, slo: Slo) -> float | None:
    if slo.p99_latency_ms is not None:
        return float(slo.p99_latency_ms)
    return float(capacity.latency_limit_ms) if capacity and capacity.latency_limit_ms else None


def _service_window(
    lake, service: ServiceRecord, snapshots, actions, models, period: Period, slo: Slo
) -> _ServiceWindow:
    arn = service.service_arn
    timeline = config_timeline(
        snapshots[snapshots["service_arn"] == arn], actions[actions["service_arn"] == arn]
    )
    metrics = wide_metrics(lake, arn, period.start, period.end)
    earlier = period.previous()
    previous = wide_metrics(lake, arn, earlier.start, earlier.end)
    capacity, calibration = models
    limit = _latency_limit(capacity, slo)
    return _ServiceWindow(
        service=service,
        timeline=timeline,
        capacity=capacity,
        calibration=calibration,
        now=replay_window(metrics, timeline, service.region, capacity, calibration),
        before=replay_window(previous, timeline, service.region, capacity, calibration),
        observed=observe(metrics, limit),
        latency_limit_ms=limit,
    )


def _cost(w: _ServiceWindow) -> ServiceCost:
    s = w.service
    previous = w.before.cost_usd if w.before.minutes else None
    return ServiceCost(
        s.service_name, s.region, s.status, w.now.cost_usd, previous, w.now.minutes, w.now.configs
    )


def _sum_known(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _regions(costs: list[ServiceCost]) -> list[RegionCost]:
    regions: dict[str, list[ServiceCost]] = {}
    for c in costs:
        regions.setdefault(c.region, []).append(c)
    lines = [
        RegionCost(
            region, len(cs), sum(c.cost_usd for c in cs), _sum_known([c.previous_cost_usd for c in cs])
        )
        for region, cs in regions.items()
    ]
    return sorted(lines, key=lambda line: -line.cost_usd)


def _risk(w: _ServiceWindow) -> RiskLine | None:
    o, n = w.observed, w.now
    erroring = o.requests > 0 and o.errors_5xx / o.requests > SERVER_ERROR_RATE
    if not (n.breach_minutes or n.throttled_requests or erroring or o.minutes_above_slo):
        return None
    return RiskLine(
        w.service.service_name,
        w.service.region,
        n.breach_minutes,
        n.throttled_requests,
        o.errors_4xx,
        o.errors_5xx,
        o.minutes_above_slo,
        w.latency_limit_ms,
        o.requests,
    )


def _gap_note(w: _ServiceWindow, period: Period) -> str | None:
    o, status = w.observed, w.service.status.upper()
    if o.minutes_with_data == 0:
        return "no data in the period" + (" (service deleted)" if status == "DELETED" else "")
    notes = []
    if o.first is not None and o.first - pd.Timestamp(period.start) > pd.Timedelta(minutes=60):
        notes.append(f"data starts {o.first:%Y-%m-%d %H:%M}")
    if o.last is not None and pd.Timestamp(period.end) - o.last > pd.Timedelta(minutes=60):
        ended = "deleted; " if status == "DELETED" else ""
        notes.append(f"{ended}data ends {o.last:%Y-%m-%d %H:%M}")
    if o.largest_gap_minutes >= 15:
        notes.append(f"longest gap {o.largest_gap_minutes} min")
    return "; ".join(notes) or None


def _gap(w: _ServiceWindow, period: Period) -> DataGap | None:
    note = _gap_note(w, period)
    if note is None:
        return None
    o = w.observed
    return DataGap(
        w.service.service_name,
        w.service.region,
        w.service.status,
        o.minutes_with_data,
        period.minutes,
        o.largest_gap_minutes,
        None if o.first is None else o.first.to_pydatetime(),
        None if o.last is None else o.last.to_pydatetime(),
        note,
    )


def _daily(windows: list[_ServiceWindow]) -> list[DailyCost]:
    return [
        DailyCost(day.to_pydatetime(), w.service.service_name, float(cost), int(minutes))
        for w in windows
        for day, cost, minutes in zip(
            pd.DatetimeIndex(w.now.daily.index), w.now.daily["cost_usd"], w.now.daily["minutes"], strict=True
        )
    ]


def _savings(inventory: list[ServiceRecord], recs: list[StoredRecommendation], top: int) -> list[Saving]:
    """The recommendations that change a service's configuration (against its latest snapshot)."""
    by_arn = {r.service_arn: r for r in recs}
    lines = []
    for service in inventory:
        rec = by_arn.get(service.service_arn)
        if rec is None or rec.recommended is None or rec.recommended == service.recorded_scaling:
            continue
        now, then, saved = (
            rec.monthly_cost_current_usd,
            rec.monthly_cost_recommended_usd,
            rec.monthly_savings_usd,
        )
        if now is None or then is None or saved is None:
            continue
        current = None if service.recorded_scaling is None else str(service.recorded_scaling)
        lines.append(
            Saving(
                service.service_name,
                service.region,
                current,
                str(rec.recommended),
                now,
                then,
                saved,
                rec.predicted_breach_minutes,
                rec.confidence,
                rec.risks,
                rec.recommended_risks,
            )
        )
    return sorted(lines, key=lambda s: -s.monthly_savings_usd)[:top]


def _kept(inventory: list[ServiceRecord], recs: list[StoredRecommendation]) -> list[KeptLine]:
    """The services told to keep their configuration (the minimum benefit was not met), with the reason."""
    by_arn = {r.service_arn: r for r in recs}
    lines = []
    for service in inventory:
        rec = by_arn.get(service.service_arn)
        if rec is None or not rec.keep:
            continue
        reason = rec.explanation.split("\n", 1)[0]
        lines.append(
            KeptLine(
                service.service_name,
                service.region,
                str(rec.current),
                rec.monthly_cost_current_usd,
                rec.confidence,
                rec.risks,
                reason,
            )
        )
    return lines


def _model_check(inventory: list[ServiceRecord], recs: list[StoredRecommendation]) -> list[CheckLine]:
    """Each service's latest model check, a line per quantity (evidence older than the check has none)."""
    by_arn = {r.service_arn: r for r in recs if r.evidence_json}
    lines = []
    for service in inventory:
        rec = by_arn.get(service.service_arn)
        check = None if rec is None else rec.evidence.model_check
        if check is not None:
            lines += [CheckLine(service.service_name, service.region, check.minutes, r) for r in check.rows]
    return lines


@dataclass(frozen=True)
class _Change:
    """A change replayed on some demand, per month: what it saves and what the new configuration risks."""

    saving_usd: float
    minutes: int
    breach_minutes: float
    throttled_requests: float


def _replay_change(metrics, before: ConfigState, after: ConfigState, w: _ServiceWindow) -> _Change:
    """The demand in `metrics` under `before` and under `after`, scaled to a month."""
    old, new = (
        replay_window(
            metrics,
            ConfigTimeline.fixed((s.scaling, s.instance)),
            w.service.region,
            w.capacity,
            w.calibration,
        )
        for s in (before, after)
    )
    if not new.minutes:
        return _Change(0.0, 0, 0.0, 0.0)
    month = MINUTES_PER_MONTH / new.minutes
    return _Change(
        (old.cost_usd - new.cost_usd) * month,
        new.minutes,
        new.breach_minutes * month,
        new.throttled_requests * month,
    )


def _monthly_difference(
    metrics, before: ConfigState, after: ConfigState, w: _ServiceWindow
) -> tuple[float, int]:
    """(monthly cost under `before` minus under `after`, minutes) for the demand in `metrics`."""
    change = _replay_change(metrics, before, after, w)
    return change.saving_usd, change.minutes


def _predicted(
    lake, action: ActionRecord, before, after, w: _ServiceWindow, recs_all: list[StoredRecommendation]
) -> float | None:
    """The linked recommendation's promise, else the engine on the history before the change."""
    if action.source.startswith("recommendation "):
        wanted = action.source.split(" ", 1)[1]
        linked = (r for r in recs_all if r.service_arn == action.service_arn and r.id == wanted)
        for rec in linked:
            return rec.monthly_savings_usd
    history = wide_metrics(lake, action.service_arn, end=action.created_at)
    saving, minutes = _monthly_difference(history.tail(14 * 1440), before, after, w)
    return saving if minutes else None


def _action(
    lake, action: ActionRecord, w: _ServiceWindow | None, period: Period, recs_all: list[StoredRecommendation]
) -> ActionLine:
    before, after = action.before, action.after
    name = w.service.service_name if w else action.service_arn.split("/")[-2]
    predicted = realized = None
    minutes, note = 0, ""
    ahead = since_change = None
    if action.status == ActionStatus.SUCCEEDED and w is not None:
        predicted = _predicted(lake, action, before, after, w, recs_all)
        history = wide_metrics(lake, action.service_arn, end=action.created_at).tail(14 * 1440)
        ahead = _replay_change(history, before, after, w)
        since = wide_metrics(lake, action.service_arn, action.created_at, period.end)
        since_change = _replay_change(since, before, after, w)
        realized, minutes = since_change.saving_usd, since_change.minutes
        note = "" if minutes >= 60 else "under an hour of data since the change: realized not yet known"
        realized = realized if minutes >= 60 else None
        since_change = since_change if minutes >= 60 else None
        ahead = ahead if ahead.minutes else None
    elif action.status != ActionStatus.SUCCEEDED:
        note = action.message[:160]
    return ActionLine(
        action.created_at,
        name,
        action.kind,
        str(action.status),
        config_label((before.scaling, before.instance)),
        config_label((after.scaling, after.instance)),
        action.source,
        predicted,
        realized,
        minutes,
        note,
        None if ahead is None else ahead.breach_minutes,
        None if since_change is None else since_change.breach_minutes,
        None if ahead is None else ahead.throttled_requests,
        None if since_change is None else since_change.throttled_requests,
    )


def _actions(
    lake, actions: pd.DataFrame, windows: dict, period: Period, recs_all: list[StoredRecommendation]
) -> list[ActionLine]:
    records = [ActionRecord.from_row(row) for _, row in actions.iterrows()]
    chosen = [a for a in records if period.contains(a.created_at)]
    lines = [_action(lake, a, windows.get(a.service_arn), period, recs_all) for a in chosen]
    return sorted(lines, key=lambda line: line.created_at)


def _notes(inventory: list[ServiceRecord], windows: list[_ServiceWindow], period: Period) -> list[str]:
    if not inventory:
        return ["The lake has no services yet: run 'advisor collect' first."]
    notes = []
    if not any(w.now.minutes for w in windows):
        notes.append(f"No metrics in the period ({period.label}): nothing to bill; see Data gaps.")
    before, now = sum(w.before.minutes for w in windows), sum(w.now.minutes for w in windows)
    if not before:
        notes.append("No data for the period before: the comparison starts with the next report.")
    elif before < 0.9 * now:
        notes.append(
            f"The period before has less data ({before:,} service-minutes against {now:,}): part of the "
            "change is collection, not spend."
        )
    estimated = sorted({w.service.region for w in windows if prices_estimated(w.service.region)})
    if estimated:
        notes.append(
            f"Prices in {', '.join(estimated)} are estimates (≈): AWS publishes no App Runner rate "
            "for some of them there (docs/pricing.md lists each region's rates and sources)."
        )
    default = [w.service.service_name for w in windows if w.now.minutes and not w.capacity]
    if default:
        notes.append(
            f"No capacity estimate for {', '.join(default)} (too little traffic, or no recommendation yet): "
            "billed with the engine's default capacity model."
        )
    return notes


def _migration(lake, inventory: list[ServiceRecord], now: datetime) -> list[MigrationLine]:
    """`advisor migrate-whatif --all` from the stored recommendations (none made anew: a report reads
    the lake); empty when no service has one to start from."""
    if not any(s.status != "DELETED" for s in inventory):
        return []
    fleet = migrate_lake(lake, stored_only=True, now=now)
    return fleet_lines(fleet) if any(o.whatif for o in fleet.outcomes) else []


def build_report(
    lake: Lake | str | Path,
    period: Period,
    *,
    slo: Slo | None = None,
    top: int = TOP_SAVINGS,
    now: datetime | None = None,
) -> Report:
    """Every section of the report for `period`, from the lake alone (no AWS call)."""
    slo = slo or Slo()
    now = now or datetime.now(UTC)
    inventory = overview.service_records(lake)
    snapshots, actions = read_table(lake, "services"), read_actions(lake)
    recs_all = stored.read_recommendations(lake)
    recs = stored.latest(lake, evidence=True)
    models = _models(recs)
    windows = [
        _service_window(lake, s, snapshots, actions, models.get(s.service_arn, (None, None)), period, slo)
        for s in inventory
    ]
    costs = [_cost(w) for w in windows]
    by_arn = {w.service.service_arn: w for w in windows}
    return Report(
        generated_at=now,
        lake=str(Lake.of(lake).root),
        period=period,
        previous=period.previous(),
        total_cost_usd=sum(c.cost_usd for c in costs),
        previous_total_cost_usd=_sum_known([c.previous_cost_usd for c in costs]),
        services=sorted(costs, key=lambda c: -c.cost_usd),
        regions=_regions(costs),
        savings=_savings(inventory, recs, top),
        kept=_kept(inventory, recs),
        risks=sorted(filter(None, map(_risk, windows)), key=lambda r: -r.breach_minutes),
        model_check=_model_check(inventory, recs),
        actions=_actions(lake, actions, by_arn, period, recs_all),
        gaps=[g for g in (_gap(w, period) for w in windows) if g is not None],
        daily=_daily(windows),
        notes=_notes(inventory, windows, period),
        migration=_migration(lake, inventory, now),
    )
