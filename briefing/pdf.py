"""HTML → PDF with WeasyPrint, locked down.

The HTML holds text written by strangers, so rendering is treated like
running untrusted input:

* every URL WeasyPrint wants (stylesheets, images, fonts, attachments) goes
  through :class:`LockedFetcher`, which serves the packaged assets and refuses
  everything else: no network, no ``file://``, no ``data:``;
* the HTML is parsed without a base URL, so relative links resolve nowhere;
* :func:`limit_html` cuts pathological structure (deep nesting, huge tables,
  too many elements) before layout, and the layout itself runs in a child
  process that is stopped after ``max_seconds``;
* embedded files are dropped and metadata comes from the briefing itself.

Speed (issue 6: 100 articles in at most 2 s): WeasyPrint is imported in the
parent before forking, so each child starts with it loaded (the import alone
takes about 0.5 s); the cyclic garbage collector is off while a document is
laid out (WeasyPrint's boxes are short-lived and the collector's passes cost
15–20 % of the render without freeing memory), and in a child it stays off
until the child exits; and the bundled fonts are small Latin subsets
(tools/subset_fonts.py). benchmarks/render.py measures all of it.
"""

from __future__ import annotations

import abc
import contextlib
import gc
import hashlib
import html as html_lib
import logging
import multiprocessing
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from .errors import RenderError, RunStopped
from .models import Briefing

log = logging.getLogger(__name__)

ASSET_SCHEME = "briefing-asset:"
PDF_STYLESHEET = "pdf.css"
PROFILES = {"pdf/a-3u": "pdf/a-3u", "pdf/ua-1": "pdf/ua-1"}
#: How often a wait for the rendering child looks at the run's stop flag.
STOP_POLL_SECONDS = 0.25

# Layout cost grows with elements and nesting; these bounds keep one hostile
# article from stalling a run while leaving room for a 100+ article briefing.
MAX_HTML_CHARS = 4_000_000
MAX_DEPTH = 40
MAX_ELEMENTS = 40_000
MAX_TABLE_ROWS = 200
CUT_NOTICE = "[…] Part of this document was too large to lay out and was left out of the PDF."

_VOID = set(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "param",
    ]
)
_RAW_TEXT = {"style", "script"}
_URL_ATTRIBUTES = set(
    [
        "href",
        "src",
        "srcset",
        "data",
        "poster",
        "xlink:href",
        "background",
        "action",
        "formaction",
        "cite",
        "longdesc",
        "usemap",
    ]
)
_ALLOWED_URL_PREFIXES = ("http://", "https://", "#", ASSET_SCHEME)
_MIME = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def assets_dir() -> Path:
    """The packaged assets (stylesheet and fonts), the only files a PDF may read."""
    return Path(str(resources.files("briefing") / "assets"))


# --- the URL fetcher -------------------------------------------------------------


