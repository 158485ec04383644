"""The command line as a user meets it: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA, CliResult
from http_server import LoopbackServer, Reply

SEED = DATA / "seed" / "paris-chiefs-of-staff-fr.txt"
Cli = Callable[..., CliResult]


def test_summarize_a_file_prints_key_sentences_in_article_order(cli: Cli) -> None:
    result = cli("summarize", str(SEED), "--sentences", "3")
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == 3
    text = SEED.read_text()
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions)
    assert "Comment (0)" not in result.out


def test_summarize_json_gives_indexes_scores_and_components(cli: Cli) -> None:
    result = cli("summarize", str(SEED), "--json", "-n", "2")
    data = json.loads(result.out)
    assert data["language"] == "fr"
    assert data["algorithm"] == "default"
    assert len(data["sentences"]) == 2
    first, second = data["sentences"]
    assert first["index"] < second["index"]
    assert isinstance(first["score"], float) and first["components"]


def summarize_stdin(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """``briefing summarize - -n 1 --language en`` in a fresh process, fed ``data``."""
    return subprocess.run(
        [sys.executable, "-m", "briefing", "summarize", "-", "-n", "1", "--language", "en"],
        input=data,
        capture_output=True,
        timeout=60,
        env={**os.environ, "NLTK_DATA": str(tmp_path)},
    )


def test_summarize_reads_stdin_and_html(tmp_path: Path) -> None:
    page = (
        "<html><head><title>T</title><script>alert('x')</script></head><body>"
        "<p>The council approved the new budget on Monday after a long debate.</p>"
        "<p>The budget raises spending on schools by ten percent.</p>"
        "<p>Opponents said the plan would raise taxes for small businesses.</p></body></html>"
    )
    done = summarize_stdin(page.encode(), tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert out.strip() in page and "alert" not in out


def test_summarize_jsonl_batch_keeps_going_after_a_bad_record(cli: Cli, tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    records = [
        {"id": 1, "text": SEED.read_text(), "sentences": 2},
        "not json at all",
        {"id": "empty", "text": ""},
        {"id": 3, "text": "A short article. It has two sentences.", "language": "en"},
    ]
    batch.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    result = cli("summarize", "--jsonl", str(batch))
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["id"] == 1 and len(lines[0]["sentences"]) == 2 and lines[0]["language"] == "fr"
    assert "error" in lines[1]
    assert lines[2]["id"] == "empty" and "error" in lines[2]
    assert lines[3]["id"] == 3 and lines[3]["language"] == "en"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: (d / "empty.txt", (d / "empty.txt").write_text(""))[0], "empty document"),
        (lambda d: (d / "b.txt", (d / "b.txt").write_bytes(b"\x00\x01" * 99))[0], "binary"),
        (lambda d: d, "is a folder"),
    ],
)
def test_bad_documents_give_one_line_and_no_traceback(
    cli: Cli, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    result = cli("summarize", str(make(tmp_path)))
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "briefing", "summarize", str(fifo)], capture_output=True, timeout=30
    )
    assert done.returncode == 1
    assert b"not a regular file" in done.stderr
    assert time.monotonic() - start < 30


def test_bad_urls_and_options_are_clear(cli: Cli) -> None:
    result = cli("summarize", "ftp://example.org/x")
    assert result.code == 1 and "only http:// and https://" in result.err
    result = cli("summarize", "-n", "0", str(SEED))
    assert result.code == 2 and "must be 1 or more" in result.err
    result = cli("summarize", str(SEED), "--algorithm", "magic")
    assert result.code == 2 and "magic" in result.err and "lexrank" in result.err
    # A code with no sentence model was read with English rules, silently.
    result = cli("summarize", str(SEED), "--language", "zz")
    assert result.code == 2 and "no sentence model for 'zz'" in result.err
    assert "fr" in result.err


def test_a_batch_record_names_its_language_in_any_case_and_only_a_known_one(
    cli: Cli, tmp_path: Path
) -> None:
    batch = tmp_path / "in.jsonl"
    records = [
        {"id": "upper", "text": "Le conseil s'est réuni lundi. Il a voté.", "language": "FR"},
        {"id": "unknown", "text": "The council met. It voted.", "language": "zz"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = cli("summarize", "--jsonl", str(batch))
    upper, unknown = (json.loads(line) for line in result.out.splitlines())
    assert upper["language"] == "fr"  # "FR" was passed on as is, and read as English
    assert "no sentence model for 'zz'" in unknown["error"]


def test_a_pdf_or_word_file_is_refused_by_name_not_read_as_text(cli: Cli, tmp_path: Path) -> None:
    # A PDF whose first bytes look like text was "summarised" as "%PDF-1.4 …".
    for name in ("report.pdf", "memo.docx"):
        (tmp_path / name).write_bytes(b"%PDF-1.4 The council met on Monday. It voted.")
        result = cli("summarize", str(tmp_path / name))
        assert result.code == 1 and result.out == ""
        assert "files are not read (save it as .txt, .md or .html)" in result.err


def test_debug_shows_the_traceback(cli: Cli, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such file"):
        cli("summarize", str(tmp_path / "missing.txt"), "--debug")


def test_unreadable_config_is_one_clear_error(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "b.toml"
    bad.write_text("[[sources]]\nfeed = 12\n")
    result = cli("run", "--config", str(bad))
    assert result.code == 1
    assert "sources[0].feed: expected text" in result.err
    assert "Traceback" not in result.err


def test_init_writes_a_config_that_runs(cli: Cli, tmp_path: Path) -> None:
    result = cli("init", str(tmp_path / "new"))
    assert result.code == 0
    config = Path(result.out.strip())
    assert config.read_text().startswith("# briefing configuration")
    (tmp_path / "new" / "articles" / "note.txt").write_text(
        "A note\n\nThe committee met on Tuesday. It approved the plan. The vote was close."
    )
    run = cli("run", "--config", str(config), "--format", "md", "--date", "2026-11-24")
    assert run.code == 0, run.err
    written = Path(run.out.strip())
    assert written == tmp_path / "new" / "output" / "briefing-2026-11-24.md"
    assert "The committee met on Tuesday." in written.read_text()
    again = cli("init", str(tmp_path / "new"))
    assert again.code == 1 and "already exists" in again.err


@pytest.fixture
def two_sources(write_config: Callable[[str], Path], tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Budget\n\nThe council approved the budget. Schools get more.")
    return write_config(
        '[[sources]]\nname = "Notes"\nfolder = "docs"\n'
        '[[sources]]\nname = "Gone"\nfolder = "no-such-folder"\n'
        'formats = ["md"]\n'.replace('formats = ["md"]\n', "")
    )


def test_a_failing_source_is_reported_and_the_run_goes_on(cli: Cli, two_sources: Path) -> None:
    result = cli("run", "--config", str(two_sources), "--format", "md", "--date", "2026-11-24")
    assert result.code == 0, result.err
    md = Path(result.out.strip()).read_text()
    assert "The council approved the budget." in md
    assert "Gone" in md and "folder not found" in md
    assert "source 'Gone'" in result.err
    strict = cli("run", "--config", str(two_sources), "--format", "md", "--strict")
    assert strict.code == 3


def test_collect_json_and_sources(cli: Cli, two_sources: Path) -> None:
    result = cli("collect", "--config", str(two_sources), "--json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["sources"][0] == {"name": "Notes", "new": 1, "seen": 0, "error": None}
    gone = report["sources"][1]
    assert gone["name"] == "Gone" and "folder not found" in gone["error"]
    again = json.loads(cli("collect", "--config", str(two_sources), "--json").out)
    assert again["sources"][0]["new"] == 0 and again["sources"][0]["seen"] == 1
    listing = cli("sources", "--config", str(two_sources))
    assert "Notes" in listing.out and "articles stored: 1" in listing.out
    assert "failed at" in listing.out


def test_help_is_fast_and_lists_every_command() -> None:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "briefing", "--help"], capture_output=True, timeout=30, check=True
    )
    elapsed = time.monotonic() - start
    for command in ("run", "summarize", "init", "collect", "sources"):
        assert command in done.stdout.decode()
    assert elapsed < 3  # generous for a loaded CI machine; benchmarks/cli_speed.py measures it
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, briefing.cli; "
            "heavy = ('sumy', 'nltk', 'weasyprint', 'numpy', 'feedparser', 'httpx'); "
            "print(sorted(m for m in heavy "
            "if m in sys.modules))",
        ],
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert probe.stdout.decode().strip() == "[]"


def test_summarize_a_url_extracts_the_article_text(cli: Cli, server: LoopbackServer) -> None:
    body = (
        "<html lang='en'><head><title>Council passes budget</title></head><body>"
        "<nav>Home | World | Sport | Login</nav><article><h1>Council passes budget</h1>"
        + "".join(
            f"<p>{s}</p>"
            for s in (
                "The city council approved the budget on Monday after a long debate.",
                "Schools will receive ten percent more money than last year under the plan.",
                "Opponents said the plan would raise property taxes for small businesses.",
                "The mayor is expected to sign the budget into law before the end of the week.",
            )
        )
        + "</article><footer>Cookie settings · Share this · Comment (0)</footer></body></html>"
    )
    url = server.route(
        "/story", Reply(body=body.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    )
    refused = cli("summarize", url)
    assert refused.code == 1 and "private" in refused.err.lower()
    result = cli("summarize", url, "--allow-private", "-n", "2")
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == 2
    assert all(line in body for line in lines)
    assert "Cookie" not in result.out and "Login" not in result.out


def test_schedule_command_runs_once_per_config_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Note\n\nThe committee met on Tuesday. It approved the plan.")
    config = tmp_path / "briefing.toml"
    config.write_text(
        'formats = ["md"]\n[[sources]]\nfolder = "docs"\n'
        '[schedule]\ncron = "0 7 1 1 *"\ntimezone = "Europe/Paris"\ncatch_up = "0s"\n'
    )
    command = [sys.executable, "-m", "briefing", "schedule", "--config", str(config)]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stderr is not None
        started = first.stderr.readline()
        assert "scheduler started" in started and "07:00" in started
        second = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "already" in second.stderr and str(first.pid) in second.stderr
        assert "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert first.wait(timeout=10) == 0
        assert time.monotonic() - stopping < 5
    finally:
        first.kill()
    upcoming = subprocess.run([*command, "--next", "2"], capture_output=True, text=True, timeout=30)
    lines = upcoming.stdout.splitlines()
    assert len(lines) == 2
    assert all(re.fullmatch(r"\w{3} \d{4}-01-01 07:00 CET", line) for line in lines)


def test_status_after_a_run(cli: Cli, two_sources: Path) -> None:
    cli("run", "--config", str(two_sources), "--format", "md", "--date", "2026-11-24")
    result = cli("status", "--config", str(two_sources))
    # 0: the run just succeeded, after any scheduled time that passed (see test_cli_usage).
    assert result.code == 0
    assert "last run:" in result.out and "ok" in result.out
    assert "briefing-2026-11-24.md" in result.out


def test_progress_is_drawn_on_a_terminal_and_silent_otherwise() -> None:
    import io

    from briefing.cli import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with ProgressBar(screen) as bar:
        bar.update("summarize", 3, 17)
    assert "Summarising" in screen.getvalue() and "3/17" in screen.getvalue()
    assert screen.getvalue().endswith("\r\033[K")  # the line is cleared at the end
    piped = io.StringIO()
    with ProgressBar(piped) as bar:
        bar.update("summarize", 3, 17)
    assert piped.getvalue() == ""


MARKDOWN_NOTE = (
    "# Council passes budget\n\n"
    "The city council approved the [budget](https://example.org/budget_(2026)) on **Monday**.\n\n"
    "Schools will receive ten percent more money than last year under the plan.\n"
)


def test_summarize_reads_markdown_from_stdin_and_a_url_as_markdown(
    cli: Cli, server: LoopbackServer, tmp_path: Path
) -> None:
    # Read as plain text, the quote was "… approved the [budget](https://…) on **Monday**."
    done = summarize_stdin(MARKDOWN_NOTE.encode(), tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == "The city council approved the budget on Monday."
    url = server.route(
        "/note.md", Reply(body=MARKDOWN_NOTE.encode(), headers={"Content-Type": "text/markdown"})
    )
    result = cli("summarize", url, "--allow-private", "-n", "1")
    assert result.code == 0, result.err
    assert result.out.strip() == "The city council approved the budget on Monday."


def test_plain_text_with_a_hash_or_brackets_is_not_taken_for_markdown(tmp_path: Path) -> None:
    done = summarize_stdin(
        b"#1 hit for the band [again] this week, with **no** rival in sight.\n", tmp_path
    )
    assert done.stdout.decode().strip() == (
        "#1 hit for the band [again] this week, with **no** rival in sight."
    )
