"""`advisor apply`, `rollback`, `actions`, `iam-policy` (thin: parse flags, call advisor.apply, render).

Exit codes: 0 applied (or nothing to do), 1 refused or failed, 2 bad input (including a missing
--allow-apply, and no terminal to confirm on without --yes).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer

from advisor.apply import (
    LATEST,
    ActionStatus,
    ApplyResult,
    Plan,
    ProgressEvent,
    Waiter,
    connect,
    execute,
    plan_apply,
    plan_rollback,
    policy_json,
    read_actions,
)
from advisor.apply.checks import READ_ONLY_MESSAGE
from advisor.cli.formats import apply as render_apply
from advisor.domain import ScalingConfig
from advisor.errors import InputError
from advisor.settings import Settings, load_settings


class Format(StrEnum):
    table = "table"
    json = "json"


class DataFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


LAKE = typer.Option(None, "--lake", help="Lake directory (default: ADVISOR_LAKE or ./advisor-data).")
PROFILE = typer.Option(None, "--profile", help="AWS profile (default: the standard credential chain).")
REGION = typer.Option(None, "--region", help="The service's region (default: the profile's).")
ENDPOINT = typer.Option(None, "--endpoint-url", help="AWS endpoint, e.g. the sandbox's.")
YES = typer.Option(False, "--yes", "-y", help="Do not ask: apply the plan as shown.")
ALLOW = typer.Option(
    False, "--allow-apply", help="Allow writing to AWS (the advisor is read-only without it)."
)
FORCE = typer.Option(
    False, "--force", help="Apply a stale recommendation or MaxSize above the default quota."
)
DRY_RUN = typer.Option(False, "--dry-run", help="Show the plan and stop: no write call.")
TIMEOUT = typer.Option(1200.0, "--timeout", help="Seconds to wait for App Runner's operation to end.")
FORMAT = typer.Option(Format.table, "--format", help="Output format.")


def _settings(lake: Path | None, profile: str | None, region: str | None, endpoint: str | None) -> Settings:
    base = load_settings()
    return replace(
        base,
        lake=lake or base.lake,
        profile=profile or base.profile,
        regions=(region,) if region else base.regions,
        endpoint_url=endpoint or base.endpoint_url,
    )


def _platform(settings: Settings):
    region = settings.regions[0] if settings.regions else None
    if region == "all":
        raise InputError("--region all: apply acts on one service in one region; name the region")
    return connect(settings.profile, region, settings.endpoint_url)


def _explicit_values(c: int | None, m: int | None, big_m: int | None) -> ScalingConfig | None:
    given = [v is not None for v in (c, m, big_m)]
    if not any(given):
        return None
    if not all(given):
        raise InputError("explicit values need all three of --max-concurrency, --min-size and --max-size")
    return ScalingConfig(c, m, big_m)


def _progress(event: ProgressEvent) -> None:
    if event.step != "done":
        print(f"  [{event.step}] {event.message}", file=sys.stderr)


def _confirm(plan: Plan, yes: bool) -> None:
    """Ask, unless --yes; with no terminal to ask on, refuse rather than hang or assume yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError("no terminal to confirm on: review the plan (--dry-run), then pass --yes")
    if not typer.confirm(f"{plan.kind.capitalize()} this change to {plan.service_name}?", default=False):
        print("cancelled: nothing was changed", file=sys.stderr)
        raise typer.Exit(1)


def _run(
    plan: Plan, platform, settings: Settings, fmt: Format, flags: dict[str, bool], timeout: float
) -> None:
    """Show the plan, then (unless a dry run) confirm, execute, show the result; exit by outcome."""
    if fmt is Format.table:
        render_apply.print_plan(plan)
    if flags["dry_run"]:
        if fmt is Format.json:
            print(render_apply.plan_and_result_json(plan, None))
        else:
            print("dry run: no write call was made", file=sys.stderr)
        raise typer.Exit(0 if plan.ok else 1)
    if flags["allow_apply"] and plan.ok and not plan.noop:
        _confirm(plan, flags["yes"])
    result = execute(
        plan,
        platform,
        lake=settings.lake,
        allow_apply=flags["allow_apply"],
        waiter=Waiter(timeout_s=timeout),
        progress=_progress,
    )
    _show(plan, result, fmt)
    if result.status is ActionStatus.REFUSED and result.message == READ_ONLY_MESSAGE:
        raise typer.Exit(2)
    raise typer.Exit(0 if result.ok else 1)


