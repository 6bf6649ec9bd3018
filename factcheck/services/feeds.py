"""Feeds for monitoring: add RSS/Atom feeds, poll them, turn new items into articles.

:func:`poll_feeds` polls every feed (or the ones asked for) with conditional requests (the stored
ETag / Last-Modified; a 304 costs nothing), keeps the items not seen before (de-duplicated across
all feeds by link — else guid — and by content hash, :func:`factcheck.io.feeds.new_items`), fetches
each new item's page with :func:`~factcheck.io.fetch.fetch_document` and extracts it as an article
with the same forward path as ``factcheck extract`` (:func:`factcheck.services.extract.extract_documents`).

Decisions:

* **Page fails → summary.** When an item's page cannot be fetched (or robots.txt disallows it) and
  the feed gives a summary, the article is made from the item's title and summary (status
  ``summary``; the fetch error is kept on the item) — a claim in a summary is still worth a look.
  Without a summary the item is an error: it is not recorded as seen, and the feed's ETag /
  Last-Modified are not updated, so the next poll fetches the whole feed again and retries it.
* **One feed failing never stops the others**; its error is kept on the feed (``last_error``) and
  counted in the report, and the command exits 1.
* The feed itself honours robots.txt (a monitor is a robot); state lives in the ``feeds`` and
  ``feed_items`` tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from factcheck.db import links as db_links
from factcheck.errors import FactcheckError, InputError
from factcheck.io.feeds import FeedItem, new_items, poll_feed
from factcheck.io.fetch import FetchError, robots_allowed
from factcheck.io.readers import Document
from factcheck.models import Feed, FeedItemRecord
from factcheck.services.links import fetch_link, fetch_options, is_url

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)


class FeedPoll(BaseModel):
    """What one poll of one feed did."""

    feed_id: int
    url: str
    name: str | None = None
    status: str = Field(description="ok | not_modified | error")
    items: int = Field(default=0, description="items in the feed")
    new_items: int = 0
    articles: int = Field(default=0, description="new articles stored")
    claims: int = Field(default=0, description="claims in the new articles")
    from_summary: int = Field(default=0, description="articles made from the item summary")
    error: str | None = Field(default=None, description="why the feed failed")
    item_errors: list[str] = Field(default_factory=list, description="items that could not be read")


class PollReport(BaseModel):
    """The result of :func:`poll_feeds`, one :class:`FeedPoll` per feed."""

    feeds: list[FeedPoll] = Field(default_factory=list)

    @property
    def new_items(self) -> int:
        """New items over all feeds."""
        return sum(f.new_items for f in self.feeds)

    @property
    def articles(self) -> int:
        """New articles over all feeds."""
        return sum(f.articles for f in self.feeds)

    @property
    def claims(self) -> int:
        """Claims in the new articles."""
        return sum(f.claims for f in self.feeds)

    @property
    def errors(self) -> list[str]:
        """Every feed error and item error, one line each."""
        out: list[str] = []
        for f in self.feeds:
            if f.error:
                out.append(f.error)
            out.extend(f.item_errors)
        return out


def add_feed(ws: Workspace, url: str, name: str | None = None) -> tuple[Feed, bool]:
    """Store a feed to poll; returns (feed, added). Nothing is fetched until the next poll."""
    url = url.strip()
    if not is_url(url):
        raise InputError(f"{url}: not an http(s) link; give the feed's full address "
                         "(often /feed, /rss or /atom.xml)")
    return db_links.add_feed(ws.store.engine, url, (name or "").strip() or None)


def list_feeds(ws: Workspace) -> list[dict[str, Any]]:
    """Every feed with its poll state and what it brought (items, articles, claims)."""
    counts = db_links.feed_item_counts(ws.store.engine)
    out = []
    for f in db_links.list_feeds(ws.store.engine):
        c = counts.get(int(f.id), {"items": 0, "articles": 0, "claims": 0})  # type: ignore[arg-type]
        out.append({
            "feed_id": f.id, "url": f.url, "name": f.name, "title": f.title,
            "last_polled_at": f.last_polled_at.isoformat() if f.last_polled_at else None,
            "last_status": f.last_status, "last_error": f.last_error, **c,
        })
    return out


def _summary_document(item: FeedItem, feed: Feed, error: str) -> Document | None:
    if not item.summary:
        return None
    text = f"{item.title}\n\n{item.summary}" if item.title else item.summary
    return Document(text=text, title=item.title, url=item.link, published=item.published,
                    origin=f"{feed.url}: summary of {item.link or item.key}",
                    extra={"feed_summary": True, "fetch_error": error})


def _item_document(ws: Workspace, item: FeedItem, feed: Feed, opts: dict[str, Any]) -> Document | InputError:
    """The item's page as a Document, else its summary, else the error."""
    error = "no link"
    if item.link:
        try:
            if not robots_allowed(item.link, allow_private=opts.get("allow_private", False)):
                raise FetchError(f"{item.link}: robots.txt of the site disallows fetching it; "
                                 "ask the site for permission or remove the feed", url=item.link)
            doc = fetch_link(ws, item.link, allow_private=opts.get("allow_private"))
            doc.title = doc.title or item.title
            doc.published = doc.published or item.published
            doc.origin = item.link
            return doc
        except FetchError as e:
            error = str(e)
    summary = _summary_document(item, feed, error)
    if summary is not None:
        log.warning("%s; using the feed's summary of the item", error)
        return summary
    return InputError(f"{feed.url}: item {item.link or item.key}: {error}; the feed gives no summary "
                      "either, it is retried on the next poll")


