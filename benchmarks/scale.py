"""Scale benchmark (issue 15): what grows with a newsroom, each figure beside its baseline.

    .venv/bin/python benchmarks/scale.py [--runs 3] [--articles 100000] [--store sqlite]

Figures (medians of ``--runs``, all measured in this run, interleaved where
they are compared):

* ``briefing sources``: ``Store.source_statuses`` for 200 and for 2,000
  sources, each over a database of ``--articles`` briefed articles (a year of
  a newsroom), and the whole command as a process. Target: 2,000 sources
  within 3x the time for 200. Baseline: the per-source count query the store
  used before (no index), on the same databases.
* Markdown + HTML rendering of 300 and 3,000 articles. Target: growth
  exponent <= 1.1 (1 is linear). Baseline: the line of ``template_context``
  that made it quadratic, timed on the same items.
* The PDF of 25 and 100 articles, its growth exponent, beside WeasyPrint
  laying the same 100 articles out as bare HTML.
* ``briefing run`` on the bundled samples: the first run, then two reruns with
  nothing new (the briefing is unchanged: its files are left alone).
  Target: each rerun <= 0.5x the first run.
* ``briefing prune`` of a year of articles of realistic size (5 KB of text)
  with the default retention, beside ``VACUUM`` alone on a copy.

The 100k-article databases are made in bulk inserts (tests/bulk_store.py)
in a temporary folder. ``--store`` names the store backend the database
figures and the reruns run against (``briefing.storage``); only ``sqlite``
exists today.
Exits 1 if a target is missed (``--no-check`` only prints).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bulk_store import fill, source_name  # noqa: E402

from briefing.config import load_config, sample_config_path  # noqa: E402
from briefing.pdf import html_to_pdf, preload  # noqa: E402
from briefing.pipeline import RunOptions, run_briefing  # noqa: E402
from briefing.render import render_html, render_markdown  # noqa: E402
from briefing.storage import open_store, store_backends  # noqa: E402

SOURCES_RATIO_TARGET = 3.0
RENDER_EXPONENT_TARGET = 1.1
RERUN_RATIO_TARGET = 0.5


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def medians(actions: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median seconds of each action over ``runs`` rounds, the actions interleaved."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def exponent(small: float, large: float, n_small: int, n_large: int) -> float:
    return math.log(large / small) / math.log(n_large / n_small)


def line(label: str, seconds: float, baseline: float | None = None, note: str = "") -> None:
    ratio = f"{seconds / baseline:7.2f}x" if baseline else " " * 8
    print(f"{label:<52} {seconds:8.3f} s {ratio} {note}".rstrip())


# --- briefing sources ---------------------------------------------------------------------


def old_source_counts(path: Path, names: list[str]) -> None:
    """The query the store ran before, once per source, on the schema before the index."""
    db = sqlite3.connect(path)
    for name in names:
        db.execute("SELECT count(*) FROM article_sources WHERE source = ?", (name,)).fetchone()
    db.close()


def without_source_index(path: Path, target: Path) -> Path:
    shutil.copy(path, target)
    db = sqlite3.connect(target)
    db.execute("DROP INDEX IF EXISTS article_sources_source")
    db.close()
    return target


def sources_config(folder: Path, db: Path, count: int) -> Path:
    lines = [f'database = "{db}"\n']
    for i in range(count):
        lines.append(
            f'[[sources]]\nname = "{source_name(i)}"\nfeed = "https://n{i}.example.org/"\n'
        )
    path = folder / f"sources-{count}.toml"
    path.write_text("".join(lines))
    return path


def bench_sources(work: Path, args: argparse.Namespace, failed: list[str]) -> None:
    made = time.perf_counter()
    dbs = {}
    for count in (200, 2000):
        dbs[count] = work / f"sources-{count}.sqlite3"
        fill(dbs[count], articles=args.articles, sources=count, words=12, summaries=False)
    print(
        f"(two databases of {args.articles:,} articles made in "
        f"{time.perf_counter() - made:.1f} s by bulk inserts)"
    )
    names = {count: [source_name(i) for i in range(count)] for count in dbs}
    stores = {count: open_store(dbs[count], backend=args.store) for count in dbs}
    old = {count: without_source_index(dbs[count], work / f"old-{count}.sqlite3") for count in dbs}
    configs = {count: sources_config(work, dbs[count], count) for count in dbs}
    cli = [sys.executable, "-m", "briefing", "sources", "--config"]
    figures = medians(
        {
            "ours 200": lambda: stores[200].source_statuses(names[200]),
            "ours 2000": lambda: stores[2000].source_statuses(names[2000]),
            "old 200": lambda: old_source_counts(old[200], names[200]),
            "old 2000": lambda: old_source_counts(old[2000], names[2000]),
            "cli 200": lambda: subprocess.run(
                [*cli, str(configs[200])], capture_output=True, check=True
            ),
            "cli 2000": lambda: subprocess.run(
                [*cli, str(configs[2000])], capture_output=True, check=True
            ),
        },
        args.runs,
    )
    for store in stores.values():
        store.close()
    ours = figures["ours 2000"] / figures["ours 200"]
    print(f"\nbriefing sources over {args.articles:,} articles (store: {args.store})")
    line("baseline: source_statuses, 200 sources", figures["ours 200"], figures["ours 200"])
    line(
        "source_statuses, 2,000 sources",
        figures["ours 2000"],
        figures["ours 200"],
        f"exponent {exponent(figures['ours 200'], figures['ours 2000'], 200, 2000):.2f}, "
        f"target <= {SOURCES_RATIO_TARGET:g}x",
    )
    line("before (per-source count, no index), 200", figures["old 200"], figures["ours 200"])
    line(
        "before (per-source count, no index), 2,000",
        figures["old 2000"],
        figures["ours 200"],
        f"exponent {exponent(figures['old 200'], figures['old 2000'], 200, 2000):.2f}",
    )
    line("baseline: `briefing sources` process, 200", figures["cli 200"], figures["cli 200"])
    line("`briefing sources` process, 2,000", figures["cli 2000"], figures["cli 200"])
    if ours > SOURCES_RATIO_TARGET:
        failed.append(f"source_statuses 2,000/200 = {ours:.2f}x")


# --- rendering ------------------------------------------------------------------------------


def old_failed_line(briefing: Any) -> None:
    summarised = [item for item in briefing.items if item.summary is not None and not item.error]
    [item for item in briefing.items if item not in summarised]


def bench_render(args: argparse.Namespace, failed: list[str]) -> None:
    samples = load("sample_briefing", ROOT / "tests" / "sample_briefing.py")
    small, large = 300, 3000
    briefings = {
        n: samples.make_briefing(n - n // 10, failed_items=n // 10, failures=3)
        for n in (small, large)
    }
    figures = medians(
        {
            f"ours {n}": (lambda b=briefings[n]: (render_markdown(b), render_html(b)))
            for n in (small, large)
        }
        | {f"old {n}": (lambda b=briefings[n]: old_failed_line(b)) for n in (small, large)},
        args.runs,
    )
    growth = exponent(figures[f"ours {small}"], figures[f"ours {large}"], small, large)
    print("\nMarkdown + HTML rendering (10 % of the articles not summarised)")
    line(f"baseline: {small} articles", figures[f"ours {small}"], figures[f"ours {small}"])
    line(
        f"{large:,} articles",
        figures[f"ours {large}"],
        figures[f"ours {small}"],
        f"exponent {growth:.2f}, target <= {RENDER_EXPONENT_TARGET}",
    )
    old_growth = exponent(figures[f"old {small}"], figures[f"old {large}"], small, large)
    line(
        f"before: the quadratic line alone, {large:,} articles",
        figures[f"old {large}"],
        figures[f"ours {small}"],
        f"exponent {old_growth:.2f}",
    )
    if growth > RENDER_EXPONENT_TARGET:
        failed.append(f"render exponent {growth:.2f}")

    bare = load("render_bench", ROOT / "benchmarks" / "render.py")
    b25, b100 = samples.make_briefing(25), samples.make_briefing(100)
    html25, html100, bare100 = render_html(b25), render_html(b100), bare.bare_html(b100)
    preload()
    bare.render_bare(bare100)  # WeasyPrint's first document sets up caches
    pdf = medians(
        {
            "bare": lambda: bare.render_bare(bare100),
            "25": lambda: html_to_pdf(html25, briefing=b25),
            "100": lambda: html_to_pdf(html100, briefing=b100),
        },
        args.runs,
    )
    print("\nPDF")
    line("baseline: WeasyPrint, bare HTML, 100 articles", pdf["bare"], pdf["bare"])
    line("PDF, 25 articles", pdf["25"], pdf["bare"])
    line(
        "PDF, 100 articles",
        pdf["100"],
        pdf["bare"],
        f"exponent {exponent(pdf['25'], pdf['100'], 25, 100):.2f} from 25 "
        f"({(pdf['100'] - pdf['25']) / 75 * 1000:.0f} ms an article)",
    )


# --- reruns -----------------------------------------------------------------------------------


def bench_rerun(work: Path, args: argparse.Namespace, failed: list[str]) -> None:
    logging.disable(logging.WARNING)
    firsts, reruns, unchanged = [], [], []
    for run in range(args.runs):
        out = work / f"rerun-{run}"
        config = replace(
            load_config(sample_config_path()),
            output_dir=out,
            database=out / "briefing.sqlite3",
            formats=("md", "pdf"),
        )
        day = date(2026, 11, 24)
        for times in (firsts, reruns, unchanged):
            started = time.perf_counter()
            run_briefing(config, RunOptions(day=day, store_backend=args.store))
            times.append(time.perf_counter() - started)
    first, rerun, same = (statistics.median(t) for t in (firsts, reruns, unchanged))
    print("\n`briefing run` on the bundled samples (md, pdf), in this process")
    line("baseline: first run", first, first)
    target = f"target <= {RERUN_RATIO_TARGET:g}x"
    line("first rerun, nothing new", rerun, first, target)
    line("second rerun, nothing new", same, first, target)
    for name, seconds in (("first", rerun), ("second", same)):
        if seconds > RERUN_RATIO_TARGET * first:
            failed.append(f"{name} rerun {seconds / first:.2f}x the first run")


# --- prune --------------------------------------------------------------------------------------


def bench_prune(work: Path, args: argparse.Namespace) -> None:
    path = work / "year.sqlite3"
    articles = args.prune_articles
    fill(path, articles=articles, sources=200, words=800)  # about 5 KB of text each
    copy = work / "year-copy.sqlite3"
    shutil.copy(path, copy)
    size = path.stat().st_size
    started = time.perf_counter()
    db = sqlite3.connect(copy)
    db.execute("VACUUM")
    db.close()
    vacuum = time.perf_counter() - started
    store = open_store(path, backend=args.store)
    today = date.today()
    started = time.perf_counter()
    done = store.prune(text_before=today - timedelta(days=90), delete_before=None)
    pruned = time.perf_counter() - started
    store.close()
    mb = 1024 * 1024
    print(f"\nbriefing prune, {articles:,} articles over a year, text kept 90 days")
    line("baseline: VACUUM alone, unpruned copy", vacuum, vacuum, f"{size / mb:.0f} MB")
    line(
        "prune (drop text, VACUUM)",
        pruned,
        vacuum,
        f"{done.bytes_before / mb:.0f} MB -> {done.bytes_after / mb:.0f} MB, "
        f"{done.texts_dropped:,} texts dropped",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--articles", type=int, default=100_000, help="articles stored")
    parser.add_argument("--prune-articles", type=int, default=20_000, help="articles to prune")
    parser.add_argument(
        "--store", default="sqlite", help=f"store backend ({', '.join(store_backends())})"
    )
    parser.add_argument("--only", choices=("sources", "render", "rerun", "prune"), action="append")
    parser.add_argument("--no-check", action="store_true", help="print figures only")
    args = parser.parse_args()
    if args.store not in store_backends():
        parser.error(
            f"no store backend {args.store!r} (have: {', '.join(store_backends())}); "
            "PostgreSQL is designed in docs/scaling.md, not built yet"
        )
    logging.disable(logging.WARNING)
    failed: list[str] = []
    chosen = set(args.only or ("sources", "render", "rerun", "prune"))
    print(f"medians of {args.runs} runs; ratio = figure / baseline measured in the same run")
    with tempfile.TemporaryDirectory(prefix="briefing-scale-") as tmp:
        work = Path(tmp)
        if "sources" in chosen:
            bench_sources(work, args, failed)
        if "render" in chosen:
            bench_render(args, failed)
        if "rerun" in chosen:
            bench_rerun(work, args, failed)
        if "prune" in chosen:
            bench_prune(work, args)
    for problem in failed:
        print(f"MISSED TARGET: {problem}")
    return 1 if failed and not args.no_check else 0


if __name__ == "__main__":
    sys.exit(main())
