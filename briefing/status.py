"""``briefing status``: the last run, the next one, and any missed one.

Everything here is read-only: the database is not created when it does not
exist yet, and the locks are read (who holds them), never taken, so asking
for the status never gets in the way of a scheduler or a run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .config import Config
from .lock import LockHolder, lock_holder, run_lock_path, scheduler_lock_path
from .schedule import (
    ON_TIME,
    CronSchedule,
    format_duration,
    format_observed_time,
    format_run_time,
    last_done,
    utc_now,
)
from .store import RunRecord, Store

#: Missed times are counted up to this many; beyond, the count reads "N or more".
MISSED_COUNT_LIMIT = 100


@dataclass(frozen=True)
class LastRun:
    """The most recent run, manual or scheduled."""

    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    scheduled_for: datetime | None
    articles: int
    new_articles: int
    failed_sources: tuple[str, ...]
    outputs: tuple[str, ...]
    error: str | None
    #: (format, reason) for each output format the run could not write.
    failed_formats: tuple[tuple[str, str], ...] = ()

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


@dataclass(frozen=True)
class Missed:
    """Scheduled times that passed without a successful run."""

    latest: datetime
    count: int
    will_catch_up: bool


@dataclass(frozen=True)
class Status:
    """What ``briefing status`` shows."""

    cron: str
    zone: str
    catch_up: timedelta
    database: str
    last_run: LastRun | None
    next_run: datetime | None
    missed: Missed | None
    scheduler: LockHolder | None
    run_in_progress: LockHolder | None


def status_report(config: Config, *, now: datetime | None = None) -> Status:
    """The state of the briefing of ``config``: last run, next run, missed run, who is running."""
    now = now or utc_now()
    schedule = CronSchedule.from_config(config)
    upcoming = schedule.upcoming(1, after=now)
    running = lock_holder(run_lock_path(config))
    last: RunRecord | None = None
    done: datetime | None = None
    in_progress_for: datetime | None = None
    if config.database_path.exists():
        with Store(config.database_path) as store:
            runs = store.runs(limit=1)
            last = runs[0] if runs else None
            done = last_done(store)
            in_progress_for = _running_for(store) if running else None
    missed = _missed(config, schedule, now, done=done, in_progress_for=in_progress_for)
    # Times are shown in the display zone (top-level `timezone`, else the schedule's).
    shown = config.display_zone()
    if missed is not None:
        missed = replace(missed, latest=missed.latest.astimezone(shown))
    return Status(
        cron=schedule.expression,
        zone=str(schedule.zone),
        catch_up=config.schedule.catch_up,
        database=str(config.database_path),
        last_run=_last_run(last, shown, in_progress=running is not None) if last else None,
        next_run=upcoming[0].astimezone(shown) if upcoming else None,
        missed=missed,
        scheduler=_holder_in_zone(lock_holder(scheduler_lock_path(config)), shown),
        run_in_progress=_holder_in_zone(running, shown),
    )


def _holder_in_zone(holder: LockHolder | None, zone: tzinfo) -> LockHolder | None:
    return replace(holder, since=holder.since.astimezone(zone)) if holder else None


def _missed(
    config: Config,
    schedule: CronSchedule,
    now: datetime,
    *,
    done: datetime | None,
    in_progress_for: datetime | None,
) -> Missed | None:
    """Scheduled times since the last successful one, as the scheduler would see them."""
    window = max(config.schedule.catch_up, ON_TIME)
    # With no successful scheduled run yet, only a time a scheduler would still
    # make up counts as missed: the schedule may have been set up today.
    start = done + timedelta(microseconds=1) if done else now - window
    latest = schedule.latest_at_or_before(now, not_before=start)
    if latest is not None and latest == in_progress_for:
        latest = schedule.latest_at_or_before(latest - timedelta(microseconds=1), not_before=start)
    if latest is None:
        return None
    count = len([t for t in schedule.upcoming(MISSED_COUNT_LIMIT, after=start) if t <= latest])
    return Missed(latest=latest, count=count, will_catch_up=now - latest <= window)


def _running_for(store: Store) -> datetime | None:
    for run in store.runs(limit=5, kind="scheduled"):
        if run.status == "running" and run.scheduled_time:
            return run.scheduled_time
    return None


def _last_run(run: RunRecord, zone: tzinfo, *, in_progress: bool) -> LastRun:
    """The run row, with its times in the schedule's zone."""
    status = run.status
    if status == "running" and not in_progress:
        status = "interrupted"  # its process died without finishing the row
    return LastRun(
        kind=run.kind,
        status=status,
        started_at=run.started_time.astimezone(zone),
        finished_at=_in_zone(run.finished_time, zone),
        scheduled_for=_in_zone(run.scheduled_time, zone),
        articles=run.articles,
        new_articles=run.new_articles,
        failed_sources=tuple(
            dict.fromkeys(
                str(f["source"])
                for f in run.failures
                if "source" in f and f.get("kind", "failed") == "failed"
            )
        ),
        outputs=tuple(run.outputs),
        error=None if _format_failures(run) else run.error,
        failed_formats=_format_failures(run),
    )


