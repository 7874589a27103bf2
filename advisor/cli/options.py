"""What the commands share: one output `Format`, the AWS and lake flags, one way to lay flags over Settings.

Light on purpose (typer and settings only): every command module imports it, and `advisor --help` must
start fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer

from advisor.domain import MAX_RUN_DAYS
from advisor.errors import InputError
from advisor.lake.storage import configure_s3, lake_location
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


def given(ctx: typer.Context, *names: str) -> list[str]:
    """The flags among `names` (parameter names) that the user typed, as the user spelled them (`--cpu`).

    What tells a flag that does nothing in this mode from its default, so that it can be refused.
    """
    try:  # typer 0.2x ships its own copy of click, whose enum is not click's
        from typer._click.core import ParameterSource
    except ImportError:  # pragma: no cover
        from click.core import ParameterSource  # type: ignore[assignment]

    flags = []
    for param in ctx.command.params:
        if param.name in names and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
            flags.append(max(param.opts, key=len))
    return flags


def refuse_unused(ctx: typer.Context, names: tuple[str, ...], why: str) -> None:
    """Bad input when the user gave a flag that this mode ignores: silence would read as "applied"."""
    flags = given(ctx, *names)
    if flags:
        verb = "applies" if len(flags) == 1 else "apply"
        raise InputError(f"{', '.join(flags)} {verb} {why}; drop {'it' if len(flags) == 1 else 'them'}")


def check_days(flag: str, days: float, most: float = MAX_RUN_DAYS) -> float:
    """Days a run may ask for: finite, at least a minute, at most `most` (memory grows by the minute)."""
    if not (math.isfinite(days) and days * 1440 >= 1 and days <= most):
        raise InputError(
            f"{flag} {days:g} is invalid: allowed at least one minute (0.0007) up to {most:g} days"
        )
    return days


def check_positive(flag: str, value: float) -> float:
    """A finite number above 0 (`nan` and `inf` parse as floats and slip past plain comparisons)."""
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{flag} {value:g} is invalid: allowed a finite number above 0")
    return value


def check_port(flag: str, port: int) -> int:
    """A TCP port: 1-65535, or 0 for any free one (the endpoint line says which)."""
    if not 0 <= port <= 65535:
        raise InputError(f"{flag} {port} is invalid: allowed 1 to 65535, or 0 for any free port")
    return port


# Writers by suffix for files of minute-by-minute data: anything else is refused, not written as CSV.
DATA_SUFFIXES = (".csv", ".parquet")


def check_output_file(flag: str, path: Path, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> Path:
    """A file the command may create or replace: a known suffix, not a directory, in a folder that exists.

    Checked before any work, so that a typo costs a second, not the minutes of the run.
    """
    if path.is_dir():
        example = path / "minutes.csv"
        raise InputError(f"{flag} {path}: is a directory; give a file name in it, e.g. {example}")
    if path.suffix.lower() not in suffixes:
        raise InputError(
            f"{flag} {path}: unknown file type {path.suffix or '(none)'!r}; allowed {', '.join(suffixes)}"
        )
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"{flag} {path}: no such folder {parent}; create it first or give another path")
    return path


def check_output_dir(flag: str, path: Path) -> Path:
    """A folder the command may create: not an existing file, nor under one."""
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            raise InputError(f"{flag} {path}: {candidate} is a file, not a folder; give a folder")
    return path


# bench/PROTOCOL.md's model and the example traffic shapes, written out so that `--help` does not import the
# engine (numpy, pandas: a second); tests/test_cli.py holds them equal to engine.simulate.PROTOCOL_MODEL.
PROTOCOL_LATENCY_S = 0.25
PROTOCOL_KNEE = 80.0
PROTOCOL_SLO_FACTOR = 1.5
PROTOCOL_SCALE_OUT_DELAY_MIN = 1
PROTOCOL_SCALE_IN_HOLD_MIN = 5
TRAFFIC_SHAPES = ("steady", "diurnal", "weekday", "bursty", "low", "growing")

LAKE = typer.Option(
    None,
    "--lake",
    parser=lake_location,
    help="Lake directory, or s3://BUCKET/PREFIX (default: ADVISOR_LAKE or ./advisor-data).",
)
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
    configure_s3(endpoint_url or base.endpoint_url)  # an S3 lake goes where the AWS calls go
    return replace(
        base,
        lake=lake or base.lake,
        regions=tuple(regions) or base.regions,
        profile=profile or base.profile,
        endpoint_url=endpoint_url or base.endpoint_url,
    )
