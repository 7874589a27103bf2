"""What the dashboard's Apply button plans: the stored recommendation when it is the one shown."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from advisor.apply.recommendations import ApplyRequest, apply_request
from advisor.domain import ScalingConfig
from advisor.engine.offline import recommend_from_trace
from advisor.engine.profiles import DEFAULT_PROFILE
from advisor.engine.recommender import RecommendSettings
from advisor.lake.recommendations import StoredRecommendation, lake_row

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from shapes import flat

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/web-api/" + "a" * 32
SHOWN = ScalingConfig(40, 2, 9)


def stored_with(strategy: str) -> StoredRecommendation:
    settings = RecommendSettings(profile=strategy, right_size=False)
    rec = recommend_from_trace(flat(150, days=1), settings=settings)
    return StoredRecommendation.from_row(lake_row(rec, ARN, "web-api", datetime(2026, 3, 3, tzinfo=UTC)))


@pytest.fixture(scope="module")
def default_made() -> StoredRecommendation:
    return stored_with(DEFAULT_PROFILE)


def test_the_stored_recommendation_when_the_default_strategy_is_shown(default_made):
    expected = ApplyRequest(recommendation=default_made.id)
    assert apply_request(default_made, DEFAULT_PROFILE, SHOWN) == expected
    assert apply_request(default_made, None, SHOWN) == expected  # nothing picked: the default


def test_a_recommendation_made_for_another_strategy_is_applied_as_values(default_made):
    assert apply_request(default_made, "performance", SHOWN) == ApplyRequest(values=SHOWN)
    assert apply_request(None, "performance", SHOWN) == ApplyRequest(values=SHOWN)


def test_a_stored_recommendation_of_another_strategy_is_used_when_that_strategy_is_picked():
    performance = stored_with("performance")
    assert apply_request(performance, "performance", SHOWN) == ApplyRequest(recommendation=performance.id)
    assert apply_request(performance, DEFAULT_PROFILE, SHOWN) == ApplyRequest(values=SHOWN)
