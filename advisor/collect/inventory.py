"""Inventory: which services exist, how each is sized and scaled, as one `services` row per service per day.

A described service names its scaling revision but not its numbers, and not its custom domains, so each
service costs four calls through the platform: the region's listing (shared), the service, its revision,
its domains (one page holds five); and one more for a service with a VPC connector (its subnets).

A snapshot is keyed by the UTC day it was taken (`snapshot_time` is that day's midnight): a second
collection the same day replaces the row with what it saw, so collecting twice, or resuming a killed
run, leaves the same lake. Configuration changes inside a day are in `operations`, with their times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, time
from pathlib import Path

import pandas as pd

from advisor.lake.layout import Lake
from advisor.lake.schema import SERVICES
from advisor.lake.writer import WriteResult, write
from advisor.platform.base import (
    ListedService,
    Platform,
    Revision,
    Service,
    ServiceSetup,
    VpcConnector,
)

GONE_STATUSES = frozenset({"DELETED"})
SETUP_COLUMNS = tuple(f.name for f in fields(ServiceSetup))  # the same names in the `services` table


@dataclass(frozen=True)
class ServiceTarget:
    """A listed service the run will collect: where it lives and who owns it."""

    account_id: str
    region: str
    service: ListedService

    @property
    def arn(self) -> str:
        return self.service.arn

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def service_id(self) -> str:
        return self.service.id


@dataclass(frozen=True)
class ServiceState:
    """A described service: its size, its scaling revision (None when it has no configuration) and the
    custom domains linked to it."""

    target: ServiceTarget
    service: Service
    revision: Revision | None
    custom_domains: tuple[str, ...] = ()
    vpc_connector: VpcConnector | None = None


@dataclass(frozen=True)
class Listing:
    """What the listing showed in a region: services to collect, and those skipped with the reason."""

    targets: list[ServiceTarget]
    skipped: list[tuple[ListedService, str]]


def list_region(platform: Platform, account_id: str, names: Sequence[str] = ()) -> Listing:
    """The region's services, narrowed to `names` when given; deleted ones are skipped with a note."""
    wanted = set(names)
    targets, skipped = [], []
    for listed in platform.list_services():
        if wanted and listed.name not in wanted:
            continue
        if listed.status in GONE_STATUSES:
            skipped.append((listed, f"status {listed.status}: nothing left to collect"))
            continue
        targets.append(ServiceTarget(account_id, platform.region, listed))
    return Listing(targets, skipped)


def describe(platform: Platform, target: ServiceTarget) -> ServiceState:
    """The service, then the revision it is bound to (the service names it without its numbers), then its
    custom domains (DescribeService does not list them)."""
    service = platform.describe_service(target.arn)
    revision = platform.describe_revision(service.scaling.arn) if service.scaling is not None else None
    domains = tuple(platform.custom_domains(target.arn))
    connector_arn = service.setup.vpc_connector_arn if service.setup is not None else None
    connector = platform.vpc_connector(connector_arn) if connector_arn else None
    return ServiceState(target, service, revision, domains, connector)


def snapshot_time(now: datetime) -> datetime:
    """The key of today's snapshot: midnight UTC of the server's day."""
    return datetime.combine(now.date(), time(), tzinfo=now.tzinfo)


def snapshot_frame(states: Iterable[ServiceState], now: datetime) -> pd.DataFrame:
    """`services` rows (schema.SERVICES) for the given described services."""
    rows = []
    for state in states:
        service, revision = state.service, state.revision
        rows.append(
            {
                "snapshot_time": snapshot_time(now),
                "account_id": state.target.account_id,
                "region": state.target.region,
                "service_arn": service.arn,
                "service_name": service.name,
                "service_id": service.id,
                "status": service.status,
                "cpu_vcpu": service.instance.cpu_vcpu,
                "memory_gb": service.instance.memory_gb,
                "autoscaling_config_arn": revision.arn if revision else None,
                "autoscaling_config_name": revision.name if revision else None,
                "autoscaling_config_revision": revision.revision if revision else None,
                "max_concurrency": revision.settings.max_concurrency if revision else None,
                "min_size": revision.settings.min_size if revision else None,
                "max_size": revision.settings.max_size if revision else None,
                "service_url": service.url,
                "created_at": service.created_at,
                "updated_at": service.updated_at,
                **_setup_columns(service.setup),
                "custom_domains": ",".join(state.custom_domains),
                **_connector_columns(state.vpc_connector),
            }
        )
    return pd.DataFrame(rows, columns=SERVICES.columns.names)


def _connector_columns(connector: VpcConnector | None) -> dict[str, object]:
    if connector is None:
        return {}
    return {
        "vpc_subnets": ",".join(connector.subnets),
        "vpc_security_groups": ",".join(connector.security_groups),
    }


def _setup_columns(setup: ServiceSetup | None) -> dict[str, object]:
    """The setup's columns of a `services` row (all null when the platform does not describe it)."""
    if setup is None:
        return {}
    columns = {name: getattr(setup, name) for name in SETUP_COLUMNS}
    columns["env_names"] = ",".join(setup.env_names)
    columns["secret_names"] = ",".join(setup.secret_names)
    return columns


def land_snapshot(lake: Lake | str | Path, states: Sequence[ServiceState], now: datetime) -> WriteResult:
    return write(lake, SERVICES.name, snapshot_frame(states, now))
