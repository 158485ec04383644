"""The daily briefing on a schedule: APScheduler in the foreground, exactly once per time.

What runs, and when, is decided from the ``runs`` table and the cron
expression, never from APScheduler's memory, so a restart, a crash or a
laptop lid changes nothing:

- A *scheduled time* is a fire time of ``[schedule] cron`` in the configured
  zone. It is *done* when a run of kind ``scheduled`` for it (or for a later
  time) finished ``ok``.
- Whenever the scheduler fires, starts, or notices that the machine slept
  (the wall clock jumped ahead of the monotonic clock), it runs the latest
  scheduled time that is not done and is at most ``catch_up`` old. Several
  missed times therefore give one run, and a time already done is never run
  again. A time up to a minute late is on time, even with ``catch_up = "0s"``.
- The check and the run happen under the run lock (:mod:`briefing.lock`), and
  a second scheduler on the same database exits at once.

APScheduler 3.x pitfalls avoided here: its default ``misfire_grace_time`` of
1 s silently drops a run that starts late (we set ``None`` and apply
``catch_up`` ourselves); ``CronTrigger.from_crontab`` reads weekday 0 as
Monday, not Sunday (issue 286; we translate weekdays to names); and a wall
time repeated when summer time ends would fire twice (we keep the first, as
cron does, unless the hour field is a wildcard).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from .config import Config
from .errors import BriefingError, ConfigError, LockedError, RunStopped
from .lock import OBSERVED_TIME_FORMAT, run_lock, scheduler_lock
from .pipeline import Progress, RunOptions, RunResult, run_briefing
from .store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: A fire time this late is still "on time" (the process was busy, not asleep).
ON_TIME = timedelta(minutes=1)
#: How often the foreground loop looks at the clocks. A SIGTERM delivered to another
#: thread is only noticed when the main thread's wait ends, so this bounds a stop.
TICK_SECONDS = 0.25
#: A wall-clock jump this much larger than the monotonic one means the machine slept.
WAKE_GAP_SECONDS = 30.0
#: Safety cap on how many fire times one look-back walks through.
MAX_STEPS = 100_000

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- the schedule itself --------------------------------------------------------------


class _FirstOfRepeatedWallTime(BaseTrigger):  # type: ignore[misc]
    """Skips the second occurrence of a wall time that happens twice (end of summer time)."""

    def __init__(self, inner: Any, zone: tzinfo, *, keep_repeats: bool) -> None:
        self.inner = inner
        self.zone = zone
        self.keep_repeats = keep_repeats

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        previous = previous_fire_time
        for _ in range(MAX_STEPS):
            fire: datetime | None = self.inner.get_next_fire_time(previous, now)
            if fire is None:
                return None
            if self.keep_repeats or not _is_repeated_wall_time(fire):
                # A wall time that does not exist (start of summer time) comes back from
                # APScheduler with the old offset; show it as the real local time.
                return fire.astimezone(UTC).astimezone(self.zone)
            previous = now = fire
        return None

    def __str__(self) -> str:
        return str(self.inner)


def _is_repeated_wall_time(moment: datetime) -> bool:
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


@dataclass(frozen=True)
class CronSchedule:
    """A crontab expression in a time zone, with the questions the scheduler asks of it."""

    expression: str
    zone: tzinfo
    trigger: Any  # an APScheduler trigger

    @classmethod
    def from_config(cls, config: Config) -> CronSchedule:
        zone = schedule_zone(config)
        expression = config.schedule.cron
        return cls(expression=expression, zone=zone, trigger=_build_trigger(expression, zone))

    def first_at_or_after(self, moment: datetime) -> datetime | None:
        fire: datetime | None = self.trigger.get_next_fire_time(None, moment.astimezone(self.zone))
        return fire

    def next_after(self, moment: datetime) -> datetime | None:
        fire: datetime | None = self.trigger.get_next_fire_time(
            moment.astimezone(self.zone), moment.astimezone(self.zone)
        )
        return fire

    def upcoming(self, count: int, *, after: datetime) -> list[datetime]:
        times: list[datetime] = []
        fire = self.first_at_or_after(after)
        while fire is not None and len(times) < count:
            times.append(fire)
            fire = self.next_after(fire)
        return times

    def between(self, start: datetime, end: datetime, *, limit: int) -> list[datetime]:
        """Fire times in [start, end], at most ``limit`` of them (the latest ones)."""
        times: list[datetime] = []
        fire = self.first_at_or_after(start)
        for _ in range(MAX_STEPS):
            if fire is None or fire > end:
                break
            times.append(fire)
            if len(times) > limit:
                del times[0]
            fire = self.next_after(fire)
        return times

    def latest_at_or_before(self, moment: datetime, *, not_before: datetime) -> datetime | None:
        """The last fire time in [not_before, moment], or None.

        Looks back over a doubling span, so a daily cron does not walk through a
        day of seconds and a seconds cron does not walk through half a day.
        """
        span = timedelta(seconds=1)
        while True:
            start = max(moment - span, not_before)
            found = self.between(start, moment, limit=1)
            if found:
                return found[-1]
            if start <= not_before:
                return None
            span *= 2


def schedule_zone(config: Config) -> tzinfo:
    """The configured IANA zone, else the machine's."""
    if config.schedule.timezone:
        return ZoneInfo(config.schedule.timezone)
    from tzlocal import get_localzone

    zone: tzinfo = get_localzone()
    return zone