def _format_failures(run: RunRecord) -> tuple[tuple[str, str], ...]:
    return tuple((f["format"], f.get("error", "")) for f in run.failures if "format" in f)


def _in_zone(moment: datetime | None, zone: tzinfo) -> datetime | None:
    return moment.astimezone(zone) if moment else None


# --- text -------------------------------------------------------------------------------


def format_status(status: Status) -> str:
    """The status as a few aligned lines for a terminal."""
    lines = [
        f"schedule:   {status.cron} ({status.zone}), catch-up {format_duration(status.catch_up)}",
        f"scheduler:  {_holder(status.scheduler, 'not running')}",
    ]
    if status.run_in_progress:
        lines.append(f"running:    a run is in progress ({status.run_in_progress.describe()})")
    lines += _last_run_lines(status.last_run)
    lines.append(f"next run:   {format_run_time(status.next_run) if status.next_run else 'never'}")
    lines.append(f"missed:     {_missed_text(status)}")
    return "\n".join(lines)


def _last_run_lines(run: LastRun | None) -> list[str]:
    if run is None:
        return ["last run:   none yet"]
    when = format_observed_time(run.started_at)
    took = f" in {format_duration(run.duration)}" if run.duration is not None else ""
    kind = f"scheduled for {format_run_time(run.scheduled_for)}" if run.scheduled_for else run.kind
    status = (
        "ok, but some formats failed" if run.failed_formats and run.status == "ok" else run.status
    )
    lines = [f"last run:   {when} ({kind}): {status}{took}"]
    lines.append(f"            {run.articles} article(s) in the briefing, {run.new_articles} new")
    if run.failed_sources:
        lines.append(f"            failed sources: {', '.join(run.failed_sources)}")
    if run.error:
        lines.append(f"            error: {' '.join(run.error.split())}")
    for fmt, reason in run.failed_formats:
        lines.append(f"            not written: {fmt}: {' '.join(reason.split())}")
    for i, path in enumerate(run.outputs):
        lines.append(f"            {'files:' if i == 0 else '      '} {path}")
    if not run.outputs:
        lines.append("            files: none written")
    return lines


def _missed_text(status: Status) -> str:
    missed = status.missed
    if missed is None:
        return "none"
    latest = format_run_time(missed.latest)
    more = (
        ""
        if missed.count == 1
        else (
            f" ({missed.count}{' or more' if missed.count >= MISSED_COUNT_LIMIT else ''} "
            "scheduled times passed; only the latest is made up)"
        )
    )
    if not missed.will_catch_up:
        return f"{latest}{more}; older than the catch-up window, it will not be made up"
    when = "soon, by the running scheduler" if status.scheduler else "when the scheduler starts"
    return f"{latest}{more}; it will be made up {when}"


def _holder(holder: LockHolder | None, otherwise: str) -> str:
    return f"running ({holder.describe()})" if holder else otherwise


