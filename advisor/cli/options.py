"""What the commands share: one output `Format`, the AWS and lake flags, one way to lay flags over Settings.

Light on purpose (typer and settings only): every command module imports it, and `advisor --help` must
start fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer

from advisor.errors import InputError
from advisor.settings import Settings, load_settings


class Format(StrEnum):
    """Where output is data: a terminal table, JSON, or CSV (not every command speaks all three)."""

    table = "table"
    json = "json"
    csv = "csv"


def check_format(fmt: Format, *allowed: Format) -> Format:
    """`fmt`, or bad input when this command does not speak it."""
    if fmt not in allowed:
        names = ", ".join(f.value for f in allowed)
        raise InputError(f"--format {fmt.value} is invalid here: allowed {names}")
    return fmt


# bench/PROTOCOL.md's model and the example traffic shapes, written out so that `--help` does not import the
# engine (numpy, pandas: a second); tests/test_cli.py holds them equal to engine.simulate.PROTOCOL_MODEL.
PROTOCOL_LATENCY_S = 0.25
PROTOCOL_KNEE = 80.0
PROTOCOL_SLO_FACTOR = 1.5
PROTOCOL_SCALE_OUT_DELAY_MIN = 1
PROTOCOL_SCALE_IN_HOLD_MIN = 5
TRAFFIC_SHAPES = ("steady", "diurnal", "weekday", "bursty", "low", "growing")

LAKE = typer.Option(None, "--lake", help="Lake directory (default: ADVISOR_LAKE or ./advisor-data).")
REGION = typer.Option(None, "--region", help="The service's region (default: the profile's).")
REGIONS = typer.Option(
    [],
    "--region",
    help="Region (repeatable), or 'all' for every App Runner region. Default: settings or the profile's.",
)
PROFILE = typer.Option(None, "--profile", help="AWS profile (default: the standard credential chain).")
ENDPOINT = typer.Option(None, "--endpoint-url", help="One endpoint for every AWS service (the sandbox).")


def format_option(*allowed: Format) -> Format:
    """The --format flag, showing only the formats this command speaks."""
    return typer.Option(
        Format.table,
        "--format",
        metavar="<" + "|".join(f.value for f in allowed) + ">",
        help="Output format.",
    )


def settings(
    lake: Path | None = None,
    regions: Iterable[str] = (),
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> Settings:
    """The settings (env vars > config file > defaults) with the flags a user gave laid over them."""
    base = load_settings()
    return replace(
        base,
        lake=lake or base.lake,
        regions=tuple(regions) or base.regions,
        profile=profile or base.profile,
        endpoint_url=endpoint_url or base.endpoint_url,
    )