#: The nicknames of cron (and systemd's ``OnCalendar``), as crontab fields.
CRON_NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def cron_problem(expression: str) -> str | None:
    """Why ``expression`` cannot be a schedule (invalid, or no time ever matches), or None."""
    try:
        trigger = _build_trigger(expression, UTC)
    except ConfigError as exc:
        return str(exc).removeprefix("schedule.cron: ")
    if trigger.get_next_fire_time(None, utc_now()) is None:
        return f"{expression!r} never fires: no date matches it (e.g. the 31st of February)"
    return None


def _build_trigger(expression: str, zone: tzinfo) -> Any:
    nickname = expression.strip().lower()
    if nickname.startswith("@"):
        if nickname not in CRON_NICKNAMES:
            raise ConfigError(
                f"schedule.cron: unknown nickname {expression.strip()!r} "
                f"(use one of {', '.join(CRON_NICKNAMES)}, or 5 crontab fields)"
            )
        expression = CRON_NICKNAMES[nickname]
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ConfigError(
            "schedule.cron: expected 5 crontab fields (minute hour day month weekday), "
            "or 6 with seconds first"
        )
    second, minute, hour, day, month, weekday = fields
    try:
        names = _weekday_names(weekday)

        def cron(day: str, day_of_week: str) -> CronTrigger:
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=day_of_week,
                timezone=zone,
            )

        # crontab runs when EITHER a restricted day of month OR a restricted weekday
        # matches; APScheduler wants both, so build the "or" ourselves.
        if day != "*" and weekday != "*":
            inner: Any = OrTrigger([cron(day, "*"), cron("*", names)])
        else:
            inner = cron(day, names)
    except ValueError as exc:
        raise ConfigError(f"schedule.cron: {expression!r} is not a valid crontab: {exc}") from None
    return _FirstOfRepeatedWallTime(inner, zone, keep_repeats="*" in hour)


def _weekday_names(field: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday, names, ranges, steps) as APScheduler weekday names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days |= _weekday_part(part.strip().lower())
    if not days:
        raise ValueError(f"no weekday in {field!r}")
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def _weekday_part(part: str) -> set[int]:
    body, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if step < 1:
        raise ValueError(f"bad step in {part!r}")
    if body == "*":
        first, last = 0, 6
    elif "-" in body:
        first_text, last_text = body.split("-", 1)
        first, last = _weekday_number(first_text), _weekday_number(last_text)
    else:
        first = last = _weekday_number(body)
        if step_text:
            last = 6
    if last < first:
        raise ValueError(f"weekday range {part!r} goes backwards")
    return {d % 7 for d in range(first, last + 1, step)}


def _weekday_number(text: str) -> int:
    if text[:3] in _WEEKDAYS:
        return _WEEKDAYS.index(text[:3])
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    raise ValueError(f"unknown weekday {text!r} (use 0-7 or sun..sat)")


