"""`extract`, `claims list` and `similar`: articles in, claims out."""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from factcheck.cli.common import (
    ALLOW_PRIVATE_HELP,
    App,
    emit_json,
    err,
    errors,
    out,
    plural,
    private_hosts,
    workspace,
)


class RateColumn(ProgressColumn):
    """Items per second of a task (blank until measured)."""

    def render(self, task: Any) -> Text:
        """The task's rate, e.g. ``12.3/s``."""
        return Text(f"{task.speed:,.1f}/s" if task.speed else "", style="progress.data.speed")


claims_app = App(help="List stored claims.", no_args_is_help=True, rich_markup_mode=None)


def extract(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, folders, http(s) links (fetched), or - for stdin."),
    min_score: float = typer.Option(None, "--min-score", min=0.0, max=1.0,
                                    help="Check-worthiness threshold (0 = every sentence); "
                                         "given, it wins over --mode."),
    mode: str = typer.Option(None, "--mode", metavar="thorough|focused",
                             help="Operating point: thorough (recall-leaning, the default) or focused "
                                  "(precision-leaning; fewer, surer claims). Default: FACTCHECK_MODE. "
                                  "An explicit --min-score wins."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per claim per line."),
    allow_private_hosts: bool = typer.Option(False, "--allow-private-hosts", help=ALLOW_PRIVATE_HELP),
    engine: str = typer.Option("local", "--engine", metavar="local|ray",
                               help="local: this process; ray: Ray Data (pip install 'factcheck[ray]')."),
    ray_address: str = typer.Option(None, "--ray-address", metavar="ADDRESS",
                                    help="Ray cluster (ray://HEAD:10001); default: start a local Ray."),
    out_dir: str = typer.Option(None, "--out", metavar="DIR",
                            help="Ray engine: write Parquet shards here instead of the database "
                                 "(then `factcheck load DIR`)."),
    workers: int = typer.Option(None, "--workers", min=1,
                                help="Ray engine: model actors (default: one per core, at most 4, "
                                     "locally; else cluster CPUs)."),
) -> None:
    """Split articles (files or links) into sentences, pick check-worthy claims, embed and index them."""
    from factcheck.services.extract import claim_json, extract_paths
    from factcheck.services.pipeline import estimate_documents

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"unknown engine {engine!r}; use local or ray", param_hint="--engine")
    if engine == "local" and (out_dir or ray_address or workers):
        raise typer.BadParameter("--out, --ray-address and --workers need --engine ray",
                                 param_hint="--engine")

    if mode is not None:
        from factcheck.config import MODES

        if mode not in MODES:
            raise typer.BadParameter(f"unknown mode {mode!r}; use {' or '.join(MODES)}",
                                     param_hint="--mode")
        if min_score is None:
            from factcheck.ml.checkworthy import mode_threshold

            min_score = mode_threshold(mode)

    ws = workspace(ctx)
    results: list[Any] = []
    show = not as_json and err.is_terminal
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not show, transient=True,
    ) as progress:
        task = progress.add_task("documents", total=estimate_documents(paths))
        embedded = progress.add_task("sentences embedded", total=None)
        claims_done = progress.add_task("claims", total=None)

        def on_result(res: Any) -> None:
            progress.advance(task)
            progress.advance(claims_done, len(res.claims))
            if res.error:
                err.print(f"[red]error[/red] {res.error}", markup=True, highlight=False, soft_wrap=True)

        with errors():
            if engine == "ray":
                from factcheck.services.ray_engine import RayOptions, extract_with_ray

                results = extract_with_ray(
                    ws, paths, min_score=min_score, out=out_dir, on_result=on_result,
                    options=RayOptions(address=ray_address, workers=workers),
                    allow_private=private_hosts(allow_private_hosts),
                )
            else:
                results = extract_paths(
                    ws, paths, min_score=min_score, on_result=on_result,
                    on_embedded=lambda n: progress.advance(embedded, n),
                    allow_private=private_hosts(allow_private_hosts),
                )
    if as_json:
        for res in results:
            for claim in res.claims:
                emit_json(claim_json(claim))
    else:
        table = Table(title="Extraction")
        for col in ("file", "title", "sentences", "claims", "by type", "status"):
            table.add_column(col, overflow="fold")
        for res in results:
            if res.error:
                continue
            types = ", ".join(f"{k} {v}" for k, v in sorted(res.by_type.items()))
            table.add_row(
                res.origin or res.article_id or "", (res.title or "")[:50], str(res.sentences),
                str(len(res.claims)), types, "already stored" if res.skipped else "new",
            )
        out.print(table)
        new = sum(1 for r in results if not r.error and not r.skipped)
        skipped = sum(1 for r in results if r.skipped)
        where = (f" (Parquet shards in {out_dir}; load them with `factcheck load {out_dir}`)"
                 if out_dir else "")
        out.print(f"{new} new, {skipped} already stored (nothing re-embedded), "
                  f"{sum(len(r.claims) for r in results if not r.error)} claims{where}")
    failed = [r for r in results if r.error]
    if failed:
        if len(results) > 1:  # one input: its error line says it all
            err.print(f"{len(failed)} of {len(results)} inputs failed", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def claims_list(
    ctx: typer.Context,
    article: str = typer.Option(None, "--article", help="Only this article id."),
    status: str = typer.Option(None, "--status", help="new, in_review, needs_second_review, done."),
    min_score: float = typer.Option(None, "--min-score", min=0.0, max=1.0),
    limit: int = typer.Option(None, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List stored claims."""
    from factcheck.services.extract import claim_json

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


def similar(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Claim text to look for."),
    k: int = typer.Option(5, "--k", min=1, help="How many claims."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Stored claims most similar to TEXT."""
    from factcheck.search.claims import similar_claims

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


def load(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="DIR", help="Parquet shards written by `extract --out`."),
) -> None:
    """Bulk-load Parquet shards from `extract --out` into the database and build the claim index."""
    from factcheck.services.load import load_parquet

    ws = workspace(ctx)
    show = err.is_terminal
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), console=err, disable=not show, transient=True,
    ) as progress:
        task = progress.add_task("documents", total=None)

        def on_result(res: Any) -> None:
            progress.advance(task)
            if res.error:
                err.print(f"[red]error[/red] {res.error}", markup=True, highlight=False, soft_wrap=True)

        with errors():
            results = load_parquet(ws, path, on_result=on_result)
    new = [r for r in results if not r.error and not r.skipped]
    skipped = sum(1 for r in results if r.skipped)
    failed = [r for r in results if r.error]
    out.print(f"loaded {plural(len(new), 'article')}, {plural(sum(len(r.claims) for r in new), 'claim')}; "
              f"{skipped} already stored; {len(failed)} failed in extraction")
    if failed:
        raise typer.Exit(1)


claims_app.command("list")(claims_list)


def register(app: typer.Typer) -> None:
    """Add `extract`, `claims` and `similar` to the factcheck app."""
    app.command("extract")(extract)
    app.command("load")(load)
    app.add_typer(claims_app, name="claims")
    app.command("similar")(similar)
