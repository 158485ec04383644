"""Loading the one document ``briefing summarize`` is given: a path, a URL or stdin."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from .config import FetchConfig
from .documents import (
    MAX_DOCUMENT_BYTES,
    Document,
    decode_bytes,
    parse_document,
    read_document,
    sniff_kind,
    with_note,
)
from .errors import DocumentError
from .printable import printable_line, printable_text
from .urls import is_web_url


def load_document(
    target: str,
    *,
    stdin: BinaryIO | None = None,
    allow_private: bool = False,
    fetch: FetchConfig | None = None,
) -> Document:
    """Read ``target``: ``-`` (``stdin``), an http(s) URL, or a local file path."""
    if target == "-":
        if stdin is None:
            raise DocumentError("no standard input to read")
        data = stdin.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"standard input: too large (the limit is {MAX_DOCUMENT_BYTES:,} bytes)"
            )
        decoded = decode_bytes(data, name="standard input")
        return with_note(parse_document(decoded.text, sniff_kind(decoded.text)), decoded.note)
    if "://" in target:
        if not is_web_url(target):
            raise DocumentError(f"{target}: only http:// and https:// URLs can be read")
        return _load_url(target, allow_private=allow_private, fetch=fetch or FetchConfig())
    return read_document(Path(target))


def _load_url(url: str, *, allow_private: bool, fetch: FetchConfig) -> Document:
    from .http import fetch_url
    from .sources.page import extract_page

    data, content_type, final_url = fetch_url(url, fetch=fetch, allow_private=allow_private)
    decoded = decode_bytes(data, name=final_url)
    text = decoded.text
    kind = "markdown" if "markdown" in (content_type or "") else sniff_kind(text)
    if "html" not in (content_type or "") and kind != "html":
        return with_note(parse_document(text, kind), decoded.note)
    # A web page is mostly navigation and boilerplate: keep its main text only,
    # and fall back to all of its text when no article body is recognised.
    page = extract_page(data, final_url)
    if page is None:
        return with_note(parse_document(text, "html"), decoded.note)
    return Document(
        title=printable_line(page.title) if page.title else None,
        text=printable_text(page.text),
        kind="html",
        meta={"url": final_url, **({"language": page.language} if page.language else {})},
    )
