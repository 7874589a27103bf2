"""The Express plan: a request botocore's ECS model accepts, a template cfn-lint accepts, and the steps
that this service's own inventory calls for."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import botocore.session
import numpy as np
import pandas as pd
import pytest
from botocore.validate import ParamValidator
from cfnlint.api import lint

from advisor.aws.ecsmodel import validate_express_request
from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.migrate import MigrationWhatIf, migrate_whatif
from advisor.engine.offline import metrics_from_trace
from advisor.errors import InputError
from advisor.lake.views import service_inventory
from advisor.lake.writer import write
from advisor.migrate.plan import ROUTE53_WEIGHTS, ServiceInventory, express_plan

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/orders-api/" + "a" * 32
CONNECTOR = "arn:aws:apprunner:us-east-1:123456789012:vpcconnector/orders-vpc/1/" + "0" * 32
PLAIN = ServiceInventory(
    "orders-api",
    ARN,
    "us-east-1",
    InstanceSize(1, 2),
    setup_known=True,
    source_type="image",
    image_identifier="123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:latest",
    image_repository_type="ECR",
    port=8080,
    health_check_protocol="TCP",
    health_check_path="/",
    egress_type="DEFAULT",
    publicly_accessible=True,
    observability_enabled=False,
)
WITH_DOMAINS = replace(PLAIN, custom_domains=("api.example.com", "www.example.com"))
IN_A_VPC = replace(
    PLAIN,
    egress_type="VPC",
    vpc_connector_arn=CONNECTOR,
    publicly_accessible=False,
    secret_names=("DB_PASSWORD", "STRIPE_KEY"),
    env_names=("DB_HOST",),
    instance_role_arn="arn:aws:iam::123456789012:role/orders-task",
)
FROM_CODE = replace(
    PLAIN,
    source_type="code",
    image_identifier=None,
    image_repository_type=None,
    code_repository_url="https://github.com/example/orders-api",
    start_command=True,
    health_check_protocol="HTTP",
    health_check_path="/healthz",
    observability_enabled=True,
)
INVENTORIES = {"plain": PLAIN, "domains": WITH_DOMAINS, "vpc": IN_A_VPC, "code": FROM_CODE}


@pytest.fixture(scope="module")
def whatif() -> MigrationWhatIf:
    """Two flat busy days (about 2,000 requests a minute) at 1 vCPU / 2 GB through the real what-if."""
    minutes = pd.date_range("2026-11-01", periods=2 * 1440, freq="min", tz="UTC")
    trace = pd.Series(np.random.default_rng(3).poisson(2000, len(minutes)).astype(float), index=minutes)
    return migrate_whatif(metrics_from_trace(trace), ScalingConfig(100, 1, 25), InstanceSize(1, 2))


def botocore_errors(request: dict) -> str:
    """The test's own check: botocore's ECS model, loaded here, on CreateExpressGatewayService's input."""
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("CreateExpressGatewayService").input_shape
    report = ParamValidator().validate(request, shape)
    return report.generate_report() if report.has_errors() else ""


@pytest.mark.parametrize("kind", INVENTORIES)
def test_the_request_validates_against_botocores_ecs_model(whatif, kind):
    plan = express_plan(INVENTORIES[kind], whatif)
    assert botocore_errors(plan.request) == ""
    assert validate_express_request(plan.request) == []
    json.dumps(plan.to_dict())  # JSON-ready throughout


def test_the_request_reproduces_the_express_target_the_whatif_replayed(whatif):
    config = whatif.targets["ecs_express"].config
    request = express_plan(IN_A_VPC, replace(whatif, recommendation="move")).request
    assert (request["cpu"], request["memory"]) == (str(config["cpu_units"]), str(config["memory_mb"]))
    assert request["scalingTarget"] == {
        "minTaskCount": config["min_tasks"],
        "maxTaskCount": config["max_tasks"],
        "autoScalingMetric": config["metric"],
        "autoScalingTargetValue": config["target_value"],
    }
    container = request["primaryContainer"]
    assert container["image"] == PLAIN.image_identifier and container["containerPort"] == 8080
    assert [e["name"] for e in container["environment"]] == ["DB_HOST"]
    assert [s["name"] for s in container["secrets"]] == ["DB_PASSWORD", "STRIPE_KEY"]
    assert all(s["valueFrom"].startswith("<") for s in container["secrets"])  # never a value
    assert request["healthCheckPath"] == "/"  # explicit: the guide and the model disagree on the default
    assert request["taskRoleArn"] == IN_A_VPC.instance_role_arn
    assert len(request["networkConfiguration"]["subnets"]) == 2
    assert request["infrastructureRoleArn"].startswith("<") and request["executionRoleArn"].startswith("<")


