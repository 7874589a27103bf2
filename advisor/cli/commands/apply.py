"""`advisor apply`, `rollback`, `actions`, `iam-policy` (thin: parse flags, call advisor.apply, render).

Exit codes: 0 applied (or nothing to do), 1 refused or failed, 2 bad input (including a missing
--allow-apply, and no terminal to confirm on without --yes).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option
from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.apply import ApplyResult, Plan, ProgressEvent
    from advisor.apply.evidence import PlanEvidence
    from advisor.domain import ScalingConfig
    from advisor.platform.base import Platform
    from advisor.settings import Settings

YES = typer.Option(False, "--yes", "-y", help="Do not ask: apply the plan as shown.")
ALLOW = typer.Option(
    False, "--allow-apply", help="Allow writing to AWS (the advisor is read-only without it)."
)
FORCE = typer.Option(
    False, "--force", help="Apply a stale recommendation or MaxSize above the default quota."
)
DRY_RUN = typer.Option(False, "--dry-run", help="Show the plan and stop: no write call.")
TIMEOUT = typer.Option(
    3600.0,
    "--timeout",
    help="Seconds to wait for App Runner's operation to end; past it the action stays in_progress "
    "and 'advisor actions --refresh' settles it.",
)
FORMAT = format_option(Format.table, Format.json)


def platform_cache(settings: Settings) -> Callable[[str], Platform]:
    """One platform per region, made on first use (a fleet spans regions)."""
    platforms: dict[str, Platform] = {}

    def platform_for(region: str) -> Platform:
        if region not in platforms:
            platforms[region] = _platform(settings, region)
        return platforms[region]

    return platform_for


def _platform(settings: Settings, region: str | None = None) -> Platform:
    from advisor.apply import connect

    region = region or (settings.regions[0] if settings.regions else None)
    if region == "all":
        raise InputError("--region all: apply acts on one service in one region; name the region")
    return connect(settings.profile, region, settings.endpoint_url)


def _target(settings: Settings, service: str, region: str | None) -> tuple[Platform, str]:
    """The platform in the service's region and the service as plan_apply should look it up: --region
    when given, else the region (and account) the lake recorded for a service of that name."""
    from advisor.apply.locate import account_problem, locate

    located = locate(settings.lake, service, region)
    platform = _platform(settings, located.region)
    if located.from_lake:
        problem = account_problem(located, platform.actor())
        if problem:
            raise InputError(problem)
    return platform, located.service


def _check_timeout(timeout: float) -> None:
    """Before any call: a wait that cannot see the operation end would write and then give up."""
    from advisor.apply.execute import timeout_problem

    problem = timeout_problem(timeout)
    if problem:
        raise InputError(problem)


def _explicit_values(c: int | None, m: int | None, big_m: int | None) -> ScalingConfig | None:
    given = [v is not None for v in (c, m, big_m)]
    if not any(given):
        return None
    if c is None or m is None or big_m is None:
        raise InputError("explicit values need all three of --max-concurrency, --min-size and --max-size")
    import warnings

    from advisor.domain import QuotaWarning, ScalingConfig

    with warnings.catch_warnings():  # the plan checks MaxSize against this account's own quota
        warnings.simplefilter("ignore", QuotaWarning)
        return ScalingConfig(c, m, big_m)


def show_progress(event: ProgressEvent) -> None:
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
    plan: Plan, platform: Platform, settings: Settings, fmt: Format, flags: dict[str, bool], timeout: float
) -> None:
    """Show the plan, then (unless a dry run) confirm, execute, show the result; exit by outcome."""
    from advisor.apply import ActionStatus, Waiter, execute
    from advisor.apply.checks import READ_ONLY_MESSAGE
    from advisor.apply.evidence import plan_evidence
    from advisor.cli.formats import apply as render_apply

    evidence = plan_evidence(settings.lake, plan)
    if fmt is Format.table:
        render_apply.print_plan(plan)
        render_apply.print_evidence(evidence)
    if flags["dry_run"]:
        if fmt is Format.json:
            print(render_apply.plan_and_result_json(plan, None, evidence))
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
        progress=show_progress,
    )
    _show(plan, result, fmt, evidence)
    if result.status is ActionStatus.REFUSED and result.message == READ_ONLY_MESSAGE:
        raise typer.Exit(2)
    raise typer.Exit(0 if result.ok else 1)


def _show(plan: Plan, result: ApplyResult, fmt: Format, evidence: PlanEvidence | None) -> None:
    from advisor.cli.formats import apply as render_apply

    if fmt is Format.json:
        print(render_apply.plan_and_result_json(plan, result, evidence))
    else:
        render_apply.print_result(result)


def apply_cmd(
    service: str | None = typer.Option(None, "--service", help="Service name (or ARN)."),
    every: bool = typer.Option(
        False, "--all", help="Every service in the lake (of --region, when given): one fleet plan."
    ),
    strategy: str | None = typer.Option(
        None, "--strategy", help="With --all: only recommendations made with this strategy."
    ),
    min_savings: float | None = typer.Option(
        None, "--min-savings", help="With --all: only changes that save at least this many $/month."
    ),
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
    prune: bool = typer.Option(
        False,
        "--prune",
        help="Delete the advisor's own configurations no service uses (a dry run unless --allow-apply).",
    ),
    lake: Path | None = options.LAKE,
    profile: str | None = options.PROFILE,
    region: str | None = options.REGION,
    endpoint_url: str | None = options.ENDPOINT,
    fmt: Format = FORMAT,
) -> None:
    """Apply a recommendation (or explicit values) to a service: plan, diff, confirm, execute, verify."""
    from advisor.apply import LATEST, plan_apply

    check_format(fmt, Format.table, Format.json)
    _check_timeout(timeout)
    if prune:
        if service is not None:
            raise InputError("--prune acts on a whole region's configurations: drop --service")
        settings = options.settings(lake, [region] if region else [], profile, endpoint_url)
        flags = {"dry_run": dry_run, "yes": yes, "allow_apply": allow_apply}
        _prune(_platform(settings), fmt, flags)
    values = _explicit_values(max_concurrency, min_size, max_size)
    if values is not None and recommendation is not None:
        raise InputError("give --recommendation or explicit values, not both")
    settings = options.settings(lake, [region] if region else [], profile, endpoint_url)
    flags = {"dry_run": dry_run, "yes": yes, "allow_apply": allow_apply, "force": force}
    if every:
        from advisor.cli.commands.apply_fleet import apply_all

        if service or values or recommendation:
            raise InputError("--all applies each service's latest recommendation: drop --service and values")
        apply_all(settings, region, strategy, min_savings, flags, timeout, fmt)
        return
    if service is None:
        raise InputError("name the service to apply to with --service (or pass --all or --prune)")
    if strategy is not None or min_savings is not None:
        raise InputError("--strategy and --min-savings choose among services: use them with --all")
    platform, service = _target(settings, service, region)
    plan = plan_apply(
        platform,
        service,
        lake=settings.lake,
        recommendation=None if values else (recommendation or LATEST),
        values=values,
        force=force,
    )
    _run(plan, platform, settings, fmt, flags, timeout)


def _prune(platform: Platform, fmt: Format, flags: dict[str, bool]) -> None:
    """Show what would be deleted; delete only with --allow-apply (and --yes or a terminal's yes)."""
    from advisor.apply.prune import execute_prune, plan_prune
    from advisor.cli.formats import apply as render_apply

    plan = plan_prune(platform)
    if fmt is Format.table:
        render_apply.print_prune_plan(plan)
    if flags["dry_run"] or not flags["allow_apply"] or not plan.deletions:
        if fmt is Format.json:
            print(json.dumps(render_apply.prune_dict(plan, None), indent=2))
        elif plan.deletions:
            print("dry run: nothing was deleted; pass --allow-apply --yes to delete these", file=sys.stderr)
        raise typer.Exit(0)
    if not flags["yes"]:
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on: review the list (--prune alone), then pass --yes")
        if not typer.confirm(f"Delete these {len(plan.deletions)} configurations?", default=False):
            print("cancelled: nothing was deleted", file=sys.stderr)
            raise typer.Exit(1)
    result = execute_prune(plan, platform, allow_apply=True)
    if fmt is Format.json:
        print(json.dumps(render_apply.prune_dict(plan, result), indent=2))
    else:
        render_apply.print_prune_result(result)
    raise typer.Exit(0 if result.ok else 1)


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
    lake: Path | None = options.LAKE,
    profile: str | None = options.PROFILE,
    region: str | None = options.REGION,
    endpoint_url: str | None = options.ENDPOINT,
    fmt: Format = FORMAT,
) -> None:
    """Put a service back on the configuration it ran before an action."""
    from advisor.apply import plan_rollback

    check_format(fmt, Format.table, Format.json)
    _check_timeout(timeout)
    settings = options.settings(lake, [region] if region else [], profile, endpoint_url)
    platform, service = _target(settings, service, region)
    plan = plan_rollback(platform, service, lake=settings.lake, action_id=action, force=force)
    flags = {"dry_run": dry_run, "yes": yes, "allow_apply": allow_apply}
    _run(plan, platform, settings, fmt, flags, timeout)


