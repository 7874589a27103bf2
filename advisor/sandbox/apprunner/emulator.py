"""The App Runner emulator: one handler per operation, and the programmatic API the sandbox seeds with."""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

from advisor.domain import (
    SERVICE_ARN_PATTERN,
    InstanceSize,
    ScalingConfig,
)
from advisor.sandbox.apprunner.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    INVALID_STATE,
    NOT_FOUND,
    QUOTA_EXCEEDED,
    SERIALIZATION,
    UNKNOWN_OPERATION,
    AppRunnerError,
    service_model,
)
from advisor.sandbox.apprunner.state import (
    CONFIG_ARN,
    DEFAULT_CONFIG_NAME,
    Operation,
    Quotas,
    Region,
    Revision,
    Service,
    default_service_config,
    merge,
    tag_dict,
    tag_list,
)
from advisor.sandbox.apprunner.validation import (
    check_seed,
    check_source_kind,
    instance_config,
    seeded_config,
    validate_input,
)
from advisor.sandbox.wire import (
    BadToken,
    WireError,
    decode_request,
    decode_token,
    drop_none,
    encode_body,
    encode_token,
    fingerprint,
    page_after,
    response_headers,
)

logger = logging.getLogger(__name__)


_URL_ALPHABET = string.ascii_lowercase + string.digits
VPC_CONNECTOR_ARN = re.compile(
    r"arn:aws[a-z-]*:apprunner:[a-z0-9-]+:\d{12}:vpcconnector/(?P<name>[^/]+)/(?P<revision>\d+)/[0-9a-f]{32}"
)


