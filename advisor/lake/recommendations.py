"""The lake's `recommendations` table, typed: the one place a recommendation is written and read back.

The engine's `Recommendation` goes in as one row (`lake_row`: the figures as columns, the whole
recommendation as evidence JSON) and comes back as a `StoredRecommendation`: the columns typed, the
evidence parsed into a `Recommendation` again only when asked. The evidence is ~300 KB a service, so
the fleet reads without it and one service's evidence is read from its own date partition only.

The table is keyed by (service_arn, generated_at) and has no id column, so a recommendation's id is a
short hash of that key: stable, and typed in one go (`--recommendation 3f2a9c1b7d04`). The ISO time of
`generated_at` names it too.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig
from advisor.engine.explain import CHANGE, KEEP, NONE, Recommendation, recommended_risk_badges, risk_badges
from advisor.lake.layout import Lake
from advisor.lake.reader import read_table
from advisor.lake.schema import table

LATEST = "latest"
EVIDENCE = "evidence_json"
_SCALING = ("max_concurrency", "min_size", "max_size")
Row = Mapping[Hashable, Any]  # one lake row, as `DataFrame.to_dict("records")` gives it


def recommendation_id(service_arn: str, generated_at: datetime | pd.Timestamp) -> str:
    stamp = pd.Timestamp(generated_at).tz_convert("UTC").isoformat()
    return hashlib.sha256(f"{service_arn}|{stamp}".encode()).hexdigest()[:12]


def scaling_from_row(row: Row, prefix: str = "") -> ScalingConfig | None:
    """A scaling configuration stored as lake columns: the `services` table's own (no prefix) or a
    recommendation's (`current_`, `recommended_`); None when the row records none. Every stored
    configuration was accepted by AWS or checked when chosen, so a raised quota is not news here."""
    values: list[Any] = [row.get(f"{prefix}{k}") for k in _SCALING]
    if any(_missing(v) for v in values):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QuotaWarning)
        return ScalingConfig(*(int(v) for v in values))


def instance_from_row(row: Row, prefix: str = "") -> InstanceSize | None:
    cpu: Any = row.get(f"{prefix}cpu_vcpu")
    memory: Any = row.get(f"{prefix}memory_gb")
    if _missing(cpu) or _missing(memory):
        return None
    return InstanceSize(float(cpu), float(memory))


@dataclass(frozen=True)
class StoredRecommendation:
    """One row of the `recommendations` table; `evidence` is the engine's whole recommendation."""

    id: str
    service_arn: str
    service_name: str
    region: str
    generated_at: datetime
    current: ScalingConfig
    current_instance: InstanceSize
    recommended: ScalingConfig | None  # None: the engine refused (paused, too little data, no traffic)
    recommended_instance: InstanceSize
    monthly_cost_current_usd: float | None
    monthly_cost_recommended_usd: float | None
    monthly_savings_usd: float | None
    predicted_breach_minutes: float | None
    predicted_throttled_requests: float | None
    confidence: str
    risks: tuple[str, ...]  # the current configuration's (Risk now)
    data_until: datetime | None
    explanation: str
    evidence_json: str | None = field(default=None, repr=False, compare=False)
    recommended_risks: tuple[str, ...] = ()  # the recommended configuration's (Risk recommended)
    action: str = NONE  # CHANGE, KEEP (recommended == current: `apply` has nothing to do) or NONE

    @property
    def keep(self) -> bool:
        """The engine found no change worth making: keep the current configuration."""
        return self.action == KEEP

    @classmethod
    def from_row(cls, row: Row) -> StoredRecommendation:
        generated = pd.Timestamp(row["generated_at"])
        current = scaling_from_row(row, "current_")
        current_instance = instance_from_row(row, "current_")
        if current is None or current_instance is None:
            raise ValueError(f"recommendation row of {row['service_arn']} has no current configuration")
        evidence = row.get(EVIDENCE)
        return cls(
            id=recommendation_id(row["service_arn"], generated),
            service_arn=row["service_arn"],
            service_name=row["service_name"],
            region=row["region"],
            generated_at=generated.to_pydatetime(),
            current=current,
            current_instance=current_instance,
            recommended=scaling_from_row(row, "recommended_"),
            recommended_instance=instance_from_row(row, "recommended_") or current_instance,
            monthly_cost_current_usd=_number(row.get("current_monthly_cost")),
            monthly_cost_recommended_usd=_number(row.get("predicted_monthly_cost")),
            monthly_savings_usd=_number(row.get("monthly_savings")),
            predicted_breach_minutes=_number(row.get("predicted_breach_minutes")),
            predicted_throttled_requests=_number(row.get("predicted_throttled_requests")),
            confidence=_text(row.get("confidence")) or "none",
            risks=_badges(row.get("risks")),
            recommended_risks=_badges(row.get("recommended_risks")),
            action=_action(row),
            data_until=None if _missing(row.get("data_until")) else pd.Timestamp(row["data_until"]),
            explanation=_text(row.get("explanation")) or "",
            evidence_json=None if _missing(evidence) else str(evidence),
        )

    @cached_property
    def evidence(self) -> Recommendation:
        """The engine's recommendation as it was made, parsed on first use."""
        if self.evidence_json is None:
            raise ValueError(
                f"recommendation {self.id} was read without its evidence (read it with evidence=True)"
            )
        return Recommendation.from_dict(json.loads(self.evidence_json))

    def named_by(self, which: str) -> bool:
        """Whether `which` (an id, or the ISO time of generated_at) names this recommendation."""
        return which in (self.id, _iso(self.generated_at))


