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


@dataclass(frozen=True)
class Settings:
    """Everything the advisor needs to know about its surroundings; CLI flags override it with `replace`."""

    lake: Path = Path(DEFAULT_LAKE)
    regions: tuple[str, ...] = ()  # empty: the session's default region; ("all",): every App Runner region
    profile: str | None = None
    endpoint_url: str | None = None
    slo: Slo = field(default_factory=Slo)
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
    known = {"lake", "regions", "profile", "endpoint_url", "slo"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    out: dict[str, Any] = {}
    if "lake" in values:
        out["lake"] = Path(str(values["lake"])).expanduser()
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
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if env.get("ADVISOR_LAKE"):
        out["lake"] = Path(env["ADVISOR_LAKE"]).expanduser()
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