def test_the_plan_follows_the_advice_to_move_with_the_advisors_settings(whatif):
    """ "Move with these settings" means the tuned target's task size and policy, written as Express takes
    them; a plain "move" keeps App Runner's settings mapped."""
    tuned = whatif.targets["fargate"].config
    assert (tuned["cpu_units"], tuned["target_value"]) != (
        whatif.targets["ecs_express"].config["cpu_units"],
        whatif.targets["ecs_express"].config["target_value"],
    )
    for advice, target in (("move with these settings", "fargate"), ("move", "ecs_express")):
        config = whatif.targets[target].config
        plan = express_plan(PLAIN, replace(whatif, recommendation=advice))
        assert plan.request["cpu"] == str(config["cpu_units"])
        assert plan.request["scalingTarget"]["autoScalingTargetValue"] == config["target_value"]
        assert validate_express_request(plan.request) == []


def test_a_public_service_without_a_connector_keeps_expresss_default_network(whatif):
    request = express_plan(WITH_DOMAINS, whatif).request
    assert "networkConfiguration" not in request and "taskRoleArn" not in request
    assert "environment" not in request["primaryContainer"]


def test_every_placeholder_is_listed_once(whatif):
    plan = express_plan(IN_A_VPC, whatif)
    assert plan.placeholders[:2] == (
        plan.request["infrastructureRoleArn"],
        plan.request["executionRoleArn"],
    )
    assert len(plan.placeholders) == len(set(plan.placeholders)) == 2 + 1 + 2 + 3  # roles, env, secrets, net
    assert all(p in plan.to_markdown() for p in plan.placeholders)


@pytest.mark.parametrize("kind", ["plain", "vpc", "code"])
def test_the_cloudformation_template_lints_clean(whatif, kind):
    template = express_plan(INVENTORIES[kind], whatif).cloudformation
    assert template["Resources"]["Service"]["Type"] == "AWS::ECS::ExpressGatewayService"
    assert [str(m) for m in lint(json.dumps(template), regions=["us-east-1"])] == []


def test_cfn_lint_would_catch_a_property_the_resource_does_not_have(whatif):
    template = copy.deepcopy(express_plan(PLAIN, whatif).cloudformation)
    template["Resources"]["Service"]["Properties"]["CpuArchitecture"] = "X86_64"
    assert any("CpuArchitecture" in str(m) for m in lint(json.dumps(template), regions=["us-east-1"]))


def test_an_arm_plan_says_the_template_cannot_carry_its_architecture(whatif):
    arm = replace(whatif.targets["ecs_express"], config={**whatif.targets["ecs_express"].config})
    arm.config["architecture"] = "ARM64"
    mapped = replace(whatif, targets={**whatif.targets, "ecs_express": arm}, recommendation="move")
    plan = express_plan(PLAIN, mapped)
    assert plan.request["cpuArchitecture"] == "ARM64"
    assert "ARM64" in plan.cloudformation["Description"]


# -- broken requests are reported, each with what is wrong -------------------------------------------------


def broken(whatif, change) -> list[str]:
    request = copy.deepcopy(express_plan(PLAIN, whatif).request)
    change(request)
    return validate_express_request(request)


def test_memory_that_is_not_a_fargate_size_for_the_cpu_is_reported(whatif):
    problems = broken(whatif, lambda r: r.update(cpu="256", memory="4096"))
    assert len(problems) == 1 and "not a Fargate task size" in problems[0]


def test_min_tasks_above_max_tasks_is_reported(whatif):
    problems = broken(whatif, lambda r: r["scalingTarget"].update(minTaskCount=5, maxTaskCount=2))
    assert problems == ["scalingTarget.maxTaskCount=2 is invalid: allowed at least minTaskCount (5)"]


def test_a_missing_required_field_is_reported_by_botocores_model(whatif):
    problems = broken(whatif, lambda r: r.pop("infrastructureRoleArn"))
    assert len(problems) == 1 and "infrastructureRoleArn" in problems[0]


def test_a_wrong_type_an_unknown_metric_and_a_percent_over_100_are_reported(whatif):
    def change(request):
        request["primaryContainer"]["containerPort"] = "8080"
        request["scalingTarget"].update(autoScalingMetric="AVERAGE_CPU", autoScalingTargetValue=150)
        request["cpuArchitecture"] = "RISCV"

    problems = broken(whatif, change)
    assert len(problems) == 3
    assert any("containerPort" in p for p in problems)
    assert any("1 to 100 (percent)" in p for p in problems)
    assert any("cpuArchitecture='RISCV'" in p for p in problems)


def test_a_zero_target_value_is_reported(whatif):
    problems = broken(whatif, lambda r: r["scalingTarget"].update(autoScalingTargetValue=0))
    assert problems == ["scalingTarget.autoScalingTargetValue=0 is invalid: allowed 1 or more"]


# -- the steps are the service's own ---------------------------------------------------------------------


