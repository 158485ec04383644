from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.errors import SourceError
from briefing.sources.base import SourceState, make_source


def folder_source(folder: Path, **extra: object):  # type: ignore[no-untyped-def]
    config = parse_config({"sources": [{"folder": str(folder), "name": "docs", **extra}]})
    return make_source(config.sources[0], config)


def test_reads_text_markdown_and_html_and_skips_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title A\n\nBody of A. More of A.")
    (tmp_path / "b.md").write_text("# Title B\n\nBody of *B*.")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Title C</title></head>"
        "<body><p>Body of C.</p><script>evil()</script></body></html>"
    )
    (tmp_path / "d.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "e.png").write_bytes(b"\x89PNG")
    (tmp_path / "f.csv").write_text("a,b\n")
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nNo.")
    result = folder_source(tmp_path).fetch(SourceState())
    titles = [a.title for a in result.articles]
    assert titles == ["Title A", "Title B", "Title C"]
    assert "evil" not in result.articles[2].text
    # The PDF is named (an article the reader would otherwise never know was missed);
    # an image or a spreadsheet beside the articles is passed over.
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'd.pdf'}: PDF files are not read (save it as .txt, .md or .html)"
    ]


def test_one_bad_file_is_reported_and_the_others_are_read(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nA good article.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    os.mkfifo(tmp_path / "fifo.txt")
    result = folder_source(tmp_path).fetch(SourceState())
    assert [a.title for a in result.articles] == ["Good"]
    problems = "\n".join(result.problems)
    assert "binary.txt: binary data" in problems
    assert "empty.txt: empty document" in problems
    assert "fifo.txt: not a regular file" in problems


def test_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\nDo not read me.")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "leak.txt").symlink_to(secret)
    result = folder_source(folder).fetch(SourceState())
    assert result.articles == ()
    assert "links outside the folder" in result.problems[0]


def test_front_matter_gives_metadata_and_only_web_links(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "---\ntitle: T\nurl: javascript:alert(1)\ndate: 2026-11-20\nattribution: CC BY\n---\nText."
    )
    (article,) = folder_source(tmp_path, language="fr").fetch(SourceState()).articles
    assert article.url is None
    assert article.published is not None and article.published.year == 2026
    assert article.attribution == "CC BY"
    assert article.language == "fr"


def test_a_missing_folder_fails_the_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="folder not found"):
        folder_source(tmp_path / "nope").fetch(SourceState())


def test_a_symlink_loop_is_one_skipped_file(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nA good article.")
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "dangling.txt").symlink_to("nowhere.txt")
    result = folder_source(tmp_path).fetch(SourceState())
    assert [a.title for a in result.articles] == ["Good"]
    problems = "\n".join(result.problems)
    assert "loop.txt: skipped, it is a symbolic link loop" in problems
    assert "dangling.txt: no such file" in problems


def test_a_name_that_is_not_utf8_is_shown_printable(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"")
    (tmp_path / os.fsdecode(b"ok\xff.txt")).write_text("Fine\n\nIts text.")
    result = folder_source(tmp_path).fetch(SourceState())
    assert [a.title for a in result.articles] == ["Fine"]
    (problem,) = result.problems
    assert problem.endswith("caf\ufffd.txt: empty document")
    problem.encode("utf-8")


def test_a_file_in_a_guessed_encoding_is_flagged_and_said(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("Vieux\n\nDéjà lu, à côté.".encode("latin-1"))
    result = folder_source(tmp_path).fetch(SourceState())
    (old,) = result.articles
    assert old.text == "Déjà lu, à côté."
    assert old.flags == ("encoding-guessed",)
    assert "old.txt: not valid UTF-8; read as Windows-1252 (a guess" in result.problems[0]


def test_linked_and_too_deep_folders_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    deep = folder / "1" / "2" / "3" / "4" / "5"
    deep.mkdir(parents=True)
    (deep / "lost.txt").write_text("Lost\n\nToo deep.")
    (folder / "1" / "ok.txt").write_text("Kept\n\nShallow enough.")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("X\n\nElsewhere.")
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    result = folder_source(folder).fetch(SourceState())
    assert [a.title for a in result.articles] == ["Kept"]
    problems = "\n".join(result.problems)
    assert "linked: skipped, a link to a folder is not followed" in problems
    assert "4/5: skipped, deeper than 4 folders" in problems


def test_a_date_out_of_range_is_clamped_and_flagged_like_a_feeds(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from briefing.sources.base import FLAG_ANCIENT, FLAG_FUTURE

    # Year 1 at +05:00 has no UTC time: rendering the briefing raised OverflowError.
    (tmp_path / "old.txt").write_text("---\ndate: 0001-01-01T00:00:00+05:00\n---\nOld text.")
    (tmp_path / "far.txt").write_text("---\ndate: 9999-12-31T23:59:59-12:00\n---\nFar text.")
    (tmp_path / "bare.txt").write_text("---\ndate: 2004-12-31\n---\nA bare date.")
    articles = {a.text: a for a in folder_source(tmp_path).fetch(SourceState()).articles}
    old, far, bare = articles["Old text."], articles["Far text."], articles["A bare date."]
    assert old.published == datetime(1990, 1, 1, tzinfo=UTC) and FLAG_ANCIENT in old.flags
    assert far.published is not None and far.published <= datetime.now(UTC)
    assert FLAG_FUTURE in far.flags
    assert bare.published == datetime(2004, 12, 31) and bare.flags == ()