def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LockedFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``briefing-asset:`` URLs from the assets folder; refuses every other URL."""

        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols=())
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = asset_path(url)
            if path is None:
                self.refused.append(url[:200])
                log.debug("PDF: refused to fetch %.200s", url)
                raise ValueError(f"briefing PDFs do not load external resources ({url[:80]})")
            return URLFetcherResponse(
                url,
                path.read_bytes(),
                headers={"Content-Type": _MIME.get(path.suffix, "application/octet-stream")},
            )

    return LockedFetcher


def asset_path(url: str) -> Path | None:
    """The packaged file a ``briefing-asset:`` URL names, or None if it names anything else."""
    if not url.startswith(ASSET_SCHEME):
        return None
    relative = url[len(ASSET_SCHEME) :].split("?")[0].split("#")[0].lstrip("/")
    root = assets_dir().resolve()
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if root not in path.parents or not path.is_file():
        return None
    return path


def make_fetcher() -> Any:
    """A new locked-down fetcher (it records what it refused in ``.refused``)."""
    return _fetcher_class()()


# --- cutting pathological HTML -------------------------------------------------------


class _Limiter(HTMLParser):
    """Re-emits HTML, dropping what is too deep, too long or too many."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.open_count: dict[str, int] = {}
        self.excess: dict[str, int] = {}
        self.rows: list[int] = []  # rows seen in each open table
        self.skip_depth = 0  # > 0 while inside a dropped table row
        self.elements = 0
        self.cut = False

    def _push(self, tag: str) -> None:
        self.stack.append(tag)
        self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def _emit_start(self, tag: str, attrs: list[tuple[str, str | None]], close: bool) -> None:
        # Rebuilt from parsed attributes so links can only point to the web or
        # inside the document (never file:, data:, javascript:), and no event
        # handler or inline style can ride along from article markup.
        kept = []
        for name, value in attrs:
            if name.startswith("on"):
                continue
            if name in _URL_ATTRIBUTES and not _allowed_url(value):
                continue
            if value is None:
                kept.append(f" {name}")
            else:
                kept.append(f' {name}="{html_lib.escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}{' /' if close else ''}>")

    def _drop(self, tag: str) -> None:
        self.cut = True
        self.excess[tag] = self.excess.get(tag, 0) + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            self.skip_depth += tag not in _VOID
            return
        if tag in _VOID:
            self.handle_startendtag(tag, attrs)
            return
        if tag == "tr" and self.rows:
            self.rows[-1] += 1
            if self.rows[-1] > MAX_TABLE_ROWS:
                self.cut = True
                self.skip_depth = 1
                return
        if len(self.stack) >= MAX_DEPTH or self.elements >= MAX_ELEMENTS:
            self._drop(tag)
            return
        self.elements += 1
        if tag == "table":
            self.rows.append(0)
        self._push(tag)
        self._emit_start(tag, attrs, close=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            return
        if self.elements >= MAX_ELEMENTS:
            self.cut = True
            return
        self.elements += 1
        self._emit_start(tag, attrs, close=tag not in _VOID)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= tag not in _VOID
            return
        if self.excess.get(tag):
            self.excess[tag] -= 1
            return
        if not self.open_count.get(tag):
            return
        while self.stack:
            top = self.stack.pop()
            self.open_count[top] -= 1
            if top == "table" and self.rows:
                self.rows.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip_depth or self.elements >= MAX_ELEMENTS:
            return
        raw = self.stack and self.stack[-1] in _RAW_TEXT
        self.out.append(data if raw else html_lib.escape(data, quote=False))

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def result(self) -> str:
        if self.cut:
            self.out.append(f'<p class="cut-notice">{html_lib.escape(CUT_NOTICE)}</p>')
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.stack))


def _allowed_url(value: str | None) -> bool:
    if value is None:
        return False
    cleaned = "".join(value.split()).lower()
    return cleaned.startswith(_ALLOWED_URL_PREFIXES)


def limit_html(html: str) -> tuple[str, bool]:
    """``html`` with pathological parts cut, and whether anything was cut."""
    truncated = len(html) > MAX_HTML_CHARS
    limiter = _Limiter()
    limiter.feed(html[:MAX_HTML_CHARS])
    limiter.close()
    limiter.cut = limiter.cut or truncated
    return limiter.result(), limiter.cut


# --- rendering --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    html: str
    title: str
    authors: tuple[str, ...]
    keywords: tuple[str, ...]
    created: str
    language: str
    profile: str | None


def _job_for(html: str, briefing: Briefing, profile: str | None) -> _Job:
    from .render import clean_line

    # Metadata is one line each: no CR/LF, other controls or bidi overrides
    # from a configured title or source name reach the PDF's /Title.
    keywords = ("briefing", *dict.fromkeys(clean_line(s, 80) for s in briefing.sources))
    return _Job(
        html=html,
        title=f"{clean_line(briefing.title, 300)} — {briefing.date.isoformat()}",
        authors=(clean_line(briefing.author, 200),) if briefing.author else (),
        keywords=keywords,
        created=briefing.generated_at.isoformat(timespec="seconds"),
        language=briefing.language,
        profile=profile,
    )