def titles(inventory: ServiceInventory, whatif) -> list[str]:
    return [step.title for step in express_plan(inventory, whatif).steps]


def test_a_plain_service_gets_only_the_steps_every_move_needs(whatif):
    assert titles(PLAIN, whatif) == [
        "Create the two roles Express needs",
        "Keep the container port at 8080",
        "Answer an HTTP health check at /",
        "Point clients at the new URL",
        "Scale on requests per task, not concurrency",
        "Keep App Runner 24-48 hours, then delete it",
    ]


def test_each_custom_domain_gets_its_move_by_weighted_dns(whatif):
    steps = [s for s in express_plan(WITH_DOMAINS, whatif).steps if s.title.startswith("Move ")]
    assert [s.title for s in steps] == ["Move api.example.com", "Move www.example.com"]
    weights = "/".join(map(str, ROUTE53_WEIGHTS))
    assert all(
        "host-header" in s.detail and "ACM certificate" in s.detail and weights in s.detail for s in steps
    )
    assert "Point clients at the new URL" not in titles(WITH_DOMAINS, whatif)


def test_a_service_in_a_vpc_gets_subnets_nat_secrets_and_an_internal_alb(whatif):
    steps = {s.title: s for s in express_plan(IN_A_VPC, whatif).steps}
    assert CONNECTOR in steps["Put the tasks in the VPC connector's subnets"].detail
    assert "NAT gateway" in steps["Put the tasks in the VPC connector's subnets"].detail
    assert "DB_PASSWORD, STRIPE_KEY" in steps["Let the execution role read 2 secret(s)"].detail
    assert "Serve privately through an internal ALB" in steps
    assert "ecs-tasks.amazonaws.com" in steps["Reuse the instance role as the task role"].detail


def test_a_public_service_with_a_connector_stays_public_in_public_subnets(whatif):
    """Express makes the ALB internal in private subnets: the connector's private subnets would hide it."""
    public = replace(IN_A_VPC, publicly_accessible=True)
    plan = express_plan(public, whatif)
    network = plan.request["networkConfiguration"]
    assert all(s.startswith("<public subnet") for s in network["subnets"])
    assert network["securityGroups"] == [f"<security group id of {CONNECTOR}>"]
    found = [s.title for s in plan.steps]
    assert "Put the tasks in public subnets of the VPC connector's VPC" in found
    assert "Serve privately through an internal ALB" not in found
    private = express_plan(IN_A_VPC, whatif).request["networkConfiguration"]
    assert all(s.startswith("<private subnet") for s in private["subnets"])


def test_services_share_an_alb_only_in_the_same_network_and_scheme():
    public_in_vpc = replace(IN_A_VPC, publicly_accessible=True)
    assert PLAIN.vpc_key == WITH_DOMAINS.vpc_key == "default"
    assert len({PLAIN.vpc_key, public_in_vpc.vpc_key, IN_A_VPC.vpc_key}) == 3  # internal ALB apart


def test_a_code_service_needs_a_dockerfile_first_and_keeps_its_http_check(whatif):
    found = titles(FROM_CODE, whatif)
    assert found[1] == "Write a Dockerfile and a build pipeline first"
    assert "Keep the health check at /healthz" in found and "Carry over the start command" in found
    assert "Trace with an ADOT (OpenTelemetry) collector" in found
    assert express_plan(FROM_CODE, whatif).request["healthCheckPath"] == "/healthz"


def test_the_markdown_reads_as_a_plan(whatif):
    text = express_plan(WITH_DOMAINS, whatif).to_markdown()
    assert text.startswith("# Moving orders-api (us-east-1) to ECS Express Mode")
    assert "1. **Create the two roles Express needs.**" in text
    assert '"serviceName": "orders-api"' in text and "AWS::ECS::ExpressGatewayService" in text


# -- the inventory from the lake -------------------------------------------------------------------------


def test_an_older_snapshot_plans_with_its_assumptions_said(whatif, tmp_path):
    row = {
        "snapshot_time": pd.Timestamp("2026-11-01", tz="UTC"),
        "account_id": "123456789012",
        "region": "us-east-1",
        "service_arn": ARN,
        "service_name": "orders-api",
        "service_id": "a" * 32,
        "status": "RUNNING",
        "cpu_vcpu": 1.0,
        "memory_gb": 2.0,
    }
    write(tmp_path, "services", pd.DataFrame([row]))  # no setup columns: written before they existed
    inventory = service_inventory(tmp_path, ARN)
    assert not inventory.setup_known and inventory.container_port == 8080
    plan = express_plan(inventory, whatif)
    assert "Check what the plan had to assume" in [s.title for s in plan.steps]
    assert validate_express_request(plan.request) == []


def test_an_unknown_service_says_to_collect_first(tmp_path):
    with pytest.raises(InputError, match="advisor collect"):
        service_inventory(tmp_path, ARN)
