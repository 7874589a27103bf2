"""The one naming convention for the configurations the advisor creates: `advisor-<service name>`.

One name per service keeps each service's history in its own 5 revisions, makes the advisor's own
configurations recognisable (and the only ones it ever deletes), and lets the IAM policy scope
Create/DeleteAutoScalingConfiguration to `autoscalingconfiguration/advisor-*`.

Service names allow 40 characters and configuration names 32, so a long service name is cut and given
a short hash of the full name: two services sharing a long prefix still get different names.
"""

from __future__ import annotations

import hashlib
import re

from advisor.domain import check_config_name

PREFIX = "advisor-"
MAX_NAME = 32
HASH_CHARS = 6


def config_name_for(service_name: str) -> str:
    """The configuration name of a service.

    >>> config_name_for("checkout-api")
    'advisor-checkout-api'
    >>> config_name_for("a-very-long-service-name-for-payments")
    'advisor-a-very-long-servi-388c32'
    """
    clean = re.sub(r"[^A-Za-z0-9_-]", "-", service_name)
    name = PREFIX + clean
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(service_name.encode()).hexdigest()[:HASH_CHARS]
        keep = MAX_NAME - len(PREFIX) - HASH_CHARS - 1
        name = f"{PREFIX}{clean[:keep].rstrip('-_')}-{digest}"
    return check_config_name(name)
