"""Where the lake lives, which AWS to talk to, what "good enough" means: env vars > config file > defaults.

Nothing is read at import: `load_settings()` is called by whoever needs settings, with the environment and
config path injectable so tests never depend on the machine they run on.

Config file (TOML, optional), `~/.config/apprunner-advisor/config.toml` (or `$XDG_CONFIG_HOME/...`,
or the path in `ADVISOR_CONFIG`)::

    lake = "/data/advisor"
    regions = ["us-east-1", "eu-west-1"]   # or "all"
    profile = "prod-readonly"
    endpoint_url = "http://127.0.0.1:4566"

    [slo]
    latency_factor = 1.5        # p99 latency may reach this multiple of the unloaded latency
    p99_latency_ms = 800        # or an absolute objective (wins over the factor when set)
    max_cpu_percent = 80

    [advice]
    min_savings_usd = 1.0       # a change must save at least this much a month...
    min_savings_pct = 5.0       # ...and this share of the current cost (or lower breach risk materially)
    max_size_limit = 25         # MaxSize the recommendation may go up to (the account's quota)

    [logs]
    app_logs = "errors"         # application logs: "errors" (lines matching `pattern`), "all", "none"
    pattern = "?ERROR ?Exception ..."   # a CloudWatch Logs filter pattern (default: errors and 5xx)
    max_requests = 1000         # FilterLogEvents requests a run may spend on application logs
    requests_per_second = 4     # the account's quota is 5, shared with every other tool
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from advisor.errors import InputError
from advisor.lake.storage import lake_location

DEFAULT_LAKE = "./advisor-data"
CONFIG_RELATIVE = Path("apprunner-advisor") / "config.toml"


@dataclass(frozen=True)
class Slo:
    """The service-level objective a recommendation must keep."""

    latency_factor: float = 1.5
    p99_latency_ms: float | None = None
    max_cpu_percent: float = 80.0

    def __post_init__(self) -> None:
        if not float(self.latency_factor) >= 1:
            raise InputError(f"slo.latency_factor={self.latency_factor!r} is invalid: allowed at least 1")
        if self.p99_latency_ms is not None and not float(self.p99_latency_ms) > 0:
            raise InputError(f"slo.p99_latency_ms={self.p99_latency_ms!r} is invalid: allowed above 0")
        if not 0 < float(self.max_cpu_percent) <= 100:
            raise InputError(f"slo.max_cpu_percent={self.max_cpu_percent!r} is invalid: allowed 0 to 100")


APP_LOGS_MODES = ("errors", "all", "none")
# Errors and 5xx in the forms applications write them: level words, exceptions and stack traces, and a
# 5xx status as `status=5..`, `"status":5..` or ` 5.. ` in an access line. CloudWatch Logs filter
# pattern syntax: `?term` is OR, quoted terms are phrases, %...% a regular expression (no parentheses).
DEFAULT_ERROR_PATTERN = (
    '?ERROR ?Error ?FATAL ?CRITICAL ?Exception ?Traceback ?panic ?"status=5" ?"status: 5" '
    '?"\\"status\\":5" ?" 500 " ?" 502 " ?" 503 " ?" 504 "'
)
FILTER_LOG_EVENTS_QUOTA_TPS = 5.0  # per account and Region, not raisable (reference/apprunner.md §4)


@dataclass(frozen=True)
class LogsPolicy:
    """What a collection reads of the application logs, within FilterLogEvents' shared 5 TPS quota.

    The service log group (deployments, configuration changes) is always read whole: it is small and
    operations come from it. Application logs can be millions of lines; by default only the lines that
    matter (errors, 5xx) are read, with a budget of requests per run so one noisy service cannot hold
    the account's quota for minutes."""

    app_logs: str = "errors"
    pattern: str = DEFAULT_ERROR_PATTERN
    max_requests: int = 1000
    requests_per_second: float = 4.0

    def __post_init__(self) -> None:
        if self.app_logs not in APP_LOGS_MODES:
            raise InputError(f"--app-logs {self.app_logs!r} is invalid: allowed {', '.join(APP_LOGS_MODES)}")
        if not self.pattern.strip() or len(self.pattern) > 1024:
            raise InputError("--log-pattern is invalid: allowed a filter pattern of 1 to 1,024 characters")
        if not (isinstance(self.max_requests, int) and self.max_requests >= 1):
            raise InputError(f"--log-requests {self.max_requests!r} is invalid: allowed 1 or more")
        if not 0 < float(self.requests_per_second) <= FILTER_LOG_EVENTS_QUOTA_TPS:
            raise InputError(
                f"logs.requests_per_second={self.requests_per_second!r} is invalid: allowed above 0 up to "
                f"{FILTER_LOG_EVENTS_QUOTA_TPS:g} (the account's FilterLogEvents quota)"
            )

    @property
    def filter_pattern(self) -> str | None:
        """The pattern sent for application logs (None: every line)."""
        return self.pattern if self.app_logs == "errors" else None