def lake_row(
    rec: Recommendation, service_arn: str, service_name: str, generated_at: datetime | None
) -> dict[str, Any]:
    """One row of the `recommendations` table (advisor/lake/schema.py), the recommendation as evidence."""
    after = rec.after.get("forecast")
    return {
        "generated_at": generated_at,
        "service_arn": service_arn,
        "service_name": service_name,
        "region": rec.region,
        **_config_columns("current_", rec.current, rec.instance),
        **_config_columns("recommended_", rec.recommended, rec.instance),
        "current_monthly_cost": rec.monthly_cost_current_usd,
        "predicted_monthly_cost": rec.monthly_cost_recommended_usd,
        "monthly_savings": rec.monthly_savings_usd,
        "predicted_breach_minutes": None if after is None else float(after.breach_minutes),
        "predicted_throttled_requests": None if after is None else after.throttled_requests,
        "confidence": rec.confidence,
        "explanation": "\n".join(rec.reasons),
        "risks": ",".join(risk_badges(rec)),
        "recommended_risks": ",".join(recommended_risk_badges(rec)),
        "action": rec.action,
        "data_until": rec.data.last,
        EVIDENCE: json.dumps(rec.to_dict(), default=_json_default),
    }


def read_recommendations(
    lake: Lake | str | Path, service_arn: str | None = None, *, evidence: bool = False
) -> list[StoredRecommendation]:
    """Every stored recommendation (of one service, or all), newest first."""
    frame = _frame(lake, evidence)
    if service_arn is not None:
        frame = frame[frame["service_arn"] == service_arn]
    frame = frame.sort_values("generated_at", ascending=False)
    return [StoredRecommendation.from_row(row) for row in frame.to_dict("records")]


def latest(
    lake: Lake | str | Path, service_arn: str | None = None, *, evidence: bool = False
) -> list[StoredRecommendation]:
    """The newest recommendation of every service (or of the one named)."""
    if service_arn is not None:
        found = find(lake, service_arn, LATEST, evidence=evidence)
        return [] if found is None else [found]
    newest: dict[str, StoredRecommendation] = {}
    for rec in read_recommendations(lake, evidence=evidence):
        newest.setdefault(rec.service_arn, rec)
    return list(newest.values())


def find(
    lake: Lake | str | Path, service_arn: str, which: str = LATEST, *, evidence: bool = False
) -> StoredRecommendation | None:
    """The service's newest recommendation, or the one `which` names (an id or a generated_at time).

    The rows are read without evidence; the chosen one's evidence comes from its own date partition.
    """
    frame = _frame(lake, evidence=False)
    frame = frame[frame["service_arn"] == service_arn].sort_values("generated_at", ascending=False)
    rows = frame.to_dict("records")
    found = next(
        (row for row in rows if which == LATEST or StoredRecommendation.from_row(row).named_by(which)), None
    )
    if found is None:
        return None
    if evidence:
        found = {**found, EVIDENCE: _evidence(lake, found)}
    return StoredRecommendation.from_row(found)


def _frame(lake: Lake | str | Path, evidence: bool) -> pd.DataFrame:
    names = table("recommendations").schema.names
    return read_table(lake, "recommendations", columns=[c for c in names if evidence or c != EVIDENCE])


def _evidence(lake: Lake | str | Path, row: Row) -> str | None:
    partition = read_table(
        lake,
        "recommendations",
        where={"date": row["date"]},
        columns=["service_arn", "generated_at", EVIDENCE],
    )
    mine = partition[
        (partition["service_arn"] == row["service_arn"]) & (partition["generated_at"] == row["generated_at"])
    ]
    return None if mine.empty else mine[EVIDENCE].iloc[0]


def _config_columns(prefix: str, config: ScalingConfig | None, instance: InstanceSize) -> dict[str, Any]:
    return {
        **{f"{prefix}{k}": None if config is None else getattr(config, k) for k in _SCALING},
        f"{prefix}cpu_vcpu": instance.cpu_vcpu,
        f"{prefix}memory_gb": instance.memory_gb,
    }


def _json_default(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def _badges(value: Any) -> tuple[str, ...]:
    return tuple(r for r in (_text(value) or "").split(",") if r)


def _action(row: Row) -> str:
    """The row's action; rows written before the column existed: a configuration was a change."""
    action = _text(row.get("action"))
    if action:
        return action
    return NONE if scaling_from_row(row, "recommended_") is None else CHANGE


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _number(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _text(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _iso(value: datetime) -> str:
    return pd.Timestamp(value).tz_convert("UTC").isoformat()
