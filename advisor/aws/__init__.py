"""The only package that imports boto3: sessions, clients and the AWS calls the advisor makes.

Every function takes a client (or an `AwsSession`) and returns typed records or DataFrames; every call
site declares its IAM actions with `@aws_call`, and `required_actions()` lists them all.
"""

from advisor.aws.calls import (
    AccessDenied,
    AwsCallError,
    ResourceNotFound,
    Throttled,
    iam_policy,
    required_actions,
)
from advisor.aws.session import AwsSession, CallerIdentity, caller_identity, resolve_regions

__all__ = [
    "AccessDenied",
    "AwsCallError",
    "AwsSession",
    "CallerIdentity",
    "ResourceNotFound",
    "Throttled",
    "caller_identity",
    "iam_policy",
    "required_actions",
    "resolve_regions",
]
