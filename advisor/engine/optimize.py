"""The cheapest App Runner configuration whose breach minutes fit the SLO error budget.

Every (MaxConcurrency, MinSize, MaxSize) is replayed with `evaluate_grid` on each demand scenario (the
recent history as it was, and the same history at the level the forecast expects), under a
`ScalingModel` built from the *estimated* knee. A configuration is acceptable when it stays within the
budget on every scenario; the profile then decides how to trade cost for risk: among the acceptable
configurations costing at most `cost_tolerance` more than the cheapest, the one with the fewest breach
minutes wins. The same grid gives the cost-risk frontier a person can pick from.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import MAX_SIZE_QUOTA, MIN_SIZE_RANGE, InstanceSize, QuotaWarning, ScalingConfig
from advisor.engine.capacity import model_with_slo_concurrency
from advisor.engine.profiles import PROFILES, Profile, profile_named
from advisor.engine.simulate import ScalingModel, evaluate_grid
from advisor.errors import InputError

KEYS = ["max_concurrency", "min_size", "max_size"]
__all__ = ["PROFILES", "Profile", "profile_named"]  # re-exported: their home is profiles.py


@dataclass(frozen=True)
class Scenario:
    """Per-minute demand (concurrent requests) a configuration must hold, and why it matters."""

    name: str
    demand: np.ndarray
    description: str

    @property
    def minutes(self) -> int:
        return len(self.demand)


@dataclass(frozen=True)
class OptimizationResult:
    best: ScalingConfig
    feasible: bool  # False: nothing fits the budget; `best` has the fewest breach minutes
    grid: pd.DataFrame = field(
        repr=False
    )  # KEYS + cost_<scenario>, monthly_cost_<scenario>, breach_<scenario>
    allowed: dict[str, int]  # breach minutes each scenario's budget allows
    scenarios: tuple[str, ...]
    cost_scenario: str  # the scenario whose cost is minimized (the period ahead)

    def row(self, config: ScalingConfig) -> pd.Series:
        """The grid's numbers for one configuration (which may lie outside the searched ranges)."""
        g = self.grid
        hit = g[
            (g.max_concurrency == config.max_concurrency)
            & (g.min_size == config.min_size)
            & (g.max_size == config.max_size)
        ]
        if hit.empty:
            raise KeyError(f"{config} was not evaluated")
        return hit.iloc[0]

    def frontier(self, points: int = 40) -> pd.DataFrame:
        """Cost against risk: the cheapest configuration for each count of breach minutes (cost scenario)."""
        breach, cost = f"breach_{self.cost_scenario}", f"monthly_cost_{self.cost_scenario}"
        ordered = self.grid.sort_values([breach, cost])
        best = ordered.groupby(breach, sort=True).head(1)
        pareto = best[best[cost] < best[cost].cummin().shift(fill_value=np.inf)]
        if len(pareto) > points:
            pareto = pareto.iloc[np.unique(np.linspace(0, len(pareto) - 1, points).round().astype(int))]
        return (
            pareto[[*KEYS, cost, breach]]
            .rename(columns={cost: "monthly_cost_usd", breach: "breach_minutes"})
            .reset_index(drop=True)
        )


def within_quota(c: int, m: int, big_m: int, max_size_limit: int) -> ScalingConfig:
    """A configuration the search was allowed to pick: a MaxSize above the default quota but within the
    limit it was given (the account's raised quota) is no news, so it does not warn."""
    with warnings.catch_warnings():
        if big_m <= max_size_limit:
            warnings.simplefilter("ignore", QuotaWarning)
        return ScalingConfig(c, m, big_m)


def allowed_breaches(minutes: int, budget: float) -> int:
    """Breach minutes an error budget allows (bench/PROTOCOL.md §4: floor(budget x minutes))."""
    return math.floor(budget * minutes)


