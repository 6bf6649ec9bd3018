"""`feeds add`, `feeds list` and `feeds poll`: RSS/Atom feeds for monitoring, new items → articles.

`feeds poll` is made for cron or a systemd timer: it prints one line per feed and a summary
(feeds, new items, articles, claims, errors) and exits 1 if any feed (or item) failed.
"""

from __future__ import annotations

from typing import Any

import typer

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

feeds_app = App(help="RSS/Atom feeds to monitor: new items become articles with claims.",
                        no_args_is_help=True, rich_markup_mode=None)


def _error(message: str) -> None:
    err.print(f"[red]error[/red] {message}", markup=True, highlight=False, soft_wrap=True)


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="The feed's address (RSS or Atom)."),
    name: str = typer.Option(None, "--name", help="A name to show for the feed."),
    as_json: bool = typer.Option(False, "--json", help="The feed as one JSON object."),
) -> None:
    """Add a feed to poll (nothing is fetched until `factcheck feeds poll`)."""
    from factcheck.services.feeds import add_feed

    ws = workspace(ctx)
    with errors():
        feed, added = add_feed(ws, url, name)
    if as_json:
        emit_json({"feed_id": feed.id, "url": feed.url, "name": feed.name, "added": added})
        return
    if added:
        out.print(f"added feed {feed.id}: {feed.name or feed.url}  {feed.url}")
    else:
        out.print(f"feed {feed.id} already polls {feed.url}; nothing added")


@feeds_app.command("list")
def feeds_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per feed per line."),
) -> None:
    """List the feeds with their last poll and what they brought."""
    from factcheck.services.feeds import list_feeds

    ws = workspace(ctx)
    with errors():
        rows = list_feeds(ws)
    if as_json:
        for r in rows:
            emit_json(r)
        return
    if not rows:
        err.print("no feeds; add one with `factcheck feeds add URL --name NAME`", highlight=False)
        return
    for r in rows:
        polled = (r["last_polled_at"] or "never")[:16].replace("T", " ")
        status = f" (HTTP {r['last_status']})" if r["last_status"] else ""
        line = (f"{r['feed_id']}  {r['name'] or r['title'] or r['url']}  {r['url']}  last poll {polled}"
                f"{status}  {plural(r['items'], 'item')}, {plural(r['articles'], 'article')}, "
                f"{plural(r['claims'], 'claim')}")
        if r["last_error"]:
            line += f"  last error: {r['last_error']}"
        out.print(line)


@feeds_app.command("poll")
def feeds_poll(
    ctx: typer.Context,
    feed: list[int] = typer.Option(None, "--feed", help="Only this feed id (repeatable)."),
    min_score: float = typer.Option(None, "--min-score", min=0.0, max=1.0,
                                    help="Check-worthiness threshold for the new articles."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per feed per line."),
    allow_private_hosts: bool = typer.Option(False, "--allow-private-hosts", help=ALLOW_PRIVATE_HELP),
) -> None:
    """Poll the feeds: new items since the last poll become articles (for cron / systemd timers)."""
    from factcheck.services.feeds import poll_feeds

    ws = workspace(ctx)

    def show(res: Any) -> None:
        if res.error:
            _error(res.error)
        for e in res.item_errors:
            _error(e)
        if as_json:
            emit_json(res.model_dump(mode="json"))
            return
        name = res.name or res.url
        if res.status == "not_modified":
            out.print(f"{name}: not modified")
        elif res.status == "ok":
            extra = f" ({res.from_summary} from the feed summary)" if res.from_summary else ""
            out.print(f"{name}: {plural(res.new_items, 'new item')} of {res.items}, "
                      f"{plural(res.articles, 'article')}{extra}, {plural(res.claims, 'claim')}")
        else:
            out.print(f"{name}: failed")

    with errors():
        report = poll_feeds(ws, feed or None, min_score=min_score,
                            allow_private=private_hosts(allow_private_hosts), on_result=show)
    if not report.feeds:
        err.print("no feeds; add one with `factcheck feeds add URL --name NAME`", highlight=False)
    errors_n = len(report.errors)
    summary = (f"{plural(len(report.feeds), 'feed')}, {plural(report.new_items, 'new item')}, "
               f"{plural(report.articles, 'article')}, {plural(report.claims, 'claim')}, "
               f"{plural(errors_n, 'error')}")
    if as_json:
        err.print(summary, highlight=False, soft_wrap=True)
    else:
        out.print(summary)
    if errors_n:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `feeds` to the factcheck app."""
    app.add_typer(feeds_app, name="feeds")
