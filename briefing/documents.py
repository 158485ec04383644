"""Reading one document (plain text, Markdown or HTML) from bytes or a local file.

Files come from strangers: a FIFO must not hang the run, a symlink must not
lead outside the folder it was found in, a binary or huge file is refused with
a clear message, and a file in a legacy encoding is still read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .errors import DocumentError
from .printable import printable_line, printable_path, printable_text

MAX_DOCUMENT_BYTES = 5_000_000
TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
#: Formats people save articles in that this tool does not read: refused by name
#: (a folder source lists them as skipped), never read as text.
UNREAD_DOCUMENTS = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".odt": "OpenDocument",
    ".rtf": "RTF",
    ".epub": "EPUB",
    ".pages": "Pages",
}
FRONT_MATTER_KEYS = frozenset({"title", "url", "date", "language", "author", "attribution"})


@dataclass(frozen=True)
class Document:
    """A document's title, plain text and the metadata it declared."""

    title: str | None
    text: str
    kind: str
    meta: dict[str, str] = field(default_factory=dict)
    #: What the reader should know about how it was read (e.g. an encoding that was guessed).
    notes: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the encoding it was read in, and whether that was a guess."""

    text: str
    encoding: str
    #: What a user should be told about the decoding, when it was a guess.
    note: str | None = None


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_DECLARED = re.compile(
    rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding\s*=\s*["'])([A-Za-z0-9._:-]{2,40})""",
    re.I,
)
NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "cp1252": "Windows-1252"}


def decode_bytes(data: bytes, *, name: str = "document") -> Decoded:
    """Decode a document: its byte-order mark, else UTF-8, else its declared or a legacy encoding.

    A file that is UTF-8 but for a few broken bytes is read as UTF-8 (the broken
    bytes become U+FFFD); one that is not UTF-8 is read in the encoding it
    declares (``<meta charset>``, ``<?xml encoding?>``), else as Windows-1252,
    the Western legacy encoding (a superset of Latin-1's printable range).
    Raises DocumentError for empty or binary data.
    """
    if not data.strip():
        raise DocumentError(f"{name}: empty document")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(Decoded(data.decode(codec), NAMES[codec]), name)
            except UnicodeDecodeError:
                raise DocumentError(f"{name}: unreadable {NAMES[codec]} text") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: binary data, not a text document")
    try:
        return _checked(Decoded(data.decode("utf-8"), "UTF-8"), name)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if _valid_non_ascii(text) > broken:
        # More good UTF-8 sequences than broken bytes: a UTF-8 file with some
        # damage (legacy text has almost no byte runs that happen to be UTF-8).
        note = "not valid UTF-8 in places; the broken bytes are shown as \ufffd"
        return _checked(Decoded(text, "UTF-8", note), name)
    declared = _declared_encoding(data)
    if declared is not None:
        return _checked(Decoded(data.decode(declared, errors="replace"), declared), name)
    note = "not valid UTF-8; read as Windows-1252 (a guess: check its accented letters)"
    return _checked(Decoded(data.decode("cp1252", errors="replace"), "Windows-1252", note), name)


def decode_text(data: bytes, *, name: str = "document") -> str:
    """The text of ``data`` (see :func:`decode_bytes`)."""
    return decode_bytes(data, name=name).text


def _valid_non_ascii(text: str) -> int:
    return sum(1 for char in text if char > "\x7f" and char != "\ufffd")


def _declared_encoding(data: bytes) -> str | None:
    import codecs

    match = _DECLARED.search(data[:4096])
    if not match:
        return None
    try:
        codec = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # A declared UTF-8 that does not decode is no declaration to trust.
    return None if codec.startswith(("utf-8", "utf_8", "utf-16", "utf-32")) else codec


