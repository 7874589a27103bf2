"""The fleet and one service as the dashboard and the report show them, read from the lake.

Every money and risk number here is the engine's, as the `recommendations` table stored it
(`lake.recommendations`); this module only joins the inventory with it and picks the latest rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING, InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.lake import recommendations as stored
from advisor.lake.layout import Lake, is_hidden
from advisor.lake.reader import read_table
from advisor.lake.recommendations import Row, StoredRecommendation, instance_from_row, scaling_from_row
from advisor.migrate.plan import ServiceInventory

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
    "recommended_risks",
    "action",
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


@dataclass(frozen=True)
class ServiceRecord:
    """A service as its latest inventory snapshot (a `services` row) recorded it."""

    service_arn: str
    service_name: str
    region: str
    status: str
    snapshot_time: datetime
    recorded_scaling: ScalingConfig | None  # None: the snapshot recorded no auto scaling configuration
    recorded_instance: InstanceSize | None

    @classmethod
    def from_row(cls, row: Row) -> ServiceRecord:
        return cls(
            service_arn=str(row["service_arn"]),
            service_name=str(row["service_name"]),
            region=str(row["region"]),
            status=str(row.get("status") or ""),
            snapshot_time=pd.Timestamp(row["snapshot_time"]).to_pydatetime(),
            recorded_scaling=scaling_from_row(row),
            recorded_instance=instance_from_row(row),
        )

    @property
    def scaling(self) -> ScalingConfig:
        """The configuration it runs; App Runner's default when none was recorded."""
        return self.recorded_scaling or DEFAULT_SCALING

    @property
    def instance(self) -> InstanceSize:
        return self.recorded_instance or DEFAULT_INSTANCE


def service_records(lake) -> list[ServiceRecord]:
    """Every service of the latest inventory snapshots, by region then name."""
    frame = services(lake)
    if frame.empty:
        return []
    frame = frame.sort_values(["region", "service_name"])
    return [ServiceRecord.from_row(row) for row in frame.to_dict("records")]


def services_named(lake, name: str) -> list[ServiceRecord]:
    """The services of that name the lake knows (any account and region), deleted ones left out: where
    apply finds a service's region when the user names only the service."""
    return [r for r in service_records(lake) if r.service_name == name and r.status != "DELETED"]


def fleet(lake) -> pd.DataFrame:
    """One row per service: inventory joined with its latest recommendation (the engine's numbers)."""
    inventory = services(lake)
    if inventory.empty:
        return pd.DataFrame(columns=FLEET_COLUMNS)
    by_arn = {r.service_arn: r for r in stored.latest(lake)}  # no evidence: 300 KB a service to parse
    rows = []
    for service in (ServiceRecord.from_row(row) for row in inventory.to_dict("records")):
        rec = by_arn.get(service.service_arn)
        recommended = None if rec is None or rec.recommended is None else str(rec.recommended)
        rows.append(
            {
                "service_name": service.service_name,
                "region": service.region,
                "status": service.status,
                "instance": str(service.instance),
                "current": None if service.recorded_scaling is None else str(service.recorded_scaling),
                "recommended": recommended,
                "monthly_cost_current": None if rec is None else rec.monthly_cost_current_usd,
                "monthly_cost_recommended": None if rec is None else rec.monthly_cost_recommended_usd,
                "monthly_savings": None if rec is None else rec.monthly_savings_usd,
                "confidence": "none" if rec is None else rec.confidence,
                "risks": [] if rec is None else list(rec.risks),
                "recommended_risks": [] if rec is None else list(rec.recommended_risks),
                "action": "none" if rec is None else rec.action,
                "data_until": None if rec is None else rec.data_until,
                "service_arn": service.service_arn,
            }
        )
    return pd.DataFrame(rows, columns=FLEET_COLUMNS)


@dataclass(frozen=True)
class ServiceDetail:
    service: ServiceRecord
    recommendation: StoredRecommendation | None  # the latest, read with its evidence; None when none


def service_detail(lake, service_arn: str) -> ServiceDetail:
    inventory = services(lake)
    match = inventory[inventory["service_arn"] == service_arn]
    if match.empty:
        raise KeyError(f"no service {service_arn} in the lake")
    record = ServiceRecord.from_row(match.iloc[0].to_dict())
    return ServiceDetail(record, stored.find(lake, service_arn, evidence=True))


def service_inventory(lake: Lake | str | Path, service_arn: str) -> ServiceInventory:
    """The service's setup as its latest snapshot recorded it, for a migration plan."""
    inventory = services(lake)
    match = inventory[inventory["service_arn"] == service_arn] if not inventory.empty else inventory
    if match.empty:
        raise InputError(
            f"no service {service_arn} in the lake {Lake.of(lake).root}: run 'advisor collect' for its "
            "account and region first"
        )
    return ServiceInventory.from_row(match.iloc[0].to_dict())


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


def daily_costs(lake: Lake | str | Path, service_arn: str) -> pd.Series:
    """What the bill (Cost Explorer, via `collect`) says the service cost each UTC day: UnblendedCost in
    USD summed over its usage types, indexed by the day (UTC midnight); empty when the lake has none (no
    permission, no resource-level data, or costs never collected)."""
    frame = read_table(lake, "costs", columns=["usage_date", "service_arn", "cost_usd"])
    frame = frame[frame["service_arn"] == service_arn]
    if frame.empty:
        return pd.Series(
            dtype=float, index=pd.DatetimeIndex([], tz="UTC", name="usage_date"), name="cost_usd"
        )
    return frame.groupby("usage_date")["cost_usd"].sum().sort_index()
