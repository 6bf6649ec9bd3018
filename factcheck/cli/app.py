"""The command line: a thin layer over the library. Each command is one library call.

Library errors (:class:`factcheck.errors.FactcheckError`) become one clean line on stderr and
their exit code (1, or 3 for a conflict); usage errors exit 2. Command groups live in their own
modules and are registered here, explicitly, through the same ``register(app)`` hook each uses.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from factcheck.cli import auth, claims, evidence, export, feeds, indexes, train
from factcheck.cli.common import App, errors, fail
from factcheck.config import Settings

app = App(
    name="factcheck",
    help="Fact-check annotation toolkit: extract claims, find evidence, record verdicts.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", envvar="FACTCHECK_DB",
                           help="Database path or SQLAlchemy URL [default: ./factcheck.db]."),
    index_dir: Path = typer.Option(None, "--index-dir", envvar="FACTCHECK_INDEX_DIR",
                                   help="Folder of the FAISS indexes [default: ./indexes]."),
    model: str = typer.Option(None, "--model", envvar="FACTCHECK_MODEL",
                              help="sentence-transformers model name or path."),
    encoder: str = typer.Option(None, "--encoder", envvar="FACTCHECK_ENCODER",
                                help="What runs the model: torch or onnx-int8 (see README)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    allow_private_hosts: bool = typer.Option(
        False, "--allow-private-hosts",
        help="Fetch links on private/loopback addresses (intranet; or FACTCHECK_ALLOW_PRIVATE_HOSTS=1)."),
) -> None:
    """Global options, valid before any command."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    overrides = {k: v for k, v in {"db": db, "index_dir": index_dir, "model": model, "encoder": encoder,
                                   "allow_private_hosts": allow_private_hosts}.items() if v}
    with errors():
        try:
            settings = Settings(**overrides)
        except Exception as e:  # pydantic ValidationError of env values
            raise fail(f"bad setting: {e}; check FACTCHECK_* variables") from e
        missing = missing_db_folder(settings.url)
        if missing is not None:
            raise fail(f"--db {settings.db}: the folder {missing} does not exist; create it "
                       f"(mkdir -p {missing}) or give a path in an existing folder")
    ctx.obj = {"settings": settings}


def missing_db_folder(url: str) -> Path | None:
    """The folder of an SQLite database file when it does not exist (SQLite would only say
    "unable to open database file"); None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix):].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    folder = Path(path).expanduser().parent
    return None if folder.is_dir() else folder


for _module in (claims, indexes, evidence, feeds, export, auth, train):
    _module.register(app)


def _whole_summaries(t: typer.Typer) -> None:
    """Command lists show each command's first docstring paragraph in full (click cuts it at 45
    characters with "..." otherwise)."""
    for info in t.registered_commands:
        doc = info.callback.__doc__ if info.callback is not None else None
        if info.short_help is None and doc:
            info.short_help = " ".join(doc.strip().split("\n\n")[0].split())
    for group in t.registered_groups:
        if group.typer_instance is not None:
            _whole_summaries(group.typer_instance)


_whole_summaries(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
