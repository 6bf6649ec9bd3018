"""RSS and Atom feeds: poll with conditional requests, parse with feedparser, help de-duplicate.

The feed is fetched with :func:`factcheck.io.fetch.fetch` (address guard, size cap, timeouts,
redirect checks) and only its bytes are given to feedparser, wrapped in a stream: feedparser would
otherwise fetch URLs itself, or open a local file whose name a hostile feed body spells out.
Storing feed state (ETag, Last-Modified, seen links and hashes) is the caller's job.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from factcheck.io.fetch import (
    CONNECT_TIMEOUT,
    MAX_REDIRECTS,
    READ_TIMEOUT,
    TOTAL_TIMEOUT,
    USER_AGENT,
    FetchError,
    RobotsDisallowedError,
    Timeout,
    _show,
    fetch,
    robots_allowed,
)
from factcheck.io.readers import MAX_BYTES

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,"
    "text/xml;q=0.8,*/*;q=0.1"
)


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed. `content_hash` is the SHA-256 of its title, summary and content."""

    link: str | None
    title: str | None
    published: str | None  # ISO 8601 UTC when the feed's date parses, else the feed's own text
    summary: str | None  # plain text
    guid: str | None
    content_hash: str

    @property
    def key(self) -> str:
        """The item's identity for de-duplication: link, else guid, else content hash."""
        return self.link or self.guid or self.content_hash


@dataclass(frozen=True)
class FeedResult:
    """One poll of a feed. On 304 (`not_modified`) there are no items; keep the stored state."""

    url: str
    final_url: str
    status: int
    fetched_at: datetime
    not_modified: bool
    etag: str | None  # to send next time (the stored one is kept when a 304 omits it)
    last_modified: str | None
    title: str | None
    site_link: str | None
    items: tuple[FeedItem, ...]


def _plain(html: str | None) -> str | None:
    """Plain text of a (sanitised) HTML fragment, whitespace collapsed."""
    if not html:
        return None
    text = html
    if "<" in html:
        from lxml import html as lxml_html

        try:
            text = lxml_html.fromstring(f"<div>{html}</div>").text_content()
        except Exception:  # noqa: BLE001 - lxml raises many kinds on junk
            text = html
    text = " ".join(text.split())
    return text or None


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _web_link(link: Any) -> str | None:
    """An http(s) link, else None (javascript:, data:, mailto: links are dropped)."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    return link if urlsplit(link).scheme.lower() in ("http", "https") else None


def _item(entry: Any) -> FeedItem:
    title = _plain(entry.get("title"))
    summary_html = entry.get("summary")
    content = entry.get("content") or []
    body = "\n".join(str(c.get("value", "")) for c in content if isinstance(c, dict))
    summary = _plain(summary_html) or _plain(body)
    digest = hashlib.sha256("\n".join([title or "", summary or "", _plain(body) or ""]).encode("utf-8"))
    published = (
        _iso(entry.get("published_parsed"))
        or _iso(entry.get("updated_parsed"))
        or entry.get("published")
        or entry.get("updated")
    )
    guid = entry.get("id") or entry.get("guid")
    return FeedItem(
        link=_web_link(entry.get("link")),
        title=title,
        published=published,
        summary=summary,
        guid=str(guid).strip() if guid else None,
        content_hash=digest.hexdigest(),
    )


def parse_feed(body: bytes, *, url: str, content_type: str = "", charset: str | None = None) -> Any:
    """feedparser's result for these bytes (never fetches); raises FetchError if it is no feed."""
    import feedparser

    header = content_type + (f"; charset={charset}" if charset else "")
    headers = {"content-location": url}
    if header:
        headers["content-type"] = header
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise FetchError(
            f"{_show(url)}: not an RSS or Atom feed ({' '.join(str(reason).split())}); give the feed's "
            "address (often /feed, /rss or /atom.xml), not the web page",
            url=url,
        )
    if parsed.get("bozo"):
        log.warning("%s: malformed feed, parsed leniently (%s)", url, parsed.get("bozo_exception"))
    return parsed


def poll_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    respect_robots: bool = True,
    max_bytes: int = MAX_BYTES,
    timeout: Timeout = (CONNECT_TIMEOUT, READ_TIMEOUT),
    total_timeout: float = TOTAL_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    allow_private: bool = False,
    user_agent: str = USER_AGENT,
) -> FeedResult:
    """Fetch and parse an RSS/Atom feed, sending If-None-Match / If-Modified-Since; raises FetchError.

    Pass the `etag` / `last_modified` of the previous poll; a 304 answer gives a result with
    ``not_modified`` and no items. With `respect_robots`, a feed that the site's robots.txt
    disallows raises RobotsDisallowedError before the feed is requested.
    """
    if respect_robots and not robots_allowed(url, user_agent, allow_private=allow_private, timeout=timeout):
        host = urlsplit(url).netloc
        agent = user_agent.split("/", 1)[0]
        raise RobotsDisallowedError(
            f"{_show(url)}: robots.txt of {host} disallows {agent} for this feed; ask the site for "
            "permission or remove the feed",
            url=url,
        )
    got = fetch(
        url,
        max_bytes=max_bytes,
        timeout=timeout,
        total_timeout=total_timeout,
        max_redirects=max_redirects,
        allow_private=allow_private,
        user_agent=user_agent,
        etag=etag,
        last_modified=last_modified,
        accept=FEED_ACCEPT,
    )
    if got.not_modified:
        log.info("%s: not modified", url)
        return FeedResult(
            url=url,
            final_url=got.final_url,
            status=got.status,
            fetched_at=got.fetched_at,
            not_modified=True,
            etag=got.etag or etag,
            last_modified=got.last_modified or last_modified,
            title=None,
            site_link=None,
            items=(),
        )
    parsed = parse_feed(got.body, url=got.final_url, content_type=got.content_type, charset=got.charset)
    items = tuple(_item(e) for e in parsed.entries)
    log.info("%s: %d items", url, len(items))
    return FeedResult(
        url=url,
        final_url=got.final_url,
        status=got.status,
        fetched_at=got.fetched_at,
        not_modified=False,
        etag=got.etag,
        last_modified=got.last_modified,
        title=_plain(parsed.feed.get("title")),
        site_link=_web_link(parsed.feed.get("link")),
        items=items,
    )


def new_items(
    items: Iterable[FeedItem], seen_links: Collection[str], seen_hashes: Collection[str]
) -> list[FeedItem]:
    """Items not seen before: neither their link (or guid) nor their content hash is known.

    Repeats inside `items` are dropped too (first one kept), so the result can be stored as is.
    """
    links = set(seen_links)
    hashes = set(seen_hashes)
    out: list[FeedItem] = []
    for item in items:
        if item.key in links or item.content_hash in hashes:
            continue
        out.append(item)
        links.add(item.key)
        hashes.add(item.content_hash)
    return out
