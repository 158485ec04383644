"""The scheduler: correct times across DST, catch-up once, exactly once, clean stops.

Real processes for what only they show (SIGKILL, SIGTERM, two schedulers);
a moved wall clock, not minutes of waiting, for catch-up and sleep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from slow_server import DripServer, drip_server

from briefing import schedule
from briefing.config import Config, load_config, parse_config
from briefing.errors import ConfigError
from briefing.schedule import missed_run, next_run_times, run_scheduler
from briefing.store import RunRecord, Store

ROOT = Path(__file__).resolve().parent.parent
ENTRY = Path(__file__).parent / "data" / "schedule" / "scheduler_entry.py"
PARIS = ZoneInfo("Europe/Paris")
MONDAY_9 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday, two hours after 07:00 UTC

__all__ = ["drip_server"]  # the fixture, imported for pytest


def times(cron: str, after: datetime, count: int = 5, zone: str = "Europe/Paris") -> list[str]:
    config = parse_config({"schedule": {"cron": cron, "timezone": zone}})
    return [t.isoformat() for t in next_run_times(config, count, after=after)]


# --- when ---------------------------------------------------------------------------------


def test_seven_oclock_stays_seven_oclock_in_paris_when_summer_time_ends() -> None:
    assert times("0 7 * * *", datetime(2025, 10, 25, 12, tzinfo=PARIS), 3) == [
        "2025-10-26T07:00:00+01:00",  # Sunday: the clocks went back at 03:00 that night
        "2025-10-27T07:00:00+01:00",
        "2025-10-28T07:00:00+01:00",
    ]
    assert times("0 7 * * *", datetime(2025, 10, 24, 12, tzinfo=PARIS), 1) == [
        "2025-10-25T07:00:00+02:00"
    ]


def test_seven_oclock_stays_seven_oclock_in_paris_when_summer_time_starts() -> None:
    assert times("0 7 * * *", datetime(2025, 3, 29, 12, tzinfo=PARIS), 2) == [
        "2025-03-30T07:00:00+02:00",
        "2025-03-31T07:00:00+02:00",
    ]


def test_a_time_that_happens_twice_in_october_runs_once() -> None:
    fired = times("30 2 * * *", datetime(2025, 10, 25, 12, tzinfo=PARIS), 3)
    assert fired == [
        "2025-10-26T02:30:00+02:00",  # the first 02:30 only, as cron does
        "2025-10-27T02:30:00+01:00",
        "2025-10-28T02:30:00+01:00",
    ]


def test_a_time_that_does_not_exist_in_march_still_runs_once_that_day() -> None:
    fired = times("30 2 * * *", datetime(2025, 3, 29, 12, tzinfo=PARIS), 2)
    assert fired == ["2025-03-30T03:30:00+02:00", "2025-03-31T02:30:00+02:00"]


def test_an_hourly_schedule_runs_in_both_repeated_hours() -> None:
    fired = times("0 * * * *", datetime(2025, 10, 26, 1, 30, tzinfo=PARIS), 3)
    assert fired == [
        "2025-10-26T02:00:00+02:00",
        "2025-10-26T02:00:00+01:00",
        "2025-10-26T03:00:00+01:00",
    ]


def test_weekdays_are_numbered_as_in_crontab_sunday_is_0_and_7() -> None:
    friday = datetime(2025, 1, 3, 12, tzinfo=UTC)
    workdays = times("0 7 * * 1-5", friday, 5, zone="UTC")
    assert [datetime.fromisoformat(t).strftime("%a") for t in workdays] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
    ]
    for sunday in ("0", "7", "sun"):
        assert (
            datetime.fromisoformat(times(f"0 7 * * {sunday}", friday, 1, "UTC")[0]).weekday() == 6
        )


def test_a_restricted_day_and_weekday_match_either_as_in_crontab() -> None:
    # the 1st of the month OR any Sunday
    fired = times("0 7 1 * 0", datetime(2025, 10, 27, tzinfo=UTC), 3, zone="UTC")
    assert [t[:10] for t in fired] == ["2025-11-01", "2025-11-02", "2025-11-09"]


def test_a_sixth_leading_field_is_seconds() -> None:
    fired = times("*/20 0 7 * * *", datetime(2025, 1, 6, tzinfo=UTC), 3, zone="UTC")
    assert [t[11:19] for t in fired] == ["07:00:00", "07:00:20", "07:00:40"]


def test_the_default_zone_is_the_machines() -> None:
    config = parse_config({"schedule": {"cron": "0 7 * * *"}})
    first = next_run_times(config, 1)[0]
    assert first.utcoffset() == first.astimezone().utcoffset()
    assert (first.hour, first.minute) == (7, 0)


def test_an_impossible_cron_is_a_config_error_naming_the_key() -> None:
    # Caught when the config is loaded, not only when the scheduler starts.
    with pytest.raises(ConfigError, match=r"schedule\.cron"):
        parse_config({"schedule": {"cron": "0 25 * * *"}})


# --- what is missed -------------------------------------------------------------------------


def daily_config(tmp_path: Path, catch_up: str = "12h", cron: str = "0 7 * * *") -> Config:
    return parse_config(
        {
            "output_dir": str(tmp_path / "out"),
            "schedule": {"cron": cron, "timezone": "UTC", "catch_up": catch_up},
        }
    )


def record(store: Store, scheduled_for: datetime, status: str) -> None:
    run_id = store.start_run(
        "scheduled", briefing_date=scheduled_for.date(), scheduled_for=scheduled_for
    )
    if status != "running":
        store.finish_run(run_id, status=status)


def test_the_latest_missed_time_within_catch_up_is_due(tmp_path: Path) -> None:
    config = daily_config(tmp_path)
    with Store(config.database_path) as store:
        assert missed_run(config, store, now=MONDAY_9) == datetime(2025, 1, 6, 7, tzinfo=UTC)
        assert missed_run(config, store, now=MONDAY_9 + timedelta(hours=11)) is None  # 18h late


def test_several_missed_times_give_one_run_the_latest(tmp_path: Path) -> None:
    config = daily_config(tmp_path, catch_up="3d")
    with Store(config.database_path) as store:
        record(store, datetime(2025, 1, 3, 7, tzinfo=UTC), "ok")
        assert missed_run(config, store, now=MONDAY_9) == datetime(2025, 1, 6, 7, tzinfo=UTC)


def test_a_time_with_an_ok_run_is_not_due_again(tmp_path: Path) -> None:
    config = daily_config(tmp_path)
    with Store(config.database_path) as store:
        record(store, datetime(2025, 1, 6, 7, tzinfo=UTC), "ok")
        assert missed_run(config, store, now=MONDAY_9) is None


@pytest.mark.parametrize("status", ["failed", "interrupted", "running"])
def test_a_time_whose_run_did_not_finish_is_still_due(tmp_path: Path, status: str) -> None:
    config = daily_config(tmp_path)
    with Store(config.database_path) as store:
        record(store, datetime(2025, 1, 6, 7, tzinfo=UTC), status)
        assert missed_run(config, store, now=MONDAY_9) == datetime(2025, 1, 6, 7, tzinfo=UTC)


def test_without_catch_up_only_a_run_due_this_minute_is_made(tmp_path: Path) -> None:
    config = daily_config(tmp_path, catch_up="0s")
    seven = datetime(2025, 1, 6, 7, tzinfo=UTC)
    with Store(config.database_path) as store:
        assert missed_run(config, store, now=seven + timedelta(seconds=20)) == seven
        assert missed_run(config, store, now=seven + timedelta(minutes=5)) is None


# --- the scheduler, in this process ------------------------------------------------------------


def folder_config(tmp_path: Path, *, cron: str, catch_up: str = "12h") -> Path:
    articles = tmp_path / "articles"
    articles.mkdir(exist_ok=True)
    (articles / "rain.txt").write_text(
        "Rain in Paris\n\nIt rained in Paris on Monday. The river rose by a metre. Officials "
        "closed two quays. Tourists stayed in museums. The rain should stop on Wednesday.\n",
        encoding="utf-8",
    )
    (articles / "trains.txt").write_text(
        "Trains on time\n\nThe railway said most trains ran on time. Delays fell by a third this "
        "year. New signals were installed on the main lines. A strike is still planned for May.\n",
        encoding="utf-8",
    )
    path = tmp_path / "briefing.toml"
    path.write_text(
        f'title = "Test"\noutput_dir = "out"\nformats = ["md"]\n'
        f'[[sources]]\nfolder = "articles"\nname = "local"\n'
        f'[schedule]\ncron = "{cron}"\ntimezone = "UTC"\ncatch_up = "{catch_up}"\n',
        encoding="utf-8",
    )
    return path


def scheduled_runs(config: Config) -> list[RunRecord]:
    with Store(config.database_path) as store:
        return list(reversed(store.runs(limit=100, kind="scheduled")))


class MovableClock:
    """Wall time that runs at real speed from a chosen start, and can jump (sleep)."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def jump(self, by: timedelta) -> None:
        self.offset += by


