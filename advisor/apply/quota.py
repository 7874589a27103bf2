"""Room for one more revision under the account's quotas: revisions per name, names per region.

The limits are the account's own, read from Service Quotas (`Platform.quotas`), App Runner's documented
defaults (10 names, 5 revisions) only when they cannot be read, and then the refusal says so: an account
whose quota was raised is never refused at 10.

Only the advisor's own revisions (tagged `managed-by=apprunner-advisor`, see advisor.apply.naming) that no
service uses and that are not the account default are ever deleted to make room. Other configurations
belong to people or to infrastructure code (Terraform, CDK) that would recreate them, so when they block,
the refusal names what a person could delete instead of deleting it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from advisor.apply.naming import owned
from advisor.platform.base import ConfigQuotas, Platform, RevisionSummary


@dataclass(frozen=True)
class Room:
    """The deletions that make room (none when there is room), or why there can be none."""

    deletions: tuple[RevisionSummary, ...] = ()
    problem: str | None = None
    spill: str | None = None  # no name left: add the revision under this name of the advisor's instead


def make_room(platform: Platform, name: str, own: list[RevisionSummary]) -> Room:
    """Room for a new revision of `name`, whose ACTIVE revisions (oldest first) are `own`."""
    quotas = platform.quotas()
    if own:
        return _room_in_name(platform, name, own, quotas)
    return _room_for_new_name(platform, name, quotas)


def quota_words(quotas: ConfigQuotas, value: int) -> str:
    """'the account's quota is 20 (Service Quotas)' or the default with the reason it is one."""
    if quotas.source == "service-quotas":
        return f"the account's quota is {value} (Service Quotas)"
    return f"App Runner's default quota is {value}; {quotas.note}"


def unused(platform: Platform, rev: RevisionSummary) -> bool:
    """HasAssociatedService is a cheap filter; ListServicesForAutoScalingConfiguration is the authority."""
    if rev.is_default or rev.in_use:
        return False
    return not platform.services_using(rev.arn)


def deletable(platform: Platform, rev: RevisionSummary) -> bool:
    """The advisor's own revision (by tag), unused and not the default: the only kind it deletes."""
    return unused(platform, rev) and owned(platform.tags(rev.arn))


def _room_in_name(platform: Platform, name: str, own: list[RevisionSummary], quotas: ConfigQuotas) -> Room:
    if len(own) < quotas.revisions_per_name:
        return Room()
    for rev in own:
        if deletable(platform, rev):
            return Room(deletions=(rev,))
    users = "; ".join(f"revision {rev.revision} ({rev.arn}) used by {_users(platform, rev)}" for rev in own)
    return Room(
        problem=(
            f"{name} already has {len(own)} revisions ({quota_words(quotas, quotas.revisions_per_name)}) "
            f"and none is an unused one of the advisor's: {users}. Point one of those services at another "
            "configuration, then delete its old revision "
            "(aws apprunner delete-auto-scaling-configuration --auto-scaling-configuration-arn ARN)"
        )
    )


def _users(platform: Platform, rev: RevisionSummary) -> str:
    services = platform.services_using(rev.arn)
    if services:
        return ", ".join(services)
    return "the account default" if rev.is_default else "no service (not made by the advisor)"


def _advisor_name_with_room(
    by_name: dict[str, list[RevisionSummary]], ours: Callable[[str], bool], quotas: ConfigQuotas
) -> str | None:
    """With every name taken, a name of the advisor's (all its revisions tagged) that holds fewer than
    the quota's revisions: a service is bound to a revision, not a name, so a revision with other values
    under that name is as good, and 10 names then hold up to 50 configurations instead of 10."""
    roomy = [
        n
        for n, revs in sorted(by_name.items())
        if len(revs) < quotas.revisions_per_name and all(ours(r.arn) for r in revs)
    ]
    return min(roomy, key=lambda n: len(by_name[n])) if roomy else None


def _room_for_new_name(platform: Platform, name: str, quotas: ConfigQuotas) -> Room:
    revisions = platform.revisions()
    by_name: dict[str, list[RevisionSummary]] = {}
    for rev in revisions:
        by_name.setdefault(rev.name, []).append(rev)
    if len(by_name) < quotas.config_names:
        return Room()
    tagged_ours = cache(lambda arn: owned(platform.tags(arn)))  # one ListTagsForResource per revision
    ours = [
        n
        for n, revs in sorted(by_name.items())
        if all(unused(platform, r) and tagged_ours(r.arn) for r in revs)  # deletable(), tags read once
    ]
    if ours:
        fewest = min(ours, key=lambda n: len(by_name[n]))
        return Room(deletions=tuple(by_name[fewest]))
    spare = _advisor_name_with_room(by_name, tagged_ours, quotas)
    if spare is not None:
        return Room(spill=spare)
    unused_names = [n for n, revs in sorted(by_name.items()) if all(unused(platform, r) for r in revs)]
    partial = {r.name: r.arn.rsplit("/", 2)[0] for r in revisions}
    if unused_names:
        what = "delete one of these names no service uses: " + "; ".join(
            f"{n} (aws apprunner delete-auto-scaling-configuration --delete-all-revisions "
            f"--auto-scaling-configuration-arn {partial[n]})"
            for n in unused_names
        )
    else:
        what = (
            "every name is in use by a service: move services onto shared configurations, then delete a name"
        )
    return Room(
        problem=(
            f"{platform.region} already has {len(by_name)} auto scaling configuration names "
            f"({quota_words(quotas, quotas.config_names)}), so {name} cannot be created: {what}"
        )
    )
