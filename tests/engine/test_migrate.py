"""The migration what-if (issue 15): App Runner against ECS Express and tuned ECS on Fargate, worked by hand.

Prices are us-east-1's list prices (reference/ecs-express.md §5, reference/apprunner.md §2); the what-if's
month is 30 days (720 hours), so the reference's 730-hour figures come out a little lower here:
App Runner active 24/7 at 1 vCPU / 2 GB (0.064 + 2 x 0.007) x 720 = $56.16 (reference: $56.94), idle
2 x 0.007 x 720 = $10.08 ($10.22); one Fargate task (0.04048 + 2 x 0.004445) x 720 = $35.55 ($36.04).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING, ScalingConfig
from advisor.engine.migrate import (
    TARGETS,
    EcsScaling,
    MigrateSettings,
    ServiceLoad,
    TaskSize,
    _verdict,
    migrate_whatif,
    simulate_ecs,
)
from advisor.engine.offline import metrics_from_trace
from advisor.engine.optimize import profile_named
from advisor.engine.recommender import recommend
from advisor.engine.simulate import ScalingModel
from advisor.engine.whatif import model_from_evidence
from advisor.errors import InputError
from advisor.pricing.apprunner import PricingWarning
from advisor.pricing.ecs import US_EAST_1, ecs_prices_for, valid_task_size

DAYS = 3
HOURS = 720  # the what-if's month: 43,200 minutes


def around(rpm: float) -> pd.Series:
    """`rpm` requests a minute all day, give or take 10 % over the day (a flat line has no CPU slope)."""
    index = pd.date_range("2026-03-02", periods=DAYS * 1440, freq="1min", tz="UTC", name="timestamp")
    minute = np.arange(len(index))
    return pd.Series(np.round(rpm * (1 + 0.1 * np.sin(2 * np.pi * minute / 1440))), index=index)


@pytest.fixture(scope="module")
def busy():
    """~2,000 requests a minute at 1 vCPU / 2 GB, with the recommender's evidence for it."""
    frame = metrics_from_trace(around(2000))
    return frame, recommend(frame, DEFAULT_SCALING, DEFAULT_INSTANCE)


@pytest.fixture(scope="module")
def idle():
    return metrics_from_trace(around(10))


def lines(outcome):
    return {line.component: line.usd for line in outcome.cost_lines}


