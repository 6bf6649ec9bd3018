"""CLI commands for sources, evidence suggestion, archive import/matching and claim checks.

Each command parses its arguments, calls one library function, and prints (``--json``: one
object per line). Commands that take many inputs go on past bad ones and exit 1 if any failed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from factcheck.cli.common import (
    ALLOW_PRIVATE_HELP,
    App,
    emit_json,
    err,
    errors,
    fail,
    out,
    private_hosts,
    workspace,
)
from factcheck.errors import FactcheckError, InputError

sources_app = App(help="Add and list source documents (evidence passages come from them).",
                          no_args_is_help=True, rich_markup_mode=None)
archive_app = App(help="Import earlier fact-checks (CSV or ClaimReview JSON-LD).",
                          no_args_is_help=True, rich_markup_mode=None)


def _error(message: str) -> None:
    err.print(f"[red]error[/red] {message}", markup=True, highlight=False, soft_wrap=True)


def read_queries(path: Path) -> list[tuple[str, str] | InputError]:
    """(id, text) records of a batch file: JSONL with `id` and `text`, or TSV with `id<TAB>text`.

    Bad records become InputError items naming file:line (the batch goes on).
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{name}: cannot read ({e.strerror}); give a .jsonl or .tsv file") from e
    from factcheck.io.readers import decode_bytes

    text = decode_bytes(raw, name)
    out_: list[tuple[str, str] | InputError] = []
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                out_.append(InputError(f"{name}:{lineno}: invalid JSON ({e.msg}); fix the line"))
                continue
            if not isinstance(obj, dict) or not str(obj.get("text") or "").strip():
                out_.append(InputError(f"{name}:{lineno}: need an object with `id` and `text`"))
                continue
            qid = obj.get("id")
            out_.append((str(lineno) if qid is None else str(qid), str(obj["text"])))
        return out_
    if suffix not in {".tsv", ".txt", ".tab"}:
        raise InputError(f"{name}: use a .jsonl file (id, text) or a .tsv with header id<TAB>text")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{name}: empty file; the first row must be the header id<TAB>text") from None
    if "text" not in header:
        raise InputError(f"{name}:1: no `text` column in the header; write id<TAB>text first")
    ti = header.index("text")
    ii = header.index("id") if "id" in header else None
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            out_.append(InputError(f"{name}:{line}: malformed TSV ({e}); fix the quoting"))
            break
        if not any(c.strip() for c in row):
            continue
        if len(row) <= ti or not row[ti].strip():
            out_.append(InputError(f"{name}:{line}: no text; each row needs id<TAB>text"))
            continue
        qid = row[ii] if ii is not None and ii < len(row) else str(line)
        out_.append((qid, row[ti]))
    return out_


def _split_batch(items: list[tuple[str, str] | InputError]) -> tuple[list[tuple[str, str]], int]:
    good: list[tuple[str, str]] = []
    bad = 0
    for item in items:
        if isinstance(item, InputError):
            _error(str(item))
            bad += 1
        else:
            good.append(item)
    return good, bad


