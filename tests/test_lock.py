"""One run at a time and one scheduler at a time, per database.

Manual runs here take the run lock exactly as pipeline.run_briefing will:
``with run_lock(config, wait=...)`` around the whole run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefing.config import Config, load_config, parse_config
from briefing.errors import LockedError
from briefing.lock import (
    lock_holder,
    run_lock,
    run_lock_path,
    scheduler_lock,
    scheduler_lock_path,
)
from briefing.pipeline import RunOptions, RunResult, run_briefing

ROOT = Path(__file__).resolve().parent.parent
ENTRY = Path(__file__).parent / "data" / "schedule" / "scheduler_entry.py"


def config_in(tmp_path: Path) -> Config:
    return parse_config({"output_dir": str(tmp_path / "out"), "formats": ["md"]})


def manual_run(config: Config, *, wait: float) -> RunResult:
    """A ``briefing run``, locked the way the pipeline locks it."""
    with run_lock(config, wait=wait):
        return run_briefing(config, RunOptions(formats=("md",)))


@contextmanager
def held_in_thread(config: Config, seconds: float) -> Iterator[threading.Thread]:
    """Another run holds the run lock for ``seconds`` (a different thread, its own flock)."""
    taken = threading.Event()

    def hold() -> None:
        with run_lock(config):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    taken.wait(5)
    try:
        yield thread
    finally:
        thread.join(10)


def test_the_lock_files_sit_beside_the_database(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    assert run_lock_path(config) == tmp_path / "out" / "briefing.sqlite3.lock"
    assert scheduler_lock_path(config) == tmp_path / "out" / "briefing.sqlite3.scheduler.lock"


def test_a_manual_run_waits_for_the_run_in_progress_then_runs(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    started = time.monotonic()
    with held_in_thread(config, 0.5):
        result = manual_run(config, wait=5)
    assert time.monotonic() - started >= 0.45
    assert result.outputs == (tmp_path / "out" / f"briefing-{result.briefing.date}.md",)


def test_a_manual_run_gives_up_after_its_wait_naming_the_run_in_progress(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with held_in_thread(config, 1.0):
        started = time.monotonic()
        with pytest.raises(LockedError) as caught:
            manual_run(config, wait=0.3)
        waited = time.monotonic() - started
    assert 0.25 <= waited < 0.9
    message = str(caught.value)
    assert "a briefing run is already in progress" in message
    assert f"pid {os.getpid()}" in message
    assert not list((tmp_path / "out").glob("*.md"))


def test_without_wait_a_manual_run_gives_up_at_once(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with held_in_thread(config, 0.5):
        started = time.monotonic()
        with pytest.raises(LockedError):
            manual_run(config, wait=0)
        assert time.monotonic() - started < 0.2


def test_stop_ends_a_wait_early(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    with held_in_thread(config, 1.0):
        started = time.monotonic()
        with pytest.raises(LockedError), run_lock(config, wait=None, stop=stop):
            pass
        assert time.monotonic() - started < 0.6


def test_the_run_lock_can_be_taken_again_by_the_thread_holding_it(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with run_lock(config), run_lock(config):
        holder = lock_holder(run_lock_path(config))
        assert holder is not None and holder.pid == os.getpid()
    assert lock_holder(run_lock_path(config)) is None


def test_a_second_scheduler_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with scheduler_lock(config):
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with scheduler_lock(config):
                    pass
            except LockedError as exc:
                errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(2)
    assert len(errors) == 1
    assert "another briefing scheduler is already running" in str(errors[0])
    assert f"pid {os.getpid()}" in str(errors[0])
    with scheduler_lock(config):  # free again once the first one stopped
        pass


def test_a_lock_held_by_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    code = (
        "import sys, time\n"
        "from briefing.config import parse_config\n"
        "from briefing.lock import run_lock\n"
        f"config = parse_config({{'output_dir': {str(tmp_path / 'out')!r}}})\n"
        "with run_lock(config):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        assert lock_holder(run_lock_path(config)) is not None
        holder.send_signal(signal.SIGKILL)
        holder.wait(5)
    finally:
        holder.kill()
    assert lock_holder(run_lock_path(config)) is None  # its note remains, but names a dead pid
    with run_lock(config, wait=0):
        pass


def test_a_manual_run_during_a_scheduled_run_of_another_process(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text(
        "Rain\n\nIt rained in Paris on Monday. The river rose. Two quays were closed.\n"
    )
    path = tmp_path / "briefing.toml"
    path.write_text(
        'output_dir = "out"\nformats = ["md"]\n[[sources]]\nfolder = "articles"\n'
        '[schedule]\ncron = "0 7 * * *"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    marker = tmp_path / "mid-run"
    scheduler = subprocess.Popen(
        [
            sys.executable,
            str(ENTRY),
            "--config",
            str(path),
            "--now",
            "2025-01-06T09:00:00+00:00",
            "--slow",
            "1.5",
            "--marker",
            str(marker),
        ],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 10
        while not marker.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(LockedError, match=f"pid {scheduler.pid}"):
            manual_run(config, wait=0)
        result = manual_run(config, wait=10)  # waits for the scheduled run, then runs
        assert result.new_articles == 0  # the scheduled run already briefed the article
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(10)