def test_busy_service_is_cheaper_on_fargate_and_express_line_by_line(busy):
    frame, rec = busy
    shared = MigrateSettings(alb_services=5, deployments_per_month=0)
    whatif = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec, settings=shared)
    ar, express, fargate = (whatif.targets[name] for name in TARGETS)

    # App Runner as recommended: one instance holds ~8 concurrent requests, active all month
    assert ar.config["max_concurrency"] == rec.recommended.max_concurrency
    assert ar.task_hours == pytest.approx(DAYS * 24)
    got = lines(ar)
    assert got["App Runner active vCPU"] == pytest.approx(0.064 * HOURS, rel=1e-3)  # $46.08
    assert got["App Runner active memory"] == pytest.approx(2 * 0.007 * HOURS, rel=1e-3)  # $10.08
    assert got["App Runner provisioned memory (idle instances)"] == pytest.approx(0, abs=0.01)
    ar_compute = 56.16

    # Express maps MaxConcurrency to requests per task by Little's law, 60 x k / L(k) with k = 100 but never
    # past the concurrency of the latency objective (an ALB queues what App Runner would refuse): one task
    slo_k = model_from_evidence(rec.capacity, rec.calibration).slo_concurrency
    assert slo_k < 100
    # at the objective the latency is 1.5 x L0: 60 x k / 0.375 s
    assert express.config["target_value"] == pytest.approx(60 * slo_k / (1.5 * 0.25), rel=0.01)
    assert express.task_hours == pytest.approx(DAYS * 24)
    got = lines(express)
    assert got["Fargate vCPU"] == pytest.approx(0.04048 * HOURS)  # $29.15
    assert got["Fargate memory"] == pytest.approx(2 * 0.004445 * HOURS)  # $6.40
    assert got["public IPv4 (tasks)"] == pytest.approx(0.005 * HOURS)  # $3.60
    assert got["ALB hours (share)"] == pytest.approx(0.0225 * HOURS / 5)  # $3.24
    assert got["public IPv4 (ALB share)"] == pytest.approx(2 * 0.005 * HOURS / 5)  # $1.44
    # LCU: 2,000 x 4,000 bytes x 60 = 0.48 GB an hour beats 2,000 / 60 / 10 / 25 = 0.13 new connections
    assert got["ALB LCUs"] == pytest.approx(0.48 * 0.008 * HOURS, rel=0.01)  # $2.76
    express_compute = 29.1456 + 6.4008 + 3.6 + 3.24 + 1.44 + 2.7648  # $46.59

    # logs are the same wherever it runs; data out is not in App Runner's metrics, so it is not priced
    for outcome in (ar, express, fargate):
        assert lines(outcome)["data transfer out"] == 0.0
        assert lines(outcome)["CloudWatch Logs ingestion"] == pytest.approx(0.50)
    # given the service's monthly GB, it is the same line on every target: 345.6 GB x $0.09
    given = replace(shared, data_out_gb_per_month=345.6)
    priced = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec, settings=given)
    assert [lines(t)["data transfer out"] for t in priced.targets.values()] == [pytest.approx(31.104)] * 3
    assert ar.monthly_cost_usd - lines(ar)["data transfer out"] - 0.5 == pytest.approx(ar_compute, rel=2e-3)
    assert express.monthly_cost_usd - lines(express)["data transfer out"] - 0.5 == pytest.approx(
        express_compute, rel=2e-3
    )

    assert express.monthly_cost_usd < ar.monthly_cost_usd
    assert fargate.monthly_cost_usd <= express.monthly_cost_usd
    assert valid_task_size(fargate.config["cpu_units"], fargate.config["memory_mb"])
    budget = rec.budget * profile_named(rec.profile).budget_share  # the profile's share of the budget
    assert all(o.breach_minutes <= int(budget * o.minutes) for o in (ar, express, fargate))
    assert whatif.recommendation == "move"
    assert any("saves $" in reason for reason in whatif.reasons)


def test_the_tuned_setup_is_advised_when_it_saves_a_change_more_than_the_mapped_one(busy):
    frame, rec = busy
    whatif = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec)
    ar = whatif.targets["app_runner"].monthly_cost_usd  # $56.16: the threshold is max($5, 10 %) = $5.62

    def verdict(express_usd: float, fargate_usd: float, express_breaches: int = 0) -> str:
        t = whatif.targets
        targets = {
            **t,
            "ecs_express": replace(
                t["ecs_express"], monthly_cost_usd=express_usd, breach_minutes=express_breaches
            ),
            "fargate": replace(t["fargate"], monthly_cost_usd=fargate_usd, breach_minutes=0),
        }
        return _verdict(targets, 0, whatif.settings)[0]

    assert verdict(ar - 20, ar - 22) == "move"  # the tuned set-up saves only $2 more: keep it simple
    assert verdict(ar - 20, ar - 30) == "move with these settings"  # $10 more than the mapped one
    assert verdict(ar - 2, ar - 10) == "move with these settings"  # the mapped one does not pay
    assert verdict(ar - 20, ar - 21, express_breaches=1) == "move with these settings"  # past the budget
    assert verdict(ar - 2, ar - 3) == "stay"


