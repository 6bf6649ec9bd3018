"""Queries for fetched links and feeds: source versions by URL, feed state, seen feed items."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from factcheck.db.chunks import in_chunks
from factcheck.db.store import claims, feed_items, feeds, passages, row_to, sources, to_row
from factcheck.errors import InputError, NotFoundError
from factcheck.models import Feed, FeedItemRecord
from factcheck.text.sentences import text_hash


# -- sources fetched from links -----------------------------------------------------------------
def latest_fetched_source(engine: Engine | Connection, requested_url: str) -> dict[str, Any] | None:
    """The newest stored version of the source fetched from this link: id, version, text hash,
    fetched_at; None when the link was never fetched as a source."""
    s = sources
    q = (sa.select(s.c.id, s.c.version, s.c.text, s.c.fetched_at)
         .where(s.c.requested_url == requested_url)
         .order_by(s.c.version.desc(), s.c.created_at.desc()).limit(1))
    if isinstance(engine, Connection):
        row = engine.execute(q).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(q).first()
    if row is None:
        return None
    return {"id": row.id, "version": int(row.version or 1), "text_hash": text_hash(row.text),
            "fetched_at": row.fetched_at}


def source_versions(engine: Engine, source_id: str) -> list[dict[str, Any]]:
    """Every version of the link a source was fetched from (oldest first; [] if not fetched)."""
    with engine.connect() as conn:
        url = conn.execute(sa.select(sources.c.requested_url).where(sources.c.id == source_id)).scalar()
        if not url:
            return []
        q = (sa.select(sources.c.id, sources.c.version, sources.c.fetched_at, sources.c.http_status,
                       sources.c.url)
             .where(sources.c.requested_url == url).order_by(sources.c.version))
        return [dict(r._mapping) for r in conn.execute(q)]


def fetch_times(engine: Engine, source_ids: Iterable[str]) -> dict[str, datetime]:
    """When each of these sources was fetched (sources not from a link are left out)."""
    ids = sorted(set(source_ids))
    out: dict[str, datetime] = {}
    with engine.connect() as conn:
        for chunk in in_chunks(ids):
            q = sa.select(sources.c.id, sources.c.fetched_at).where(
                sources.c.id.in_(chunk), sources.c.fetched_at.is_not(None))
            out.update({r.id: r.fetched_at for r in conn.execute(q)})
    return out


def source_passage_rows(engine: Engine, source_id: str) -> list[dict[str, Any]]:
    """(id, start, end, text) of a source's passages, in order."""
    p = passages
    q = sa.select(p.c.id, p.c.start, p.c.end, p.c.text).where(p.c.source_id == source_id).order_by(p.c.index)
    with engine.connect() as conn:
        return [{"id": int(r.id), "start": int(r.start), "end": int(r.end), "text": r.text}
                for r in conn.execute(q)]


# -- feeds --------------------------------------------------------------------------------------
def add_feed(engine: Engine, url: str, name: str | None) -> tuple[Feed, bool]:
    """Store a feed; (feed, True) if new, (the stored feed, False) if the URL is already a feed."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(feeds).where(feeds.c.url == url)).first()
        if row is not None:
            return row_to(Feed, row), False
        feed = Feed(url=url, name=name)
        fid = conn.execute(sa.insert(feeds).values(to_row(feed, drop_none_keys=["id"]))
                           .returning(feeds.c.id)).scalar()
        return feed.model_copy(update={"id": int(fid)}), True


def list_feeds(engine: Engine, ids: Iterable[int] | None = None) -> list[Feed]:
    """Feeds in the order they were added (only `ids` if given; unknown ids raise NotFoundError)."""
    q = sa.select(feeds).order_by(feeds.c.id)
    wanted = None if ids is None else sorted(set(int(i) for i in ids))
    if wanted is not None:
        q = q.where(feeds.c.id.in_(wanted))
    with engine.connect() as conn:
        found = [row_to(Feed, r) for r in conn.execute(q)]
    if wanted is not None:
        missing = set(wanted) - {int(f.id) for f in found}  # type: ignore[arg-type]
        if missing:
            raise NotFoundError(f"no feed {', '.join(map(str, sorted(missing)))}; list them with "
                                "`factcheck feeds list`")
    return found


def feed_item_counts(engine: Engine) -> dict[int, dict[str, int]]:
    """Per feed: items seen, articles made, claims in those articles."""
    fi = feed_items
    q = (sa.select(fi.c.feed_id, sa.func.count(), sa.func.count(fi.c.article_id))
         .group_by(fi.c.feed_id))
    cq = (sa.select(fi.c.feed_id, sa.func.count(claims.c.id))
          .select_from(fi.join(claims, claims.c.article_id == fi.c.article_id))
          .group_by(fi.c.feed_id))
    with engine.connect() as conn:
        out = {int(f): {"items": int(n), "articles": int(a), "claims": 0} for f, n, a in conn.execute(q)}
        for f, n in conn.execute(cq):
            out.setdefault(int(f), {"items": 0, "articles": 0, "claims": 0})["claims"] = int(n)
    return out


def seen_items(engine: Engine) -> tuple[set[str], set[str]]:
    """Keys (link, else guid, else hash) and content hashes of every item seen in any feed."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(feed_items.c.key, feed_items.c.content_hash)).all()
    return {r[0] for r in rows}, {r[1] for r in rows}


def record_items(engine: Engine, items: list[FeedItemRecord]) -> None:
    """Store seen items (an item another process stored meanwhile is ignored)."""
    from factcheck.db.store import insert_ignoring_duplicates

    if not items:
        return
    with engine.begin() as conn:
        conn.execute(insert_ignoring_duplicates(conn, feed_items),
                     [to_row(i, drop_none_keys=["id"]) for i in items])


def update_feed(engine: Engine, feed_id: int, **values: Any) -> None:
    """Set columns of a feed (poll state: etag, last_modified, last_polled_at, ...)."""
    bad = set(values) - set(feeds.c.keys())
    if bad:
        raise InputError(f"unknown feed fields {sorted(bad)}")
    with engine.begin() as conn:
        conn.execute(sa.update(feeds).where(feeds.c.id == feed_id).values(**values))

