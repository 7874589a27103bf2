"""`advisor migrate-whatif` as a table, JSON or CSV: the same `FleetMigration` three ways. No logic here."""

from __future__ import annotations

import re
from typing import Any, cast

import pandas as pd
from rich import box
from rich.console import Console, Group, JustifyMethod
from rich.table import Table
from rich.text import Text

from advisor.cli.formats.common import to_json
from advisor.engine.migrate import TARGETS
from advisor.migrate.pipeline import FleetMigration, ServiceMigration
from advisor.presentation.migration import TARGET_LABELS, MigrationLine, fleet_lines
from advisor.presentation.numbers import ESTIMATE, MISSING, shortened

REASON_WIDTH = 70


def _service_json(o: ServiceMigration) -> dict:
    head = {"service_name": o.service_name, "service_arn": o.service_arn, "region": o.region}
    if o.skipped:
        return head | {"status": "skipped", "reason": o.skipped}
    if o.whatif is None:
        return head | {"status": "error", "error": o.error}
    body = (
        head | {"status": "ok" if o.ok else "error", "reused_recommendation": o.reused} | o.whatif.to_dict()
    )
    body["plan"] = None if o.plan is None else o.plan.to_dict()
    return body | ({"error": o.error} if o.error else {})


def fleet_json(fleet: FleetMigration) -> str:
    """{"services": [each what-if whole, with its name, ARN and plan], "totals": {target: monthly USD}}."""
    return to_json({"services": [_service_json(o) for o in fleet.outcomes], "totals": fleet.totals()})


def _slug(component: str) -> str:
    """A cost line's name as a CSV column: "ALB hours (share)" -> "alb_hours_share"."""
    return re.sub(r"[^a-z0-9]+", "_", component.lower()).strip("_")


def _csv_rows(o: ServiceMigration) -> list[dict]:
    head = {"service_name": o.service_name, "service_arn": o.service_arn, "region": o.region}
    w = o.whatif
    if w is None:
        status, reason = ("skipped", o.skipped) if o.skipped else ("error", o.error)
        return [head | {"target": "", "status": status, "reason": reason}]
    rows = []
    for name in TARGETS:
        t = w.targets[name]
        lines: dict[str, Any] = {f"cost_{_slug(line.component)}_usd": line.usd for line in t.cost_lines}
        rows.append(
            head
            | {
                "target": name,
                "status": "ok",
                "monthly_cost_usd": t.monthly_cost_usd,
                "breach_minutes": t.breach_minutes,
                "minutes": t.minutes,
                "task_hours": t.task_hours,
                "recommendation": w.recommendation,
                "break_even_requests_per_minute": w.break_even.requests_per_minute,
            }
            | lines
        )
    return rows


def fleet_csv(fleet: FleetMigration) -> str:
    """One row per service and target; each cost line is a column (blank where a target has none)."""
    frame = pd.DataFrame([row for o in fleet.outcomes for row in _csv_rows(o)])
    for whole in ("breach_minutes", "minutes"):  # not 12.0 where a skipped row has none
        if whole in frame:
            frame[whole] = frame[whole].astype("Int64")
    return frame.to_csv(index=False)


# (header, justify, no_wrap): short headers and whole dollars, so that the table fits 80 columns.
_COLUMNS = (
    ("service", "left", True),
    ("App Runner", "right", True),
    ("Express", "right", True),
    ("Fargate", "right", True),
    ("breach", "right", True),
    ("even at", "right", True),
    ("verdict", "left", False),
)


def _dollars(value: float | None, estimate: bool) -> str:
    return MISSING if value is None else f"{ESTIMATE if estimate else ''}${value:,.0f}"


def _row(line: MigrationLine) -> list[str]:
    name = line.service_name if line.total else f"{line.service_name}\n[dim]{line.region}[/dim]"
    costs = [_dollars(getattr(line, f"{t}_usd"), line.prices_estimate) for t in TARGET_LABELS]
    return [name, *costs, line.breach_text.replace(" ", ""), line.break_even_multiple, line.recommendation]


def fleet_table(fleet: FleetMigration, totals: bool) -> Group:
    """Per service its monthly cost on each target, breach minutes (App Runner/Express/Fargate), the
    break-even (the traffic, as a multiple of today's, at which App Runner and the cheaper ECS target
    cost the same) and the verdict; the fleet's total with --all; then why, a line per service."""
    where = f"the lake at {fleet.lake}" if fleet.lake else "an offline file"
    table = Table(
        title=f"Move to ECS? {where}, $ a month",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    for header, justify, no_wrap in _COLUMNS:
        table.add_column(header, justify=cast(JustifyMethod, justify), no_wrap=no_wrap, min_width=len(header))
    lines = fleet_lines(fleet)
    for line in lines[:-1]:
        table.add_row(*_row(line))
    if totals:
        table.add_section()
        table.add_row(*_row(lines[-1]), style="bold")
    why = [Text("why (every reason, the cost lines and the plan: --format json)", style="bold")]
    for line in lines[:-1]:
        why.append(
            Text(
                f"  {line.service_name}: {shortened(line.reason, REASON_WIDTH)}",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
    if any(line.prices_estimate for line in lines):
        why.append(Text("≈$: priced from rates AWS does not publish for the region (docs/pricing.md)"))
    return Group(table, *why)


def print_fleet(fleet: FleetMigration, totals: bool) -> None:
    Console(soft_wrap=False).print(fleet_table(fleet, totals))
