"""Recommendations as apply reads them: from the lake's `recommendations` table, never from the engine.

The table and its typed row live in `advisor.lake.recommendations`; this module adds what apply asks of
them: a recommendation that proposes something (or a refusal in apply's words), the newest metric the
lake holds (a recommendation older than it is stale), and which of the two ways to apply a change the
dashboard's choices amount to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.domain import ScalingConfig, ServiceRef
from advisor.engine.profiles import DEFAULT_PROFILE
from advisor.errors import InputError
from advisor.lake import reader
from advisor.lake import recommendations as stored
from advisor.lake.layout import Lake
from advisor.lake.recommendations import LATEST, StoredRecommendation, recommendation_id

__all__ = [
    "LATEST",
    "ApplyRequest",
    "StoredRecommendation",
    "apply_request",
    "latest_metrics_time",
    "load_recommendation",
    "recommendation_id",
]


def load_recommendation(
    lake: Lake | str | Path, service_arn: str, which: str = LATEST
) -> StoredRecommendation:
    """The newest recommendation for the service, or the one with this id (or generated_at time); it
    always proposes a configuration (a refusal to recommend is bad input here, with its reason)."""
    if stored.find(lake, service_arn) is None:
        raise InputError(
            f"no recommendation for {service_arn} in the lake at {Lake.of(lake).root}: "
            "run 'advisor recommend' first, or give --max-concurrency/--min-size/--max-size"
        )
    rec = stored.find(lake, service_arn, which)
    if rec is None:
        raise InputError(f"--recommendation {which!r}: no such recommendation for this service")
    if rec.recommended is None:
        why = rec.explanation.splitlines()[0] if rec.explanation else "the engine recommended nothing"
        raise InputError(f"recommendation {rec.id} proposes no configuration: {why}")
    return rec


def latest_metrics_time(lake: Lake | str | Path, service_arn: str) -> datetime | None:
    """The newest collected metric datapoint of the service: a recommendation older than it is stale."""
    ref = ServiceRef.from_arn(service_arn)
    frame = reader.read_table(
        lake, "metrics", where={"region": ref.region, "service_id": ref.service_id}, columns=["timestamp"]
    )
    if frame.empty:
        return None
    return pd.Timestamp(frame["timestamp"].max()).to_pydatetime()


@dataclass(frozen=True)
class ApplyRequest:
    """What `plan_apply` is asked to apply: a stored recommendation (its id, or LATEST), or values."""

    recommendation: str | None = None
    values: ScalingConfig | None = None


def apply_request(
    stored: StoredRecommendation | None, strategy: str | None, shown: ScalingConfig
) -> ApplyRequest:
    """The stored recommendation when it is the one shown: made with the strategy picked (the default
    when none is), so its freshness and drift checks apply. A recommendation made on the fly for another
    strategy is not in the lake, so the configuration it shows is applied as explicit values.

    `stored` is read with its evidence, which names its strategy (a row without any was written by hand,
    and is taken as made with the default)."""
    if stored is None:
        return ApplyRequest(values=shown)
    made_with = stored.evidence.profile if stored.evidence_json else DEFAULT_PROFILE
    if made_with == (strategy or DEFAULT_PROFILE):
        return ApplyRequest(recommendation=stored.id)
    return ApplyRequest(values=shown)
