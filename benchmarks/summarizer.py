"""Compare our summariser with Lead-k and sumy's algorithms on evaluation sets.

Usage:
    python benchmarks/summarizer.py ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl
    python benchmarks/summarizer.py --quick ../shared/eval/dev-en.jsonl  # 30 docs/set, 4 systems

Each record is {"id", "lang", "text", "summary", "summary_sents", "dataset", ...}.
The summary length is k = len(summary_sents). ROUGE-1/2/L F1 x100 (rouge-score;
English: default tokenizer + Porter stemmer; French: NFKC lower-cased [^\\W_]+
runs, no stemming). Speed is documents/second for summarize_text() with
language detection, cleaning and sentence splitting included (start-up and
ROUGE scoring excluded); "x LexRank" is the ratio to sumy's LexRank on the same
documents. Every system runs ``--passes`` times (default 3), interleaved, and
the median time is kept; the first pass of ours is also shown (cold stem memo).
Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import os

# One BLAS thread, as the CLI sets it: on matrices this small a second thread
# costs more than it saves (it applies to sumy's numpy code alike).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from statistics import mean, median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _rouge import METRICS, score, scorer_for

from briefing.models import Length
from briefing.summarize import summarize_text

ALGORITHMS = ("default", "lead", "lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic")
QUICK_ALGORITHMS = ("default", "lead", "lexrank", "textrank")
QUICK_DOCS = 30
SPEED_TARGET = 10.0  # ours must run at least this many times faster than LexRank


def load(paths: list[str], quick: bool) -> dict[str, list[dict[str, Any]]]:
    datasets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    datasets[record.get("dataset", Path(path).stem)].append(record)
    if quick:
        return {name: records[:QUICK_DOCS] for name, records in datasets.items()}
    return dict(datasets)


def run(records: list[dict[str, Any]], algorithm: str) -> tuple[list[str], float]:
    predictions = []
    started = time.perf_counter()
    for record in records:
        k = max(1, len(record["summary_sents"]))
        summary = summarize_text(record["text"], length=Length(sentences=k), algorithm=algorithm)
        predictions.append(summary.text)
    return predictions, time.perf_counter() - started


def timed_runs(
    records: list[dict[str, Any]], algorithms: tuple[str, ...], passes: int
) -> dict[str, tuple[list[str], list[float]]]:
    """Run every system ``passes`` times, interleaved so load spikes hit them alike."""
    results: dict[str, tuple[list[str], list[float]]] = {}
    for _ in range(passes):
        for algorithm in algorithms:
            predictions, seconds = run(records, algorithm)
            kept, times = results.setdefault(algorithm, (predictions, []))
            if kept != predictions:
                raise SystemExit(f"{algorithm} is not deterministic")
            times.append(seconds)
    return results


def evaluate(records: list[dict[str, Any]], predictions: list[str]) -> dict[str, float]:
    scorers: dict[str, Any] = {}
    totals: dict[str, list[float]] = defaultdict(list)
    for record, prediction in zip(records, predictions, strict=True):
        language = record["lang"]
        scorer = scorers.setdefault(language, scorer_for(language))
        for metric, value in score(scorer, record["summary"], prediction).items():
            totals[metric].append(value)
    return {metric: mean(values) for metric, values in totals.items()}


def warm_up(algorithms: tuple[str, ...]) -> None:
    # Start-up (imports, model loading) is not part of the throughput.
    for algorithm in algorithms:
        for text in (
            "The cat sat. It was happy. Then it left.",
            "Le chat dort. Il rêve. Puis il part.",
        ):
            summarize_text(text, length=Length(sentences=1), algorithm=algorithm)


def report(
    records: list[dict[str, Any]], results: dict[str, tuple[list[str], list[float]]]
) -> bool:
    """Print one dataset's table; return whether ours >= the best peer on every metric."""
    scores = {a: evaluate(records, predictions) for a, (predictions, _) in results.items()}
    speed = {a: len(records) / median(times) for a, (_, times) in results.items()}
    lexrank = speed.get("lexrank")
    print("| system | R-1 | R-2 | R-L | docs/s (median) | x LexRank |")
    print("|---|---:|---:|---:|---:|---:|")
    for algorithm, values in scores.items():
        ratio = f"{speed[algorithm] / lexrank:.1f}" if lexrank else "-"
        label = "**ours (default)**" if algorithm == "default" else algorithm
        cells = " | ".join(f"{values[m]:.2f}" for m in METRICS)
        print(f"| {label} | {cells} | {speed[algorithm]:,.0f} | {ratio} |")
    peers = {a: v for a, v in scores.items() if a != "default"}
    if "default" not in scores or not peers:
        return True
    ours = scores["default"]
    verdicts = []
    print()
    for metric, label in zip(METRICS, ("R-1", "R-2", "R-L"), strict=True):
        best = max(peers, key=lambda a: peers[a][metric])
        margin = ours[metric] - peers[best][metric]
        verdicts.append(margin >= 0)
        verdict = "PASS" if margin >= 0 else "FAIL"
        print(
            f"- {label}: ours {ours[metric]:.2f} vs best peer {best} "
            f"{peers[best][metric]:.2f} ({margin:+.2f}) {verdict}"
        )
    if lexrank:
        ratio = speed["default"] / lexrank
        verdict = "PASS" if ratio >= SPEED_TARGET else "FAIL"
        first = len(records) / results["default"][1][0]
        print(
            f"- speed: ours {speed['default']:,.0f} docs/s = {ratio:.1f}x LexRank "
            f"(target {SPEED_TARGET:.0f}x) {verdict}; first (cold) pass {first:,.0f} docs/s"
        )
        verdicts.append(ratio >= SPEED_TARGET)
    return all(verdicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="JSONL files in the shared eval format")
    parser.add_argument("--quick", action="store_true", help="30 docs per dataset, 4 systems")
    parser.add_argument("--algorithms", help="comma-separated subset to run")
    parser.add_argument("--passes", type=int, default=3, help="timing passes (median kept)")
    args = parser.parse_args()
    algorithms = QUICK_ALGORITHMS if args.quick else ALGORITHMS
    if args.algorithms:
        algorithms = tuple(args.algorithms.split(","))
    datasets = load(args.paths, args.quick)
    warm_up(algorithms)
    summary = []
    for name, records in datasets.items():
        print(f"\n## {name} ({len(records)} docs, {records[0]['lang']})\n")
        passed = report(records, timed_runs(records, algorithms, max(1, args.passes)))
        summary.append((name, passed))
    print("\n## verdict\n")
    for name, passed in summary:
        print(f"- {name}: {'PASS' if passed else 'FAIL'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process, all systems): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
