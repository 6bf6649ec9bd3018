"""CLI: `export csv|claimreview|jsonl`, `import jsonl` and `review` (the scripted save button).

Exit codes: 0 ok; 1 a library error or malformed dump lines; 2 usage; 3 a conflict (a stale
``--expect-version``, or an import that kept newer stored records); 4 permission denied (team
mode: an unknown user, a wrong password, or a role that does not allow the action).

Team mode (``FACTCHECK_AUTH`` set, a PostgreSQL database, or ``FACTCHECK_TEAM=1``): ``review``
needs ``--reviewer NAME``, a user of the users file, and that user's password
(``FACTCHECK_PASSWORD``, else a prompt in a terminal); the role comes from the file and the same
rules as in the app apply (:func:`factcheck.services.auth.authorise`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import typer

from factcheck.cli.common import App, actor, emit_json, errors, out, plural, workspace

export_app = App(help="Export verdicts: CSV, ClaimReview JSON-LD, JSONL dump.",
                         no_args_is_help=True, rich_markup_mode=None)
import_app = App(help="Import a JSONL dump (merges into the database).",
                         no_args_is_help=True, rich_markup_mode=None)

STDOUT = "-"


def _to_stdout(write_to: object, suffix: str) -> None:
    """Run an exporter into a temp file and copy it to stdout (for ``-`` as the path)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out{suffix}"
        write_to(path)  # type: ignore[operator]
        sys.stdout.flush()
        sys.stdout.buffer.write(path.read_bytes())
        sys.stdout.flush()


@export_app.command("csv")
def export_csv_cmd(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="Output file (- for stdout)."),
    article: str = typer.Option(None, "--article", help="Only claims of this article id."),
    status: str = typer.Option(None, "--status",
                               help="Only this status: new, in_review, needs_second_review, done, "
                                    "dismissed [default: all but dismissed]."),
    excel: bool = typer.Option(False, "--excel", help="Add a UTF-8 BOM so Excel detects UTF-8."),
) -> None:
    """One row per claim with its verdict, rationale and evidence (safe to open in a spreadsheet)."""
    from factcheck.services.export import export_csv

    ws = workspace(ctx)
    with errors():
        if path == STDOUT:
            _to_stdout(lambda p: export_csv(ws, p, article_id=article, status=status, excel=excel),
                       ".csv")
            return
        report = export_csv(ws, path, article_id=article, status=status, excel=excel)
    out.print(f"wrote {plural(report.written, 'claim')} to {report.path}")


@export_app.command("claimreview")
def export_claimreview_cmd(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="Output file, e.g. checks.jsonld (- for stdout)."),
    publisher: str = typer.Option(..., "--publisher", help="Name of the fact-checking desk."),
    publisher_url: str = typer.Option(..., "--publisher-url", help="Home page of the desk."),
    url_template: str = typer.Option(
        None, "--url-template",
        help="URL of each fact-check page; {publisher_url}, {claim_id}, {article_id} "
             "[default: {publisher_url}#claim-{claim_id}]."),
    article: str = typer.Option(None, "--article", help="Only claims of this article id."),
    status: str = typer.Option(None, "--status", help="Only claims with this status (e.g. done)."),
) -> None:
    """A JSON array of schema.org ClaimReview objects, one per claim with a verdict."""
    from factcheck.services.export import export_claimreview

    ws = workspace(ctx)
    kw = dict(publisher=publisher, publisher_url=publisher_url, url_template=url_template,
              article_id=article, status=status)
    with errors():
        if path == STDOUT:
            _to_stdout(lambda p: export_claimreview(ws, p, **kw), ".jsonld")
            return
        report = export_claimreview(ws, path, **kw)
    out.print(f"wrote {plural(report.written, 'ClaimReview object')} to {report.path}; skipped "
              f"{plural(report.skipped_without_verdict, 'claim')} without a verdict")


@export_app.command("jsonl")
def export_jsonl_cmd(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="Output file, e.g. dump.jsonl (- for stdout)."),
) -> None:
    """Dump every record (articles ... review events, archive) as JSON lines."""
    from factcheck.services.dump import export_jsonl

    ws = workspace(ctx)
    with errors():
        if path == STDOUT:
            _to_stdout(lambda p: export_jsonl(ws, p), ".jsonl")
            return
        report = export_jsonl(ws, path)
    out.print(f"dumped {plural(report.written, 'record')} to {report.path}")


@import_app.command("jsonl")
def import_jsonl_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A dump written by `factcheck export jsonl`."),
    as_json: bool = typer.Option(False, "--json", help="The report as one JSON object."),
) -> None:
    """Merge a dump into the database: no duplicates, newer stored verdicts kept (exit 3)."""
    from factcheck.services.dump import import_jsonl

    ws = workspace(ctx)
    with errors():
        report = import_jsonl(ws, path)
    for line in report.errors:
        typer.echo(f"error {line}", err=True)
    for line in report.conflicts:
        typer.echo(line, err=True)
    if as_json:
        emit_json({
            "added": report.added, "updated": report.updated, "skipped_same": report.skipped_same,
            "conflicts": report.conflicts, "errors": report.errors,
            "tables": {t: dict(c) for t, c in sorted(report.by_table.items())},
        })
    else:
        out.print(f"imported {path}: {report.added} added, {report.updated} updated, "
                  f"{report.skipped_same} already present, {len(report.conflicts)} conflicts, "
                  f"{len(report.errors)} bad lines")
        if report.added or report.updated:
            out.print("indexes are derived from the database: `factcheck index rebuild` "
                      "brings them up to date")
    if report.errors:
        raise typer.Exit(1)
    if report.conflicts:
        raise typer.Exit(3)


def review_cmd(
    ctx: typer.Context,
    claim_id: int = typer.Argument(..., help="Claim id (see `factcheck claims list`)."),
    verdict: str = typer.Option(..., "--verdict", help="A label of the verdict scale, e.g. False."),
    rationale: str = typer.Option("", "--rationale", help="Why: the reviewer's explanation."),
    link: list[str] = typer.Option(None, "--link",
                                   help="PASSAGE_ID:supports|refutes|context (repeatable)."),
    reviewer: str = typer.Option(
        None, "--reviewer",
        help="Who saves [default: OS user name]. Team mode: required, a user of the users file "
             "(FACTCHECK_AUTH), password from FACTCHECK_PASSWORD or a prompt."),
    expect_version: int = typer.Option(
        None, "--expect-version", min=1,
        help="Claim version you read; if it changed since, exit 3 (conflict) instead of saving."),
    status: str = typer.Option("done", "--status",
                               help="Claim status after the save (done or needs_second_review)."),
    as_json: bool = typer.Option(False, "--json", help="The saved verdict as one JSON object."),
) -> None:
    """Record a verdict (same library call and history event as the app's save button)."""
    from factcheck.services.review import parse_link, set_verdict

    who = actor(ctx, reviewer)
    ws = workspace(ctx)
    with errors():
        links = [parse_link(spec) for spec in link or []]
        saved = set_verdict(ws, claim_id, verdict, who, rationale,
                            expect_version=expect_version, links=links, status=status)
    if as_json:
        emit_json(saved.model_dump(mode="json"))
    else:
        out.print(f"claim {saved.claim_id}: {saved.label!r} by {saved.reviewer} "
                  f"(version {saved.version}, {len(links)} links)")


def register(app: typer.Typer) -> None:
    """Add the export/import groups and the `review` command to the main app."""
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
    app.command("review")(review_cmd)
