"""The command line as other tools taught users to expect it (issue 14), each run as a subprocess.

Config discovery, validation at load, exit codes, piped input, global options,
--quiet, --dry-run, monitoring (--json and exit status), -o and completion.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from http_server import LoopbackServer, with_etag

NOTE = (
    "Council vote\n\nThe city council approved the new budget on Monday after a long debate. "
    "Schools will receive ten percent more money than last year.\n"
    "Opponents said the plan would raise taxes for small businesses.\n"
)
DAY = "2026-11-24"


@dataclass
class Done:
    code: int
    out: str
    err: str


@dataclass
class Shell:
    """Runs ``briefing`` as a user would: in a folder, with a home and no config of theirs."""

    cwd: Path
    env: dict[str, str]

    def __call__(self, *args: str, stdin: str | None = None, cwd: Path | None = None) -> Done:
        done = subprocess.run(
            [sys.executable, "-m", "briefing", *args],
            cwd=cwd or self.cwd,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
        return Done(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def sh(tmp_path: Path) -> Iterator[Shell]:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_CONFIG", "XDG_CONFIG_HOME")}
    temp = tmp_path / "tmp"  # where --dry-run's folders go: cleaned up with the test's
    temp.mkdir()
    env |= {"HOME": str(home), "NLTK_DATA": str(tmp_path / "no-nltk"), "TMPDIR": str(temp)}
    yield Shell(work, env)


def notes_config(folder: Path, name: str = "Notes", extra: str = "") -> Path:
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "docs" / "vote.txt").write_text(NOTE)
    config = folder / "briefing.toml"
    config.write_text(
        f'formats = ["md"]\n{extra}\n[[sources]]\nname = "{name}"\nfolder = "docs"\n'
        '[schedule]\ncron = "0 7 1 1 *"\ntimezone = "UTC"\ncatch_up = "0s"\n'
    )
    return config


def source_names(done: Done) -> list[str]:
    assert done.code == 0, done.err
    return [s["name"] for s in json.loads(done.out)["sources"]]


# --- 1. config discovery, and samples that never mix with a user's data ------------------


def test_config_is_found_as_other_tools_find_theirs(sh: Shell, tmp_path: Path) -> None:
    xdg = Path(sh.env["HOME"]) / ".config" / "briefing"
    xdg.mkdir()
    notes_config(xdg, "From XDG")
    assert source_names(sh("sources", "--json")) == ["From XDG"]
    notes_config(sh.cwd, "From the folder")
    assert source_names(sh("sources", "--json")) == ["From the folder"]
    other = tmp_path / "env"
    notes_config(other, "From the variable")
    sh.env["BRIEFING_CONFIG"] = str(other / "briefing.toml")
    assert source_names(sh("sources", "--json")) == ["From the variable"]
    assert source_names(sh("sources", "--json", "--config", str(xdg / "briefing.toml"))) == [
        "From XDG"
    ]
    sh.env["XDG_CONFIG_HOME"] = str(tmp_path / "elsewhere")
    del sh.env["BRIEFING_CONFIG"]
    (sh.cwd / "briefing.toml").unlink()
    done = sh("sources", "--json")
    assert "bundled sample" in done.err and "briefing init" in done.err
    sh.env["BRIEFING_CONFIG"] = str(tmp_path / "missing.toml")
    missing = sh("sources")
    assert missing.code == 1 and "missing.toml" in missing.err and "$BRIEFING_CONFIG" in missing.err


def test_samples_run_in_their_own_folder_and_never_reach_a_users_briefing(sh: Shell) -> None:
    sample = sh("run", "--format", "md", "--date", DAY)
    assert sample.code == 0, sample.err
    assert sample.out.strip() == str(sh.cwd / "briefing-sample" / f"briefing-{DAY}.md")
    assert "bundled sample" in sample.err and "briefing init" in sample.err
    assert (sh.cwd / "briefing-sample" / "briefing.sqlite3").is_file()

    init = sh("init")
    assert init.code == 0, init.err
    assert "next:" in init.err and "briefing run" in init.err
    (sh.cwd / "articles" / "vote.txt").write_text(NOTE)
    mine = sh("run", "--format", "md", "--date", DAY)  # ./briefing.toml, found by itself
    assert mine.code == 0, mine.err
    assert mine.out.strip() == str(sh.cwd / "output" / f"briefing-{DAY}.md")
    assert "sample" not in mine.err
    forced = sh("run", "-c", "briefing.toml", "--force", "--format", "md", "--date", DAY)
    text = Path(forced.out.strip()).read_text()
    assert "The city council approved the new budget" in text
    assert "Wikinews" not in text and "chefs d'état-major" not in text


# --- 2. everything validated at load, all at once ----------------------------------------


def test_every_config_problem_is_named_at_load_together(sh: Shell) -> None:
    (sh.cwd / "briefing.toml").write_text(
        'algorithm = "foo"\ntitel = "Mine"\n[schedule]\ncron = "0 7 31 2 *"\n'
        '[[sources]]\nfolder = "."\nful_text = true\n'
    )
    for command in (("run",), ("status",), ("schedule", "--next", "1")):
        done = sh(*command)
        assert done.code == 1, done.err
        assert "algorithm: unknown summary algorithm 'foo'" in done.err
        assert "schedule.cron: '0 7 31 2 *' never fires" in done.err
        assert "titel: unknown setting; did you mean 'title'?" in done.err
        assert "sources[0].ful_text: unknown setting; did you mean 'full_text'?" in done.err
        assert "Traceback" not in done.err
    (sh.cwd / "briefing.toml").write_text('[schedule]\ncron = "0 7 * *"\n[[sources]]\nfolder="."\n')
    invalid = sh("run")
    assert invalid.code == 1 and "schedule.cron: expected 5 crontab fields" in invalid.err


def test_no_sources_is_an_error_naming_the_key(sh: Shell) -> None:
    (sh.cwd / "briefing.toml").write_text('title = "Empty"\n')
    for command in ("run", "collect"):
        done = sh(command)
        assert done.code == 1
        assert "sources: no [[sources]] configured" in done.err
    assert not (sh.cwd / "output").exists()


def test_a_missing_folder_is_a_warning_on_stderr_and_in_the_briefing(sh: Shell) -> None:
    notes_config(sh.cwd)
    with (sh.cwd / "briefing.toml").open("a") as config:
        config.write('[[sources]]\nname = "Gone"\nfolder = "no-such-folder"\n')
    done = sh("run", "--date", DAY)
    assert done.code == 0, done.err
    assert "warning:" in done.err and "sources[1].folder: folder not found" in done.err
    text = Path(done.out.strip()).read_text()
    assert "Gone" in text and "folder not found" in text


def test_todays_briefing_is_named_by_the_date_where_the_reader_is(sh: Shell) -> None:
    # UTC+14 and UTC-12 are 26 hours apart: at any moment their dates differ,
    # so a briefing named by the machine's own date is wrong in one of them.
    for zone in ("Etc/GMT-14", "Etc/GMT+12"):
        folder = sh.cwd / zone.replace("/", "-")
        notes_config(folder, extra=f'timezone = "{zone}"')
        before = datetime.now(ZoneInfo(zone)).date()
        done = sh("run", "-c", str(folder / "briefing.toml"))
        after = datetime.now(ZoneInfo(zone)).date()
        assert done.code == 0, done.err
        written = Path(done.out.strip())
        assert written.name in {f"briefing-{before}.md", f"briefing-{after}.md"}, zone


@pytest.mark.parametrize(
    ("cron", "first", "second"),
    [
        ("@daily", "Wed 2025-01-01 00:00 UTC", "Thu 2025-01-02 00:00 UTC"),
        ("@weekly", "Sun 2025-01-05 00:00 UTC", "Sun 2025-01-12 00:00 UTC"),
        ("@hourly", "Wed 2025-01-01 00:00 UTC", "Wed 2025-01-01 01:00 UTC"),
        ("@monthly", "Wed 2025-01-01 00:00 UTC", "Sat 2025-02-01 00:00 UTC"),
    ],
)
def test_cron_nicknames(cron: str, first: str, second: str) -> None:
    from datetime import UTC, datetime

    from briefing.config import parse_config
    from briefing.schedule import format_run_time, next_run_times

    config = parse_config({"schedule": {"cron": cron, "timezone": "UTC"}})
    after = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert [format_run_time(t) for t in next_run_times(config, 2, after=after)] == [first, second]


def test_a_cron_nickname_from_the_command_line(sh: Shell) -> None:
    notes_config(sh.cwd)
    text = (sh.cwd / "briefing.toml").read_text().replace('"0 7 1 1 *"', '"@daily"')
    (sh.cwd / "briefing.toml").write_text(text)
    done = sh("schedule", "--next", "3")
    assert done.code == 0, done.err
    assert len(done.out.splitlines()) == 3 and all("00:00 UTC" in x for x in done.out.splitlines())
    (sh.cwd / "briefing.toml").write_text(text.replace('"@daily"', '"@reboot"'))
    assert "unknown nickname '@reboot'" in sh("schedule", "--next").err


# --- 3. exit codes and messages --------------------------------------------------------------


def test_wrong_values_are_usage_errors_naming_the_option(sh: Shell) -> None:
    notes_config(sh.cwd)
    (sh.cwd / "a-file").write_text("x")
    document = str(sh.cwd / "docs" / "vote.txt")
    cases = [
        (("run", "--format", "xyz"), "argument --format: unknown format 'xyz'"),
        (("run", "-o", "a-file"), "argument -o/--output: a-file is a file, not a folder"),
        (("summarize", "-a", "foo", document), "argument -a/--algorithm: unknown summary"),
        (("summarize", "--language", "klingon", document), "argument -l/--language: 'klingon'"),
        (("summarize", document, "--jsonl", document), "not both"),
        (("run", "--dry-run", "--send"), "--dry-run sends nothing"),
    ]
    for args, message in cases:
        done = sh(*args)
        assert done.code == 2, (args, done.err)
        assert message in done.err, (args, done.err)
        assert "Traceback" not in done.err


def test_init_where_it_cannot_write_is_a_clear_error(sh: Shell, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        folder = Path("/sys")  # not writable even by root
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
    done = sh("init", str(folder))
    assert done.code == 1, done.err
    assert "cannot write" in done.err
    assert "permission denied" in done.err.lower() or "read-only file system" in done.err.lower()
    assert "internal error" not in done.err


def test_a_loopback_url_suggests_the_option(sh: Shell, server: LoopbackServer) -> None:
    url = server.route("/story", with_etag(b"<p>x</p>", '"1"', "text/html"))
    done = sh("summarize", url)
    assert done.code == 1
    assert "--allow-private" in done.err and "allow_private = true" not in done.err


def test_exit_codes_are_in_the_help(sh: Shell) -> None:
    text = sh("--help").out
    for line in ("0   success", "1   an error", "2   wrong usage", "3   --strict", "70  an "):
        assert line in text


# --- 4. input and global options like other tools -----------------------------------------


def test_piped_text_is_read_without_a_dash(sh: Shell) -> None:
    done = sh("summarize", "-n", "1", "--language", "en", stdin=NOTE)
    assert done.code == 0, done.err
    assert done.out.strip() in NOTE and done.out.strip()
    nothing = sh("summarize")  # stdin is /dev/null: an empty document, one line
    assert nothing.code == 1 and len(nothing.err.strip().splitlines()) == 1


def test_global_options_work_before_and_after_the_command(sh: Shell) -> None:
    missing = str(sh.cwd / "missing.txt")
    for args in (("--debug", "summarize", missing), ("summarize", missing, "--debug")):
        assert "Traceback" in sh(*args).err
    config = notes_config(sh.cwd / "elsewhere", "Elsewhere")
    assert source_names(sh("--config", str(config), "sources", "--json")) == ["Elsewhere"]
    assert source_names(sh("-c", str(config), "sources", "--json")) == ["Elsewhere"]
    debug = sh("--debug", "run", "--config", str(config), "--date", DAY)
    assert debug.code == 0 and "DEBUG" in debug.err
    for args in (("-v", "sources", "-c", str(config)), ("sources", "-c", str(config), "-v")):
        assert sh(*args).code == 0


# --- 5. flags people look for --------------------------------------------------------------


def test_version(sh: Shell) -> None:
    from briefing import __version__

    done = sh("--version")
    assert done.code == 0 and done.out.strip() == f"briefing {__version__}"


def test_quiet_prints_errors_only(sh: Shell) -> None:
    config = notes_config(sh.cwd)
    with config.open("a") as handle:
        handle.write('[[sources]]\nname = "Gone"\nfolder = "no-such-folder"\n')
    quiet = sh("-q", "run", "--date", DAY)
    assert quiet.code == 0 and quiet.err == ""
    assert quiet.out.strip().endswith(f"briefing-{DAY}.md")
    assert sh("run", "-q", "--date", DAY).err == ""
    broken = sh("-q", "run", "--config", "missing.toml")
    assert broken.code == 1 and "config file not found" in broken.err


def test_dry_run_writes_elsewhere_and_changes_nothing(sh: Shell) -> None:
    notes_config(sh.cwd)
    database = sh.cwd / "output" / "briefing.sqlite3"
    dry = sh("run", "--dry-run", "--date", DAY)
    assert dry.code == 0, dry.err
    written = Path(dry.out.strip())
    assert written.name == f"briefing-{DAY}.md"
    assert written.parent.parent == Path(sh.env["TMPDIR"])  # a new temporary folder
    assert "The city council approved" in written.read_text()
    assert "dry run" in dry.err and "1 new article(s)" in dry.err
    assert not database.exists()  # nothing collected into the real database
    assert [p.name for p in written.parent.iterdir()] == [written.name]
    real = sh("run", "--date", DAY)
    assert "1 new article(s)" in real.err
    before = _database_rows(database)
    (sh.cwd / "docs" / "more.txt").write_text(NOTE.replace("Monday", "Tuesday"))
    again = sh("run", "--dry-run", "--date", DAY)
    assert again.code == 0 and "1 new article(s)" in again.err
    assert _database_rows(database) == before


def _database_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT id, title, briefed_on FROM articles UNION ALL "
            "SELECT id, status, finished_at FROM runs ORDER BY 1, 2"
        ).fetchall()


def test_a_mistyped_command_or_option_gets_a_suggestion(sh: Shell) -> None:
    done = sh("stauts")
    assert done.code == 2 and "did you mean 'status'?" in done.err
    option = sh("run", "--dryrun")
    assert option.code == 2 and "did you mean '--dry-run'?" in option.err


def test_every_command_has_a_description_in_the_help(sh: Shell) -> None:
    text = sh("--help").out
    commands = text.split("commands:")[1].split("examples:")[0]
    for name in ("run", "summarize", "collect", "sources", "init", "schedule", "status"):
        line = next(x for x in commands.splitlines() if x.strip().startswith(name))
        assert len(line.split()) > 2 or name == "summarize", f"{name} has no description"


# --- 6. monitoring: --json and an exit status ----------------------------------------------


def test_status_json_and_exit_status_for_a_monitor(sh: Shell) -> None:
    from briefing.config import load_config
    from briefing.store import Store

    config = notes_config(sh.cwd)
    fresh = sh("status", "--json")
    assert fresh.code == 0, fresh.err
    data = json.loads(fresh.out)
    assert data["healthy"] is True and data["problems"] == [] and data["last_run"] is None
    assert data["schedule"] == {"cron": "0 7 1 1 *", "timezone": "UTC", "catch_up_seconds": 0.0}
    assert data["next_run"].endswith("-01-01T07:00:00+00:00")
    assert sh("run", "--date", DAY).code == 0
    ok = json.loads(sh("status", "--json").out)
    assert ok["last_run"]["status"] == "ok" and ok["last_run"]["new_articles"] == 1
    assert ok["last_run"]["outputs"] == [str(sh.cwd / "output" / f"briefing-{DAY}.md")]
    with Store(load_config(config).database_path) as store:
        run = store.start_run("manual", briefing_date=date(2026, 11, 25))
        store.finish_run(run, status="failed", error="disk full")
    failed = sh("status", "--json")
    assert failed.code == 1
    assert json.loads(failed.out)["problems"] == ["the last run failed: disk full"]
    assert sh("status").code == 1


def test_a_missed_run_makes_status_exit_1_until_a_run_succeeds(sh: Shell) -> None:
    config = notes_config(sh.cwd)
    config.write_text(config.read_text().replace('"0 7 1 1 *"', '"@hourly"').replace("0s", "2h"))
    done = sh("status", "--json")
    assert done.code == 1
    data = json.loads(done.out)
    assert data["healthy"] is False and data["missed"]["will_catch_up"] is True
    assert data["problems"][0].startswith("a scheduled run was missed")
    # A timer or cron line calling `briefing run` covers the time for a reader.
    assert sh("run").code == 0
    covered = sh("status", "--json")
    assert covered.code == 0, covered.out
    assert json.loads(covered.out)["missed"] is not None  # a scheduler would still make it up


def test_sources_json_and_the_last_change_after_an_all_304_pass(
    sh: Shell, server: LoopbackServer
) -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>https://x.example/{i}</link>"
        f"<description>The council met for the {i}th time on Monday.</description></item>"
        for i in range(3)
    )
    feed = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    url = server.route("/rss", with_etag(feed, '"v1"'))
    (sh.cwd / "briefing.toml").write_text(
        f'[fetch]\nallow_private = true\nretries = 0\n[[sources]]\nname = "Wire"\nfeed = "{url}"\n'
    )
    never = json.loads(sh("sources", "--json").out)["sources"][0]
    assert never["state"] == "never collected" and never["articles"] == 0
    assert sh("collect").code == 0
    first = json.loads(sh("sources", "--json").out)["sources"][0]
    assert first["last_new"] == 3 and first["last_change"] is not None
    assert sh("collect").out.strip() == "Wire\tnot modified"
    after = json.loads(sh("sources", "--json").out)["sources"][0]
    assert set(after) == {
        "name", "kind", "location", "state", "last_attempt", "last_success", "last_error",
        "last_new", "last_seen", "last_change", "articles",
    }  # fmt: skip
    assert after["state"] == "ok" and after["last_new"] == 0 and after["articles"] == 3
    assert after["last_change"] == first["last_change"]
    text = sh("sources").out
    assert "(0 new, 0 seen)" not in text
    # Shown in the display zone (UTC here), as every time `briefing sources` prints.
    shown = datetime.fromisoformat(first["last_change"]).strftime("%Y-%m-%d %H:%M:%S")
    assert "last change: " in text and shown in text
    assert "articles stored: 3" in text


def test_sources_shows_every_observed_time_to_the_second_even_on_the_minute(
    sh: Shell, server: LoopbackServer
) -> None:
    feed = (
        b'<rss version="2.0"><channel><title>t</title><item><title>Story</title>'
        b"<link>https://x.example/1</link><description>The council met on Monday.</description>"
        b"</item></channel></rss>"
    )
    url = server.route("/rss", with_etag(feed, '"v1"'))
    (sh.cwd / "briefing.toml").write_text(
        f'[fetch]\nallow_private = true\nretries = 0\n[[sources]]\nname = "Wire"\nfeed = "{url}"\n'
    )
    assert sh("collect").code == 0
    # A change seen at 07:00:00 and a success at 07:05:31 must read alike, not
    # "07:00" beside "07:05:31" (a scheduled time drops its zero seconds; these are not scheduled).
    with sqlite3.connect(sh.cwd / "output" / "briefing.sqlite3") as db:
        db.execute("UPDATE articles SET collected_at = '2026-11-30T07:00:00+00:00'")
        db.execute("UPDATE source_state SET last_success = '2026-11-30T07:05:31+00:00'")
    text = sh("sources").out
    assert "last change: Mon 2026-11-30 07:00:00 UTC" in text
    assert "ok at Mon 2026-11-30 07:05:31 UTC" in text


# --- 7. -o moves the files, never the database ---------------------------------------------


def test_output_option_moves_the_files_not_the_database(sh: Shell, tmp_path: Path) -> None:
    notes_config(sh.cwd)
    first = sh("run", "--date", DAY, "-o", str(tmp_path / "elsewhere"))
    assert first.code == 0, first.err
    assert first.out.strip() == str(tmp_path / "elsewhere" / f"briefing-{DAY}.md")
    assert "1 new article(s)" in first.err
    assert not (tmp_path / "elsewhere" / "briefing.sqlite3").exists()
    assert (sh.cwd / "output" / "briefing.sqlite3").exists()
    second = sh("run", "--date", DAY, "--output", str(tmp_path / "third"))
    assert "0 new article(s)" in second.err


# --- 8. shell completion ------------------------------------------------------------------


def test_bash_completion_completes_commands_and_options(sh: Shell) -> None:
    script = sh("completion", "bash")
    assert script.code == 0, script.err
    (sh.cwd / "briefing.bash").write_text(script.out)

    def complete(*words: str) -> list[str]:
        probe = (
            "source ./briefing.bash; COMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + "); "
            f"COMP_CWORD={len(words) - 1}; COMP_LINE='{' '.join(words)}'; "
            f"COMP_POINT={len(' '.join(words))}; _shtab_briefing; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(
            ["bash", "-c", probe], cwd=sh.cwd, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("briefing", "st") == ["status"]
    assert "--dry-run" in complete("briefing", "run", "--d")
    assert complete("briefing", "completion", "f") == ["fish"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_scripts_are_valid(sh: Shell, shell: str) -> None:
    script = sh("completion", shell)
    assert script.code == 0, script.err
    for command in ("run", "summarize", "status", "sources", "completion", "dry-run"):
        assert command in script.out
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed: its syntax check needs it")
    path = sh.cwd / f"briefing.{shell}"
    path.write_text(script.out)
    check = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
