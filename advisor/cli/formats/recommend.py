"""Formatters for recommendations and bench results: terminal tables and JSON. No logic here."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.cli.formats.common import to_json
from advisor.engine.bench import TraceResult
from advisor.engine.explain import Recommendation
from advisor.lake.recommendations import StoredRecommendation, lake_row
from advisor.presentation import modelcheck as check_cells
from advisor.presentation.numbers import KEEP_CURRENT, MISSING, money, percent, shortened
from advisor.recommend.pipeline import FleetRecommendation, ServiceRecommendation
from advisor.recommend.view import FleetTotal, FleetView, arrange, current_risks, total


def _native(value):
    """numpy scalars to Python ones, so JSON never stringifies a number."""
    if isinstance(value, dict):
        return {str(k): _native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_native(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def recommendation_json(rec: Recommendation, source: str) -> str:
    return to_json(_native({"source": source, **rec.to_dict()}))


def recommendation_table(rec: Recommendation, source: str) -> Table:
    table = Table(title=f"Recommendation for {source}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_column("note", style="dim")
    table.add_row("status", rec.status, f"confidence: {rec.confidence}")
    table.add_row("current", f"{rec.current}", f"{rec.instance}, {rec.region}")
    if rec.recommended is None:
        table.add_row("recommended", MISSING, rec.data_rule)
        return table
    if rec.keep:
        table.add_row("recommended", KEEP_CURRENT, rec.reasons[0])
    else:
        table.add_row(
            "recommended", f"{rec.recommended}", f"profile {rec.profile}; MaxConcurrency/MinSize/MaxSize"
        )
    est = rec.prices_estimate
    note = "; ≈$: estimated prices (docs/pricing.md)" if est else ""
    table.add_row(
        "monthly cost now", money(rec.monthly_cost_current_usd, est), f"forecast replay, current config{note}"
    )
    table.add_row("monthly cost after", money(rec.monthly_cost_recommended_usd, est), "forecast replay")
    table.add_row("monthly savings", money(rec.monthly_savings_usd, est), "")
    for name in rec.after:
        before, after = rec.before[name], rec.after[name]
        table.add_row(
            f"breach minutes ({name})",
            f"{before.breach_minutes} -> {after.breach_minutes}",
            f"of {after.minutes:,} minutes; budget {rec.budget:.2%}",
        )
    if rec.capacity is not None:
        cap = rec.capacity
        note = "observed" if cap.knee_observed else "not observed: the most seen"
        table.add_row("knee (per instance)", f"{cap.knee:.1f}", f"{note}; limited by {cap.limited_by}")
        table.add_row(
            "unloaded latency", f"{1000 * cap.unloaded_latency_s:.0f} ms", f"p99 {cap.unloaded_p99_ms:.0f} ms"
        )
    if rec.forecast is not None:
        fc = rec.forecast
        bt = f"backtest MAPE {fc.backtest.mape:.0%}" if fc.backtest.mape is not None else "no backtest"
        table.add_row("forecast peak (p90)", f"{fc.peak(0.9):,.0f}", f"concurrent requests; {bt}")
    table.add_row("data", f"{rec.data.days:.1f} days", rec.data_rule)
    return table


def reasons_text(rec: Recommendation) -> str:
    return "\n".join(f"- {reason}" for reason in rec.reasons)


def print_wide(table: Table) -> None:
    """Tables of many columns, printed whole even when the output is a pipe (80 columns by default)."""
    Console(soft_wrap=False, width=160).print(table)


def bench_json(results: list[TraceResult]) -> str:
    return to_json(_native({"traces": [r.to_dict() for r in results]}))


def bench_table(results: list[TraceResult]) -> Table:
    table = Table(title="bench/PROTOCOL.md: recommended vs hindsight optimum on the test window")
    for name, justify in (
        ("trace", "left"),
        ("recommended", "right"),
        ("optimum", "right"),
        ("cost ratio", "right"),
        ("breach / budget", "right"),
        ("opt breach", "right"),
        ("savings vs default", "right"),
        ("baseline ratio", "right"),
        ("default breach", "right"),
        ("pass", "center"),
    ):
        table.add_column(name, justify=cast(JustifyMethod, justify))
    for r in results:
        rec = r.recommended
        table.add_row(
            r.name.rsplit(".", 1)[0],
            MISSING if rec is None else str(rec.config),
            str(r.optimum.config),
            MISSING if r.cost_ratio is None else f"{r.cost_ratio:.3f}",
            MISSING if rec is None else f"{rec.breach_minutes} / {r.allowed}",
            str(r.optimum.breach_minutes),
            percent(r.savings_vs_default),
            f"{r.baseline.cost_usd / r.optimum.cost_usd:.3f} ({r.baseline.breach_minutes})",
            str(r.default.breach_minutes),
            "yes" if r.passed else "no",
        )
    return table


def _flat(outcome: ServiceRecommendation) -> dict:
    """One service as the CSV's flat columns (the lake row without its JSON evidence, plus status)."""
    rec = outcome.recommendation
    row = {"service_name": outcome.service_name, "service_arn": outcome.service_arn, "region": outcome.region}
    if rec is None:
        return row | {"status": "error", "reason": outcome.error}
    flat = lake_row(rec, outcome.service_arn, outcome.service_name, outcome.generated_at)
    flat.pop("evidence_json")
    flat.pop("explanation")
    flat["generated_at"] = str(flat["generated_at"])
    reason = rec.reasons[0] if rec.reasons else ""
    return row | {"status": rec.status} | flat | {"prices_estimate": rec.prices_estimate, "reason": reason}


