"""What a plan is worth: the stored recommendation's predicted money and risk, before and after.

A configuration diff alone does not say whether to press "apply". The recommendation a plan comes from
holds the engine's forecast replay of both configurations (cost per month, minutes in breach of the
SLO, throttled requests) and its confidence; this module lifts those numbers next to the plan, as the
recommendation stored them, and computes nothing new. A plan from explicit values, or a rollback, has no
such evidence (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.apply.plan import Plan
from advisor.lake import recommendations as stored
from advisor.lake.layout import Lake
from advisor.lake.recommendations import StoredRecommendation

SOURCE_PREFIX = "recommendation "  # plan_apply's `source` for a stored recommendation
SCENARIO = "forecast"  # the engine's replay of the forecast horizon (its money figures come from it)


@dataclass(frozen=True)
class PlanEvidence:
    """The predicted effect of a plan, as the engine stored it with the recommendation."""

    recommendation_id: str
    monthly_cost_before_usd: float | None
    monthly_cost_after_usd: float | None
    breach_minutes_before: int | None
    breach_minutes_after: int | None
    throttled_before: float | None
    throttled_after: float | None
    forecast_minutes: int | None  # the replayed horizon the breach minutes are counted over
    confidence: str

    @property
    def monthly_savings_usd(self) -> float | None:
        if self.monthly_cost_before_usd is None or self.monthly_cost_after_usd is None:
            return None
        return self.monthly_cost_before_usd - self.monthly_cost_after_usd

    @classmethod
    def from_recommendation(cls, rec: StoredRecommendation) -> PlanEvidence:
        """From the evidence's forecast outcomes when stored with it, else from the table's columns
        (which hold the recommended configuration's risk only)."""
        if rec.evidence_json is not None:
            before, after = rec.evidence.before.get(SCENARIO), rec.evidence.after.get(SCENARIO)
            if before is not None and after is not None:
                return cls(
                    rec.id,
                    before.monthly_cost_usd,
                    after.monthly_cost_usd,
                    before.breach_minutes,
                    after.breach_minutes,
                    before.throttled_requests,
                    after.throttled_requests,
                    after.minutes,
                    rec.confidence,
                )
        breach = rec.predicted_breach_minutes
        return cls(
            rec.id,
            rec.monthly_cost_current_usd,
            rec.monthly_cost_recommended_usd,
            None,
            None if breach is None else int(breach),
            None,
            rec.predicted_throttled_requests,
            None,
            rec.confidence,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendation_id": self.recommendation_id,
            "monthly_cost_before_usd": self.monthly_cost_before_usd,
            "monthly_cost_after_usd": self.monthly_cost_after_usd,
            "monthly_savings_usd": self.monthly_savings_usd,
            "breach_minutes_before": self.breach_minutes_before,
            "breach_minutes_after": self.breach_minutes_after,
            "throttled_requests_before": self.throttled_before,
            "throttled_requests_after": self.throttled_after,
            "forecast_minutes": self.forecast_minutes,
            "confidence": self.confidence,
        }


def plan_evidence(lake: Lake | str | Path, plan: Plan) -> PlanEvidence | None:
    """The evidence of the recommendation a plan was made from; None for explicit values or a rollback."""
    if not plan.source.startswith(SOURCE_PREFIX):
        return None
    rec = stored.find(lake, plan.service_arn, plan.source.removeprefix(SOURCE_PREFIX), evidence=True)
    return None if rec is None else PlanEvidence.from_recommendation(rec)
