"""One local AWS endpoint: App Runner (our emulator), CloudWatch metrics (our store), the rest (moto).

Requests are routed by the service in their SigV4 credential scope, exactly the name botocore signs
with (`apprunner`, `monitoring`, `logs`, `sts`, ...), so any SDK or the AWS CLI works unchanged.
`/_sandbox/...` paths are the sandbox's own controls (advance the clock, inject faults, raise App
Runner's quotas with POST `/_sandbox/quotas` {"config_names": 20}, read the call log and the hidden
truth, read the ledger's exact bill at `/_sandbox/bill`, deny Cost Explorer or turn its resource-level
data off with POST `/_sandbox/cost-explorer`, replay a service's own traffic on the sandbox's ECS
Express world with POST `/_sandbox/express-replay`); they are not AWS APIs. Cost Explorer (`ce`) answers from
the billing ledger the world feeds. Service Quotas (`servicequotas`) is answered from the App Runner
emulator's quotas, since moto's knows only `vpc`.
The account answers only when it is whole: until the fleet's history is seeded, every AWS request on the
public endpoint gets HTTP 503 `ServiceUnavailable` (botocore retries 503 in every retry mode), so a
collect started meanwhile waits instead of landing a partial account. The sandbox publishes its own
history through a second, private listener that is never gated.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import pandas as pd
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from advisor.sandbox import express
from advisor.sandbox.apprunner import AppRunnerEmulator, ServiceQuotasEmulator
from advisor.sandbox.billing import Ledger
from advisor.sandbox.cloudwatch import MetricsStore
from advisor.sandbox.costexplorer import CostExplorer
from advisor.sandbox.fleet import FleetService
from advisor.sandbox.logsearch import LogSearch
from advisor.sandbox.publish import ApiLogSink, ApiMetricsSink, BulkLogSink, BulkMetricsSink
from advisor.sandbox.world import SandboxClock, World

ACCOUNT_ID = "123456789012"
LAKE_BUCKET = "advisor-lake"  # S3 (moto) holds it from the start: `--lake s3://advisor-lake/fleet`
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
THROTTLED = {
    "apprunner": ("application/x-amz-json-1.0", "ThrottlingException"),
    "ce": ("application/x-amz-json-1.1", "LimitExceededException"),
    "monitoring": ("application/x-amz-json-1.0", "ThrottlingException"),
    "logs": ("application/x-amz-json-1.1", "ThrottlingException"),
}
TICK_SECONDS = 20.0
LATE_METRICS = ("Requests", "2xxStatusResponses", "4xxStatusResponses", "5xxStatusResponses")
UNAVAILABLE = "The sandbox is still seeding its fleet; retry shortly."


def iso_time(seconds: float) -> str:
    """ISO 8601 in UTC to the second, as a person and `datetime.fromisoformat` both read it."""
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _utc_minute(value, name: str) -> pd.Timestamp:
    """An ISO 8601 time (UTC when it names no zone) floored to its minute."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} {value!r} is not an ISO 8601 time") from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("min")


