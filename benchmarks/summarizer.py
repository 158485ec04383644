"""Compare our summariser with Lead-k and sumy's algorithms, with paired standard errors.

Usage:
    python benchmarks/summarizer.py ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl
    python benchmarks/summarizer.py --limit 300 ../shared/train/train-orangesum.jsonl
    python benchmarks/summarizer.py --no-speed ../shared/train/train-bbc.jsonl:1401-1719  # rows
    python benchmarks/summarizer.py --quick ../shared/eval/dev-en.jsonl  # 30 docs/set, 4 systems
    python benchmarks/summarizer.py --cleaning ../shared/eval/*.jsonl ../shared/train/*.jsonl
    python benchmarks/summarizer.py --speed-only --against main ../shared/eval/dev-en.jsonl

Each record is {"id", "lang", "text", "summary", "summary_sents", "dataset", ...}; a
dataset is one ``dataset`` value of one file. Every system reads each record as
``briefing summarize --jsonl`` does (the record's title line is not summarised),
at k = the reference's sentence count and at k = 3. ROUGE-1/2/L F1 x100
(rouge-score; English: default tokenizer + Porter stemmer; French: NFKC
lower-cased [^\\W_]+ runs, no stemming), macro-averaged; each peer's row gives
ours minus the peer with the paired standard error of that difference (a gain
under two standard errors is none).

Speed is measured cold, as the product runs: each pass starts a fresh
``python -m briefing summarize --jsonl`` process over the dataset (start-up,
language detection, cleaning, splitting included), ours and LexRank
interleaved (``--against REV`` adds the package at a git revision, timed in the
same passes; ``--speed-only`` skips the ROUGE tables); docs/s is the median
over ``--passes``, with each system's start-up and cost per document. ``--limit N`` takes N
records per file (a fixed shuffle), e.g. a held-out-like check on training
files not used for training; ``FILE:A-B`` reads rows A..B of a file only
(from 1, in file order: ``../shared/train/train-bbc.jsonl:1401-1719``, the
BBC rows no tuning read). ``--cleaning`` prints how often each cleaning
rule fires on each file and how many characters it removes, and stops;
``--invariants`` checks on every document that summaries for n = 1..10 are
nested, that the default length keeps the opening sentence (the one after a
byline or headline, when the first is one), that no picked sentence has an
open quotation or bracket, that each is verbatim and that a second run gives the same
summary, and stops (exit status 1 on any failure).
"""

from __future__ import annotations

import os

# One BLAS thread, as the CLI sets it: on matrices this small a second thread
# costs more than it saves (it applies to sumy's numpy code alike).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import compileall
import io
import json
import math
import random
import re
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from statistics import mean, median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _rouge import METRICS, score, scorer_for

from briefing.batch import summarize_jsonl, without_title_line
from briefing.models import Length

ROOT = Path(__file__).resolve().parent.parent
ALGORITHMS = ("default", "lead", "lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic")
QUICK_ALGORITHMS = ("default", "lead", "lexrank", "textrank")
QUICK_DOCS = 30
SPEED_TARGET = 10.0  # ours must run at least this many times faster than LexRank, cold
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
LABELS = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L"}


_ROWS = re.compile(r"(.+):(\d+)-(\d+)")


def split_rows(path: str) -> tuple[str, str, slice | None]:
    """``FILE:A-B`` as (FILE, its name with the rows, records A..B); a plain path whole.

    Rows count from 1 in file order, both ends included: e.g. the rows of a
    training file that no tuning read (``train-bbc.jsonl:1401-1719``).
    """
    found = _ROWS.fullmatch(path)
    if found is None or Path(path).exists():
        return path, Path(path).stem, None
    file, first, last = found.group(1), int(found.group(2)), int(found.group(3))
    return file, f"{Path(file).stem}[{first}-{last}]", slice(max(0, first - 1), last)


