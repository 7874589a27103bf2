"""A region with more services than App Runner's 10 configuration names: every service is applied, the
configurations are shared by value (a Terraform-made one included), each one the advisor creates is
tagged with the action that made it, and `advisor apply --prune` deletes only the advisor's own unused
ones: never a user's, a Terraform-made one, an untagged `advisor-*` or the default."""

from __future__ import annotations

import json
import sys

import pytest

from advisor import cli as advisor_cli
from advisor.apply import execute, plan_apply
from advisor.domain import ScalingConfig

from .conftest import REGION

GROUPS = {  # values -> how many services get them; 14 services, 5 distinct configurations
    ScalingConfig(50, 1, 5): 4,  # the values of the user's Terraform configuration: reused
    ScalingConfig(40, 2, 8): 3,
    ScalingConfig(80, 1, 10): 3,
    ScalingConfig(120, 1, 4): 2,
    ScalingConfig(60, 3, 12): 2,
}
TERRAFORM = "tf-web-scaling"
LOOKALIKE = "advisor-legacy"  # a person's, named like ours, never tagged


def create(emulator, name: str, c: int, m: int, big_m: int) -> str:
    body = {"AutoScalingConfigurationName": name, "MaxConcurrency": c, "MinSize": m, "MaxSize": big_m}
    _, _, raw = emulator.handle("CreateAutoScalingConfiguration", json.dumps(body).encode(), REGION)
    return json.loads(raw)["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]


@pytest.fixture
def fleet(emulator) -> dict[str, ScalingConfig]:
    """14 services on the default configuration, plus a Terraform-made and a look-alike configuration."""
    emulator.operation_seconds = 5.0  # fewer polls per apply: this file is about names, not waiting
    create(emulator, TERRAFORM, 50, 1, 5)
    create(emulator, LOOKALIKE, 33, 1, 3)
    wanted: dict[str, ScalingConfig] = {}
    for values, count in GROUPS.items():
        for _ in range(count):
            name = f"svc-{len(wanted):02d}"
            emulator.add_service(REGION, name)  # 100/1/25: DefaultConfiguration
            wanted[name] = values
    return wanted


@pytest.fixture
def applied(fleet, platform, lake, waiter):
    """Every service applied once; the results by service."""
    results = {}
    for name, values in fleet.items():
        plan = plan_apply(platform, name, lake=lake, values=values)
        results[name] = execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter)
    return results


@pytest.fixture
def cli(endpoint, lake, monkeypatch, capsys):
    monkeypatch.setenv("ADVISOR_LAKE", str(lake))

    def run(*args: str) -> tuple[int, str, str]:
        argv = ["advisor", *args, "--endpoint-url", endpoint.url, "--region", REGION]
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exit_info:
            advisor_cli.main()
        out = capsys.readouterr()
        return exit_info.value.code, out.out, out.err

    return run


def test_every_service_of_a_region_larger_than_the_names_quota_is_applied(applied, fleet, platform):
    assert len(fleet) > 10
    assert {name: r.status.value for name, r in applied.items()} == dict.fromkeys(fleet, "succeeded")
    for name, values in fleet.items():
        live = platform.find_service(name)
        assert platform.describe_revision(live.scaling.arn).settings == values


def test_services_with_the_same_values_share_one_configuration(applied, fleet, platform):
    by_values: dict[ScalingConfig, set[str]] = {}
    for name, values in fleet.items():
        by_values.setdefault(values, set()).add(platform.find_service(name).scaling.arn)
    assert all(len(arns) == 1 for arns in by_values.values())
    names = {platform.find_service(n).scaling.name for n in fleet}
    assert names == {
        TERRAFORM,
        "advisor-c40-m2-M8",
        "advisor-c80-m1-M10",
        "advisor-c120-m1-M4",
        "advisor-c60-m3-M12",
    }
    assert len({r.name for r in platform.revisions()}) == 7  # + DefaultConfiguration, the look-alike


def test_each_created_configuration_is_tagged_with_the_action_that_created_it(applied, endpoint, platform):
    creates = [c for c in endpoint.emulator.calls if c["operation"] == "CreateAutoScalingConfiguration"]
    created = [r for r in applied.values() if r.action.after.name.startswith("advisor-c")]
    firsts: dict[str, object] = {}
    for result in sorted(created, key=lambda r: r.action.created_at):  # the first to use it created it
        firsts.setdefault(result.action.after.arn, result)
    assert len(firsts) == 4
    for arn, result in firsts.items():
        assert platform.tags(arn) == {
            "managed-by": "apprunner-advisor",
            "advisor-action-id": result.action_id,
        }
    assert len(creates) == 2 + 4  # the fixture's two, then one per new set of values


def test_prune_is_a_dry_run_without_allow_apply(applied, fleet, platform, lake, waiter, cli, endpoint):
    for name in ("svc-10", "svc-11"):  # the 120/1/4 pair moves: advisor-c120-m1-M4 is left unused
        plan = plan_apply(platform, name, lake=lake, values=ScalingConfig(40, 2, 8))
        assert execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter).succeeded
    writes = len(endpoint.write_calls())

    code, out, err = cli("apply", "--prune")

    assert code == 0 and "advisor-c120-m1-M4" in out and "dry run" in err
    assert f"kept: {LOOKALIKE}" in out and "not the advisor's" in out
    assert len(endpoint.write_calls()) == writes


def test_prune_deletes_only_the_advisors_unused_configurations(
    applied, fleet, platform, lake, waiter, cli, endpoint
):
    for name in ("svc-10", "svc-11"):
        plan = plan_apply(platform, name, lake=lake, values=ScalingConfig(40, 2, 8))
        assert execute(plan, platform, lake=lake, allow_apply=True, waiter=waiter).succeeded
    unused_terraform = create(endpoint.emulator, "tf-batch-scaling", 10, 1, 2)  # a user's, unused
    before = {r.name for r in platform.revisions()}
    endpoint.emulator.calls.clear()

    code, out, _ = cli("apply", "--prune", "--allow-apply", "--yes")

    assert code == 0, out
    assert before - {r.name for r in platform.revisions()} == {"advisor-c120-m1-M4"}
    deletes = [
        c["params"]["AutoScalingConfigurationArn"]
        for c in endpoint.emulator.calls
        if c["operation"] == "DeleteAutoScalingConfiguration"
    ]
    assert len(deletes) == 1 and "/advisor-c120-m1-M4/" in deletes[0]
    assert unused_terraform in {r.arn for r in platform.revisions()}


def test_prune_with_a_service_named_is_bad_input(cli):
    code, _, err = cli("apply", "--prune", "--service", "svc-00")

    assert code == 2 and "drop --service" in err