@dataclass(frozen=True)
class Advice:
    """When a change is worth recommending, and how far MaxSize may go (engine/benefit.py says why)."""

    min_savings_usd: float = 1.0
    min_savings_pct: float = 5.0
    max_size_limit: int = 25  # App Runner's default MaxSize quota; more where the account's is raised

    def __post_init__(self) -> None:
        if not float(self.min_savings_usd) >= 0:
            raise InputError(f"advice.min_savings_usd={self.min_savings_usd!r} is invalid: allowed 0 or more")
        if not 0 <= float(self.min_savings_pct) <= 100:
            raise InputError(f"advice.min_savings_pct={self.min_savings_pct!r} is invalid: allowed 0 to 100")
        limit = self.max_size_limit
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InputError(f"advice.max_size_limit={limit!r} is invalid: allowed a whole number 1 to 1000")


@dataclass(frozen=True)
class Settings:
    """Everything the advisor needs to know about its surroundings; CLI flags override it with `replace`."""

    lake: Path = Path(DEFAULT_LAKE)
    regions: tuple[str, ...] = ()  # empty: the session's default region; ("all",): every App Runner region
    profile: str | None = None
    endpoint_url: str | None = None
    slo: Slo = field(default_factory=Slo)
    advice: Advice = field(default_factory=Advice)
    logs: LogsPolicy = field(default_factory=LogsPolicy)
    config_file: Path | None = None  # the file the values came from, for `--help` and error messages


def check_endpoint_url(url: str | None) -> str | None:
    """An http(s) URL with a host, or None (botocore says only "Invalid endpoint", from a traceback)."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"endpoint URL {url!r} (--endpoint-url, AWS_ENDPOINT_URL or the config file) is invalid: "
            "allowed an http:// or https:// URL, e.g. http://127.0.0.1:4566"
        )
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        raise InputError(f"endpoint URL {url!r}: its port is not a number from 0 to 65535") from None
    return url


def default_config_path(env: Mapping[str, str]) -> Path:
    if env.get("ADVISOR_CONFIG"):
        return Path(env["ADVISOR_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / CONFIG_RELATIVE


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's values, or nothing when there is no file; a malformed file is an error, never ignored."""
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None


def _regions(value: Any, source: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(r, str) and r for r in items):
        raise InputError(f"{source}: regions={value!r} is invalid: allowed a region name or a list of them")
    return tuple(r.strip() for r in items)


def _from_file(values: Mapping[str, Any], path: Path) -> dict[str, Any]:
    known = {"lake", "regions", "profile", "endpoint_url", "slo", "advice", "logs"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    out: dict[str, Any] = {}
    if "lake" in values:
        out["lake"] = lake_location(str(values["lake"]))
    if "regions" in values:
        out["regions"] = _regions(values["regions"], str(path))
    for key in ("profile", "endpoint_url"):
        if key in values:
            out[key] = str(values[key])
    if "slo" in values:
        slo_keys = {f.name for f in fields(Slo)}
        bad = sorted(set(values["slo"]) - slo_keys)
        if bad:
            raise InputError(f"{path}: unknown [slo] setting(s) {', '.join(bad)}; known: {sorted(slo_keys)}")
        out["slo"] = Slo(**values["slo"])
    if "advice" in values:
        advice_keys = {f.name for f in fields(Advice)}
        bad = sorted(set(values["advice"]) - advice_keys)
        if bad:
            raise InputError(
                f"{path}: unknown [advice] setting(s) {', '.join(bad)}; known: {sorted(advice_keys)}"
            )
        out["advice"] = Advice(**values["advice"])
    if "logs" in values:
        logs_keys = {f.name for f in fields(LogsPolicy)}
        bad = sorted(set(values["logs"]) - logs_keys)
        if bad:
            names = ", ".join(sorted(logs_keys))
            raise InputError(f"{path}: unknown [logs] setting(s) {', '.join(bad)}; known: {names}")
        out["logs"] = LogsPolicy(**values["logs"])
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if env.get("ADVISOR_LAKE"):
        out["lake"] = lake_location(env["ADVISOR_LAKE"])
    if env.get("AWS_PROFILE"):
        out["profile"] = env["AWS_PROFILE"]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        out["regions"] = (region,)
    if env.get("AWS_ENDPOINT_URL"):
        out["endpoint_url"] = env["AWS_ENDPOINT_URL"]
    return out


def load_settings(env: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    """Settings from the environment over the config file over the defaults.

    >>> load_settings(env={"ADVISOR_LAKE": "/tmp/lake"}, config_path=Path("/nonexistent")).lake
    PosixPath('/tmp/lake')
    """
    env = os.environ if env is None else env
    path = config_path if config_path is not None else default_config_path(env)
    from_file = _from_file(read_config_file(path), path)
    merged = {**from_file, **_from_env(env)}
    return Settings(**merged, config_file=path if from_file else None)