def test_busy_service_alone_on_its_alb_stays(busy):
    """The ALB's floor ($16.20 of hours and $7.20 of IPv4 a month) undoes the saving of one busy service."""
    frame, rec = busy
    alone = MigrateSettings(alb_services=1, deployments_per_month=0)
    whatif = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec, settings=alone)
    express = whatif.targets["ecs_express"]
    assert lines(express)["ALB hours (share)"] == pytest.approx(16.20)
    assert lines(express)["public IPv4 (ALB share)"] == pytest.approx(7.20)
    compute = 29.1456 + 6.4008 + 3.6 + 16.20 + 7.20 + 2.7648  # $65.31 against App Runner's $56.16
    assert express.monthly_cost_usd - lines(express)["data transfer out"] - 0.5 == pytest.approx(
        compute, rel=2e-3
    )
    assert express.monthly_cost_usd > whatif.targets["app_runner"].monthly_cost_usd
    assert whatif.recommendation == "stay"
    assert any("ALB's floor is $23.40" in reason for reason in whatif.reasons)


def test_idle_service_is_cheaper_on_app_runner(idle):
    """~10 requests a minute: App Runner bills its one idle instance's memory, ECS a whole task and an ALB."""
    whatif = migrate_whatif(idle, DEFAULT_SCALING, DEFAULT_INSTANCE)
    ar, express, fargate = (whatif.targets[name] for name in TARGETS)
    got = lines(ar)
    memory = got["App Runner provisioned memory (idle instances)"] + got["App Runner active memory"]
    assert memory == pytest.approx(2 * 0.007 * HOURS, rel=1e-3)  # $10.08: idle or active, 2 GB is billed
    # active about 1 - exp(-10 / 60 x 0.25) = 4 % of the time
    assert got["App Runner active vCPU"] == pytest.approx(
        0.064 * HOURS * (1 - np.exp(-10 / 60 * 0.25)), rel=0.1
    )
    assert ar.monthly_cost_usd < 13.0 + 0.5 + lines(ar)["data transfer out"]
    # one task all month, and the whole ALB: 35.55 + 3.60 + 16.20 + 7.20
    assert express.task_hours == pytest.approx(DAYS * 24)
    assert express.monthly_cost_usd - 0.5 - lines(express)["data transfer out"] == pytest.approx(
        62.55, rel=0.01
    )
    assert fargate.config["cpu_units"] == 256  # right-sized to the smallest task, still dearer
    assert min(express.monthly_cost_usd, fargate.monthly_cost_usd) > ar.monthly_cost_usd
    assert whatif.recommendation == "stay"
    assert any("cannot scale to zero" in reason for reason in whatif.reasons)
    assert any("no recommendation" in note for note in ar.notes)  # too light to measure: said so


def test_cost_lines_sum_to_the_total_and_the_minutes(busy):
    frame, rec = busy
    whatif = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec)
    outcomes = [*whatif.targets.values(), whatif.express_defaults]
    for outcome in outcomes:
        assert outcome.monthly_cost_usd == pytest.approx(sum(line.usd for line in outcome.cost_lines))
        per_month = outcome.per_minute["cost_usd"].sum() * 43_200 / outcome.minutes
        assert per_month == pytest.approx(outcome.monthly_cost_usd)
        assert {"tasks", "breach", "cost_usd"} <= set(outcome.per_minute.columns)
        assert outcome.breach_minutes == int(outcome.per_minute["breach"].sum())
    out = json.loads(json.dumps(whatif.to_dict()))
    assert set(out["targets"]) == set(TARGETS)
    first = out["targets"]["fargate"]["cost_lines"][0]
    assert set(first) == {"component", "usd", "detail"}
    assert out["recommendation"] in ("stay", "move", "move with these settings")
    assert out["express_defaults"]["config"]["metric"] == "AVERAGE_CPU"
    assert out["express_defaults"]["config"]["target_value"] == 60
    assert out["settings"]["alb_services"] == 1


