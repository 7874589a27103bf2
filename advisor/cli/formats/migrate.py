"""`advisor migrate-whatif` as a table, JSON or CSV: the same `FleetMigration` three ways. No logic here."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from advisor.cli.formats.common import to_json
from advisor.engine.migrate import TARGETS
from advisor.migrate.pipeline import FleetMigration, ServiceMigration
from advisor.presentation.migration import TARGET_LABELS, MigrationLine, fleet_lines, service_line
from advisor.presentation.numbers import money, shortened

REASON_WIDTH = 70


def _service_json(o: ServiceMigration) -> dict:
    head = {"service_name": o.service_name, "service_arn": o.service_arn, "region": o.region}
    if o.whatif is None:
        return head | {"status": "error", "error": o.error}
    body = head | {"status": "ok" if o.ok else "error"} | o.whatif.to_dict()
    body["plan"] = None if o.plan is None else o.plan.to_dict()
    return body | ({"error": o.error} if o.error else {})


def fleet_json(fleet: FleetMigration) -> str:
    """{"services": [each what-if whole, with its name, ARN and plan], "totals": {target: monthly USD}}."""
    return to_json({"services": [_service_json(o) for o in fleet.outcomes], "totals": fleet.totals()})


def _csv_rows(o: ServiceMigration) -> list[dict]:
    head = {"service_name": o.service_name, "service_arn": o.service_arn, "region": o.region}
    w = o.whatif
    if w is None:
        return [head | {"target": "", "status": "error", "error": o.error}]
    rows = []
    for name in TARGETS:
        t = w.targets[name]
        lines = {f"cost_{line.component}_usd": line.usd for line in t.cost_lines}
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
    rows = [row for o in fleet.outcomes for row in _csv_rows(o)]
    return pd.DataFrame(rows).to_csv(index=False)


_COLUMNS = ("service", *TARGET_LABELS.values(), "breach min", "break-even", "verdict")


def _row(line: MigrationLine) -> list[str]:
    name = line.service_name if line.total else f"{line.service_name}\n[dim]{line.region}[/dim]"
    costs = [money(getattr(line, f"{t}_usd")) for t in TARGET_LABELS]
    return [name, *costs, line.breach_text, line.break_even, line.recommendation]


def fleet_table(fleet: FleetMigration, totals: bool) -> Group:
    """Per service the three monthly costs, breach minutes (App Runner / Express / Fargate), the
    break-even and the verdict; the fleet's total with --all; then each service's first reason."""
    where = "the lake at " + str(fleet.lake) if fleet.lake else "an offline file"
    table = Table(
        title=f"App Runner, ECS Express or Fargate? ({where}; $ per month)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
    )
    for i, header in enumerate(_COLUMNS):
        table.add_column(header, justify="right" if 0 < i < 5 else "left", no_wrap=i < 5)
    lines = fleet_lines(fleet)
    for line in lines[:-1]:
        table.add_row(*_row(line))
    if totals:
        table.add_section()
        table.add_row(*_row(lines[-1]), style="bold")
    why = [Text("why (the first reason; all of them: --format json)", style="bold")]
    for o in fleet.outcomes:
        reason = service_line(o).reason
        why.append(
            Text(f"  {o.service_name}: {shortened(reason, REASON_WIDTH)}", no_wrap=True, overflow="ellipsis")
        )
    return Group(table, *why)


def print_fleet(fleet: FleetMigration, totals: bool) -> None:
    Console(soft_wrap=False).print(fleet_table(fleet, totals))
