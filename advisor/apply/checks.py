"""The checks every write path passes first. Each returns None or a sentence a person can act on.

Service state is never overridable: App Runner itself refuses UpdateService unless the service is
RUNNING with no operation in flight. Staleness and the MaxSize quota are judgements, so `force`
overrides them, and the plan records that it did.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from advisor.apply.recommendations import StoredRecommendation
from advisor.apply.state import ConfigState
from advisor.domain import ScalingConfig
from advisor.platform.base import ConfigQuotas, Service

ALLOW_APPLY_ENV = "ADVISOR_ALLOW_APPLY"
READ_ONLY_MESSAGE = (
    "read-only mode: the advisor changes nothing in AWS unless applying is enabled; "
    f"pass --allow-apply (CLI) or set {ALLOW_APPLY_ENV}=1 (dashboard)"
)

_STATUS_REASONS = {
    "OPERATION_IN_PROGRESS": (
        "an operation is in progress on the service (a deployment, a configuration change or platform "
        "maintenance) and App Runner refuses changes until it ends: wait, then plan again"
    ),
    "PAUSED": "the service is PAUSED and App Runner refuses UpdateService on a paused one: resume it first",
    "CREATE_FAILED": "the service failed to create (CREATE_FAILED): fix or recreate it before tuning it",
    "DELETE_FAILED": "the service failed to delete (DELETE_FAILED): finish deleting it; nothing to tune",
    "DELETED": "the service is DELETED",
}


def apply_allowed(env: Mapping[str, str] | None = None) -> bool:
    """Whether ADVISOR_ALLOW_APPLY enables writes (the dashboard's switch; the CLI has --allow-apply)."""
    value = (os.environ if env is None else env).get(ALLOW_APPLY_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def service_status_problem(service: Service) -> str | None:
    status = service.status
    if status == "RUNNING":
        return None
    reason = _STATUS_REASONS.get(status, f"the service is {status}, not RUNNING")
    return f"{service.name}: {reason}"


def quota_value_problem(target: ScalingConfig, quotas: ConfigQuotas) -> str | None:
    """MaxSize above the account's quota fails at CreateAutoScalingConfiguration. With the quota read from
    Service Quotas that is a fact; with only App Runner's default known, AWS Support may have raised it,
    so --force lets a person who knows say so."""
    if target.max_size <= quotas.max_size:
        return None
    if quotas.source == "service-quotas":
        return (
            f"MaxSize={target.max_size} is above this account's quota of {quotas.max_size} (Service Quotas): "
            "ask AWS Support to raise it, or choose a lower MaxSize"
        )
    return (
        f"MaxSize={target.max_size} is above App Runner's default quota of {quotas.max_size} "
        f"({quotas.note}); if AWS Support raised this account's quota, pass --force"
    )


def recommendation_problems(
    rec: StoredRecommendation, live: ConfigState, latest_metrics: datetime | None
) -> list[str]:
    """A recommendation is fresh when no newer data exists and the service still runs what it assumed."""
    problems = []
    if latest_metrics is not None and latest_metrics > rec.generated_at:
        problems.append(
            f"recommendation {rec.id} is stale: made at {rec.generated_at:%Y-%m-%d %H:%M} UTC, but the lake "
            f"holds metrics up to {latest_metrics:%Y-%m-%d %H:%M} UTC; run 'advisor recommend' again "
            "(or pass --force)"
        )
    if (rec.current, rec.current_instance) != (live.scaling, live.instance):
        problems.append(
            f"recommendation {rec.id} was made for {rec.current} on {rec.current_instance}, but the service "
            f"now runs {live.scaling} on {live.instance}; run 'advisor recommend' again (or pass --force)"
        )
    return problems


def drift_problem(planned: ConfigState, live: ConfigState) -> str | None:
    """Optimistic concurrency: refuse to act on a plan made against a configuration that has changed."""
    if planned.arn == live.arn and planned.instance == live.instance:
        return None
    return (
        f"the service changed since the plan was made (planned from {planned.label()}, now {live.label()}): "
        "someone else changed it; plan again"
    )