def burst_load(rpm_before: float, rpm_burst: float, minutes: int = 120) -> ServiceLoad:
    """1,000 requests a minute, 5,000 from minute 60 to 89; a task holds 9.33 concurrent requests at its
    objective (knee 8, latency 0.25 s), reaching 80 % CPU there."""
    rpm = np.full(minutes, rpm_before)
    rpm[60:90] = rpm_burst
    model = ScalingModel(knee=8.0, latency_s=0.25)
    index = pd.date_range("2026-03-02", periods=minutes, freq="1min", tz="UTC", name="timestamp")
    return ServiceLoad(
        demand=pd.Series(rpm / 60 * 0.25, index=index),
        requests=rpm,
        model=model,
        instance=DEFAULT_INSTANCE,
        cpu_per_request_pct=80.0 / model.slo_concurrency,
        memory_base_pct=None,
        memory_per_request_pct=None,
    )


@pytest.mark.parametrize(("task_start_s", "breaches"), [(210, 7), (60, 4)])
def test_a_burst_that_outruns_task_start_breaches_on_ecs(task_start_s, breaches):
    """At minute 60 one task sees 5,000 / 60 x 0.25 = 20.8 concurrent requests (its objective: 9.33).
    The metric of minute 60 is seen at 61; the third datapoint above 2,000 comes at 62, seen at 63, and
    the alarm scales out to ceil(1 x 5,000 / 2,000) = 3 tasks, which serve after the start time:
    210 s -> 4 minutes (minute 67: breaches 60..66), 60 s -> 1 minute (minute 64: breaches 60..63)."""
    load = burst_load(1000, 5000)
    settings = MigrateSettings(task_start_s=task_start_s, deployments_per_month=0)
    scaling = EcsScaling("REQUEST_COUNT_PER_TARGET", 2000, 1, 10)
    frame = simulate_ecs(load, TaskSize(1024, 2048), scaling, US_EAST_1, settings)
    assert int(frame["breach"].sum()) == breaches
    assert frame["breach"].iloc[60 : 60 + breaches].all()
    assert frame["tasks"].iloc[63] == 3 and frame["ready"].iloc[63 + settings.task_start_min] == 3
    assert frame["tasks"].iloc[62] == 1  # billed from launch, not before


def test_canary_deployments_double_the_billed_tasks():
    """A month of steady traffic on one task, four 10-minute deployments: 40 minutes of two tasks."""
    load = burst_load(1000, 1000, minutes=43_200)
    scaling = EcsScaling("REQUEST_COUNT_PER_TARGET", 2000, 1, 10)
    doubled = simulate_ecs(load, TaskSize(1024, 2048), scaling, US_EAST_1, MigrateSettings())
    single = simulate_ecs(
        load, TaskSize(1024, 2048), scaling, US_EAST_1, MigrateSettings(canary_doubles_tasks=False)
    )
    assert doubled["tasks"].sum() == 43_200 + 40
    assert single["tasks"].sum() == 43_200


def test_break_even_lies_between_idle_and_busy(busy, idle):
    frame, rec = busy
    shared = MigrateSettings(alb_services=5)
    busy_even = migrate_whatif(
        frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec, settings=shared
    ).break_even
    idle_even = migrate_whatif(idle, DEFAULT_SCALING, DEFAULT_INSTANCE, settings=shared).break_even
    for even in (busy_even, idle_even):
        assert even.requests_per_minute is not None and 10 < even.requests_per_minute < 2000
        assert even.against in ("fargate", "ecs_express")
    assert busy_even.scale < 1 < idle_even.scale  # the busy one is past it, the idle one short of it
    assert "cost the same" in busy_even.reason


@pytest.mark.parametrize("services", [0, 26, -1])
def test_alb_services_outside_1_to_25_is_bad_input(services):
    with pytest.raises(InputError, match=rf"alb_services={services} is invalid: allowed 1 to 25"):
        MigrateSettings(alb_services=services)


@pytest.mark.parametrize(("cpu", "memory"), [(1024, 1024), (300, 512), (8192, 18432)])
def test_a_task_size_fargate_does_not_run_is_bad_input(cpu, memory):
    with pytest.raises(InputError, match=r"is not a Fargate size: pick one of 256 CPU units with 0\.5-2 GB"):
        TaskSize(cpu, memory)


