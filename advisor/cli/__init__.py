"""The `advisor` command: the Typer app, its commands (cli/commands/) and one-line errors with exit codes.

Each command imports what it needs (pandas, the engine, the lake) inside its body, so that `advisor --help`
and every command's `--help` start without them.
"""

from __future__ import annotations

import sys
import warnings

import typer

try:  # typer 0.2x ships its own copy of click; older ones use click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError  # type: ignore[assignment]

from advisor.cli.commands import (
    apply,
    collect,
    demo,
    explain,
    lake,
    migrate,
    recommend,
    report,
    sandbox,
    simulate,
)
from advisor.errors import AdvisorError, InputError

app = typer.Typer(
    name="advisor",
    help="Observability and autoscaling advisor for AWS App Runner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Observability and autoscaling advisor for AWS App Runner."""


app.command("simulate")(simulate.simulate_cmd)
app.add_typer(sandbox.sandbox_app, name="sandbox")
app.command("collect")(collect.collect_cmd)
app.command("recommend")(recommend.recommend_cmd)
app.command("explain")(explain.explain_cmd)
app.command("migrate-whatif")(migrate.migrate_whatif_cmd)
app.command("bench")(recommend.bench_cmd)
app.command("apply")(apply.apply_cmd)
app.command("rollback")(apply.rollback_cmd)
app.command("actions")(apply.actions_cmd)
app.command("iam-policy")(apply.iam_policy_cmd)
app.command("report")(report.report_cmd)
app.command("schedule")(report.schedule_cmd)
app.command("demo")(demo.demo_cmd)
app.add_typer(lake.lake_app, name="lake")


def _warn_on_stderr(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"advisor: warning: {message}", file=sys.stderr)


def main() -> None:
    """Entry point: one-line errors and exit 2 for bad input, 1 for failures."""
    warnings.showwarning = _warn_on_stderr
    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        print(f"advisor: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except NoArgsIsHelpError as exc:
        print(exc.ctx.get_help())
        sys.exit(0)
    except ClickException as exc:  # unknown flag, missing value, bad type: click's own words, one line
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        print(f"advisor: error: {exc.format_message()}{hint}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except AdvisorError as exc:
        print(f"advisor: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:
        print("advisor: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
