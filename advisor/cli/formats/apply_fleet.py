"""Formatters for `apply --all`: the fleet plan (diff, money and risk before -> after, total), the
skipped services with why, and each service's result. No logic here."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from advisor.apply.fleet import FleetOutcome, FleetPlan
from advisor.cli.formats.apply import plan_dict, result_dict
from advisor.presentation.numbers import count, money

ARROW = " -> "


def _console() -> Console:
    width = Console().width
    return Console(soft_wrap=True, width=max(width, 120))  # a change per line reads better than wrapped


def fleet_rows(fleet: FleetPlan) -> list[list[str]]:
    """One row per change, then the total: service, region, config, cost, breach minutes, confidence."""
    rows = []
    for entry in fleet.entries:
        p, e = entry.plan, entry.evidence
        instance = "" if p.instance_change is None else f" on {p.target.instance}"
        rows.append(
            [
                p.service_name,
                p.region,
                f"{p.before.scaling}{ARROW}{p.target.scaling}{instance}",
                f"{money(e.monthly_cost_before_usd)}{ARROW}{money(e.monthly_cost_after_usd)}",
                money(e.monthly_savings_usd),
                f"{count(e.breach_minutes_before)}{ARROW}{count(e.breach_minutes_after)}",
                e.confidence,
            ]
        )
    rows.append(
        [
            f"total ({len(fleet.entries)})",
            "",
            "",
            f"{money(fleet.monthly_cost_before_usd)}{ARROW}{money(fleet.monthly_cost_after_usd)}",
            money(fleet.monthly_savings_usd),
            "",
            "",
        ]
    )
    return rows


def print_fleet_plan(fleet: FleetPlan) -> None:
    console = _console()
    table = Table(
        title=f"Fleet plan: {len(fleet.entries)} to change, {len(fleet.skipped)} skipped",
        title_justify="left",
    )
    for name in ("service", "region", "configuration", "monthly cost", "savings", "breach min", "confidence"):
        table.add_column(
            name, justify="right" if name in ("monthly cost", "savings", "breach min") else "left"
        )
    rows = fleet_rows(fleet)
    for row in rows[:-1]:
        table.add_row(*row)
    table.add_section()
    table.add_row(*rows[-1], style="bold")
    console.print(table)
    for skipped in fleet.skipped:
        console.print(
            f"  skipped {skipped.service_name} ({skipped.region}): {skipped.reason}", highlight=False
        )


def print_outcome(outcome: FleetOutcome) -> None:
    where = f"{outcome.service_name} ({outcome.region})"
    if outcome.result is None:
        _console().print(f"[yellow]not changed[/yellow] {where}: {outcome.not_attempted}", highlight=False)
        return
    r = outcome.result
    colour = "green" if r.ok else "red"
    _console().print(
        f"[{colour}]{r.status}[/{colour}] {where} (action {r.action_id}): {r.message}", highlight=False
    )


def fleet_json(fleet: FleetPlan, outcomes: list[FleetOutcome]) -> str:
    body: dict[str, Any] = {
        "plans": [{"plan": plan_dict(e.plan), "evidence": e.evidence.to_dict()} for e in fleet.entries],
        "skipped": [
            {
                "service_name": s.service_name,
                "region": s.region,
                "service_arn": s.service_arn,
                "reason": s.reason,
            }
            for s in fleet.skipped
        ],
        "total": {
            "monthly_cost_before_usd": fleet.monthly_cost_before_usd,
            "monthly_cost_after_usd": fleet.monthly_cost_after_usd,
            "monthly_savings_usd": fleet.monthly_savings_usd,
        },
        "results": [
            {
                "service_name": o.service_name,
                "region": o.region,
                "result": result_dict(o.result) if o.result else None,
                "not_attempted": o.not_attempted,
            }
            for o in outcomes
        ],
    }
    return json.dumps(body, indent=2)
