"""A user's bad day, through the real command line: bad names, loops, encodings, broken disks.

Each test runs ``briefing`` as a subprocess on real files and a real SQLite
database, and checks what the user sees: the exit status, one line on stderr,
and the briefing that was (or was not) written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "Good news\n\nThe council opened the new library on Monday. Hundreds of readers came.\n"
SENTENCES = " ".join(f"Sentence number {i} tells a different part of the story." for i in range(12))


def briefing(
    *args: str, cwd: Path, umask: int | None = None, wrap: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [*wrap, sys.executable, "-m", "briefing", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        preexec_fn=set_umask,
        env={**os.environ, "NLTK_DATA": str(cwd), "LC_ALL": "C.UTF-8"},
    )


def folder_project(tmp_path: Path, *, extra: str = "") -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.txt").write_text(GOOD)
    source = '[[sources]]\nname = "Files"\nfolder = "articles"\n'
    (tmp_path / "briefing.toml").write_text(f'title = "T"\nformats = ["md"]\n{extra}\n{source}')
    return tmp_path


def run(project: Path, *more: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return briefing(
        "run", "-c", "briefing.toml", "--date", "2026-11-24", *more, cwd=project, **kwargs
    )  # type: ignore[arg-type]


def markdown(project: Path) -> str:
    return (project / "output" / "briefing-2026-11-24.md").read_text(encoding="utf-8")


# --- 1, 4, 5: files -------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_costs_nothing_but_itself(tmp_path: Path) -> None:
    project = folder_project(tmp_path)
    (project / "articles" / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"")
    (project / "articles" / os.fsdecode(b"caf\xe9-2.txt")).write_text(
        "Caf\u00e9 title\n\nThe caf\u00e9 reopened. It serves soup.\n"
    )
    done = run(project)
    assert done.returncode == 0, done.stderr
    text = markdown(project)
    assert "Good news" in text and "Café title" in text
    assert "caf\ufffd.txt: empty document" in text
    assert "caf\ufffd.txt: empty document" in done.stderr
    assert "internal error" not in done.stderr


def test_a_json_feed_with_lone_surrogates_and_escapes_is_briefed(tmp_path: Path) -> None:
    # json.loads turns "\\ud800" into a lone surrogate, which no UTF-8 file can hold.
    (tmp_path / "feed.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", '
        '"title": "Bad \\ud800 title \\u001b[31m", '
        '"content_text": "Some text here. More text \\udce9 there."}]}'
    )
    (tmp_path / "briefing.toml").write_text(
        'formats = ["md"]\n[[sources]]\nname = "J"\nfeed = "feed.json"\nfull_text = false\n'
    )
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    text = markdown(tmp_path)
    assert "Bad \ufffd title" in text and "\x1b" not in text
    assert "More text \ufffd there." in text


def test_a_symlink_loop_is_one_skipped_file(tmp_path: Path) -> None:
    project = folder_project(tmp_path)
    (project / "articles" / "loop1.txt").symlink_to("loop2.txt")
    (project / "articles" / "loop2.txt").symlink_to("loop1.txt")
    done = run(project)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    text = markdown(project)
    assert "Good news" in text
    assert "loop1.txt: skipped, it is a symbolic link loop" in text
    assert "loop2.txt: skipped, it is a symbolic link loop" in text


def test_legacy_encodings_are_read_and_a_guess_is_said(tmp_path: Path) -> None:
    project = folder_project(tmp_path)
    folder = project / "articles"
    body = "Les élèves ont été reçus à l'école, dit le maire. La fête a duré."
    (folder / "latin1.txt").write_bytes(f"Latin\n\n{body}\n".encode("latin-1"))
    (folder / "cp1252.txt").write_bytes(f"Windows\n\n“{body}”\n".encode("cp1252"))
    (folder / "broken.txt").write_bytes(f"Broken\n\n{body}\n".encode() + b"\xff end.\n")
    (folder / "utf16.txt").write_bytes(f"Sixteen\n\n{body}\n".encode("utf-16"))
    done = run(project)
    assert done.returncode == 0, done.stderr
    text = markdown(project)
    for title in ("Latin", "Windows", "Broken", "Sixteen"):
        assert f"## {title}" in text
    assert text.count("Les élèves ont été reçus") == 4
    assert "latin1.txt: not valid UTF-8; read as Windows-1252 (a guess" in done.stderr
    assert "broken.txt: not valid UTF-8 in places" in done.stderr
    assert "utf16.txt" not in done.stderr


def test_a_one_line_text_from_stdin_is_summarised(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "briefing", "summarize", "-"],
        input="Short news item. It has two sentences.\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NLTK_DATA": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Short news item.", "It has two sentences."]


def test_a_batch_record_with_a_lone_surrogate_is_answered_exactly(tmp_path: Path) -> None:
    lines = (
        '{"id": "a\\ud800", "text": "Bad \\ud800 text. Another sentence here."}\n'
        '{"id": 2, "text": "Fine text. Yes."}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "briefing", "summarize", "--jsonl", "-", "-n", "1"],
        input=lines,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NLTK_DATA": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["id"] == "a\ud800"
    assert second == {"id": 2, "language": "en", "sentences": ["Fine text."]}


# --- 2: identity --------------------------------------------------------------------------


def test_distinct_entries_with_the_same_teaser_are_all_kept(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Story {n}</title><link>https://example.org/{n}</link>"
        f"<guid>story-{n}</guid>"
        "<description>Click here to read the full story on our website.</description></item>"
        for n in range(5)
    )
    (tmp_path / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
    )
    (tmp_path / "briefing.toml").write_text(
        'formats = ["md"]\n[[sources]]\nname = "Feed"\nfeed = "feed.xml"\nfull_text = false\n'
    )
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    text = markdown(tmp_path)
    for n in range(5):
        assert f"Story {n}" in text


def test_entries_merged_by_their_text_are_reported(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Copy {n}</title><link>https://example.org/{n}</link>"
        f"<description>{SENTENCES}</description></item>"
        for n in range(2)
    )
    (tmp_path / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
    )
    (tmp_path / "briefing.toml").write_text(
        'formats = ["md"]\n[[sources]]\nname = "Feed"\nfeed = "feed.xml"\nfull_text = false\n'
    )
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    text = markdown(tmp_path)
    assert re.search(r"^## \[?Copy 0\b", text, re.M)
    assert "“Copy 1” (https://example.org/1) has the same text as “Copy 0”" in text


# --- 12, 13: errors a user can act on -----------------------------------------------------------


def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    project = folder_project(tmp_path, extra='database = "contacts.db"')
    with sqlite3.connect(project / "contacts.db") as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    before = (project / "contacts.db").read_bytes()
    done = run(project)
    assert done.returncode == 1
    assert "is an SQLite database of another program (tables: contacts)" in done.stderr
    assert "internal error" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (project / "contacts.db").read_bytes() == before


def test_a_database_with_a_missing_column_is_refused(tmp_path: Path) -> None:
    project = folder_project(tmp_path)
    assert run(project).returncode == 0
    with sqlite3.connect(project / "output" / "briefing.sqlite3") as db:
        db.execute("ALTER TABLE articles DROP COLUMN summary")
    done = run(project, "--force")
    assert done.returncode == 1
    assert "lacks the column(s) articles.summary" in done.stderr
    assert "internal error" not in done.stderr


def test_a_damaged_database_is_refused_and_can_be_recovered(tmp_path: Path) -> None:
    project = folder_project(tmp_path)
    for n in range(40):
        (project / "articles" / f"a{n:02}.txt").write_text(f"Title {n}\n\n{SENTENCES} {n}\n")
    assert run(project).returncode == 0
    database = project / "output" / "briefing.sqlite3"
    pages = database.stat().st_size // 4096
    with database.open("r+b") as handle:
        # Pages in the last quarter: the articles' later leaves, so some rows stay readable
        # whatever tables come before them in the file.
        for page in range(pages * 3 // 4, pages - 1, 3):
            handle.seek(page * 4096)
            handle.write(b"\xa5" * 4096)
    done = run(project, "--force")
    assert done.returncode == 1
    assert "is damaged" in done.stderr and "If the database is damaged" in done.stderr
    assert "internal error" not in done.stderr
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 command to follow the README's recovery steps")
    # The README's steps, exactly as a user would copy them.
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### If the database is damaged", 1)[1]
    script = section.split("```sh\n", 1)[1].split("```", 1)[0]
    subprocess.run(["sh", "-ec", script], cwd=database.parent, check=True, timeout=60)
    with sqlite3.connect(database) as db:
        (kept,) = db.execute(
            "SELECT count(*) FROM articles WHERE briefed_on IS NOT NULL"
        ).fetchone()
    assert kept > 0  # what could still be read is kept, with what was briefed when
    again = run(project)
    assert again.returncode == 0, again.stderr


def _unshare() -> tuple[str, ...]:
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip("needs `unshare -rm` to mount a small or read-only file system")
    return ("unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o "$0" tmpfs "$1" && shift && "$@"')


def test_a_full_disk_is_one_line_saying_so(tmp_path: Path) -> None:
    wrap = _unshare()
    project = folder_project(tmp_path, extra='output_dir = "small"\ndatabase = "db/db.sqlite3"')
    (project / "small").mkdir()
    (project / "db").mkdir()
    for n in range(60):
        (project / "articles" / f"a{n:02}.txt").write_text(f"Title {n}\n\n{SENTENCES} {n}\n")
    done = run(project, wrap=(*wrap, "size=4k", str(project / "small")))
    assert done.returncode == 1, done.stderr
    assert "cannot write" in done.stderr and "the disk is full" in done.stderr
    assert "internal error" not in done.stderr
    full_db = run(project, wrap=(*wrap, "size=16k", str(project / "db")))
    assert full_db.returncode == 1
    assert "the disk is full" in full_db.stderr
    assert "internal error" not in full_db.stderr


def test_a_read_only_output_folder_is_one_line_saying_so(tmp_path: Path) -> None:
    wrap = _unshare()
    project = folder_project(tmp_path, extra='output_dir = "ro"\ndatabase = "db.sqlite3"')
    (project / "ro").mkdir()
    done = run(project, wrap=(*wrap, "ro", str(project / "ro")))
    assert done.returncode == 1
    assert "read-only" in done.stderr
    assert "internal error" not in done.stderr


# --- 14: file modes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_files_follow_the_umask(tmp_path: Path, umask: int, expected: int) -> None:
    project = folder_project(tmp_path)
    assert run(project, umask=umask).returncode == 0
    init = briefing("init", "starter", cwd=project, umask=umask)
    assert init.returncode == 0, init.stderr
    for path in (
        project / "output" / "briefing-2026-11-24.md",
        project / "output" / "briefing.sqlite3",
        project / "starter" / "briefing.toml",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
