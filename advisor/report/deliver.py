"""Where a rendered report goes: a directory (the default), S3, an e-mail through SES, a chat webhook.

Each destination is a small class behind one `Destination` protocol, parsed from the `--deliver` text:

    /srv/reports/ or ./reports     a directory (the files are copied there)
    s3://bucket/prefix/            every file, under prefix/<report directory name>/
    ses:lead@example.com,cto@...   one e-mail: a summary, the tables, the PNG charts inline (cid:)
    https://hooks.slack.com/...    a JSON POST {"text": ...}: Slack, Mattermost, Teams workflows, ...

S3 and SES calls live in advisor/aws (s3.py, ses.py), each with its IAM action.
"""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from advisor.aws import s3, ses
from advisor.aws.session import AwsSession
from advisor.errors import AdvisorError, InputError
from advisor.report import images, render
from advisor.report.build import Report
from advisor.report.render import Rendered

SENDER_ENV = "ADVISOR_REPORT_SENDER"
WEBHOOK_TIMEOUT_S = 10

SessionOpener = Callable[[], AwsSession]


class DeliveryError(AdvisorError):
    """A destination refused the report (the message says which and why)."""


@dataclass(frozen=True)
class Delivered:
    destination: str
    location: str  # where the report is now: a path, an s3:// URL, a message id, an HTTP status
    error: str | None = None  # this destination failed; the others were still tried

    @property
    def ok(self) -> bool:
        return self.error is None


class Destination(Protocol):
    def deliver(self, report: Report, rendered: Rendered, link: str | None) -> Delivered: ...


@dataclass(frozen=True)
class DirectoryDestination:
    path: Path

    def deliver(self, report: Report, rendered: Rendered, link: str | None) -> Delivered:
        target = self.path / rendered.directory.name
        if target.resolve() != rendered.directory.resolve():
            shutil.copytree(rendered.directory, target, dirs_exist_ok=True)
        return Delivered(str(self.path), str(target))


@dataclass(frozen=True)
class S3Destination:
    bucket: str
    prefix: str
    session: SessionOpener

    def deliver(self, report: Report, rendered: Rendered, link: str | None) -> Delivered:
        session, base = self.session(), f"{self.prefix}{rendered.directory.name}/"
        for path in sorted(rendered.files):
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            key = base + path.relative_to(rendered.directory).as_posix()
            s3.put_object(session, self.bucket, key, path.read_bytes(), kind)
        main = "report.html" if any(p.name == "report.html" for p in rendered.files) else ""
        return Delivered(f"s3://{self.bucket}/{self.prefix}", f"s3://{self.bucket}/{base}{main}")


@dataclass(frozen=True)
class SesDestination:
    recipients: tuple[str, ...]
    sender: str
    session: SessionOpener

    def deliver(self, report: Report, rendered: Rendered, link: str | None) -> Delivered:
        message = email_message(report, rendered, self.sender, self.recipients, link)
        message_id = ses.send_raw_email(
            self.session(), self.sender, list(self.recipients), message.as_bytes()
        )
        return Delivered(f"ses:{','.join(self.recipients)}", f"message {message_id}")


@dataclass(frozen=True)
class WebhookDestination:
    url: str

    def deliver(self, report: Report, rendered: Rendered, link: str | None) -> Delivered:
        body = json.dumps({"text": render.text_summary(report, link)}).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
                status = response.status
        except (urllib.error.URLError, TimeoutError) as exc:
            raise DeliveryError(f"webhook {self.url}: {exc}") from exc
        return Delivered(self.url, f"HTTP {status}")


def _chart_pngs(report: Report, rendered: Rendered) -> dict[str, bytes]:
    """The PNGs already rendered for Markdown, else drawn now; none when no renderer works here."""
    if rendered.pngs:
        return {name: path.read_bytes() for name, path in rendered.pngs.items()}
    try:
        return {name: images.png(fig) for name, fig in render.figures(report).items()}
    except images.ImagesUnavailable:
        return {}


def email_message(
    report: Report, rendered: Rendered, sender: str, recipients: tuple[str, ...], link: str | None
) -> EmailMessage:
    """multipart/alternative: the text summary, and HTML whose charts are multipart/related PNG parts."""
    message = EmailMessage()
    message["Subject"] = (
        f"App Runner cost report: {render.money(report.total_cost_usd)} ({report.period.label})"
    )
    message["From"], message["To"] = sender, ", ".join(recipients)
    message.set_content(render.text_summary(report, link))
    pngs = _chart_pngs(report, rendered)
    cids = {name: make_msgid(name.replace("_", "-"))[1:-1] for name in pngs}
    message.add_alternative(render.email_html(report, cids), subtype="html")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for name, data in pngs.items():
        html_part.add_related(data, "image", "png", cid=f"<{cids[name]}>", filename=f"{name}.png")
    return message


def parse_destination(text: str, session: SessionOpener, sender: str | None = None) -> Destination:
    """One `--deliver` value to its destination; anything unrecognisable is bad input, before any work."""
    text = text.strip()
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if not bucket:
            raise InputError(f"--deliver {text!r}: allowed s3://bucket/prefix/")
        return S3Destination(bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/", session)
    if text.startswith("ses:"):
        recipients = tuple(r.strip() for r in text.removeprefix("ses:").split(",") if r.strip())
        if not recipients or not all("@" in r for r in recipients):
            raise InputError(f"--deliver {text!r}: allowed ses:someone@example.com[,other@example.com]")
        default = f"apprunner-advisor@{recipients[0].split('@', 1)[1]}"
        return SesDestination(recipients, sender or os.environ.get(SENDER_ENV) or default, session)
    if text.startswith(("https://", "http://")):
        return WebhookDestination(text)
    if "://" in text or not text:
        raise InputError(f"--deliver {text!r}: allowed a directory, s3://..., ses:address or https://hook")
    return DirectoryDestination(Path(text).expanduser())


def _describe(destination: Destination) -> str:
    if isinstance(destination, S3Destination):
        return f"s3://{destination.bucket}/{destination.prefix}"
    if isinstance(destination, SesDestination):
        return f"ses:{','.join(destination.recipients)}"
    return str(getattr(destination, "url", None) or getattr(destination, "path", destination))


def deliver_all(report: Report, rendered: Rendered, destinations: list[Destination]) -> list[Delivered]:
    """Copies first (directories, S3), then messages, which link to the S3 copy when there is one.

    One failing destination does not stop the others: each result says whether it arrived.
    """
    copies = (DirectoryDestination, S3Destination)
    ordered = sorted(destinations, key=lambda d: not isinstance(d, copies))
    link = str(rendered.directory / "report.html") if (rendered.directory / "report.html").exists() else None
    done: list[Delivered] = []
    for destination in ordered:
        try:
            delivered = destination.deliver(report, rendered, link)
        except (AdvisorError, OSError) as exc:
            done.append(Delivered(_describe(destination), "", f"{type(exc).__name__}: {exc}"))
            continue
        if isinstance(destination, S3Destination):
            link = delivered.location
        done.append(delivered)
    return done
