"""What App Runner keeps per account and Region: configuration revisions, services, and operations whose
status is a function of the clock (derived on read, so nothing runs in the background).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from advisor.domain import (
    MAX_SIZE_QUOTA,
)
from advisor.sandbox.apprunner.errors import INVALID_REQUEST, AppRunnerError

DEFAULT_CONFIG_NAME = "DefaultConfiguration"


PENDING_FRACTION = 0.25  # share of operation_seconds an operation spends PENDING before IN_PROGRESS


CONFIG_ARN = re.compile(
    r"arn:aws[a-z-]*:apprunner:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):autoscalingconfiguration/"
    r"(?P<name>[^/]+)(?:/(?P<revision>\d+)(?:/(?P<id>[0-9a-f]{32}))?)?"
)


@dataclass
class Quotas:
    """App Runner's per account and Region limits (adjustable through Service Quotas, hence settable)."""

    config_names: int = 10
    revisions_per_name: int = 5
    max_size: int = MAX_SIZE_QUOTA


@dataclass
class Revision:
    """One immutable revision of an auto scaling configuration."""

    arn: str
    name: str
    revision: int
    max_concurrency: int
    min_size: int
    max_size: int
    created_at: float
    deleted_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.deleted_at is None


@dataclass
class Operation:
    """An asynchronous operation whose status is a function of the clock."""

    id: str
    type: str
    target_arn: str
    started_at: float
    duration: float
    seq: int
    fails: bool = False
    changes: dict[str, Any] = field(default_factory=dict)
    success_status: str = "RUNNING"
    prior_status: str = "RUNNING"

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration

    def status(self, now: float) -> str:
        if now >= self.ends_at:
            return "FAILED" if self.fails else "SUCCEEDED"
        return "PENDING" if now < self.started_at + self.duration * PENDING_FRACTION else "IN_PROGRESS"

    def summary(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        updated = {
            "PENDING": self.started_at,
            "IN_PROGRESS": self.started_at + self.duration * PENDING_FRACTION,
        }
        body = {
            "Id": self.id,
            "Type": self.type,
            "Status": status,
            "TargetArn": self.target_arn,
            "StartedAt": self.started_at,
            "UpdatedAt": updated.get(status, self.ends_at),
        }
        if status in ("SUCCEEDED", "FAILED"):
            body["EndedAt"] = self.ends_at
        return body


@dataclass
class Service:
    """A service: its settled configuration, plus at most one operation in flight."""

    name: str
    id: str
    arn: str
    url: str
    created_at: float
    updated_at: float
    status: str
    seq: int
    config: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    custom_domains: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    pending: Operation | None = None

    @property
    def config_arn(self) -> str:
        return self.config["AutoScalingConfigurationArn"]

    def settle(self, now: float) -> None:
        """Apply the operation in flight if the clock says it has ended: new config only on success."""
        op = self.pending
        if op is None or now < op.ends_at:
            return
        if op.fails:
            self.status = op.prior_status
        else:
            self.config = merge(self.config, op.changes)
            self.status = op.success_status
        self.updated_at, self.pending = op.ends_at, None


@dataclass
class Region:
    """Everything App Runner keeps per account and Region."""

    name: str
    default_arn: str = ""
    configs: dict[str, list[Revision]] = field(default_factory=dict)  # name -> revisions, oldest first
    services: dict[str, Service] = field(default_factory=dict)  # arn -> service, creation order

    def revision(self, arn: str) -> Revision | None:
        match = CONFIG_ARN.fullmatch(arn)
        if not match or match["revision"] is None:
            return None
        return next((r for r in self.configs.get(match["name"], []) if r.arn == arn), None)

    def active_revisions(self, name: str) -> list[Revision]:
        return [r for r in self.configs.get(name, []) if r.active]

    def is_latest(self, rev: Revision) -> bool:
        active = self.active_revisions(rev.name)
        return bool(active) and active[-1] is rev

    def users(self, rev: Revision, *, pending: bool = False) -> list[Service]:
        """Services bound to a revision (with pending=True also those an operation is moving onto it)."""
        return [
            s
            for s in self.services.values()
            if s.config_arn == rev.arn
            or (
                pending
                and s.pending is not None
                and s.pending.changes.get("AutoScalingConfigurationArn") == rev.arn
            )
        ]


def merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """A deep merge: UpdateService changes only the members it is given."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tag_dict(tags: list[dict[str, Any]]) -> dict[str, str]:
    """Tags from a request; Key is optional in the model's Tag shape but the service needs it."""
    out: dict[str, str] = {}
    for tag in tags:
        if tag.get("Key") is None:
            raise AppRunnerError(INVALID_REQUEST, "Every tag needs a Key.")
        out[tag["Key"]] = tag.get("Value") or ""
    return out


def default_service_config(account_id: str, region: str, name: str) -> dict[str, Any]:
    """What App Runner fills in for an image service created with the console's defaults."""
    repository = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")  # ECR's repository name rules
    return {
        "SourceConfiguration": {
            "ImageRepository": {
                "ImageIdentifier": f"{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}:latest",
                "ImageConfiguration": {"Port": "8080"},
                "ImageRepositoryType": "ECR",
            },
            "AutoDeploymentsEnabled": False,
            "AuthenticationConfiguration": {
                "AccessRoleArn": f"arn:aws:iam::{account_id}:role/service-role/AppRunnerECRAccessRole"
            },
        },
        "HealthCheckConfiguration": {
            "Protocol": "TCP",
            "Path": "/",
            "Interval": 5,
            "Timeout": 2,
            "HealthyThreshold": 1,
            "UnhealthyThreshold": 5,
        },
        "NetworkConfiguration": {
            "EgressConfiguration": {"EgressType": "DEFAULT"},
            "IngressConfiguration": {"IsPubliclyAccessible": True},
            "IpAddressType": "IPV4",
        },
        "ObservabilityConfiguration": {"ObservabilityEnabled": False},
    }
