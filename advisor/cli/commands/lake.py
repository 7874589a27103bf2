"""`advisor lake prune` (date partitions past a keep-by age, removed only with --yes) and `advisor lake check`
(files readers cannot use, quarantined only with --repair)."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option
from advisor.errors import InputError, LakeError

lake_app = typer.Typer(help="Lake housekeeping.", no_args_is_help=True)


MAX_AGE_DAYS = 36525  # a century: older than any lake (and far short of datetime's year 1)


def _days(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*d?\s*", text)
    if match is None or not 1 <= int(match.group(1)) <= MAX_AGE_DAYS:
        raise InputError(
            f"--older-than {text!r} is invalid: allowed a number of days from 1 to {MAX_AGE_DAYS}, e.g. 90d"
        )
    return int(match.group(1))


@lake_app.command("prune")
def prune_cmd(
    older_than: str = typer.Option(
        ..., "--older-than", help="Age in days, e.g. 90d: partitions dated before today minus this go."
    ),
    table: list[str] = typer.Option(
        [],
        "--table",
        help="Only this table (repeatable). Default: every date-partitioned table except 'actions', "
        "the audit log, which is pruned only when named here.",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Remove them (without it: only show them)."),
    lake: Path | None = options.LAKE,
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """Show the lake partitions older than --older-than, per table with sizes; remove them with --yes."""
    from advisor.cli.formats import lake as render_lake
    from advisor.cli.formats.common import print_table
    from advisor.lake.retention import drop_partitions, old_partitions
    from advisor.lake.schema import TABLES

    check_format(fmt, Format.table, Format.json)
    unknown = sorted(set(table) - set(TABLES))
    if unknown:
        raise InputError(f"--table {', '.join(unknown)} is invalid: allowed {', '.join(TABLES)}")
    settings = options.settings(lake)
    if not settings.lake.is_dir():
        raise InputError(f"--lake {settings.lake}: no such directory")
    before = datetime.now(UTC).date() - timedelta(days=_days(older_than))
    try:
        partitions = old_partitions(settings.lake, before, table)
    except ValueError as exc:
        raise InputError(f"--table: {exc}") from None
    if yes:
        partitions = drop_partitions(settings.lake, partitions)
    if fmt is Format.json:
        print(render_lake.prune_json(partitions, before.isoformat(), removed=yes))
    else:
        print_table(render_lake.prune_table(partitions, before.isoformat(), removed=yes))
    if not yes and partitions:
        print("nothing removed: pass --yes to remove these partitions", file=sys.stderr)


@lake_app.command("check")
def check_cmd(
    repair: bool = typer.Option(
        False, "--repair", help="Move what cannot be read to <lake>/_quarantine/<time>/ (nothing is deleted)."
    ),
    lake: Path | None = options.LAKE,
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """List the lake's files that readers skip or count twice; exit 1 if there are any, unless --repair."""
    from advisor.cli.formats import lake as render_lake
    from advisor.lake import check

    check_format(fmt, Format.table, Format.json)
    settings = options.settings(lake)
    if not settings.lake.is_dir():
        raise InputError(f"--lake {settings.lake}: no such directory")
    report = check.check_lake(settings.lake)
    if repair and not report.healthy:
        check.repair(settings.lake, report)
    if fmt is Format.json:
        print(render_lake.check_json(report))
    else:
        print(render_lake.check_text(report))
    if report.healthy:
        return
    if not repair:
        raise LakeError(
            f"the lake at {settings.lake} has {len(report.findings)} file(s) readers skip or count twice: "
            "run 'advisor lake check --repair' to quarantine them (nothing is deleted)"
        )
    print(
        f"moved {len(report.moved)} file(s) to {report.quarantine}; run 'advisor collect' to re-fetch "
        "the days CloudWatch still holds",
        file=sys.stderr,
    )


@lake_app.command("ddl")
def ddl_cmd(
    athena: bool = typer.Option(
        False, "--athena", help="Glue/Athena CREATE EXTERNAL TABLE statements (the only dialect so far)."
    ),
    database: str = typer.Option("apprunner_advisor", "--database", help="The Glue database to create."),
    lake: Path | None = options.LAKE,
) -> None:
    """Print the SQL that makes the lake's tables queryable elsewhere (Athena: run each statement)."""
    from advisor.lake.athena import athena_ddl
    from advisor.lake.layout import Lake

    if not athena:
        raise InputError("advisor lake ddl: pass --athena (the Glue/Athena dialect is the one supported)")
    settings = options.settings(lake)
    print(";\n\n".join(athena_ddl(Lake.of(settings.lake), database)) + ";")
