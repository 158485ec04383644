"""The briefing as an email: building the message and sending it over SMTP.

:func:`build_email` returns an RFC 5322 message,
``multipart/mixed { multipart/alternative { text, html }, PDF }``, whose
headers cannot be steered by an article: the subject is built from a
template that may only name ``title``, ``date`` and ``count``, and every
header value is stripped of control characters and encoded-word markers.

:func:`send_email` sends it with certificate and hostname verification, a
timeout and retries with backoff for temporary failures, but never once the
whole message has been transmitted: if the connection drops or the reply to
DATA does not come after the final ".", the server may well have accepted it,
and a retry would deliver a second copy; that outcome is
:class:`UncertainDeliveryError`, left to the user to decide. The password only
ever comes from the environment variable named in the config and is never
logged or put in an error message.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import smtplib
import ssl
import string
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Any

from .config import EmailConfig, SmtpConfig, mailbox_address
from .errors import DeliveryError
from .models import Briefing
from .render import BIDI_CONTROLS, format_date

log = logging.getLogger(__name__)

SUBJECT_FIELDS = ("title", "date", "count")
MAX_SUBJECT_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class PartialDeliveryError(DeliveryError):
    """The server accepted the message for some recipients and refused others.

    ``delivered`` got the message (do not send it to them again); ``refused``
    maps each other address to the server's reason.
    """

    def __init__(self, delivered: tuple[str, ...], refused: Mapping[str, str]) -> None:
        self.delivered = delivered
        self.refused = dict(refused)
        reasons = "; ".join(f"{addr}: {why}" for addr, why in self.refused.items())
        super().__init__(
            f"the briefing was sent to {len(delivered)} recipient(s) but refused for "
            f"{len(self.refused)}: {reasons}"
        )


class UncertainDeliveryError(DeliveryError):
    """The server received the whole message but its answer never came.

    The message may or may not have been delivered to ``recipients``; it is
    not sent again automatically, because a retry would deliver a second copy
    if the first one went through.
    """

    def __init__(self, recipients: tuple[str, ...], where: str, reason: str) -> None:
        self.recipients = recipients
        self.reason = reason
        super().__init__(
            f"the briefing email may or may not have been delivered: {where} received the "
            f"whole message but {reason}. It was not sent again automatically, so that nobody "
            f"gets it twice; recorded as uncertain for {', '.join(recipients)}. Ask a "
            "recipient, and if it did not arrive, run `briefing run --send` for that date again"
        )


# --- headers -------------------------------------------------------------------------


def clean_header(value: object, limit: int = MAX_SUBJECT_CHARS) -> str:
    """A header value that cannot add headers or smuggle encoded words.

    Line breaks and other control characters become spaces, and ``=?``/``?=``
    are split so a mail client cannot decode attacker-chosen RFC 2047 words.
    """
    text = " ".join(_CONTROL.sub(" ", BIDI_CONTROLS.sub("", str(value))).split())
    text = text.replace("=?", "= ?").replace("?=", "? =")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def subject_problem(template: str) -> str | None:
    """Why a subject template is unusable, or None (for config validation).

    Only the plain fields ``{title}``, ``{date}`` and ``{count}`` are allowed:
    no attribute or index access, no conversions, no format specs.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"not a valid template ({exc}); use {{title}}, {{date}} and {{count}}"
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in SUBJECT_FIELDS or spec or conversion:
            shown = (
                "{"
                + field
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            return f"unsupported field {shown}; use only {{title}}, {{date}} and {{count}}"
    return None


def format_subject(template: str, briefing: Briefing) -> str:
    """The subject line from ``template`` (see :func:`subject_problem`), cleaned."""
    problem = subject_problem(template)
    if problem:
        raise DeliveryError(f"email.subject: {problem}")
    values = {
        "title": clean_header(briefing.title),
        "date": format_date(briefing.date, briefing.language.split("-")[0].lower()),
        "count": str(briefing.article_count),
    }
    return clean_header(template.format(**values))


def attachment_name(name: str) -> str:
    """A plain file name for the attachment: no folders, no odd characters, ends in .pdf."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    safe = _FILENAME_UNSAFE.sub("-", base).strip(".-") or "briefing"
    return safe if safe.lower().endswith(".pdf") else f"{safe}.pdf"


def mailbox(entry: str) -> Address:
    """A From or To header's mailbox: ``a@example.org`` or ``Name <a@example.org>``."""
    name, address = parseaddr(entry)
    return Address(display_name=clean_header(name), addr_spec=address)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


# --- building ------------------------------------------------------------------------


def build_email(
    briefing: Briefing,
    email: EmailConfig,
    *,
    pdf: bytes | None,
    pdf_name: str,
    text_body: str,
    html_body: str,
    now: datetime | None = None,
) -> EmailMessage:
    """The briefing as a ready-to-send message (write it with ``bytes(message)``)."""
    sent_at = now or datetime.now().astimezone()
    if sent_at.tzinfo is None:
        sent_at = sent_at.astimezone()
    message = EmailMessage()
    try:
        message["From"] = mailbox(email.sender)
        message["To"] = [mailbox(entry) for entry in email.to]
    except (ValueError, IndexError) as exc:
        raise DeliveryError(f"email: bad address in from/to: {exc}") from None
    message["Subject"] = format_subject(email.subject, briefing)
    message["Date"] = format_datetime(sent_at)
    domain = _domain(mailbox_address(email.sender))
    message["Message-ID"] = make_msgid(idstring="briefing", domain=domain)
    # Tells autoresponders (out-of-office) not to answer a robot.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text_body, subtype="plain", charset="utf-8")
    message.add_alternative(html_body, subtype="html", charset="utf-8")
    if pdf is not None:
        message.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=attachment_name(pdf_name)
        )
    # Set last: making the body multipart moves the Content-* headers set before into a part.
    message["Content-Language"] = clean_header(briefing.language, 20)
    return message


