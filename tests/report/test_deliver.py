"""Delivery: S3 and SES through the sandbox (moto), a Slack-style webhook to a receiver on 127.0.0.1."""

from __future__ import annotations

import email
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import boto3
import pytest

from advisor.apply.policy import report_actions, required_actions
from advisor.aws.session import AwsSession
from advisor.errors import InputError
from advisor.report.build import build_report
from advisor.report.deliver import (
    DirectoryDestination,
    S3Destination,
    SesDestination,
    WebhookDestination,
    deliver_all,
    parse_destination,
)
from advisor.report.period import resolve_period
from advisor.report.render import render

SENDER = "reports@example.com"


@pytest.fixture(scope="module")
def rendered(sandbox_lake, tmp_path_factory):
    _, lake = sandbox_lake
    report = build_report(lake, resolve_period("7d", lake))
    return report, render(
        report, tmp_path_factory.mktemp("out") / "apprunner-cost-test", ("html", "md", "json")
    )


@pytest.fixture(scope="module")
def session(sandbox_lake):
    box, _ = sandbox_lake
    return AwsSession.open(None, box.endpoint)


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append({"type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/T000/B000", Receiver.received
    server.shutdown()
    server.server_close()


def test_s3_gets_every_file_under_the_prefix(rendered, session):
    report, out = rendered
    session.client("s3").create_bucket(Bucket="cost-reports")
    (delivered,) = deliver_all(report, out, [S3Destination("cost-reports", "weekly/", lambda: session)])
    assert delivered.ok and delivered.location == "s3://cost-reports/weekly/apprunner-cost-test/report.html"
    listed = session.client("s3").list_objects_v2(Bucket="cost-reports", Prefix="weekly/")
    keys = {o["Key"] for o in listed["Contents"]}
    assert keys == {
        f"weekly/apprunner-cost-test/{p.relative_to(out.directory).as_posix()}" for p in out.files
    }
    head = session.client("s3").head_object(
        Bucket="cost-reports", Key="weekly/apprunner-cost-test/report.html"
    )
    assert head["ContentType"] == "text/html"


def test_ses_sends_one_mail_with_the_charts_inline(rendered, session, sandbox_lake):
    from moto.ses.models import ses_backends

    box, _ = sandbox_lake
    boto3.client("ses", endpoint_url=box.endpoint, region_name="us-east-1").verify_email_identity(
        EmailAddress=SENDER
    )
    report, out = rendered
    (delivered,) = deliver_all(report, out, [SesDestination(("lead@example.com",), SENDER, lambda: session)])
    assert delivered.ok, delivered.error
    sent = ses_backends["123456789012"]["us-east-1"].sent_messages[-1]
    message = email.message_from_string(sent.raw_data)
    assert message["To"] == "lead@example.com" and "App Runner cost report" in message["Subject"]
    parts = {part.get_content_type(): part for part in message.walk()}
    assert {"multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"} <= set(
        parts
    )
    html = parts["text/html"].get_payload(decode=True).decode()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 3
    for image in images:
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
        assert image.get_payload(decode=True)[:4] == b"\x89PNG"


def test_the_webhook_gets_a_text_summary_linking_the_s3_copy(rendered, session, webhook):
    url, received = webhook
    report, out = rendered
    session.client("s3").create_bucket(Bucket="chat-reports")
    done = deliver_all(
        report, out, [WebhookDestination(url), S3Destination("chat-reports", "", lambda: session)]
    )
    assert [d.ok for d in done] == [True, True]
    (post,) = received
    assert post["type"] == "application/json"
    assert "App Runner cost report" in post["body"]["text"]
    assert post["body"]["text"].endswith("s3://chat-reports/apprunner-cost-test/report.html")


def test_a_failed_destination_does_not_stop_the_others(rendered, tmp_path):
    report, out = rendered
    done = deliver_all(
        report, out, [WebhookDestination("http://127.0.0.1:9/nothing"), DirectoryDestination(tmp_path)]
    )
    assert [d.ok for d in done] == [True, False]
    assert (tmp_path / out.directory.name / "report.html").exists()
    assert "webhook" in done[1].error


def test_deliver_values_parse_to_their_destination():
    def opener():
        raise AssertionError("no session is opened while parsing")

    assert parse_destination("s3://b/p", opener) == S3Destination("b", "p/", opener)
    assert parse_destination("ses:a@x.org,b@x.org", opener).recipients == ("a@x.org", "b@x.org")
    assert parse_destination("ses:a@x.org", opener).sender == "apprunner-advisor@x.org"
    assert isinstance(parse_destination("https://hooks.slack.com/x", opener), WebhookDestination)
    assert isinstance(parse_destination("./reports", opener), DirectoryDestination)
    for bad in ("ftp://x", "ses:nobody", "s3://"):
        with pytest.raises(InputError):
            parse_destination(bad, opener)


def test_delivery_permissions_are_declared_apart_from_the_read_policy():
    assert report_actions() == ["s3:PutObject", "ses:SendRawEmail"]
    assert not set(report_actions()) & set(required_actions())
