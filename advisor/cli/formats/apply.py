"""Formatters for apply: the plan's diff and steps, the result, the audit log. No logic here."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from advisor.apply import ApplyResult, Plan
from advisor.apply.evidence import PlanEvidence
from advisor.apply.prune import PrunePlan, PruneResult
from advisor.apply.reconcile import Settled
from advisor.apply.state import ConfigState
from advisor.presentation.numbers import count, duration, money

ACTION_COLUMNS = [
    "action_id",
    "created_at",
    "kind",
    "status",
    "service",
    "before",
    "after",
    "operation_id",
    "rollback_of",
    "duration_s",
    "actor",
    "source",
    "message",
]


def _console() -> Console:
    return Console(soft_wrap=True)


def plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "service_arn": plan.service_arn,
        "service_name": plan.service_name,
        "region": plan.region,
        "kind": plan.kind,
        "source": plan.source,
        "noop": plan.noop,
        "before": plan.before.to_dict(),
        "target": plan.target.to_dict(),
        "config_name": plan.config_name,
        "steps": [{"action": s.action, "target": s.target, "why": s.why} for s in plan.steps],
        "refusals": list(plan.refusals),
        "overridden": list(plan.overridden),
        "notes": list(plan.notes),
    }


def print_plan(plan: Plan) -> None:
    console = _console()
    title = f"{plan.kind} plan for {plan.service_name} ({plan.region}), from {plan.source}"
    table = Table(title=title, title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("current", justify="right")
    table.add_column("target", justify="right")
    for row in plan.diff():
        table.add_row(row.field, row.current, f"[bold]{row.target}[/bold]" if row.changed else row.target)
    console.print(table)
    if plan.noop:
        console.print("No change: the service already runs this configuration.")
    for number, step in enumerate(plan.steps, start=1):
        console.print(f"  {number}. {step.action} {step.target}\n     {step.why}", highlight=False)
    for note in plan.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    for problem in plan.overridden:
        console.print(f"[yellow]forced past:[/yellow] {problem}", highlight=False)
    for problem in plan.refusals:
        console.print(f"[red]refused:[/red] {problem}", highlight=False)


def print_settled(found: list[Settled]) -> None:
    """What `actions --refresh` settled, on stderr (stdout stays the audit log in the format asked)."""
    console = Console(stderr=True, soft_wrap=True)
    if not found:
        console.print("refresh: no action was left in progress")
    for item in found:
        verb = f"{item.was} -> {item.now}" if item.changed else f"still {item.now}"
        console.print(f"refresh: action {item.action_id} {verb}: {item.message}", highlight=False)


def evidence_rows(evidence: PlanEvidence) -> list[tuple[str, str, str]]:
    """(figure, current, target) for the plan's prediction: money and risk beside the diff."""
    horizon = f" in {duration(evidence.forecast_minutes * 60)} forecast" if evidence.forecast_minutes else ""
    return [
        ("Monthly cost", money(evidence.monthly_cost_before_usd), money(evidence.monthly_cost_after_usd)),
        (
            f"Breach minutes{horizon}",
            count(evidence.breach_minutes_before),
            count(evidence.breach_minutes_after),
        ),
        ("Throttled requests", count(evidence.throttled_before), count(evidence.throttled_after)),
    ]