class AppRunnerEmulator:
    """App Runner for one account across Regions, behind `handle` (the HTTP router's entry point) and a small
    programmatic API the sandbox uses to seed and read its fleet."""

    OPERATIONS = (
        "ListServices",
        "DescribeService",
        "DescribeCustomDomains",
        "DescribeVpcConnector",
        "ListAutoScalingConfigurations",
        "DescribeAutoScalingConfiguration",
        "CreateAutoScalingConfiguration",
        "DeleteAutoScalingConfiguration",
        "ListServicesForAutoScalingConfiguration",
        "UpdateDefaultAutoScalingConfiguration",
        "UpdateService",
        "ListOperations",
        "PauseService",
        "ResumeService",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    )

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        operation_seconds: float = 2.0,
        account_id: str = "123456789012",
    ):
        if not re.fullmatch(r"\d{12}", account_id):
            raise ValueError(f"account_id={account_id!r} is invalid: allowed 12 digits")
        self._clock = clock
        self.operation_seconds = float(operation_seconds)
        self.account_id = account_id
        self.quotas = Quotas()
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._regions: dict[str, Region] = {}
        self._failures: dict[str | None, int] = {}
        self._seq = count()

    # -- the AWS API ---------------------------------------------------------------------------------------

    def handle(self, operation: str, body: bytes, region: str) -> tuple[int, dict[str, str], bytes]:
        """operation is the part after 'AppRunner.' in X-Amz-Target; returns (status, headers, JSON body)."""
        with self._lock:
            now = self._clock()
            params: dict[str, Any] = {}
            try:
                params = decode_request(body, "json")
                status, payload = 200, self._dispatch(operation, params, region, now)
            except WireError as exc:
                status, payload = _error(AppRunnerError(SERIALIZATION, str(exc)))
            except AppRunnerError as exc:
                status, payload = _error(exc)
            except Exception:  # a bug here must look like AWS's fault, not crash the router
                logger.exception("App Runner emulator failed on %s", operation)
                internal = AppRunnerError(
                    INTERNAL_ERROR, "An internal error occurred in the App Runner emulator."
                )
                status, payload = _error(internal)
            self.calls.append(
                {
                    "operation": operation,
                    "params": params,
                    "region": region,
                    "time": now,
                    "status": status,
                    "error": payload.get("__type") if status != 200 else None,
                }
            )
        return status, response_headers("json"), encode_body(payload, "json")

    def _dispatch(self, operation: str, params: dict[str, Any], region: str, now: float) -> dict[str, Any]:
        if operation not in self.OPERATIONS:
            raise AppRunnerError(UNKNOWN_OPERATION, f"Operation {operation!r} is not supported.")
        validate_input(service_model().operation_model(operation), params)
        state = self._region(region, now)
        handler = getattr(self, "_op_" + _snake(operation))
        return handler(state, params, now, operation)

    # -- services ------------------------------------------------------------------------------------------

    def _op_list_services(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        items = [(f"{s.seq:012d}", self._service_summary(s)) for s in state.services.values()]
        page, token = _page(items, params, op)
        return drop_none({"ServiceSummaryList": page, "NextToken": token})

    def _op_describe_service(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        return {"Service": self._service_view(state, self._service(state, params["ServiceArn"]))}

    def _op_describe_custom_domains(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        """Every linked domain ACTIVE (its certificate validated long ago), in name order."""
        svc = self._service(state, params["ServiceArn"])
        items = [
            (domain, {"DomainName": domain, "EnableWWWSubdomain": False, "Status": "ACTIVE"})
            for domain in sorted(svc.custom_domains)
        ]
        page, token = _page(items, params, op)
        return drop_none(
            {
                "DNSTarget": svc.url,
                "ServiceArn": svc.arn,
                "CustomDomains": page,
                "VpcDNSTargets": [],
                "NextToken": token,
            }
        )

    def _op_describe_vpc_connector(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        """A connector some service of the Region names; its subnets and groups derive from its ARN."""
        arn = params["VpcConnectorArn"]
        users = [
            s
            for s in state.services.values()
            if s.config["NetworkConfiguration"].get("EgressConfiguration", {}).get("VpcConnectorArn") == arn
        ]
        match = VPC_CONNECTOR_ARN.fullmatch(arn)
        if not users or match is None:
            raise AppRunnerError(NOT_FOUND, f"VPC connector {arn} not found in {state.name}.")
        digest = hashlib.sha256(arn.encode()).hexdigest()
        return {
            "VpcConnector": {
                "VpcConnectorName": match["name"],
                "VpcConnectorArn": arn,
                "VpcConnectorRevision": int(match["revision"]),
                "Subnets": [f"subnet-{digest[:17]}", f"subnet-{digest[17:34]}"],
                "SecurityGroups": [f"sg-{digest[34:51]}"],
                "Status": "ACTIVE",
                "CreatedAt": min(s.created_at for s in users),
            }
        }

    def _op_update_service(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "RUNNING", "updated")
        changes = self._service_changes(state, svc, params)
        operation = self._start(svc, "UPDATE_SERVICE", now, changes, success_status="RUNNING")
        # The model: "All configuration values in the returned Service structure reflect configuration
        # changes that are being applied by this request"; DescribeService shows them once it succeeds.
        view = self._service_view(state, svc, config=merge(svc.config, changes))
        return {"Service": view, "OperationId": operation.id}

    def _op_pause_service(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "RUNNING", "paused")
        operation = self._start(svc, "PAUSE_SERVICE", now, {}, success_status="PAUSED")
        return {"Service": self._service_view(state, svc), "OperationId": operation.id}

    def _op_resume_service(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        self._require_status(svc, "PAUSED", "resumed")
        operation = self._start(svc, "RESUME_SERVICE", now, {}, success_status="RUNNING")
        return {"Service": self._service_view(state, svc), "OperationId": operation.id}

    def _op_list_operations(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        svc = self._service(state, params["ServiceArn"])
        items = [(f"{10**12 - o.seq:013d}", o.summary(now)) for o in svc.operations]  # newest first
        page, token = _page(items, params, op)
        return drop_none({"OperationSummaryList": page, "NextToken": token})

    def _service(self, state: Region, arn: str) -> Service:
        svc = state.services.get(arn)
        if svc is None:
            raise AppRunnerError(NOT_FOUND, f"Service {arn} not found in {state.name}.")
        return svc

    def _require_status(self, svc: Service, wanted: str, verb: str) -> None:
        """App Runner refuses a mutation while an operation runs, and Update/Pause/Resume by status."""
        if svc.pending is not None:
            raise AppRunnerError(
                INVALID_STATE,
                f"Service {svc.arn} can't be {verb}: operation {svc.pending.id} is in progress "
                "(status OPERATION_IN_PROGRESS).",
            )
        if svc.status != wanted:
            raise AppRunnerError(
                INVALID_STATE,
                f"Service {svc.arn} can't be {verb} in status {svc.status}: it must be {wanted}.",
            )

    def _service_changes(self, state: Region, svc: Service, params: dict) -> dict[str, Any]:
        """The configuration an UpdateService asks for, checked before any operation starts."""
        changes: dict[str, Any] = {}
        if "AutoScalingConfigurationArn" in params:
            rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
            if not rev.active:
                raise AppRunnerError(INVALID_REQUEST, f"Auto scaling configuration {rev.arn} is INACTIVE.")
            changes["AutoScalingConfigurationArn"] = rev.arn
        if "InstanceConfiguration" in params:
            changes["InstanceConfiguration"] = instance_config(svc.config, params["InstanceConfiguration"])
        if "SourceConfiguration" in params:
            check_source_kind(svc.config["SourceConfiguration"], params["SourceConfiguration"])
            changes["SourceConfiguration"] = params["SourceConfiguration"]
        for member in ("HealthCheckConfiguration", "NetworkConfiguration", "ObservabilityConfiguration"):
            if member in params:
                changes[member] = params[member]
        return changes

    def _start(self, svc: Service, kind: str, now: float, changes: dict, success_status: str) -> Operation:
        """Start an operation; the service shows OPERATION_IN_PROGRESS until the clock passes its end."""
        operation = Operation(
            id=str(uuid.uuid4()),
            type=kind,
            target_arn=svc.arn,
            started_at=now,
            duration=self.operation_seconds,
            seq=next(self._seq),
            fails=self._take_failure(svc.arn),
            changes=changes,
            success_status=success_status,
            prior_status=svc.status,
        )
        svc.operations.append(operation)
        svc.pending, svc.updated_at = operation, now
        svc.settle(now)  # operation_seconds=0: done at once
        return operation

    def _take_failure(self, arn: str) -> bool:
        for key in (arn, None):
            if self._failures.get(key, 0) > 0:
                self._failures[key] -= 1
                return True
        return False

    def _service_summary(self, svc: Service) -> dict[str, Any]:
        return {
            "ServiceName": svc.name,
            "ServiceId": svc.id,
            "ServiceArn": svc.arn,
            "ServiceUrl": svc.url,
            "CreatedAt": svc.created_at,
            "UpdatedAt": svc.updated_at,
            "Status": "OPERATION_IN_PROGRESS" if svc.pending else svc.status,
        }

    def _service_view(self, state: Region, svc: Service, config: dict | None = None) -> dict[str, Any]:
        """The full Service shape DescribeService returns."""
        config = copy.deepcopy(config or svc.config)
        rev = state.revision(config.pop("AutoScalingConfigurationArn"))
        assert rev is not None, "a service is always bound to a known revision"
        return {
            **self._service_summary(svc),
            **config,
            "AutoScalingConfigurationSummary": self._summary(state, rev),
        }

    # -- auto scaling configurations -----------------------------------------------------------------------

    def _op_create_auto_scaling_configuration(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._create_revision(
            state,
            params["AutoScalingConfigurationName"],
            params.get("MaxConcurrency", 100),
            params.get("MinSize", 1),
            params.get("MaxSize", 25),
            now,
            tag_dict(params.get("Tags", [])),
        )
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _op_describe_auto_scaling_configuration(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _op_list_auto_scaling_configurations(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        """Active revisions only (deleted ones are being purged); LatestOnly defaults to true."""
        name, latest_only = params.get("AutoScalingConfigurationName"), params.get("LatestOnly", True)
        names = [name] if name else list(state.configs)
        revisions = [r for n in names for r in state.active_revisions(n)]
        if latest_only:
            revisions = [r for r in revisions if state.is_latest(r)]
        items = [(f"{r.name}/{r.revision:010d}", self._summary(state, r)) for r in revisions]
        page, token = _page(items, params, op)
        return drop_none({"AutoScalingConfigurationSummaryList": page, "NextToken": token})

    def _op_delete_auto_scaling_configuration(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        arn = params["AutoScalingConfigurationArn"]
        if params.get("DeleteAllRevisions"):
            match = self._parse_config_arn(state, arn)
            if match["revision"] is not None:
                raise AppRunnerError(
                    INVALID_REQUEST,
                    "With DeleteAllRevisions the ARN must be a partial ARN ending with .../name.",
                )
            targets = state.active_revisions(match["name"])
            if not targets:
                raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} has no active revision.")
        else:
            rev = self._resolve_config(state, arn)
            if not rev.active:
                raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {rev.arn} is already deleted.")
            targets = [rev]
        for rev in targets:  # all or nothing
            self._check_deletable(state, rev)
        for rev in targets:
            rev.deleted_at = now
        return {"AutoScalingConfiguration": self._config_view(state, targets[-1])}

    def _check_deletable(self, state: Region, rev: Revision) -> None:
        """The developer guide: the default and a configuration in use can't be deleted. The model lists only
        InvalidRequest, ResourceNotFound and InternalServiceError for DeleteAutoScalingConfiguration (no
        InvalidStateException), so App Runner reports both refusals as InvalidRequestException."""
        if rev.arn == state.default_arn:
            raise AppRunnerError(
                INVALID_REQUEST,
                f"{rev.arn} is the default auto scaling configuration of {state.name} and can't be deleted: "
                "make another configuration the default first.",
            )
        users = state.users(rev, pending=True)
        if users:
            raise AppRunnerError(
                INVALID_REQUEST,
                f"{rev.arn} is in use by {len(users)} service(s) ({users[0].arn}) and can't be deleted.",
            )

    def _op_list_services_for_auto_scaling_configuration(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        items = [(f"{s.seq:012d}", s.arn) for s in state.users(rev)]
        page, token = _page(items, params, op)
        return drop_none({"ServiceArnList": page, "NextToken": token})

    def _op_update_default_auto_scaling_configuration(
        self, state: Region, params: dict, now: float, op: str
    ) -> dict[str, Any]:
        rev = self._resolve_config(state, params["AutoScalingConfigurationArn"])
        if not rev.active:
            raise AppRunnerError(INVALID_REQUEST, f"{rev.arn} is INACTIVE and can't be the default.")
        state.default_arn = rev.arn  # the previous default becomes non-default: one per account and Region
        return {"AutoScalingConfiguration": self._config_view(state, rev)}

    def _create_revision(
        self,
        state: Region,
        name: str,
        concurrency: int,
        min_size: int,
        max_size: int,
        now: float,
        tags: dict,
    ) -> Revision:
        """The next revision of a name, within App Runner's limits and quotas."""
        if max_size < min_size:
            raise AppRunnerError(
                INVALID_REQUEST, f"MaxSize ({max_size}) must be at least MinSize ({min_size})."
            )
        if max_size > self.quotas.max_size:
            # Terraform issue 39830: above 25 works once AWS Support raised the quota (error code unverified).
            raise AppRunnerError(
                INVALID_REQUEST,
                f"MaxSize ({max_size}) is above the account's quota of {self.quotas.max_size}.",
            )
        active = state.active_revisions(name)
        names_in_use = sum(1 for n in state.configs if state.active_revisions(n))
        if not active and names_in_use >= self.quotas.config_names:
            raise AppRunnerError(
                QUOTA_EXCEEDED,
                f"You can't create more than {self.quotas.config_names} auto scaling configuration names "
                f"in {state.name}: delete one first.",
            )
        if len(active) >= self.quotas.revisions_per_name:
            raise AppRunnerError(
                QUOTA_EXCEEDED,
                f"Auto scaling configuration {name} already has {len(active)} active revisions, "
                "the most allowed: delete one first.",
            )
        revisions = state.configs.setdefault(name, [])
        number = revisions[-1].revision + 1 if revisions else 1  # deleted revisions keep their numbers
        arn = (
            f"arn:aws:apprunner:{state.name}:{self.account_id}:autoscalingconfiguration/"
            f"{name}/{number}/{uuid.uuid4().hex}"
        )
        rev = Revision(arn, name, number, concurrency, min_size, max_size, now, tags=tags)
        revisions.append(rev)
        return rev

    def _parse_config_arn(self, state: Region, arn: str) -> re.Match[str]:
        match = CONFIG_ARN.fullmatch(arn)
        if not match:
            raise AppRunnerError(INVALID_REQUEST, f"{arn} is not an auto scaling configuration ARN.")
        if match["region"] != state.name or match["account"] != self.account_id:
            raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} not found in {state.name}.")
        return match

    def _resolve_config(self, state: Region, arn: str) -> Revision:
        """A full ARN, '.../name/revision', or '.../name' (the latest ACTIVE revision)."""
        match = self._parse_config_arn(state, arn)
        if match["revision"] is None:
            active = state.active_revisions(match["name"])
            found = active[-1] if active else None
        else:
            found = next(
                (
                    r
                    for r in state.configs.get(match["name"], [])
                    if r.revision == int(match["revision"]) and match["id"] in (None, r.arn.rsplit("/", 1)[1])
                ),
                None,
            )
        if found is None:
            raise AppRunnerError(NOT_FOUND, f"Auto scaling configuration {arn} not found in {state.name}.")
        return found

    def _summary(self, state: Region, rev: Revision) -> dict[str, Any]:
        return {
            "AutoScalingConfigurationArn": rev.arn,
            "AutoScalingConfigurationName": rev.name,
            "AutoScalingConfigurationRevision": rev.revision,
            "Status": "ACTIVE" if rev.active else "INACTIVE",
            "CreatedAt": rev.created_at,
            "HasAssociatedService": bool(state.users(rev)),
            "IsDefault": rev.arn == state.default_arn,
        }

    def _config_view(self, state: Region, rev: Revision) -> dict[str, Any]:
        """The full AutoScalingConfiguration shape; Latest only on the highest ACTIVE revision of the name."""
        body = {
            **self._summary(state, rev),
            "Latest": state.is_latest(rev),
            "MaxConcurrency": rev.max_concurrency,
            "MinSize": rev.min_size,
            "MaxSize": rev.max_size,
            "DeletedAt": rev.deleted_at,
        }
        return drop_none(body)

    # -- tags ----------------------------------------------------------------------------------------------

    def _op_tag_resource(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        self._tags_of(state, params["ResourceArn"]).update(tag_dict(params["Tags"]))
        return {}

    def _op_untag_resource(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        tags = self._tags_of(state, params["ResourceArn"])
        for key in params["TagKeys"]:
            tags.pop(key, None)
        return {}

    def _op_list_tags_for_resource(self, state: Region, params: dict, now: float, op: str) -> dict[str, Any]:
        return {"Tags": tag_list(self._tags_of(state, params["ResourceArn"]))}

    def _tags_of(self, state: Region, arn: str) -> dict[str, str]:
        if arn in state.services:
            return state.services[arn].tags
        rev = state.revision(arn)
        if rev is None:
            raise AppRunnerError(NOT_FOUND, f"Resource {arn} not found in {state.name}.")
        return rev.tags

    # -- regions and time ----------------------------------------------------------------------------------

    def _region(self, name: str, now: float) -> Region:
        """A Region's state, created on first use with App Runner's DefaultConfiguration (100/1/25) as the
        default; every service in it settled to the clock."""
        state = self._regions.get(name)
        if state is None:
            state = self._regions[name] = Region(name)
            default = self._create_revision(state, DEFAULT_CONFIG_NAME, 100, 1, 25, now, {})
            state.default_arn = default.arn
        for svc in state.services.values():
            svc.settle(now)
        return state

    # -- programmatic API for the sandbox (not part of the AWS API) ---------------------------------------

    def add_service(
        self,
        region: str,
        name: str,
        *,
        cpu: str = "1024",
        memory: str = "2048",
        max_concurrency: int = 100,
        min_size: int = 1,
        max_size: int = 25,
        status: str = "RUNNING",
        tags: dict[str, str] | None = None,
        created_at: float | None = None,
        setup: dict[str, Any] | None = None,
        custom_domains: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Seed a service as if it had been created earlier; returns its Service shape.

        `setup` holds Service-shape members (SourceConfiguration, HealthCheckConfiguration,
        NetworkConfiguration, ...) laid over the console's defaults, checked as CreateService would check
        them; a CodeRepository replaces the default image. Raises ConfigError (a ValueError) for values
        App Runner would refuse, and AppRunnerError for a setup it would refuse or when a new
        configuration revision would break a quota.
        """
        size, scaling = InstanceSize.parse(cpu, memory), ScalingConfig(max_concurrency, min_size, max_size)
        check_seed(name, status)
        with self._lock:
            now = self._clock()
            at = now if created_at is None else float(created_at)
            state = self._region(region, min(at, now))
            if any(s.name == name for s in state.services.values()):
                raise ValueError(f"A service named {name!r} already exists in {region}")
            rev = self._config_for_seed(state, name, scaling, at)
            svc = self._new_service(state, name, size, rev, status, at)
            svc.config = seeded_config(svc.config, setup or {}, name)
            svc.custom_domains = list(custom_domains)
            svc.tags = dict(tags or {})
            state.services[svc.arn] = svc
            return self._service_view(state, svc)

    def services(self, region: str | None = None) -> list[dict[str, Any]]:
        """Current Service shapes (settled to the clock), in one Region or all."""
        with self._lock:
            now = self._clock()
            names = [region] if region is not None else list(self._regions)
            states = [self._region(n, now) for n in names]
            return [self._service_view(state, svc) for state in states for svc in state.services.values()]

    def service_scaling(self, service_arn: str) -> tuple[int, int, int]:
        """(MaxConcurrency, MinSize, MaxSize) in force now: what the sandbox's simulator must replay."""
        with self._lock:
            state, svc = self._locate_service(service_arn)
            rev = state.revision(svc.config_arn)
            assert rev is not None
            return rev.max_concurrency, rev.min_size, rev.max_size

    def fail_next_operation(self, service_arn: str | None = None, count: int = 1) -> None:
        """Make the next `count` UpdateService/Pause/Resume operations (of one service, or any) end FAILED."""
        with self._lock:
            self._failures[service_arn] = self._failures.get(service_arn, 0) + count

    def _locate_service(self, arn: str) -> tuple[Region, Service]:
        match = SERVICE_ARN_PATTERN.fullmatch(arn or "")
        state = self._region(match["region"], self._clock()) if match else None
        if state is None or arn not in state.services:
            raise AppRunnerError(NOT_FOUND, f"Service {arn} not found.")
        return state, state.services[arn]

    def _config_for_seed(self, state: Region, name: str, scaling: ScalingConfig, at: float) -> Revision:
        """The default when it has these values, else an active revision with them (preferring the service's
        own '<name>-asc'), else a new revision of '<name>-asc': seeding shares configurations like people do,
        which keeps a fleet within the 10-names quota."""
        values = (scaling.max_concurrency, scaling.min_size, scaling.max_size)
        candidates = [state.revision(state.default_arn)]
        candidates += reversed(state.active_revisions(f"{name}-asc"))
        candidates += [r for n in state.configs for r in reversed(state.active_revisions(n))]
        for rev in candidates:
            if rev is not None and rev.active and (rev.max_concurrency, rev.min_size, rev.max_size) == values:
                return rev
        return self._create_revision(state, f"{name}-asc", *values, at, {})

    def _new_service(
        self, state: Region, name: str, size: InstanceSize, rev: Revision, status: str, at: float
    ) -> Service:
        service_id = uuid.uuid4().hex
        arn = f"arn:aws:apprunner:{state.name}:{self.account_id}:service/{name}/{service_id}"
        url = "".join(secrets.choice(_URL_ALPHABET) for _ in range(10)) + f".{state.name}.awsapprunner.com"
        config = default_service_config(self.account_id, state.name, name)
        config["InstanceConfiguration"] = size.to_api()
        config["AutoScalingConfigurationArn"] = rev.arn
        svc = Service(name, service_id, arn, url, at, at, status, next(self._seq), config)
        created = Operation(str(uuid.uuid4()), "CREATE_SERVICE", arn, at, 0.0, next(self._seq))
        svc.operations.append(created)
        return svc


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _error(err: AppRunnerError) -> tuple[int, dict[str, Any]]:
    return err.status, err.body()


def _page(
    items: list[tuple[str, Any]], params: dict[str, Any], operation: str
) -> tuple[list[Any], str | None]:
    """One page of (sort key, item) pairs and the NextToken of the next, bound to this request."""
    bound_to = fingerprint(
        operation, {k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")}
    )
    after = None
    if params.get("NextToken"):
        try:
            after = decode_token(params["NextToken"], bound_to)
        except BadToken:
            after = None
        if not isinstance(after, str):
            raise AppRunnerError(
                INVALID_REQUEST, "The NextToken is invalid, or it belongs to a different request."
            )
    page, last = page_after(items, after, params.get("MaxResults"))
    return page, None if last is None else encode_token(last, bound_to)
