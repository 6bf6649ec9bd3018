"""What every command module shares: the consoles, one-line errors, JSON lines, the workspace."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperOption

from factcheck.errors import FactcheckError


class PlainArgument(TyperArgument):
    """An argument shown the way command lines are documented: ``PATHS...`` in the usage line
    and the argument list, ``[NAME]`` when optional (typer 0.29 would show ``{paths}...`` and a
    Python type such as ``<list[str]>``)."""

    def _display(self) -> str:
        return (self.metavar or self.name or "").upper() + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        return self._display() if self.required else f"[{self._display()}]"

    def _rich_display_name(self) -> str:
        return self._display()

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class PlainOption(TyperOption):
    """An option whose value is named by its metavar or a plain type (``<float>``, never a
    ``<list[str]>``); a range is spelled out in the help text's brackets already."""

    def display_type(self, ctx: Any) -> str:
        shown = super().display_type(ctx)
        return re.sub(r"<list\[(\w+)\]>", r"<\1>", shown.replace(" range>", ">"))


class PlainCommand(TyperCommand):
    """A command whose arguments and options use :class:`PlainArgument` / :class:`PlainOption`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = PlainArgument
            elif type(param) is TyperOption:
                param.__class__ = PlainOption


class App(typer.Typer):
    """``typer.Typer`` whose commands default to :class:`PlainCommand` (readable help)."""

    def command(self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or PlainCommand, **kwargs)


err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clean error line on stderr; return the Exit to raise."""
    sys.stderr.write(f"Error: {message}\n")
    return typer.Exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors into one clean line on stderr and the error's exit code."""
    try:
        yield
    except FactcheckError as e:
        raise fail(str(e), e.exit_code) from e


def workspace(ctx: typer.Context) -> Any:
    """The Workspace for this invocation (built once, from the global options)."""
    from factcheck.workspace import Workspace

    if "ws" not in ctx.obj:
        with errors():
            ctx.obj["ws"] = Workspace(ctx.obj["settings"])
    return ctx.obj["ws"]


def emit_json(obj: Any) -> None:
    """One JSON object on one stdout line."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")




def actor(ctx: typer.Context, reviewer: str | None) -> Any:
    """Who runs a writing command (an :class:`~factcheck.services.auth.Actor`).

    Solo mode: `reviewer` (default the OS user), allowed everything. Team mode
    (:func:`~factcheck.services.auth.team_mode`): `reviewer` must be a user of the users file
    (``FACTCHECK_AUTH``), the role comes from the file, and the password is checked against its
    bcrypt hash: read from ``FACTCHECK_PASSWORD`` (scripts), else asked for when stdin is a terminal.
    """
    import getpass
    import os

    from factcheck.services.auth import authenticate, solo_actor, team_mode

    settings = ctx.obj["settings"]
    with errors():
        if not team_mode(settings):
            return solo_actor(reviewer)

        def password() -> str | None:
            secret = os.environ.get("FACTCHECK_PASSWORD")
            if secret is None and sys.stdin.isatty():
                secret = getpass.getpass(f"Password for {(reviewer or '').strip().lower()}: ")
            return secret

        return authenticate(settings, reviewer, password)


ALLOW_PRIVATE_HELP = ("Fetch links on private/loopback addresses (intranet documents you trust; "
                      "same as FACTCHECK_ALLOW_PRIVATE_HOSTS=1).")


def private_hosts(flag: bool) -> bool | None:
    """A command's ``--allow-private-hosts``: True when given, else None (the setting decides)."""
    return True if flag else None


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 claim``, ``2 claims`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