# -- sources -----------------------------------------------------------------
@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files (.txt .md .html .pdf), folders, CSV/JSONL "
                                      "manifests (id,url,title,publisher,published,text|path), or "
                                      "http(s) links (fetched; a changed page is a new version)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per source per line."),
    allow_private_hosts: bool = typer.Option(False, "--allow-private-hosts", help=ALLOW_PRIVATE_HELP),
    engine: str = typer.Option("local", "--engine", metavar="local|ray",
                               help="ray: embed the passages on Ray (pip install 'factcheck[ray]')."),
    ray_address: str = typer.Option(None, "--ray-address", metavar="ADDRESS",
                                    help="Ray cluster (ray://HEAD:10001); default: start a local Ray."),
    workers: int = typer.Option(None, "--workers", min=1, help="Ray engine: model actors."),
) -> None:
    """Store source documents (files or links), split them into passages, embed and index them.

    Progress (on a terminal, not with --json): sources stored, then passages embedded with
    passages/s and the time left. An interrupted run keeps the sources stored and the passages
    embedded so far; running the same command again embeds only the rest."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from factcheck.cli.claims import RateColumn
    from factcheck.services.sources import add_sources

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"unknown engine {engine!r}; use local or ray", param_hint="--engine")
    if engine == "local" and (ray_address or workers):
        raise typer.BadParameter("--ray-address and --workers need --engine ray", param_hint="--engine")
    ws = workspace(ctx)

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                   TimeRemainingColumn(), console=err, disable=as_json or not err.is_terminal,
                   transient=True)
    stored = bar.add_task("sources", total=None)
    embedded = bar.add_task("passages embedded", total=None, visible=False)

    def show(res: Any) -> None:
        bar.advance(stored)
        if res.status == "error":
            _error(res.message or res.origin)
        elif as_json:
            emit_json(res.model_dump(mode="json"))

    def on_embedded(done: int, total: int) -> None:
        bar.update(embedded, completed=done, total=total, visible=True)

    with errors(), bar:
        if engine == "ray":
            from factcheck.services.ray_engine import RayOptions, add_sources_with_ray

            report = add_sources_with_ray(ws, paths, on_result=show,
                                          allow_private=private_hosts(allow_private_hosts),
                                          options=RayOptions(address=ray_address, workers=workers))
        else:
            report = add_sources(ws, paths, on_result=show, progress=on_embedded,
                                 allow_private=private_hosts(allow_private_hosts))
    if not as_json:
        for r in report.results:
            if r.status != "error":
                note = f"  ({r.message})" if r.message and r.status == "added" else ""
                if r.status == "skipped" and r.url and r.message and r.message.startswith("unchanged"):
                    note = f"  ({r.message})"
                out.print(f"{r.status:8} {r.source_id}  {r.passages} passages  {r.title or r.origin}{note}")
        err.print(f"{report.added} added, {report.skipped} already stored, {len(report.errors)} "
                  f"failed; {report.passages} new passages", highlight=False)
    if report.errors:
        raise typer.Exit(1)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per source per line."),
) -> None:
    """List stored sources with their passage counts."""
    from factcheck.services.sources import list_sources

    ws = workspace(ctx)
    with errors():
        rows = list_sources(ws)
    if as_json:
        for r in rows:
            emit_json(r)
        return
    table = Table()
    for col in ("source_id", "passages", "publisher", "title", "url"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["source_id"], str(r["passages"]), r["publisher"] or "", r["title"] or "",
                      r["url"] or "")
    out.print(table)


# -- suggest -----------------------------------------------------------------
def _suggestion_table(items: list[Any]) -> Table:
    table = Table()
    for col in ("passage", "score", "source", "values", "text"):
        table.add_column(col, overflow="fold")
    for s in items:
        flags = [f"= {m.passage.text}" for m in s.value_matches]
        flags += [f"≠ {c.passage.text} (claim {c.claim.text})" for c in s.value_conflicts]
        table.add_row(str(s.passage_id), f"{s.score:.3f}", s.source_title or s.source_id,
                      "\n".join(flags), s.text)
    return table


def _source_table(items: list[Any]) -> Table:
    table = Table()
    for col in ("source", "score", "passages", "best passage", "values"):
        table.add_column(col, overflow="fold")
    for s in items:
        flags = [f"= {m.passage.text}" for m in s.value_matches]
        flags += [f"≠ {c.passage.text} (claim {c.claim.text})" for c in s.value_conflicts]
        table.add_row(s.source_title or s.source_id, f"{s.score:.3f}", str(s.passages_matched),
                      f"[{s.passage_id}] {s.text}", "\n".join(flags))
    return table


def _row(s: Any, by: str) -> dict[str, Any]:
    return s.source_json() if by == "source" else s.contract_json()


def suggest_cmd(
    ctx: typer.Context,
    claim_id: int = typer.Argument(None, help="Claim id (see `factcheck claims list`)."),
    text: str = typer.Option(None, "--text", help="Free text instead of a claim id."),
    file: Path = typer.Option(None, "--file", help="Batch: JSONL (id, text) or TSV (id<TAB>text)."),
    k: int = typer.Option(5, "--k", min=1, help="How many sources (each shown by its best passage)."),
    by: str = typer.Option("passage", "--by", help="Row shape: `passage` (the best passage of "
                           "each source) or `source` (source, score, best passage, passages matched)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per row per line."),
) -> None:
    """Evidence for a claim: the k best sources (dense + BM25, scored per source), best first."""
    from factcheck.search.evidence import SuggestQuery, suggest, suggest_many

    given = sum(x is not None for x in (claim_id, text, file))
    if given != 1:
        raise fail("give exactly one of CLAIM_ID, --text or --file", 2)
    if by not in ("passage", "source"):
        raise fail(f"--by {by!r}: give --by passage or --by source", 2)
    ws = workspace(ctx)
    if file is not None:
        with errors():
            items, bad = _split_batch(read_queries(file))
            results = suggest_many(ws, [SuggestQuery(text=t, id=q) for q, t in items], k)
        for (qid, _), found in zip(items, results):
            for rank, s in enumerate(found, 1):
                if as_json:
                    emit_json({"query_id": qid, **_row(s, by), "rank": rank})
                elif by == "source":
                    out.print(f"{qid}\t{rank}\t{s.source_id}\t{s.score:.3f}\t{s.passages_matched}\t"
                              f"{s.text[:100]}")
                else:
                    out.print(f"{qid}\t{rank}\t{s.passage_id}\t{s.score:.3f}\t{s.text[:100]}")
        if bad:
            raise typer.Exit(1)
        return
    with errors():
        found = suggest(ws, claim_id=claim_id, text=text, k=k)
    if not found:
        err.print("no passages; add sources with `factcheck sources add`", highlight=False)
    if as_json:
        for s in found:
            emit_json(_row(s, by))
        return
    out.print(_source_table(found) if by == "source" else _suggestion_table(found))


# -- archive -----------------------------------------------------------------
@archive_app.command("import")
def archive_import(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="CSV (id,claim,verdict,url,date,title) or "
                                       "ClaimReview .jsonld/.json files."),
    as_json: bool = typer.Option(False, "--json", help="One JSON summary per file."),
) -> None:
    """Import earlier fact-checks; duplicates are skipped, malformed rows reported and skipped."""
    from factcheck.services.archive import import_archive

    ws = workspace(ctx)
    failed = False
    for path in paths:
        with errors():
            report = import_archive(ws, path)
        for e in report.errors:
            _error(e)
        failed = failed or bool(report.errors)
        if as_json:
            emit_json({"file": report.origin, "added": report.added, "skipped": report.skipped,
                       "errors": len(report.errors)})
        else:
            out.print(f"{report.origin}: {report.added} added, {report.skipped} already stored, "
                      f"{len(report.errors)} malformed")
    if failed:
        raise typer.Exit(1)


# -- match -------------------------------------------------------------------
def match_cmd(
    ctx: typer.Context,
    query: str = typer.Argument(None, help="Claim text, or a claim id."),
    text: str = typer.Option(None, "--text", help="Claim text (even if it is all digits)."),
    file: Path = typer.Option(None, "--file", help="Batch: JSONL (id, text) or TSV (id<TAB>text)."),
    k: int = typer.Option(5, "--k", min=1, help="How many earlier fact-checks."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per match per line."),
) -> None:
    """Earlier fact-checks (imported archive and verdicts recorded here) of the same claim."""
    from factcheck.search.archive_match import match, match_many, parse_query

    given = sum(x is not None for x in (query, text, file))
    if given != 1:
        raise fail("give exactly one of TEXT|CLAIM_ID, --text or --file", 2)
    ws = workspace(ctx)
    if file is not None:
        with errors():
            items, bad = _split_batch(read_queries(file))
            results = match_many(ws, [t for _, t in items], k)
        for (qid, _), found in zip(items, results):
            for rank, m in enumerate(found, 1):
                if as_json:
                    emit_json({"query_id": qid, **m.contract_json(), "rank": rank})
                else:
                    out.print(f"{qid}\t{rank}\t{m.archive_id}\t{m.score:.3f}\t{m.verdict}\t{m.claim}")
        if bad:
            raise typer.Exit(1)
        return
    with errors():
        q: str | int = text if text is not None else parse_query(ws, query)
        found = match(ws, q, k)
    if not found:
        err.print("no earlier fact-checks; import some with `factcheck archive import`",
                  highlight=False)
    if as_json:
        for m in found:
            emit_json(m.contract_json())
        return
    table = Table()
    for col in ("archive_id", "score", "verdict", "claim", "url"):
        table.add_column(col, overflow="fold")
    for m in found:
        table.add_row(m.archive_id, f"{m.score:.3f}", m.verdict or "", m.claim, m.url or "")
    out.print(table)


# -- check -------------------------------------------------------------------
def check_cmd(
    ctx: typer.Context,
    claim_ids: list[int] = typer.Argument(..., help="Claim ids."),
    as_json: bool = typer.Option(False, "--json", help="One JSON report per claim per line."),
) -> None:
    """Quote and number checks against linked (else suggested) evidence."""
    from factcheck.services.checks import check_claim

    ws = workspace(ctx)
    failed = False
    for cid in claim_ids:
        try:
            report = check_claim(ws, cid)
        except FactcheckError as e:
            _error(str(e))
            failed = True
            continue
        if as_json:
            emit_json(report.model_dump(mode="json"))
            continue
        out.print(f"claim {report.claim_id}: {report.text}")
        out.print(f"  evidence: {report.evidence_from} ({len(report.evidence)} passages)")
        for q in report.quotes:
            where = f" in {q.best.source_title or q.best.source_id}" if q.best else ""
            out.print(f"  quote {q.status}{where}: {q.quote[:80]!r}")
            if q.best and q.best.status == "altered":
                out.print(f"    diff: {q.best.diff_text}")
        for n in report.numbers:
            out.print(f"  value {n.claim_value.text!r}: {n.status}")
        for f in report.flags:
            out.print(f"  [yellow]flag[/yellow] {f}", markup=True)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `sources`, `archive`, `suggest`, `match` and `check` to the factcheck app."""
    app.add_typer(sources_app, name="sources")
    app.add_typer(archive_app, name="archive")
    app.command("suggest")(suggest_cmd)
    app.command("match")(match_cmd)
    app.command("check")(check_cmd)
