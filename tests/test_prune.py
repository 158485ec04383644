"""`briefing prune`: the retention settings applied to a real database, from the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from bulk_store import fill
from conftest import CliResult

from briefing.config import load_config
from briefing.errors import ConfigError
from briefing.store import Store


def test_briefing_prune_keeps_the_window_and_says_what_it_did(
    write_config: Callable[[str], Path], cli: Callable[..., CliResult]
) -> None:
    path = write_config("[retention]\ntext_days = 30\ndays = 60\n")
    config = load_config(path)
    fill(config.database_path, articles=1_000, sources=10, days=100, words=200)
    result = cli("prune", "--config", str(path))
    assert result.code == 0, result.err
    assert "dropped the text of 300 article(s), deleted 390" in result.err
    today = date.today()
    with Store(config.database_path) as store:
        assert store.article_count() == 610
        recent = store.briefed_articles(today - timedelta(days=29))
        older = store.briefed_articles(today - timedelta(days=31))
        assert recent and all(a.text for a in recent)
        assert older and all(a.text == "" and a.title for a in older)
        assert store.briefed_articles(today - timedelta(days=61)) == []


def test_retention_settings_are_checked(write_config: Callable[[str], Path]) -> None:
    with pytest.raises(ConfigError, match=r"retention\.days: must be at least text_days"):
        load_config(write_config("[retention]\ntext_days = 30\ndays = 10\n"))
    kept = load_config(write_config("[retention]\ntext_days = 0\n")).retention
    assert kept.text_days is None and kept.days is None
