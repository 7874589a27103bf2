"""The plan that moves one App Runner service to ECS Express Mode: the CreateExpressGatewayService request,
the same as a CloudFormation template, and the steps App Runner did for the service that Express does not.

The advisor never creates ECS resources; it writes what a person applies. What it cannot know (role ARNs
to create, subnet ids, the values of environment variables and secrets, which it never collects) is a
placeholder written `<...>`, and `ExpressPlan.placeholders` lists each one.

Names follow the ECS API (botocore's ECS model, CreateExpressGatewayService) and the CloudFormation
resource AWS::ECS::ExpressGatewayService (CloudFormation Template Reference,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-expressgatewayservice.html;
the same property names are in cfn-lint's bundled resource schema, which the tests lint the template with).
The CloudFormation resource has no CPU architecture property: an ARM64 plan says so in the template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.domain import InstanceSize

if TYPE_CHECKING:
    from advisor.engine.migrate import MigrationWhatIf

EXPRESS_PORT = 80  # Express's default container port (reference/ecs-express.md §1)
ROUTE53_WEIGHTS = (10, 25, 50, 75, 100)  # AWS's migration guide's traffic shift [AR-MIG]
PLACEHOLDER = re.compile(r"<[^<>]+>")
INFRASTRUCTURE_ROLE = "<arn:aws:iam::ACCOUNT:role/ecsInfrastructureRoleForExpressServices>"
EXECUTION_ROLE = "<arn:aws:iam::ACCOUNT:role/ecsTaskExecutionRole>"
PLAN_TAG = ("created-by", "apprunner-advisor-migration-plan")


@dataclass(frozen=True)
class ServiceInventory:
    """One App Runner service as the lake's latest `services` row recorded it: what a plan reproduces.

    `setup_known` is False for a snapshot taken before the setup was collected (an older lake): the plan
    then says which facts it had to assume.
    """

    name: str
    arn: str
    region: str
    instance: InstanceSize | None
    setup_known: bool
    source_type: str | None = None  # image | code
    image_identifier: str | None = None
    image_repository_type: str | None = None  # ECR | ECR_PUBLIC
    code_repository_url: str | None = None
    port: int | None = None
    env_names: tuple[str, ...] = ()
    secret_names: tuple[str, ...] = ()
    start_command: bool = False
    health_check_protocol: str | None = None  # TCP | HTTP
    health_check_path: str | None = None
    instance_role_arn: str | None = None
    egress_type: str | None = None  # DEFAULT | VPC
    vpc_connector_arn: str | None = None
    vpc_subnets: tuple[str, ...] = ()  # the connector's
    vpc_security_groups: tuple[str, ...] = ()
    publicly_accessible: bool | None = None
    custom_domains: tuple[str, ...] = ()
    observability_enabled: bool | None = None
    kms_key: bool = False

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ServiceInventory:
        """From a `services` row (schema.SERVICES); nulls of an older snapshot stay unknown."""

        def get(name: str) -> Any:
            value = row.get(name)
            return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

        def names(name: str) -> tuple[str, ...]:
            return tuple(n for n in (get(name) or "").split(",") if n)

        cpu, memory = get("cpu_vcpu"), get("memory_gb")
        return cls(
            name=str(row["service_name"]),
            arn=str(row["service_arn"]),
            region=str(row["region"]),
            instance=InstanceSize(cpu, memory) if cpu is not None and memory is not None else None,
            setup_known=get("source_type") is not None,
            source_type=get("source_type"),
            image_identifier=get("image_identifier"),
            image_repository_type=get("image_repository_type"),
            code_repository_url=get("code_repository_url"),
            port=None if get("port") is None else int(get("port")),
            env_names=names("env_names"),
            secret_names=names("secret_names"),
            start_command=bool(get("start_command")),
            health_check_protocol=get("health_check_protocol"),
            health_check_path=get("health_check_path"),
            instance_role_arn=get("instance_role_arn"),
            egress_type=get("egress_type"),
            vpc_connector_arn=get("vpc_connector_arn"),
            vpc_subnets=names("vpc_subnets"),
            vpc_security_groups=names("vpc_security_groups"),
            publicly_accessible=None
            if get("publicly_accessible") is None
            else bool(get("publicly_accessible")),
            custom_domains=names("custom_domains"),
            observability_enabled=None
            if get("observability_enabled") is None
            else bool(get("observability_enabled")),
            kms_key=bool(get("kms_key")),
        )

    @property
    def vpc_key(self) -> str:
        """Services with the same key can share one Express ALB: the same network (the VPC connector,
        or "default", Express's default VPC) and the same scheme (a private service's ALB is internal,
        a separate load balancer from the internet-facing one)."""
        network = self.vpc_connector_arn or "default"
        return f"{network} internal" if self.private else network

    @property
    def private(self) -> bool:
        return self.publicly_accessible is False

    @property
    def needs_vpc(self) -> bool:
        """Tasks must run in the user's subnets: a VPC connector's egress, or private ingress."""
        return self.vpc_connector_arn is not None or self.private

    @property
    def container_port(self) -> int:
        """App Runner's default port is 8080; an older snapshot without the port assumes it."""
        return self.port or 8080


