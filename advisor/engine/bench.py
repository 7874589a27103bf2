"""bench/PROTOCOL.md end to end: scale, split, recommend from the training window, score on the test window.

The recommendation goes through the same path as `recommend --from-trace`: the training window is
replayed under App Runner's default configuration with the protocol's service model, turned into
CloudWatch-like metrics, and the recommender sees only those. Scores use the protocol's true model
(the knee the recommender had to estimate), against the hindsight optimum, the default, and a simple
baseline.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING, ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.engine.offline import recommend_from_trace
from advisor.engine.optimize import allowed_breaches
from advisor.engine.recommender import RecommendSettings
from advisor.engine.simulate import (
    PROTOCOL_MODEL,
    ScalingModel,
    demand_from_requests,
    evaluate_grid,
    simulate,
)
from advisor.engine.telemetry import ServiceBehavior


@dataclass(frozen=True)
class BenchSettings:
    target_p99: float = 250.0  # PROTOCOL.md §1: p99 of training demand after scaling
    train_share: float = 2 / 3
    budget: float = 0.001
    baseline_margin: float = 0.15  # the baseline's MaxSize: training p99 demand + 15%
    model: ScalingModel = PROTOCOL_MODEL  # the truth the score uses
    recommend: RecommendSettings = field(default_factory=lambda: RecommendSettings(right_size=False))
    # False: the recommender forecasts its usual week ahead, as it would before a weekly review, and the
    # bench holds that recommendation over the whole test window (a harsher test than it will meet).
    horizon_is_test_window: bool = False


@dataclass(frozen=True)
class Score:
    config: ScalingConfig
    cost_usd: float
    monthly_cost_usd: float
    breach_minutes: int


@dataclass(frozen=True)
class TraceResult:
    name: str
    train_minutes: int
    test_minutes: int
    scale: float
    allowed: int  # breach minutes the budget allows on the test window
    recommended: Score | None
    optimum: Score
    default: Score
    baseline: Score
    recommendation: Recommendation = field(repr=False)
    seconds: float = 0.0

    @property
    def cost_ratio(self) -> float | None:
        return None if self.recommended is None else self.recommended.cost_usd / self.optimum.cost_usd

    @property
    def savings_vs_default(self) -> float | None:
        return None if self.recommended is None else 1 - self.recommended.cost_usd / self.default.cost_usd

    @property
    def within_budget(self) -> bool:
        return self.recommended is not None and self.recommended.breach_minutes <= self.allowed

    @property
    def passed(self) -> bool:
        return self.within_budget and (self.cost_ratio or math.inf) <= 1.10

    def to_dict(self) -> dict[str, Any]:
        def score(s: Score | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {
                "config": str(s.config),
                "cost_usd": s.cost_usd,
                "monthly_cost_usd": s.monthly_cost_usd,
                "breach_minutes": s.breach_minutes,
            }

        return {
            "trace": self.name,
            "train_minutes": self.train_minutes,
            "test_minutes": self.test_minutes,
            "scale": self.scale,
            "breach_budget_minutes": self.allowed,
            "recommended": score(self.recommended),
            "optimum": score(self.optimum),
            "default": score(self.default),
            "baseline": score(self.baseline),
            "cost_ratio": self.cost_ratio,
            "savings_vs_default": self.savings_vs_default,
            "within_budget": self.within_budget,
            "passed": self.passed,
            "confidence": self.recommendation.confidence,
            "seconds": self.seconds,
        }


def split(requests_per_minute: pd.Series, settings: BenchSettings) -> tuple[pd.Series, pd.Series, float]:
    """Scaled training and test windows (PROTOCOL.md §1); the scale comes from the training window only."""
    cut = int(len(requests_per_minute) * settings.train_share)
    train = requests_per_minute.iloc[:cut]
    demand = demand_from_requests(train.to_numpy(), settings.model.latency_s)
    p99 = float(np.percentile(demand, 99)) if len(demand) else 0.0
    scale = settings.target_p99 / p99 if p99 > 0 else 1.0
    return train * scale, requests_per_minute.iloc[cut:] * scale, scale


def _score(demand: np.ndarray, config: ScalingConfig, model: ScalingModel) -> Score:
    s = simulate(demand, config, model=model).summary
    return Score(config, s.cost_usd, s.monthly_cost_usd, s.breach_minutes)


def hindsight_optimum(demand: np.ndarray, settings: BenchSettings) -> Score:
    """The cheapest configuration within budget on the test window (else fewest breaches, then cheapest)."""
    grid = evaluate_grid(demand, model=settings.model)
    allowed = allowed_breaches(len(demand), settings.budget)
    key = np.maximum(grid["breach_minutes"].to_numpy(), allowed)
    best = grid.iloc[np.lexsort((grid["cost_usd"].to_numpy(), key))[0]]
    config = ScalingConfig(int(best.max_concurrency), int(best.min_size), int(best.max_size))
    return Score(config, float(best.cost_usd), float(best.monthly_cost_usd), int(best.breach_minutes))


def baseline_config(train_demand: np.ndarray, settings: BenchSettings) -> ScalingConfig:
    """MaxConcurrency at App Runner's default, MaxSize from the training p99 + 15%."""
    c = DEFAULT_SCALING.max_concurrency
    top = float(np.percentile(train_demand, 99)) * (1 + settings.baseline_margin)
    return ScalingConfig(c, 1, min(25, max(1, math.ceil(top / c))))


def run_trace(
    name: str, requests_per_minute: pd.Series, settings: BenchSettings = BenchSettings()
) -> TraceResult:
    """One trace through PROTOCOL.md: the recommendation from the training window, scored on the test."""
    started = time.perf_counter()
    train, test, scale = split(requests_per_minute, settings)
    rec_settings = settings.recommend
    if settings.horizon_is_test_window:
        rec_settings = replace(rec_settings, horizon_days=len(test) / 1440)
    rec_settings = replace(rec_settings, budget=settings.budget)
    behavior = ServiceBehavior(knee=settings.model.knee, latency_s=settings.model.latency_s)
    rec = recommend_from_trace(train, behavior, DEFAULT_SCALING, DEFAULT_INSTANCE, settings=rec_settings)
    test_demand = demand_from_requests(test.to_numpy(), settings.model.latency_s)
    train_demand = demand_from_requests(train.to_numpy(), settings.model.latency_s)
    return TraceResult(
        name=name,
        train_minutes=len(train),
        test_minutes=len(test),
        scale=scale,
        allowed=allowed_breaches(len(test), settings.budget),
        recommended=None if rec.recommended is None else _score(test_demand, rec.recommended, settings.model),
        optimum=hindsight_optimum(test_demand, settings),
        default=_score(test_demand, DEFAULT_SCALING, settings.model),
        baseline=_score(test_demand, baseline_config(train_demand, settings), settings.model),
        recommendation=rec,
        seconds=time.perf_counter() - started,
    )