def actions_cmd(
    service: str | None = typer.Option(None, "--service", help="Only this service (name or ARN)."),
    refresh: bool = typer.Option(
        False,
        "--refresh",
        help="First settle actions left in_progress (timed out, interrupted) from ListOperations and "
        "DescribeService.",
    ),
    lake: Path | None = options.LAKE,
    profile: str | None = options.PROFILE,
    endpoint_url: str | None = options.ENDPOINT,
    fmt: Format = format_option(Format.table, Format.json, Format.csv),
) -> None:
    """The audit log: every apply and rollback attempt, newest first."""
    from advisor.apply import read_actions
    from advisor.cli.formats import apply as render_apply
    from advisor.lake.layout import Lake

    settings = options.settings(lake, [], profile, endpoint_url)
    Lake.existing(settings.lake)
    if refresh:
        _refresh(settings)
    frame = read_actions(settings.lake)
    if service:
        names = frame["service_arn"].str.split("/").str[1]
        frame = frame[(frame["service_arn"] == service) | (names == service)]
    if fmt is Format.json:
        print(render_apply.actions_json(frame))
    elif fmt is Format.csv:
        print(render_apply.actions_csv(frame), end="")
    else:
        render_apply.print_actions(frame)


def _refresh(settings: Settings) -> None:
    """Settle every unsettled row, each in its own region (from its service ARN)."""
    from advisor.apply.reconcile import reconcile
    from advisor.cli.formats import apply as render_apply

    render_apply.print_settled(reconcile(settings.lake, platform_cache(settings)))


def iam_policy_cmd(
    apply: bool = typer.Option(False, "--apply", help="Include the write actions apply and rollback need."),
    delivery: bool = typer.Option(
        False, "--delivery", help="Include the cost report's delivery actions (S3 upload, SES e-mail)."
    ),
    account: list[str] = typer.Option(
        [], "--account", help="Scope resources to this account id (repeatable; default any)."
    ),
    region: list[str] = typer.Option(
        [], "--region", help="Scope resources to this region (repeatable; default any)."
    ),
    service_tag: str | None = typer.Option(
        None, "--service-tag", help="KEY=VALUE: apply may update only services carrying this tag."
    ),
) -> None:
    """The least-privilege IAM policy, generated from the AWS calls the code makes."""
    from advisor.apply import policy_json

    tag = None
    if service_tag is not None:
        key, sep, value = service_tag.partition("=")
        if not sep or not key:
            raise InputError(f"--service-tag {service_tag!r}: give KEY=VALUE, e.g. team=payments")
        tag = (key, value)
    print(policy_json(apply=apply, report=delivery, accounts=account, regions=region, service_tag=tag))
