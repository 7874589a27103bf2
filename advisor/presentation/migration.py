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

if TYPE_CHECKING:
    from advisor.engine.migrate import BreakEven, MigrationWhatIf
    from advisor.migrate.pipeline import FleetMigration, ServiceMigration

TARGET_LABELS = {"app_runner": "App Runner", "ecs_express": "ECS Express", "fargate": "Fargate"}
REASON_WIDTH = 90


def break_even_text(b: BreakEven | None) -> str:
    """ "1,240 req/min (3.1× now) vs fargate", or why there is none in range."""
    if b is None:
        return MISSING
    if b.requests_per_minute is None:
        return f"none ({shortened(b.reason, 60)})" if b.reason else "none in range"
    scale = "" if b.scale is None else f" ({b.scale:.2g}× now)"
    return f"{b.requests_per_minute:,.0f} req/min{scale} vs {TARGET_LABELS.get(b.against, b.against)}"


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

    @property
    def cheapest(self) -> str:
        costs = {t: getattr(self, f"{t}_usd") for t in TARGET_LABELS}
        known = {t: c for t, c in costs.items() if c is not None}
        return TARGET_LABELS[min(known, key=lambda t: known[t])] if known else MISSING

    @property
    def breach_text(self) -> str:
        return breach_text(self.breach_minutes)


def service_line(outcome: ServiceMigration) -> MigrationLine:
    w = outcome.whatif
    if w is None:
        reason = outcome.error or ""
        return MigrationLine(
            outcome.service_name,
            outcome.region,
            None,
            None,
            None,
            (None,) * 3,
            None,
            MISSING,
            "error",
            reason,
        )
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
        shortened(w.reasons[0], REASON_WIDTH) if w.reasons else "",
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
    )


def fleet_lines(fleet: FleetMigration) -> list[MigrationLine]:
    """One line per service, then the total."""
    return [service_line(o) for o in fleet.outcomes] + [total_line(fleet)]