def evaluate(
    scenarios: list[Scenario],
    model: ScalingModel,
    instance: InstanceSize,
    region: str,
    max_concurrency: range | list[int] | np.ndarray = range(1, 201),
    max_size_limit: int = MAX_SIZE_QUOTA,
) -> pd.DataFrame:
    """Every configuration's cost and breach minutes on every scenario, side by side."""
    grid: pd.DataFrame | None = None
    for s in scenarios:
        g = evaluate_grid(s.demand, instance, region, model, max_concurrency, max_size_limit)
        g = g.rename(
            columns={
                "cost_usd": f"cost_{s.name}",
                "monthly_cost_usd": f"monthly_cost_{s.name}",
                "breach_minutes": f"breach_{s.name}",
            }
        )
        # every scenario's grid has the same configurations in the same order (the same c range and
        # limit): its columns are laid beside the first's, as a merge on KEYS would, without the join
        grid = g if grid is None else pd.concat([grid, g.drop(columns=KEYS)], axis=1)
    if grid is None:
        raise InputError("evaluate needs at least one scenario")
    return grid


def optimize(
    scenarios: list[Scenario],
    model: ScalingModel,
    instance: InstanceSize,
    region: str = "us-east-1",
    budget: float = 0.001,
    profile: Profile = PROFILES["balanced"],
    cost_scenario: str | None = None,
    max_concurrency: range | list[int] | np.ndarray = range(1, 201),
    max_size_limit: int = MAX_SIZE_QUOTA,
    max_size_floor: int = 1,
    max_size_peak: float = 0.0,
) -> OptimizationResult:
    """The configuration `profile` picks among those within `budget` on every scenario.

    `max_size_floor` keeps MaxSize at or above the instances the expected peak needs: MaxSize guards
    against runaway cost, it should not turn expected peak traffic into 429s to save money.
    `max_size_peak` (concurrent requests) does the same at each configuration's own MaxConcurrency:
    MaxSize >= ceil(max_size_peak / MaxConcurrency), so a MaxConcurrency below the knee gets the
    instances its peak needs too.
    """
    if not scenarios or any(s.minutes == 0 for s in scenarios):
        raise InputError("optimize needs at least one scenario with at least one minute of demand")
    grid = evaluate(scenarios, model, instance, region, max_concurrency, max_size_limit)
    floor = np.maximum(max_size_floor, np.ceil(max_size_peak / grid.max_concurrency.to_numpy() - 1e-9))
    keep = (grid.max_size.to_numpy() >= np.minimum(floor, max_size_limit)) & (
        grid.min_size.to_numpy() <= MIN_SIZE_RANGE[1]  # MinSize has a hard limit of its own, MaxSize a quota
    )
    grid = grid[keep].reset_index(drop=True)
    names = tuple(s.name for s in scenarios)
    cost_scenario = cost_scenario or names[-1]
    allowed = {s.name: allowed_breaches(s.minutes, budget * profile.budget_share) for s in scenarios}
    fits = np.ones(len(grid), dtype=bool)
    for name in names:
        fits &= grid[f"breach_{name}"].to_numpy() <= allowed[name]
    cost = grid[f"cost_{cost_scenario}"].to_numpy()
    breach_share = np.max([grid[f"breach_{s.name}"].to_numpy() / s.minutes for s in scenarios], axis=0)
    if fits.any():
        band = fits & (cost <= cost[fits].min() * (1 + profile.cost_tolerance) + 1e-12)
        pick = np.lexsort((cost, breach_share, ~band))[0]
    else:  # nothing fits: the fewest breach minutes, then the cheapest (PROTOCOL.md §4's fallback)
        pick = np.lexsort((cost, breach_share))[0]
    row = grid.iloc[pick]
    best = within_quota(int(row.max_concurrency), int(row.min_size), int(row.max_size), max_size_limit)
    return OptimizationResult(best, bool(fits.any()), grid, allowed, names, cost_scenario)


