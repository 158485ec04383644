"""The text stage: cleaning, language detection and sentence splitting (offline)."""

from __future__ import annotations

from briefing.text.clean import clean_text, html_to_text, markdown_to_text
from briefing.text.language import SUPPORTED_LANGUAGES, detect_language
from briefing.text.sentences import split_sentences

__all__ = [
    "SUPPORTED_LANGUAGES",
    "clean_text",
    "detect_language",
    "html_to_text",
    "markdown_to_text",
    "split_sentences",
]
