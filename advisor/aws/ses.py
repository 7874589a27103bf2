"""SES e-mail for the cost report's delivery (`--deliver ses:lead@example.com`).

SendRawEmail, not SendEmail: only a raw MIME message can carry the charts as inline images
(multipart/related parts referenced by `cid:`), which mail clients show without loading anything remote.
"""

from __future__ import annotations

from advisor.aws.calls import aws_call
from advisor.aws.session import AwsSession


@aws_call("ses:SendRawEmail", delivers=True)
def send_raw_email(session: AwsSession, sender: str, recipients: list[str], mime: bytes) -> str:
    """Send a ready MIME message; returns SES's message id."""
    response = session.client("ses").send_raw_email(
        Source=sender, Destinations=recipients, RawMessage={"Data": mime}
    )
    return str(response["MessageId"])
