"""The README documents every command, option and setting, and its examples are valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.cli import build_parser
from briefing.config import (
    Config,
    EmailConfig,
    FetchConfig,
    PdfConfig,
    ScheduleConfig,
    SmtpConfig,
    StoriesConfig,
    load_config,
)

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, object]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)  # type: ignore[attr-defined]


def test_every_command_and_option_is_in_the_readme() -> None:
    for name, sub in _subcommands().items():
        if name == "summarise":  # an alias
            continue
        assert f"briefing {name}" in README, f"command {name} is not documented"
        for action in sub._actions:  # type: ignore[attr-defined]
            for option in action.option_strings:
                if option.startswith("--") and option not in ("--help", "--debug", "--verbose"):
                    assert option in README, f"option {option} of {name} is not documented"


@pytest.mark.parametrize(
    ("cls", "prefix"),
    [
        (Config, ""),
        (FetchConfig, ""),
        (ScheduleConfig, ""),
        (PdfConfig, ""),
        (EmailConfig, ""),
        (SmtpConfig, "smtp."),
        (StoriesConfig, ""),
    ],
)
def test_every_setting_is_in_the_readme(cls: type, prefix: str) -> None:
    internal = {"path", "sources", "fetch", "schedule", "pdf", "email", "smtp", "kind", "location"}
    renamed = {"sender": "from"}
    for name in cls.__dataclass_fields__:
        if name in internal:
            continue
        key = prefix + renamed.get(name, name)
        assert f"`{key}`" in README, f"setting {key} ({cls.__name__}) is not in the README"


def test_the_example_config_is_valid_and_complete(tmp_path: Path) -> None:
    example = ROOT / "docs" / "example-config.toml"
    config = load_config(example)
    assert config.email is not None and config.email.smtp is not None
    text = example.read_text()
    for cls in (FetchConfig, ScheduleConfig, SmtpConfig, StoriesConfig):
        for name in cls.__dataclass_fields__:
            assert re.search(rf"^#?\s*{name} =", text, re.M), f"{name} missing from the example"


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in README
