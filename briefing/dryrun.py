"""``briefing run --dry-run``: a whole run that changes nothing a real run depends on.

The run works on a copy of the article database in a new temporary folder and
writes its files there, so collecting, marking articles as briefed and the
run log all happen on the copy: the real database is only read, nothing is
sent, and the next real run sees exactly what it would have seen. The files
stay in the folder for the user to look at; the copied database is removed.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

from .config import Config
from .errors import StoreError
from .pipeline import Progress, RunOptions, RunResult, run_briefing


def dry_run(config: Config, options: RunOptions, *, progress: Progress | None = None) -> RunResult:
    """Run ``config`` into a new temporary folder, on a copy of its database; send nothing."""
    folder = Path(tempfile.mkdtemp(prefix="briefing-dry-run-"))
    copy = folder / ".briefing-dry-run.sqlite3"
    _copy_database(config.database_path, copy)
    trial = replace(config, output_dir=folder, database=copy)
    try:
        return run_briefing(trial, replace(options, send=False), progress=progress)
    finally:
        for leftover in folder.glob(".briefing-dry-run.sqlite3*"):
            leftover.unlink(missing_ok=True)


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` (SQLite's backup API), opened read-only; none if absent."""
    if not source.exists():
        return
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the database {source} for a dry run: {exc}") from None
