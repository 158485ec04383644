"""The article database's health: checks at open, and SQLite errors a user can act on.

At open, :class:`~briefing.store.Store` refuses a file that is damaged
(``PRAGMA quick_check``, run only when the file changed since the last clean
close, so an ordinary open costs a ``stat``), the SQLite file of another
program, and tables that lack a column this version needs. Any SQLite error
later (locked, disk full, read-only) becomes a StoreError that says what is
wrong and what to do.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import DatabaseCorrupt, StoreError
from .fsutil import write_advice

RECOVERY = "README, “If the database is damaged”"


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """A StoreError for an SQLite error on ``path``: what is wrong, and what to do."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"the article database {path} is locked by another program (an sqlite3 shell, a "
            "backup or sync tool?): close it and run again"
        )
    if "not a database" in lowered or "encrypted" in lowered:
        return StoreError(
            f"{path} is not a briefing database (not an SQLite file, or a damaged one): set "
            "`database` in the configuration to another file, or move this one away"
        )
    if "malformed" in lowered or "corrupt" in lowered:
        return DatabaseCorrupt(damaged_message(path, text))
    if "disk is full" in lowered or ("disk i/o error" in lowered and _disk_nearly_full(path)):
        # SQLite reports a full disk as an I/O error when its shared-memory
        # file cannot grow: the file system tells which it was.
        return StoreError(
            f"cannot write the article database {path}: the disk is full; free some space and "
            "run again"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(
            f"cannot write the article database {path}: it is read-only; make it and its folder "
            "writable, or set `database` to another file"
        )
    if "no such column" in lowered or "no such table" in lowered or "has no column" in lowered:
        return StoreError(
            f"{path} does not have the tables this version of briefing needs ({text}): restore "
            "a backup, or move the file away to start a new database"
        )
    if "unable to open" in lowered:
        return StoreError(
            f"cannot open the article database {path}: check that its folder exists and is "
            "writable, or set `database` to another file"
        )
    return StoreError(f"the article database {path}: {text}")


def open_error(path: Path, exc: OSError | sqlite3.Error) -> StoreError:
    if isinstance(exc, sqlite3.Error):
        return store_error(path, exc)
    return StoreError(f"cannot open the article database {path}: {write_advice(exc)}")


def damaged_message(path: Path, problem: str) -> str:
    return (
        f"the article database {path} is damaged ({problem}); briefing will not use it: "
        f"recover what it holds as the {RECOVERY} says, or move the file away to start a new one"
    )


def _disk_nearly_full(path: Path) -> bool:
    try:
        info = os.statvfs(path.parent)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1_000_000


# --- checks at open --------------------------------------------------------------------------


def check_integrity(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged file; skipped when it is as the last clean close left it."""
    if not path.exists() or _read_stamp(path) == _file_stamp(path):
        return
    try:
        rows = db.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise
        rows = [(str(exc),)]
    problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    if problems:
        raise DatabaseCorrupt(damaged_message(path, problems[0]))


def refuse_foreign_database(
    db: sqlite3.Connection, path: Path, migrations: tuple[str, ...]
) -> None:
    """Refuse an SQLite file of another program's tables (before anything is written to it)."""
    if int(db.execute("PRAGMA user_version").fetchone()[0]) != 0:
        return
    # Tables of our own may appear while another process creates the schema.
    foreign = [table for table in _tables(db) if table not in _expected_columns(migrations)]
    if foreign:
        raise StoreError(
            f"{path} is an SQLite database of another program (tables: "
            f"{', '.join(foreign[:5])}), not a briefing database; briefing will not write into "
            "it: set `database` in the configuration to another file"
        )


def check_columns(db: sqlite3.Connection, path: Path, migrations: tuple[str, ...]) -> None:
    """Refuse tables that lack a column the migrations make (a file changed by hand or a tool)."""
    for table, wanted in _expected_columns(migrations).items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        missing = [column for column in wanted if column not in present]
        if not missing:
            continue
        what = (
            f"the table {table!r}"
            if not present
            else "the column(s) " + ", ".join(f"{table}.{column}" for column in missing)
        )
        raise StoreError(
            f"{path} lacks {what} that this version of briefing needs (the file was changed "
            "by another program or tool): restore a backup, or move the file away to start a "
            "new database"
        )


def save_stamp(path: Path) -> None:
    """Remember the file as this clean close leaves it, so the next open skips the check."""
    stamp = _file_stamp(path)
    if not stamp:
        return
    # Without a stamp, the next open checks the file again: slower, never wrong.
    with contextlib.suppress(OSError):
        _stamp_path(path).write_text(stamp + "\n", encoding="ascii")


def _stamp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}-checked")


def _file_stamp(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return ""
    wal = path.with_name(f"{path.name}-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    return f"{info.st_ino} {info.st_size} {info.st_mtime_ns} {wal_size}"


def _read_stamp(path: Path) -> str | None:
    try:
        return _stamp_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [str(row[0]) for row in rows]


@functools.cache
def _expected_columns(migrations: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each table's columns, as the migrations make them (in a database in memory)."""
    db = sqlite3.connect(":memory:")
    try:
        for script in migrations:
            for statement in (part.strip() for part in script.split(";")):
                if statement:
                    db.execute(statement)
        return {
            table: tuple(str(row[1]) for row in db.execute(f"PRAGMA table_info({table})"))
            for table in _tables(db)
        }
    finally:
        db.close()


# --- errors at any time ----------------------------------------------------------------------


def translate_errors(cls: type[Any]) -> None:
    """Make every public method of ``cls`` (a Store) raise StoreError instead of sqlite3.Error."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def translated(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                error = store_error(self.path, exc)
                if isinstance(error, DatabaseCorrupt):
                    # Found damaged while in use: the next open must check it again.
                    self._trusted = False
                raise error from exc

        return translated

    for name, member in list(vars(cls).items()):
        # transaction() is a context manager used inside the methods wrapped here.
        if not name.startswith("_") and inspect.isfunction(member) and name != "transaction":
            setattr(cls, name, wrap(member))
