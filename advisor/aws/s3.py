"""S3 uploads for the cost report's delivery (`--deliver s3://bucket/prefix/`)."""

from __future__ import annotations

from advisor.aws.calls import aws_call
from advisor.aws.session import AwsSession


@aws_call("s3:PutObject", delivers=True)
def put_object(session: AwsSession, bucket: str, key: str, body: bytes, content_type: str) -> str:
    """Upload one file of a report; returns its s3:// URL (what the run log and the CLI print)."""
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    return f"s3://{bucket}/{key}"
