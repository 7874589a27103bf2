"""From the sandbox over HTTP to a plan: collect fills the setup columns, the lake's inventory carries
them, and each service's plan is its own and validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.aws.ecsmodel import validate_express_request
from advisor.lake.views import service_inventory
from advisor.migrate.plan import express_plan
from advisor.sandbox.server import Sandbox
from tests.collect.conftest import run_collect, start_sandbox
from tests.migrate.test_plan import whatif  # noqa: F401  (the module's what-if fixture)

NAMES = ("orders-api", "shop-web", "b2b-portal", "admin-tool", "catalog-svc")


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=8, days=1)


@pytest.fixture(scope="module")
def lake(box: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    assert run_collect(box, root, days=1, services=NAMES).ok
    return root


def live(box: Sandbox, name: str):
    return next(s for s in box.world.services if s.spec.name == name)


@pytest.mark.parametrize("name", NAMES)
def test_the_collected_inventory_is_the_sandboxs_setup(box, lake, name):
    service = live(box, name)
    inventory, app = service_inventory(lake, service.arn), service.spec.app
    assert inventory.setup_known and (inventory.name, inventory.region) == (name, service.spec.region)
    assert (inventory.source_type, inventory.port) == (app.source, app.port)
    assert inventory.env_names == tuple(sorted(app.env))
    assert inventory.secret_names == tuple(sorted(app.secrets))
    assert inventory.custom_domains == tuple(sorted(app.custom_domains))
    assert (inventory.vpc_connector_arn is not None, inventory.private) == (app.vpc_connector, app.private)
    assert (inventory.instance_role_arn is not None, inventory.observability_enabled) == (
        app.instance_role,
        app.observability,
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_collected_services_plan_validates_and_is_its_own(box, lake, whatif, name):  # noqa: F811
    inventory = service_inventory(lake, live(box, name).arn)
    plan = express_plan(inventory, whatif)
    assert validate_express_request(plan.request) == []
    titles = [step.title for step in plan.steps]
    moves = [t for t in titles if t.startswith("Move ")]
    assert moves == [f"Move {d}" for d in inventory.custom_domains]
    assert ("Write a Dockerfile and a build pipeline first" in titles) == (inventory.source_type == "code")
    assert ("networkConfiguration" in plan.request) == inventory.needs_vpc
    secrets = plan.request["primaryContainer"].get("secrets", [])
    assert tuple(s["name"] for s in secrets) == inventory.secret_names


def test_a_private_service_runs_in_its_connectors_own_subnets(box, lake, whatif):  # noqa: F811
    """admin-tool: private ingress and a VPC connector; the collected connector fills the network."""
    inventory = service_inventory(lake, live(box, "admin-tool").arn)
    network = express_plan(inventory, whatif).request["networkConfiguration"]
    assert network["subnets"] == list(inventory.vpc_subnets) and len(network["subnets"]) == 2
    assert network["securityGroups"] == list(inventory.vpc_security_groups)
    assert all(s.startswith(("subnet-", "sg-")) for s in network["subnets"] + network["securityGroups"])
