"""The least-privilege IAM policy, generated from the `@aws_call` declarations of the code that runs.

Read-only: every read action declared in advisor.aws. With apply: also the write actions, configuration
writes limited to the advisor's own `advisor-*` names (advisor.apply.naming).
"""

from __future__ import annotations

import json
from typing import Any

from advisor.aws.calls import iam_policy, required_actions


def policy_document(*, apply: bool = False) -> dict[str, Any]:
    return iam_policy(apply=apply)


def policy_json(*, apply: bool = False) -> str:
    return json.dumps(policy_document(apply=apply), indent=2)


def policy_actions(*, apply: bool = False) -> list[str]:
    """Every action the policy grants, flattened."""
    return sorted({a for s in policy_document(apply=apply)["Statement"] for a in s["Action"]})


def write_actions() -> list[str]:
    return required_actions(writes=True)
