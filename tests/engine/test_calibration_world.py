"""Calibration against the sandbox's independent world: its hidden scale-out delay, cooldown and active
linger are recovered from CloudWatch metrics alone (collected over HTTP into a lake, as a user would).

Only this test reads the world's truth (`World.truth()`); the engine never does. The services use the
fleet's generated hidden parameters (delays 30-180 s, cooldowns 2-15 min, lingers 10-180 s) on a traffic
that makes them observable: a quiet night (a few requests a minute: the pool at MinSize is partly active,
so linger shows) and a day of hour-long steps that rise by several instances and fall one instance at a
time (each fall is a scale-in). Tolerances: delay within 1 minute (the minute model's delay is whole
minutes); hold within 2 minutes or 30% of the cooldown; linger within 15 s or 30%.

Why falls of one instance: the world's controller scales in to the most instances needed since the calm
began, and the scaling window's average passes through intermediate values during a large drop, so a
fall of four instances takes two cooldowns in this world (four to two, then two to one). The minute
model has one hold; on large drops it fits between one and two cooldowns (measured in the H3 note).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.calibrate import calibrate
from advisor.lake.reader import wide_metrics
from advisor.sandbox.fleet import FleetService, generated_params
from advisor.sandbox.server import Sandbox
from tests.conftest import SANDBOX_ENV

DAYS = 4
SERVICES = 8
CONFIG = ScalingConfig(10, 1, 25)
SCALING_FITS = ("scale_out_delay", "scale_in_hold", "active_linger")
LEVELS = (0.5, 3.5, 2.5, 1.5, 0.5, 4.5, 3.5, 2.5, 1.5, 0.5, 2.5, 1.5, 0.5)  # instances' worth, per hour


def staircase_day(latency_s: float, seed: int) -> pd.Series:
    """Requests per minute of one day: 3 a minute at night, then an hour at each level of LEVELS."""
    rng = np.random.default_rng(seed)
    rpm = np.full(1440, 3.0)
    for hour, level in enumerate(LEVELS):
        start = 420 + 60 * hour
        rpm[start : start + 60] = level * CONFIG.max_concurrency * 60 / latency_s * rng.uniform(0.95, 1.0)
    index = pd.date_range("2026-01-01", periods=1440, freq="1min", tz="UTC", name="timestamp")
    # a trace counts requests, and counts of independent arrivals are Poisson around the rate (3 a minute
    # exactly, every minute, would be a clock, with no gaps longer than the linger)
    return pd.Series(rng.poisson(rpm).astype(float), index=index, name="requests")


def fleet() -> list[FleetService]:
    out = []
    for i in range(SERVICES):
        params = generated_params(i)
        out.append(
            FleetService(
                f"calib-{i}",
                "us-east-1",
                InstanceSize(1, 2),
                CONFIG,
                params,
                "staircase traffic for calibration",
                trace=staircase_day(params.unloaded_latency_s, i),
            )
        )
    return out


@pytest.fixture(scope="module")
def world_lake(tmp_path_factory, monkeypatch_module):
    box = Sandbox(fleet(), port=0, days=DAYS, seed=11, operation_seconds=0.5, live=False)
    box.start()
    try:
        for key, value in {**SANDBOX_ENV, "AWS_ENDPOINT_URL": box.endpoint}.items():
            monkeypatch_module.setenv(key, value)
        lake = tmp_path_factory.mktemp("lake")
        summary = collect(
            AwsSession.open(None, box.endpoint), CollectRequest(lake=lake, regions=("us-east-1",), days=DAYS)
        )
        assert summary.ok, summary.to_dict()
        yield box.world.truth(), lake
    finally:
        box.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_delay_hold_and_linger_of_the_world_are_recovered(world_lake):
    truth, lake = world_lake
    rows = []
    for service in truth:
        frame = wide_metrics(lake, service["service_arn"])
        cal = calibrate(frame, CONFIG, InstanceSize(1, 2))
        delay_min = service["scale_out_delay_s"] / 60
        hold_min = service["scale_in_cooldown_s"] / 60
        linger_s = service["active_linger_s"]
        rows.append(
            {
                "name": service["name"],
                "delay": (delay_min, cal.scale_out_delay.value),
                "hold": (hold_min, cal.scale_in_hold.value),
                "linger": (linger_s, cal.active_linger.value),
                "fallback": [n for n in SCALING_FITS if cal.fits()[n].fallback],
                "ok_delay": abs(cal.scale_out_delay.value - delay_min) <= 1.0,
                "ok_hold": abs(cal.scale_in_hold.value - hold_min) <= max(2.0, 0.3 * hold_min),
                "ok_linger": abs(cal.active_linger.value - linger_s) <= max(15.0, 0.3 * linger_s),
            }
        )
    report = "\n".join(str(r) for r in rows)
    assert all(not r["fallback"] for r in rows), report
    recovered = [r for r in rows if r["ok_delay"] and r["ok_hold"] and r["ok_linger"]]
    assert len(recovered) >= 6, report
