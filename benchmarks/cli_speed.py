"""How fast the CLI answers: `briefing --help`, a one-article `summarize --jsonl`, `briefing run`.

Prints medians over repeated runs next to a baseline measured in the same run
(a bare `python -c pass`), because machines here are noisy.

    python benchmarks/cli_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BRIEFING = [sys.executable, "-m", "briefing"]
ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def median_of(
    repeat: int, command: list[str], cwd: Path, env: dict[str, str], fresh: bool = False
) -> float:
    times = []
    for _ in range(repeat):
        if fresh:
            for path in (cwd / "briefing-sample").glob("*"):
                path.unlink()
        times.append(timed(command, cwd, env))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # Byte-compiled, as an installed package is (see benchmarks/summarizer.py).
    compileall.compile_dir(str(ROOT / "briefing"), quiet=1)
    env = {**os.environ, "NLTK_DATA": tempfile.mkdtemp()}
    env.pop("BRIEFING_CONFIG", None)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        env["XDG_CONFIG_HOME"] = folder  # no config of the user's: the samples run
        baseline = median_of(args.repeat, [sys.executable, "-c", "pass"], cwd, env)
        help_time = median_of(args.repeat, [*BRIEFING, "--help"], cwd, env)
        # Every `summarize --jsonl` run pays this before its first article.
        article = next((ROOT / "briefing" / "samples" / "wikinews-en").glob("*.txt"))
        one = cwd / "one.jsonl"
        one.write_text(json.dumps({"id": 1, "text": article.read_text("utf-8")}) + "\n", "utf-8")
        summarize_time = median_of(
            args.repeat, [*BRIEFING, "summarize", "--jsonl", str(one)], cwd, env
        )
        run_time = median_of(
            args.repeat, [*BRIEFING, "run", "--date", "2026-11-24"], cwd, env, fresh=True
        )
        again = median_of(args.repeat, [*BRIEFING, "run", "--date", "2026-11-24"], cwd, env)
    print(f"{'what':<44} {'median s':>9} {'x baseline':>11}")
    print(f"{'baseline: python -c pass':<44} {baseline:>9.3f} {1:>11.1f}")
    print(f"{'briefing --help':<44} {help_time:>9.3f} {help_time / baseline:>11.1f}")
    print(
        f"{'briefing summarize --jsonl, one article':<44} {summarize_time:>9.3f} "
        f"{summarize_time / baseline:>11.1f}"
    )
    print(
        f"{'briefing run, samples (17 articles, md+pdf)':<44} {run_time:>9.3f} "
        f"{run_time / baseline:>11.1f}"
    )
    print(
        f"{'briefing run again, same day (nothing new)':<44} {again:>9.3f} "
        f"{again / baseline:>11.1f}"
    )


if __name__ == "__main__":
    main()
