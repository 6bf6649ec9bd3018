"""Bulk writes of extraction results: many articles per transaction, idempotent by content hash.

Article ids are content hashes (or external ids), so a batch whose articles are already stored is
skipped article by article: a run that died halfway is resumed by running it again, with nothing
duplicated or lost. Each batch is one transaction: a batch is either stored whole or not at all.

On PostgreSQL sentences and claims go in with ``COPY ... FROM STDIN`` (psycopg 3); on SQLite with
one ``executemany`` INSERT per table (claim ids come back from ``INSERT ... RETURNING``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from factcheck.db.chunks import in_chunks
from factcheck.db.store import (
    Store,
    articles,
    claims,
    embeddings,
    insert_ignoring_duplicates,
    sentences,
    to_row,
)
from factcheck.errors import ConflictError
from factcheck.models import Article, Claim, Sentence
from factcheck.text.sentences import text_hash

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """One article's rows to store; ``vectors`` are the claims' embeddings (None where absent)."""

    article: Article
    sentences: list[Sentence]
    claims: list[Claim]
    vectors: Sequence[np.ndarray | None] = ()


def article_ids(store: Store) -> list[str]:
    """Every stored article id (what a distributed run skips)."""
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(articles.c.id))]


def _stored_ids(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(ids):
        found.update(r[0] for r in conn.execute(sa.select(articles.c.id).where(articles.c.id.in_(chunk))))
    return found


def _copy_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def _copy(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` with psycopg 3, inside the open transaction."""
    cols = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in cols)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row[c]) for c in cols])


def save_batch(store: Store, items: Sequence[Batch], *, model: str | None = None) -> list[list[Claim] | None]:
    """Store many articles with their sentences and claims in one transaction.

    Returns, per item, its claims with their new ids, or None for an article already stored
    (left untouched). Claim vectors, when given with ``model``, go to the embedding cache in the
    same transaction, so the claim index can be rebuilt later without re-embedding.
    """
    try:
        return _save_batch(store, items, model)
    except sa.exc.DBAPIError as e:
        raise ConflictError(f"a batch of {len(items)} articles was not stored ({e.orig}); nothing "
                            "of it was written: run the command again") from e
    except Exception as e:
        if type(e).__module__.startswith("psycopg"):  # COPY errors come from the driver itself
            raise ConflictError(f"a batch of {len(items)} articles was not stored ({e}); nothing "
                                "of it was written: run the command again") from e
        raise


def _save_batch(store: Store, items: Sequence[Batch], model: str | None) -> list[list[Claim] | None]:
    out: list[list[Claim] | None] = [None] * len(items)
    with store.begin() as conn:
        stored = _stored_ids(conn, [b.article.id for b in items])
        new: list[int] = []
        seen: set[str] = set()
        for i, b in enumerate(items):
            if b.article.id not in stored and b.article.id not in seen:
                new.append(i)
                seen.add(b.article.id)
        if not new:
            return out
        pg = conn.dialect.name == "postgresql"
        art_rows = [to_row(items[i].article) for i in new]
        sent_rows = [to_row(s) for i in new for s in items[i].sentences]
        claim_rows = [to_row(c, drop_none_keys=["id"]) for i in new for c in items[i].claims]
        if pg:
            _copy(conn, articles, art_rows)
            if sent_rows:
                _copy(conn, sentences, sent_rows)
            if claim_rows:
                _copy(conn, claims, claim_rows)
                ids = _claim_ids(conn, [items[i].article.id for i in new])
        else:
            conn.execute(sa.insert(articles), art_rows)
            if sent_rows:
                conn.execute(sa.insert(sentences), sent_rows)
            if claim_rows:
                stmt = sa.insert(claims).returning(claims.c.id, sort_by_parameter_order=True)
                returned = [r[0] for r in conn.execute(stmt, claim_rows)]
                keys = [(r["article_id"], r["start"], r["end"]) for r in claim_rows]
                ids = dict(zip(keys, returned))
        cache: dict[str, bytes] = {}
        for i in new:
            b = items[i]
            with_ids = [c.model_copy(update={"id": ids[(c.article_id, c.start, c.end)]})
                        for c in b.claims] if b.claims else []
            out[i] = with_ids
            if model:
                for c, v in zip(b.claims, b.vectors):
                    if v is not None:
                        cache.setdefault(text_hash(c.text), np.asarray(v, np.float32).tobytes())
        if cache:
            rows = [{"model": model, "text_hash": h, "vector": blob} for h, blob in cache.items()]
            for chunk in in_chunks(rows, 2000):
                conn.execute(insert_ignoring_duplicates(conn, embeddings), chunk)
    return out


def _claim_ids(conn: Connection, article_ids: list[str]) -> dict[tuple[str, int, int], int]:
    ids: dict[tuple[str, int, int], int] = {}
    for chunk in in_chunks(article_ids):
        q = sa.select(claims.c.article_id, claims.c.start, claims.c.end, claims.c.id).where(
            claims.c.article_id.in_(chunk)
        )
        ids.update(((a, s, e), i) for a, s, e, i in conn.execute(q))
    return ids
