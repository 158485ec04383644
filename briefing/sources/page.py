"""Single web pages (first version: not supported yet; comes with issue 4)."""

from __future__ import annotations

from ..config import Config, SourceConfig
from ..errors import SourceError
from .base import FetchResult, SourceState, register_source_kind


class PageSource:
    def __init__(self, source: SourceConfig, config: Config) -> None:
        self.name = source.name

    def fetch(self, state: SourceState) -> FetchResult:
        raise SourceError(f"{self.name}: web pages are not supported yet")


register_source_kind("page", PageSource)