# --- what is due ----------------------------------------------------------------------


def next_run_times(config: Config, count: int, *, after: datetime | None = None) -> list[datetime]:
    """The next ``count`` scheduled times after ``after`` (default: now), in the configured zone."""
    schedule = CronSchedule.from_config(config)
    return schedule.upcoming(count, after=after or utc_now())


def format_run_time(moment: datetime) -> str:
    """``Mon 2025-10-27 07:00 CET``: a scheduled time as people read it."""
    seconds = ":%S" if moment.second else ""
    return moment.strftime(f"%a %Y-%m-%d %H:%M{seconds} %Z").strip()


def format_observed_time(moment: datetime) -> str:
    """``Mon 2025-10-27 07:00:00 CET``: when something happened, to the second.

    Unlike a scheduled time, an observed one always shows its seconds, so that
    two moments in one listing read alike and compare by eye.
    """
    return moment.strftime(OBSERVED_TIME_FORMAT).strip()


def format_duration(span: timedelta) -> str:
    """``12h``, ``30min``, ``45s``: a catch-up window or a run's length, briefly."""
    seconds = span.total_seconds()
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}min" if seconds % 60 == 0 else f"{seconds / 60:.1f}min"
    return f"{seconds / 3600:.0f}h" if seconds % 3600 == 0 else f"{seconds / 3600:.1f}h"


def last_done(store: Store) -> datetime | None:
    """The latest scheduled time with a successful run, from the ``runs`` table."""
    done = [r.scheduled_time for r in store.runs(limit=200, kind="scheduled") if r.status == "ok"]
    return max((d for d in done if d is not None), default=None)


def missed_run(config: Config, store: Store, *, now: datetime) -> datetime | None:
    """The scheduled time to run now, if any: the latest one not done and within ``catch_up``."""
    schedule = CronSchedule.from_config(config)
    return _due(schedule, config, store, now)


def _due(schedule: CronSchedule, config: Config, store: Store, now: datetime) -> datetime | None:
    not_before = now - max(config.schedule.catch_up, ON_TIME)
    done = last_done(store)
    if done is not None:
        not_before = max(not_before, done + timedelta(microseconds=1))
    return schedule.latest_at_or_before(now, not_before=not_before)


# --- running -------------------------------------------------------------------------------


class _Runner:
    """The scheduler's job: run the due scheduled time, if any, exactly once."""

    def __init__(
        self,
        config: Config,
        schedule: CronSchedule,
        *,
        stop: threading.Event,
        clock: Clock,
        progress: Progress | None,
    ) -> None:
        self.config = config
        self.schedule = schedule
        self.stop = stop
        self.clock = clock
        self.progress = progress

    def run_due(self) -> None:
        if self.stop.is_set():
            return
        try:
            with Store(self.config.database_path) as store:
                due = _due(self.schedule, self.config, store, self.clock())
            if due is None:
                log.debug("nothing due")
                return
            self.run_for(due)
        except (RunStopped, LockedError) as exc:
            if not self.stop.is_set():
                log.error("%s", exc)
            else:
                log.info("stopped: %s", exc)
        except BriefingError as exc:
            log.error("the scheduled briefing failed: %s", exc)
        except Exception:  # the scheduler must outlive one bad run
            log.exception("the scheduled briefing failed")

    def run_for(self, due: datetime) -> RunResult | None:
        """Run the briefing of scheduled time ``due`` unless a run for it already succeeded."""
        with run_lock(self.config, wait=None, stop=self.stop):
            with Store(self.config.database_path) as store:
                # We hold the run lock, so a row still 'running' belongs to a dead process.
                if abandoned := store.abandon_unfinished_runs():
                    log.warning(
                        "%d run(s) were cut short (process killed); marked interrupted", abandoned
                    )
                done = last_done(store)
            if done is not None and done >= due:
                log.info("the briefing scheduled for %s is already done", format_run_time(due))
                return None
            log.info("running the briefing scheduled for %s", format_run_time(due))
            options = RunOptions(
                day=due.astimezone(self.schedule.zone).date(),
                kind="scheduled",
                scheduled_for=due.astimezone(UTC),
                stop=self.stop,
            )
            result = run_briefing(self.config, options, progress=self._stoppable_progress())
        log.info(
            "briefing of %s written: %s",
            result.briefing.date,
            ", ".join(str(p) for p in result.outputs) or "no files",
        )
        return result

    def _stoppable_progress(self) -> Progress:
        """Progress that ends the run at the next step when a stop was asked for.

        It raises only between steps (before collecting, after a source or an
        article, before rendering), and never once files are being written.
        """
        run_thread = threading.get_ident()
        user_progress = self.progress

        def progress(stage: str, done: int, total: int) -> None:
            between_steps = stage != "render" or done == 0
            if self.stop.is_set() and between_steps and threading.get_ident() == run_thread:
                raise RunStopped(
                    "the scheduler was stopped during a run; the briefing will be made up "
                    "when it starts again (within catch_up)"
                )
            if user_progress is not None:
                user_progress(stage, done, total)

        return progress