def _poll_one(ws: Workspace, feed: Feed, opts: dict[str, Any], min_score: float | None) -> FeedPoll:
    from factcheck.services.extract import extract_documents

    fid = int(feed.id)  # type: ignore[arg-type]
    res = FeedPoll(feed_id=fid, url=feed.url, name=feed.name, status="ok")
    now = datetime.now(UTC)
    try:
        got = poll_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified, **opts)
    except FactcheckError as e:
        res.status, res.error = "error", str(e)
        db_links.update_feed(ws.store.engine, fid, last_polled_at=now, last_error=str(e),
                             last_status=getattr(e, "status", None))
        return res
    if got.not_modified:
        res.status = "not_modified"
        db_links.update_feed(ws.store.engine, fid, last_polled_at=now, last_status=got.status,
                             last_error=None, etag=got.etag, last_modified=got.last_modified)
        return res
    res.items = len(got.items)
    keys, hashes = db_links.seen_items(ws.store.engine)
    fresh = new_items(got.items, keys, hashes)
    res.new_items = len(fresh)
    docs = [_item_document(ws, item, feed, opts) for item in fresh]
    results = extract_documents(ws, docs, min_score=min_score) if docs else []
    records: list[FeedItemRecord] = []
    for item, doc, r in zip(fresh, docs, results):
        if isinstance(doc, InputError) or r.error:
            res.item_errors.append(r.error or str(doc))
            continue
        summary = bool(doc.extra.get("feed_summary"))
        res.from_summary += summary
        if not r.skipped:
            res.articles += 1
            res.claims += len(r.claims)
        records.append(FeedItemRecord(
            feed_id=fid, key=item.key, link=item.link, title=item.title, published=item.published,
            content_hash=item.content_hash, article_id=r.article_id,
            status="summary" if summary else "article",
            error=doc.extra.get("fetch_error") if summary else None,
        ))
    db_links.record_items(ws.store.engine, records)
    state: dict[str, Any] = {"last_polled_at": now, "last_status": got.status, "title": got.title,
                             "last_error": None}
    if not res.item_errors:  # else poll the whole feed next time, to retry the failed items
        state.update(etag=got.etag, last_modified=got.last_modified)
    else:
        state.update(etag=None, last_modified=None)
    db_links.update_feed(ws.store.engine, fid, **state)
    return res


def poll_feeds(
    ws: Workspace,
    feed_ids: Iterable[int] | None = None,
    *,
    min_score: float | None = None,
    allow_private: bool | None = None,
    on_result: Callable[[FeedPoll], None] | None = None,
) -> PollReport:
    """Poll feeds (all, or `feed_ids`) and extract their new items; one failing feed never stops
    the others. Returns a :class:`PollReport` (feeds, new items, articles, claims, errors)."""
    opts = fetch_options(ws, allow_private=allow_private)
    report = PollReport()
    for feed in db_links.list_feeds(ws.store.engine, feed_ids):
        try:
            res = _poll_one(ws, feed, opts, min_score)
        except Exception as e:  # noqa: BLE001 - one broken feed must not stop the others
            log.exception("polling %s failed", feed.url)
            res = FeedPoll(feed_id=int(feed.id), url=feed.url, name=feed.name,  # type: ignore[arg-type]
                           status="error", error=f"{feed.url}: polling failed ({type(e).__name__}: {e})")
        report.feeds.append(res)
        if on_result:
            on_result(res)
    return report


__all__ = ["FeedPoll", "PollReport", "add_feed", "list_feeds", "poll_feeds"]
