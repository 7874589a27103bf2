"""Prune: delete the advisor's own configuration revisions that no service uses any more.

Configurations are shared by value (advisor.apply.naming), so after a round of applies some values are
left behind, each holding one of the region's few configuration names. `plan_prune` lists them with read
calls only; `execute_prune` deletes them, and only with apply enabled. "Ours" is the tag
`managed-by=apprunner-advisor`, never the name alone: a person's `advisor-something`, a Terraform-made
configuration and the account default are listed as kept, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.apply import checks
from advisor.apply.naming import PREFIX, owned
from advisor.platform.base import Platform, PlatformError, RevisionSummary


@dataclass(frozen=True)
class Kept:
    revision: RevisionSummary
    why: str


@dataclass(frozen=True)
class PrunePlan:
    """What `advisor apply --prune` would delete in one region, and what it leaves alone and why."""

    region: str
    deletions: tuple[RevisionSummary, ...]
    kept: tuple[Kept, ...]


@dataclass(frozen=True)
class PruneResult:
    deleted: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (arn, why): in use since the plan, or the delete failed
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.skipped


def plan_prune(platform: Platform) -> PrunePlan:
    """Every ACTIVE revision of the region, sorted into deletions (ours and unused) and kept (ours in use,
    or named like ours without our tag); everything else is not the advisor's business and not listed."""
    deletions: list[RevisionSummary] = []
    kept: list[Kept] = []
    for rev in platform.revisions():
        ours = owned(platform.tags(rev.arn))
        why = _why_kept(platform, rev, ours)
        if why is None:
            deletions.append(rev)
        elif ours or rev.name.startswith(PREFIX):
            kept.append(Kept(rev, why))
    return PrunePlan(platform.region, tuple(deletions), tuple(kept))


def _why_kept(platform: Platform, rev: RevisionSummary, ours: bool) -> str | None:
    if not ours:
        return "not tagged managed-by=apprunner-advisor: not the advisor's"
    if rev.is_default:
        return "the account's default configuration"
    users = platform.services_using(rev.arn)
    if users:
        return "used by " + ", ".join(arn.split("/")[1] for arn in users)
    return None


def execute_prune(plan: PrunePlan, platform: Platform, *, allow_apply: bool | None = None) -> PruneResult:
    """Delete the plan's revisions, each checked unused again first. Read-only mode deletes nothing."""
    allowed = checks.apply_allowed() if allow_apply is None else allow_apply
    if not allowed:
        return PruneResult((), (), refused=checks.READ_ONLY_MESSAGE)
    deleted: list[str] = []
    skipped: list[tuple[str, str]] = []
    for rev in plan.deletions:
        try:
            if platform.services_using(rev.arn):
                skipped.append((rev.arn, "a service started using it after the plan"))
                continue
            platform.delete_revision(rev.arn)
        except PlatformError as exc:
            skipped.append((rev.arn, str(exc)))
            continue
        deleted.append(rev.arn)
    return PruneResult(tuple(deleted), tuple(skipped))
