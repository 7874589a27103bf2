from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from advisor.lake.reader import read_table
from advisor.lake.state import StateStore

from .conftest import ARN


def test_an_unknown_key_has_no_state(lake):
    state = StateStore(lake)
    assert state.get("metrics", ARN) is None
    assert state.high_water_mark("metrics", ARN) is None


def test_state_round_trips_per_table_and_key(lake):
    state = StateStore(lake)
    state.put("logs", "/aws/apprunner/web-api/x/application", {"cursor": 42})
    state.put("logs", "/aws/apprunner/web-api/x/service", {"cursor": 7})
    assert StateStore(lake.root).get("logs", "/aws/apprunner/web-api/x/application") == {"cursor": 42}


def test_high_water_marks_are_utc(lake):
    state = StateStore(lake)
    state.set_high_water_mark(
        "metrics", ARN, datetime(2026, 11, 27, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    )
    assert state.high_water_mark("metrics", ARN) == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_the_state_store_is_not_a_table(lake):
    StateStore(lake).put("metrics", ARN, {"x": 1})
    assert read_table(lake, "metrics").empty
    assert not list(lake.root.rglob(".*.tmp"))
