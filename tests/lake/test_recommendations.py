"""The `recommendations` table, typed: what the engine recommends is what a reader gets back."""

from __future__ import annotations

import json
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from advisor.engine.explain import Recommendation
from advisor.engine.offline import recommend_from_trace
from advisor.engine.recommender import RecommendSettings
from advisor.lake.recommendations import (
    find,
    lake_row,
    latest,
    read_recommendations,
    recommendation_id,
    scaling_from_row,
)
from advisor.lake.writer import write

from .conftest import ARN, OTHER_ARN, T0

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from shapes import flat

FAST = RecommendSettings(right_size=False)


@pytest.fixture(scope="module")
def recommendation() -> Recommendation:
    return recommend_from_trace(flat(150, days=1), settings=FAST)


def store(lake, rec: Recommendation, arn: str = ARN, at=T0) -> None:
    write(lake, "recommendations", pd.DataFrame([lake_row(rec, arn, arn.split("/")[-2], at)]))


def test_a_recommendation_becomes_one_lake_row(recommendation):
    row = lake_row(recommendation, ARN, "web-api", T0)
    assert row["recommended_max_concurrency"] == recommendation.recommended.max_concurrency
    assert row["current_max_concurrency"] == 100 and row["confidence"] == "low"
    assert json.loads(row["evidence_json"])["recommended"]["min_size"] == recommendation.recommended.min_size


def test_a_stored_recommendation_reads_back_typed(lake, recommendation):
    store(lake, recommendation)

    [rec] = latest(lake)

    assert rec.service_arn == ARN and rec.service_name == "web-api" and rec.region == "us-east-1"
    assert rec.id == recommendation_id(ARN, T0) and rec.generated_at == T0
    assert (rec.current, rec.recommended) == (recommendation.current, recommendation.recommended)
    assert rec.current_instance == rec.recommended_instance == recommendation.instance
    assert rec.monthly_savings_usd == pytest.approx(recommendation.monthly_savings_usd)
    assert rec.confidence == "low" and rec.explanation.splitlines() == recommendation.reasons


def test_the_evidence_is_the_engines_recommendation_read_only_when_asked(lake, recommendation):
    store(lake, recommendation)

    [without] = latest(lake)
    [with_evidence] = latest(lake, evidence=True)

    with pytest.raises(ValueError, match="without its evidence"):
        _ = without.evidence
    assert with_evidence.evidence.to_dict() == json.loads(
        lake_row(recommendation, ARN, "x", T0)["evidence_json"]
    )


def test_latest_is_the_newest_of_each_service(lake, recommendation):
    for at in (T0, T0 + timedelta(days=1)):
        store(lake, recommendation, ARN, at)
    store(lake, recommendation, OTHER_ARN, T0)

    newest = {r.service_arn: r.generated_at for r in latest(lake)}

    assert newest == {ARN: T0 + timedelta(days=1), OTHER_ARN: T0}
    assert [r.generated_at for r in latest(lake, ARN)] == [T0 + timedelta(days=1)]
    assert [r.generated_at for r in read_recommendations(lake, ARN)] == [T0 + timedelta(days=1), T0]


def test_one_recommendation_by_id_or_time_with_its_evidence(lake, recommendation):
    for at in (T0, T0 + timedelta(days=1)):
        store(lake, recommendation, ARN, at)

    by_id = find(lake, ARN, recommendation_id(ARN, T0), evidence=True)
    by_time = find(lake, ARN, pd.Timestamp(T0).isoformat())

    assert by_id is not None and by_id.generated_at == T0
    assert by_id.evidence.recommended == recommendation.recommended
    assert by_time is not None and by_time.id == by_id.id
    assert find(lake, ARN, "0123456789ab") is None and find(lake, OTHER_ARN) is None


