"""What a briefing says about itself is true (issue 13), through real runs.

Real folders (with a FIFO and files that cannot be read), a real SMTP server
on loopback, the CLI's ``status`` and ``sources``: what a user would see.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sample_briefing as samples
from conftest import CliResult
from smtp_server import Inbox

from briefing.config import EmailConfig, load_config, sample_config_path
from briefing.errors import ConfigError
from briefing.mail import build_email
from briefing.pipeline import RunOptions, run_briefing
from briefing.render import render_email_html, render_text
from briefing.sources.base import FLAG_FUTURE, FLAG_GIVEN_DATE
from briefing.sources.feed import FeedOptions, parse_feed
from briefing.sources.page import extract_page

DAY = date(2026, 11, 24)
ARTICLE = (
    "Council passes budget\n\nThe city council approved the budget on Monday. "
    "Schools will receive ten percent more money than last year under the plan. "
    "The vote was eleven to four after a debate that lasted most of the evening.\n"
)

SECOND_ARTICLE = (
    "Bridge reopens after repairs\n\nThe old river bridge reopened to traffic on Monday. "
    "Engineers replaced the worn steel bearings over six weeks of night work. "
    "Buses will use the bridge again from Tuesday, the transport office said.\n"
)


def folder_with_bad_files(folder: Path) -> None:
    """One good article, and six files the folder source must skip (one a FIFO)."""
    folder.mkdir()
    (folder / "budget.txt").write_text(ARTICLE)
    for n in range(4):
        (folder / f"empty-{n}.txt").write_text("   \n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    os.mkfifo(folder / "a-pipe.txt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_failed_source_and_a_folder_with_six_bad_files_are_counted_apart(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    folder_with_bad_files(tmp_path / "docs")
    config = load_config(
        write_config(
            'formats = ["md", "html"]\n'
            '[[sources]]\nname = "Docs"\nfolder = "docs"\n'
            '[[sources]]\nname = "Gone"\nfolder = "no-such-folder"\n'
        )
    )
    result = run_briefing(config, RunOptions(day=DAY))
    kinds = sorted(f.kind for f in result.briefing.failures)
    assert kinds == ["failed"] + ["skipped"] * 6
    md = next(p for p in result.outputs if p.suffix == ".md").read_text()
    html = next(p for p in result.outputs if p.suffix == ".html").read_text()
    counts = re.search(r'<p class="counts">(.*?)</p>', html)
    assert counts is not None
    assert counts.group(1) == "1 article from 1 source · 1 source failed · 6 items skipped"
    failed = md.split("## Sources that could not be read")[1].split("##")[0]
    assert "**Gone**" in failed and "Docs" not in failed
    skipped = md.split("## Files and entries skipped")[1].split("---")[0]
    assert skipped.count("**Docs**") == 1 and "and 1 more" in skipped
    # Readers get the file's name and a short reason; the server's folders stay out.
    for output in (md, html):
        assert str(tmp_path) not in output
        assert "a-pipe.txt: not a regular file" in output
        assert "no-such-folder" in output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_briefing_sources_keeps_the_full_messages_the_briefing_shortens(
    write_config: Callable[[str], Path],
    tmp_path: Path,
    cli: Callable[..., CliResult],
) -> None:
    folder_with_bad_files(tmp_path / "docs")
    path = write_config('formats = ["md"]\n[[sources]]\nname = "Docs"\nfolder = "docs"\n')
    assert cli("run", "--config", str(path), "--date", DAY.isoformat()).code == 0
    listed = cli("sources", "--config", str(path))
    assert listed.code == 0
    assert f"skipped: {tmp_path / 'docs' / 'a-pipe.txt'}: not a regular file" in listed.out


def test_the_mailed_briefing_of_a_rerun_says_what_is_new_and_keeps_its_language(
    write_config: Callable[[str], Path], tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "budget.txt").write_text(ARTICLE)
    config = load_config(
        write_config(
            'formats = ["md"]\nbriefing_language = "fr"\n'
            '[[sources]]\nname = "Docs"\nfolder = "docs"\n'
            '[email]\nfrom = "briefing@example.org"\nto = ["a@example.org"]\n'
            f'[email.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nretries = 0\n'
        )
    )
    run_briefing(config, RunOptions(day=DAY))
    (tmp_path / "docs" / "bridge.txt").write_text(SECOND_ARTICLE)
    run_briefing(config, RunOptions(day=DAY, send=True))
    mailed = message_from_bytes(box.received[-1][2], policy=policy.default)
    assert mailed["Content-Language"] == "fr"
    body = mailed.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert re.search(r"1 nouveau depuis \d\d:\d\d, 1 plus tôt dans la journée\.", text)
    assert "Rien de nouveau" not in text


def test_a_rerun_that_finds_nothing_new_leaves_the_briefing_word_for_word(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "budget.txt").write_text(ARTICLE)
    config = load_config(
        write_config('formats = ["md"]\n[[sources]]\nname = "Docs"\nfolder = "docs"\n')
    )
    run_briefing(config, RunOptions(day=DAY))
    (tmp_path / "docs" / "bridge.txt").write_text(SECOND_ARTICLE)
    update = run_briefing(config, RunOptions(day=DAY))
    md = tmp_path / "output" / f"briefing-{DAY}.md"
    updated = md.read_text()
    assert re.search(r"^\*1 new since \d\d:\d\d, 1 from earlier today\.\*$", updated, re.M)
    rerun = run_briefing(config, RunOptions(day=DAY))
    assert rerun.new_articles == 0 and update.new_articles == 1
    # Still true after the rerun: the last update brought one article since the first run.
    assert md.read_text() == updated
    assert md in rerun.unchanged


def test_status_and_sources_show_times_in_the_configured_timezone(
    write_config: Callable[[str], Path], tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "budget.txt").write_text(ARTICLE)
    path = write_config(
        'formats = ["md"]\ntimezone = "Asia/Tokyo"\n'
        '[schedule]\ntimezone = "Europe/Paris"\n'
        '[[sources]]\nname = "Docs"\nfolder = "docs"\n'
    )
    assert cli("run", "--config", str(path), "--date", DAY.isoformat()).code == 0
    status = cli("status", "--config", str(path))
    assert re.search(r"last run:\s+\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST", status.out)
    assert re.search(r"next run:\s+\w{3} \d{4}-\d\d-\d\d \d\d:\d\d JST", status.out)
    sources = cli("sources", "--config", str(path))
    assert re.search(r"ok at \w{3} \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? JST", sources.out)
    md = (tmp_path / "output" / f"briefing-{DAY}.md").read_text()
    assert re.search(r"Generated \d{1,2} \w+ 20\d\d, \d\d:\d\d UTC\+09:00", md)


def test_an_unknown_display_timezone_is_refused_with_its_key(
    write_config: Callable[[str], Path],
) -> None:
    with pytest.raises(ConfigError, match="timezone: unknown time zone 'Mars/Olympus'"):
        load_config(write_config('timezone = "Mars/Olympus"\n'))


def test_the_bundled_sample_is_labelled_in_the_language_of_its_title() -> None:
    # 9 French and 8 English articles under "Morning briefing": English labels.
    config = load_config(sample_config_path())
    assert config.title == "Morning briefing" and config.briefing_language == "en"


def test_a_folder_html_file_is_titled_by_its_headline_without_the_site_name(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    body = "<p>" + ARTICLE.split("\n\n")[1] + "</p>"
    (tmp_path / "docs" / "bush.html").write_text(
        "<html><head><title>Bush visits Canada | Example News</title></head>"
        f"<body>{body}</body></html>"
    )
    (tmp_path / "docs" / "og.html").write_text(
        '<html><head><meta property="og:title" content="Council &amp; mayor agree — The Daily">'
        '<meta property="og:site_name" content="The Daily"><title>The Daily</title></head>'
        f"<body><h1>The Daily</h1>{body.replace('Monday', 'Tuesday')}</body></html>"
    )
    (tmp_path / "docs" / "h1.html").write_text(
        "<html><head><title>Bridge reopens after repairs - City Herald</title></head>"
        f"<body><h1>Bridge reopens <em>after repairs</em></h1>{body.replace('Monday', 'Friday')}"
        "</body></html>"
    )
    config = load_config(
        write_config('formats = ["md"]\n[[sources]]\nname = "Docs"\nfolder = "docs"\n')
    )
    result = run_briefing(config, RunOptions(day=DAY))
    titles = sorted(item.article.title for item in result.briefing.items)
    assert titles == ["Bridge reopens after repairs", "Bush visits Canada", "Council & mayor agree"]
    md = result.outputs[0].read_text()
    assert "## Bush visits Canada\n" in md and "\\|" not in md and "Example News" not in md


def test_a_feed_date_in_the_future_is_kept_for_the_briefing_to_show() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>From the future</title><link>https://example.org/a</link>"
        b"<pubDate>Thu, 01 Mar 2035 08:06:00 GMT</pubDate>"
        b"<description>The city council approved the budget on Monday.</description></item>"
        b"</channel></rss>"
    )
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    parsed = parse_feed(feed, FeedOptions(source="F", language="en", max_entries=10), now=now)
    article = parsed.entries[0].article
    assert article.published == now
    assert FLAG_FUTURE in article.flags
    assert FLAG_GIVEN_DATE + "2035-03-01T08:06:00+00:00" in article.flags


@pytest.mark.parametrize("with_pdf", [True, False])
def test_every_built_message_keeps_its_language_and_a_bidi_free_subject(with_pdf: bool) -> None:
    briefing = replace(samples.make_briefing(1, language="fr"), title="Revue \u202egnp.exe")
    message = build_email(
        briefing,
        EmailConfig(sender="briefing@example.org", to=("team@example.org",)),
        pdf=b"%PDF-1.7\n%%EOF\n" if with_pdf else None,
        pdf_name="briefing-2024-05-06.pdf",
        text_body=render_text(briefing),
        html_body=render_email_html(briefing),
    )
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Content-Language"] == "fr"
    assert parsed["Subject"] == "Revue gnp.exe — 6 mai 2024"


def test_a_web_page_title_drops_the_site_name_trafilatura_keeps() -> None:
    body = "<p>" + " ".join([ARTICLE.split("\n\n")[1].strip()] * 6) + "</p>"
    page = extract_page(
        (
            '<html><head><meta property="og:title" content="Bush visits Canada — Example News">'
            '<meta property="og:site_name" content="Example News"></head>'
            f"<body><article>{body}</article></body></html>"
        ).encode(),
        "https://example.org/a",
    )
    assert page is not None and page.title == "Bush visits Canada"


def test_an_entry_with_only_a_headline_says_so_instead_of_quoting_it(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    # Before, "> Council votes budget" sat under the heading "Council votes budget":
    # a quote from an article the feed never gave.
    (tmp_path / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Council votes budget</title><link>https://example.org/a</link></item>"
        "<item><title>Bridge reopens</title><link>https://example.org/b</link>"
        "<description>The bridge reopened on Monday after two years of repairs.</description>"
        "</item></channel></rss>"
    )
    config = load_config(
        write_config(
            'formats = ["md", "html", "json"]\n[[sources]]\nname = "Wire"\n'
            'feed = "feed.xml"\nfull_text = false\n'
            '[email]\nfrom = "briefing@example.org"\nto = ["team@example.org"]\n'
        )
    )
    result = run_briefing(config, RunOptions(day=DAY))
    texts = {p.suffix: p.read_text(encoding="utf-8") for p in result.outputs}
    md = texts[".md"]
    assert "> Council votes budget" not in md
    assert "*The source gave only this headline.*" in md
    assert "> The bridge reopened on Monday after two years of repairs." in md
    assert "The source gave only this headline." in texts[".html"]
    email = message_from_bytes(texts[".eml"].encode(), policy=policy.default)
    assert "(The source gave only this headline.)" in email.get_body(("plain",)).get_content()
    data = json.loads(texts[".json"])
    by_title = {s["headline"]: s for s in data["stories"]}
    assert by_title["Council votes budget"]["sentences"] == []
