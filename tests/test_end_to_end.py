"""`briefing run` on the bundled samples for a fixed date, compared with golden files.

Regenerate the golden files with ``make golden`` (or
``BRIEFING_UPDATE_GOLDEN=1 pytest tests/test_end_to_end.py``) and review the diff.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult
from pypdf import PdfReader

GOLDEN = Path(__file__).parent / "golden"
DAY = "2026-11-24"
UPDATE = os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Run the sample briefing once in a fresh folder (it takes a few seconds)."""
    from briefing.cli import main

    folder = tmp_path_factory.mktemp("sample-run")
    mp = pytest.MonkeyPatch()
    mp.chdir(folder)
    mp.setenv("SOURCE_DATE_EPOCH", "1795500000")  # 2026-11-23T... UTC: a fixed "generated at"
    mp.delenv("BRIEFING_CONFIG", raising=False)
    mp.setenv("TZ", "UTC")  # the sample shows times in the machine's zone: fix it
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--date", DAY])
    mp.undo()
    assert code == 0, err.getvalue()
    return folder, out.getvalue(), err.getvalue()


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="actual",
            )
        )
        pytest.fail(f"{name} differs from the golden file (make golden to update):\n{diff}")


def test_run_prints_the_paths_it_wrote(sample_run: tuple[Path, str, str]) -> None:
    folder, out, _ = sample_run
    written = out.splitlines()
    assert written == [
        str(folder / "briefing-sample" / f"briefing-{DAY}.md"),
        str(folder / "briefing-sample" / f"briefing-{DAY}.pdf"),
    ]
    assert all(Path(p).is_file() for p in written)


def test_markdown_matches_the_golden_file(sample_run: tuple[Path, str, str]) -> None:
    folder, _, _ = sample_run
    markdown = (folder / "briefing-sample" / f"briefing-{DAY}.md").read_text()
    check_golden(f"briefing-{DAY}.md", markdown)


def test_markdown_carries_every_source_attribution_and_the_seed(
    sample_run: tuple[Path, str, str],
) -> None:
    folder, _, _ = sample_run
    text = (folder / "briefing-sample" / f"briefing-{DAY}.md").read_text()
    assert text.count("From Wikinews, the free news source you can write!") == 16
    assert "34 chefs d'état-major" in text
    assert "Comment (0)" not in text and "thanhnien.vn" not in text


def _pdf_facts(path: Path) -> dict[str, object]:
    reader = PdfReader(path)
    meta = reader.metadata or {}
    return {
        "pages": len(reader.pages),
        "title": meta.get("/Title"),
        "language": str(reader.trailer["/Root"].get("/Lang")),
    }


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def test_pdf_matches_the_golden_facts(sample_run: tuple[Path, str, str]) -> None:
    folder, _, _ = sample_run
    pdf = folder / "briefing-sample" / f"briefing-{DAY}.pdf"
    facts = _pdf_facts(pdf)
    if UPDATE:
        (GOLDEN / f"briefing-{DAY}.pdf.json").write_text(json.dumps(facts, indent=2) + "\n")
    assert facts == json.loads((GOLDEN / f"briefing-{DAY}.pdf.json").read_text())
    pdf_text = _words(" ".join(page.extract_text() or "" for page in PdfReader(pdf).pages))
    markdown = (folder / "briefing-sample" / f"briefing-{DAY}.md").read_text()
    quoted = [
        line[2:] for line in markdown.splitlines() if line.startswith("> ") and len(line) > 40
    ]
    assert len(quoted) >= 40
    for sentence in quoted:
        plain = _words(re.sub(r"\\(.)", r"\1", sentence))
        assert plain[:60] in pdf_text, f"not in the PDF: {sentence[:80]}"


def test_a_second_run_the_same_day_summarises_nothing_again(
    sample_run: tuple[Path, str, str],
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, _, _ = sample_run
    monkeypatch.chdir(folder)
    before = (folder / "briefing-sample" / f"briefing-{DAY}.md").read_text()
    result = cli("run", "--date", DAY, "--format", "md")
    assert result.code == 0, result.err
    assert "0 new article(s)" in result.err
    after = (folder / "briefing-sample" / f"briefing-{DAY}.md").read_text()
    # Nothing arrived, so the briefing is the first run's, word for word: it is
    # still true, and a false "Nothing new since the last briefing" is not added.
    assert after == before
    assert "Nothing new" not in after
    # The day's articles are still all there, with their stored summaries.
    assert quotes(after) == quotes(before)


def quotes(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("> ")]
