"""Every command is documented: a help text, and a row in the README's "Commands" table.

Walks the typer app as click sees it (groups and their sub-commands), as sqlite-utils'
``tests/test_docs.py`` does for its CLI reference.
"""

from __future__ import annotations

import re

import pytest
import typer

from factcheck.cli import app
from tests.conftest import REPO

README = REPO / "README.md"


def _walk(cmd, path: tuple[str, ...] = ()):
    """(path, command) for the root, every group and every command below it."""
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        if not sub.hidden:
            yield from _walk(sub, (*path, name))


ROOT = typer.main.get_command(app)
EVERYTHING = list(_walk(ROOT))
COMMANDS = {path: cmd for path, cmd in EVERYTHING if path and not hasattr(cmd, "commands")}


def _commands_table() -> list[str]:
    """The first cell of each row of the table under ``## Commands`` in the README."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Commands\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Commands' section"
    rows = [line for line in match.group(1).splitlines() if line.startswith("|")]
    cells = [re.split(r"(?<!\\)\|", row)[1].strip() for row in rows[2:]]  # skip header + ---
    assert cells, "the README's Commands table has no rows"
    return cells


def _documented(cell: str) -> set[tuple[str, ...]]:
    """Command paths a table cell names: each `factcheck ...` code span, with `a\\|b` alternatives.

    The click tree says how many words name the command: `factcheck export csv\\|jsonl PATH`
    names ("export", "csv") and ("export", "jsonl"); `factcheck suggest CLAIM_ID \\| --text T`
    names ("suggest",) only (what follows a command is its arguments).
    """
    out: set[tuple[str, ...]] = set()
    for span in re.findall(r"`([^`]+)`", cell):
        words = span.split()
        if not words or words[0] != "factcheck":
            continue
        paths: list[tuple[str, ...]] = [()]
        node = ROOT
        for word in words[1:]:
            subs = getattr(node, "commands", None)
            if subs is None:  # reached a command: the rest are its arguments
                break
            names = word.split("\\|")
            paths = [(*p, n) for p in paths for n in names]
            node = subs.get(names[0])
            if node is None:  # an unknown name: reported by test_every_table_row_names_a_command
                break
        out.update(paths)
    return out


TABLE = _commands_table()
DOCUMENTED = set().union(*map(_documented, TABLE))


@pytest.mark.parametrize("path", [p for p, _ in EVERYTHING], ids=lambda p: " ".join(p) or "factcheck")
def test_every_command_has_a_whole_help_text(path):
    cmd = dict(EVERYTHING)[path]
    text = (cmd.help or cmd.short_help or "").strip()
    assert text, f"`factcheck {' '.join(path)}` has no help text; give it a docstring or help="
    summary = text.split("\n\n")[0].strip()
    assert not summary.endswith(("...", "…")), f"`factcheck {' '.join(path)}`: help is cut: {summary!r}"


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_is_in_the_readme_table(path):
    assert path in DOCUMENTED, (
        f"`factcheck {' '.join(path)}` is missing from the Commands table in README.md; add a row"
    )


@pytest.mark.parametrize("cell", TABLE)
def test_every_table_row_names_a_command(cell):
    named = _documented(cell)
    assert named, f"README Commands row names no `factcheck ...` command: {cell}"
    unknown = sorted(" ".join(p) for p in named if p not in COMMANDS)
    assert not unknown, f"README Commands row names commands that do not exist: {unknown}"


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_names_arguments_plainly(path):
    """Usage lines say ``PATHS...`` / ``[NAME...]`` and values ``<str>``: never typer's raw
    ``{paths}...`` or a Python type such as ``<list[str]>``."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"\{\w+\}\.\.\.|<list\[|range>", result.output), (
        f"`factcheck {' '.join(path)} --help` shows a raw typer notation:\n{result.output}"
    )
