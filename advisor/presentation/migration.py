"""The migration what-if as people read it, one way everywhere: `advisor migrate-whatif`, the report's
"Move to ECS?" section and the dashboard.

A fleet becomes rows of plain numbers (`MigrationLine`: one per service, then the total), and each
number has one way to be shown: money per target, breach minutes side by side, the break-even as
traffic and as a multiple of today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.presentation.numbers import MISSING, count, shortened
from advisor.pricing.apprunner import prices_estimated
from advisor.pricing.ecs import ecs_prices_for

if TYPE_CHECKING:
    from advisor.engine.migrate import BreakEven, MigrationWhatIf
    from advisor.migrate.pipeline import FleetMigration, ServiceMigration

TARGET_LABELS = {"app_runner": "App Runner", "ecs_express": "ECS Express", "fargate": "Fargate"}


def break_even_text(b: BreakEven | None) -> str:
    """ "1,240 req/min (3.1× now) vs fargate", or why there is none in range."""
    if b is None:
        return MISSING
    if b.requests_per_minute is None:
        return f"none ({shortened(b.reason, 60)})" if b.reason else "none in range"
    scale = "" if b.scale is None else f" ({b.scale:.2g}× now)"
    return f"{b.requests_per_minute:,.0f} req/min{scale} vs {TARGET_LABELS.get(b.against, b.against)}"


def prices_estimate(region: str) -> bool:
    """Whether any rate behind the region's three costs is one AWS does not publish (docs/pricing.md)."""
    return prices_estimated(region) or ecs_prices_for(region).estimated


def verdict_reason(w: MigrationWhatIf) -> str:
    """The reason behind the verdict: the engine's reasons open with the costs and the breach minutes
    (which the tables show as numbers), then say why it stays or moves."""
    return w.reasons[2] if len(w.reasons) > 2 else (w.reasons[-1] if w.reasons else "")


def scale_text(scale: float | None) -> str:
    """The break-even as a multiple of today's traffic: "×3.4", or "none" within the searched range."""
    return "none" if scale is None else f"×{scale:.2g}"


def breach_text(minutes: tuple[int | None, ...]) -> str:
    """Breach minutes per target, in TARGET_LABELS' order: "0 / 12 / 3"."""
    return " / ".join(count(m) for m in minutes)


@dataclass(frozen=True)
class MigrationLine:
    """One service's what-if (or the fleet's total) in the numbers the tables show."""

    service_name: str
    region: str
    app_runner_usd: float | None
    ecs_express_usd: float | None
    fargate_usd: float | None
    breach_minutes: tuple[int | None, ...]  # app_runner, ecs_express, fargate, over the replayed window
    minutes: int | None
    break_even: str
    recommendation: str
    reason: str
    total: bool = False
    break_even_scale: float | None = None  # the break-even traffic as a multiple of today's
    prices_estimate: bool = False  # App Runner's or ECS's rates for the region are estimates

    @property
    def breach_text(self) -> str:
        return breach_text(self.breach_minutes)

    @property
    def break_even_multiple(self) -> str:
        """ "×3.4" or "none"; blank on the total and on a service without a what-if."""
        return "" if self.total or self.app_runner_usd is None else scale_text(self.break_even_scale)


def service_line(outcome: ServiceMigration) -> MigrationLine:
    w = outcome.whatif
    if w is None:
        verdict, reason = ("skipped", outcome.skipped) if outcome.skipped else ("error", outcome.error or "")
        none = (None,) * 3
        name, region = outcome.service_name, outcome.region
        return MigrationLine(name, region, *none, none, None, MISSING, verdict, reason)
    return _line(outcome.service_name, outcome.region, w)


def _line(name: str, region: str, w: MigrationWhatIf) -> MigrationLine:
    t = w.targets
    return MigrationLine(
        name,
        region,
        t["app_runner"].monthly_cost_usd,
        t["ecs_express"].monthly_cost_usd,
        t["fargate"].monthly_cost_usd,
        tuple(t[k].breach_minutes for k in TARGET_LABELS),
        t["app_runner"].minutes,
        break_even_text(w.break_even),
        w.recommendation,
        verdict_reason(w),
        break_even_scale=w.break_even.scale,
        prices_estimate=prices_estimate(region),
    )


def total_line(fleet: FleetMigration) -> MigrationLine:
    """The fleet's monthly cost per target and its breach minutes, over the services with a what-if."""
    done = [o.whatif for o in fleet.outcomes if o.whatif is not None]
    totals = fleet.totals()
    breach = tuple(sum(w.targets[k].breach_minutes for w in done) for k in TARGET_LABELS)
    moved = sum(1 for w in done if w.recommendation != "stay")
    return MigrationLine(
        f"total ({len(done)} of {len(fleet.outcomes)})",
        "",
        totals["app_runner"],
        totals["ecs_express"],
        totals["fargate"],
        breach,
        None,
        "",
        f"{moved} to move",
        "",
        total=True,
        prices_estimate=any(prices_estimate(w.region) for w in done),
    )


def fleet_lines(fleet: FleetMigration) -> list[MigrationLine]:
    """One line per service, then the total."""
    return [service_line(o) for o in fleet.outcomes] + [total_line(fleet)]
