"""The command line: a thin layer over the library. Each command is one library call.

Library errors (:class:`factcheck.errors.FactcheckError`) become one clean line on stderr and
their exit code (1, or 3 for a conflict); usage errors exit 2.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import Settings
from .errors import FactcheckError

app = typer.Typer(
    name="factcheck",
    help="Fact-check annotation toolkit: extract claims, find evidence, record verdicts.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)
claims_app = typer.Typer(help="List stored claims.", no_args_is_help=True, rich_markup_mode=None)
index_app = typer.Typer(help="Check or rebuild the FAISS indexes.", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(claims_app, name="claims")
app.add_typer(index_app, name="index")

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
    from .workspace import Workspace

    if "ws" not in ctx.obj:
        with errors():
            ctx.obj["ws"] = Workspace(ctx.obj["settings"])
    return ctx.obj["ws"]


def emit_json(obj: Any) -> None:
    """One JSON object on one stdout line."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", envvar="FACTCHECK_DB",
                           help="Database path or SQLAlchemy URL [default: ./factcheck.db]."),
    index_dir: Path = typer.Option(None, "--index-dir", envvar="FACTCHECK_INDEX_DIR",
                                   help="Folder of the FAISS indexes [default: ./indexes]."),
    model: str = typer.Option(None, "--model", envvar="FACTCHECK_MODEL",
                              help="sentence-transformers model name or path."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    """Global options, valid before any command."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    overrides = {k: v for k, v in {"db": db, "index_dir": index_dir, "model": model}.items() if v}
    with errors():
        try:
            settings = Settings(**overrides)
        except Exception as e:  # pydantic ValidationError of env values
            raise fail(f"bad setting: {e}; check FACTCHECK_* variables") from e
    ctx.obj = {"settings": settings}


@app.command()
def extract(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, folders, or - for stdin."),
    min_score: float = typer.Option(None, "--min-score", min=0.0, max=1.0,
                                    help="Check-worthiness threshold (0 = every sentence)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per claim per line."),
) -> None:
    """Split articles into sentences, pick check-worthy claims, embed and index them."""
    from .extract import claim_json, extract_paths

    ws = workspace(ctx)
    results: list[Any] = []
    show = not as_json and err.is_terminal
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not show, transient=True,
    ) as progress:
        task = progress.add_task("extracting", total=None)
        embedded = progress.add_task("sentences embedded", total=None)
        claims_done = progress.add_task("claims", total=None)

        def on_result(res: Any) -> None:
            progress.advance(task)
            progress.advance(claims_done, len(res.claims))
            if res.error:
                err.print(f"[red]error[/red] {res.error}", markup=True, highlight=False)

        with errors():
            results = extract_paths(
                ws, paths, min_score=min_score, on_result=on_result,
                on_embedded=lambda n: progress.advance(embedded, n),
            )
    if as_json:
        for res in results:
            for claim in res.claims:
                emit_json(claim_json(claim))
    else:
        table = Table(title="Extraction")
        for col in ("article", "title", "sentences", "claims", "by type", "status"):
            table.add_column(col, overflow="fold")
        for res in results:
            if res.error:
                continue
            types = ", ".join(f"{k} {v}" for k, v in sorted(res.by_type.items()))
            table.add_row(
                res.article_id or "", (res.title or "")[:50], str(res.sentences),
                str(len(res.claims)), types, "already stored" if res.skipped else "new",
            )
        out.print(table)
        new = sum(1 for r in results if not r.error and not r.skipped)
        skipped = sum(1 for r in results if r.skipped)
        out.print(f"{new} new, {skipped} already stored (nothing re-embedded), "
                  f"{sum(len(r.claims) for r in results if not r.error)} claims")
    failed = [r for r in results if r.error]
    if failed:
        err.print(f"{len(failed)} of {len(results)} inputs failed", highlight=False)
        raise typer.Exit(1)


@claims_app.command("list")
def claims_list(
    ctx: typer.Context,
    article: str = typer.Option(None, "--article", help="Only this article id."),
    status: str = typer.Option(None, "--status", help="new, in_review, needs_second_review, done."),
    min_score: float = typer.Option(None, "--min-score", min=0.0, max=1.0),
    limit: int = typer.Option(None, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List stored claims."""
    from .extract import claim_json

    ws = workspace(ctx)
    with errors():
        found = ws.store.list_claims(
            article_id=article, status=status, min_score=min_score, limit=limit
        )
    if as_json:
        for c in found:
            emit_json(claim_json(c))
        return
    table = Table()
    for col in ("id", "article", "type", "score", "status", "claim"):
        table.add_column(col, overflow="fold")
    for c in found:
        table.add_row(str(c.id), c.article_id[:18], c.type.value, f"{c.score:.2f}",
                      c.status.value, c.text)
    out.print(table)


@app.command()
def similar(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Claim text to look for."),
    k: int = typer.Option(5, "--k", min=1, help="How many claims."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Stored claims most similar to TEXT."""
    from .extract import similar_claims

    ws = workspace(ctx)
    with errors():
        hits = similar_claims(ws, text, k)
    if as_json:
        for h in hits:
            emit_json(h)
        return
    table = Table()
    for col in ("claim_id", "score", "text"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(str(h["claim_id"]), f"{h['score']:.3f}", h["text"])
    out.print(table)


@index_app.command("check")
def index_check(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per index."),
) -> None:
    """Compare each index with the database; exit 1 if any is stale."""
    ws = workspace(ctx)
    with errors():
        rows = ws.index_status()
    if as_json:
        for r in rows:
            emit_json(r)
    else:
        table = Table()
        for col in ("index", "rows", "vectors", "kind", "model", "status"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r["index"], str(r["rows"]), str(r.get("count", 0)), str(r.get("kind")),
                          str(r.get("model")), "ok" if r["ok"] else r["problem"])
        out.print(table)
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)


@index_app.command("rebuild")
def index_rebuild(
    ctx: typer.Context,
    name: list[str] = typer.Argument(None, help="claims, passages, archive (default: all)."),
) -> None:
    """Rebuild indexes from the database (cached embeddings are reused)."""
    from .workspace import INDEX_KINDS

    ws = workspace(ctx)
    kinds = name or list(INDEX_KINDS)
    for kind in kinds:
        if kind not in INDEX_KINDS:
            raise typer.BadParameter(f"unknown index {kind!r}; use one of {', '.join(INDEX_KINDS)}")
    for kind in kinds:
        with errors():
            idx = ws.rebuild_index(kind)
        out.print(f"rebuilt {kind}: {idx.count} vectors ({idx.kind})")


# -- command groups defined in their own modules (cli_<area>.py, each with `register(app)`) --
def _register_groups() -> None:
    modules: list[str] = [
        # one line per module, e.g. "cli_evidence",
        "cli_export",
        "cli_evidence",
    ]
    import importlib

    for name in modules:
        importlib.import_module(f".{name}", __package__).register(app)


_register_groups()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
