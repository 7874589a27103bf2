"""Inventory: which services exist, how each is sized and scaled, as one `services` row per service per day.

DescribeService gives only a summary of the auto scaling configuration, so each service costs three
calls: ListServices (shared), DescribeService, DescribeAutoScalingConfiguration.

A snapshot is keyed by the UTC day it was taken (`snapshot_time` is that day's midnight): a second
collection the same day replaces the row with what it saw, so collecting twice, or resuming a killed
run, leaves the same lake. Configuration changes inside a day are in `operations`, with their times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import pandas as pd

from advisor.aws.apprunner import (
    AutoScalingConfiguration,
    ServiceDescription,
    ServiceSummary,
    describe_auto_scaling_configuration,
    describe_service,
    list_services,
)
from advisor.aws.session import AwsSession
from advisor.lake.layout import Lake
from advisor.lake.schema import SERVICES
from advisor.lake.writer import WriteResult, write

GONE_STATUSES = frozenset({"DELETED"})


@dataclass(frozen=True)
class ServiceTarget:
    """A listed service the run will collect: where it lives and who owns it."""

    account_id: str
    region: str
    summary: ServiceSummary

    @property
    def arn(self) -> str:
        return self.summary.service_arn

    @property
    def name(self) -> str:
        return self.summary.service_name

    @property
    def service_id(self) -> str:
        return self.summary.service_id


@dataclass(frozen=True)
class ServiceState:
    """A described service: its size and its auto scaling numbers (None when it has no configuration)."""

    target: ServiceTarget
    description: ServiceDescription
    config: AutoScalingConfiguration | None

    @property
    def status(self) -> str:
        return self.description.summary.status


@dataclass(frozen=True)
class Listing:
    """What ListServices showed in a region: services to collect, and those skipped with the reason."""

    targets: list[ServiceTarget]
    skipped: list[tuple[ServiceSummary, str]]


def list_region(session: AwsSession, account_id: str, region: str, names: Sequence[str] = ()) -> Listing:
    """The region's services, narrowed to `names` when given; deleted ones are skipped with a note."""
    wanted = set(names)
    targets, skipped = [], []
    for summary in list_services(session.client("apprunner", region)):
        if wanted and summary.service_name not in wanted:
            continue
        if summary.status in GONE_STATUSES:
            skipped.append((summary, f"status {summary.status}: nothing left to collect"))
            continue
        targets.append(ServiceTarget(account_id, region, summary))
    return Listing(targets, skipped)


def describe(session: AwsSession, target: ServiceTarget) -> ServiceState:
    """DescribeService, then the configuration revision it points to (DescribeService has no numbers)."""
    client = session.client("apprunner", target.region)
    description = describe_service(client, target.arn)
    config = None
    if description.autoscaling is not None:
        config = describe_auto_scaling_configuration(client, description.autoscaling.arn)
    return ServiceState(target, description, config)


def snapshot_time(now: datetime) -> datetime:
    """The key of today's snapshot: midnight UTC of the server's day."""
    return datetime.combine(now.date(), time(), tzinfo=now.tzinfo)


def snapshot_frame(states: Iterable[ServiceState], now: datetime) -> pd.DataFrame:
    """`services` rows (schema.SERVICES) for the given described services."""
    rows = []
    for state in states:
        description, config = state.description, state.config
        summary = description.summary
        rows.append(
            {
                "snapshot_time": snapshot_time(now),
                "account_id": state.target.account_id,
                "region": state.target.region,
                "service_arn": summary.service_arn,
                "service_name": summary.service_name,
                "service_id": summary.service_id,
                "status": summary.status,
                "cpu_vcpu": description.instance.cpu_vcpu,
                "memory_gb": description.instance.memory_gb,
                "autoscaling_config_arn": config.summary.arn if config else None,
                "autoscaling_config_name": config.summary.name if config else None,
                "autoscaling_config_revision": config.summary.revision if config else None,
                "max_concurrency": config.scaling.max_concurrency if config else None,
                "min_size": config.scaling.min_size if config else None,
                "max_size": config.scaling.max_size if config else None,
                "service_url": summary.service_url,
                "created_at": summary.created_at,
                "updated_at": summary.updated_at,
            }
        )
    return pd.DataFrame(rows, columns=SERVICES.columns.names)


def land_snapshot(lake: Lake | str | Path, states: Sequence[ServiceState], now: datetime) -> WriteResult:
    return write(lake, SERVICES.name, snapshot_frame(states, now))
