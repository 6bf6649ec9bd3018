"""What every command module shares: the consoles, one-line errors, JSON lines, the workspace."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from factcheck.errors import FactcheckError

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
