"""The .eml (parsed back with the standard library) and SMTP delivery to a real local server."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sample_briefing as samples
from aiosmtpd.controller import Controller
from smtp_server import Inbox, free_port

from briefing.config import EmailConfig, SmtpConfig
from briefing.errors import DeliveryError
from briefing.mail import (
    PartialDeliveryError,
    UncertainDeliveryError,
    attachment_name,
    build_email,
    send_email,
    subject_problem,
)
from briefing.render import render_email_html, render_text

NOW = datetime(2024, 5, 6, 7, 5, tzinfo=UTC)
FAKE_PDF = b"%PDF-1.7\n% test attachment\n%%EOF\n"

EMAIL = EmailConfig(sender="briefing@example.org", to=("team@example.org", "boss@example.org"))


def make_message(briefing: Any = None, email: EmailConfig = EMAIL) -> EmailMessage:
    briefing = briefing or samples.make_briefing(2, failures=1)
    return build_email(
        briefing,
        email,
        pdf=FAKE_PDF,
        pdf_name="briefing-2024-05-06.pdf",
        text_body=render_text(briefing),
        html_body=render_email_html(briefing),
        now=NOW,
    )


def parse(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_eml_structure_and_headers() -> None:
    parsed = parse(make_message())
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()  # type: ignore[misc]
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "briefing-2024-05-06.pdf"
    assert attachment.get_content() == FAKE_PDF
    assert parsed["Subject"] == "Morning briefing — 6 May 2024"
    assert parsed["From"] == "briefing@example.org"
    assert parsed["To"] == "team@example.org, boss@example.org"
    assert parsed["Date"] == "Mon, 06 May 2024 07:05:00 +0000"
    assert parsed["Message-ID"].endswith("@example.org>")
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Four NBA players suspended indefinitely for brawl" in text
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Four NBA players suspended indefinitely for brawl" in html and "<style" not in html


def test_article_title_cannot_inject_headers_or_encoded_words() -> None:
    evil = "Hi\r\nBcc: victim@evil.test\n=?utf-8?b?RmFrZSBzdWJqZWN0?= \x1b[31m"
    briefing = replace(samples.make_briefing(1), title=evil)
    email = replace(EMAIL, subject="{title} ({count}) — {date}")
    raw = bytes(make_message(briefing, email))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert b"\nBcc:" not in raw
    subject = " ".join(str(parsed["Subject"]).split())
    assert "Fake subject" not in subject  # the encoded word was not decoded
    assert "\n" not in subject and "\x1b" not in subject
    assert subject.startswith("Hi Bcc: victim@evil.test")
    assert subject.endswith("(1) — 6 May 2024")


@pytest.mark.parametrize(
    "template", ["{title.__class__}", "{title[0]}", "{title!r}", "{title:>999}", "{secret}", "{}"]
)
def test_subject_template_allows_only_plain_fields(template: str) -> None:
    assert subject_problem(template)
    with pytest.raises(DeliveryError, match=r"email\.subject"):
        make_message(email=replace(EMAIL, subject=template))


def test_attachment_name_is_a_plain_file_name() -> None:
    assert attachment_name("../../etc/passwd") == "passwd.pdf"
    assert attachment_name("briefing 2024\r\n.pdf") == "briefing-2024-.pdf"
    assert attachment_name("out/briefing-2024-05-06.pdf") == "briefing-2024-05-06.pdf"


# --- a real SMTP server on loopback: tests/smtp_server.py -------------------------


def plain_smtp(port: int, **changes: Any) -> SmtpConfig:
    return replace(
        SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5, retries=0), **changes
    )


def test_sends_to_a_local_server(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    message = make_message()
    send_email(message, plain_smtp(port))
    [(sender, recipients, content)] = box.received
    assert sender == "briefing@example.org"
    assert recipients == ["team@example.org", "boss@example.org"]
    arrived = message_from_bytes(content, policy=policy.default)
    assert arrived["Subject"] == "Morning briefing — 6 May 2024"
    pdf = [p for p in arrived.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf[0].get_content() == FAKE_PDF


def test_password_comes_from_the_environment_and_is_not_logged(
    inbox: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    box, port = inbox
    smtp = plain_smtp(port, username="briefing", password_env="TEST_SMTP_PASSWORD")
    caplog.set_level(logging.DEBUG)
    send_email(make_message(), smtp, env={"TEST_SMTP_PASSWORD": "s3cret-pass"})
    assert box.logins == [(b"briefing", b"s3cret-pass")]
    assert len(box.received) == 1
    with pytest.raises(DeliveryError, match="TEST_SMTP_PASSWORD") as missing:
        send_email(make_message(), smtp, env={})
    with pytest.raises(DeliveryError, match="refused the login") as wrong:
        send_email(make_message(), smtp, env={"TEST_SMTP_PASSWORD": "wrong-pass"})
    for text in (caplog.text, str(missing.value), str(wrong.value)):
        assert "s3cret-pass" not in text and "wrong-pass" not in text


def test_refused_recipient_is_named(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.refuse = {"boss@example.org"}
    with pytest.raises(PartialDeliveryError) as caught:
        send_email(make_message(), plain_smtp(port))
    assert caught.value.delivered == ("team@example.org",)
    assert "boss@example.org: 550 5.1.1 no such user" in str(caught.value)
    box.refuse = {"boss@example.org", "team@example.org"}
    with pytest.raises(DeliveryError, match=r"team@example\.org: 550"):
        send_email(make_message(), plain_smtp(port))


def test_unencrypted_smtp_only_to_loopback() -> None:
    smtp = SmtpConfig(host="smtp.example.org", port=25, security="none", timeout=1, retries=0)
    with pytest.raises(DeliveryError, match="unencrypted"):
        send_email(make_message(), smtp)


def test_starttls_is_required_when_configured(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    waits: list[float] = []
    smtp = plain_smtp(port, security="starttls", retries=3)
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send_email(make_message(), smtp, sleep=waits.append)
    assert waits == []  # a configuration problem is not retried
    assert box.received == []


def test_unreachable_server_is_retried_with_backoff() -> None:
    waits: list[float] = []
    smtp = plain_smtp(free_port(), retries=2)
    with pytest.raises(DeliveryError, match="after 3 attempts"):
        send_email(make_message(), smtp, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0]


@pytest.fixture()
def tls_inbox(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context)
    controller.start()
    yield box, port, cert
    controller.stop()


def test_certificate_is_verified(tls_inbox: tuple[Inbox, int, Path]) -> None:
    box, port, cert = tls_inbox
    smtp = SmtpConfig(host="127.0.0.1", port=port, security="starttls", timeout=5, retries=0)
    with pytest.raises(DeliveryError, match="could not be verified"):
        send_email(make_message(), smtp)
    assert box.received == []
    trusted = ssl.create_default_context(cafile=str(cert))
    send_email(make_message(), smtp, ssl_context=trusted)
    assert len(box.received) == 1


# --- an unknown outcome after the whole message went out is never retried -------------------


@pytest.mark.parametrize("fault", ["drop", "late"])
def test_no_second_copy_when_the_answer_to_the_message_is_lost(
    inbox: tuple[Inbox, int], fault: str
) -> None:
    box, port = inbox
    if fault == "drop":
        box.drop_after_data = True
    else:
        box.reply_delay = 2.0
    waits: list[float] = []
    smtp = plain_smtp(port, timeout=1, retries=3)
    with pytest.raises(UncertainDeliveryError, match="may or may not have been") as caught:
        send_email(make_message(), smtp, backoff=0.1, sleep=waits.append)
    assert len(box.received) == 1  # the server has it once: no automatic second copy
    assert waits == []
    assert caught.value.recipients == ("team@example.org", "boss@example.org")
    assert "briefing run --send" in str(caught.value)
    if fault == "late":
        assert "did not answer within 1 s" in str(caught.value)