@dataclass(frozen=True)
class PlanStep:
    """Something App Runner did for this service that Express does not: what to do, and why."""

    title: str
    detail: str
    why: str


@dataclass(frozen=True)
class ExpressPlan:
    """The plan for one service; `request` and `cloudformation` are JSON-ready."""

    service_name: str
    service_arn: str
    region: str
    request: dict[str, Any]  # CreateExpressGatewayService parameters, the ECS API's names
    cloudformation: dict[str, Any]  # a template with one AWS::ECS::ExpressGatewayService
    steps: tuple[PlanStep, ...]
    summary: str  # the Express configuration in one sentence, and where it came from

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every `<...>` value of the request a person must replace, in order, once each."""
        found = PLACEHOLDER.findall(json.dumps(self.request))
        return tuple(dict.fromkeys(found))

    def files(self) -> dict[str, str]:
        """The plan as the files a person takes away (`--plan DIR` and the dashboard's downloads): the
        request, the template and the steps, by file name."""
        return {
            "express-request.json": json.dumps(self.request, indent=2) + "\n",
            "cloudformation.json": json.dumps(self.cloudformation, indent=2) + "\n",
            "steps.md": self.to_markdown(),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_name": self.service_name,
            "service_arn": self.service_arn,
            "region": self.region,
            "summary": self.summary,
            "request": self.request,
            "cloudformation": self.cloudformation,
            "steps": [asdict(step) for step in self.steps],
            "placeholders": list(self.placeholders),
        }

    def to_markdown(self) -> str:
        lines = [
            f"# Moving {self.service_name} ({self.region}) to ECS Express Mode",
            "",
            self.summary,
            "",
            "Nothing here has been created: the advisor writes the plan, you apply it.",
            "",
            "## Steps",
            "",
        ]
        for number, step in enumerate(self.steps, start=1):
            lines += [f"{number}. **{step.title}.** {step.detail}", f"   *Why:* {step.why}", ""]
        lines += [
            "## The request (`aws ecs create-express-gateway-service --cli-input-json file://request.json`)",
            "",
            "```json",
            json.dumps(self.request, indent=2),
            "```",
            "",
        ]
        if self.placeholders:
            lines += ["Replace before running:", ""]
            lines += [f"- `{p}`" for p in self.placeholders]
            lines.append("")
        lines += [
            "## The same as CloudFormation",
            "",
            "```json",
            json.dumps(self.cloudformation, indent=2),
            "```",
            "",
        ]
        return "\n".join(lines)


def express_plan(inventory: ServiceInventory, whatif: MigrationWhatIf) -> ExpressPlan:
    """The plan that runs `inventory`'s service on Express as the what-if replayed it: its task size,
    min/max tasks and scaling target. When the advice is to move with the advisor's settings, those are the
    tuned target's (Express takes any task size and a requests-per-target policy, so the tuned set-up is an
    Express request too); otherwise App Runner's settings mapped."""
    from advisor.engine.migrate import MOVE_TUNED  # here: lake.views reads this module without the engine

    tuned = whatif.recommendation == MOVE_TUNED
    config = whatif.targets["fargate" if tuned else "ecs_express"].config
    request = _request(inventory, config)
    source = (
        "the advisor's tuned task size and scaling, which the what-if replayed as ECS on Fargate"
        if tuned
        else "App Runner's settings mapped, as the what-if replayed them for Express"
    )
    summary = (
        f"{int(config['cpu_units'])} CPU units / {int(config['memory_mb'])} MiB tasks, "
        f"{config['min_tasks']} to {config['max_tasks']} of them, scaled on {config['metric']} at "
        f"{config['target_value']}{_target_unit(config['metric'])}: {source} "
        f"(recommendation: {whatif.recommendation})."
    )
    return ExpressPlan(
        service_name=inventory.name,
        service_arn=inventory.arn,
        region=inventory.region,
        request=request,
        cloudformation=_template(inventory, request),
        steps=_steps(inventory, config, whatif),
        summary=summary,
    )


