"""Application and service log lines a sandbox service writes, in App Runner's groups and wording.

Groups and streams follow reference/apprunner.md §4: `/aws/apprunner/<name>/<id>/application` with one
`instance/<id>` stream per instance, and `/aws/apprunner/<name>/<id>/service` with the `events` stream
and one stream per long-running operation (`deployment/<operation-id>` for deployments).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

ROUTES = ("/api/items", "/api/orders", "/health", "/api/search", "/api/cart", "/api/users/me")
ERRORS = (
    'upstream timeout after 5000 ms calling "inventory"',
    "database connection pool exhausted (20/20 in use)",
    "unhandled exception: KeyError('customer_id')",
    "TLS handshake with payments gateway failed",
)


@dataclass(frozen=True)
class LogEvent:
    group: str
    stream: str
    timestamp_ms: int
    message: str


def log_groups(name: str, service_id: str) -> tuple[str, str]:
    base = f"/aws/apprunner/{name}/{service_id}"
    return f"{base}/application", f"{base}/service"


def instance_ids(seed: int, count: int = 50) -> list[str]:
    rng = np.random.default_rng(seed)
    return [uuid.UUID(bytes=rng.bytes(16)).hex for _ in range(count)]


def application_events(
    name: str,
    service_id: str,
    ready: np.ndarray,
    metrics: pd.DataFrame,
    ready_before: int,
    instances: list[str],
    seed: int,
) -> list[LogEvent]:
    """Request samples every ten minutes, sampled errors and slow requests, and instance start-ups.

    `ready` is the world's ready instances per minute and `metrics` the CloudWatch frame of the same
    minutes; `ready_before` is the ready count just before the first minute. The draws are made
    for all minutes at once and strings only for the lines written: 14 days of a busy service in
    milliseconds, not seconds.
    """
    app_group, _ = log_groups(name, service_id)
    rng = np.random.default_rng(seed)
    stamps = (cast(pd.DatetimeIndex, metrics.index).asi8 // 1_000_000).astype(np.int64)  # ns -> ms
    ready = np.asarray(ready, dtype=np.int64)
    requests = metrics["Requests_Sum"].to_numpy()
    errors = metrics["5xxStatusResponses_Sum"].to_numpy()
    p50 = metrics["RequestLatency_p50"].to_numpy()
    p99 = metrics["RequestLatency_p99"].to_numpy()
    slow_line = 1.5 * np.nanmin(p99) if np.isfinite(p99).any() else np.inf

    def stream(i: int) -> str:
        return f"instance/{instances[i % len(instances)]}"

    events = _startups(app_group, stamps, ready, ready_before, stream)
    n = len(stamps)
    who = rng.integers(0, np.maximum(ready, 1))
    offsets = rng.integers(1_000, 59_000, n) + stamps
    route = rng.integers(0, len(ROUTES), n)
    error = rng.integers(0, len(ERRORS), n)
    ids = rng.bytes(16 * n).hex()
    served = requests > 0
    with np.errstate(invalid="ignore"):
        info = served & (stamps % 600_000 == 0)
        failed = served & (errors > 0) & (rng.random(n) < 0.1)
        slow = served & (p99 > slow_line) & (rng.random(n) < 0.2)

    def request_id(i: int | np.integer) -> str:
        h = ids[32 * i : 32 * i + 32]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    for i in np.flatnonzero(info):
        message = (
            f"INFO request_id={request_id(i)} method=GET path={ROUTES[route[i]]} status=200 "
            f"latency_ms={p50[i]:.0f}"
        )
        events.append(LogEvent(app_group, stream(int(who[i])), int(offsets[i]), message))
    for i in np.flatnonzero(failed):
        message = f"ERROR request_id={request_id(i)} status=500 {ERRORS[error[i]]}"
        events.append(LogEvent(app_group, stream(int(who[i])), int(offsets[i]) + 7, message))
    for i in np.flatnonzero(slow):
        message = f"WARN request_id={request_id(i)} slow request latency_ms={p99[i]:.0f} path=/api/search"
        events.append(LogEvent(app_group, stream(int(who[i])), int(offsets[i]) + 13, message))
    return events


def _startups(group: str, stamps: np.ndarray, ready: np.ndarray, before: int, stream) -> list[LogEvent]:
    """Two lines per instance that starts serving: the minutes where the ready count rises."""
    previous = np.concatenate([[before], ready[:-1]])
    events = []
    for i in np.flatnonzero(ready > previous):
        for slot in range(int(previous[i]), int(ready[i])):
            events.append(LogEvent(group, stream(slot), int(stamps[i]), "Starting server (pid 1) ..."))
            events.append(LogEvent(group, stream(slot), int(stamps[i]) + 850, "Listening on 0.0.0.0:8080"))
    return events


def creation_events(name: str, service_id: str, at_ms: int) -> list[LogEvent]:
    """What App Runner writes to the `events` stream while a service is created."""
    _, group = log_groups(name, service_id)
    lines = (
        "[AppRunner] Service creation started.",
        "[AppRunner] Pulling image from ECR registry.",
        "[AppRunner] Successfully pulled your application image from ECR.",
        "[AppRunner] Provisioning instances and deploying image for privately accessible service.",
        "[AppRunner] Health check is successful. Routing traffic to application.",
        "[AppRunner] Service status is set to RUNNING.",
    )
    return [LogEvent(group, "events", at_ms + 20_000 * i, line) for i, line in enumerate(lines)]


def operation_events(name: str, service_id: str, operation: dict) -> list[LogEvent]:
    """Service-log lines for one operation (UpdateService, PauseService, ResumeService)."""
    _, group = log_groups(name, service_id)
    op_id, kind, status = operation["Id"], operation["Type"], operation["Status"]
    start = int(operation["StartedAt"] * 1000)
    end = int(operation.get("EndedAt", operation["StartedAt"]) * 1000)
    if kind == "UPDATE_SERVICE":
        stream = f"deployment/{op_id}"
        body = ["[AppRunner] Deployment started.", "[AppRunner] Updating the service configuration."]
        outcome = (
            [
                "[AppRunner] Health check is successful. Routing traffic to application.",
                "[AppRunner] Deployment completed successfully.",
            ]
            if status == "SUCCEEDED"
            else ["[AppRunner] Deployment failed. Rolling back to the previous configuration."]
        )
        final = "RUNNING"
    else:
        stream = f"{kind.lower().replace('_service', '')}/{op_id}"
        body = [f"[AppRunner] {kind.replace('_', ' ').capitalize()} started."]
        outcome = [f"[AppRunner] {kind.replace('_', ' ').capitalize()} completed."]
        final = "PAUSED" if kind == "PAUSE_SERVICE" and status == "SUCCEEDED" else "RUNNING"
    events = [LogEvent(group, "events", start, "[AppRunner] Service status is set to OPERATION_IN_PROGRESS.")]
    middle = body + outcome
    step = max((end - start) // (len(middle) + 1), 1)
    events += [LogEvent(group, stream, start + step * (i + 1), line) for i, line in enumerate(middle)]
    events.append(
        LogEvent(
            group,
            "events",
            max(end, start + step * (len(middle) + 1)),
            f"[AppRunner] Service status is set to {final}.",
        )
    )
    return events


def pause_events(name: str, service_id: str, at_ms: int) -> list[LogEvent]:
    _, group = log_groups(name, service_id)
    return [
        LogEvent(group, "events", at_ms, "[AppRunner] Service status is set to OPERATION_IN_PROGRESS."),
        LogEvent(group, "events", at_ms + 60_000, "[AppRunner] Service paused. Capacity is set to zero."),
        LogEvent(group, "events", at_ms + 61_000, "[AppRunner] Service status is set to PAUSED."),
    ]
