"""Reading one document (plain text, Markdown or HTML) from bytes or a local file.

Files come from strangers: a FIFO must not hang the run, a symlink must not
lead outside the folder it was found in, a binary or huge file is refused with
a clear message, and a file in a legacy encoding is still read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import DocumentError

MAX_DOCUMENT_BYTES = 5_000_000
TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
FRONT_MATTER_KEYS = frozenset({"title", "url", "date", "language", "author", "attribution"})


@dataclass(frozen=True)
class Document:
    """A document's title, plain text and the metadata it declared."""

    title: str | None
    text: str
    kind: str
    meta: dict[str, str] = field(default_factory=dict)


def read_file_bytes(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Read a regular file, refusing FIFOs, devices, folders and oversized files."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError(f"{path}: is a folder, not a document")
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{path}: not a regular file (a FIFO, socket or device is not read)")
    if info.st_size > max_bytes:
        raise DocumentError(
            f"{path}: too large ({info.st_size:,} bytes; the limit is {max_bytes:,})"
        )
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after stat, open must not block.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DocumentError(f"{path}: not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(f"{path}: too large (the limit is {max_bytes:,} bytes)")
    return data


def decode_text(data: bytes, *, name: str = "document") -> str:
    """Decode bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Raises DocumentError for empty or binary data.
    """
    if not data.strip():
        raise DocumentError(f"{name}: empty document")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(f"{name}: unreadable UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: binary data, not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy Western encodings are the common case for old files and
        # pages; cp1252 is a superset of latin-1's printable range.
        text = data.decode("cp1252", errors="replace")
    if _looks_binary(text):
        raise DocumentError(f"{name}: binary data, not a text document")
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    return len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def kind_for_name(name: str, default: str = "text") -> str:
    suffix = Path(name).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    return default


def sniff_kind(text: str) -> str:
    """Guess a document's kind from its start, for stdin and URLs."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<p>" in head:
        return "html"
    return "text"


def parse_document(text: str, kind: str) -> Document:
    """Turn raw text of a given kind ("text", "markdown", "html") into a Document."""
    from .text import html_to_text, markdown_to_text

    meta, body = split_front_matter(text)
    if kind == "html":
        headline = _html_headline(body)
        title = meta.get("title") or _html_title(body) or headline
        plain = _drop_headline(html_to_text(body), headline)
    elif kind == "markdown":
        title = meta.get("title") or _markdown_title(body)
        plain = markdown_to_text(
            _drop_first_heading(body) if title and not meta.get("title") else body
        )
    else:
        title = meta.get("title")
        if title is None:
            title, body = _text_title(body)
        plain = body
    if not plain.strip():
        raise DocumentError("the document has no text")
    return Document(
        title=title.strip() if title else None, text=plain.strip(), kind=kind, meta=meta
    )


def read_document(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read and parse a local document file."""
    data = read_file_bytes(path, max_bytes=max_bytes)
    text = decode_text(data, name=str(path))
    try:
        return parse_document(text, kind_for_name(path.name))
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from None


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a ``---``-delimited block of ``key: value`` lines off the start of a document."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in FRONT_MATTER_KEYS and value.strip():
            meta[key] = value.strip().strip('"')
    return meta, text[match.end() :]


def _text_title(body: str) -> tuple[str | None, str]:
    # A short first line followed by a blank line is a title (the Wikinews
    # sample format and most saved articles); otherwise there is none.
    lines = body.lstrip("\ufeff\n\r ").split("\n", 2)
    if len(lines) >= 2 and not lines[1].strip() and 0 < len(lines[0].strip()) <= 200:
        first = lines[0].strip()
        if not first.endswith((".", "!", "?", ":")) or len(first) < 90:
            return first, lines[2] if len(lines) > 2 else ""
    return None, body


_MD_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*$", re.M)


def _markdown_title(body: str) -> str | None:
    match = _MD_HEADING.match(body)
    return match.group(1) if match else None


def _drop_first_heading(body: str) -> str:
    return _MD_HEADING.sub("", body, count=1)


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def _html_title(body: str) -> str | None:
    import html

    match = _HTML_TITLE.search(body[:65536])
    if not match:
        return None
    title = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))).strip()
    return title or None


_HEADLINE_CHARS = 2000


def _html_headline(body: str) -> str | None:
    """The text of the page's first ``<h1>``, the story's headline.

    Found with plain searches, linear in the page: a hostile page with
    thousands of unclosed ``<h1`` costs no more than reading it.
    """
    from .text import html_to_text

    page = body[:200_000].lower()
    start = page.find("<h1")
    while start >= 0 and page[start + 3 : start + 4] not in (">", " ", "\t", "\n", "\r"):
        start = page.find("<h1", start + 3)
    if start < 0:
        return None
    opened = page.find(">", start)
    end = page.find("</h1", opened)
    if opened < 0 or end < 0 or end - opened > _HEADLINE_CHARS:
        return None
    return html_to_text(body[opened + 1 : end]).strip() or None


def _drop_headline(plain: str, headline: str | None) -> str:
    # A page repeats its headline above the story; a summary would quote it as
    # the article's first sentence (trafilatura leaves it out of a fetched page).
    if not headline:
        return plain
    first, _, rest = plain.partition("\n\n")
    return rest if " ".join(first.split()) == " ".join(headline.split()) else plain


def parse_date(value: str | None) -> datetime | None:
    """An ISO date or datetime from front matter; None if absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
