"""Short traces for the recommender's tests: a few days at most, so the whole folder stays fast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.engine.simulate import demand_from_requests

# What the dashboard charts from a recommendation's evidence (Recommendation.to_dict)
CHARTED = (
    "monthly_cost_current_usd",
    "monthly_cost_recommended_usd",
    "breach_minutes_expected",
    "confidence",
    "reasons",
    "knee",
    "forecast",
    "frontier",
)


def scaled(requests: pd.Series, p99_demand: float = 250.0) -> pd.Series:
    """Requests per minute scaled so that the 99th percentile of demand is `p99_demand` (PROTOCOL.md §1)."""
    return requests * (p99_demand / np.percentile(demand_from_requests(requests.to_numpy()), 99))


def flat(demand: float, days: float) -> pd.Series:
    """Constant traffic whose demand (concurrent requests at 0.25 s) is `demand`."""
    index = pd.date_range("2026-03-02", periods=int(days * 1440), freq="1min", tz="UTC", name="timestamp")
    return pd.Series(demand * 60 / 0.25, index=index, name="requests")
