"""The sandbox's running account: its clock, and the traffic, metrics, logs and bills its services produce.

Each service's requests come from the traffic generator (or a trace); the sandbox's own physics
(physics.py, with the service's hidden parameters from params.py) serves them under the configuration
the App Runner emulator says is in force, and computes what CloudWatch would show and what App Runner
would bill. History is produced at start; afterwards `catch_up` produces every minute up to the sandbox
clock, so an apply changes the minutes that follow it. Each service's scaling state carries from one
call to the next, so history produced in chunks is the history produced in one go.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.sandbox import logs as service_logs
from advisor.sandbox.fleet import FleetService
from advisor.sandbox.physics import Minutes, ScalingState, produce

WARM_UP_MINUTES = 30  # served before the history starts (not published), so it opens in a settled state
AHEAD_DAYS = 30  # traffic is drawn for the history plus this far ahead, and again when the clock gets there


class SandboxClock:
    """Real time plus an offset that `advance` moves forward."""

    def __init__(self, offset_s: float = 0.0, real: Callable[[], float] = time.time):
        self._offset = offset_s
        self._real = real
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._real() + self._offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += seconds
            return self._real() + self._offset


@dataclass
class LiveService:
    """A fleet service as it runs in the sandbox: its ARN and id, and its traffic for the whole horizon."""

    spec: FleetService
    arn: str
    service_id: str
    origin: pd.Timestamp  # minute 0 of `requests`
    requests: np.ndarray
    instances: list[str]
    seed: int = 0
    paused_from: pd.Timestamp | None = None
    seen_operations: set[str] = field(default_factory=set)
    last_ready: int = 0
    state: ScalingState | None = None  # None until the warm-up has been served

    def requests_until(self, minute: int) -> np.ndarray:
        """Requests per minute from `origin` to at least `minute`, drawing the next stretch when needed
        (drawing 120 days for every service up front was a third of a 30-service start-up)."""
        while len(self.requests) < minute:
            start = self.origin + pd.Timedelta(minutes=len(self.requests))
            more = self.spec.requests(start, AHEAD_DAYS * 1440, self.seed + len(self.requests))
            self.requests = np.concatenate([self.requests, more])
        return self.requests


class MetricsSink(Protocol):
    """Where produced metrics go: the metrics store in bulk, or PutMetricData over HTTP."""

    def publish(self, service: LiveService, region: str, minutes: Minutes) -> int: ...


class BillingSink(Protocol):
    """Where App Runner's usage goes, per produced minute of `minutes`: instance-seconds of instances
    holding memory while idle (provisioned, not active; deployment copies included) and of active ones."""

    def record(
        self,
        region: str,
        service_arn: str,
        minutes: pd.DatetimeIndex,
        cpu_vcpu: float,
        memory_gb: float,
        idle_instance_seconds: np.ndarray,
        active_instance_seconds: np.ndarray,
    ) -> None: ...


class LogSink(Protocol):
    def publish(self, region: str, events: list[service_logs.LogEvent]) -> int: ...


class World:
    """Produces every service's minutes, under its current configuration, up to the clock."""

    def __init__(
        self,
        emulator,
        fleet: list[FleetService],
        clock: SandboxClock,
        days: float,
        seed: int,
        billing: BillingSink | None = None,
    ):
        self.emulator = emulator
        self.billing = billing
        self.clock = clock
        self.seed = seed
        self.days = days
        now = pd.Timestamp(clock(), unit="s", tz="UTC").floor("min")
        self.history_start = now - pd.Timedelta(days=days)
        self.produced_until = self.history_start
        self.services: list[LiveService] = []
        self._lock = threading.Lock()
        for i, spec in enumerate(fleet):
            self.services.append(self._register(spec, seed + 101 * i))

    def _register(self, spec: FleetService, seed: int) -> LiveService:
        created = self.history_start - pd.Timedelta(days=1)
        service = self.emulator.add_service(
            spec.region,
            spec.name,
            cpu=spec.instance.to_api()["Cpu"],
            memory=spec.instance.to_api()["Memory"],
            max_concurrency=spec.config.max_concurrency,
            min_size=spec.config.min_size,
            max_size=spec.config.max_size,
            status=spec.status,
            tags=dict(spec.tags),
            created_at=created.timestamp(),
            setup=spec.app.members(self.emulator.account_id, spec.region, spec.name),
            custom_domains=spec.app.custom_domains,
        )
        minutes = int(self.days * 1440) + WARM_UP_MINUTES + AHEAD_DAYS * 1440
        paused_from = (
            self.history_start + pd.Timedelta(days=min(2, self.days / 2)) if spec.status == "PAUSED" else None
        )
        return LiveService(
            spec=spec,
            arn=service["ServiceArn"],
            service_id=service["ServiceId"],
            origin=self.history_start - pd.Timedelta(minutes=WARM_UP_MINUTES),
            requests=spec.requests(self.history_start - pd.Timedelta(minutes=WARM_UP_MINUTES), minutes, seed),
            instances=service_logs.instance_ids(seed),
            seed=seed,
            paused_from=paused_from,
        )

    def truth(self) -> list[dict]:
        """The hidden parameters of each service: for tests and for checking the advisor, never for it.

        `scale_out_delay_s` is the median of the per-event delays; `knee` is the per-instance
        concurrency where p99 reaches 1.5 x its unloaded value."""
        return [
            {
                "service_arn": s.arn,
                "name": s.spec.name,
                "situation": s.spec.situation,
                **s.spec.params.truth(),
            }
            for s in self.services
        ]

    def catch_up(
        self,
        metrics: MetricsSink,
        logs: LogSink,
        until: pd.Timestamp | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> dict:
        """Produce every whole minute from where the last call stopped up to the clock (or `until`);
        `progress(done, total)` after each service."""
        with self._lock:
            end = until or pd.Timestamp(self.clock(), unit="s", tz="UTC").floor("min")
            start = self.produced_until
            if end <= start:
                return {"minutes": 0, "datapoints": 0, "log_events": 0}
            counts = {
                "minutes": int((end - start) / pd.Timedelta(minutes=1)),
                "datapoints": 0,
                "log_events": 0,
            }
            for done, service in enumerate(self.services, 1):
                points, events = self._produce(service, start, end, metrics, logs)
                counts["datapoints"] += points
                counts["log_events"] += events
                if progress is not None:
                    progress(done, len(self.services))
            self.produced_until = end
            return counts

    def _current(self, service: LiveService) -> tuple[ScalingConfig, InstanceSize, str]:
        described = next(s for s in self.emulator.services() if s["ServiceArn"] == service.arn)
        instance = InstanceSize.parse(
            described["InstanceConfiguration"]["Cpu"], described["InstanceConfiguration"]["Memory"]
        )
        return ScalingConfig(*self.emulator.service_scaling(service.arn)), instance, described["Status"]

    def _produce(self, service, start, end, metrics: MetricsSink, logs: LogSink) -> tuple[int, int]:
        config, instance, status = self._current(service)
        region = service.spec.region
        events = self._lifecycle_events(service, start, end)
        if status == "PAUSED" and service.paused_from is None:
            service.paused_from = start
        stop = min(end, service.paused_from) if service.paused_from is not None else end
        points = 0
        if stop > start:
            produced = self._serve(service, start, stop, config)
            points = metrics.publish(service, region, produced)
            if self.billing is not None:
                self.billing.record(
                    region,
                    service.arn,
                    cast(pd.DatetimeIndex, produced.metrics.index),
                    instance.cpu_vcpu,
                    instance.memory_gb,
                    produced.idle_instance_seconds,
                    produced.active_instance_seconds,
                )
            events += service_logs.application_events(
                service.spec.name,
                service.service_id,
                produced.ready,
                produced.metrics,
                service.last_ready,
                service.instances,
                seed=_stable_seed(self.seed, service.arn, start.value),
            )
            service.last_ready = int(produced.ready[-1])
        if status != "PAUSED" and service.paused_from is not None and service.paused_from <= start:
            service.paused_from = None  # resumed
        return points, logs.publish(region, sorted(events, key=lambda e: e.timestamp_ms))

    def _serve(self, service: LiveService, start, stop, config: ScalingConfig) -> Minutes:
        """The minutes [start, stop) of a service, continuing its scaling state (the first call serves
        the warm-up before `start` first and keeps only its state)."""
        first = int((start - service.origin) / pd.Timedelta(minutes=1))
        last = int((stop - service.origin) / pd.Timedelta(minutes=1))
        requests = service.requests_until(-(-last // 60) * 60)  # whole hours: draws are made per hour
        if service.state is None:
            service.state = ScalingState.initial(service.spec.params, config.min_size, at_s=0)
            if first > 0:
                index = pd.date_range(service.origin, periods=first, freq="1min")
                produce(service.spec.params, config, service.state, requests, 0, index, service.seed)
        index = pd.date_range(start, periods=last - first, freq="1min")
        return produce(service.spec.params, config, service.state, requests, first, index, service.seed)

    def _lifecycle_events(self, service: LiveService, start, end) -> list[service_logs.LogEvent]:
        name, sid = service.spec.name, service.service_id
        events = []
        if start == self.history_start:
            events += service_logs.creation_events(name, sid, int(start.timestamp() * 1000) + 60_000)
            if service.paused_from is not None:
                events += service_logs.pause_events(name, sid, int(service.paused_from.timestamp() * 1000))
        for operation in self._operations(service):
            if operation["Id"] in service.seen_operations or operation["Status"] in (
                "PENDING",
                "IN_PROGRESS",
            ):
                continue
            service.seen_operations.add(operation["Id"])
            events += service_logs.operation_events(name, sid, operation)
        return events

    def _operations(self, service: LiveService) -> list[dict]:
        """The service's latest operations, read through the emulator's own ListOperations."""
        body = json.dumps({"ServiceArn": service.arn, "MaxResults": 20}).encode()
        status, _, payload = self.emulator.handle("ListOperations", body, service.spec.region)
        return json.loads(payload).get("OperationSummaryList", []) if status == 200 else []


def _stable_seed(*parts) -> int:
    """A seed from values, the same in every process (hash() of a str is not)."""
    return zlib.crc32(repr(parts).encode())
