"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputError

#: What each kind of failure to write means for the user, and what to do.
_WRITE_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "the disk quota is exceeded; free some space and run again",
    errno.EROFS: "the file system is read-only; choose a folder that can be written to",
    errno.EACCES: "permission denied; make the folder writable, or choose another",
    errno.EPERM: "permission denied; make the folder writable, or choose another",
}


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename.

    A crash or a kill at any moment leaves either the old file or the new
    one, never a truncated file. A new file gets the permissions any tool
    would give it (0666 less the umask); a file replaced keeps its own.
    Raises OutputError, saying what to do, when the file cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        return _write(path, payload)
    except OSError as exc:
        raise write_error(path, exc) from None


def write_error(path: Path, exc: OSError) -> OutputError:
    """An OutputError for ``exc`` raised while writing ``path``."""
    return OutputError(f"cannot write {path}: {write_advice(exc)}")


def write_advice(exc: OSError) -> str:
    """What a failure to write means for the user, and what to do about it."""
    return _WRITE_ADVICE.get(exc.errno or 0, exc.strerror or str(exc))


def _write(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600 whatever the umask: a briefing is meant
        # to be read by whoever may read the folder.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it (other threads may be creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    # The rename is only durable once the directory entry itself is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
