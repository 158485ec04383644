"""Language detection accuracy on evaluation sets (no language hint given).

Usage:
    python benchmarks/language.py ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl

Reports accuracy on each whole article, on its first sentence only (a hard,
short case) and detection speed.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefing.text import clean_text, detect_language, split_sentences


def main() -> None:
    records = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    texts = [clean_text(r["text"]) for r in records]
    started = time.perf_counter()
    guesses = [detect_language(t) for t in texts]
    seconds = time.perf_counter() - started
    firsts = [
        (split_sentences(t, r["lang"]) or [""])[0] for t, r in zip(texts, records, strict=True)
    ]
    first_guesses = [detect_language(s, default="??") for s in firsts]
    print("| set | docs | whole article | first sentence only |")
    print("|---|---:|---:|---:|")
    by_set: Counter[str] = Counter()
    right: Counter[str] = Counter()
    right_first: Counter[str] = Counter()
    for record, guess, first in zip(records, guesses, first_guesses, strict=True):
        name = record.get("dataset", record["lang"])
        by_set[name] += 1
        right[name] += guess == record["lang"]
        right_first[name] += first == record["lang"]
    for name in by_set:
        print(
            f"| {name} | {by_set[name]} | {100 * right[name] / by_set[name]:.1f}% "
            f"| {100 * right_first[name] / by_set[name]:.1f}% |"
        )
    total = len(records)
    print(
        f"| all | {total} | {100 * sum(right.values()) / total:.1f}% "
        f"| {100 * sum(right_first.values()) / total:.1f}% |"
    )
    print(f"\n{total / seconds:,.0f} articles/s ({1e6 * seconds / total:.0f} µs each)")


if __name__ == "__main__":
    main()
