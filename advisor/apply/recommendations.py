"""Recommendations as apply reads them: from the lake's `recommendations` table, never from the engine.

The table is keyed by (service_arn, generated_at) and has no id column, so a recommendation's id is a
short hash of that key: stable, and typed in one go (`--recommendation 3f2a9c1b7d04`). The ISO time of
`generated_at` is accepted too.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig, ServiceRef
from advisor.errors import InputError
from advisor.lake import reader
from advisor.lake.layout import Lake

LATEST = "latest"


def recommendation_id(service_arn: str, generated_at: datetime | pd.Timestamp) -> str:
    stamp = pd.Timestamp(generated_at).tz_convert("UTC").isoformat()
    return hashlib.sha256(f"{service_arn}|{stamp}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class StoredRecommendation:
    """What apply needs of a recommendation: which config it was made against, and what it proposes."""

    id: str
    service_arn: str
    generated_at: datetime
    current: ScalingConfig
    current_instance: InstanceSize
    recommended: ScalingConfig
    recommended_instance: InstanceSize

    @classmethod
    def from_row(cls, row: pd.Series) -> StoredRecommendation:
        generated = pd.Timestamp(row["generated_at"])
        with warnings.catch_warnings():  # the current config was accepted by AWS; the target is re-checked
            warnings.simplefilter("ignore", QuotaWarning)
            current = _scaling(row, "current")
        return cls(
            id=recommendation_id(row["service_arn"], generated),
            service_arn=row["service_arn"],
            generated_at=generated.to_pydatetime(),
            current=current,
            current_instance=_instance(row, "current"),
            recommended=_scaling(row, "recommended"),
            recommended_instance=_instance(row, "recommended"),
        )


def _scaling(row: pd.Series, prefix: str) -> ScalingConfig:
    return ScalingConfig(
        int(row[f"{prefix}_max_concurrency"]), int(row[f"{prefix}_min_size"]), int(row[f"{prefix}_max_size"])
    )


def _instance(row: pd.Series, prefix: str) -> InstanceSize:
    return InstanceSize(float(row[f"{prefix}_cpu_vcpu"]), float(row[f"{prefix}_memory_gb"]))


def load_recommendation(
    lake: Lake | str | Path, service_arn: str, which: str = LATEST
) -> StoredRecommendation:
    """The newest recommendation for the service, or the one with this id (or generated_at time)."""
    frame = reader.read_table(lake, "recommendations")
    frame = frame[frame["service_arn"] == service_arn].sort_values("generated_at", ascending=False)
    if frame.empty:
        raise InputError(
            f"no recommendation for {service_arn} in the lake at {Lake.of(lake).root}: "
            "run 'advisor recommend' first, or give --max-concurrency/--min-size/--max-size"
        )
    if which == LATEST:
        return StoredRecommendation.from_row(frame.iloc[0])
    for _, row in frame.iterrows():
        if which in (recommendation_id(service_arn, row["generated_at"]), _iso(row["generated_at"])):
            return StoredRecommendation.from_row(row)
    raise InputError(f"--recommendation {which!r}: no such recommendation for this service")


def _iso(value: object) -> str:
    return pd.Timestamp(value).tz_convert("UTC").isoformat()


def latest_metrics_time(lake: Lake | str | Path, service_arn: str) -> datetime | None:
    """The newest collected metric datapoint of the service: a recommendation older than it is stale."""
    ref = ServiceRef.from_arn(service_arn)
    frame = reader.read_table(
        lake, "metrics", where={"region": ref.region, "service_id": ref.service_id}, columns=["timestamp"]
    )
    if frame.empty:
        return None
    return pd.Timestamp(frame["timestamp"].max()).to_pydatetime()