# --- sending -------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (no DNS lookup)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_security(smtp: SmtpConfig) -> None:
    if smtp.security not in ("starttls", "ssl", "none"):
        raise DeliveryError(f"email.smtp.security: unknown mode {smtp.security!r}")
    if smtp.security == "none" and not (is_loopback(smtp.host) or smtp.allow_insecure):
        raise DeliveryError(
            f'email.smtp.security = "none" would send the briefing unencrypted to '
            f"{smtp.host}; use starttls or ssl, or set allow_insecure = true if you accept that"
        )


def _password(smtp: SmtpConfig, env: Mapping[str, str]) -> str | None:
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise DeliveryError(
            "email.smtp.username is set but password_env is not: name the "
            "environment variable that holds the SMTP password"
        )
    password = env.get(smtp.password_env)
    if not password:
        raise DeliveryError(
            f"the SMTP password is missing: set the environment variable {smtp.password_env}"
        )
    return password


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for key in ("To", "Cc", "Bcc") for v in message.get_all(key, [])]
    return [addr for _name, addr in getaddresses(fields) if addr]


class _Permanent(Exception):
    """A failure that retrying will not fix."""


class _Uncertain(Exception):
    """The message body went out (final "." included) but no reply to it came back."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _BodyTracking:
    """Notes when the end of the DATA body (CRLF "." CRLF) has been handed to the network.

    smtplib sends the whole quoted body, terminator included, in one ``send``;
    only that body ends with the terminator (commands end with a plain CRLF).
    """

    body_sent = False

    def send(self, s: Any) -> None:  # smtplib's own signature (bytes, buffer or str)
        super().send(s)  # type: ignore[misc]
        tail = s[-5:].encode("ascii") if isinstance(s, str) else bytes(memoryview(s)[-5:])
        if tail == b"\r\n.\r\n":
            self.body_sent = True


class _SMTP(_BodyTracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_BodyTracking, smtplib.SMTP_SSL):
    pass


def _connect(smtp: SmtpConfig, context: ssl.SSLContext) -> _SMTP | _SMTP_SSL:
    if smtp.security == "ssl":
        return _SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    client = _SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    if smtp.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            client.close()
            raise _Permanent(
                f"{smtp.host} does not offer STARTTLS; the briefing was not sent "
                "in clear (check email.smtp.security and port)"
            )
        client.starttls(context=context)
        client.ehlo()
    return client


def _send_once(
    message: EmailMessage,
    smtp: SmtpConfig,
    password: str | None,
    recipients: list[str],
    context: ssl.SSLContext,
) -> dict[str, str]:
    client = _connect(smtp, context)
    try:
        if smtp.username and password is not None:
            client.login(smtp.username, password)
        refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPResponseException:
        raise  # a reply, even a refusal, is a known outcome
    except Exception as exc:
        if client.body_sent:
            raise _Uncertain(exc) from exc
        raise
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return {addr: _reply(code, text) for addr, (code, text) in refused.items()}


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _classify(exc: BaseException, smtp: SmtpConfig) -> tuple[bool, str]:
    """(temporary?, message for the user) for a failed attempt."""
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(exc, _Permanent):
        return False, str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False, f"the certificate of {where} could not be verified: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return False, f"TLS with {where} failed: {exc.reason or exc}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        answer = _reply(exc.smtp_code, exc.smtp_error)
        return False, f"{where} refused the login for {smtp.username}: {answer}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = {a: _reply(code, text) for a, (code, text) in exc.recipients.items()}
        temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
        listed = "; ".join(f"{addr}: {why}" for addr, why in replies.items())
        return temporary, f"{where} refused every recipient: {listed}"
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = _reply(exc.smtp_code, exc.smtp_error)
        return 400 <= exc.smtp_code < 500, f"{where} answered {answer}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return False, f"{where}: {exc}"
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return True, f"cannot talk to {where}: {exc or type(exc).__name__}"
    return False, f"{where}: {type(exc).__name__}: {exc}"


def _no_answer(exc: BaseException, smtp: SmtpConfig) -> str:
    text = str(exc).lower()
    if isinstance(exc, TimeoutError) or "timed out" in text:
        return f"did not answer within {smtp.timeout:g} s (email.smtp.timeout)"
    return f"the connection was lost before its answer ({_reason_text(exc)})"


def _reason_text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def send_email(
    message: EmailMessage,
    smtp: SmtpConfig,
    *,
    env: Mapping[str, str] = os.environ,
    ssl_context: ssl.SSLContext | None = None,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send ``message`` through ``smtp``; raise :class:`DeliveryError` if it did not go out.

    Temporary failures (network, 4xx replies) are retried ``smtp.retries``
    times, waiting ``backoff``, then twice that, and so on. If the server
    refuses only some recipients, :class:`PartialDeliveryError` says who got it.
    If the connection fails after the whole message was transmitted, before
    the server's answer, :class:`UncertainDeliveryError` is raised at once.
    """
    _check_security(smtp)
    password = _password(smtp, env)
    recipients = _recipients(message)
    if not recipients:
        raise DeliveryError("the email has no recipients (email.to)")
    context = ssl_context or ssl.create_default_context()
    attempts = smtp.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            refused = _send_once(message, smtp, password, recipients, context)
            break
        except _Uncertain as exc:
            where = f"{smtp.host}:{smtp.port}"
            reason = _no_answer(exc.cause, smtp)
            log.warning("the briefing email may have been delivered: %s", reason)
            raise UncertainDeliveryError(tuple(recipients), where, reason) from None
        except Exception as exc:
            temporary, reason = _classify(exc, smtp)
            if not temporary or attempt == attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise DeliveryError(f"the briefing email was not sent{tries}: {reason}") from None
            wait = backoff * 2 ** (attempt - 1)
            log.warning("sending the briefing failed (%s); retrying in %.0f s", reason, wait)
            sleep(wait)
    if refused:
        delivered = tuple(r for r in recipients if r not in refused)
        raise PartialDeliveryError(delivered, refused)
    log.info("briefing email sent to %d recipient(s) via %s", len(recipients), smtp.host)
