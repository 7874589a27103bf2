"""Where a service lives: the region (and account) apply must talk to, from the flags or the lake.

A user names a service; App Runner names are unique per account and region only. The lake knows where
every collected service lives, so when it holds one service of that name its ARN (region and account)
is used; when it holds several, the user must say which; when it holds none, the region flags (or the
default region) decide, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.domain import SERVICE_ARN_PATTERN
from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.lake.views import services_named


@dataclass(frozen=True)
class Located:
    """The service as apply should ask for it (an ARN when known) and the region to ask in (None: the
    session's default region)."""

    service: str
    region: str | None
    account_id: str | None = None
    from_lake: bool = False


def locate(lake: Lake | str | Path, service: str, region: str | None) -> Located:
    """The region from --region, else from the service's ARN, else from the lake."""
    match = SERVICE_ARN_PATTERN.fullmatch(service)
    if match:
        if region and region != match["region"]:
            raise InputError(f"--region {region}: the service ARN is in {match['region']}; drop --region")
        return Located(service, match["region"], match["account"])
    if region:
        return Located(service, region)
    found = services_named(lake, service)
    if len(found) == 1:
        arn = found[0].service_arn
        parts = SERVICE_ARN_PATTERN.fullmatch(arn)
        return Located(arn, found[0].region, parts["account"] if parts else None, from_lake=True)
    if len(found) > 1:
        places = ", ".join(f"{r.region} (account {r.service_arn.split(':')[4]})" for r in found)
        raise InputError(
            f"--service {service!r}: the lake has {len(found)} services of that name, in {places}: "
            "pass --region (or the service ARN)"
        )
    return Located(service, None)


def account_problem(located: Located, caller_arn: str) -> str | None:
    """The lake's service is in one account; the credentials may be for another."""
    caller = caller_arn.split(":")[4] if caller_arn.count(":") >= 5 else None
    if located.account_id is None or caller is None or caller == located.account_id:
        return None
    return (
        f"{located.service} is in account {located.account_id}, but the credentials are for account "
        f"{caller}: pass the --profile of account {located.account_id}"
    )
