"""SQL storage through SQLAlchemy 2 Core: the database is the source of truth.

Tables are derived from the pydantic models in :mod:`factcheck.models` (one schema), so a
field added to a model becomes a column. SQLite by default; PostgreSQL works through the same
code (``--db postgresql://...``).
"""

from __future__ import annotations

import logging
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Engine

from factcheck.config import db_url
from factcheck.db.chunks import in_chunks
from factcheck.errors import ConfigError, FactcheckError, NotFoundError
from factcheck.models import (
    SCHEMA_VERSION,
    ArchiveCheck,
    Article,
    Assignment,
    Claim,
    ClaimStatus,
    EvidenceLink,
    Feed,
    FeedItemRecord,
    Passage,
    ReviewEvent,
    SecondReview,
    Sentence,
    Source,
    Verdict,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _sql_type(annotation: Any) -> tuple[sa.types.TypeEngine, bool]:
    """Map a pydantic field annotation to (SQL type, nullable)."""
    nullable = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin in (list, dict) or annotation in (list, dict):
        return sa.JSON(), nullable
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return sa.String(32), nullable
    if annotation is bool:
        return sa.Boolean(), nullable
    if annotation is int:
        return sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable
    if annotation is float:
        return sa.Float(), nullable
    if annotation is datetime:
        return UTCDateTime(), nullable
    return sa.Text(), nullable


def table_for(
    model: type[BaseModel],
    name: str,
    metadata: sa.MetaData,
    primary_key: Sequence[str],
    *extra: sa.SchemaItem,
    autoincrement: str | None = None,
    foreign: dict[str, str] | None = None,
) -> sa.Table:
    """Build an SQLAlchemy table whose columns are the model's fields."""
    foreign = foreign or {}
    columns = []
    for field_name, field in model.model_fields.items():
        col_type, nullable = _sql_type(field.annotation)
        args: list[Any] = [field_name, col_type]
        if field_name in foreign:
            args.append(sa.ForeignKey(foreign[field_name], ondelete="CASCADE"))
        kwargs: dict[str, Any] = {"nullable": nullable and field_name not in primary_key}
        if field_name in primary_key:
            kwargs["primary_key"] = True
            kwargs["autoincrement"] = field_name == autoincrement
        columns.append(sa.Column(*args, **kwargs))
    return sa.Table(name, metadata, *columns, *extra)


metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
articles = table_for(Article, "articles", metadata, ["id"])
sentences = table_for(
    Sentence, "sentences", metadata, ["article_id", "index"], foreign={"article_id": "articles.id"}
)
claims = table_for(
    Claim,
    "claims",
    metadata,
    ["id"],
    sa.UniqueConstraint("article_id", "start", "end", name="uq_claim_span"),
    sa.Index("ix_claims_article", "article_id"),
    sa.Index("ix_claims_status", "status"),
    autoincrement="id",
    foreign={"article_id": "articles.id"},
)
sources = table_for(Source, "sources", metadata, ["id"],
                    sa.Index("ix_sources_requested_url", "requested_url"))
passages = table_for(
    Passage,
    "passages",
    metadata,
    ["id"],
    sa.UniqueConstraint("source_id", "start", "end", name="uq_passage_span"),
    sa.Index("ix_passages_source", "source_id"),
    autoincrement="id",
    foreign={"source_id": "sources.id"},
)
evidence_links = table_for(
    EvidenceLink,
    "evidence_links",
    metadata,
    ["id"],
    sa.UniqueConstraint("claim_id", "passage_id", name="uq_link"),
    autoincrement="id",
    foreign={"claim_id": "claims.id", "passage_id": "passages.id"},
)
verdicts = table_for(Verdict, "verdicts", metadata, ["claim_id"], foreign={"claim_id": "claims.id"})
review_events = table_for(
    ReviewEvent,
    "review_events",
    metadata,
    ["id"],
    sa.Index("ix_events_claim", "claim_id"),
    autoincrement="id",
)
archive = table_for(
    ArchiveCheck,
    "archive",
    metadata,
    ["seq"],
    sa.UniqueConstraint("id", name="uq_archive_id"),
    autoincrement="seq",
)
feeds = table_for(
    Feed, "feeds", metadata, ["id"], sa.UniqueConstraint("url", name="uq_feed_url"), autoincrement="id"
)
feed_items = table_for(
    FeedItemRecord,
    "feed_items",
    metadata,
    ["id"],
    sa.UniqueConstraint("feed_id", "key", name="uq_feed_item_key"),
    sa.Index("ix_feed_items_hash", "content_hash"),
    autoincrement="id",
    foreign={"feed_id": "feeds.id"},
)
assignments = table_for(
    Assignment, "assignments", metadata, ["claim_id"], sa.Index("ix_assignments_assignee", "assignee"),
    foreign={"claim_id": "claims.id"},
)
second_reviews = table_for(
    SecondReview, "second_reviews", metadata, ["claim_id"], foreign={"claim_id": "claims.id"},
)
embeddings = sa.Table(
    "embeddings",
    metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

MODELS_BY_TABLE: dict[str, type[BaseModel]] = {
    "articles": Article,
    "sentences": Sentence,
    "claims": Claim,
    "sources": Source,
    "passages": Passage,
    "evidence_links": EvidenceLink,
    "verdicts": Verdict,
    "review_events": ReviewEvent,
    "archive": ArchiveCheck,
    "assignments": Assignment,
    "second_reviews": SecondReview,
}


# -- index kinds ------------------------------------------------------------
@dataclass(frozen=True)
class IndexSource:
    """Where the rows of one kind of index come from, and how to tell that they changed.

    ``id``/``text``: the columns an index is built from (None for a kind that is only watched,
    such as the verdicts matching reads); ``live``: which rows belong (claims: not dismissed);
    ``mark``: aggregates whose values change whenever those rows change (the watermark);
    ``recheck_s``: how long a process may trust the watermark it read (see Workspace.mark): 0 means
    every use re-reads it (one aggregate query).
    Built-in kinds are registered with :func:`register_index`, as an extension would register its own.
    """

    name: str
    mark: tuple[Any, ...]
    id: Any = None
    text: Any = None
    live: Any = None
    recheck_s: float = 0.0
    indexed: bool = True


INDEX_SOURCES: dict[str, IndexSource] = {}


def register_index(source: IndexSource) -> None:
    """Add (or replace) an index kind."""
    INDEX_SOURCES[source.name] = source


def index_source(kind: str) -> IndexSource:
    """The registered kind, or a FactcheckError naming the known ones."""
    try:
        return INDEX_SOURCES[kind]
    except KeyError:
        known = ", ".join(k for k, s in INDEX_SOURCES.items() if s.indexed)
        raise FactcheckError(f"unknown index {kind!r}; use one of: {known}") from None


def index_kinds() -> tuple[str, ...]:
    """The registered kinds that have a FAISS index, in registration order."""
    return tuple(k for k, s in INDEX_SOURCES.items() if s.indexed)


register_index(IndexSource(
    "claims", id=claims.c.id, text=claims.c.text, live=claims.c.status != ClaimStatus.dismissed.value,
    # every claim change bumps its version, whatever the clock of the server that made it
    mark=(sa.func.count(), sa.func.max(claims.c.id), sa.func.sum(claims.c.version),
          sa.func.max(claims.c.updated_at)),
))
register_index(IndexSource(
    # searched on every suggestion: a COUNT (~10 ms at 100k rows) at most every 2 s
    "passages", id=passages.c.id, text=passages.c.text, recheck_s=2.0,
    mark=(sa.func.count(), sa.func.max(passages.c.id)),
))
register_index(IndexSource(
    "archive", id=archive.c.seq, text=archive.c.claim, mark=(sa.func.count(), sa.func.max(archive.c.seq)),
))
register_index(IndexSource(
    # recorded verdicts are matched as earlier fact-checks; the match corpus is refitted when they
    # change, so a process re-reads their watermark only every two minutes
    "verdicts", indexed=False, recheck_s=120.0,
    mark=(sa.func.count(), sa.func.max(verdicts.c.created_at), sa.func.sum(verdicts.c.version)),
))


def row_to(model: type[BaseModel], row: Any) -> Any:
    """Build a model from a SQLAlchemy row mapping."""
    return model.model_validate(dict(row._mapping))


def to_row(record: BaseModel, *, drop_none_keys: Iterable[str] = ()) -> dict[str, Any]:
    """A record as a column dict (enums as values, None primary keys dropped for autoincrement)."""
    data = record.model_dump(mode="python")
    for key, value in list(data.items()):
        if isinstance(value, Enum):
            data[key] = value.value
    for key in drop_none_keys:
        if data.get(key) is None:
            data.pop(key, None)
    return data


def insert_ignoring_duplicates(conn: Connection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL (plain insert elsewhere)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return sa.insert(table)


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLite's own lower() folds ASCII only: "ÉMISSIONS" would never match "émissions"
    dbapi_conn.create_function("casefold", 1, _casefold, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Store:
    """The factcheck database. One instance per process; thread-safe through the engine pool."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        url = db_url(url)
        kwargs: dict[str, Any] = {}
        if url.startswith("postgresql"):
            kwargs["pool_pre_ping"] = True  # app servers outlive database restarts
        try:
            self.engine: Engine = sa.create_engine(url, future=True, **kwargs)
        except ModuleNotFoundError as e:
            raise ConfigError(
                f"cannot open database {url!r}: the driver {e.name!r} is missing; for PostgreSQL "
                "run `pip install 'factcheck[postgres]'` (psycopg 3)"
            ) from e
        except Exception as e:  # noqa: BLE001 - bad URLs of any kind
            raise ConfigError(f"cannot open database {url!r}: {e}; check --db / FACTCHECK_DB") from e
        self.url = url
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            self.create()

    # -- schema -------------------------------------------------------------
    def create(self) -> None:
        """Migrate the database to the newest schema (Alembic) and check the schema version.

        Cheap when the database is already at head (one query); see :mod:`factcheck.migrate`.
        """
        from factcheck.db.migrate import upgrade

        shown = self.engine.url.render_as_string(hide_password=True)
        try:
            upgrade(self.engine)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
            raise ConfigError(f"cannot open database {shown}: {e.orig}; check --db") from e
        with self.begin() as conn:
            found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version"))
            version = found.scalar()
            if version is None:
                conn.execute(sa.insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(version) > SCHEMA_VERSION:
                raise ConfigError(
                    f"database {shown} has schema version {version}, newer than this factcheck "
                    f"({SCHEMA_VERSION}); upgrade factcheck"
                )

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()

    # -- articles, sentences, claims ----------------------------------------
    def has_article(self, article_id: str) -> bool:
        """True when an article with this id is stored."""
        with self.engine.connect() as conn:
            q = sa.select(articles.c.id).where(articles.c.id == article_id)
            return conn.execute(q).first() is not None

    def get_article(self, article_id: str) -> Article:
        """The article with this id, or NotFoundError."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(articles).where(articles.c.id == article_id)).first()
        if row is None:
            raise NotFoundError(f"no article {article_id!r}; list them with `factcheck articles`")
        return row_to(Article, row)

    def list_articles(self) -> list[Article]:
        """All articles, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(articles).order_by(articles.c.created_at, articles.c.id))
            return [row_to(Article, r) for r in rows]

    def save_extraction(
        self, article: Article, sents: list[Sentence], new_claims: list[Claim]
    ) -> list[Claim]:
        """Store an article with its sentences and claims in one transaction; returns claims with ids."""
        out: list[Claim] = []
        with self.begin() as conn:
            conn.execute(sa.insert(articles).values(to_row(article)))
            if sents:
                conn.execute(sa.insert(sentences), [to_row(s) for s in sents])
            if new_claims:
                # one multi-row INSERT ... RETURNING, ids in parameter order
                stmt = sa.insert(claims).returning(claims.c.id, sort_by_parameter_order=True)
                rows = [to_row(c, drop_none_keys=["id"]) for c in new_claims]
                ids = [r[0] for r in conn.execute(stmt, rows)]
                out = [c.model_copy(update={"id": i}) for c, i in zip(new_claims, ids)]
        return out

    def stored_extractions(self, article_ids: Sequence[str]) -> dict[str, tuple[int, list[Claim]]]:
        """For each of these articles that is stored: its sentence count and all its claims (any
        status, ordered by position). Two queries per 500 ids: what a re-run of extract costs."""
        wanted = list(dict.fromkeys(article_ids))
        out: dict[str, tuple[int, list[Claim]]] = {}
        with self.engine.connect() as conn:
            for chunk in in_chunks(wanted):
                q = (
                    sa.select(articles.c.id, sa.func.count(sentences.c.index))
                    .select_from(articles.outerjoin(sentences, sentences.c.article_id == articles.c.id))
                    .where(articles.c.id.in_(chunk))
                    .group_by(articles.c.id)
                )
                found = {str(i): int(n) for i, n in conn.execute(q)}
                if not found:
                    continue
                by_article: dict[str, list[Claim]] = {i: [] for i in found}
                q = (
                    sa.select(claims)
                    .where(claims.c.article_id.in_(list(found)))
                    .order_by(claims.c.article_id, claims.c.start, claims.c.end)
                )
                for r in conn.execute(q):
                    claim = row_to(Claim, r)
                    by_article[claim.article_id].append(claim)
                out.update((i, (n, by_article[i])) for i, n in found.items())
        return out

    def get_sentences(self, article_id: str) -> list[Sentence]:
        """The sentences of an article in order."""
        with self.engine.connect() as conn:
            q = sa.select(sentences).where(sentences.c.article_id == article_id)
            rows = conn.execute(q.order_by(sentences.c.index))
            return [row_to(Sentence, r) for r in rows]

    def get_claim(self, claim_id: int) -> Claim:
        """The claim with this id, or NotFoundError."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(claims).where(claims.c.id == claim_id)).first()
        if row is None:
            raise NotFoundError(f"no claim {claim_id}; list ids with `factcheck claims list`")
        return row_to(Claim, row)

    def get_claims(self, ids: Iterable[int]) -> dict[int, Claim]:
        """Claims by id (missing ids are left out)."""
        ids = list(ids)
        if not ids:
            return {}
        with self.engine.connect() as conn:
            return {r.id: row_to(Claim, r) for chunk in in_chunks(ids)
                    for r in conn.execute(sa.select(claims).where(claims.c.id.in_(chunk)))}

    def list_claims(
        self,
        *,
        article_id: str | None = None,
        status: str | None = None,
        include_dismissed: bool = False,
        min_score: float | None = None,
        limit: int | None = None,
    ) -> list[Claim]:
        """Claims filtered, ordered by article then position."""
        q = sa.select(claims)
        if article_id is not None:
            q = q.where(claims.c.article_id == article_id)
        if status is not None:
            q = q.where(claims.c.status == status)
        elif not include_dismissed:
            q = q.where(claims.c.status != ClaimStatus.dismissed.value)
        if min_score is not None:
            q = q.where(claims.c.score >= min_score)
        q = q.order_by(claims.c.article_id, claims.c.start, claims.c.end)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [row_to(Claim, r) for r in conn.execute(q)]

    def count(self, table: sa.Table) -> int:
        """Number of rows in a table."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)

    # -- index rows ---------------------------------------------------------
    def index_rows(self, kind: str) -> list[tuple[int, str]]:
        """(id, text) of the rows an index of this kind is built from, ordered by id."""
        src = index_source(kind)
        q = sa.select(src.id, src.text).order_by(src.id)
        if src.live is not None:
            q = q.where(src.live)
        with self.engine.connect() as conn:
            return [(int(i), t) for i, t in conn.execute(q)]

    def index_rows_by_id(self, kind: str, ids: Iterable[int]) -> list[tuple[int, str]]:
        """(id, text) of these rows whatever their status (e.g. dismissed claims), ordered by id."""
        src = index_source(kind)
        wanted = sorted(set(ids))
        out: list[tuple[int, str]] = []
        with self.engine.connect() as conn:
            for chunk in in_chunks(wanted):
                q = sa.select(src.id, src.text).where(src.id.in_(chunk))
                out += [(int(r[0]), r[1]) for r in conn.execute(q)]
        return sorted(out)

    # -- embedding cache ----------------------------------------------------
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached embeddings for these text hashes under this model."""
        import numpy as np

        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self.engine.connect() as conn:
            for chunk in in_chunks(unique):
                q = sa.select(embeddings.c.text_hash, embeddings.c.vector).where(
                    embeddings.c.model == model, embeddings.c.text_hash.in_(chunk)
                )
                for h, blob in conn.execute(q):
                    out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_vectors(self, model: str, items: dict[str, np.ndarray]) -> None:
        """Store embeddings (ignores ones already cached)."""
        import numpy as np

        if not items:
            return
        with self.begin() as conn:
            have = set()
            keys = list(items)
            for chunk in in_chunks(keys):
                q = sa.select(embeddings.c.text_hash).where(
                    embeddings.c.model == model, embeddings.c.text_hash.in_(chunk)
                )
                have.update(h for (h,) in conn.execute(q))
            rows = [
                {"model": model, "text_hash": h, "vector": np.asarray(v, np.float32).tobytes()}
                for h, v in items.items()
                if h not in have
            ]
            if rows:
                # another process may cache the same text between our select and insert
                conn.execute(insert_ignoring_duplicates(conn, embeddings), rows)

    def watermark(self, kind: str) -> str:
        """A cheap summary (one aggregate query) that changes whenever the kind's rows change."""
        src = index_source(kind)
        q = sa.select(*src.mark)
        if src.live is not None:
            q = q.where(src.live)
        with self.engine.connect() as conn:
            return "|".join(str(v) for v in conn.execute(q).one())