def _target_unit(metric: str) -> str:
    return " requests per task per minute" if metric == "REQUEST_COUNT_PER_TARGET" else " %"


def _request(inv: ServiceInventory, config: Mapping[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {"image": _image(inv), "containerPort": inv.container_port}
    if inv.start_command:
        container["command"] = ["<the start command the App Runner service runs>"]
    if inv.env_names:
        container["environment"] = [
            {"name": name, "value": f"<value of {name} in App Runner>"} for name in inv.env_names
        ]
    if inv.secret_names:
        container["secrets"] = [
            {"name": name, "valueFrom": f"<Secrets Manager or SSM ARN App Runner reads {name} from>"}
            for name in inv.secret_names
        ]
    request: dict[str, Any] = {
        "serviceName": inv.name,
        "infrastructureRoleArn": INFRASTRUCTURE_ROLE,
        "executionRoleArn": EXECUTION_ROLE,
        "primaryContainer": container,
        "cpu": str(int(config["cpu_units"])),
        "memory": str(int(config["memory_mb"])),
        "cpuArchitecture": str(config.get("architecture", "X86_64")),
        # Passed always: the developer guide says "/", the API model "/ping" (reference/ecs-express.md §1)
        "healthCheckPath": _health_path(inv),
        "scalingTarget": {
            "minTaskCount": int(config["min_tasks"]),
            "maxTaskCount": int(config["max_tasks"]),
            "autoScalingMetric": str(config["metric"]),
            "autoScalingTargetValue": int(config["target_value"]),
        },
        "tags": [
            {"key": PLAN_TAG[0], "value": PLAN_TAG[1]},
            {"key": "migrated-from", "value": inv.arn},
        ],
    }
    if inv.instance_role_arn:
        request["taskRoleArn"] = inv.instance_role_arn
    if inv.needs_vpc:
        # Express makes the ALB internet-facing in public subnets, internal in private ones (§1)
        # a private service runs in the connector's own subnets; a public one needs public subnets
        kind, where = _subnets(inv)
        subnets = list(inv.vpc_subnets) if inv.private else []
        groups = list(inv.vpc_security_groups)
        request["networkConfiguration"] = {
            "subnets": subnets
            or [f"<{kind} subnet id in {where}, AZ a>", f"<{kind} subnet id in {where}, AZ b>"],
            "securityGroups": groups
            or [
                f"<security group id of {inv.vpc_connector_arn}>"
                if inv.vpc_connector_arn
                else f"<security group id in {where}>"
            ],
        }
    return request


def _subnets(inv: ServiceInventory) -> tuple[str, str]:
    """Which subnets the tasks need ("public" or "private") and in which VPC."""
    where = "the VPC connector's VPC" if inv.vpc_connector_arn else "the VPC your clients are in"
    return ("private" if inv.private else "public"), where


def _image(inv: ServiceInventory) -> str:
    if inv.source_type == "code":
        return f"<ECR image URI your pipeline builds from {inv.code_repository_url or 'the repository'}>"
    return inv.image_identifier or "<image URI the App Runner service runs>"


def _health_path(inv: ServiceInventory) -> str:
    if inv.health_check_protocol == "HTTP" and inv.health_check_path:
        return inv.health_check_path
    return "/"


# -- CloudFormation --------------------------------------------------------------------------------------


def _template(inv: ServiceInventory, request: Mapping[str, Any]) -> dict[str, Any]:
    """The request as AWS::ECS::ExpressGatewayService, its placeholders as the template's parameters."""
    parameters: dict[str, Any] = {}

    def parameter(name: str, kind: str, description: str) -> dict[str, str]:
        parameters[name] = {"Type": kind, "Description": description}
        return {"Ref": name}

    container = request["primaryContainer"]
    primary: dict[str, Any] = {"ContainerPort": container["containerPort"]}
    primary["Image"] = (
        parameter("Image", "String", container["image"].strip("<>"))
        if PLACEHOLDER.fullmatch(container["image"])
        else container["image"]
    )
    if "command" in container:
        primary["Command"] = parameter("Command", "CommaDelimitedList", "the start command, comma-separated")
    if "environment" in container:
        primary["Environment"] = [
            {
                "Name": e["name"],
                "Value": parameter(_param_name("Env", e["name"]), "String", e["value"].strip("<>")),
            }
            for e in container["environment"]
        ]
    if "secrets" in container:
        primary["Secrets"] = [
            {
                "Name": s["name"],
                "ValueFrom": parameter(
                    _param_name("Secret", s["name"]), "String", s["valueFrom"].strip("<>")
                ),
            }
            for s in container["secrets"]
        ]
    properties: dict[str, Any] = {
        "ServiceName": request["serviceName"],
        "InfrastructureRoleArn": parameter(
            "InfrastructureRoleArn",
            "String",
            "a role with AmazonECSInfrastructureRoleforExpressGatewayServices",
        ),
        "ExecutionRoleArn": parameter("ExecutionRoleArn", "String", "the task execution role"),
        "PrimaryContainer": primary,
        "Cpu": request["cpu"],
        "Memory": request["memory"],
        "HealthCheckPath": request["healthCheckPath"],
        "ScalingTarget": {k[0].upper() + k[1:]: v for k, v in request["scalingTarget"].items()},
        "Tags": [{"Key": t["key"], "Value": t["value"]} for t in request["tags"]],
    }
    if "taskRoleArn" in request:
        properties["TaskRoleArn"] = request["taskRoleArn"]
    if "networkConfiguration" in request:
        properties["NetworkConfiguration"] = {
            "Subnets": parameter(
                "Subnets", "List<AWS::EC2::Subnet::Id>", f"{_subnets(inv)[0]} subnets, two AZs at least"
            ),
            "SecurityGroups": parameter(
                "SecurityGroups", "List<AWS::EC2::SecurityGroup::Id>", "the tasks' security groups"
            ),
        }
    description = (
        f"ECS Express Mode service for App Runner's {inv.name} ({inv.region}), by apprunner-advisor."
    )
    if request.get("cpuArchitecture") == "ARM64":
        description += (
            " The plan's tasks are ARM64, which AWS::ECS::ExpressGatewayService has no property for: "
            "use the request (cpuArchitecture) or your own task definition."
        )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": parameters,
        "Resources": {"Service": {"Type": "AWS::ECS::ExpressGatewayService", "Properties": properties}},
        "Outputs": {
            "ServiceArn": {"Value": {"Fn::GetAtt": ["Service", "ServiceArn"]}},
            "Endpoint": {"Value": {"Fn::GetAtt": ["Service", "Endpoint"]}},
        },
    }


def _param_name(prefix: str, name: str) -> str:
    """A CloudFormation parameter name (alphanumeric) for an environment variable or a secret."""
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


# -- steps -----------------------------------------------------------------------------------------------


def _steps(inv: ServiceInventory, config: Mapping[str, Any], whatif: MigrationWhatIf) -> tuple[PlanStep, ...]:
    steps = [
        PlanStep(
            "Create the two roles Express needs",
            "An infrastructure role with the managed policy "
            "AmazonECSInfrastructureRoleforExpressGatewayServices and a task execution role with "
            "AmazonECSTaskExecutionRolePolicy; put their ARNs in the request.",
            "App Runner managed its own service role and ECR access role; Express acts only through roles "
            "you create.",
        )
    ]
    if not inv.setup_known:
        steps.append(
            PlanStep(
                "Check what the plan had to assume",
                "This lake's snapshot predates setup collection: image, port 8080, no environment, secrets, "
                "VPC connector or custom domains were assumed. Run `advisor collect` again for a full plan.",
                "The plan carries over only what the inventory recorded.",
            )
        )
    if inv.source_type == "code":
        steps.append(
            PlanStep(
                "Write a Dockerfile and a build pipeline first",
                f"App Runner built {inv.code_repository_url or 'the repository'} with its managed runtime; "
                "build the same into an image (CodeBuild or your CI), push it to ECR and put its URI in "
                "primaryContainer.image.",
                "Express runs container images only; it does not build source code.",
            )
        )
    steps += _runtime_steps(inv)
    steps += _network_steps(inv)
    steps += _domain_steps(inv)
    steps.append(_scaling_step(config, whatif))
    steps.append(
        PlanStep(
            "Keep App Runner 24-48 hours, then delete it",
            "Once Express serves all traffic and its errors and latency hold, keep the App Runner service "
            "(pause it if nothing reaches it) for a day or two as the way back, then delete it.",
            "AWS's migration guide: a fallback while the new service proves itself; App Runner bills "
            "until the service is paused or deleted.",
        )
    )
    return tuple(steps)


def _runtime_steps(inv: ServiceInventory) -> list[PlanStep]:
    steps = []
    if inv.container_port != EXPRESS_PORT:
        steps.append(
            PlanStep(
                f"Keep the container port at {inv.container_port}",
                f"The request sets containerPort {inv.container_port} explicitly.",
                f"App Runner sent traffic to port {inv.container_port}; Express defaults to {EXPRESS_PORT}.",
            )
        )
    if inv.health_check_protocol != "HTTP":
        steps.append(
            PlanStep(
                "Answer an HTTP health check at /",
                "The Express ALB checks GET / every 30 s and needs a 200; make sure the app answers it, or "
                "set healthCheckPath to a path that does.",
                "App Runner checked only that the port accepted TCP connections.",
            )
        )
    else:
        steps.append(
            PlanStep(
                f"Keep the health check at {_health_path(inv)}",
                f"healthCheckPath is {_health_path(inv)} explicitly.",
                "Sources disagree on Express's default path ('/' in the guide, '/ping' in the API model).",
            )
        )
    if inv.start_command:
        steps.append(
            PlanStep(
                "Carry over the start command",
                "App Runner overrode the image's start command; copy it into primaryContainer.command.",
                "The inventory records that a command was set, not the command itself.",
            )
        )
    if inv.env_names:
        steps.append(
            PlanStep(
                f"Copy the values of {len(inv.env_names)} environment variable(s)",
                f"{', '.join(inv.env_names)}: take each value from the App Runner service's configuration.",
                "The advisor records names only, never values.",
            )
        )
    if inv.secret_names:
        steps.append(
            PlanStep(
                f"Let the execution role read {len(inv.secret_names)} secret(s)",
                f"{', '.join(inv.secret_names)}: give the task execution role secretsmanager:GetSecretValue "
                "(or ssm:GetParameters) on each, and kms:Decrypt on a customer-managed key that "
                "encrypts one.",
                "In App Runner the instance role read the secrets; in ECS the execution role fetches them "
                "before the container starts.",
            )
        )
    if inv.instance_role_arn:
        steps.append(
            PlanStep(
                "Reuse the instance role as the task role",
                f"Add ecs-tasks.amazonaws.com to the trust policy of {inv.instance_role_arn} (the request "
                "names it as taskRoleArn).",
                "Its trust policy names tasks.apprunner.amazonaws.com only; ECS tasks cannot assume it yet.",
            )
        )
    if inv.observability_enabled:
        steps.append(
            PlanStep(
                "Trace with an ADOT (OpenTelemetry) collector",
                "Run the AWS Distro for OpenTelemetry collector as a sidecar (your own task definition, "
                "given as taskDefinitionArn) or export traces from the app to X-Ray; grant the task role "
                "xray:PutTraceSegments and xray:PutTelemetryRecords.",
                "App Runner ran the X-Ray tracing for the service; Express runs only your container.",
            )
        )
    if inv.kms_key:
        steps.append(
            PlanStep(
                "Encrypt with your KMS key again",
                "Set the key on the cluster's Fargate ephemeral storage and on the service's log group.",
                "App Runner encrypted the service's copy of the source and its logs with your key.",
            )
        )
    return steps


def _network_steps(inv: ServiceInventory) -> list[PlanStep]:
    steps = []
    if inv.vpc_connector_arn and inv.private:
        steps.append(
            PlanStep(
                "Put the tasks in the VPC connector's subnets",
                f"networkConfiguration uses the subnets and security groups of {inv.vpc_connector_arn} "
                f"({_listed(inv)}). Private subnets give no public IP: "
                "add a NAT gateway ($0.045 an hour plus $0.045 a GB) or VPC endpoints for ECR, "
                "CloudWatch Logs and Secrets Manager, or the tasks cannot pull their image.",
                "App Runner's VPC connector sent outbound traffic into your VPC; in ECS the tasks live in "
                "its subnets.",
            )
        )
    elif inv.vpc_connector_arn:
        steps.append(
            PlanStep(
                "Put the tasks in public subnets of the VPC connector's VPC",
                f"Use public subnets in the VPC of {inv.vpc_connector_arn} ({_listed(inv)}: its own "
                "subnets are likely private) with the connector's security groups, so the databases "
                "that admit the connector admit the tasks.",
                "App Runner kept the service public while its VPC connector sent outbound traffic into "
                "your VPC; Express makes the ALB internal in private subnets, so a public service needs "
                "public ones.",
            )
        )
    if inv.private:
        steps.append(
            PlanStep(
                "Serve privately through an internal ALB",
                "With private subnets in networkConfiguration, Express creates an internal ALB; point the "
                "clients inside the VPC at it, then remove App Runner's VPC ingress connection.",
                "App Runner reached this private service through a VPC interface endpoint; Express has none.",
            )
        )
    return steps


def _listed(inv: ServiceInventory) -> str:
    """The connector's subnets and groups in words, or where to read them."""
    if not inv.vpc_subnets:
        return "aws apprunner describe-vpc-connector lists them"
    return f"{', '.join(inv.vpc_subnets)}; {', '.join(inv.vpc_security_groups)}"


def _domain_steps(inv: ServiceInventory) -> list[PlanStep]:
    if not inv.custom_domains:
        return [
            PlanStep(
                "Point clients at the new URL",
                "The service has no custom domain: its clients call the *.awsapprunner.com URL, which cannot "
                "move. Give them the Express endpoint (or put a domain of yours in front of both first).",
                "App Runner's default URL ends with the service.",
            )
        ]
    weights = "/".join(str(w) for w in ROUTE53_WEIGHTS)
    return [
        PlanStep(
            f"Move {domain}",
            f"Add an ACM certificate for {domain} to the Express ALB's HTTPS listener and {domain} as a "
            f"host-header condition on the service's listener rule; then shift Route 53 weighted records "
            f"from App Runner to the ALB {weights} %, watching errors and latency at each step.",
            "App Runner validated the certificate and routed the domain for you; Express serves only its own "
            "URL until you add the domain to its load balancer.",
        )
        for domain in inv.custom_domains
    ]


def _scaling_step(config: Mapping[str, Any], whatif: MigrationWhatIf) -> PlanStep:
    metric, value = config["metric"], config["target_value"]
    detail = (
        f"scalingTarget is {metric} at {value}{_target_unit(metric)}, {config['min_tasks']} to "
        f"{config['max_tasks']} tasks, passed explicitly."
    )
    defaults = whatif.express_defaults
    if defaults is not None:
        detail += (
            f" Express's own default (CPU 60 %, 1 to 20 tasks) breached {defaults.breach_minutes} of "
            f"{defaults.minutes} minutes on this service's history."
        )
    title = (
        "Scale on requests per task, not concurrency"
        if metric == "REQUEST_COUNT_PER_TARGET"
        else f"Scale on {metric.lower().replace('_', ' ')}, not concurrency"
    )
    return PlanStep(
        title,
        detail,
        "App Runner scaled on concurrent requests (MaxConcurrency); Express has no such knob, so the "
        + (
            "target is the one the advisor's search found cheapest within the error budget on this history."
            if config is whatif.targets["fargate"].config
            else "target comes from MaxConcurrency and the service's latency by Little's law."
        ),
    )
