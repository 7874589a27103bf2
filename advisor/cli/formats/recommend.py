"""Formatters for recommendations and bench results: terminal tables and JSON. No logic here."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
from rich.console import Console, JustifyMethod
from rich.table import Table

from advisor.cli.formats.common import to_json
from advisor.engine.bench import TraceResult
from advisor.engine.explain import Recommendation
from advisor.lake.recommendations import lake_row
from advisor.presentation.numbers import MISSING, money, percent
from advisor.recommend.pipeline import FleetRecommendation, ServiceRecommendation

KEEP_CURRENT = "keep current"


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
    table.add_row("monthly cost now", money(rec.monthly_cost_current_usd), "forecast replay, current config")
    table.add_row("monthly cost after", money(rec.monthly_cost_recommended_usd), "forecast replay")
    table.add_row("monthly savings", money(rec.monthly_savings_usd), "")
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


def _recommended(rec: Recommendation) -> str:
    if rec.keep:
        return KEEP_CURRENT
    return "-" if rec.recommended is None else str(rec.recommended)


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
    return row | {"status": rec.status} | flat | {"reason": rec.reasons[0] if rec.reasons else ""}


def fleet_json(fleet: FleetRecommendation) -> str:
    items = []
    for o in fleet.outcomes:
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


def fleet_csv(fleet: FleetRecommendation) -> str:
    return _whole_numbers(pd.DataFrame([_native(_flat(o)) for o in fleet.outcomes])).to_csv(index=False)


def recommendation_csv(rec: Recommendation, source: str) -> str:
    flat = lake_row(rec, source, source, None)
    for key in ("evidence_json", "explanation", "generated_at", "service_arn"):
        flat.pop(key)
    flat = {"source": source, "status": rec.status} | flat
    flat["reason"] = rec.reasons[0] if rec.reasons else ""
    return _whole_numbers(pd.DataFrame([_native(flat)])).to_csv(index=False)


def fleet_table(fleet: FleetRecommendation) -> Table:
    table = Table(title=f"Recommendations from the lake at {fleet.lake}")
    for name, justify in (
        ("service", "left"),
        ("region", "left"),
        ("current", "right"),
        ("recommended", "right"),
        ("cost now", "right"),
        ("cost recommended", "right"),
        ("savings", "right"),
        ("breach min", "right"),
        ("confidence", "left"),
        ("reason", "left"),
    ):
        width = 60 if name == "reason" else None
        table.add_column(name, justify=cast(JustifyMethod, justify), overflow="fold", max_width=width)
    for o in fleet.outcomes:
        rec = o.recommendation
        if rec is None:
            table.add_row(o.service_name, o.region, MISSING, MISSING, "", "", "", "", "error", o.error or "")
            continue
        breach = rec.breach_minutes_expected
        table.add_row(
            o.service_name,
            o.region,
            str(rec.current),
            _recommended(rec),
            "" if rec.monthly_cost_current_usd is None else money(rec.monthly_cost_current_usd),
            "" if rec.monthly_cost_recommended_usd is None else money(rec.monthly_cost_recommended_usd),
            "" if rec.monthly_savings_usd is None else money(rec.monthly_savings_usd),
            "" if breach is None else f"{breach} / {rec.breach_budget_minutes}",
            rec.confidence,
            rec.reasons[0] if rec.reasons else rec.status,
        )
    return table
