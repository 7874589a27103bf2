"""The model check as people read it, one way everywhere: `advisor explain`, the dashboard, the report.

Each row of the engine's check (engine/modelcheck.py `CheckRow`) becomes text cells: money as dollars,
hours with one decimal, counts whole, the error as a signed percentage, and whether it was off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.presentation.numbers import MISSING, count, money

if TYPE_CHECKING:
    from advisor.engine.modelcheck import CheckRow

TITLE = "Model vs observed"
COLUMNS = ("quantity", "modeled", "observed", "error", "verdict")


def amount(value: float | None, unit: str, estimate: bool = False) -> str:
    if value is None:
        return MISSING
    if unit == "USD":
        return money(value, estimate)
    if unit == "instance-hours":
        return f"{value:,.1f} h"
    return count(value)


def error(error_pct: float | None) -> str:
    return MISSING if error_pct is None else f"{error_pct:+.1f}%"


def verdict(row: CheckRow) -> str:
    if row.off:
        return f"off ({row.note})" if row.note else "off"
    if row.error_pct is None:
        return row.note or "not measurable"
    return f"ok ({row.note})" if row.note else "ok"


def cells(row: CheckRow, estimate: bool = False) -> dict[str, str]:
    """One row's cells, keyed by `COLUMNS`. `estimate`: the region's prices are estimates (≈$)."""
    return {
        "quantity": row.quantity,
        "modeled": amount(row.modeled, row.unit, estimate),
        "observed": amount(row.observed, row.unit),  # Cost Explorer's bill is what AWS charged
        "error": error(row.error_pct),
        "verdict": verdict(row),
    }