@dataclass(frozen=True)
class SizeOption:
    """One instance size: the knee it would have, and the cheapest configuration for it."""

    instance: InstanceSize
    knee: float
    basis: str  # how the knee was carried over from the measured size
    config: ScalingConfig | None
    monthly_cost_usd: float | None
    breach_minutes: int | None
    feasible: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "cpu": self.instance.cpu_vcpu,
            "memory": self.instance.memory_gb,
            "knee": self.knee,
            "basis": self.basis,
            "config": None if self.config is None else str(self.config),
            "monthly_cost_usd": self.monthly_cost_usd,
            "breach_minutes": self.breach_minutes,
            "feasible": self.feasible,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SizeOption:
        config = d["config"]
        with warnings.catch_warnings():  # a MaxSize above the quota was flagged when it was chosen
            warnings.simplefilter("ignore", QuotaWarning)
            scaling = None if config is None else ScalingConfig(*(int(v) for v in config.split("/")))
        return cls(
            instance=InstanceSize(d["cpu"], d["memory"]),
            knee=d["knee"],
            basis=d["basis"],
            config=scaling,
            monthly_cost_usd=d["monthly_cost_usd"],
            breach_minutes=d["breach_minutes"],
            feasible=d["feasible"],
        )


@dataclass(frozen=True)
class SizingEvidence:
    """What the measured size tells about other sizes (from capacity's fits)."""

    knee: float  # on the measured size
    knee_observed: bool
    cpu_bound: bool  # latency rose because CPU ran out: the knee scales with vCPU
    cpu_per_request_pct: float | None
    memory_base_pct: float | None
    memory_per_request_pct: float | None
    cpu_limit_pct: float = 80.0
    memory_limit_pct: float = 80.0


def knee_for_size(evidence: SizingEvidence, measured: InstanceSize, other: InstanceSize) -> tuple[float, str]:
    """The knee another size would have; never more than the evidence supports.

    CPU per request is the same work on any size, so CPU-bound capacity scales with vCPU; a knee that
    was not CPU-bound is assumed to stay put, and one never observed is not assumed to grow.
    """
    cpu_ratio = other.cpu_vcpu / measured.cpu_vcpu
    grows = cpu_ratio > 1 and not evidence.knee_observed
    knee = evidence.knee * (cpu_ratio if evidence.cpu_bound and not grows else min(cpu_ratio, 1.0))
    basis = "scaled with vCPU (CPU-bound)" if evidence.cpu_bound else "latency-bound: same knee"
    if not evidence.cpu_bound and cpu_ratio < 1 and evidence.cpu_per_request_pct:
        cpu_cap = evidence.cpu_limit_pct / (evidence.cpu_per_request_pct / cpu_ratio)
        if cpu_cap < knee:
            knee, basis = cpu_cap, "CPU limit on the smaller vCPU"
    if evidence.memory_base_pct is not None and evidence.memory_per_request_pct:
        mem_ratio = other.memory_gb / measured.memory_gb
        room = evidence.memory_limit_pct * mem_ratio - evidence.memory_base_pct
        mem_cap = room / evidence.memory_per_request_pct if room > 0 else 0.0
        if mem_cap < knee:
            knee, basis = mem_cap, "memory limit"
    return float(knee), basis


def right_size(
    evidence: SizingEvidence,
    measured: InstanceSize,
    scenarios: list[Scenario],
    base_model: ScalingModel,
    region: str,
    budget: float,
    profile: Profile,
    sizes: list[InstanceSize] | None = None,
    max_size_limit: int = MAX_SIZE_QUOTA,
) -> list[SizeOption]:
    """The cheapest acceptable configuration on each instance size, cheapest first."""
    options = []
    for size in sizes or InstanceSize.all():
        knee, basis = knee_for_size(evidence, measured, size)
        if knee < 1:
            options.append(SizeOption(size, knee, basis, None, None, None, False))
            continue
        model = model_with_slo_concurrency(base_model, math.floor(knee))
        result = optimize(scenarios, model, size, region, budget, profile, max_size_limit=max_size_limit)
        row = result.row(result.best)
        options.append(
            SizeOption(
                size,
                knee,
                basis,
                result.best,
                float(row[f"monthly_cost_{result.cost_scenario}"]),
                int(row[f"breach_{result.cost_scenario}"]),
                result.feasible,
            )
        )
    return sorted(options, key=lambda o: (not o.feasible, o.monthly_cost_usd or math.inf))
