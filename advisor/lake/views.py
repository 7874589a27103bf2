"""The fleet and one service as the dashboard and the report show them, read from the lake.

Every money and risk number here is the engine's, as the `recommendations` table stored it; this module
only joins, picks the latest rows and unpacks the evidence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from advisor.lake.layout import Lake, is_hidden
from advisor.lake.reader import read_table
from advisor.lake.schema import table

FLEET_COLUMNS = [
    "service_name",
    "region",
    "status",
    "instance",
    "current",
    "recommended",
    "monthly_cost_current",
    "monthly_cost_recommended",
    "monthly_savings",
    "confidence",
    "risks",
    "data_until",
    "service_arn",
]


def lake_version(lake: Lake | str | Path) -> str:
    """A fingerprint of every visible file in the lake: changes whenever a write lands."""
    root = Lake.of(lake).root
    digest = hashlib.sha1()
    if root.is_dir():
        for path in sorted(root.rglob("*.parquet")):
            if not any(is_hidden(part) for part in path.relative_to(root).parts):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()


def latest_per_service(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return (
        frame.sort_values(time_column).groupby("service_arn", as_index=False).tail(1).reset_index(drop=True)
    )


def services(lake) -> pd.DataFrame:
    """The latest inventory snapshot of every service ever collected."""
    return latest_per_service(read_table(lake, "services"), "snapshot_time")


def recommendations(lake, evidence: bool = True) -> pd.DataFrame:
    """The latest recommendation of every service (without the bulky evidence JSON when not needed)."""
    columns = None if evidence else [c for c in table("recommendations").schema.names if c != "evidence_json"]
    return latest_per_service(read_table(lake, "recommendations", columns=columns), "generated_at")


def _config(row, prefix: str) -> str | None:
    value = row.get(f"{prefix}max_concurrency")
    if value is None or pd.isna(value):
        return None
    parts = (row[f"{prefix}{k}"] for k in ("max_concurrency", "min_size", "max_size"))
    return "/".join(str(int(p)) for p in parts)


def fleet(lake) -> pd.DataFrame:
    """One row per service: inventory joined with its latest recommendation (the engine's numbers)."""
    inventory = services(lake)
    if inventory.empty:
        return pd.DataFrame(columns=FLEET_COLUMNS)
    recs = recommendations(lake, evidence=False)  # the fleet needs no evidence: 300 KB a service to parse
    rows = []
    by_arn = {r["service_arn"]: r for r in recs.to_dict("records")} if not recs.empty else {}
    for service in inventory.to_dict("records"):
        rec = by_arn.get(service["service_arn"], {})
        rows.append(
            {
                "service_name": service["service_name"],
                "region": service["region"],
                "status": service["status"],
                "instance": f"{service['cpu_vcpu']:g} vCPU / {service['memory_gb']:g} GB",
                "current": _config(service, ""),
                "recommended": _config(rec, "recommended_") if rec else None,
                "monthly_cost_current": rec.get("current_monthly_cost"),
                "monthly_cost_recommended": rec.get("predicted_monthly_cost"),
                "monthly_savings": rec.get("monthly_savings"),
                "confidence": rec.get("confidence") or "none",
                "risks": [r for r in (rec.get("risks") or "").split(",") if r],
                "data_until": rec.get("data_until"),
                "service_arn": service["service_arn"],
                "tags": service.get("tags"),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ServiceDetail:
    service: dict  # the latest inventory row
    recommendation: dict  # the latest recommendations row ({} when none)
    evidence: dict  # the recommendation's evidence (Recommendation.to_dict())


def service_detail(lake, service_arn: str) -> ServiceDetail:
    inventory = services(lake)
    match = inventory[inventory["service_arn"] == service_arn]
    if match.empty:
        raise KeyError(f"no service {service_arn} in the lake")
    recs = read_table(lake, "recommendations")
    recs = latest_per_service(recs[recs["service_arn"] == service_arn], "generated_at")
    rec = recs.iloc[0].to_dict() if len(recs) else {}
    evidence = json.loads(rec["evidence_json"]) if rec.get("evidence_json") else {}
    return ServiceDetail(match.iloc[0].to_dict(), rec, evidence)


def markers(lake, service_arn: str, start=None) -> list[tuple[pd.Timestamp, str]]:
    """Deployments and configuration changes (operations and the advisor's own actions) on a time axis."""
    found: list[tuple[pd.Timestamp, str]] = []
    operations = read_table(lake, "operations")
    for op in operations[operations["service_arn"] == service_arn].to_dict("records"):
        found.append(
            (pd.Timestamp(op["started_at"]), f"{op['type'].lower().replace('_', ' ')} ({op['status']})")
        )
    actions = read_table(lake, "actions")
    for action in actions[actions["service_arn"] == service_arn].to_dict("records"):
        label = "rollback" if action.get("rollback_of") else "advisor apply"
        found.append((pd.Timestamp(action["created_at"]), f"{label} ({action['status']})"))
    if start is not None:
        found = [(t, label) for t, label in found if t >= start]
    return sorted(found)
