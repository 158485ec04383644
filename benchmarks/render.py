"""Rendering benchmark (issue 6): PDF size and rendering time.

Targets: a 30-article briefing is at most 300 KB as PDF; 100 articles are
rendered in at most 2 s. Run from the repository root:

    .venv/bin/python benchmarks/render.py

It prints one line per measurement and exits non-zero if a target is missed
(use --no-check to only print). The articles are the Wikinews samples in
tests/data/render (CC BY 2.5, attribution printed in every briefing).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.pdf import html_to_pdf  # noqa: E402
from briefing.render import render_html, render_markdown, render_text  # noqa: E402

MAX_PDF_BYTES_30 = 300 * 1024
MAX_SECONDS_100 = 2.0


def load_samples() -> ModuleType:
    path = ROOT / "tests" / "data" / "render" / "sample_briefing.py"
    spec = importlib.util.spec_from_file_location("sample_briefing", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(label: str, action, repeat: int = 1):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<48} {best:7.3f} s")
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-check", action="store_true", help="print figures only")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    samples = load_samples()
    failed: list[str] = []

    b30 = samples.make_briefing(30, failed_items=2, failures=2)
    html30 = render_html(b30)
    _, pdf30 = timed(
        "PDF, 30 articles (first render in process)", lambda: html_to_pdf(html30, briefing=b30)
    )
    size30 = len(pdf30)
    print(f"{'PDF size, 30 articles':<48} {size30 / 1024:7.1f} KB (target <= 300 KB)")
    if size30 > MAX_PDF_BYTES_30:
        failed.append(f"30-article PDF is {size30 / 1024:.0f} KB")

    b100 = samples.make_briefing(100)
    text_seconds, _ = timed(
        "Markdown + HTML + text, 100 articles",
        lambda: (render_markdown(b100), render_html(b100), render_text(b100)),
        repeat=3,
    )
    html100 = render_html(b100)
    pdf_seconds, pdf100 = timed("PDF, 100 articles", lambda: html_to_pdf(html100, briefing=b100))
    total = text_seconds + pdf_seconds
    print(f"{'PDF size, 100 articles':<48} {len(pdf100) / 1024:7.1f} KB")
    print(f"{'Total, 100 articles (all formats)':<48} {total:7.3f} s (target <= 2 s)")
    if total > MAX_SECONDS_100:
        failed.append(f"100 articles took {total:.2f} s")
    for problem in failed:
        print(f"MISSED TARGET: {problem}")
    return 1 if failed and not args.no_check else 0


if __name__ == "__main__":
    sys.exit(main())
