"""HTML and Markdown to plain text, apart from cleaning: plain text never pays for them.

An article given as plain text (`briefing summarize --jsonl`) needs neither
html.parser nor the Markdown expressions; they load on first use.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from briefing.text.clean import _BLANK_LINES, _BLOCK_TAGS, _SKIPPED_TAGS, _SPACES, _VOID_TAGS


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML document, block by block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS and tag not in _VOID_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self._end_block()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and tag not in _VOID_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._end_block()

    def _end_block(self) -> None:
        block = _SPACES.sub(" ", " ".join("".join(self._current).split())).strip()
        if block:
            self.blocks.append(block)
        self._current = []


def visible_text(html_text: str, *, well_formed: bool = False) -> str:
    """:func:`briefing.text.clean.html_to_text`."""
    extractor = _TextExtractor()
    extractor.feed(html_text if well_formed else _well_formed(html_text))
    extractor.close()
    return "\n\n".join(extractor.blocks)


def _well_formed(html_text: str) -> str:
    """The same markup rewritten by an HTML5 parser: every tag closed, stray "<" escaped.

    html.parser rescans the rest of the input from each start tag or comment
    that is never closed: a stranger's page of "<h1 <h1 …" or "<!-- <!-- …"
    took longer than a run may take (60 KB: over 5 s; the 5 MB a file may
    hold: hours). nh3 (html5ever) parses in linear time, keeps the tags that
    end a block and drops, with their content, those whose text is not read.
    """
    if "<" not in html_text:
        return html_text
    import nh3

    return str(
        nh3.clean(
            html_text,
            tags=set(_BLOCK_TAGS - {"html", "body"}),
            clean_content_tags=set(_SKIPPED_TAGS),
            attributes={},
            strip_comments=True,
            link_rel=None,
        )
    )


# A fenced code block: an opening line, then everything up to a closing line.
# Found by two forward searches (see _without_fences): one lazy pattern from
# every unclosed opening read the rest of the file each time (13.6 s for a
# file of 20,000 "```x" lines).
_MD_FENCE_OPEN = re.compile(r"^(?:```|~~~)", re.MULTILINE)
_MD_FENCE_CLOSE = re.compile(r"^(?:```|~~~)[ \t]*$", re.MULTILINE)
# A link's text holds no "[": each "[" of "[[[[…" is then tried once, not 500 times.
# Its target may hold one level of brackets, as Wikipedia's do ("/wiki/Paris_(France)");
# the two branches start on different characters, so the match stays linear.
_MD_TARGET = r"\((?:[^()\n]|\([^()\n]{0,2000}\)){0,2000}\)"
# An image is not prose: a reader of the page sees the picture, not its alt text
# (html_to_text drops <img> the same way).
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]" + _MD_TARGET)
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]" + _MD_TARGET)
_MD_REF_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\[[^\]\n]{0,200}\]")
_MD_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]{1,2000})>")
# The heading's text; its closing "#"s are stripped in Python (a lazy group
# before "[ \t]*#*[ \t]*$" rescanned the line's end for every character).
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*)$", re.MULTILINE)
_MD_SETEXT = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_MD_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE)
# Bounded spans keep every pattern linear on hostile input (no runaway backtracking).
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)([^\n]{0,300}?\S)\1")
_MD_CODE = re.compile(r"`{1,3}([^`\n]*)`{1,3}")
# The optional pipe takes its own spaces: two runs of [ \t]* side by side split
# a line of spaces every way before failing (3.3 s for 20,000 spaces).
_MD_TABLE_RULE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE
)


def markdown_prose(md: str) -> str:
    """:func:`briefing.text.clean.markdown_to_text`."""
    text = _without_fences(md)
    text = _MD_REF_DEF.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_HEADING.sub(_heading_text, text)
    text = _MD_TABLE_RULE.sub("", text)
    text = _MD_SETEXT.sub("", text)
    text = _MD_RULE.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_LIST.sub("", text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    if "<" in text or "&" in text:
        text = _strip_inline_html(text)
    return text.strip()


def _without_fences(md: str) -> str:
    """``md`` without its closed fenced code blocks; an unclosed fence stays as text."""
    if "```" not in md and "~~~" not in md:
        return md
    kept: list[str] = []
    position = 0
    while (opening := _MD_FENCE_OPEN.search(md, position)) is not None:
        # No closing line after this opening means none after any later one.
        closing = _MD_FENCE_CLOSE.search(md, opening.end())
        if closing is None:
            break
        kept.append(md[position : opening.start()])
        position = closing.end()
    kept.append(md[position:])
    return "".join(kept)


def _heading_text(match: re.Match[str]) -> str:
    return match.group(1).rstrip(" \t").rstrip("#").rstrip(" \t")


def _strip_inline_html(text: str) -> str:
    # Markdown may hold raw HTML; keep paragraph breaks, drop every tag.
    paragraphs = [visible_text(part) for part in _BLANK_LINES.split(text)]
    return "\n\n".join(p for p in paragraphs if p)


__all__ = ["markdown_prose", "visible_text"]
