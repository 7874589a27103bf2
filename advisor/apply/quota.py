"""Room for one more revision under App Runner's quotas: 5 revisions per name, 10 names per region.

Only the advisor's own name for the service is ever cleaned: its oldest revision that no service uses
(and that is not the account default) is deleted. Other names belong to people or to infrastructure code
(Terraform, CDK) that would recreate them, so when they block, the refusal names what a person could
delete instead of deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.platform.base import Platform, RevisionSummary

REVISIONS_PER_NAME = 5
CONFIG_NAMES = 10


@dataclass(frozen=True)
class Room:
    """The deletions that make room (none when there is room), or why there can be none."""

    deletions: tuple[RevisionSummary, ...] = ()
    problem: str | None = None


def make_room(platform: Platform, name: str, own: list[RevisionSummary]) -> Room:
    """Room for a new revision of `name`, whose ACTIVE revisions (oldest first) are `own`."""
    if own:
        return _room_in_name(platform, name, own)
    return _room_for_new_name(platform, name)


def _unused(platform: Platform, rev: RevisionSummary) -> bool:
    """HasAssociatedService is a cheap filter; ListServicesForAutoScalingConfiguration is the authority."""
    if rev.is_default or rev.in_use:
        return False
    return not platform.services_using(rev.arn)


def _room_in_name(platform: Platform, name: str, own: list[RevisionSummary]) -> Room:
    if len(own) < REVISIONS_PER_NAME:
        return Room()
    for rev in own:
        if _unused(platform, rev):
            return Room(deletions=(rev,))
    users = "; ".join(f"revision {rev.revision} ({rev.arn}) used by {_users(platform, rev)}" for rev in own)
    return Room(
        problem=(
            f"{name} already has {len(own)} revisions (App Runner's quota is {REVISIONS_PER_NAME}) and "
            f"every one is in use: {users}. Point one of those services at another configuration, then "
            "delete its old revision "
            "(aws apprunner delete-auto-scaling-configuration --auto-scaling-configuration-arn ARN)"
        )
    )


def _users(platform: Platform, rev: RevisionSummary) -> str:
    services = platform.services_using(rev.arn)
    return ", ".join(services) if services else "the account default"


def _room_for_new_name(platform: Platform, name: str) -> Room:
    revisions = platform.revisions()
    names = sorted({r.name for r in revisions})
    if len(names) < CONFIG_NAMES:
        return Room()
    used = {r.name for r in revisions if r.is_default or r.in_use}
    unused = [n for n in names if n not in used]
    partial = {r.name: r.arn.rsplit("/", 2)[0] for r in revisions}
    if unused:
        what = "delete one of these names no service uses: " + "; ".join(
            f"{n} (aws apprunner delete-auto-scaling-configuration --delete-all-revisions "
            f"--auto-scaling-configuration-arn {partial[n]})"
            for n in unused
        )
    else:
        what = (
            "every name is in use by a service: move services onto shared configurations, then delete a name"
        )
    return Room(
        problem=(
            f"{platform.region} already has {len(names)} auto scaling configuration names (App Runner's "
            f"quota is {CONFIG_NAMES}), so {name} cannot be created: {what}"
        )
    )
