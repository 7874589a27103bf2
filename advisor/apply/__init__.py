"""One-click apply: plan → diff → execute (with progress) → result + audit row; rollback; IAM policy.

The only package that writes to AWS. Read-only unless enabled (`allow_apply=True`, which the CLI sets
from --allow-apply, or ADVISOR_ALLOW_APPLY=1 for the dashboard), and then only through a plan a person
has seen. Step by step, as the CLI and the dashboard both call it::

    platform = connect(profile, region, endpoint_url)
    plan = plan_apply(platform, "checkout-api", lake=lake, recommendation="latest")
    plan.diff(), plan.steps, plan.refusals          # show them; ask
    result = execute(plan, platform, lake=lake, allow_apply=True, progress=print)
    result.status, result.message, result.action_id  # the audit row is already written

    plan = plan_rollback(platform, "checkout-api", lake=lake)   # undo the last successful apply

    pruning = plan_prune(platform)                   # the advisor's own unused configurations
    execute_prune(pruning, platform, allow_apply=True)
    fleet = plan_fleet(lake, platform_for)                      # every service: apply --all
    reconcile(lake, platform_for)                               # settle timed-out / killed actions
"""

from advisor.apply.audit import ActionRecord, find_action, read_actions
from advisor.apply.checks import ALLOW_APPLY_ENV, READ_ONLY_MESSAGE, apply_allowed
from advisor.apply.evidence import PlanEvidence, plan_evidence
from advisor.apply.execute import ApplyResult, ProgressEvent, Waiter, execute
from advisor.apply.fleet import FleetPlan, execute_fleet, plan_fleet
from advisor.apply.naming import config_name_for
from advisor.apply.plan import DiffRow, Plan, Step, plan_apply
from advisor.apply.policy import policy_document, policy_json
from advisor.apply.prune import PrunePlan, PruneResult, execute_prune, plan_prune
from advisor.apply.recommendations import LATEST, recommendation_id
from advisor.apply.reconcile import reconcile
from advisor.apply.rollback import plan_rollback
from advisor.apply.state import ActionStatus, ConfigState
from advisor.platform.apprunner import AppRunnerPlatform, connect
from advisor.platform.base import Platform

__all__ = [
    "ALLOW_APPLY_ENV",
    "LATEST",
    "READ_ONLY_MESSAGE",
    "ActionRecord",
    "ActionStatus",
    "AppRunnerPlatform",
    "ApplyResult",
    "ConfigState",
    "DiffRow",
    "FleetPlan",
    "Plan",
    "PlanEvidence",
    "Platform",
    "ProgressEvent",
    "PrunePlan",
    "PruneResult",
    "Step",
    "Waiter",
    "apply_allowed",
    "config_name_for",
    "connect",
    "execute",
    "execute_fleet",
    "execute_prune",
    "find_action",
    "plan_apply",
    "plan_evidence",
    "plan_fleet",
    "plan_prune",
    "plan_rollback",
    "policy_document",
    "policy_json",
    "read_actions",
    "recommendation_id",
    "reconcile",
]
