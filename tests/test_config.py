from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from briefing.config import load_config, parse_config, sample_config_path
from briefing.errors import ConfigError


def test_defaults_and_relative_paths_resolve_against_the_config_folder(
    write_config: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config('output_dir = "out"\ntemplates = "tpl"\n[[sources]]\nfolder = "docs"\n')
    monkeypatch.chdir("/")
    config = load_config(path)
    assert config.title == "Morning briefing"
    assert config.sentences == 3
    assert config.formats == ("md", "pdf")
    assert config.output_dir == tmp_path / "out"
    assert config.templates == tmp_path / "tpl"
    assert config.sources[0].location == str(tmp_path / "docs")
    assert config.sources[0].name == "docs"
    assert config.database_path == tmp_path / "out" / "briefing.sqlite3"


def test_every_problem_is_reported_with_its_key(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
title = ""
sentences = 0
language = "klingon"
briefing_language = "de"
colour = "blue"
[[sources]]
feed = "ftp://example.org/rss"
[[sources]]
page = "not a url"
[[sources]]
name = "both"
feed = "https://example.org/a"
folder = "x"
[fetch]
timeout = -1
[schedule]
timezone = "Mars/Olympus"
catch_up = "soon"
"""
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "title: must not be empty",
        "sentences: must be greater than 0",
        "language: expected auto or a code",
        "briefing_language: expected auto or one of en, fr",
        "colour: unknown setting",
        "sources[0].feed: unsupported scheme ftp",
        "sources[1].page: not a URL",
        "sources[2]: needs exactly one of feed, page or folder",
        "fetch.timeout: must be greater than 0",
        "schedule.timezone: unknown time zone",
        "schedule.catch_up: expected a duration",
    ):
        assert expected in problems
    assert str(path) in str(caught.value)


def test_a_malformed_source_url_is_a_config_problem_not_a_crash(
    write_config: Callable[[str], Path],
) -> None:
    # "http://[::1" made urlsplit raise: "internal error: ValueError: Invalid IPv6 URL".
    path = write_config(
        '[[sources]]\nfeed = "http://[::1"\n[[sources]]\npage = "https://x.org:abc/"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert list(caught.value.problems) == [
        "sources[0].feed: not a valid URL: 'http://[::1'",
        "sources[1].page: not a valid URL: 'https://x.org:abc/'",
    ]


def test_a_language_with_no_sentence_model_is_a_config_problem(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config('language = "zz"\n[[sources]]\nfolder = "."\nlanguage = "fre"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = "\n".join(caught.value.problems)
    assert "language: no sentence model for 'zz'" in problems
    assert "sources[0].language: no sentence model for 'fre'" in problems


def test_wrong_types_are_named_not_crashed_on(write_config: Callable[[str], Path]) -> None:
    path = write_config('sentences = "three"\nformats = ["md", "docx"]\nsources = 4\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert any(p.startswith("sentences: expected a whole number") for p in problems)
    assert any(p.startswith("formats: unknown format 'docx'") for p in problems)
    assert any(p.startswith("sources: expected a list") for p in problems)


def test_unreadable_config_files_give_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("title = [unclosed\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_command_line_overrides_win_and_none_is_ignored(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config('sentences = 5\nformats = ["md"]\n')
    config = load_config(path, formats="pdf,html", sentences=None)
    assert config.formats == ("pdf", "html")
    assert config.sentences == 5


def test_schedule_and_email_sections(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
[schedule]
cron = "*/5 * * * * *"
timezone = "Europe/Paris"
catch_up = "30m"
[email]
from = "briefing@example.org"
to = ["team@example.org"]
[email.smtp]
host = "localhost"
port = 2525
security = "none"
"""
    )
    config = load_config(path)
    assert config.schedule.catch_up == timedelta(minutes=30)
    assert config.schedule.timezone == "Europe/Paris"
    assert config.email is not None and config.email.to == ("team@example.org",)
    assert config.email.smtp is not None and config.email.smtp.port == 2525


def test_email_problems_name_their_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {"email": {"from": "nobody", "to": [], "send": True, "smtp": {"security": "tls"}}}
        )
    problems = "\n".join(caught.value.problems)
    assert "email.from: not an email address" in problems
    assert "email.to: expected a list of email addresses" in problems
    assert "email.smtp.host: is required" in problems


def test_bundled_sample_config_is_valid_and_writes_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.path == sample_config_path().resolve()
    assert config.sample
    # The samples have their own folder and database, never a user's output/.
    assert config.output_dir == tmp_path / "briefing-sample"
    assert config.database_path == tmp_path / "briefing-sample" / "briefing.sqlite3"
    kinds = sorted(s.kind for s in config.sources)
    assert kinds == ["feed", "folder", "folder"]
    for source in config.sources:
        assert Path(source.location).exists()


def test_every_briefing_language_has_its_labels() -> None:
    from briefing.config import BRIEFING_LANGUAGES
    from briefing.render import _LABELS

    assert set(BRIEFING_LANGUAGES) == set(_LABELS)