@pytest.fixture
def in_thread() -> Iterator[Callable[..., threading.Event]]:
    """Start run_scheduler in a thread; stop and join it at the end of the test."""
    started: list[tuple[threading.Thread, threading.Event]] = []

    def start(config: Config, **options: object) -> threading.Event:
        stop = threading.Event()
        Store(config.database_path).close()  # the schema exists before the test polls it
        thread = threading.Thread(
            target=run_scheduler, args=(config,), kwargs={"stop": stop, **options}, daemon=True
        )
        thread.start()
        started.append((thread, stop))
        return stop

    yield start
    for thread, stop in started:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_a_seconds_cron_runs_each_time_once(
    tmp_path: Path, in_thread: Callable[..., threading.Event]
) -> None:
    config = load_config(folder_config(tmp_path, cron="*/2 * * * * *", catch_up="0s"))
    stop = in_thread(config)
    wait_until(lambda: sum(r.status == "ok" for r in scheduled_runs(config)) >= 2)
    stop.set()
    runs = scheduled_runs(config)
    done = [r.scheduled_for for r in runs if r.status == "ok"]
    assert len(done) == len(set(done)) >= 2
    assert all(datetime.fromisoformat(str(t)).second % 2 == 0 for t in done)
    days = {r.briefing_date for r in runs if r.status == "ok"}
    assert days and all((tmp_path / "out" / f"briefing-{day}.md").exists() for day in days)