def run_scheduler(
    config: Config,
    *,
    stop: threading.Event | None = None,
    clock: Clock = utc_now,
    progress: Progress | None = None,
    handle_signals: bool = True,
) -> None:
    """Run the daily briefing on schedule until ``stop`` is set, SIGTERM or SIGINT.

    Raises LockedError at once if another scheduler runs on the same database.
    On start, and after the machine wakes from sleep, the latest missed time
    within ``catch_up`` runs once. ``clock`` gives the wall time used to decide
    what is due (tests move it); ``progress`` is passed to each run.
    """
    stop = stop or threading.Event()
    schedule = CronSchedule.from_config(config)
    with scheduler_lock(config), _stop_on_signals(stop, enabled=handle_signals):
        # Open (create, migrate) the database now: a bad path fails at start, not at 07:00,
        # and the first run never races another process creating the schema.
        Store(config.database_path).close()
        runner = _Runner(config, schedule, stop=stop, clock=clock, progress=progress)
        scheduler = BackgroundScheduler(
            timezone=schedule.zone,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            # None: never drop a late run silently; catch_up is applied by _due.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.add_job(
            runner.run_due, trigger=schedule.trigger, id="briefing", name="daily briefing"
        )
        scheduler.start()
        try:
            _log_start(config, schedule, clock())
            scheduler.add_job(runner.run_due, name="catch-up on start")

            def on_wake() -> None:
                scheduler.wakeup()
                scheduler.add_job(runner.run_due, name="catch-up after sleep")

            _watch_clocks(stop, clock, on_wake)
        finally:
            stop.set()
            log.info("stopping: waiting for the current step of a run in progress, if any")
            scheduler.shutdown(wait=True)
            log.info("scheduler stopped")


def _log_start(config: Config, schedule: CronSchedule, now: datetime) -> None:
    upcoming = schedule.upcoming(1, after=now)
    log.info(
        "scheduler started for %s: cron %r in %s, catch-up %s; next run %s",
        config.database_path,
        schedule.expression,
        schedule.zone,
        format_duration(config.schedule.catch_up),
        format_run_time(upcoming[0]) if upcoming else "never",
    )


def _watch_clocks(stop: threading.Event, clock: Clock, on_wake: Callable[[], None]) -> None:
    """Wait for ``stop``; call ``on_wake`` when the wall clock jumps (sleep, clock change).

    The monotonic clock does not advance while a machine is suspended, and
    APScheduler's wait is measured on it, so without this a run missed during
    sleep would only happen long after waking.
    """
    wall, mono = clock(), time.monotonic()
    while not stop.wait(TICK_SECONDS):
        new_wall, new_mono = clock(), time.monotonic()
        jump = (new_wall - wall).total_seconds() - (new_mono - mono)
        if abs(jump) > WAKE_GAP_SECONDS:
            log.info(
                "the clock jumped by %.0f s (sleep or clock change); checking missed runs", jump
            )
            on_wake()
        wall, mono = new_wall, new_mono


@contextmanager
def _stop_on_signals(stop: threading.Event, *, enabled: bool) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (only the main thread can install handlers)."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()  # only this: logging from a signal handler can interleave or deadlock

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