def test_a_refusal_is_stored_with_nothing_recommended(lake):
    refusal = recommend_from_trace(flat(150, days=1).iloc[:-1], settings=FAST)
    store(lake, refusal)

    [rec] = latest(lake, evidence=True)

    assert rec.recommended is None and rec.monthly_savings_usd is None
    assert rec.evidence.status == refusal.status and rec.evidence.reasons == refusal.reasons


def test_a_configuration_in_lake_columns():
    row = {"current_max_concurrency": 80, "current_min_size": 2, "current_max_size": 40}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a raised MaxSize quota was accepted once: no warning again
        read = scaling_from_row(row, "current_")
    assert read is not None and str(read) == "80/2/40"
    assert scaling_from_row({"max_concurrency": 80, "min_size": float("nan"), "max_size": 4}) is None
    assert scaling_from_row({}) is None


def test_every_sandbox_recommendation_reads_back_as_the_engine_made_it(sandbox_lake):
    _, lake = sandbox_lake
    stored = latest(lake, evidence=True)
    assert stored
    for rec in stored:
        evidence = json.loads(rec.evidence_json)
        assert Recommendation.from_dict(evidence).to_dict() == evidence


@pytest.fixture(scope="module")
def kept() -> Recommendation:
    """App Runner's defaults on steady light traffic: the best change saves $0.00, so keep current."""
    from shapes import scaled

    from advisor.workload.traces import per_minute
    from advisor.workload.traffic import generate

    return recommend_from_trace(scaled(per_minute(generate("steady", days=1.5, seed=0)), 50), settings=FAST)


def test_a_kept_configuration_is_stored_as_keep_with_the_current_configuration(lake, kept):
    assert kept.action == "keep"
    store(lake, kept)
    (rec,) = latest(lake, evidence=True)
    assert rec.action == "keep" and rec.keep
    assert rec.recommended == rec.current and rec.monthly_savings_usd == 0.0
    assert rec.explanation.startswith("Keep current 100/1/25")
    assert rec.evidence.candidate == kept.candidate and rec.evidence.action == "keep"


def test_a_change_and_a_refusal_are_stored_as_change_and_none(lake, recommendation):
    store(lake, recommendation)
    refusal = recommend_from_trace(flat(150, days=1).iloc[:-1], settings=FAST)
    store(lake, refusal, OTHER_ARN)
    actions = {r.service_arn: r.action for r in latest(lake)}
    assert actions == {ARN: recommendation.action, OTHER_ARN: "none"}
    assert recommendation.action == "change"


def test_a_row_written_before_the_action_column_reads_as_change_or_none():
    from advisor.lake.recommendations import StoredRecommendation

    base = {"service_arn": ARN, "service_name": "web-api", "region": "us-east-1", "generated_at": T0}
    current = {"current_max_concurrency": 100, "current_min_size": 1, "current_max_size": 25}
    current |= {"current_cpu_vcpu": 1.0, "current_memory_gb": 2.0}
    changed = {"recommended_max_concurrency": 50, "recommended_min_size": 1, "recommended_max_size": 4}
    assert StoredRecommendation.from_row(base | current | changed).action == "change"
    assert StoredRecommendation.from_row(base | current).action == "none"


def test_the_model_check_reads_back_from_the_evidence_as_the_engine_made_it(lake):
    from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING
    from advisor.engine.offline import metrics_from_trace
    from advisor.engine.recommender import recommend

    requests = flat(150, days=1)
    bill = pd.Series([100.0], index=[requests.index[0]])  # far above the model's: the cost row is off
    made = recommend(
        metrics_from_trace(requests),
        DEFAULT_SCALING,
        DEFAULT_INSTANCE,
        settings=FAST,
        observed_daily_cost=bill,
    )
    store(lake, made)

    [rec] = latest(lake, evidence=True)

    check = rec.evidence.model_check
    assert check == made.model_check and check.row("cost").observed == 100.0 and check.row("cost").off
    assert rec.evidence.reasons == made.reasons and any(
        "Cost Explorer billed $100.00" in r for r in made.reasons
    )
