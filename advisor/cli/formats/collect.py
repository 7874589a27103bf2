"""Formatters for `advisor collect`: the run summary as a terminal table or JSON. No logic here."""

from __future__ import annotations

from rich.table import Table

from advisor.cli.formats.common import to_json
from advisor.collect.run import CollectSummary
from advisor.presentation.numbers import MISSING, duration

RESULT_STYLE = {"collected": "green", "skipped": "yellow", "failed": "bold red"}


def summary_json(summary: CollectSummary) -> str:
    return to_json(summary.to_dict())


def services_table(summary: CollectSummary) -> Table:
    table = Table(
        title=f"Collected up to {summary.until:%Y-%m-%d %H:%M} UTC (account {summary.account_id})",
        title_justify="left",
    )
    for name, justify in (
        ("region", "left"),
        ("service", "left"),
        ("status", "left"),
        ("result", "left"),
        ("datapoints", "right"),
        ("new", "right"),
        ("log events", "right"),
        ("new", "right"),
        ("operations", "right"),
        ("notes", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in summary.services:
        style = RESULT_STYLE.get(s.result, "")
        notes = "; ".join([*([s.error] if s.error else []), *s.notes])
        table.add_row(
            s.region,
            s.name,
            s.status or MISSING,
            f"[{style}]{s.result}[/{style}]",
            f"{s.datapoints:,}",
            f"{s.metric_rows_added:,}",
            f"{s.log_events:,}",
            f"{s.log_rows_added:,}",
            f"{s.operations:,}",
            notes,
        )
    for region, error in summary.region_errors.items():
        table.add_row(region, "-", MISSING, "[bold red]failed[/bold red]", "", "", "", "", "", error)
    return table


def totals_table(summary: CollectSummary) -> Table:
    table = Table(show_header=False, title="Run", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    counts = {r: sum(s.result == r for s in summary.services) for r in RESULT_STYLE}
    table.add_row("services", ", ".join(f"{n} {r}" for r, n in counts.items()))
    table.add_row(
        "datapoints (new)", f"{summary.total('datapoints'):,} ({summary.total('metric_rows_added'):,})"
    )
    table.add_row(
        "log events (new)", f"{summary.total('log_events'):,} ({summary.total('log_rows_added'):,})"
    )
    table.add_row("operations", f"{summary.total('operations'):,}")
    if summary.costs is not None:
        table.add_row("costs", summary.costs.line().removeprefix("costs: "))
    table.add_row("API calls", f"{sum(summary.calls.values()):,}")
    for operation, count in summary.calls.items():
        table.add_row(f"  {operation}", f"{count:,}")
    table.add_row("elapsed", duration(summary.elapsed_s))
    return table
