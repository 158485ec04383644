"""The store seam: the pipeline runs on whatever backend is registered, SQLite by default."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from briefing import storage
from briefing.config import load_config
from briefing.errors import StoreError
from briefing.pipeline import RunOptions, run_briefing
from briefing.storage import ArticleStore, open_store, register_store_backend
from briefing.store import Store


def test_the_sqlite_store_implements_every_method_of_the_seam() -> None:
    for name, member in vars(ArticleStore).items():
        if name.startswith("__") and name not in ("__enter__", "__exit__"):
            continue
        if not callable(member):
            continue
        ours = inspect.signature(getattr(Store, name))
        assert list(ours.parameters) == list(inspect.signature(member).parameters), name


def test_an_unknown_backend_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no store backend named 'postgresql'.*scaling\.md"):
        open_store(tmp_path / "db", backend="postgresql")


def test_a_run_goes_through_the_backend_it_is_given(
    write_config: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class CountingStore(Store):
        """SQLite, counting what the pipeline asks of it through the seam."""

        calls: ClassVar[list[str]] = []

        def add_articles(self, *args: object, **kwargs: object) -> storage.AddResult:
            self.calls.append("add_articles")
            return super().add_articles(*args, **kwargs)  # type: ignore[arg-type]

    def open_counting(location: str) -> ArticleStore:
        opened.append(location)
        return CountingStore(Path(location))

    monkeypatch.setattr(storage, "_BACKENDS", dict(storage._BACKENDS))
    register_store_backend("counting", open_counting)
    assert "counting" in storage.store_backends()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Bridge reopens\n\nThe bridge reopened on Monday.")
    config = load_config(write_config('formats = ["md"]\n[[sources]]\nfolder = "docs"\n'))
    result = run_briefing(config, RunOptions(day=date(2026, 11, 24), store_backend="counting"))
    assert opened == [str(config.database_path)]
    assert CountingStore.calls == ["add_articles"]
    assert [i.article.title for i in result.briefing.items] == ["Bridge reopens"]
