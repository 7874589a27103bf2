"""Which configuration a service ran at each minute: what the report bills each minute under.

Two sources say it: inventory snapshots (whatever changed the service, seen at collection time) and the
advisor's own successful actions (the exact minute of a change, with the configuration before it). A
minute takes the newest entry at or before it; minutes before every entry take the configuration the
first entry started from (an action's `before`, or the first snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.apply.state import ActionStatus, ConfigState
from advisor.lake.views import ServiceRecord

Config = tuple  # (ScalingConfig, InstanceSize): hashable, so minutes group by it


@dataclass(frozen=True)
class ConfigTimeline:
    """Change times (UTC, ascending) and the configuration from each; `initial` before the first."""

    times: pd.DatetimeIndex
    configs: list[Config]
    initial: Config

    @classmethod
    def fixed(cls, config: Config) -> ConfigTimeline:
        """One configuration for every minute (a what-if of the whole window)."""
        return cls(pd.DatetimeIndex([], tz="UTC").as_unit("us"), [], config)

    def at(self, index: pd.DatetimeIndex) -> list[Config]:
        """The configuration in effect at each timestamp of `index`."""
        positions = np.searchsorted(self.times.asi8, pd.DatetimeIndex(index).as_unit("us").asi8, "right") - 1
        return [self.initial if p < 0 else self.configs[p] for p in positions]


def _state_config(state: ConfigState) -> Config:
    return (state.scaling, state.instance)


def _snapshot_entries(snapshots: pd.DataFrame) -> list[tuple[pd.Timestamp, int, Config]]:
    records = (ServiceRecord.from_row(row) for row in snapshots.to_dict("records"))
    return [(pd.Timestamp(r.snapshot_time), 0, (r.scaling, r.instance)) for r in records]


def _action_entries(actions: pd.DataFrame) -> tuple[list[tuple[pd.Timestamp, int, Config]], Config | None]:
    done = actions[actions["status"] == str(ActionStatus.SUCCEEDED)].sort_values("created_at")
    entries, first_before = [], None
    for _, row in done.iterrows():
        before, after = ConfigState.from_json(row["before"]), ConfigState.from_json(row["after"])
        first_before = first_before or _state_config(before)
        entries.append((pd.Timestamp(row["created_at"]), 1, _state_config(after)))
    return entries, first_before


def config_timeline(snapshots: pd.DataFrame, actions: pd.DataFrame) -> ConfigTimeline | None:
    """One service's timeline from its snapshot rows and audit rows; None when neither says anything."""
    snap, (acted, first_before) = _snapshot_entries(snapshots), _action_entries(actions)
    entries = sorted(snap + acted, key=lambda e: (e[0], e[1]))
    if not entries:
        return None
    first = entries[0]
    initial = first_before if first[1] == 1 and first_before is not None else first[2]
    times = pd.DatetimeIndex([e[0] for e in entries]).tz_convert("UTC").as_unit("us")
    return ConfigTimeline(times, [e[2] for e in entries], initial)


def config_label(config: Config) -> str:
    scaling, instance = config
    return f"{scaling} on {instance}"
