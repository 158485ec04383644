"""``python -m briefing``."""

from __future__ import annotations

from .cli import main

# Guarded: a child process started with "spawn" (the PDF renderer, from a
# threaded scheduler) imports this module again and must not run the CLI.
if __name__ == "__main__":
    raise SystemExit(main())