def _moto_app():
    """moto's own server application (the one `moto_server` runs), with Logs on the sandbox clock."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def _create_lake_bucket() -> None:
    """moto's S3 holds the bucket `--lake s3://advisor-lake/...` writes to, as a team's account would."""
    from moto.s3.models import s3_backends

    backend = s3_backends[ACCOUNT_ID]["aws"]
    if LAKE_BUCKET not in backend.buckets:
        backend.create_bucket(LAKE_BUCKET, "us-east-1")


def _use_clock_for_moto_logs(clock: SandboxClock) -> None:
    """moto accepts log events only within 14 days before / 2 hours after its now: make that our now."""
    import moto.logs.models as logs_models

    logs_models.utcnow = lambda: datetime.fromtimestamp(clock(), UTC).replace(tzinfo=None)


class Sandbox:
    """The sandbox account: emulators, the seeded world, and the HTTP endpoint serving them."""

    def __init__(
        self,
        fleet: list[FleetService],
        *,
        host: str = "127.0.0.1",
        port: int = 4566,
        days: float = 14,
        seed: int = 7,
        throttle: float = 0.0,
        operation_seconds: float = 5.0,
        live: bool = True,
    ):
        self.clock = SandboxClock()
        self.emulator = AppRunnerEmulator(
            clock=self.clock, operation_seconds=operation_seconds, account_id=ACCOUNT_ID
        )
        self.quotas = ServiceQuotasEmulator(self.emulator.quotas, ACCOUNT_ID)
        self.store = MetricsStore(clock=self.clock)
        self.log_search = LogSearch(ACCOUNT_ID)
        self.ledger = Ledger()
        self.cost_explorer = CostExplorer(self.ledger, self.clock, ACCOUNT_ID)
        self.throttle = throttle
        self._random = random.Random(seed)
        self._moto = _moto_app()
        _use_clock_for_moto_logs(self.clock)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server(host, port, self.wsgi, threaded=True)
        self.endpoint = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-http", daemon=True)
        # the sandbox's own publishing (logs, live metrics) goes here: answered while the public one is gated
        self._private = make_server(host, 0, self._serve, threaded=True)
        self._private_endpoint = f"http://{host}:{self._private.server_port}"
        self._private_thread = threading.Thread(
            target=self._private.serve_forever, name="sandbox-http-private", daemon=True
        )
        self._stop = threading.Event()
        self._live = live
        self._ticker = threading.Thread(target=self._tick, name="sandbox-clock", daemon=True)
        self.world = World(self.emulator, fleet, self.clock, days=days, seed=seed, billing=self.ledger)
        self.last_errors: list[str] = []
        self.ready = False  # True once the history is produced: collecting earlier would miss it

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self, progress: Callable[[int, int], object] | None = None) -> dict:
        """Serve (503 until whole), produce the history (metrics in bulk, logs through the Logs API), open.

        `progress(done, total)` is called after each service's history is produced."""
        self._thread.start()
        self._private_thread.start()
        self._logs = ApiLogSink(self._private_endpoint)
        self._metrics_api = ApiMetricsSink(self._private_endpoint)
        bulk_logs = BulkLogSink(ACCOUNT_ID)
        counts = self.world.catch_up(BulkMetricsSink(self.store), bulk_logs, progress=progress)
        _create_lake_bucket()
        self.ready = True
        if self._live:
            self._ticker.start()
        return counts

    def stop(self) -> None:
        self._stop.set()
        for server in (self._server, self._private):
            server.shutdown()
            server.server_close()

    def advance(self, hours: float) -> dict:
        """Move the clock forward and produce the new minutes under each service's current configuration."""
        if not hours > 0:
            raise ValueError("hours must be above 0")
        self.clock.advance(hours * 3600)
        bulk = hours > 6
        sink = BulkMetricsSink(self.store) if bulk else self._metrics_api
        counts = self.world.catch_up(sink, BulkLogSink(ACCOUNT_ID) if bulk else self._logs)
        return {"now": iso_time(self.clock()), **counts}

    def publish_late(self, service_name: str, minute: pd.Timestamp, metric: str, value: float) -> dict:
        """A count datapoint for a minute already published: CloudWatch adds it to that minute's Sum.

        This is how a late or partial minute looks to a reader (App Runner's metrics land minutes after
        the minute ends, and a minute read early may still grow): a collect that read the minute before
        sees a different value afterwards, unless it re-reads it."""
        service = next((s for s in self.world.services if s.spec.name == service_name), None)
        if service is None:
            raise ValueError(f"no sandbox service named {service_name!r}")
        if metric not in LATE_METRICS:
            raise ValueError(f"late datapoints are counts: one of {', '.join(LATE_METRICS)}")
        minute = minute.floor("min")
        if not self.world.history_start <= minute < self.world.produced_until:
            raise ValueError(f"{minute} is not a minute the sandbox has published")
        self._metrics_api.publish_counts(service, service.spec.region, metric, minute, value)
        return {"service": service_name, "metric": metric, "timestamp": iso_time(minute.timestamp())}

    def express_replay(self, payload: dict) -> dict:
        """A service's own traffic of [start, end) replayed on the sandbox's ECS Express world
        (express.py) under the configuration in `payload`: the per-minute table and its totals."""
        key = str(payload.get("service") or payload.get("service_arn") or "")
        service = next((s for s in self.world.services if key in (s.spec.name, s.arn)), None)
        if service is None:
            names = ", ".join(s.spec.name for s in self.world.services)
            raise ValueError(f"no sandbox service {key!r} (give its name or ARN): one of {names}")
        if "start" not in payload or "end" not in payload:
            raise ValueError("give start and end (ISO 8601) of the window to replay")
        start, end = (_utc_minute(payload[k], k) for k in ("start", "end"))
        history = self.world.history_start, self.world.produced_until
        if not history[0] <= start < end <= history[1]:
            raise ValueError(
                f"[{start}, {end}) is not inside the published history "
                f"[{history[0]}, {history[1]}): replay the minutes the service's metrics came from"
            )
        config = express.ExpressConfig.from_payload(payload)
        result = express.replay_service(service, start, end, config)
        return {"service": service.spec.name, "service_arn": service.arn, **result.to_dict()}

    def set_quotas(self, values: dict) -> dict:
        """Raise or lower App Runner's quotas (what Service Quotas reports and App Runner enforces)."""
        quotas = self.emulator.quotas
        for name, value in values.items():
            if name not in vars(quotas):
                raise KeyError(f"unknown quota {name!r}: one of {', '.join(vars(quotas))}")
            if int(value) < 1:
                raise ValueError(f"quota {name} must be at least 1")
            setattr(quotas, name, int(value))
        return dict(vars(quotas))

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.world.catch_up(self._metrics_api, self._logs)
            except Exception as exc:  # a failed tick is retried at the next one; keep the reason
                self.last_errors = [*self.last_errors[-9:], f"{type(exc).__name__}: {exc}"]

    # -- HTTP ------------------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        """The public endpoint: the sandbox's controls always; AWS only once the account is whole."""
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            return self._control(request)(environ, start_response)
        if not self.ready:
            return self._unavailable(request)(environ, start_response)
        return self._serve(environ, start_response)

    def _serve(self, environ, start_response):
        request = Request(environ)
        scope = SCOPE.search(request.headers.get("Authorization", ""))
        service = scope["service"] if scope else ""
        region = scope["region"] if scope else "us-east-1"
        if self.throttle and service in THROTTLED and self._random.random() < self.throttle:
            cbor = "smithy-protocol" in request.headers
            return self._throttled(service, cbor)(environ, start_response)
        if service == "apprunner":
            operation = request.headers.get("X-Amz-Target", "").partition(".")[2]
            status, headers, body = self.emulator.handle(operation, request.get_data(), region)
            return self._dated(Response(body, status=status, headers=headers))(environ, start_response)
        if service == "servicequotas":  # moto's Service Quotas knows only vpc
            target = request.headers.get("X-Amz-Target", "")
            status, headers, body = self.quotas.handle(target, request.get_data(), region)
            return self._dated(Response(body, status=status, headers=headers))(environ, start_response)
        if service == "monitoring":
            # botocore speaks JSON 1.0 to CloudWatch (X-Amz-Target); rpc-v2-cbor names it in the path
            operation = request.headers.get("X-Amz-Target") or request.path.rstrip("/").rpartition("/")[2]
            status, headers, body = self.store.handle(operation, request.get_data(), region, ACCOUNT_ID)
            return self._dated(Response(body, status=status, headers=headers))(environ, start_response)
        if service == "ce":
            target = request.headers.get("X-Amz-Target", "")
            status, headers, body = self.cost_explorer.handle(target, request.get_data())
            return self._dated(Response(body, status=status, headers=headers))(environ, start_response)
        if service == "logs" and request.headers.get("X-Amz-Target", "").endswith(".FilterLogEvents"):
            status, headers, body = self.log_search.handle(request.get_data(), region)
            return self._dated(Response(body, status=status, headers=headers))(environ, start_response)
        return self._moto(environ, self._dated_start(start_response))

    def _now_header(self) -> str:
        return format_datetime(datetime.fromtimestamp(self.clock(), UTC), usegmt=True)

    def _dated(self, response: Response) -> Response:
        response.headers["Date"] = self._now_header()
        return response

    def _dated_start(self, start_response):
        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "date"] + [("Date", self._now_header())]
            return start_response(status, headers, exc_info)

        return start

    def _unavailable(self, request: Request) -> Response:
        """HTTP 503 in the request's protocol: JSON for the JSON services, CBOR for CBOR, XML otherwise."""
        headers = {"Retry-After": "1"}
        if "smithy-protocol" in request.headers:
            import cbor2

            body = cbor2.dumps({"__type": "ServiceUnavailable", "message": UNAVAILABLE})
            headers.update({"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"})
            return self._dated(Response(body, status=503, headers=headers))
        if request.headers.get("X-Amz-Target"):
            content_type = request.headers.get("Content-Type") or "application/x-amz-json-1.1"
            text = json.dumps({"__type": "ServiceUnavailableException", "message": UNAVAILABLE})
            return self._dated(Response(text, status=503, headers=headers, content_type=content_type))
        xml = (
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
            f"<Message>{UNAVAILABLE}</Message></Error></ErrorResponse>"
        )
        return self._dated(Response(xml, status=503, headers=headers, content_type="text/xml"))

    def _throttled(self, service: str, cbor: bool) -> Response:
        if service == "monitoring" and cbor:
            import cbor2

            body = cbor2.dumps({"__type": "Throttling", "message": "Rate exceeded"})
            headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
            return self._dated(Response(body, status=400, headers=headers))
        content_type, code = THROTTLED[service]
        text = json.dumps({"__type": code, "message": "Rate exceeded"})
        return self._dated(Response(text, status=400, content_type=content_type))

    def _control(self, request: Request) -> Response:
        action = request.path.removeprefix("/_sandbox/").strip("/")
        payload = request.get_json(silent=True) or {}
        try:
            result = self._control_action(action, request.method, payload)
        except (KeyError, ValueError, TypeError) as exc:
            return Response(json.dumps({"error": str(exc)}), status=400, content_type="application/json")
        if result is None:
            return Response(
                json.dumps({"error": f"unknown control {action!r}"}), 404, content_type="application/json"
            )
        return self._dated(Response(json.dumps(result, default=str), content_type="application/json"))

    def _control_action(self, action: str, method: str, payload: dict):
        if action == "health":
            return {
                "status": "ok" if self.ready else "starting",
                "now": iso_time(self.clock()),
                "produced_until": iso_time(self.world.produced_until.timestamp()),
                "services": len(self.world.services),
                "errors": self.last_errors,
            }
        if action == "advance" and method == "POST":
            return self.advance(float(payload["hours"]))
        if action == "fail-next-operation" and method == "POST":
            self.emulator.fail_next_operation(payload.get("service_arn"), int(payload.get("count", 1)))
            return {"ok": True}
        if action == "throttle" and method == "POST":
            fraction = float(payload["fraction"])
            if not 0 <= fraction <= 1:
                raise ValueError("fraction must be between 0 and 1")
            self.throttle = fraction
            return {"throttle": fraction}
        if action == "quotas" and method == "POST":
            return self.set_quotas(payload)
        if action == "late-datapoint" and method == "POST":
            minute = self.world.produced_until - pd.Timedelta(minutes=int(payload["minutes_ago"]))
            value = float(payload["value"])
            return self.publish_late(str(payload["service"]), minute, str(payload["metric"]), value)
        if action == "metrics-page" and method == "POST":
            datapoints = int(payload["datapoints"])
            if not 1 <= datapoints <= 100_800:
                raise ValueError("datapoints must be from 1 to 100,800 (GetMetricData's MaxDatapoints)")
            self.store.page_datapoints = datapoints
            return {"page_datapoints": datapoints}
        if action == "log-calls":
            return {"filter_log_events": self.log_search.stats()}
        if action == "calls":
            return {"calls": self.emulator.calls}
        if action == "bill":
            return self.ledger.totals()
        if action == "cost-explorer" and method == "POST":
            return self.cost_explorer.configure(payload)
        if action == "express-replay" and method == "POST":
            return self.express_replay(payload)
        if action == "truth":
            seeds = {s.arn: s.seed for s in self.world.services}
            services = [
                {**s, "ecs": express.ecs_params(seeds[s["service_arn"]]).truth()} for s in self.world.truth()
            ]
            return {"services": services, "produced_until": str(self.world.produced_until)}
        return None
