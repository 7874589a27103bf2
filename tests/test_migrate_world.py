"""Issue 15 item 5: the engine's Express what-if checked against something it did not compute.

Two us-east-1 sandbox services (orders-api, steady; checkout-api, diurnal and under-provisioned) are
collected over HTTP into a lake; `migrate_whatif` runs on the lake's metrics; the same window is replayed
on the sandbox's own ECS Express world (POST /_sandbox/express-replay, advisor/sandbox/express.py) with
the configuration the engine used (`targets["ecs_express"].config`), and the two are compared.

Tolerances, and why:
- task-hours within 10 %: both scale with target tracking on requests per target, so tasks follow
  requests / target in both; they differ in what neither can know exactly (the world's hidden task start
  and metric delay against the engine's 210 s and 1 minute, per-second arrivals against minute means,
  draining tasks and Fargate's 1-minute minimum), which on these services moves the hours by a few %.
- Fargate cost within 10 %: the same task size at the same us-east-1 list prices (reference §5) in both,
  so it is task-hours priced; a wrong rate or a wrong size would show here and not in the hours.
- breach minutes within the recommendation's error budget: the world judges each minute's p99 against
  1.5 x the service's unloaded p99 (params.py's knee: the objective the engine's slo_factor 1.5 means).
  This does not hold today; the test is an expected failure with the numbers (see its reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import requests as http

from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.engine.migrate import MigrationWhatIf, TargetOutcome, migrate_whatif
from advisor.engine.optimize import allowed_breaches, profile_named
from advisor.engine.recommender import recommend
from advisor.lake.reader import wide_metrics
from advisor.lake.views import service_records
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.params import Z99
from advisor.sandbox.server import Sandbox
from tests.conftest import SANDBOX_ENV, environment

pytestmark = pytest.mark.slow  # about 40 s: a sandbox, a collect, two what-ifs, four replays

SERVICES = ("orders-api", "checkout-api")
DAYS = 3
HOURS_TOLERANCE = 0.10
COST_TOLERANCE = 0.10


@dataclass(frozen=True)
class Compared:
    name: str
    whatif: MigrationWhatIf
    allowed: int  # the recommendation's error budget over the window, in minutes
    objective_ms: float
    world: dict  # express-replay totals for the engine's Express configuration
    world_defaults: dict  # ... for Express as it comes (CPU 60 %, 1 to 20 tasks)

    def line(self, outcome: TargetOutcome, world: dict) -> str:
        fargate = _fargate_usd(outcome)
        return (
            f"{self.name}: task-hours engine {outcome.task_hours:.1f} world {world['task_hours']:.1f}; "
            f"Fargate $/month engine {fargate:.2f} world {world['monthly_fargate_usd']:.2f}; "
            f"breach minutes engine {outcome.breach_minutes} world {world['breach_minutes']} "
            f"(budget {self.allowed}, objective p99 {self.objective_ms:.0f} ms) over {world['minutes']} min"
        )


def _fargate_usd(outcome: TargetOutcome) -> float:
    return sum(line.usd for line in outcome.cost_lines if line.component.startswith("Fargate"))


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Iterator[dict[str, Compared]]:
    fleet = [s for s in default_fleet(8) if s.name in SERVICES]
    box = Sandbox(fleet, port=0, days=DAYS, seed=7, operation_seconds=0.5, live=False)
    box.start()
    try:
        with environment({**SANDBOX_ENV, "AWS_ENDPOINT_URL": box.endpoint}):
            lake = tmp_path_factory.mktemp("lake")
            summary = collect(
                AwsSession.open(None, box.endpoint), CollectRequest(lake=lake, regions=("all",), days=DAYS)
            )
            assert summary.ok, summary.to_dict()
            truth = {
                s["name"]: s
                for s in http.get(f"{box.endpoint}/_sandbox/truth", timeout=30).json()["services"]
            }
            out = {}
            for record in service_records(lake):
                frame = wide_metrics(lake, record.service_arn)
                rec = recommend(frame, record.scaling, record.instance, record.region)
                whatif = migrate_whatif(
                    frame, record.scaling, record.instance, record.region, recommendation=rec
                )
                allowed = allowed_breaches(len(frame), rec.budget * profile_named(rec.profile).budget_share)
                hidden = truth[record.service_name]
                sigma = hidden["sigma"]
                unloaded_p99_ms = 1000 * hidden["unloaded_latency_s"] * np.exp(Z99 * sigma - sigma**2 / 2)
                window = {
                    "service": record.service_name,
                    "start": frame.index[0].isoformat(),
                    "end": (frame.index[-1] + pd.Timedelta(minutes=1)).isoformat(),
                    "latency_objective_ms": 1.5 * unloaded_p99_ms,
                }

                def replay(outcome: TargetOutcome, window: dict = window) -> dict:
                    answer = http.post(
                        f"{box.endpoint}/_sandbox/express-replay",
                        json={**window, **outcome.config},
                        timeout=120,
                    )
                    assert answer.status_code == 200, answer.text
                    return answer.json()["totals"]

                assert whatif.express_defaults is not None
                out[record.service_name] = Compared(
                    record.service_name,
                    whatif,
                    allowed,
                    1.5 * unloaded_p99_ms,
                    replay(whatif.targets["ecs_express"]),
                    replay(whatif.express_defaults),
                )
            for c in out.values():
                print(c.line(c.whatif.targets["ecs_express"], c.world))
                assert c.whatif.express_defaults is not None
                print("  defaults:", c.line(c.whatif.express_defaults, c.world_defaults))
            yield out
    finally:
        box.stop()


@pytest.mark.parametrize("name", SERVICES)
def test_express_task_hours_agree_with_the_world(compared, name):
    c = compared[name]
    engine = c.whatif.targets["ecs_express"]
    assert engine.minutes == c.world["minutes"]
    assert engine.task_hours == pytest.approx(c.world["task_hours"], rel=HOURS_TOLERANCE), c.line(
        engine, c.world
    )


@pytest.mark.parametrize("name", SERVICES)
def test_express_fargate_cost_agrees_with_the_world(compared, name):
    c = compared[name]
    engine = c.whatif.targets["ecs_express"]
    assert _fargate_usd(engine) == pytest.approx(c.world["monthly_fargate_usd"], rel=COST_TOLERANCE), c.line(
        engine, c.world
    )


@pytest.mark.xfail(
    strict=True,
    reason="known miss against the Express world (measured 2026-12-02, budget 4 of 4,320 minutes): "
    "orders-api now fits (the Express target stops at the latency objective's concurrency, and calibration "
    "fits in-flight growth and sub-minute peaks); checkout-api engine 0, world 26 (it was 91-97). What is "
    "left is ECS's own: new tasks' cold starts (p99 about 1.1 s in the minutes a scale-out's tasks begin "
    "serving; the engine's ECS replay has none). Runs differ: the history ends at the real clock. Remove "
    "this mark when the breach minutes fit the budget.",
)
def test_express_breach_minutes_stay_within_the_budget_in_the_world(compared):
    missed = [
        c.line(c.whatif.targets["ecs_express"], c.world)
        for c in compared.values()
        if c.world["breach_minutes"] > c.allowed
    ]
    assert not missed, "\n".join(missed)


@pytest.mark.xfail(
    strict=True,
    reason="known miss: on Express's default policy (CPU 60 %) the engine's task-hours are far under the "
    "world's (orders-api 77-79 vs 134-145 over 3 days, checkout-api 238-240 vs 275-278). "
    "Not the CPU fit: one task runs at 60 % CPU on App Runner's metrics, 56 % in the world and 53 % "
    "in the engine. It is the dynamics: "
    "a CPU just under the target crosses it for 3 datapoints now and then, and the world scales "
    "proportionally from the desired count (the tasks a scale-out added count in it, AAS's cooldown rule), "
    "so while new tasks are placed and pull their image the still-high CPU raises it again (orders-api "
    "spends 417 of 4,320 minutes at 5 tasks); the engine scales from ready tasks. Remove when they agree "
    "within 10 %.",
)
def test_express_defaults_task_hours_agree_with_the_world(compared):
    missed = []
    for c in compared.values():
        defaults = c.whatif.express_defaults
        assert defaults is not None
        if defaults.task_hours != pytest.approx(c.world_defaults["task_hours"], rel=HOURS_TOLERANCE):
            missed.append(c.line(defaults, c.world_defaults))
    assert not missed, "\n".join(missed)
