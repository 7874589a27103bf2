"""Collection cursors and high-water marks, one small JSON file per (table, key), written atomically.

The collector lands data first and moves the mark after; since partition writes are idempotent, a crash
between the two only means the next run re-collects a window it already has, with the same result.
One file per key means threads collecting different services never contend for it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from advisor.domain import SERVICE_ARN_PATTERN
from advisor.lake.layout import Lake
from advisor.lake.writer import atomic_write

HIGH_WATER_MARK = "high_water_mark"
DAYS = "days"


class StateStore:
    """`state.get("metrics", service_arn)` -> the dict last `put` there, or None."""

    def __init__(self, lake: Lake | str | Path):
        self.lake = Lake.of(lake)

    def _path(self, table: str, key: str) -> Path:
        return self.lake.state_dir / quote(table, safe="") / f"{quote(key, safe='')}.json"

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        path = self._path(table, key)
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def put(self, table: str, key: str, value: dict[str, Any]) -> None:
        path = self._path(table, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(value, sort_keys=True, indent=1).encode("utf-8")
        atomic_write(path, lambda f: f.write(data))

    def high_water_mark(self, table: str, key: str) -> datetime | None:
        """Everything before this time has been collected for (table, key)."""
        value = (self.get(table, key) or {}).get(HIGH_WATER_MARK)
        return datetime.fromisoformat(value) if value else None

    def set_high_water_mark(self, table: str, key: str, when: datetime) -> None:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        current = self.get(table, key) or {}
        self.put(table, key, {**current, HIGH_WATER_MARK: when.isoformat()})

    def days(self, table: str, key: str) -> dict[str, int]:
        """The UTC days landed for (table, key) with the rows their partition held: what a lost,
        emptied or truncated partition is measured against."""
        return dict((self.get(table, key) or {}).get(DAYS, {}))

    def set_days(self, table: str, key: str, days: dict[str, int]) -> None:
        current = self.get(table, key) or {}
        self.put(table, key, {**current, DAYS: dict(sorted(days.items()))})

    def keys(self, table: str) -> list[str]:
        directory = self.lake.state_dir / quote(table, safe="")
        return sorted(unquote(p.stem) for p in directory.glob("*.json")) if directory.is_dir() else []

    def forget_days(self, table: str, service_id: str, days: set[str]) -> None:
        """Pruned days are no longer expected in the lake: the collector must not re-fetch them."""
        for key in self.keys(table):
            match = SERVICE_ARN_PATTERN.fullmatch(key)
            landed = self.days(table, key)
            if match is not None and match["id"] == service_id and landed.keys() & days:
                self.set_days(table, key, {d: n for d, n in landed.items() if d not in days})