def print_evidence(evidence: PlanEvidence | None) -> None:
    console = _console()
    if evidence is None:
        console.print(
            "Predicted effect: none (explicit values or a rollback: no recommendation predicted it)"
        )
        return
    table = Table(
        title=f"Predicted effect (recommendation {evidence.recommendation_id})", title_justify="left"
    )
    for column, justify in (("figure", "left"), ("current", "right"), ("target", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in evidence_rows(evidence):
        table.add_row(*row)
    console.print(table)
    console.print(
        f"Monthly savings {money(evidence.monthly_savings_usd)}; confidence {evidence.confidence}",
        highlight=False,
    )


def result_dict(result: ApplyResult) -> dict[str, Any]:
    a = result.action
    return {
        "action_id": a.action_id,
        "status": str(a.status),
        "message": a.message,
        "operation_id": a.operation_id,
        "before": a.before.to_dict(),
        "after": a.after.to_dict(),
        "rollback_of": a.rollback_of,
        "duration_s": round(a.duration_s, 3),
        "actor": a.actor,
    }


def print_result(result: ApplyResult) -> None:
    colour = "green" if result.ok else "red"
    _console().print(
        f"[{colour}]{result.status}[/{colour}] (action {result.action_id}): {result.message}", highlight=False
    )


def plan_and_result_json(plan: Plan, result: ApplyResult | None, evidence: PlanEvidence | None = None) -> str:
    body = {
        "plan": plan_dict(plan),
        "evidence": evidence.to_dict() if evidence else None,
        "result": result_dict(result) if result else None,
    }
    return json.dumps(body, indent=2)


def _config_text(text: str | None) -> str:
    if not text:
        return ""
    state = ConfigState.from_json(text)
    where = f" {state.name}#{state.revision}" if state.arn else ""
    return f"{state.scaling}{where}"


def actions_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The audit log as people read it: one line per attempt, configurations as C/m/M name#revision."""
    out = frame.assign(
        service=frame["service_arn"].str.split("/").str[1],
        before=frame["before"].map(_config_text),
        after=frame["after"].map(_config_text),
        created_at=pd.to_datetime(frame["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S"),
    )
    return out.reindex(columns=ACTION_COLUMNS)


def print_actions(frame: pd.DataFrame) -> None:
    table = Table(title="Audit log (newest first)", title_justify="left")
    shown = [
        "action_id",
        "created_at",
        "kind",
        "status",
        "service",
        "before",
        "after",
        "rollback_of",
        "message",
    ]
    for column in shown:
        table.add_column(column, overflow="fold")
    for _, row in actions_frame(frame).iterrows():
        table.add_row(*["" if pd.isna(row[c]) else str(row[c]) for c in shown])
    Console(soft_wrap=False, width=200).print(table)


def actions_json(frame: pd.DataFrame) -> str:
    records = actions_frame(frame).astype(object).where(lambda f: f.notna(), None).to_dict("records")
    return json.dumps(records, indent=2, default=str)


def actions_csv(frame: pd.DataFrame) -> str:
    return actions_frame(frame).to_csv(index=False)


def prune_dict(plan: PrunePlan, result: PruneResult | None) -> dict[str, Any]:
    return {
        "region": plan.region,
        "delete": [{"arn": r.arn, "name": r.name, "revision": r.revision} for r in plan.deletions],
        "kept": [{"arn": k.revision.arn, "name": k.revision.name, "why": k.why} for k in plan.kept],
        "result": None
        if result is None
        else {"deleted": list(result.deleted), "skipped": [list(s) for s in result.skipped]},
    }


def print_prune_plan(plan: PrunePlan) -> None:
    console = _console()
    if not plan.deletions:
        console.print(f"Nothing to prune in {plan.region}: no unused configuration of the advisor's.")
    else:
        console.print(f"Unused configurations of the advisor's in {plan.region}:")
    for number, rev in enumerate(plan.deletions, start=1):
        console.print(
            f"  {number}. apprunner:DeleteAutoScalingConfiguration {rev.name} revision {rev.revision}\n"
            f"     {rev.arn}",
            highlight=False,
        )
    for kept in plan.kept:
        console.print(f"  kept: {kept.revision.name} revision {kept.revision.revision}: {kept.why}")


def print_prune_result(result: PruneResult) -> None:
    console = _console()
    for arn in result.deleted:
        console.print(f"[green]deleted[/green] {arn}", highlight=False)
    for arn, why in result.skipped:
        console.print(f"[red]not deleted[/red] {arn}: {why}", highlight=False)
    if result.refused:
        console.print(f"[red]refused[/red]: {result.refused}", highlight=False)
