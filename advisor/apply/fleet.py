"""Apply at fleet size: one plan for every service the lake knows, one confirmation, then one service
after another.

Each service's latest stored recommendation becomes a plan (the same `plan_apply` a single apply uses),
or a line in `skipped` that says why not: no recommendation, one that proposes nothing (paused, too
little data), "keep current", made with another strategy, saving less than asked, or refused by a check.
Just before a service is changed its plan is made again (an earlier service may have created the very
revision it can reuse); if the values differ from those shown, that service is not changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from advisor.apply.evidence import PlanEvidence
from advisor.apply.execute import ApplyResult, ProgressCallback, Waiter, execute
from advisor.apply.plan import Plan, plan_apply
from advisor.engine.profiles import DEFAULT_PROFILE, profile_named
from advisor.errors import AdvisorError
from advisor.lake import recommendations as stored
from advisor.lake.layout import Lake
from advisor.lake.recommendations import StoredRecommendation
from advisor.lake.views import ServiceRecord, service_records
from advisor.platform.base import Platform
from advisor.presentation.numbers import money

PlatformFor = Callable[[str], Platform]


@dataclass(frozen=True)
class Skipped:
    """A service the fleet plan leaves alone, and why (a sentence a person can act on)."""

    service_name: str
    region: str
    service_arn: str
    reason: str


@dataclass(frozen=True)
class FleetEntry:
    plan: Plan
    evidence: PlanEvidence


@dataclass(frozen=True)
class FleetPlan:
    """What `apply --all` would do: the changes with their predicted effect, and the services skipped."""

    entries: tuple[FleetEntry, ...]
    skipped: tuple[Skipped, ...]

    @property
    def monthly_cost_before_usd(self) -> float:
        return sum(e.evidence.monthly_cost_before_usd or 0.0 for e in self.entries)

    @property
    def monthly_cost_after_usd(self) -> float:
        return sum(e.evidence.monthly_cost_after_usd or 0.0 for e in self.entries)

    @property
    def monthly_savings_usd(self) -> float:
        return self.monthly_cost_before_usd - self.monthly_cost_after_usd


@dataclass(frozen=True)
class FleetOutcome:
    """One service's result: the apply's, or the reason it was not attempted after all."""

    service_name: str
    region: str
    result: ApplyResult | None
    not_attempted: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def plan_fleet(
    lake: Lake | str | Path,
    platform_for: PlatformFor,
    *,
    region: str | None = None,
    strategy: str | None = None,
    min_savings: float | None = None,
    force: bool = False,
) -> FleetPlan:
    """Every service of the lake (of one region when given), planned from its latest recommendation."""
    if strategy is not None:
        profile_named(strategy)  # a bad name is bad input before any call
    entries, skipped = [], []
    for record in service_records(lake):
        if record.status == "DELETED" or (region is not None and record.region != region):
            continue
        rec = stored.find(lake, record.service_arn, evidence=True)
        why = _not_applicable(rec, strategy, min_savings)
        if why is None:
            assert rec is not None
            entry_or_why = _plan(lake, platform_for, record, rec, force)
            if isinstance(entry_or_why, FleetEntry):
                entries.append(entry_or_why)
                continue
            why = entry_or_why
        skipped.append(Skipped(record.service_name, record.region, record.service_arn, why))
    return FleetPlan(tuple(entries), tuple(skipped))


def _not_applicable(
    rec: StoredRecommendation | None, strategy: str | None, min_savings: float | None
) -> str | None:
    """Why the stored recommendation is not one to apply, judged from the lake alone."""
    if rec is None:
        return "no recommendation in the lake: run 'advisor recommend'"
    if rec.recommended is None:
        first = rec.explanation.splitlines()[0] if rec.explanation else "the engine recommended nothing"
        return f"recommendation {rec.id} proposes no configuration: {first}"
    made_with = rec.evidence.profile if rec.evidence_json else DEFAULT_PROFILE
    if strategy is not None and made_with != strategy:
        return (
            f"the latest recommendation was made with strategy {made_with}: run "
            f"'advisor recommend --strategy {strategy}' first"
        )
    if (rec.recommended, rec.recommended_instance) == (rec.current, rec.current_instance):
        why = rec.explanation.splitlines()[0] if rec.explanation else ""
        return f"keep current: recommendation {rec.id} keeps {rec.current}" + (f" ({why})" if why else "")
    savings = rec.monthly_savings_usd
    if min_savings is not None and (savings is None or savings < min_savings):
        return f"saves {money(savings)}/month, below --min-savings {money(min_savings)}"
    return None


def _plan(
    lake: Lake | str | Path,
    platform_for: PlatformFor,
    record: ServiceRecord,
    rec: StoredRecommendation,
    force: bool,
) -> FleetEntry | str:
    try:
        plan = plan_apply(
            platform_for(record.region), record.service_arn, lake=lake, recommendation=rec.id, force=force
        )
    except AdvisorError as exc:
        return str(exc)
    if plan.noop:
        return f"already runs {plan.before.label()}"
    if plan.refusals:
        return "refused: " + "; ".join(plan.refusals)
    return FleetEntry(plan, PlanEvidence.from_recommendation(rec))


def execute_fleet(
    fleet: FleetPlan,
    platform_for: PlatformFor,
    *,
    lake: Lake | str | Path,
    allow_apply: bool,
    waiter: Waiter,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> Iterator[FleetOutcome]:
    """Apply the plan service by service, yielding each outcome as it ends (the caller shows it)."""
    for entry in fleet.entries:
        shown = entry.plan
        region = shown.region
        try:
            fresh = plan_apply(
                platform_for(region),
                shown.service_arn,
                lake=lake,
                recommendation=entry.evidence.recommendation_id,
                force=force,
            )
        except AdvisorError as exc:
            yield FleetOutcome(shown.service_name, region, None, f"could not plan it again: {exc}")
            continue
        if not fresh.target.same_values(shown.target) or not fresh.before.same_values(shown.before):
            yield FleetOutcome(
                shown.service_name,
                region,
                None,
                f"changed since the plan was shown (now {fresh.before.label()} -> {fresh.target.label()}): "
                "plan again",
            )
            continue
        result = execute(
            fresh, platform_for(region), lake=lake, allow_apply=allow_apply, waiter=waiter, progress=progress
        )
        yield FleetOutcome(shown.service_name, region, result)
