"""`index check` and `index rebuild`: the FAISS indexes against the database."""

from __future__ import annotations

import typer
from rich.table import Table

from factcheck.cli.common import App, emit_json, errors, out, workspace

index_app = App(help="Check or rebuild the FAISS indexes.", no_args_is_help=True,
                        rich_markup_mode=None)


@index_app.command("check")
def index_check(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per index."),
) -> None:
    """Compare each index with the database and the configured model and encoder (the encoder
    column says which one built each index: torch or onnx-int8); exit 1 if any is stale."""
    ws = workspace(ctx)
    with errors():
        rows = ws.index_status()
    if as_json:
        for r in rows:
            emit_json(r)
    else:
        table = Table()
        for col in ("index", "rows", "vectors", "kind", "model", "encoder", "status"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r["index"], str(r["rows"]), str(r.get("count", 0)), str(r.get("kind")),
                          str(r.get("model")), str(r.get("encoder")), "ok" if r["ok"] else "stale")
        out.print(table)
        for r in rows:  # the fix in full, never folded into a narrow column
            if not r["ok"]:
                out.print(f"{r['index']}: {r['problem']}", soft_wrap=True, highlight=False)
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)


@index_app.command("rebuild")
def index_rebuild(
    ctx: typer.Context,
    name: list[str] = typer.Argument(None, help="claims, passages, archive (default: all)."),
) -> None:
    """Rebuild indexes from the database (cached embeddings are reused)."""
    from factcheck.workspace import INDEX_KINDS

    ws = workspace(ctx)
    kinds = name or list(INDEX_KINDS)
    for kind in kinds:
        if kind not in INDEX_KINDS:
            raise typer.BadParameter(f"unknown index {kind!r}; use one of {', '.join(INDEX_KINDS)}")
    for kind in kinds:
        with errors():
            idx = ws.rebuild_index(kind)
        out.print(f"rebuilt {kind}: {idx.count} vectors ({idx.kind})")


def register(app: typer.Typer) -> None:
    """Add `index` to the factcheck app."""
    app.add_typer(index_app, name="index")
