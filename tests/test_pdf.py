"""Real WeasyPrint rendering, checked with pypdf: content, metadata, safety, limits."""

from __future__ import annotations

import http.server
import io
import itertools
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pypdf
import pytest
import sample_briefing as samples

from briefing.errors import RenderError
from briefing.pdf import asset_path, html_to_pdf, limit_html, start_pdf
from briefing.render import render_html, render_markdown


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def all_text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def link_targets(reader: pypdf.PdfReader) -> list[str]:
    targets = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def outline_titles(items: list[object]) -> list[str]:
    titles: list[str] = []
    for item in items:
        if isinstance(item, list):
            titles.extend(outline_titles(item))
        else:
            titles.append(str(item.title))  # type: ignore[attr-defined]
    return titles


@pytest.fixture(scope="module")
def briefing_pdf() -> tuple[object, bytes]:
    briefing = samples.make_briefing(4, failed_items=1, failures=1)
    return briefing, html_to_pdf(render_html(briefing), briefing=briefing)


def test_pdf_has_cover_contents_articles_and_page_numbers(
    briefing_pdf: tuple[object, bytes],
) -> None:
    _, pdf = briefing_pdf
    reader = read(pdf)
    text = all_text(reader)
    pages = len(reader.pages)
    assert 1 <= pages <= 6
    assert "Morning briefing" in text and "6 May 2024" in text
    assert "5 articles from 2 sources" in text
    assert "contents" in text.lower()  # section headings are set in small capitals
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Four NBA players suspended indefinitely for brawl" in text
    # French accents survive, and the colon keeps its no-break space.
    assert "Grèce\u00a0: le nouveau gouvernement de coalition formé" in text
    assert "From Wikinews, the free news source you can write!" in text
    assert "sources that could not be read" in text.lower() and "Broken feed 1" in text
    assert "the article has no readable sentences" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_pdf_metadata_outline_and_links(briefing_pdf: tuple[object, bytes]) -> None:
    _, pdf = briefing_pdf
    reader = read(pdf)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Morning briefing — 2024-05-06"
    assert meta.author == "Communications team"
    assert "Wikinews (en)" in str(meta.get("/Keywords"))
    assert str(meta.get("/CreationDate", "")).startswith("D:20240506070000")
    assert reader.trailer["/Root"].get("/Lang") == "en"
    titles = outline_titles(reader.outline)
    assert "Articles" in titles
    assert "Mali\u00a0: les islamistes poursuivent leurs destructions à Tombouctou" in titles
    links = link_targets(reader)
    assert "https://en.wikinews.org/wiki/US_president_Bush_visits_Canada" in links
    assert all(link.startswith(("http://", "https://")) for link in links)
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    fonts = {
        str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()
    }
    assert fonts  # fonts are embedded (subset, see the size test in benchmarks/render.py)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def web_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_hostile_html_cannot_read_files_or_the_network(web_server: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    hostile = f"""<html><head>
      <link rel="stylesheet" href="{web_server}/style.css">
      <link rel="attachment" href="file://{secret}" title="leak">
      <style>@import url({web_server}/import.css);
        body {{ background: url({web_server}/bg.png) }}</style></head>
      <body><h1>Hostile</h1>
      <img src="file:///etc/passwd"><img src="{web_server}/pixel.png">
      <object data="file://{secret}"></object>
      <iframe src="file://{secret}"></iframe>
      <a href="file://{secret}">local link</a> <a href="javascript:alert(1)">js</a>
      <a href="https://example.org/ok">web link</a>
      </body></html>"""
    briefing = samples.make_briefing(1)
    # In-process, so the test's own web server thread can answer if anything leaks.
    pdf = html_to_pdf(hostile, briefing=briefing, isolate=False)
    reader = read(pdf)
    assert _Recorder.hits == []
    assert "TOP-SECRET-CONTENT" not in all_text(reader)
    assert b"TOP-SECRET-CONTENT" not in pdf
    assert link_targets(reader) == ["https://example.org/ok"]
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))


def test_fetcher_serves_only_packaged_assets() -> None:
    assert asset_path("briefing-asset:fonts/DejaVuSans.ttf") is not None
    assert asset_path("briefing-asset:../../config.py") is None
    assert asset_path("briefing-asset:/etc/passwd") is None
    assert asset_path("file:///etc/passwd") is None


def test_pathological_markup_is_cut_not_hung() -> None:
    nested = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
    rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(50_000))
    html = f"<html><body><h1>Big</h1>{nested}<table>{rows}</table></body></html>"
    started = time.monotonic()
    limited, cut = limit_html(html)
    assert cut
    assert limited.count("<div>") <= 40 and limited.count("<tr>") <= 200
    pdf = html_to_pdf(html, briefing=samples.make_briefing(1), max_seconds=60)
    assert time.monotonic() - started < 40
    text = all_text(read(pdf))
    assert "deep text" in text and "row 199" in text and "row 200" not in text
    assert "too large to lay out" in text


def test_rendering_is_stopped_after_max_seconds() -> None:
    briefing = samples.make_briefing(2)
    with pytest.raises(RenderError, match="longer than"):
        html_to_pdf(render_html(briefing), briefing=briefing, max_seconds=0.05, isolate=True)


def test_a_started_pdf_renders_while_the_caller_works_and_can_be_given_up() -> None:
    import multiprocessing

    briefing = samples.make_briefing(3)
    html = render_html(briefing)
    with start_pdf(html, briefing=briefing) as pending:
        markdown_text = render_markdown(briefing)  # the caller's own work meanwhile
        pdf = pending.result()
    assert "Four NBA players" in all_text(read(pdf)) and "Four NBA players" in markdown_text
    # Given up before its result: nothing is left running.
    with start_pdf(html, briefing=briefing):
        pass
    assert multiprocessing.active_children() == []


def test_the_time_limit_counts_from_the_start_of_rendering() -> None:
    briefing = samples.make_briefing(30)  # about 0.7 s to render
    with start_pdf(render_html(briefing), briefing=briefing, max_seconds=0.2) as pending:
        time.sleep(0.3)  # the caller's work took longer than the limit
        started = time.monotonic()
        with pytest.raises(RenderError, match=r"longer than 0\.2 s"):
            pending.result()
    assert time.monotonic() - started < 1


def test_pdf_a_profile_is_tagged_and_declared() -> None:
    briefing = samples.make_briefing(1)
    pdf = html_to_pdf(render_html(briefing), briefing=briefing, profile="pdf/a-3u")
    reader = read(pdf)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or str(root["/MarkInfo"]["/Marked"]) == "True"
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"3" in xmp
    assert "Four NBA players" in all_text(reader)


def test_unknown_profile_is_refused() -> None:
    briefing = samples.make_briefing(1)
    with pytest.raises(RenderError, match="pdf/a-3u"):
        html_to_pdf("<p>x</p>", briefing=briefing, profile="pdf/x-9")


def test_contents_page_numbers_point_at_the_articles() -> None:
    briefing = samples.make_briefing(14)
    reader = read(html_to_pdf(render_html(briefing), briefing=briefing))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    contents = (reader.pages[0].extract_text() or "").splitlines()
    entries = [
        re.fullmatch(r"(\d+)\. (.+) · Wikinews \((?:en|fr)\) (\d+)", line) for line in contents
    ]
    listed = {m.group(2): int(m.group(3)) for m in entries if m}
    assert len(listed) == 14
    for title, number in listed.items():
        assert " ".join(title.split()) in pages[number - 1], f"{title!r} is not on page {number}"
    # A long contents ends its page: the articles start on the next one.
    assert "ARTICLES" not in pages[0] and pages[1].startswith("ARTICLES")
    assert listed["Four NBA players suspended indefinitely for brawl"] == 2


def test_bundled_fonts_are_small_latin_subsets_embedded_as_subsets(
    briefing_pdf: tuple[object, bytes],
) -> None:
    from fontTools.ttLib import TTFont

    european = "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆßñãõåøłńśźżčšžřůőű€£«»‘’“”–—…•№"
    for face in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        path = asset_path(f"briefing-asset:fonts/{face}")
        assert path is not None and path.stat().st_size < 250_000
        cmap = TTFont(path)["cmap"].getBestCmap()
        assert [c for c in european if ord(c) not in cmap] == []
    _, pdf = briefing_pdf
    reader = read(pdf)
    names = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    # Only the bundled faces, each embedded as a subset ("ABCDEF+Name").
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+Briefing-Sans(-Bold)?", n) for n in names)


def test_text_outside_the_bundled_subset_still_renders() -> None:
    base = samples.make_briefing(1)
    item = base.items[0]
    article = replace(item.article, title="Αθήνα: Σύνοδος — Москва")
    briefing = replace(base, items=(replace(item, article=article),))
    text = all_text(read(html_to_pdf(render_html(briefing), briefing=briefing)))
    assert "Αθήνα: Σύνοδος — Москва" in text


def test_the_time_limit_holds_when_other_threads_run() -> None:
    """The scheduler runs threads, so the renderer cannot fork; it must still be stoppable."""
    import threading

    briefing = samples.make_briefing(2)
    html = render_html(briefing)
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        with pytest.raises(RenderError, match="longer than"):
            html_to_pdf(html, briefing=briefing, max_seconds=0.05)
        pdf = html_to_pdf(html, briefing=briefing, max_seconds=60)
    finally:
        stop.set()
        waiter.join()
    assert len(read(pdf).pages) >= 1


def test_the_pdf_digest_changes_with_anything_the_pdf_is_made_from() -> None:
    from briefing.pdf import pdf_digest

    briefing = samples.make_briefing(2)
    html = render_html(briefing)
    same = pdf_digest(html, briefing=briefing)
    assert pdf_digest(render_html(briefing), briefing=briefing) == same
    later = replace(briefing, generated_at=briefing.generated_at.replace(hour=9))
    assert pdf_digest(html, briefing=later) != same  # the PDF's creation date
    assert pdf_digest(html, briefing=briefing, profile="pdf/a-3u") != same
    assert pdf_digest(html + " ", briefing=briefing) != same
    assert pdf_digest(html, briefing=replace(briefing, author="Desk B")) != same


# --- issue 13: page breaks, hostile text in the layout, metadata -----------------------

ARTICLE_HEADER = re.compile(r"Wikinews \((?:en|fr)\) · \d")


def test_an_article_is_never_cut_from_its_header_or_its_link_line() -> None:
    # 30 articles of three sentences: on main a page began with a lone
    # "Read the original" line, and another ended on a header and one sentence.
    briefing = samples.make_briefing(30)
    reader = read(html_to_pdf(render_html(briefing), briefing=briefing))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    first = next(i for i, text in enumerate(pages) if text.startswith("ARTICLES"))
    seen = 0
    for number, text in enumerate(pages[first:], start=first + 1):
        headers = len(ARTICLE_HEADER.findall(text))
        links = text.count("Read the original")
        assert headers == links, f"page {number}: {headers} article headers, {links} link lines"
        body = text.removeprefix("Morning briefing — 6 May 2024 ")
        assert not body.startswith("Read the original"), f"page {number} starts with a link line"
        seen += headers
    assert seen == 30


def test_a_huge_word_breaks_at_the_page_edge_in_headings_contents_and_text() -> None:
    base = samples.make_briefing(1)
    item = base.items[0]
    word = "W" * 10_000
    article = replace(item.article, title=word, source=f"Feed{word[:200]}")
    summary = item.summary
    assert summary is not None
    sentences = (replace(summary.sentences[0], text=f"Before {word} after."),)
    briefing = replace(
        base,
        items=(replace(item, article=article, summary=replace(summary, sentences=sentences)),),
    )
    reader = read(html_to_pdf(render_html(briefing), briefing=briefing))
    lines = [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    widest = max(len(line) for line in lines)
    # An A4 text line holds about 100 characters at these sizes; a word that
    # ran off the page would come out as one line of hundreds.
    assert widest < 130, f"a line of {widest} characters ran off the page"
    assert sum("WWWW" in line for line in lines) > 10


def test_grouped_numbers_never_break_across_lines() -> None:
    base = samples.make_briefing(1, language="fr")
    item = base.items[0]
    article = replace(item.article, language="fr", title="Emploi")
    summary = item.summary
    assert summary is not None
    # One sentence per position, so that "8 000" meets the line's end somewhere.
    sentences = tuple(
        replace(summary.sentences[0], index=k, text=f"{'a' * k} le plan crée 8 000 emplois.")
        for k in range(1, 100)
    )
    briefing = replace(
        base,
        items=(replace(item, article=article, summary=replace(summary, sentences=sentences)),),
    )
    reader = read(html_to_pdf(render_html(briefing), briefing=briefing))
    lines = [
        line.strip() for page in reader.pages for line in (page.extract_text() or "").splitlines()
    ]
    assert sum("emplois" in line for line in lines) == 99
    for before, after in itertools.pairwise(lines):
        assert not (before.endswith("8") and after.startswith("000")), (before, after)


def test_pdf_metadata_has_no_line_breaks_or_bidi_overrides() -> None:
    briefing = replace(
        samples.make_briefing(1),
        title="Morning\r\nbriefing \u202egnp.exe",
        author="Press\noffice",
        sources=("Feed\r\none", "Wikinews (fr)"),
    )
    meta = read(html_to_pdf(render_html(briefing), briefing=briefing)).metadata
    assert meta is not None
    assert meta.title == "Morning briefing gnp.exe — 2024-05-06"
    assert meta.author == "Press office"
    assert "Feed one" in str(meta.get("/Keywords"))


def test_a_stop_ends_the_wait_for_a_long_pdf_within_a_second() -> None:
    """SIGTERM in the scheduler sets the run's stop flag: a PDF being laid out
    must not hold the stop for up to ``[pdf] max_seconds``."""
    from briefing.errors import RunStopped

    briefing = samples.make_briefing(200)  # several seconds of layout on this machine
    pending = start_pdf(render_html(briefing), briefing=briefing, max_seconds=60)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    with pytest.raises(RunStopped):
        pending.result(stop)
    assert time.monotonic() - began < 1.5
    process = getattr(pending, "_process", None)
    assert process is None or not process.is_alive()  # the rendering child is gone


def test_a_story_sentence_never_leaves_its_first_word_alone_on_a_line() -> None:
    # WeasyPrint measures a run of text with its trailing space: a sentence
    # that fitted its line only without the space before the source's name
    # ("… retail stores. — guardian.co.uk") was cut after its first word,
    # leaving "The" alone on a line. Sentences growing by one thin letter
    # each cross that width one by one; so do the widths where the dash
    # before the name would end a line and the name start the next.
    from briefing.models import Story, StorySentence

    briefing = samples.make_briefing(2)
    first, second = briefing.items
    words = "new company will have about fifty billion in annual revenue and nearly all"
    texts = [f"Opening {words} of its old shops {'i' * n}." for n in range(24)]
    texts += [f"Opening {words} of {'i' * n}its shops." for n in range(12)]
    story = Story(
        headline=first.article.title,
        items=(first, second),
        sentences=tuple(
            StorySentence(article=first.article, index=i, text=text, score=1.0)
            for i, text in enumerate(texts)
        ),
    )
    story_briefing = replace(briefing, stories=(story,))
    text = all_text(read(html_to_pdf(render_html(story_briefing), briefing=story_briefing)))
    lines = [line.strip() for line in text.splitlines()]
    assert lines.count("Opening") == 0
    assert not any(line.endswith("—") for line in lines)  # the dash goes with the name
    assert sum(line.startswith(f"Opening {words[:20]}") for line in lines) == len(texts)


def test_stories_of_several_sources_share_pages_instead_of_starting_one_each() -> None:
    # Kept whole, a five-sentence story with its list of sources (over half a
    # page) always moved to a page of its own and left the last one half empty.
    from briefing.models import Story, StorySentence

    briefing = samples.make_briefing(8)
    items = briefing.items
    sentence = (
        "The council said on Monday that the new bridge over the river would open to "
        "traffic in the spring, two years later than planned and at twice the cost."
    )
    stories = tuple(
        Story(
            headline=f"Story number {n}",
            items=items[2 * n : 2 * n + 2],
            sentences=tuple(
                StorySentence(article=items[2 * n].article, index=i, text=sentence, score=1.0)
                for i in range(5)
            ),
        )
        for n in range(4)
    )
    story_briefing = replace(briefing, stories=stories)
    reader = read(html_to_pdf(render_html(story_briefing), briefing=story_briefing))
    pages = [page.extract_text() or "" for page in reader.pages]

    def page_of(headline: str) -> int:
        return next(i for i, text in enumerate(pages) if f"\n{headline}\n" in f"\n{text}\n")

    assert page_of("Story number 1") == page_of("Story number 0")
    assert len(pages) <= 4
