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