def _checked(decoded: Decoded, name: str) -> Decoded:
    if _looks_binary(decoded.text):
        raise DocumentError(f"{name}: binary data, not a text document")
    return decoded


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
    return "markdown" if looks_like_markdown(text) else "text"


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` opens on a "# Heading" or an underlined title, or holds a link early.

    Read as plain text, "**Monday**" and "[budget](https://…)" were quoted as written.
    """
    return _MD_SIGNS.search(text[:4096]) is not None


# What plain prose never has: a "# Heading" line, an underlined title, or a link.
_MD_SIGNS = re.compile(
    r"\A\s*#{1,6}[ \t]+\S|\A[^\n]+\n[ \t]{0,3}(?:={3,}|-{3,})[ \t]*\n"
    r"|\[[^\[\]\n]{1,500}\]\((?:https?://|/)"
)


def parse_document(text: str, kind: str) -> Document:
    """Turn raw text of a given kind ("text", "markdown", "html") into a Document."""
    from .text import html_to_text, markdown_to_text

    meta, body = split_front_matter(text)
    if kind == "html":
        headline = _html_headline(body)
        title = meta.get("title") or _html_title(body) or headline
        plain = drop_repeated_title(html_to_text(body), headline)
    elif kind == "markdown":
        found, rest = _markdown_title(body)
        title = meta.get("title") or found
        plain = markdown_to_text(rest if found and not meta.get("title") else body)
    else:
        title = meta.get("title")
        if title is None:
            title, body = _text_title(body)
        plain = body
    plain = printable_text(plain).strip()
    if not plain:
        raise DocumentError("the document has no text")
    title = printable_line(title).strip() if title else None
    return Document(title=title or None, text=plain, kind=kind, meta=meta)


def read_document(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read and parse a local document file."""
    if kind := UNREAD_DOCUMENTS.get(path.suffix.lower()):
        # A PDF's text-like first bytes would be "summarised" as "%PDF-1.4 …".
        raise DocumentError(
            f"{printable_path(path)}: {kind} files are not read (save it as .txt, .md or .html)"
        )
    data = read_file_bytes(path, max_bytes=max_bytes)
    decoded = decode_bytes(data, name=str(path))
    try:
        kind = kind_for_name(path.name)
        if kind == "text" and looks_like_markdown(decoded.text):
            kind = "markdown"  # notes.txt written in Markdown: its "# Title" is a title
        doc = parse_document(decoded.text, kind)
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from None
    return with_note(doc, decoded.note)


def with_note(doc: Document, note: str | None) -> Document:
    """``doc`` with one more note (none added when ``note`` is None)."""
    return replace(doc, notes=(*doc.notes, note)) if note else doc


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
            meta[key] = printable_line(value.strip().strip('"'))
    return meta, text[match.end() :]


def _text_title(body: str) -> tuple[str | None, str]:
    # A short first line followed by a blank line is a title (the Wikinews
    # sample format and most saved articles); otherwise there is none.
    # A line with nothing after it is the text itself, even when the file ends
    # with a newline (a one-line note, or `echo ... |`).
    lines = body.lstrip("\ufeff\n\r ").split("\n", 2)
    has_more = len(lines) > 2 and bool(lines[2].strip())
    if has_more and not lines[1].strip() and 0 < len(lines[0].strip()) <= 200:
        first = lines[0].strip()
        if not first.endswith((".", "!", "?", ":")) or len(first) < 90:
            return first, lines[2]
    return None, body


# "# Title" on the first line. Its closing "#"s are stripped in Python: a lazy
# group before "\s*#*\s*$" took 11 s on a first line of 2,000 spaces.
_MD_HEADING_START = re.compile(r"\A\s*#\s+")


def _first_heading(body: str) -> tuple[str, int] | None:
    """The first line's "# Title" and where that line ends, or None."""
    start = _MD_HEADING_START.match(body)
    if start is None:
        return None
    end = body.find("\n", start.end())
    end = len(body) if end < 0 else end
    title = body[start.end() : end].rstrip(" \t\r").rstrip("#").rstrip(" \t")
    return (title, end) if title else None


def _markdown_title(body: str) -> tuple[str | None, str]:
    """The document's title and the body after it, or None and the whole body.

    The title is a first "# Title", or "Title" over "===" or "---", else a short
    first line before a blank line, as in a text file.
    """
    from .text import markdown_to_text

    heading = _first_heading(body)
    if heading:
        return heading[0], body[heading[1] :]
    lines = body.lstrip("\ufeff\n\r ").split("\n", 2)
    if len(lines) > 1 and _MD_SETEXT_H1.match(lines[1]) and lines[0].strip():
        return markdown_to_text(lines[0]) or None, lines[2] if len(lines) > 2 else ""
    if lines and _MD_BLOCK_START.match(lines[0]):
        return None, body  # a list, quote, table, fence or tag: never a title line
    title, rest = _text_title(body)
    return (markdown_to_text(title) or None, rest) if title else (None, body)


# "Title" over a line of "=" (or "-", which also underlines a heading).
_MD_SETEXT_H1 = re.compile(r"[ \t]{0,3}(?:=+|-+)[ \t]*\r?$")
_MD_BLOCK_START = re.compile(r"[ \t]*(?:[-*+][ \t]|[>|<]|```|~~~|\d{1,9}[.)][ \t])")


# The head of a page comes from strangers: each element is found with one
# forward scan. A lazy "<h1[^>]*>(.*?)</h1>" retried at every unclosed start tag
# and read the rest of the head each time (1.5 s for 5,000 "<h1 class=x>").
_HTML_TITLE = (re.compile(r"<title\b", re.I), re.compile(r"</title>", re.I))
_HTML_H1 = (re.compile(r"<h1\b", re.I), re.compile(r"</h1>", re.I))
_HTML_META = re.compile(r"<meta\b[^<>]{0,4000}>", re.I)
_HTML_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
# "Headline | Site", "Headline - Site", "Headline — Site": a short last part
# after a separator is the site's name, not the headline's.
_SITE_SUFFIX = re.compile(r"\s+(?:\||-|–|—|·|::)\s+([^|–—·]+)$")
MAX_SITE_NAME_WORDS = 4
HTML_HEAD_CHARS = 65536


