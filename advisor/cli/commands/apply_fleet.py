"""`advisor apply --all`: the fleet plan, one confirmation, then service by service (thin: the work is
advisor.apply.fleet, the rendering advisor.cli.formats.apply_fleet)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from advisor.cli.options import Format
from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.apply.fleet import FleetPlan
    from advisor.settings import Settings


def apply_all(
    settings: Settings,
    region: str | None,
    strategy: str | None,
    min_savings: float | None,
    flags: dict[str, bool],
    timeout: float,
    fmt: Format,
) -> None:
    """Exit 0 when every change applied (or there was none), 1 when one did not, 2 for bad input."""
    from advisor.apply import Waiter
    from advisor.apply.checks import READ_ONLY_MESSAGE
    from advisor.apply.fleet import execute_fleet, plan_fleet
    from advisor.cli.commands.apply import platform_cache
    from advisor.cli.formats import apply_fleet as render

    if region == "all":
        region = None
    platform_for = platform_cache(settings)
    fleet = plan_fleet(
        settings.lake,
        platform_for,
        region=region,
        strategy=strategy,
        min_savings=min_savings,
        force=flags["force"],
    )
    if fmt is Format.table:
        render.print_fleet_plan(fleet)
    if flags["dry_run"] or not fleet.entries:
        if fmt is Format.json:
            print(render.fleet_json(fleet, []))
        if flags["dry_run"]:
            print("dry run: no write call was made", file=sys.stderr)
        raise typer.Exit(0)
    if not flags["allow_apply"]:
        raise InputError(READ_ONLY_MESSAGE)
    _confirm(fleet, flags["yes"])
    outcomes = []
    for outcome in execute_fleet(
        fleet,
        platform_for,
        lake=settings.lake,
        allow_apply=True,
        waiter=Waiter(timeout_s=timeout),
        force=flags["force"],
    ):
        outcomes.append(outcome)
        if fmt is Format.table:
            render.print_outcome(outcome)
    if fmt is Format.json:
        print(render.fleet_json(fleet, outcomes))
    raise typer.Exit(0 if all(o.ok for o in outcomes) else 1)


def _confirm(fleet: FleetPlan, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError("no terminal to confirm on: review the plan (--dry-run), then pass --yes")
    if not typer.confirm(
        f"Apply these {len(fleet.entries)} changes, one service after another?", default=False
    ):
        print("cancelled: nothing was changed", file=sys.stderr)
        raise typer.Exit(1)