def test_waking_from_sleep_makes_up_the_missed_run_once(
    tmp_path: Path, in_thread: Callable[..., threading.Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "TICK_SECONDS", 0.1)
    config = load_config(folder_config(tmp_path, cron="0 7 * * *"))
    clock = MovableClock(datetime(2025, 1, 6, 6, 0, tzinfo=UTC))
    in_thread(config, clock=clock)
    time.sleep(0.5)
    assert scheduled_runs(config) == []  # Sunday's 07:00 is older than catch_up
    clock.jump(timedelta(hours=2))  # the lid was closed over 07:00
    wait_until(lambda: any(r.status == "ok" for r in scheduled_runs(config)))
    clock.jump(timedelta(minutes=5))  # a second wake: nothing new to make up
    time.sleep(0.5)
    runs = scheduled_runs(config)
    assert [(r.scheduled_for, r.status, r.briefing_date) for r in runs] == [
        ("2025-01-06T07:00:00+00:00", "ok", "2025-01-06")
    ]
    assert (tmp_path / "out" / "briefing-2025-01-06.md").exists()


# --- the scheduler as a process ------------------------------------------------------------------


def start_process(config: Path, tmp_path: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    err = open(tmp_path / f"{name}.err", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, str(ENTRY), "--config", str(config), *args],
        stdout=subprocess.DEVNULL,
        stderr=err,
        env=env,
    )
    err.close()
    return process


def log_of(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.err").read_text(encoding="utf-8", errors="replace")


def start_mid_run(tmp_path: Path, slow: str) -> tuple[Path, subprocess.Popen[bytes]]:
    """A scheduler process making up Monday's 07:00 run, once that run has started."""
    path = folder_config(tmp_path, cron="0 7 * * *")
    marker = tmp_path / "mid-run"
    now = "--now", MONDAY_9.isoformat()
    process = start_process(path, tmp_path, "first", *now, "--slow", slow, "--marker", str(marker))
    try:
        wait_until(marker.exists)
    except BaseException:
        process.kill()
        raise
    return path, process


def test_killed_mid_run_and_restarted_it_makes_up_the_run_once(tmp_path: Path) -> None:
    path, first = start_mid_run(tmp_path, slow="60")
    config = load_config(path)
    try:
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        first.kill()
    assert [r.status for r in scheduled_runs(config)] == ["running"]  # cut short
    assert not list((tmp_path / "out").glob("*.md"))

    second = start_process(path, tmp_path, "second", "--now", MONDAY_9.isoformat())
    try:
        wait_until(lambda: any(r.status == "ok" for r in scheduled_runs(config)))
        time.sleep(1.5)  # time enough for a second run, if there were one
        second.send_signal(signal.SIGTERM)
        assert second.wait(5) == 0
    finally:
        second.kill()
    runs = scheduled_runs(config)
    assert [(r.scheduled_for, r.status) for r in runs] == [
        ("2025-01-06T07:00:00+00:00", "interrupted"),
        ("2025-01-06T07:00:00+00:00", "ok"),
    ]
    assert [p.name for p in (tmp_path / "out").iterdir() if p.suffix in (".md", ".tmp")] == [
        "briefing-2025-01-06.md"
    ]


def test_a_second_scheduler_on_the_same_config_exits_at_once_and_sigterm_stops_the_first(
    tmp_path: Path,
) -> None:
    path = folder_config(tmp_path, cron="0 7 * * *")
    first = start_process(path, tmp_path, "first")
    try:
        wait_until(lambda: "scheduler started" in log_of(tmp_path, "first"))
        started = time.monotonic()
        second = start_process(path, tmp_path, "second")
        assert second.wait(10) == 1
        assert time.monotonic() - started < 5
        message = log_of(tmp_path, "second")
        assert "another briefing scheduler is already running" in message
        assert f"pid {first.pid}" in message
        assert first.poll() is None  # the first one carries on

        first.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert first.wait(5) == 0
        assert time.monotonic() - stopping < 3
    finally:
        first.kill()
    assert "scheduler stopped" in log_of(tmp_path, "first")


def test_sigterm_during_a_run_stops_within_seconds_and_the_run_is_made_up_later(
    tmp_path: Path,
) -> None:
    path, first = start_mid_run(tmp_path, slow="1")
    config = load_config(path)
    try:
        first.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert first.wait(10) == 0
        assert time.monotonic() - stopping < 4
    finally:
        first.kill()
    runs = scheduled_runs(config)
    assert [r.status for r in runs] == ["interrupted"]
    assert "stopped during a run" in str(runs[0].error)
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix in (".md", ".tmp")]
    with Store(config.database_path) as store:
        assert missed_run(config, store, now=MONDAY_9) == datetime(2025, 1, 6, 7, tzinfo=UTC)


def test_sigterm_while_a_feed_drips_its_headers_stops_within_seconds(
    tmp_path: Path, drip_server: DripServer
) -> None:
    # The documented unit gives a stop 60 s (TimeoutStopSec); a request must not hold it.
    path = tmp_path / "briefing.toml"
    path.write_text(
        f'title = "Test"\noutput_dir = "out"\nformats = ["md"]\n'
        f'[[sources]]\nfeed = "{drip_server.url()}"\nname = "drip"\nfull_text = false\n'
        f"[fetch]\ntimeout = 60\nretries = 2\nallow_private = true\n"
        f'[schedule]\ncron = "0 7 * * *"\ntimezone = "UTC"\ncatch_up = "12h"\n',
        encoding="utf-8",
    )
    process = start_process(path, tmp_path, "drip", "--now", MONDAY_9.isoformat())
    try:
        wait_until(lambda: drip_server.connections > 0)
        time.sleep(0.5)  # well into the status line
        process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert process.wait(15) == 0
        assert time.monotonic() - stopping < 3
    finally:
        process.kill()
    runs = scheduled_runs(load_config(path))
    assert [r.status for r in runs] == ["interrupted"]
    assert "stopped during collection" in str(runs[0].error)


# --- the deployment docs ------------------------------------------------------------------------


def test_the_systemd_units_in_the_deployment_docs_pass_systemd_analyze(tmp_path: Path) -> None:
    import re
    import shutil

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"<!-- verified: (\S+) -->\n```\w+\n(.*?)```", text, re.S))
    names = {
        "user-service": "briefing.service",
        "timer-service": "briefing-run.service",
        "timer": "briefing-run.timer",
        "system-service": "briefing-system.service",
    }
    assert set(names) <= set(blocks)
    briefing = sys.executable  # any real executable: the check is about the unit files
    for tag, name in names.items():
        unit = blocks[tag].replace("%h/.local/bin/briefing", briefing)
        (tmp_path / name).write_text(unit.replace("/opt/briefing/venv/bin/briefing", briefing))
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names.values())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == ""