def load(paths: list[str], limit: int | None) -> dict[str, list[dict[str, Any]]]:
    datasets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for given in paths:
        path, name, rows = split_rows(given)
        with open(path, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        if rows is not None:
            records = records[rows]
        if limit is not None and len(records) > limit:
            random.Random(f"briefing-bench:{Path(path).name}").shuffle(records)
            records = records[:limit]
        for record in records:
            datasets[f"{name}/{record.get('dataset', 'all')}"].append(record)
    return dict(datasets)


def batch_lines(records: list[dict[str, Any]], k: int | None) -> list[str]:
    """The records as ``--jsonl`` input, each asking for k sentences (None: the reference's)."""
    return [
        json.dumps(
            {
                "id": i,
                "text": r["text"],
                "title": r.get("title") or None,
                "sentences": k or max(1, len(r["summary_sents"])),
            },
            ensure_ascii=False,
        )
        for i, r in enumerate(records)
    ]


def predict(records: list[dict[str, Any]], algorithm: str, k: int | None) -> list[str]:
    lines = batch_lines(records, k)
    out = [
        json.loads(line) for line in summarize_jsonl(lines, length=Length(), algorithm=algorithm)
    ]
    return ["\n".join(o.get("sentences", [])) for o in out]


def rouge(records: list[dict[str, Any]], predictions: list[str]) -> dict[str, list[float]]:
    scorers: dict[str, Any] = {}
    values: dict[str, list[float]] = defaultdict(list)
    for record, prediction in zip(records, predictions, strict=True):
        scorer = scorers.setdefault(record["lang"], scorer_for(record["lang"]))
        for metric, value in score(scorer, record["summary"], prediction).items():
            values[metric].append(value)
    return values


def paired(ours: list[float], theirs: list[float]) -> tuple[float, float]:
    """Mean difference and its standard error over the same documents."""
    diffs = [a - b for a, b in zip(ours, theirs, strict=True)]
    mu = mean(diffs)
    if len(diffs) < 2:
        return mu, float("nan")
    var = sum((d - mu) ** 2 for d in diffs) / (len(diffs) - 1)
    return mu, math.sqrt(var / len(diffs))


def quality_table(
    name: str, records: list[dict[str, Any]], algorithms: tuple[str, ...], k: int | None
) -> list[str]:
    """Print one table; return the verdict lines (ours against the target)."""
    results = {a: rouge(records, predict(records, a, k)) for a in algorithms}
    label = "k = reference length" if k is None else f"k = {k}"
    print(f"\n### {name}: {label} ({len(records)} docs)\n")
    print("| system | R-1 | R-2 | R-L | ours − system R-1 | R-2 | R-L |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ours = results.get("default")
    for algorithm, values in results.items():
        cells = " | ".join(f"{mean(values[m]):.2f}" for m in METRICS)
        if ours is None or algorithm == "default":
            diffs = " | ".join("" for _ in METRICS)
        else:
            diffs = " | ".join(
                "{:+.2f} ± {:.2f}".format(*paired(ours[m], values[m])) for m in METRICS
            )
        shown = "**ours (default)**" if algorithm == "default" else algorithm
        print(f"| {shown} | {cells} | {diffs} |")
    if ours is None:
        return []
    peers = [a for a in results if a != "default"]
    if k is not None:
        peers = [a for a in peers if a == "lead"]  # the k = 3 target is Lead-3
    verdicts = []
    for metric in METRICS:
        if not peers:
            break
        best = max(peers, key=lambda a: mean(results[a][metric]))
        mu, se = paired(ours[metric], results[best][metric])
        verdict = "PASS" if mu >= 0 else ("FAIL (within 2 SE)" if mu > -2 * se else "FAIL")
        verdicts.append(
            f"{name} {label} {LABELS[metric]}: ours − {best} {mu:+.2f} ± {se:.2f} {verdict}"
        )
    return verdicts


def cold_speed(
    records: list[dict[str, Any]],
    algorithms: tuple[str, ...],
    passes: int,
    trees: dict[str, Path] | None = None,
) -> tuple[dict[str, float], dict[str, float], dict[str, tuple[float, float]], dict[str, float]]:
    """Docs/s of a fresh ``briefing summarize --jsonl`` process per pass (medians).

    Returns docs/s over the whole process (start-up included, as a user sees
    it), net of start-up (minus the same process on a one-record file), each
    system's (start-up s, s per further document), and docs per CPU second of
    the whole process (user + system). ``trees`` adds our
    default summariser from other package folders (``--against``), as
    ``default@label``, timed in the same passes.
    """
    files: list[str] = []
    for lines in (batch_lines(records, None), batch_lines(records[:1], None)):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            files.append(f.name)
    systems = [(algorithm, algorithm, ROOT) for algorithm in algorithms]
    systems += [(f"default@{label}", "default", tree) for label, tree in (trees or {}).items()]
    # An installed package is byte-compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module from source in
    # every process, which no user pays. The same for every algorithm timed.
    for tree in {tree for _, _, tree in systems}:
        compileall.compile_dir(str(tree / "briefing"), quiet=1)
    whole: dict[str, list[float]] = defaultdict(list)
    start: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)  # the whole process's CPU seconds
    try:
        for _ in range(passes):
            for label, algorithm, tree in systems:
                env = {**os.environ, "PYTHONPATH": str(tree)}
                for path, times in ((files[0], whole), (files[1], start)):
                    command = [sys.executable, "-m", "briefing", "summarize", "--jsonl", path]
                    used = _children_cpu()
                    started = time.perf_counter()
                    subprocess.run(
                        [*command, "--algorithm", algorithm],
                        check=True,
                        stdout=subprocess.DEVNULL,
                        cwd=tree,
                        env=env,
                    )
                    times[label].append(time.perf_counter() - started)
                    if times is whole:
                        cpu[label].append(_children_cpu() - used)
    finally:
        for path in files:
            os.unlink(path)
    n = len(records)
    gross = {a: n / median(t) for a, t in whole.items()}
    net = {a: (n - 1) / max(1e-9, median(t) - median(start[a])) for a, t in whole.items()}
    costs = {
        a: (median(start[a]), (median(t) - median(start[a])) / max(1, n - 1))
        for a, t in whole.items()
    }
    # On a shared machine a process also waits for a core: its CPU time says
    # what the work itself costs, and is far less noisy than the wall clock.
    per_cpu_second = {a: n / max(1e-9, median(t)) for a, t in cpu.items()}
    return gross, net, costs, per_cpu_second


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def export_revision(revision: str, folder: Path) -> Path:
    """The package as committed at ``revision`` (``git archive``), for ``--against``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "briefing", "templates"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def speed_line(
    name: str,
    gross: dict[str, float],
    net: dict[str, float],
    costs: dict[str, tuple[float, float]],
    per_cpu_second: dict[str, float],
) -> str:
    ratio = gross["default"] / gross["lexrank"]
    verdict = "PASS" if ratio >= SPEED_TARGET else "FAIL"

    def cost(label: str) -> str:
        start_s, per_doc = costs[label]
        return f"start-up {start_s * 1000:,.0f} ms + {per_doc * 1000:.2f} ms/doc"

    line = (
        f"{name}: ours {gross['default']:,.0f} docs/s, LexRank {gross['lexrank']:,.0f} "
        f"docs/s, {ratio:.1f}x (target {SPEED_TARGET:.0f}x) {verdict}; net of start-up "
        f"ours {net['default']:,.0f}, LexRank {net['lexrank']:,.0f} docs/s, "
        f"{net['default'] / net['lexrank']:.1f}x; ours {cost('default')}, "
        f"LexRank {cost('lexrank')}"
    )
    for label in gross:
        if label.startswith("default@"):
            line += (
                f"; {label.removeprefix('default@')}: {gross[label]:,.0f} docs/s, "
                f"{gross[label] / gross['lexrank']:.1f}x, {cost(label)}"
            )
    line += "; per CPU second: " + ", ".join(
        f"{'ours' if label == 'default' else label.removeprefix('default@')} {docs:,.0f} docs "
        f"({docs / per_cpu_second['lexrank']:.1f}x LexRank)"
        for label, docs in per_cpu_second.items()
        if label != "lexrank"
    )
    return line + f", LexRank {per_cpu_second['lexrank']:,.0f}"


def model_cost() -> str:
    """Size and load time of the learned weights, if the ranker ships any."""
    code = (
        "import time; t = time.perf_counter(); from briefing import scorer; "
        "m = scorer.load_weights(); print(time.perf_counter() - t, scorer.WEIGHTS_PATH)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        return "model: none (the default ranker has no weights file)"
    seconds, path = done.stdout.split()
    size = Path(path).stat().st_size
    return f"model: {Path(path).name}, {size:,} bytes, loaded in {float(seconds) * 1000:.1f} ms"


def cleaning_report(paths: list[str], limit: int | None) -> None:
    from briefing.text.clean import INLINE_DEBRIS_RULES

    print("| file | docs | rule | docs where it fires | characters removed (net) |")
    print("|---|---:|---|---:|---:|")
    for name, records in load(paths, limit).items():
        fired: dict[str, int] = defaultdict(int)
        removed: dict[str, int] = defaultdict(int)
        for record in records:
            text = record["text"]
            for rule_name, rule in INLINE_DEBRIS_RULES:
                after = rule(text)
                if after != text:
                    fired[rule_name] += 1
                    removed[rule_name] += len(text) - len(after)
                text = after
        for rule_name, _ in INLINE_DEBRIS_RULES:
            counts = f"{fired[rule_name]} | {removed[rule_name]:,}"
            print(f"| {name} | {len(records)} | {rule_name} | {counts} |")


def invariants_report(paths: list[str], limit: int | None) -> bool:
    """Check what readers rely on, on every document: print the failures per file."""
    from briefing.ranker import has_open_bracket, has_open_quote, lead_index
    from briefing.summarize import MAX_SENTENCES, prepare_sentences, summarize_text

    print(
        "| file | docs | not nested (n = 1..10) | lead missing at n = 3 | open quote or bracket |"
        " not verbatim | not deterministic |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    clean = True
    for name, records in load(paths, limit).items():
        failures: dict[str, int] = defaultdict(int)
        for record in records:
            text = without_title_line(record["text"], record.get("title"))
            # Verbatim up to white space: the cleaner composes accents (NFC),
            # drops soft hyphens and zero-width characters, and puts a space in
            # 'public."Le projet' (sentences glued by a scraper).
            flat = "".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", text)).split())
            language, sentences, _ = prepare_sentences(text, "auto")
            if not sentences:
                continue
            previous: set[int] = set()
            for n in range(1, 11):
                summary = summarize_text(text, length=Length(sentences=n))
                picked = {s.index for s in summary.sentences}
                failures["nested"] += not previous <= picked
                if n == 3:
                    lead = lead_index(sentences[:MAX_SENTENCES], language)
                    failures["lead"] += lead is not None and lead not in picked
                    failures["deterministic"] += (
                        summarize_text(text, length=Length(sentences=3)) != summary
                    )
                for sentence in summary.sentences:
                    failures["quote"] += has_open_quote(sentence.text) or has_open_bracket(
                        sentence.text
                    )
                    failures["verbatim"] += "".join(sentence.text.split()) not in flat
                previous = picked
        cells = " | ".join(
            str(failures[key]) for key in ("nested", "lead", "quote", "verbatim", "deterministic")
        )
        clean &= not any(failures.values())
        print(f"| {name} | {len(records)} | {cells} |")
    return clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="+", help="JSONL files in the shared eval format (FILE:A-B: rows A..B)"
    )
    parser.add_argument("--quick", action="store_true", help="30 docs per file, 4 systems")
    parser.add_argument("--algorithms", help="comma-separated subset to run")
    parser.add_argument("--limit", type=int, help="records per file (a fixed shuffle)")
    parser.add_argument("--passes", type=int, default=3, help="cold timing passes (median kept)")
    parser.add_argument("--no-speed", action="store_true", help="skip the cold timing")
    parser.add_argument(
        "--speed-only", action="store_true", help="only the cold timing (no ROUGE tables)"
    )
    parser.add_argument(
        "--against", metavar="REV", help="also time a git revision's package (e.g. main)"
    )
    parser.add_argument("--cleaning", action="store_true", help="cleaning rule counts only")
    parser.add_argument(
        "--invariants", action="store_true", help="check nesting, lead, quotes, verbatim only"
    )
    args = parser.parse_args()
    if args.cleaning:
        cleaning_report(args.paths, args.limit)
        return
    if args.invariants:
        raise SystemExit(0 if invariants_report(args.paths, args.limit) else 1)
    algorithms = QUICK_ALGORITHMS if args.quick else ALGORITHMS
    if args.algorithms:
        algorithms = tuple(args.algorithms.split(","))
    datasets = load(args.paths, QUICK_DOCS if args.quick else args.limit)
    verdicts: list[str] = []
    speeds: list[str] = []
    for name, records in datasets.items():
        print(f"\n## {name} ({len(records)} docs, {records[0]['lang']})")
        for k in () if args.speed_only else (None, 3):
            verdicts += quality_table(name, records, algorithms, k)
        timed = {"default", "lexrank"} <= set(algorithms) or args.speed_only
        if not args.no_speed and timed:
            with tempfile.TemporaryDirectory() as folder:
                trees = {}
                if args.against:
                    trees[args.against] = export_revision(args.against, Path(folder))
                times = cold_speed(records, ("default", "lexrank"), max(1, args.passes), trees)
            speeds.append(speed_line(name, *times))
            print(f"\ncold speed (fresh process per pass, median of {args.passes}): {speeds[-1]}")
    print("\n## verdict\n")
    for line in verdicts + speeds:
        print(f"- {line}")
    print(f"- {model_cost()}")


if __name__ == "__main__":
    main()