def pdf_digest(html: str, *, briefing: Briefing, profile: str | None = None) -> str:
    """A SHA-256 of everything the PDF of ``html`` is made from.

    The HTML, the metadata taken from the briefing, the profile, the packaged
    stylesheet and fonts, and the versions of WeasyPrint and of briefing: two
    equal digests mean the same PDF, so a PDF already on disk with this digest
    need not be laid out again.
    """
    from importlib.metadata import PackageNotFoundError, version

    job = _job_for(html, briefing, profile.lower() if profile else None)
    digest = hashlib.sha256()
    for part in (job.title, job.authors, job.keywords, job.created, job.language, job.profile):
        digest.update(repr(part).encode("utf-8") + b"\0")
    digest.update(job.html.encode("utf-8"))
    for asset in sorted(assets_dir().rglob("*")):
        if asset.is_file():
            digest.update(asset.name.encode("utf-8") + asset.read_bytes())
    for package in ("weasyprint", "briefing"):
        try:
            digest.update(version(package).encode("utf-8"))
        except PackageNotFoundError:
            digest.update(b"?")
    return digest.hexdigest()


def preload() -> None:
    """Import WeasyPrint now, so that the next :func:`html_to_pdf` does not pay for it.

    The import takes about 0.6 s. :func:`html_to_pdf` calls this itself
    before forking; a caller may call it earlier, while it waits for
    something else.
    """
    import weasyprint
    import weasyprint.text.fonts  # noqa: F401


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # Layout allocates hundreds of thousands of short-lived objects; the
    # collector's passes over them cost time and free nothing until the
    # document is done. Memory stays bounded by limit_html.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _render(job: _Job) -> bytes:
    """The actual WeasyPrint call; runs in the child process."""
    with _collector_paused():
        return _render_document(job)


def _render_document(job: _Job) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = make_fetcher()
    fonts = FontConfiguration()
    css_text = (assets_dir() / PDF_STYLESHEET).read_text(encoding="utf-8")
    stylesheet = CSS(string=css_text, url_fetcher=fetcher, font_config=fonts)
    document = HTML(string=job.html, url_fetcher=fetcher, base_url=None).render(
        stylesheets=[stylesheet], font_config=fonts, **_options(job.profile)
    )
    metadata = document.metadata
    metadata.title = job.title
    metadata.authors = list(job.authors)
    metadata.keywords = list(job.keywords)
    metadata.created = job.created
    metadata.modified = job.created
    metadata.lang = job.language
    metadata.generator = "briefing (WeasyPrint)"
    # Nothing from the HTML may ride along inside the PDF.
    metadata.attachments = []
    pdf: bytes = document.write_pdf(**_options(job.profile))
    if fetcher.refused:
        log.info("PDF: %d external resource(s) were not loaded", len(fetcher.refused))
    return pdf


