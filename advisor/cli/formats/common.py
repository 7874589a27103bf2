"""Formatters: the same result objects rendered as a terminal table, JSON or CSV. No logic here."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table

from advisor.engine.simulate import SimulationSummary
from advisor.presentation.numbers import money


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(data: dict) -> str:
    return json.dumps(_plain(data), indent=2, default=str)


def simulation_json(summary: SimulationSummary, source: str) -> str:
    data = summary.to_dict()
    data["source"] = source
    return to_json(data)


def simulation_table(summary: SimulationSummary, source: str) -> Table:
    s = summary
    table = Table(title=f"App Runner replay of {source}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_column("note", style="dim")
    days = s.minutes / 1440
    table.add_row("configuration", f"{s.config}", "MaxConcurrency / MinSize / MaxSize")
    table.add_row(
        "instance",
        f"{s.instance}",
        s.region
        + (f" (prices of {s.prices_fallback_for})" if s.prices_fallback_for else "")
        + ("; ≈$: estimated prices (docs/pricing.md)" if s.prices_estimate else ""),
    )
    table.add_row("minutes replayed", f"{s.minutes:,}", f"{days:.1f} days")
    table.add_row("cost", money(s.cost_usd, s.prices_estimate), "over the replayed minutes")
    table.add_row("monthly cost", money(s.monthly_cost_usd, s.prices_estimate), "scaled to 30 days")
    table.add_row("active instance-hours", f"{s.active_instance_hours:,.1f}", "billed for vCPU and memory")
    table.add_row("provisioned instance-hours", f"{s.provisioned_instance_hours:,.1f}", "billed for memory")
    share = s.breach_minutes / s.minutes
    table.add_row("breach minutes", f"{s.breach_minutes:,}", f"{share:.2%} of minutes (budget 0.10%)")
    table.add_row("  throttled (429) minutes", f"{s.throttle_minutes:,}", "demand above ready capacity")
    table.add_row(
        "  slow minutes",
        f"{s.latency_breach_minutes:,}",
        f"per-instance concurrency above {s.model.slo_concurrency:.1f}",
    )
    table.add_row("throttled requests (est.)", f"{s.throttled_requests:,.0f}", "excess concurrency / latency")
    table.add_row("peak demand", f"{s.peak_demand:,.1f}", "concurrent requests")
    table.add_row("peak ready instances", f"{s.peak_ready_instances}", "")
    return table


def print_table(table: Table) -> None:
    Console(soft_wrap=False).print(table)
