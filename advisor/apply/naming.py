"""How the advisor names and marks the configurations it creates: by value, and by tag.

A configuration is named for its values (`advisor-c58-m8-M13`: MaxConcurrency 58, MinSize 8, MaxSize 13),
not for a service: App Runner allows 10 configuration names per account and region (reference/apprunner.md
§1) and configurations are shareable, so every service that needs 58/8/13 shares one name, and a region of
any size fits in as many names as it has distinct configurations. When every name of the region is taken,
new values go in as a further revision of one of the advisor's names with room (5 revisions per name): a
service is bound to a revision, not to a name, so 10 names hold up to 50 configurations; such a revision's
name then says its first revision's values, and the plan says so.

Ownership is the tag, not the name: every revision the advisor creates carries `managed-by=apprunner-advisor`
and the id of the action that created it. Only a revision with that tag is ever deleted (by room-making or
`advisor apply --prune`); a name that merely starts with `advisor-` (a person's, a Terraform module's) is
left alone, and the IAM policy's delete permission carries the same tag condition.
"""

from __future__ import annotations

from collections.abc import Mapping

from advisor.domain import ScalingConfig, check_config_name

PREFIX = "advisor-"
OWNER_TAG = "managed-by"
OWNER_VALUE = "apprunner-advisor"
ACTION_TAG = "advisor-action-id"


def config_name_for(scaling: ScalingConfig) -> str:
    """The configuration name for a set of values (at most 22 characters; App Runner allows 32).

    >>> config_name_for(ScalingConfig(58, 8, 13))
    'advisor-c58-m8-M13'
    """
    name = f"{PREFIX}c{scaling.max_concurrency}-m{scaling.min_size}-M{scaling.max_size}"
    return check_config_name(name)


def creation_tags(action_id: str) -> dict[str, str]:
    """The tags every revision the advisor creates carries."""
    return {OWNER_TAG: OWNER_VALUE, ACTION_TAG: action_id}


def owned(tags: Mapping[str, str]) -> bool:
    """Whether a resource with these tags was created by the advisor."""
    return tags.get(OWNER_TAG) == OWNER_VALUE
