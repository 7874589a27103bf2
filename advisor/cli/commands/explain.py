"""`advisor explain SERVICE`: one service's stored recommendation, whole: every reason and the evidence.

The fleet table shortens each service's first reason to a line; this prints what the recommendation
said and why, from the lake's `recommendations` table (the newest row, or the one --recommendation
names), without running the engine again.
"""

from __future__ import annotations

from pathlib import Path

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option
from advisor.errors import InputError


def _arn_of(lake: Path, service: str, region: str | None) -> str:
    """The ARN of the service named (or given by ARN); a name in two regions needs --region."""
    from advisor.lake.recommendations import read_recommendations

    stored = read_recommendations(lake) if lake.is_dir() else []
    if not stored:
        raise InputError(f"no recommendations in the lake at {lake}: run 'advisor recommend' first")
    matches = {
        r.service_arn: r.region
        for r in stored
        if service in (r.service_name, r.service_arn) and region in (None, r.region)
    }
    if not matches:
        known = ", ".join(sorted({r.service_name for r in stored}))
        where = f" in {region}" if region else ""
        raise InputError(f"{service!r}: no recommendation for it{where} in the lake (known: {known})")
    if len(matches) > 1:
        regions = ", ".join(sorted(matches.values()))
        raise InputError(f"{service!r} is in several regions ({regions}): give --region")
    return next(iter(matches))


def explain_cmd(
    service: str = typer.Argument(..., help="The service, by name or ARN."),
    lake: Path | None = options.LAKE,
    region: str | None = typer.Option(
        None, "--region", help="The service's region, if its name is in several."
    ),
    recommendation: str = typer.Option(
        "latest", "--recommendation", help="Which recommendation: its id, its generated_at time, or latest."
    ),
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """One service's recommendation from the lake, whole: the configuration, every reason, the evidence."""
    from advisor.cli.formats import recommend as render_recommend
    from advisor.lake.recommendations import find

    check_format(fmt, Format.table, Format.json)
    root = options.settings(lake).lake
    arn = _arn_of(root, service, region)
    stored = find(root, arn, recommendation, evidence=True)
    if stored is None:
        raise InputError(f"--recommendation {recommendation}: no such recommendation of {service}")
    if fmt is Format.json:
        print(render_recommend.stored_json(stored))
    else:
        render_recommend.print_explained(stored)
