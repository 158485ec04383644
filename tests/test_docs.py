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
    internal = {
        *("path", "sources", "fetch", "schedule", "pdf", "email", "smtp", "kind", "location"),
        *("sample", "warnings"),  # set by load_config, not by a user
    }
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


# --- the command reference matches --help -------------------------------------------------

DOCS = {"README.md": README} | {
    f"docs/{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")
}
GLOBAL = {"--help", "--debug", "--verbose", "--quiet", "--config", "--version", "-h"}


def _options(parser: object) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}  # type: ignore[attr-defined]


def test_each_synopsis_lists_exactly_the_commands_options() -> None:
    """The ```briefing NAME [...]``` line under each command heading is its --help."""
    for name, sub in _subcommands().items():
        if name == "summarise":
            continue
        section = README.split(f"### `briefing {name}`", 1)
        assert len(section) == 2, f"no README section for briefing {name}"
        block = section[1].split("```sh\n", 1)[1].split("```", 1)[0]
        listed = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", block))
        wanted = {o for o in _options(sub) if o.startswith("--")} - GLOBAL
        assert listed - GLOBAL == wanted, f"briefing {name}: README {listed} vs --help {wanted}"


def test_every_briefing_command_in_the_docs_is_valid() -> None:
    """`briefing NAME --option` anywhere in the README or docs/ names a real option."""
    commands = _subcommands()
    main = _options(build_parser())
    for where, text in DOCS.items():
        for name, rest in re.findall(
            r"\bbriefing ([a-z]+)((?: +-[-\w]+(?: +[^\s`-][^\s`]*)?)*)", text
        ):
            if name not in commands:
                continue
            for option in re.findall(r"(?<![\w-])--?[a-z][\w-]*", rest):
                known = _options(commands[name]) | main
                assert option in known, f"{where}: `briefing {name} {option}` is not an option"


def test_every_command_has_help_and_a_description() -> None:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helped = {c.dest: c.help for c in action._choices_actions}  # type: ignore[attr-defined]
    for name, sub in _subcommands().items():
        if name == "summarise":
            continue
        assert helped.get(name), f"briefing {name} has no one-line help in briefing --help"
        assert sub.description, f"briefing {name} --help has no description"  # type: ignore[attr-defined]


def test_the_exit_codes_in_the_readme_are_those_in_help() -> None:
    from briefing.cli import EXAMPLES

    in_help = re.findall(r"^  (\d+) ", EXAMPLES.split("exit status:", 1)[1], re.M)
    in_readme = re.findall(r"^\| `(\d+)` \|", README, re.M)
    assert in_help == in_readme and in_help
