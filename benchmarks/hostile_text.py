"""Every text stage against generated hostile input: nothing may take long.

Usage:
    python benchmarks/hostile_text.py [--limit 0.5]

Tokens that the cleaning, splitting and markup rules look for ("By . ",
"(Reuters)", "<h1 ", "```", "[", "No. ", spaces, …), alone and in pairs, are
repeated to about 60 KB, and each is read by every stage a stranger's text
reaches: cleaning, HTML and Markdown to text, sentence splitting, local
documents (HTML, Markdown, text) and a whole summary. A stage over ``--limit``
seconds is printed (each is stopped after 5 s); the exit status is 1 if any is.
Unix only (it uses SIGALRM).
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from briefing.documents import parse_document
from briefing.errors import BriefingError
from briefing.summarize import summarize_text
from briefing.text import clean_text, html_to_text, markdown_to_text, split_sentences

TOKENS = [
    "By . ", "PUBLISHED: . ", "UPDATED: . 10:22 EST, 12 March 2015 . ", "(Adds ", "(Reuters)",
    "By John Smith ", "WASHINGTON ", "You are here: ", "<< Previous | ", "Next >> ",
    "Lire la suite", "... ", "… ", "QUICK VOTE ", "READ MORE: ", "# ", "```", "[", "](", "**",
    "__", "<h1 ", "<meta ", "---\n", "Scroll down for video ", "Advertisement ", "No. ", "(",
    ")", "« ", " »", '"', "Mr. ", "U.S. ", "a.", "A ", "The ", " ", "\n", "\n\n", "x",
    "1,000 ", "8 000 ", ". ", "? ", "! ", "Top: ", "<p>", "</p>", "<br>", "&amp;", "&#", "<!--",
    "-->", "<script>", "Source : ", "Comment (0)", "cookies ", "accept ", "function(", "{", "}",
    "=>", "\u00ad", "\u200b", "http://", "www.", "• ", "•", "dix.A ", "dit.M. ", " ?Le",
    "fin...Le", "SALAIRESInterpellé", "luiBernard ", "aaa.Bbb luiBernard", "► ",
    '- "ABCDEFGHIJ" -', "[a](b(c) ", "![a](", "=====\n", "word word word word\n", "- ",
]  # fmt: skip
STAGES: dict[str, Callable[[str], object]] = {
    "clean": clean_text,
    "html": html_to_text,
    "markdown": markdown_to_text,
    "split": lambda text: split_sentences(text, "en", join_quotations=True),
    "document html": lambda text: parse_document(text, "html"),
    "document md": lambda text: parse_document(text, "markdown"),
    "document txt": lambda text: parse_document(text, "text"),
    "summary": summarize_text,
}
TARGET_CHARS = 60_000
STOP_SECONDS = 5


class _Stopped(Exception):
    pass


def _stop(*_: object) -> None:
    raise _Stopped


def cases() -> list[tuple[str, ...]]:
    """Each token alone, and every seventh pair of tokens (a fixed choice)."""
    pairs = list(itertools.combinations(TOKENS, 2))
    return [(token,) for token in TOKENS] + pairs[::7]


def seconds(stage: Callable[[str], object], text: str) -> float:
    signal.setitimer(signal.ITIMER_REAL, STOP_SECONDS)
    started = time.perf_counter()
    try:
        stage(text)
    except (_Stopped, BriefingError):
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=0.5, help="seconds a stage may take")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _stop)
    slow = 0
    chosen = cases()
    for combo in chosen:
        unit = "".join(combo)
        text = unit * max(1, TARGET_CHARS // len(unit))
        for name, stage in STAGES.items():
            taken = seconds(stage, text)
            if taken > args.limit:
                slow += 1
                print(f"SLOW {taken:.2f} s  {name}  {combo!r}", flush=True)
    print(f"{len(chosen)} inputs x {len(STAGES)} stages: {slow} over {args.limit} s")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
