"""One run at a time, one scheduler at a time, per article database.

Two advisory locks (``fcntl.flock``) live beside the database:

- ``<database>.lock`` is held for the length of one briefing run, by the
  pipeline (manual or scheduled). A second run waits for it, up to a limit.
- ``<database>.scheduler.lock`` is held for the whole life of a scheduler. A
  second scheduler on the same database gives up at once.

The kernel releases a ``flock`` when its process dies, even by ``SIGKILL``, so a
crashed run never leaves a stale lock behind. The holder's pid, host and start
time are written into the file only to make the "already running" message
useful; the lock itself is the ``flock``, never the file's content. The files
are never deleted: unlinking a lock file lets two processes lock two different
files of the same name.

The run lock is re-entrant within a thread, so the scheduler can hold it while
it checks whether a scheduled time is already done and then call the pipeline,
which takes it again.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from .config import Config
from .errors import LockedError

log = logging.getLogger(__name__)

#: How often a waiting process tries the lock again.
POLL_SECONDS = 0.1


#: When something happened, to the second (schedule.format_observed_time uses it too).
OBSERVED_TIME_FORMAT = "%a %Y-%m-%d %H:%M:%S %Z"


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a lock, as written in the lock file."""

    pid: int
    host: str
    since: datetime
    purpose: str

    def describe(self, zone: tzinfo | None = None) -> str:
        """``pid 123 on host, since Tue 2026-12-01 07:00:04 CET``: in ``zone``, else as written."""
        since = self.since.astimezone(zone) if zone else self.since
        return (
            f"pid {self.pid} on {self.host}, since {since.strftime(OBSERVED_TIME_FORMAT)}".rstrip()
        )

    def is_alive(self) -> bool:
        """False when the holder is known to be gone (same host, no such process)."""
        if self.host != socket.gethostname():
            return True  # cannot tell from here; assume it is
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def run_lock_path(config: Config) -> Path:
    """The lock file held during one briefing run."""
    db = config.database_path
    return db.with_name(db.name + ".lock")


def scheduler_lock_path(config: Config) -> Path:
    """The lock file held for the life of a scheduler."""
    db = config.database_path
    return db.with_name(db.name + ".scheduler.lock")


@contextmanager
def run_lock(
    config: Config, *, wait: float | None = 0, stop: threading.Event | None = None
) -> Iterator[None]:
    """Hold the run lock of ``config``'s database for the duration of the block.

    ``wait`` is how many seconds to wait for a run in progress (``None``: as
    long as it takes). ``stop`` ends the wait early. Raises LockedError, naming
    the run in progress, when the lock cannot be had.
    """
    path = run_lock_path(config)

    def message(holder: LockHolder | None, waited: float) -> str:
        who = f" ({holder.describe(config.display_zone())})" if holder else ""
        after = f" after waiting {waited:.0f} s" if waited >= 1 else ""
        return (
            f"a briefing run is already in progress for this configuration{who}; "
            f"gave up{after}. Wait for it to finish, or wait longer (lock file {path})"
        )

    with _exclusive(path, "run", wait=wait, stop=stop, message=message):
        yield


@contextmanager
def scheduler_lock(config: Config) -> Iterator[None]:
    """Hold the scheduler lock; raise LockedError at once if another scheduler has it."""
    path = scheduler_lock_path(config)

    def message(holder: LockHolder | None, waited: float) -> str:
        who = f" ({holder.describe(config.display_zone())})" if holder else ""
        return (
            f"another briefing scheduler is already running for this configuration{who}. "
            f"Only one may run per database ({config.database_path}); stop the other one first"
        )

    with _exclusive(path, "scheduler", wait=0, stop=None, message=message):
        yield


def lock_holder(path: Path) -> LockHolder | None:
    """The live holder of the lock at ``path``, or None if nobody holds it.

    Reads the file rather than trying the lock, so asking never gets in the
    way of a scheduler or a run starting at the same moment.
    """
    holder = _read_holder(path)
    return holder if holder is not None and holder.is_alive() else None


# --- the lock itself --------------------------------------------------------------------


#: Builds the LockedError text from the holder (if known) and the seconds waited.
_Message = Callable[[LockHolder | None, float], str]


@dataclass
class _Held:
    fd: int
    owner: int
    depth: int


_registry_guard = threading.Lock()
_held: dict[str, _Held] = {}


@contextmanager
def _exclusive(
    path: Path,
    purpose: str,
    *,
    wait: float | None,
    stop: threading.Event | None,
    message: _Message,
) -> Iterator[None]:
    key = str(path.absolute())
    if _reenter(key):
        try:
            yield
        finally:
            _leave(key)
        return
    fd = _acquire(path, purpose, wait=wait, stop=stop, message=message)
    with _registry_guard:
        _held[key] = _Held(fd=fd, owner=threading.get_ident(), depth=1)
    try:
        yield
    finally:
        with _registry_guard:
            del _held[key]
        _release(fd)


def _reenter(key: str) -> bool:
    with _registry_guard:
        held = _held.get(key)
        if held is not None and held.owner == threading.get_ident():
            held.depth += 1
            return True
    return False


def _leave(key: str) -> None:
    with _registry_guard:
        _held[key].depth -= 1


def _acquire(
    path: Path,
    purpose: str,
    *,
    wait: float | None,
    stop: threading.Event | None,
    message: _Message,
) -> int:
    fd = _open(path)
    started = time.monotonic()
    logged = False
    try:
        while not _try_lock(fd):
            waited = time.monotonic() - started
            out_of_time = wait is not None and waited >= wait
            if out_of_time or (stop is not None and stop.is_set()):
                raise LockedError(message(_read_holder(path), waited))
            if not logged:
                log.info("waiting for the %s lock (%s)", purpose, _read_holder(path) or path)
                logged = True
            pause = POLL_SECONDS if wait is None else min(POLL_SECONDS, wait - waited)
            if stop is not None:
                stop.wait(pause)
            else:
                time.sleep(pause)
        _write_holder(fd, purpose)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockedError(f"cannot open the lock file {path}: {exc.strerror}") from None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise LockedError(f"cannot lock: {exc.strerror}") from None
    return True


def _release(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # a released lock names nobody
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _write_holder(fd: int, purpose: str) -> None:
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "purpose": purpose,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)


def _read_holder(path: Path) -> LockHolder | None:
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
        return LockHolder(
            pid=int(data["pid"]),
            host=str(data["host"]),
            since=datetime.fromisoformat(data["since"]),
            purpose=str(data.get("purpose", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no file, empty (released), or being written right now