def _show(plan: Plan, result: ApplyResult, fmt: Format) -> None:
    if fmt is Format.json:
        print(render_apply.plan_and_result_json(plan, result))
    else:
        render_apply.print_result(result)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""

    @app.command("apply")
    def apply_cmd(
        service: str = typer.Option(..., "--service", help="Service name (or ARN)."),
        recommendation: str | None = typer.Option(
            None, "--recommendation", help="'latest' (the default) or a recommendation id from the lake."
        ),
        max_concurrency: int | None = typer.Option(None, "--max-concurrency", "-c", help="MaxConcurrency."),
        min_size: int | None = typer.Option(None, "--min-size", "-m", help="MinSize."),
        max_size: int | None = typer.Option(None, "--max-size", "-M", help="MaxSize."),
        dry_run: bool = DRY_RUN,
        yes: bool = YES,
        allow_apply: bool = ALLOW,
        force: bool = FORCE,
        timeout: float = TIMEOUT,
        lake: Path | None = LAKE,
        profile: str | None = PROFILE,
        region: str | None = REGION,
        endpoint_url: str | None = ENDPOINT,
        fmt: Format = FORMAT,
    ) -> None:
        """Apply a recommendation (or explicit values) to a service: plan, diff, confirm, execute, verify."""
        values = _explicit_values(max_concurrency, min_size, max_size)
        if values is not None and recommendation is not None:
            raise InputError("give --recommendation or explicit values, not both")
        settings = _settings(lake, profile, region, endpoint_url)
        platform = _platform(settings)
        plan = plan_apply(
            platform,
            service,
            lake=settings.lake,
            recommendation=None if values else (recommendation or LATEST),
            values=values,
            force=force,
        )
        flags = {"dry_run": dry_run, "yes": yes, "allow_apply": allow_apply}
        _run(plan, platform, settings, fmt, flags, timeout)

    @app.command("rollback")
    def rollback_cmd(
        service: str = typer.Option(..., "--service", help="Service name (or ARN)."),
        action: str | None = typer.Option(
            None, "--action", help="The action to undo (default: the service's last successful one)."
        ),
        dry_run: bool = DRY_RUN,
        yes: bool = YES,
        allow_apply: bool = ALLOW,
        force: bool = FORCE,
        timeout: float = TIMEOUT,
        lake: Path | None = LAKE,
        profile: str | None = PROFILE,
        region: str | None = REGION,
        endpoint_url: str | None = ENDPOINT,
        fmt: Format = FORMAT,
    ) -> None:
        """Put a service back on the configuration it ran before an action."""
        settings = _settings(lake, profile, region, endpoint_url)
        platform = _platform(settings)
        plan = plan_rollback(platform, service, lake=settings.lake, action_id=action, force=force)
        flags = {"dry_run": dry_run, "yes": yes, "allow_apply": allow_apply}
        _run(plan, platform, settings, fmt, flags, timeout)

    @app.command("actions")
    def actions_cmd(
        service: str | None = typer.Option(None, "--service", help="Only this service (name or ARN)."),
        lake: Path | None = LAKE,
        fmt: DataFormat = typer.Option(DataFormat.table, "--format", help="Output format."),
    ) -> None:
        """The audit log: every apply and rollback attempt, newest first."""
        settings = _settings(lake, None, None, None)
        frame = read_actions(settings.lake)
        if service:
            names = frame["service_arn"].str.split("/").str[1]
            frame = frame[(frame["service_arn"] == service) | (names == service)]
        if fmt is DataFormat.json:
            print(render_apply.actions_json(frame))
        elif fmt is DataFormat.csv:
            print(render_apply.actions_csv(frame), end="")
        else:
            render_apply.print_actions(frame)

    @app.command("iam-policy")
    def iam_policy_cmd(
        apply: bool = typer.Option(
            False, "--apply", help="Include the write actions apply and rollback need."
        ),
    ) -> None:
        """The least-privilege IAM policy, generated from the AWS calls the code makes."""
        print(policy_json(apply=apply))