def _html_title(body: str) -> str | None:
    """The page's headline: og:title, else its <h1> when <title> agrees, else <title>.

    A site's name after the headline ("… | Example News") is dropped.
    """
    head = body[:HTML_HEAD_CHARS]
    meta = _html_meta(head)
    site = meta.get("og:site_name")
    title = _inline_text(_first_element(_HTML_TITLE, head))
    h1 = _inline_text(_first_element(_HTML_H1, head))
    if meta.get("og:title"):
        return without_site_name(_inline_text(meta["og:title"]) or "", site) or None
    if h1 and (not title or h1.casefold() in title.casefold()):
        return h1
    return without_site_name(title, site) or None if title else None


def _html_meta(head: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in _HTML_META.findall(head):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _HTML_ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or "").lower()
        if key and "content" in attrs:
            found.setdefault(key, attrs["content"])
    return found


def _first_element(tags: tuple[re.Pattern[str], re.Pattern[str]], text: str) -> str:
    """The markup inside the first element the (start, end) tag patterns find, or ""."""
    opening, closing = tags
    start = opening.search(text)
    if start is None:
        return ""
    inside = text.find(">", start.end())
    if inside < 0:
        return ""
    end = closing.search(text, inside + 1)
    return text[inside + 1 : end.start()] if end else ""


def _inline_text(fragment: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def without_site_name(title: str, site: str | None) -> str:
    """``title`` without a site's name after a separator ("… | Example News")."""
    if site and title.casefold().endswith(site.strip().casefold()):
        trimmed = _SITE_SUFFIX.sub("", title)
        return trimmed if trimmed != title else title
    match = _SITE_SUFFIX.search(title)
    if match and len(match.group(1).split()) <= MAX_SITE_NAME_WORDS:
        headline = title[: match.start()]
        if len(headline.split()) >= 2:
            return headline
    return title


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


# What starts a sentence, and so cannot go on the title's own: an opening
# quotation mark, a byline, a dateline in capitals ("MUMBAI:", "NEW YORK
# (AP)"), or a capitalised function word, which is lower case inside a
# sentence ("… spammers In its campaign"). A capitalised name may go on the
# title's sentence ("Obama to meet Putin in Moscow"), so it is no cue.
_SENTENCE_START = re.compile(
    r"[\"'«“‘„]|By\s[A-Z]|[A-Z]{3,}(?:[ .'’-][A-Z]+)*(?::|,|\s\()"
    r"|(?:The|A|An|In|On|At|For|With|After|Before|As|But|When|While|This|It|He|She|They"
    r"|Le|La|Les|Un|Une|Des|Dans|En|Au|Aux|Selon|Pour|Après|Il|Elle|Ils|Elles)\s"
)
# A page's heading sits near its top, under the site's navigation at most.
_TITLE_SEARCH_CHARS = 2_000


def drop_repeated_title(text: str, title: str | None, *, own_paragraph: bool = True) -> str:
    """``text`` without the article's title where the page repeats it above the story.

    Pages, feed entries and local files often carry their own headline, as a
    paragraph of its own at the top or glued to the lead, sometimes after the
    site's navigation ("… Next >> Lycos users are to attack spammers In its
    campaign …"): a summary would quote it as part of the lead. Glued, the
    title is cut only where a sentence plainly starts after it (see
    ``_SENTENCE_START``), so a lead that starts with the headline's words
    keeps them ("Kmart to buy Sears for $11bn"). ``own_paragraph=False``
    keeps a title that stands as a paragraph of its own at the top.
    """
    words = title.split() if title else []
    if not words:
        return text
    body = text.lstrip()
    first, found, rest = body.partition("\n\n")
    if own_paragraph and found and " ".join(first.split()).casefold() == " ".join(words).casefold():
        return rest.lstrip()
    if len(words) < 3:
        return text
    # Most texts do not repeat their title near the top: a substring test
    # spares them compiling a pattern for it (half a millisecond an entry).
    top = body[: _TITLE_SEARCH_CHARS + len(title or "")]
    if " ".join(words).casefold() not in " ".join(top.split()).casefold():
        return text
    heading = r"\s+".join(re.escape(word) for word in words)
    for match in re.finditer(rf"(?<!\S)(?i:{heading})[ \t]+", top):
        if match.start() < _TITLE_SEARCH_CHARS and _SENTENCE_START.match(body, match.end()):
            break
    else:
        return text
    before, after = body[: match.start()], body[match.end() :]
    # As with inline debris, what stood before the title is never joined to the lead.
    return f"{before.rstrip()}\n\n{after}" if before.strip() else after


def parse_date(value: str | None) -> datetime | None:
    """An ISO date or datetime from front matter; None if absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
