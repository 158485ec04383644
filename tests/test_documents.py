from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefing.documents import (
    decode_bytes,
    decode_text,
    read_document,
    read_file_bytes,
    split_front_matter,
)
from briefing.errors import DocumentError


def test_text_file_title_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "---\nurl: https://example.org/a\nlanguage: fr\n---\nLe titre\n\nUn texte. Deux.\n"
    )
    doc = read_document(path)
    assert doc.title == "Le titre"
    assert doc.text == "Un texte. Deux."
    assert doc.meta == {"url": "https://example.org/a", "language": "fr"}


def test_untitled_text_keeps_all_its_text(tmp_path: Path) -> None:
    path = tmp_path / "b.txt"
    path.write_text("Le 11 mars, une réunion a eu lieu à Paris. Elle a duré.\nSuite du texte.\n")
    doc = read_document(path)
    assert doc.title is None
    assert doc.text.startswith("Le 11 mars")


def test_legacy_encodings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Titre\n\nLes élèves ont été reçus à l'école.".encode("cp1252"))
    assert "élèves ont été reçus" in read_document(path).text
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text("Titre\n\nDéjà vu.", encoding="utf-16")
    assert read_document(utf16).text == "Déjà vu."


def test_empty_binary_missing_and_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    with pytest.raises(DocumentError, match="empty"):
        read_document(tmp_path / "empty.txt")
    with pytest.raises(DocumentError, match="binary"):
        read_document(tmp_path / "bin.txt")
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="folder"):
        read_document(tmp_path)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_file_bytes(fifo)


def test_oversized_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 1000)
    with pytest.raises(DocumentError, match="too large"):
        read_file_bytes(big, max_bytes=100)


def test_front_matter_ignores_unknown_keys() -> None:
    meta, body = split_front_matter("---\ntitle: T\nevil: x\n---\nbody")
    assert meta == {"title": "T"}
    assert body == "body"
    assert decode_text(b"\xef\xbb\xbfhello") == "hello"


def test_a_one_line_text_ending_in_a_newline_is_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Short news item. It has two sentences.\n")
    doc = read_document(path)
    assert doc.title is None
    assert doc.text == "Short news item. It has two sentences."
    (tmp_path / "titled.txt").write_text("A title\n\nAnd its text.\n")
    assert read_document(tmp_path / "titled.txt").title == "A title"


BODY = "Les élèves ont été reçus à l'école."


@pytest.mark.parametrize(
    ("data", "encoding", "guessed"),
    [
        (BODY.encode("utf-8"), "UTF-8", False),
        (BODY.encode("utf-8-sig"), "UTF-8", False),
        (BODY.encode("utf-16"), "UTF-16", False),
        (BODY.encode("utf-32"), "UTF-32", False),
        (BODY.encode("latin-1"), "Windows-1252", True),
        (f"“{BODY}”".encode("cp1252"), "Windows-1252", True),
        (f'<meta charset="iso-8859-15"><p>{BODY} €</p>'.encode("iso-8859-15"), "iso8859-15", False),
    ],
)
def test_decoding_says_when_the_encoding_was_a_guess(
    data: bytes, encoding: str, guessed: bool
) -> None:
    decoded = decode_bytes(data)
    assert BODY in decoded.text
    assert decoded.encoding == encoding
    assert (decoded.note is not None) == guessed


def test_broken_utf8_keeps_its_good_text() -> None:
    decoded = decode_bytes(BODY.encode() + b" \xff\xfe " + BODY.encode())
    assert decoded.text.count(BODY) == 2
    assert decoded.note is not None and "broken bytes" in decoded.note


def test_titles_and_text_are_printable(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title\x1b]0;owned\x07 here\n\nBody\x01 text.\n")
    doc = read_document(path)
    assert doc.title == "Title]0;owned here"
    assert doc.text == "Body text."


