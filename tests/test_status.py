"""``briefing status``: last run, next run, missed runs, who is running."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.config import Config, parse_config
from briefing.lock import run_lock, scheduler_lock
from briefing.pipeline import RunOptions, run_briefing
from briefing.status import format_status, status_report
from briefing.store import Store

MONDAY_9 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def config_in(
    tmp_path: Path, *, catch_up: str = "12h", sources: list[dict[str, str]] | None = None
) -> Config:
    return parse_config(
        {
            "output_dir": str(tmp_path / "out"),
            "formats": ["md"],
            "sources": sources or [],
            "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Paris", "catch_up": catch_up},
        }
    )


def scheduled(store: Store, when: datetime, status: str = "ok") -> None:
    run_id = store.start_run("scheduled", briefing_date=when.date(), scheduled_for=when)
    if status != "running":
        store.finish_run(run_id, status=status, articles=3, outputs=["/x/briefing.md"])


def test_before_any_run_it_shows_the_schedule_and_creates_nothing(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    text = format_status(status_report(config, now=MONDAY_9))
    assert "schedule:   0 7 * * 1-5 (Europe/Paris), catch-up 12h" in text
    assert "scheduler:  not running" in text
    assert "last run:   none yet" in text
    assert "next run:   Tue 2025-01-07 07:00 CET" in text
    assert (
        "missed:     Mon 2025-01-06 07:00 CET; it will be made up when the scheduler starts" in text
    )
    assert not config.database_path.exists()


def test_the_last_run_shows_when_how_long_articles_failed_sources_and_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text(
        "Rain\n\nIt rained in Paris on Monday. The river rose. Two quays were closed.\n"
    )
    config = config_in(
        tmp_path,
        sources=[
            {"folder": str(tmp_path / "articles"), "name": "local"},
            {"folder": str(tmp_path / "missing"), "name": "gone"},
        ],
    )
    eight = datetime(2025, 1, 6, 7, tzinfo=UTC)  # 08:00 in Paris
    with run_lock(config):
        run_briefing(config, RunOptions(kind="scheduled", scheduled_for=eight, formats=("md",)))
    status = status_report(config, now=MONDAY_9)
    assert status.last_run is not None and status.last_run.status == "ok"
    text = format_status(status)
    assert "(scheduled for Mon 2025-01-06 08:00 CET): ok in " in text
    assert "1 article(s) in the briefing, 1 new" in text
    assert "failed sources: gone" in text
    assert f"files: {tmp_path / 'out'}/briefing-" in text
    assert "missed:     none" in text


def test_missed_times_are_counted_and_the_latest_is_named(tmp_path: Path) -> None:
    config = config_in(tmp_path, catch_up="12h")
    with Store(config.database_path) as store:
        scheduled(store, datetime(2025, 1, 2, 6, tzinfo=UTC))  # Thursday 07:00 Paris
    text = format_status(status_report(config, now=MONDAY_9))
    assert (
        "missed:     Mon 2025-01-06 07:00 CET (2 scheduled times passed; only the latest "
        "is made up); it will be made up when the scheduler starts"
    ) in text
    late = format_status(status_report(config, now=MONDAY_9 + timedelta(hours=12)))
    assert "older than the catch-up window, it will not be made up" in late


def test_a_run_whose_process_died_shows_as_interrupted(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with Store(config.database_path) as store:
        scheduled(store, datetime(2025, 1, 6, 6, tzinfo=UTC), status="running")
    status = status_report(config, now=MONDAY_9)
    assert status.last_run is not None and status.last_run.status == "interrupted"
    assert "Mon 2025-01-06 07:00 CET; it will be made up" in format_status(status)


def test_a_running_scheduler_and_run_are_named(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    with Store(config.database_path) as store:
        scheduled(store, datetime(2025, 1, 6, 6, tzinfo=UTC), status="running")
    with scheduler_lock(config), run_lock(config):
        status = status_report(config, now=MONDAY_9)
        text = format_status(status)
    assert f"scheduler:  running (pid {os.getpid()} on " in text
    assert f"running:    a run is in progress (pid {os.getpid()}" in text
    # In the display zone like every other time here, not the machine's (UTC in CI).
    assert len(re.findall(r", since \w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T\)", text)) == 2
    assert status.last_run is not None and status.last_run.status == "running"
    assert "missed:     none" in text  # 07:00 is the run in progress
