"""Check that a speed change left every summary as it was: this tree against a git revision.

Usage:
    python benchmarks/same_summaries.py ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl \\
        ../shared/train/train-bbc.jsonl ../shared/train/train-orangesum.jsonl --limit 300
    python benchmarks/same_summaries.py --against main~3 ../shared/eval/dev-en.jsonl
    python benchmarks/same_summaries.py --against HEAD~1 --rouge ../shared/eval/dev-en.jsonl

The revision (``--against``, default: where this branch forked from ``main``,
``git merge-base HEAD main``, so that others' merged work is no difference) is
exported with ``git archive``
into a temporary folder, and both packages summarise the same records in a
fresh process each, as users run them: ``briefing summarize --jsonl`` at k =
the reference's sentence count and at k = 3 (its output compared byte for
byte), and ``summarize_text`` per record with every score and component
(``--json``'s shape), in the same order, so that the memos kept across the
documents of a batch are exercised as in the product. Prints the records
that differ; exit status 1 if any does. ``--rouge`` adds, for a change meant to
alter summaries, ROUGE-1/2/L F1 x100 of this tree minus the revision per dataset
with the paired standard error (records that did not change count as zero).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in both trees: one summary_to_dict per record, in input order.
_SCORES = """
import json, sys
from briefing.batch import without_title_line
from briefing.models import Length
from briefing.summarize import summarize_text, summary_to_dict
for line in sys.stdin:
    record = json.loads(line)
    text = without_title_line(record["text"], record.get("title"))
    try:
        summary = summarize_text(text, length=Length(sentences=record["sentences"]))
        print(json.dumps(summary_to_dict(summary), ensure_ascii=False))
    except Exception as error:
        print(json.dumps({"error": type(error).__name__ + ": " + str(error)}))
"""


def batch_input(path: str, limit: int | None, k: int | None) -> str:
    lines = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                break
            record = json.loads(line)
            sentences = k or max(1, len(record.get("summary_sents") or [1]))
            lines.append(
                json.dumps(
                    {
                        "id": record.get("id", number),
                        "text": record["text"],
                        "title": record.get("title") or None,
                        "sentences": sentences,
                    },
                    ensure_ascii=False,
                )
            )
    return "\n".join(lines) + "\n"


def run(tree: Path, arguments: list[str], stdin: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tree,
        check=True,
    )
    return done.stdout.splitlines()


def merge_base() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def export(revision: str, folder: Path) -> Path:
    from summarizer import export_revision  # benchmarks/summarizer.py

    export_revision(revision, folder)
    # The installed (editable) package must not shadow the exported one.
    where = run(folder, ["-c", "import briefing; print(briefing.__file__)"], "")
    if not where or not where[0].startswith(str(folder)):
        raise SystemExit(f"the revision's package is not the one imported: {where}")
    return folder


def compare(name: str, ours: list[str], theirs: list[str]) -> int:
    if len(ours) != len(theirs):
        print(f"{name}: {len(ours)} output lines here, {len(theirs)} in the revision")
        return max(len(ours), len(theirs))
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    for i in differ[:5]:
        print(f"{name}: record {i} differs")
        print(f"  here:     {ours[i][:300]}\n  revision: {theirs[i][:300]}")
    print(f"{name}: {len(ours)} records, {len(differ)} differ")
    return len(differ)


def rouge_differences(
    label: str, path: str, limit: int | None, ours: list[str], theirs: list[str]
) -> None:
    """Per dataset: mean ROUGE F1 x100 of ours minus the revision's, with its paired s.e."""
    from _rouge import METRICS, score, scorer_for

    with open(path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in itertools.islice(handle, limit)]
    by_dataset: dict[str, list[dict[str, float]]] = {}
    for record, a, b in zip(records, ours, theirs, strict=True):
        here = " ".join(json.loads(a).get("sentences", []))
        there = " ".join(json.loads(b).get("sentences", []))
        scorer = scorer_for(record.get("lang", "en"))
        if here == there:
            difference = dict.fromkeys(METRICS, 0.0)
        else:
            x, y = score(scorer, record["summary"], here), score(scorer, record["summary"], there)
            difference = {metric: x[metric] - y[metric] for metric in METRICS}
        by_dataset.setdefault(str(record.get("dataset", "?")), []).append(difference)
    for dataset, rows in by_dataset.items():
        changed = sum(any(row.values()) for row in rows)
        cells = []
        for metric in METRICS:
            values = [row[metric] for row in rows]
            error = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
            cells.append(f"{metric} {statistics.mean(values):+.2f} ± {error:.2f}")
        print(f"{label} {dataset}: {changed}/{len(rows)} summaries differ; " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="JSONL files in the shared eval format")
    parser.add_argument(
        "--against", help="git revision to compare with (default: git merge-base HEAD main)"
    )
    parser.add_argument("--limit", type=int, help="first N records of each file")
    parser.add_argument(
        "--rouge",
        action="store_true",
        help="also print ROUGE-1/2/L of this tree minus the revision, per dataset, with the "
        "paired standard error (for a change meant to alter summaries)",
    )
    args = parser.parse_args()
    against = args.against or merge_base()
    print(f"against {against}")
    differences = 0
    with tempfile.TemporaryDirectory() as folder:
        before = export(against, Path(folder))
        for path in args.paths:
            for k in (None, 3):
                stdin = batch_input(path, args.limit, k)
                label = f"{Path(path).name} k={'ref' if k is None else k}"
                command = ["-m", "briefing", "summarize", "--jsonl", "-"]
                ours, theirs = run(ROOT, command, stdin), run(before, command, stdin)
                differences += compare(f"{label} --jsonl", ours, theirs)
                if args.rouge:
                    rouge_differences(label, path, args.limit, ours, theirs)
            stdin = batch_input(path, args.limit, None)
            differences += compare(
                f"{Path(path).name} scores",
                run(ROOT, ["-c", _SCORES], stdin),
                run(before, ["-c", _SCORES], stdin),
            )
    print("identical" if not differences else f"{differences} differences")
    raise SystemExit(1 if differences else 0)


if __name__ == "__main__":
    main()