def test_a_markdown_heading_is_the_title_and_a_hostile_one_is_read_at_once(
    tmp_path: Path,
) -> None:
    import time

    plain = tmp_path / "a.md"
    plain.write_text("# Bridge opens ##\n\nThe council approved the bridge on Monday.\n")
    doc = read_document(plain)
    assert doc.title == "Bridge opens"
    assert doc.text == "The council approved the bridge on Monday."
    hostile = tmp_path / "b.md"  # took 11 s with 2,000 spaces, minutes with more
    hostile.write_text("# a" + " " * 50_000 + "b\n\nThe council approved the bridge on Monday.\n")
    started = time.perf_counter()
    doc = read_document(hostile)
    assert time.perf_counter() - started < 0.5
    assert doc.text.endswith("The council approved the bridge on Monday.")


def test_a_title_repeated_above_the_lead_is_cut_only_where_a_sentence_plainly_starts() -> None:
    from briefing.documents import drop_repeated_title

    after_navigation = (
        "26.11.2004 16:43 << Previous | Next >> Lycos users are to attack spammers In its "
        'campaign "Make Love, Not Spam", Lycos Europe is sending a screen saver.'
    )
    assert drop_repeated_title(after_navigation, "Lycos users are to attack spammers") == (
        '26.11.2004 16:43 << Previous | Next >>\n\nIn its campaign "Make Love, Not Spam", '
        "Lycos Europe is sending a screen saver."
    )
    dateline = "Markets react as Budget keeps out tax cuts MUMBAI: Equities closed lower."
    assert drop_repeated_title(dateline, "Markets react as budget keeps out tax cuts") == (
        "MUMBAI: Equities closed lower."
    )
    # A lead that goes on from the headline's words keeps them, names included.
    for lead, title in (
        ("Kmart to buy Sears for $11bn, the firms said.", "Kmart to buy Sears"),
        ("Obama to meet Putin in Moscow next week.", "Obama to meet"),
        ('In its campaign "Make Love, Not Spam" The rest.', "Make Love, Not Spam"),
    ):
        assert drop_repeated_title(lead, title) == lead


@pytest.mark.parametrize(
    "source",
    [
        "Bridge opens\n============\n\nThe council approved the bridge on Monday.\n",
        "**Bridge opens**\n\nThe council approved the bridge on Monday.\n",
        "Bridge opens\n\nThe council approved the bridge on Monday.\n",
    ],
)
def test_a_markdown_title_without_a_hash_is_still_the_title(tmp_path: Path, source: str) -> None:
    # Before, the title ran on into the text ("Bridge opens The council approved …") and
    # "Bridge opens" was quoted as the article's first sentence.
    path = tmp_path / "a.md"
    path.write_text(source)
    doc = read_document(path)
    assert doc.title == "Bridge opens"
    assert doc.text == "The council approved the bridge on Monday."


def test_a_markdown_list_or_quote_first_is_never_taken_for_a_title(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("- first point\n\nThe council approved the bridge on Monday.\n")
    assert read_document(path).title is None


def test_markdown_links_keep_their_text_whole_and_images_leave_no_words() -> None:
    from briefing.text import markdown_to_text

    md = (
        "The band [Yes](https://en.wikipedia.org/wiki/Yes_(band)) played. "
        '![Photo of the mayor](m.jpg "Mayor") The mayor spoke.\n\n'
        "[![build](badge.svg)](https://ci.example/) Done."
    )
    # Before: "The band Yes) played. Photo of the mayor The mayor spoke." and "build Done."
    paragraphs = [" ".join(p.split()) for p in markdown_to_text(md).split("\n\n")]
    assert paragraphs == ["The band Yes played. The mayor spoke.", "Done."]


def test_a_text_file_written_in_markdown_is_read_as_markdown(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "# Bridge opens\n\nThe council approved the [bridge](https://x.org/b) on Monday.\n"
    )
    doc = read_document(path)
    assert doc.title == "Bridge opens"
    assert doc.text == "The council approved the bridge on Monday."