def _options(profile: str | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {"pdf_variant": PROFILES[profile], "pdf_tags": True}


def _child(job: _Job, conn: Connection) -> None:
    # The collector stays off for the child's whole life. Turned back on, the
    # next allocation (pickling the result) would start a pass over every
    # object the layout left behind, about 0.2 s for 100 articles, only to
    # tidy a process that exits right after sending.
    gc.disable()
    try:
        conn.send(("ok", _render_document(job)))
    except BaseException as exc:  # report anything, the parent turns it into RenderError
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


StartMethod = Literal["fork", "spawn"]


class PendingPdf(abc.ABC):
    """A PDF being rendered: :meth:`result` waits for it, :meth:`cancel` gives it up.

    Use it as a context manager so that an error on the caller's side never
    leaves a rendering child behind.
    """

    @abc.abstractmethod
    def result(self, stop: threading.Event | None = None) -> bytes:
        """The PDF's bytes; RenderError if it failed or ran out of time.

        When ``stop`` is set while waiting (the scheduler's SIGTERM), the
        rendering is given up and RunStopped raised within a fraction of a second.
        """

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop the rendering if it still runs; calling it again does nothing."""

    def __enter__(self) -> PendingPdf:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


class _InProcessPdf(PendingPdf):
    """Renders in this process when the result is asked for."""

    def __init__(self, job: _Job) -> None:
        self._job = job

    def result(self, stop: threading.Event | None = None) -> bytes:
        if stop is not None and stop.is_set():
            raise RunStopped("stopped before the PDF was rendered")
        try:
            return _render(self._job)
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(
                f"the PDF could not be rendered: {type(exc).__name__}: {exc}"
            ) from exc

    def cancel(self) -> None:
        """Nothing runs until :meth:`result` is asked for."""


class _ChildPdf(PendingPdf):
    """Renders in a child process, stopped ``max_seconds`` after it started."""

    def __init__(self, job: _Job, max_seconds: float, method: StartMethod) -> None:
        context = (
            multiprocessing.get_context("fork")
            if method == "fork"
            else multiprocessing.get_context("spawn")
        )
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(job, sender), daemon=True)
        self._max_seconds = max_seconds
        self._deadline = time.monotonic() + max_seconds
        try:
            self._process.start()
        except OSError as exc:
            self._receiver.close()
            raise RenderError(f"the PDF renderer could not be started ({exc})") from exc
        finally:
            sender.close()

    def result(self, stop: threading.Event | None = None) -> bytes:
        try:
            if not self._ready(stop):
                raise RenderError(
                    f"the PDF took longer than {self._max_seconds:g} s to render and was "
                    "stopped; the briefing may hold an article with pathological markup "
                    "(raise [pdf] max_seconds if it is simply very long)"
                )
            status, payload = self._receiver.recv()
        except (EOFError, OSError):
            raise RenderError("the PDF renderer stopped unexpectedly") from None
        finally:
            self.cancel()
        if status != "ok":
            raise RenderError(f"the PDF could not be rendered: {payload}")
        return bytes(payload)

    def _ready(self, stop: threading.Event | None) -> bool:
        """Wait for the child until the deadline; a stop ends the wait at once."""
        while True:
            left = self._deadline - time.monotonic()
            if stop is None or left <= 0:
                return bool(self._receiver.poll(max(0.0, left)))
            if self._receiver.poll(min(left, STOP_POLL_SECONDS)):
                return True
            if stop.is_set():
                raise RunStopped("stopped while the PDF was being rendered")

    def cancel(self) -> None:
        self._receiver.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join(5)


def _start_method() -> StartMethod | None:
    """How to start the rendering child, or None to render in this process."""
    methods = multiprocessing.get_all_start_methods()
    # Forking a process that runs other threads (the scheduler, an SMTP test
    # server) can deadlock the child on a lock held by one of them; a fresh
    # interpreter is slower to start (it imports WeasyPrint again) but safe.
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "spawn" if "spawn" in methods else None


def start_pdf(
    html: str,
    *,
    briefing: Briefing,
    profile: str | None = None,
    max_seconds: float = 60.0,
    isolate: bool | None = None,
) -> PendingPdf:
    """Start rendering finished briefing HTML to PDF; the caller may work meanwhile.

    Same arguments as :func:`html_to_pdf`. With a child process, the layout
    runs on another core while this process goes on, and ``max_seconds``
    counts from now.
    """
    if profile is not None and profile.lower() not in PROFILES:
        raise RenderError(f"unknown PDF profile {profile!r}; choose {', '.join(PROFILES)}")
    limited, cut = limit_html(html)
    if cut:
        log.warning("PDF: part of the briefing was too large to lay out and was cut")
    job = _job_for(limited, briefing, profile.lower() if profile else None)
    preload()
    method = _start_method() if isolate is not False else None
    if method is None:
        return _InProcessPdf(job)
    return _ChildPdf(job, max_seconds, method)


def html_to_pdf(
    html: str,
    *,
    briefing: Briefing,
    profile: str | None = None,
    max_seconds: float = 60.0,
    isolate: bool | None = None,
) -> bytes:
    """Render finished briefing HTML to PDF bytes (A4, fonts subset, no external resources).

    ``profile`` is ``None``, ``"pdf/a-3u"`` (archiving) or ``"pdf/ua-1"``
    (accessibility); both are tagged. Rendering runs in a child process
    stopped after ``max_seconds``: a forked one when this process runs no other
    thread, else a fresh interpreter (slower to start, but a fork of a
    threaded process can deadlock). ``isolate=False`` forces in-process
    rendering, bounded only by :func:`limit_html`.
    """
    started = time.monotonic()
    with start_pdf(
        html, briefing=briefing, profile=profile, max_seconds=max_seconds, isolate=isolate
    ) as pending:
        pdf = pending.result()
    log.debug("PDF: %d bytes in %.2f s", len(pdf), time.monotonic() - started)
    return pdf
