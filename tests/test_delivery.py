"""Sending a date's briefing once: an unknown outcome is recorded, said, and never retried alone.

A real SMTP server (tests/smtp_server.py) that accepts the message and then
hangs up before answering, as a dropped link or a crashed relay would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import CliResult
from smtp_server import Inbox, free_port

from briefing.config import Config, load_config
from briefing.errors import RunStopped
from briefing.pipeline import RunOptions, run_briefing
from briefing.store import Store

DAY = date(2026, 11, 24)


def write_docs(tmp_path: Path) -> None:
    """The folder source every test here briefs: one short article."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Bridge reopens\n\nThe bridge reopened on Monday after repairs.")


@pytest.fixture
def config_file(
    write_config: Callable[[str], Path], tmp_path: Path, inbox: tuple[Inbox, int]
) -> Path:
    write_docs(tmp_path)
    return write_config(
        'formats = ["md"]\n[[sources]]\nfolder = "docs"\n'
        '[email]\nfrom = "briefing@example.org"\nto = ["a@example.org", "b@example.org"]\n'
        "send = true\n"
        f'[email.smtp]\nhost = "127.0.0.1"\nport = {inbox[1]}\nsecurity = "none"\n'
        "retries = 3\ntimeout = 2\n"
    )


def test_a_lost_answer_is_uncertain_said_everywhere_and_only_the_user_sends_again(
    config_file: Path,
    inbox: tuple[Inbox, int],
    cli: Callable[..., CliResult],
) -> None:
    box, _ = inbox
    box.drop_after_data = True
    run = cli("run", "--config", str(config_file), "--date", DAY.isoformat(), "--send")
    assert run.code == 1
    assert "may or may not have been delivered" in run.err
    assert len(box.received) == 1  # retries = 3, yet one copy
    status = cli("status", "--config", str(config_file))
    assert "may or may not have been delivered" in status.out
    config: Config = load_config(config_file)
    with Store(config.database_path) as store:
        assert store.uncertain_deliveries(DAY) == ("a@example.org", "b@example.org")
        assert store.delivered_to(DAY) == ()

    # A scheduled run (or a scheduler restarted after the failure) never resends on its own.
    box.drop_after_data = False
    scheduled = run_briefing(config, RunOptions(day=DAY, kind="scheduled"))
    assert scheduled.sent_to == () and len(box.received) == 1

    # The user, having asked a recipient, decides: --send again sends it.
    again = run_briefing(config, RunOptions(day=DAY, send=True))
    assert again.sent_to == ("a@example.org", "b@example.org") and len(box.received) == 2
    with Store(config.database_path) as store:
        assert store.uncertain_deliveries(DAY) == ()
    assert run_briefing(config, RunOptions(day=DAY, send=True)).sent_to == ()


def test_a_stop_while_waiting_to_retry_the_email_ends_the_run_at_once(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    write_docs(tmp_path)
    config = load_config(
        write_config(
            'formats = ["md"]\n[[sources]]\nfolder = "docs"\n'
            '[email]\nfrom = "briefing@example.org"\nto = ["a@example.org"]\n'
            f'[email.smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
            "retries = 3\ntimeout = 2\n"  # nothing listens: retried after 2, 4 and 8 s
        )
    )
    stop = threading.Event()
    rendered: list[float] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "render" and done == total:  # files written; delivery is next
            rendered.append(time.monotonic())
            stop.set()

    with pytest.raises(RunStopped, match="nothing was sent"):
        run_briefing(config, RunOptions(day=DAY, send=True, stop=stop), progress=progress)
    assert time.monotonic() - rendered[0] < 1.0
    with Store(config.database_path) as store:
        assert store.runs(limit=1)[0].status == "interrupted"


def test_named_mailboxes_are_sent_to_and_recorded_by_their_address(
    write_config: Callable[[str], Path], tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    from email import message_from_bytes, policy

    from briefing.mail import PartialDeliveryError

    box, port = inbox
    write_docs(tmp_path)
    # "Press Office <press@example.org>" was refused: "not an email address".
    config = load_config(
        write_config(
            'formats = ["md"]\n[[sources]]\nfolder = "docs"\n'
            '[email]\nfrom = "Press Office <press@example.org>"\n'
            'to = ["Rédaction Paris <redaction@example.org>", "b@example.org"]\n'
            f'[email.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        )
    )
    box.refuse = {"b@example.org"}
    with pytest.raises(PartialDeliveryError):
        run_briefing(config, RunOptions(day=DAY, send=True))
    ((sender, recipients, content),) = box.received
    assert sender == "press@example.org" and recipients == ["redaction@example.org"]
    message = message_from_bytes(content, policy=policy.default)
    assert str(message["From"]) == "Press Office <press@example.org>"
    assert "Rédaction Paris <redaction@example.org>" in str(message["To"])
    # The retry goes to the one who was refused, never again to the named one.
    box.refuse = set()
    again = run_briefing(config, RunOptions(day=DAY, send=True))
    assert again.sent_to == ("b@example.org",)
    assert [r for _, r, _ in box.received] == [["redaction@example.org"], ["b@example.org"]]
    with Store(config.database_path) as store:
        assert set(store.delivered_to(DAY)) == {"redaction@example.org", "b@example.org"}