def test_bad_scaling_and_settings_say_what_to_fix():
    with pytest.raises(InputError, match="min_tasks=0 is invalid: allowed 1 or more"):
        EcsScaling("REQUEST_COUNT_PER_TARGET", 100, 0, 5)
    with pytest.raises(InputError, match="target_value=120 is invalid for AVERAGE_CPU: allowed 1 to 100"):
        EcsScaling("AVERAGE_CPU", 120, 1, 5)
    with pytest.raises(InputError, match="architecture='arm' is invalid: allowed X86_64 or ARM64"):
        MigrateSettings(architecture="arm")
    with pytest.raises(InputError, match="no Requests_Sum datapoints"):
        migrate_whatif(pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC")), DEFAULT_SCALING, DEFAULT_INSTANCE)


def test_fargate_sizes_and_prices():
    assert valid_task_size(256, 512) and valid_task_size(4096, 30 * 1024) and valid_task_size(8192, 20 * 1024)
    assert not valid_task_size(256, 4096) and not valid_task_size(8192, 18 * 1024)
    assert not US_EAST_1.estimated and US_EAST_1.fargate_rates("ARM64") == (0.03238, 0.00356)
    tokyo = ecs_prices_for("ap-northeast-1")
    assert tokyo.estimated and "us-east-1's rate x 1.266" in tokyo.sources["fargate"]
    assert tokyo.fargate_vcpu_hour == pytest.approx(0.04048 * 0.081 / 0.064)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nowhere = ecs_prices_for("xx-nowhere-1")
    assert nowhere.estimated and any(issubclass(w.category, PricingWarning) for w in caught)


def test_arm_setting_prices_the_tuned_fargate_task_at_graviton_rates(busy):
    frame, rec = busy
    x86 = migrate_whatif(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, recommendation=rec).targets["fargate"]
    arm = migrate_whatif(
        frame,
        DEFAULT_SCALING,
        DEFAULT_INSTANCE,
        recommendation=rec,
        settings=MigrateSettings(architecture="ARM64"),
    ).targets["fargate"]
    assert arm.config["architecture"] == "ARM64"
    assert lines(arm)["Fargate vCPU"] < lines(x86)["Fargate vCPU"]
    assert arm.monthly_cost_usd < x86.monthly_cost_usd


def test_without_a_recommendation_it_recommends_itself(busy):
    frame, rec = busy
    mine = migrate_whatif(frame, ScalingConfig(100, 1, 25), DEFAULT_INSTANCE, recommendation=rec)
    itself = migrate_whatif(frame, ScalingConfig(100, 1, 25), DEFAULT_INSTANCE)
    assert itself.targets["app_runner"].monthly_cost_usd == pytest.approx(
        mine.targets["app_runner"].monthly_cost_usd
    )


@pytest.mark.parametrize("seed", range(12))
def test_quiet_minutes_skipped_in_one_step_replay_as_the_plain_loop(seed, monkeypatch):
    """Target tracking skips runs of minutes where no alarm can act; minute by minute gives the same."""
    from advisor.engine import migrate

    rng = np.random.default_rng(seed)
    n = int(rng.integers(200, 3000))
    rpm = np.full(n, rng.uniform(50, 3000))
    for _ in range(int(rng.integers(1, 6))):  # bursts and lulls
        start = int(rng.integers(0, n))
        rpm[start : start + int(rng.integers(1, 300))] *= rng.uniform(0.05, 8)
    rpm = rng.poisson(rpm).astype(float)
    metric = ("REQUEST_COUNT_PER_TARGET", "AVERAGE_CPU")[seed % 2]
    target = int(rng.integers(100, 2000)) if seed % 2 == 0 else int(rng.integers(20, 90))
    low = int(rng.integers(1, 4))
    scaling = EcsScaling(metric, target, low, low + int(rng.integers(0, 30)), 300, int(rng.choice([0, 300])))
    settings = MigrateSettings(
        task_start_s=int(rng.choice([60, 210, 400])),
        metric_delay_min=int(rng.integers(0, 3)),
        scale_in_datapoints=int(rng.integers(1, 16)),
        deployments_per_month=float(rng.choice([0, 400])),
    )
    base, slope, cap = (0.0, 1.0, np.inf) if seed % 2 == 0 else (0.0, 0.02, 100.0)
    deploying = migrate._windows(n, settings)
    skipping = migrate._track(rpm, base, slope, cap, scaling, deploying, settings)
    monkeypatch.setattr(migrate, "_QUIET_BLOCK", 0)  # never a quiet run: every minute in the loop
    plain = migrate._track(rpm, base, slope, cap, scaling, deploying, settings)
    for got, want in zip(skipping, plain, strict=True):
        np.testing.assert_array_equal(got, want)


def test_cpu_tracking_chases_a_capped_metric_longer_than_requests_per_target():
    """Express's default policy on the same burst: CPU is 8.57 % per concurrent request (80 % at 9.33), so
    one task reads 100 % (capped) and scales out to ceil(1 x 100 / 60) = 2 at minute 63 (ready at 67);
    two tasks read 89.3 %, seen at 68: ceil(2 x 89.3 / 60) = 3, ready at 72. Breaches 60..71: 12 minutes,
    where requests per target (uncapped: ceil(5,000 / 2,000) = 3 at once) take 7."""
    load = burst_load(1000, 5000)
    settings = MigrateSettings(deployments_per_month=0)
    frame = simulate_ecs(
        load, TaskSize(1024, 2048), EcsScaling("AVERAGE_CPU", 60, 1, 20), US_EAST_1, settings
    )
    assert frame["metric"].iloc[61] == pytest.approx(100.0)
    assert frame["tasks"].iloc[63] == 2 and frame["tasks"].iloc[68] == 3
    assert frame["ready"].iloc[71] == 2 and frame["ready"].iloc[72] == 3
    assert int(frame["breach"].sum()) == 12


def test_memory_tracking_reads_the_instance_memory_on_the_task():
    """Memory 30 % of 2 GB idle plus 0.25 % per concurrent request: on a 4 GB task half those shares. At
    1,000 requests a minute (4.17 concurrent on one task) that is (30 + 0.25 x 4.17) / 2 = 15.5 %."""
    load = replace(burst_load(1000, 1000), memory_base_pct=30.0, memory_per_request_pct=0.25)
    scaling = EcsScaling("AVERAGE_MEMORY", 60, 1, 4)
    frame = simulate_ecs(load, TaskSize(1024, 4096), scaling, US_EAST_1, MigrateSettings())
    assert frame["metric"].iloc[10] == pytest.approx((30 + 0.25 * 1000 / 60 * 0.25) / 2)
    with pytest.raises(InputError, match="AVERAGE_MEMORY scaling needs the service's memory evidence"):
        simulate_ecs(burst_load(1000, 1000), TaskSize(1024, 4096), scaling, US_EAST_1, MigrateSettings())


def test_a_region_without_published_ecs_prices_is_an_estimate_on_every_target(idle):
    whatif = migrate_whatif(idle, DEFAULT_SCALING, DEFAULT_INSTANCE, region="ap-northeast-1")
    for outcome in whatif.targets.values():
        assert "prices are an estimate for the region" in outcome.notes
    # Tokyo's App Runner memory is $0.009 per GB-hour: the idle instance's 2 GB cost 2 x 0.009 x 720
    got = lines(whatif.targets["app_runner"])
    memory = got["App Runner provisioned memory (idle instances)"] + got["App Runner active memory"]
    assert memory == pytest.approx(2 * 0.009 * HOURS, rel=1e-3)
