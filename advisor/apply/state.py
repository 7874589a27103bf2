"""What a service's scaling is at one moment, in the form the audit log stores and a rollback restores."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig


class ActionStatus(StrEnum):
    """How an attempt ended; each status says what state the account is in."""

    # written before the first AWS write; left so when the wait timed out or the process died, until
    # `advisor actions --refresh` (or the next apply or rollback) reads how the operation ended
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"  # the service runs the target configuration (verified)
    NOOP = "noop"  # the service already ran the target: nothing was called
    REFUSED = "refused"  # a check failed before any write: nothing changed
    FAILED = "failed"  # a write failed or the operation FAILED: the service is on its old configuration
    TIMED_OUT = "timed_out"  # written by earlier versions at a timeout (now in_progress); settled alike
    UNKNOWN = "unknown"  # the account's state could not be established: check it by hand


ROLLBACKABLE = frozenset({ActionStatus.SUCCEEDED, ActionStatus.TIMED_OUT, ActionStatus.UNKNOWN})


@dataclass(frozen=True)
class ConfigState:
    """A service's scaling: the revision it is bound to (None before one exists) and its values."""

    arn: str | None
    name: str | None
    revision: int | None
    scaling: ScalingConfig
    instance: InstanceSize

    def same_values(self, other: ConfigState) -> bool:
        return self.scaling == other.scaling and self.instance == other.instance

    def with_revision(self, arn: str, name: str, revision: int) -> ConfigState:
        return ConfigState(arn, name, revision, self.scaling, self.instance)

    def label(self) -> str:
        where = f"{self.name} rev {self.revision}" if self.arn else "a new revision"
        return f"{self.scaling} on {self.instance} ({where})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "name": self.name,
            "revision": self.revision,
            "max_concurrency": self.scaling.max_concurrency,
            "min_size": self.scaling.min_size,
            "max_size": self.scaling.max_size,
            "cpu_vcpu": self.instance.cpu_vcpu,
            "memory_gb": self.instance.memory_gb,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ConfigState:
        data = json.loads(text)
        with warnings.catch_warnings():  # values AWS accepted once: a raised quota is not news here
            warnings.simplefilter("ignore", QuotaWarning)
            scaling = ScalingConfig(data["max_concurrency"], data["min_size"], data["max_size"])
        return cls(
            arn=data.get("arn"),
            name=data.get("name"),
            revision=data.get("revision"),
            scaling=scaling,
            instance=InstanceSize(data["cpu_vcpu"], data["memory_gb"]),
        )
