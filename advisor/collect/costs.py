"""Costs: what the account's bill says each service cost per day, from the platform's billing API.

Billing is account-wide, so a run reads it once (on the first region's platform), after the services:
a refusal (no permission, no resource-level data) is one line of the summary and the rest of the
collection lands anyway. Each run re-reads its whole window (at most the 14 days Cost Explorer keeps at
resource level): the days still estimated are replaced by what the bill says now, keyed by service,
usage type and day, the newest row winning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from advisor.errors import AdvisorError
from advisor.lake.layout import Lake
from advisor.lake.schema import COSTS
from advisor.lake.writer import write
from advisor.platform.base import DailyCost, Platform

RESOURCE_DAYS = 14  # how far back per-service costs exist (Cost Explorer's resource-level data)


@dataclass(frozen=True)
class CostsOutcome:
    """The run's cost step: rows read and added, days covered, or why there are none."""

    rows: int = 0
    rows_added: int = 0
    days: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error is not None:
            return f"costs: not collected ({self.error})"
        return f"costs: {self.rows} daily costs over {self.days} days ({self.rows_added} new)"


def collect_costs(platform: Platform, lake: Lake | str | Path, now: datetime, days: float) -> CostsOutcome:
    """The last `days` (at most 14) days of every service's daily cost, today's partial day included."""
    end = now.date() + timedelta(days=1)
    start = max((now - timedelta(days=days)).date(), now.date() - timedelta(days=RESOURCE_DAYS))
    try:
        costs = platform.daily_costs(start, end)
    except AdvisorError as exc:
        return CostsOutcome(error=str(exc))
    frame = costs_frame(costs, now)
    if frame.empty:
        return CostsOutcome(days=(end - start).days)
    result = write(lake, COSTS.name, frame)
    return CostsOutcome(len(frame), result.rows_added, (end - start).days)


def costs_frame(costs: list[DailyCost], now: datetime) -> pd.DataFrame:
    """`costs` rows (schema.COSTS)."""
    rows = [
        {
            "usage_date": pd.Timestamp(c.day, tz="UTC"),
            "service_arn": c.service_arn,
            "usage_type": c.usage_type,
            "cost_usd": c.cost_usd,
            "usage_quantity": c.usage_quantity,
            "unit": c.unit,
            "estimated": c.estimated,
            "collected_at": now,
        }
        for c in costs
    ]
    return pd.DataFrame(rows, columns=COSTS.columns.names)
