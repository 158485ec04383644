"""Run the scheduler as a separate process, the way ``briefing schedule`` will.

Used by tests/test_schedule.py for what only a real process shows: SIGKILL,
SIGTERM, and two schedulers on one config. Options a user never has:

--now ISO       the wall clock starts at this time and then runs at real speed
--slow SECONDS  the first summarised article takes this long (test code may sleep;
                the library never does), after touching --marker
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from briefing.config import load_config
from briefing.errors import BriefingError
from briefing.schedule import run_scheduler, utc_now


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--now")
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--marker")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(name)s: %(levelname)s: %(message)s", stream=sys.stderr
    )
    clock = utc_now
    if args.now:
        offset = datetime.fromisoformat(args.now) - utc_now()

        def clock() -> datetime:
            return utc_now() + offset

    slowed = False

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal slowed
        if stage == "summarize" and not slowed and args.slow:
            slowed = True
            if args.marker:
                Path(args.marker).write_text("mid-run", encoding="utf-8")
            time.sleep(args.slow)

    try:
        run_scheduler(load_config(args.config), clock=clock, progress=progress)
    except BriefingError as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
