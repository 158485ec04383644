"""Rendering benchmark (issue 6): PDF size and rendering time, next to a baseline.

Targets: a 30-article briefing is at most 300 KB as PDF; 100 articles are
rendered (Markdown, HTML, PDF and the email, as ``briefing run`` does it) in
at most 2 s. Run from the repository root:

    .venv/bin/python benchmarks/render.py [--runs 5]

Machines here are shared and noisy, so every figure is the median of
``--runs`` runs and is printed next to a baseline measured in the same run,
interleaved with it: WeasyPrint rendering the same 100 articles as bare,
unstyled HTML (headings, paragraphs and lists; no stylesheet, no fonts of
ours, no contents, no page numbers). The ratio says how much the briefing's
design and safety cost over what WeasyPrint needs for the text alone.

The total times :func:`briefing.pipeline.render_outputs`, the step of
``briefing run`` that renders every format and the email: the PDF is laid out
in a child process while the parent writes the Markdown and the email's
bodies. The PDF lines time :func:`briefing.pdf.html_to_pdf` alone (child
process, WeasyPrint already imported); the one-time import of WeasyPrint in a
fresh process is printed on its own line. Exits non-zero if a target is
missed (use --no-check to only print). The articles are the Wikinews samples
in tests/data/render (CC BY 2.5, attribution printed in every briefing).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import logging
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.config import Config, EmailConfig  # noqa: E402
from briefing.models import Briefing  # noqa: E402
from briefing.pdf import html_to_pdf, preload  # noqa: E402
from briefing.pipeline import render_outputs  # noqa: E402
from briefing.render import render_html, render_markdown, render_text  # noqa: E402

MAX_PDF_BYTES_30 = 300 * 1024
MAX_SECONDS_100 = 2.0
ALL_FORMATS = ("md", "html", "pdf")


def load_samples() -> ModuleType:
    path = ROOT / "tests" / "sample_briefing.py"
    spec = importlib.util.spec_from_file_location("sample_briefing", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bare_html(briefing: Briefing) -> str:
    """The briefing's text as plain HTML, the way WeasyPrint's own defaults show it."""
    parts = [f"<!DOCTYPE html><html lang='en'><title>{html.escape(briefing.title)}</title>"]
    for item in briefing.items:
        article = item.article
        parts.append(f"<h3>{html.escape(article.title)}</h3><p>{html.escape(article.source)}</p>")
        sentences = item.summary.sentences if item.summary else ()
        parts.append("<ul>" + "".join(f"<li>{html.escape(s.text)}</li>" for s in sentences))
        url = html.escape(article.url or "")
        parts.append(f"</ul><p><a href='{url}'>{url}</a></p>")
        parts.append(f"<p>{html.escape(article.attribution or '')}</p>")
    return "".join(parts)


def render_bare(page: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf


def medians(actions: dict[str, Callable[[], Any]], runs: int) -> dict[str, tuple[float, Any]]:
    """Median seconds of each action over ``runs`` rounds, the actions interleaved."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    results: dict[str, Any] = {}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            results[name] = action()
            times[name].append(time.perf_counter() - started)
    return {name: (statistics.median(times[name]), results[name]) for name in actions}


def import_seconds() -> float:
    """How long a fresh Python process takes to import WeasyPrint (median of 3)."""
    code = "import time; t = time.perf_counter(); import weasyprint; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(3)
    ]
    return statistics.median(runs)


def line(label: str, seconds: float, baseline: float | None = None, note: str = "") -> None:
    ratio = f"{seconds / baseline:6.2f}x" if baseline else " " * 7
    print(f"{label:<46} {seconds:7.3f} s {ratio} {note}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-check", action="store_true", help="print figures only")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    samples = load_samples()
    failed: list[str] = []
    preload()

    b100 = samples.make_briefing(100)
    b30 = samples.make_briefing(30, failed_items=2, failures=2)
    html100, html30, bare100 = render_html(b100), render_html(b30), bare_html(b100)
    render_bare(bare100)  # warm-up: WeasyPrint's first document sets up caches
    email = EmailConfig(sender="briefing@example.org", to=("team@example.org",))
    config = Config(formats=ALL_FORMATS, email=email)
    figures = medians(
        {
            "baseline": lambda: render_bare(bare100),
            "text": lambda: (render_markdown(b100), render_html(b100), render_text(b100)),
            "total": lambda: render_outputs(config, b100, ALL_FORMATS),
            "pdf100": lambda: html_to_pdf(html100, briefing=b100),
            "pdf30": lambda: html_to_pdf(html30, briefing=b30),
        },
        args.runs,
    )
    baseline = figures["baseline"][0]
    text_seconds = figures["text"][0]
    total, rendered = figures["total"]
    pdf_seconds, pdf100 = figures["pdf100"]
    pdf30_seconds, pdf30 = figures["pdf30"]
    assert set(rendered.files) == set(ALL_FORMATS) and rendered.email is not None

    print(f"medians of {args.runs} runs; ratio = figure / baseline measured in the same run")
    line("baseline: bare HTML, 100 articles (WeasyPrint)", baseline, baseline)
    line("Markdown + HTML + text, 100 articles", text_seconds)
    line("PDF, 100 articles", pdf_seconds, baseline, f"{len(pdf100) / 1024:.0f} KB")
    line("Total, 100 articles (md, html, pdf, eml)", total, baseline, "target <= 2 s")
    line("PDF, 30 articles", pdf30_seconds, baseline, f"{len(pdf30) / 1024:.0f} KB (<= 300 KB)")
    line("once per process: import WeasyPrint", import_seconds())
    # Issue 15 item 6: the PDF stays linear in articles (1.0 = linear).
    growth = math.log(pdf_seconds / pdf30_seconds) / math.log(100 / 30)
    print(f"growth exponent, PDF 30 -> 100 articles: {growth:.2f} (linear = 1; <= 1.1 expected)")
    if len(pdf30) > MAX_PDF_BYTES_30:
        failed.append(f"30-article PDF is {len(pdf30) / 1024:.0f} KB")
    if total > MAX_SECONDS_100:
        failed.append(f"100 articles took {total:.2f} s (baseline {baseline:.2f} s)")
    for problem in failed:
        print(f"MISSED TARGET: {problem}")
    return 1 if failed and not args.no_check else 0


if __name__ == "__main__":
    sys.exit(main())