def fleet_json(fleet: FleetRecommendation, view: FleetView | None = None) -> str:
    """The shown services, each with its whole recommendation (every reason, the evidence)."""
    items = []
    for o in arrange(fleet.outcomes, view or FleetView()):
        head: dict[str, str | None] = {"service_name": o.service_name, "service_arn": o.service_arn}
        if o.recommendation is None:
            items.append(head | {"status": "error", "region": o.region, "error": o.error})
        else:
            items.append(head | {"generated_at": str(o.generated_at)} | o.recommendation.to_dict())
    return to_json(_native(items))


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Configuration columns as integers even where some rows have none (not 90.0)."""
    for name in frame.columns:
        if name.endswith(("max_concurrency", "min_size", "max_size")):
            frame[name] = frame[name].astype("Int64")
    return frame


def fleet_csv(fleet: FleetRecommendation, view: FleetView | None = None) -> str:
    shown = arrange(fleet.outcomes, view or FleetView())
    return _whole_numbers(pd.DataFrame([_native(_flat(o)) for o in shown])).to_csv(index=False)


def recommendation_csv(rec: Recommendation, source: str) -> str:
    flat = lake_row(rec, source, source, None)
    for key in ("evidence_json", "explanation", "generated_at", "service_arn"):
        flat.pop(key)
    flat = {"source": source, "status": rec.status} | flat
    flat["prices_estimate"] = rec.prices_estimate
    flat["reason"] = rec.reasons[0] if rec.reasons else ""
    return _whole_numbers(pd.DataFrame([_native(flat)])).to_csv(index=False)


def _config_cell(rec: Recommendation) -> str:
    if rec.recommended is None:
        return f"{rec.current}\n→ {MISSING}"
    return f"{rec.current}\n→ {'keep' if rec.keep else rec.recommended}"


def _cost_cell(rec: Recommendation) -> str:
    now, then, est = rec.monthly_cost_current_usd, rec.monthly_cost_recommended_usd, rec.prices_estimate
    if now is None and then is None:
        return ""
    return f"{money(now, est)}\n→ {money(then, est)}"


def _savings_cell(rec: Recommendation) -> str:
    savings, now = rec.monthly_savings_usd, rec.monthly_cost_current_usd
    if savings is None:
        return ""
    share = f"\n{savings / now:.0%}" if now else ""
    return money(savings, rec.prices_estimate) + share


def _risk_cell(outcome: ServiceRecommendation) -> str:
    rec = outcome.recommendation
    assert rec is not None
    badges = ", ".join(current_risks(outcome)) or "none"
    breach = rec.breach_minutes_expected
    after = "" if breach is None else f"\n→ {breach}/{rec.breach_budget_minutes} min"
    return badges + after


# (header, justify, no_wrap): one-word headers, and columns narrow enough that the table fits 80 columns.
_FLEET_COLUMNS = (
    ("service", "left", True),
    ("config", "right", True),
    ("cost/mo", "right", True),
    ("savings", "right", True),
    ("risk", "left", False),
    ("conf.", "left", True),
)
REASON_WIDTH = 60


def fleet_table(fleet: FleetRecommendation, view: FleetView | None = None) -> Group:
    """The fleet as a person reads it: one row per shown service (config and monthly cost now ->
    recommended, savings, the current configuration's risk -> the recommended one's breach minutes,
    confidence), the total, then each service's first reason shortened (whole in --format json and
    `advisor explain SERVICE`)."""
    shown = arrange(fleet.outcomes, view or FleetView())
    table = Table(
        title=f"Recommendations from the lake at {fleet.lake}",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
    )
    for name, justify, no_wrap in _FLEET_COLUMNS:
        table.add_column(name, justify=cast(JustifyMethod, justify), no_wrap=no_wrap, min_width=len(name))
    for o in shown:
        service = f"{o.service_name}\n[dim]{o.region}[/dim]"
        rec = o.recommendation
        if rec is None:
            table.add_row(service, "", "", "", "", "error")
        else:
            table.add_row(
                service, _config_cell(rec), _cost_cell(rec), _savings_cell(rec), _risk_cell(o), rec.confidence
            )
    fleet_total = total(shown)
    _total_row(table, fleet_total)
    return Group(table, *_why_lines(shown, fleet_total))


def _total_row(table: Table, fleet: FleetTotal) -> None:
    est = fleet.prices_estimate
    table.add_section()
    if fleet.services:
        costs = f"{money(fleet.cost_now_usd, est)}\n→ {money(fleet.cost_recommended_usd, est)}"
        share = f"\n{fleet.savings_usd / fleet.cost_now_usd:.0%}" if fleet.cost_now_usd else ""
        savings = money(fleet.savings_usd, est) + share
    else:
        costs = savings = MISSING
    table.add_row(
        f"total\n{fleet.services} of {fleet.shown} priced", "", costs, savings, "", "", style="bold"
    )


def _why_lines(shown: list[ServiceRecommendation], fleet: FleetTotal) -> list[Text]:
    lines = [Text("why (the first reason; all of them: advisor explain SERVICE)", style="bold")]
    for o in shown:
        rec = o.recommendation
        reason = (o.error or "") if rec is None else (rec.reasons[0] if rec.reasons else rec.status)
        lines.append(
            Text(f"  {o.service_name}: {shortened(reason, REASON_WIDTH)}", no_wrap=True, overflow="ellipsis")
        )
    if fleet.prices_estimate:
        lines.append(Text("≈$: priced from rates AWS does not publish for the region (docs/pricing.md)"))
    return lines


def print_fitted(table: RenderableType) -> None:
    """A table fitted to the terminal (COLUMNS, or 80 when the output is a pipe)."""
    Console(soft_wrap=False).print(table)


def stored_json(stored: StoredRecommendation) -> str:
    """A stored recommendation whole: its id and time, then everything the engine said."""
    head = {
        "id": stored.id,
        "service_name": stored.service_name,
        "service_arn": stored.service_arn,
        "generated_at": str(stored.generated_at),
    }
    return to_json(_native(head | stored.evidence.to_dict()))


def evidence_table(rec: Recommendation) -> Table:
    """Each scenario replayed under the current and the recommended configuration."""
    est = rec.prices_estimate
    table = Table(
        title="Evidence: each scenario replayed (429s: throttled requests, estimated)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("scenario", "config", "cost/mo", "breach min", "429s"):
        table.add_column(name, justify="left" if name in ("scenario", "config") else "right", no_wrap=True)
    for which, outcomes in (("now", rec.before), ("recommended", rec.after)):
        for scenario, o in outcomes.items():
            table.add_row(
                f"{scenario} ({which})",
                str(o.config),
                money(o.monthly_cost_usd, est),
                f"{o.breach_minutes:,} / {o.minutes:,}",
                f"{o.throttled_requests:,.0f}",
            )
    for option in rec.right_sizing:
        table.add_row(
            f"size {option.instance}",
            MISSING if option.config is None else str(option.config),
            money(option.monthly_cost_usd, est),
            MISSING if option.breach_minutes is None else f"{option.breach_minutes:,}",
            "",
        )
    return table


def model_check_table(rec: Recommendation) -> Table | None:
    """The current configuration replayed by the model against what CloudWatch and Cost Explorer saw."""
    check = rec.model_check
    if check is None:
        return None
    table = Table(
        title=f"{check_cells.TITLE} ({check.minutes:,} minutes under {rec.current})",
        caption=check.verdict,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in check_cells.COLUMNS:
        table.add_column(name, justify="right" if name in ("modeled", "observed", "error") else "left")
    for row in check.rows:
        table.add_row(*check_cells.cells(row, rec.prices_estimate).values())
    return table


def print_explained(stored: StoredRecommendation) -> None:
    """`advisor explain`: the recommendation, every reason in full, and the replays behind it."""
    rec = stored.evidence
    source = f"{stored.service_name} ({stored.region}), {stored.generated_at:%Y-%m-%d %H:%M} UTC"
    console = Console(soft_wrap=False)
    console.print(recommendation_table(rec, source))
    console.print(Text(f"id {stored.id}", style="dim"))
    console.print(Text("Why", style="bold"))
    for reason in rec.reasons:
        console.print(Text(f"- {reason}"), soft_wrap=True)
    if rec.before or rec.after:
        console.print(evidence_table(rec))
    checked = model_check_table(rec)
    if checked is not None:
        console.print(checked, soft_wrap=True)
