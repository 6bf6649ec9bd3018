"""`train checkworthy --from-reviews`: adapt the check-worthiness scorer to the desk's decisions."""

from __future__ import annotations

import typer

from factcheck.cli.common import App, emit_json, err, errors, out, workspace

train_app = App(help="Adapt models to this desk.", no_args_is_help=True, rich_markup_mode=None)


@train_app.command("checkworthy")
def train_checkworthy(
    ctx: typer.Context,
    from_reviews: bool = typer.Option(False, "--from-reviews",
                                      help="Learn from the desk's kept and dismissed claims."),
    reset: bool = typer.Option(False, "--reset", help="Remove the adapted weights (use the shipped ones)."),
    as_json: bool = typer.Option(False, "--json", help="The report as one JSON object."),
) -> None:
    """Fit the check-worthiness scorer's final layer on review decisions; saved beside the database."""
    from factcheck.services.train import report_lines, reset_adapted, train_from_reviews

    if from_reviews == reset:
        raise typer.BadParameter("give --from-reviews (learn) or --reset (go back to the shipped "
                                 "weights); the base model is trained by scripts/train_checkworthy.py")
    ws = workspace(ctx)
    with errors():
        if reset:
            path = reset_adapted(ws)
            err.print(f"removed {path}" if path else "no adapted weights here; nothing to do",
                      highlight=False)
            return
        report = train_from_reviews(ws)
    if as_json:
        emit_json(report.model_dump())
        return
    for line in report_lines(report):
        out.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `train` to the factcheck app."""
    app.add_typer(train_app, name="train")