# --- health and JSON (for monitors) ------------------------------------------------------


def status_problems(status: Status) -> list[str]:
    """What a monitor should alert on: a failed or interrupted last run, a missed run.

    A scheduled time counts as missed here only when no run succeeded after it: a
    systemd timer or cron line calling ``briefing run`` covers it for a reader.
    """
    problems = []
    run = status.last_run
    if run is not None and run.status in ("failed", "interrupted"):
        reason = f": {' '.join(run.error.split())}" if run.error else ""
        problems.append(f"the last run {run.status}{reason}")
    missed = status.missed
    covered = (
        missed is not None
        and run is not None
        and run.status in ("ok", "running")
        and run.started_at >= missed.latest
    )
    if missed is not None and not covered:
        problems.append(f"a scheduled run was missed: {format_run_time(missed.latest)}")
    return problems


def status_to_dict(status: Status) -> dict[str, Any]:
    """The status as JSON-ready values; times are ISO 8601 with their offset."""
    run = status.last_run
    missed = status.missed
    problems = status_problems(status)
    return {
        "healthy": not problems,
        "problems": problems,
        "schedule": {
            "cron": status.cron,
            "timezone": status.zone,
            "catch_up_seconds": status.catch_up.total_seconds(),
        },
        "database": status.database,
        "scheduler": _holder_dict(status.scheduler),
        "run_in_progress": _holder_dict(status.run_in_progress),
        "last_run": None
        if run is None
        else {
            "kind": run.kind,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": _iso(run.finished_at),
            "duration_seconds": (
                run.duration.total_seconds() if run.duration is not None else None
            ),
            "scheduled_for": _iso(run.scheduled_for),
            "articles": run.articles,
            "new_articles": run.new_articles,
            "failed_sources": list(run.failed_sources),
            "outputs": list(run.outputs),
            "error": run.error,
        },
        "next_run": _iso(status.next_run),
        "missed": None
        if missed is None
        else {
            "latest": missed.latest.isoformat(),
            "count": missed.count,
            "will_catch_up": missed.will_catch_up,
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _holder_dict(holder: LockHolder | None) -> dict[str, Any] | None:
    if holder is None:
        return None
    return {"pid": holder.pid, "host": holder.host, "since": holder.since.isoformat()}


# --- sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceReport:
    """What ``briefing sources`` shows of one configured source."""

    name: str
    kind: str
    location: str
    last_attempt: str | None
    last_success: str | None
    last_error: str | None
    last_new: int
    last_seen: int
    #: When the source last brought a new article (an all-304 pass changes nothing).
    last_change: str | None
    articles: int

    @property
    def state(self) -> str:
        if not self.last_attempt:
            return "never collected"
        return "failed" if self.last_error else "ok"


def source_reports(config: Config) -> list[SourceReport]:
    """Each configured source's last status, read-only (no database is created)."""
    known: dict[str, Any] = {}
    if config.database_path.exists():
        with Store(config.database_path) as store:
            names = [s.name for s in config.sources]
            known = {st.source: st for st in store.source_statuses(names)}
    reports = []
    for source in config.sources:
        st = known.get(source.name)
        reports.append(
            SourceReport(
                name=source.name,
                kind=source.kind,
                location=source.location,
                last_attempt=st.last_attempt if st else None,
                last_success=st.last_success if st else None,
                last_error=st.last_error if st else None,
                last_new=st.last_new if st else 0,
                last_seen=st.last_seen if st else 0,
                last_change=st.last_change if st else None,
                articles=st.articles if st else 0,
            )
        )
    return reports


def source_report_to_dict(report: SourceReport) -> dict[str, Any]:
    """One source as JSON-ready values (the fields documented in the README)."""
    return {
        "name": report.name,
        "kind": report.kind,
        "location": report.location,
        "state": report.state,
        "last_attempt": report.last_attempt,
        "last_success": report.last_success,
        "last_error": report.last_error,
        "last_new": report.last_new,
        "last_seen": report.last_seen,
        "last_change": report.last_change,
        "articles": report.articles,
    }
