"""Publishing: the verdict CSV and schema.org ClaimReview JSON-LD (formats in :mod:`factcheck.io`).

* **CSV** (:func:`export_csv`, :func:`csv_bytes`): one row per claim, columns = the fields of
  :class:`ExportRow` in order. RFC 4180 (comma, ``"`` quoting, CRLF rows), UTF-8, optional BOM
  for Excel. Cells a spreadsheet would run as a formula are neutralised (:func:`neutralise`).
* **ClaimReview** (:func:`export_claimreview`, :func:`claimreview_json`): a JSON array of
  self-contained schema.org ``ClaimReview`` objects, one per claim with a verdict.
* **JSONL** (:func:`export_jsonl`, :func:`jsonl_text`, :func:`import_jsonl`): every stored record,
  one JSON object per line with a ``"table"`` discriminator. Importing merges by natural keys,
  remaps colliding integer ids, and reports (never overwrites) newer stored verdicts.

File writes are atomic (temporary file in the target folder, then :func:`os.replace`); an import is
one database transaction.
"""

from __future__ import annotations

import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from factcheck.db.store import (
    articles,
    claims,
    evidence_links,
    passages,
    sources,
    verdicts,
)
from factcheck.errors import InputError, NotFoundError
from factcheck.io.claimreview import check_publisher, iso_date, review_rating, speaker_thing
from factcheck.io.files import atomic_write
from factcheck.io.verdict_csv import (
    EVIDENCE_FIELD_SEP,
    EVIDENCE_LINK_SEP,
    iso_utc,
    key_values_cell,
    write_csv,
)
from factcheck.models import ClaimStatus

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

def _check_status(status: str | ClaimStatus | None) -> str | None:
    if status is None:
        return None
    try:
        return ClaimStatus(status).value
    except ValueError:
        names = ", ".join(s.value for s in ClaimStatus)
        raise InputError(f"unknown status {status!r}; use one of: {names}") from None


def _claim_filter(ws: Workspace, article_id: str | None, status: str | None) -> list[Any]:
    where: list[Any] = []
    if article_id is not None:
        if not ws.store.has_article(article_id):
            raise NotFoundError(f"no article {article_id!r}; list them with `factcheck articles`")
        where.append(claims.c.article_id == article_id)
    if status is not None:
        where.append(claims.c.status == status)
    else:
        where.append(claims.c.status != ClaimStatus.dismissed.value)
    return where


def _evidence_by_claim(conn: Connection, where: list[Any]) -> dict[int, str]:
    """The evidence cell of every claim matching `where` that has links."""
    linked = sa.select(evidence_links.c.passage_id).distinct().scalar_subquery()
    q_passages = (
        sa.select(passages.c.id, sources.c.url, sources.c.id, passages.c.text)
        .select_from(passages.join(sources, sources.c.id == passages.c.source_id))
        .where(passages.c.id.in_(linked))
    )
    shown = {  # each passage formatted once, however many claims link it
        pid: (url or f"source:{source_id}", " ".join(text.split()))
        for pid, url, source_id, text in conn.execute(q_passages)
    }
    q_links = (
        sa.select(evidence_links.c.claim_id, evidence_links.c.passage_id, evidence_links.c.stance)
        .select_from(evidence_links.join(claims, claims.c.id == evidence_links.c.claim_id))
        .where(*where)
        .order_by(evidence_links.c.claim_id, evidence_links.c.id)
    )
    lines: dict[int, list[str]] = defaultdict(list)
    sep = EVIDENCE_FIELD_SEP
    for claim_id, pid, stance in conn.execute(q_links):
        where_from, text = shown[pid]
        lines[claim_id].append(f"{where_from}{sep}{stance}{sep}{text}")
    return {k: EVIDENCE_LINK_SEP.join(v) for k, v in lines.items()}


def csv_rows(
    ws: Workspace, *, article_id: str | None = None, status: str | ClaimStatus | None = None
) -> Iterator[tuple[Any, ...]]:
    """The CSV rows (values in :data:`COLUMNS` order, cells not yet neutralised).

    Ordered by article, then claim position. Without `status`, dismissed claims are left out.
    Bad filters raise at once (not on first iteration).
    """
    where = _claim_filter(ws, article_id, _check_status(status))
    return _csv_rows(ws, where)


def _db_time(column: sa.Column, dialect: str) -> Any:
    """Select a UTC datetime column; on SQLite as its stored text (fast to reformat)."""
    return sa.type_coerce(column, sa.String) if dialect == "sqlite" else column


def _iso_db(value: Any) -> str | None:
    """ISO 8601 UTC from a datetime or SQLite's stored ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) >= 19 and value[10] == " " and value[4] == "-":
            return f"{value[:10]}T{value[11:19]}Z"
        value = datetime.fromisoformat(value)
    return iso_utc(value)


def _csv_rows(ws: Workspace, where: list[Any]) -> Iterator[tuple[Any, ...]]:
    dialect = ws.store.engine.dialect.name
    q = (
        sa.select(
            claims.c.id, claims.c.article_id, articles.c.title, articles.c.url, claims.c.text,
            claims.c.start, claims.c.end, claims.c.type, claims.c.speaker,
            sa.type_coerce(claims.c.key_values, sa.String),  # parsed in _key_values_cell
            claims.c.score, claims.c.status, verdicts.c.label, verdicts.c.rationale,
            verdicts.c.reviewer, _db_time(verdicts.c.created_at, dialect),
        )
        .select_from(
            claims.join(articles, articles.c.id == claims.c.article_id).outerjoin(
                verdicts, verdicts.c.claim_id == claims.c.id
            )
        )
        .where(*where)
        .order_by(claims.c.article_id, claims.c.start, claims.c.end, claims.c.id)
    )
    with ws.store.engine.connect() as conn:
        evidence = _evidence_by_claim(conn, where)
        result = conn.execute(q)
        for (cid, aid, title, url, text, start, end, ctype, speaker, kvs, score, cstatus, label,
             rationale, reviewer, at) in result:
            yield (
                cid, aid, title, url, text, start, end, ctype, speaker, key_values_cell(kvs),
                round(score or 0.0, 4), cstatus, label, rationale, evidence.get(cid, ""),
                reviewer, _iso_db(at),
            )


@dataclass
class ExportReport:
    """What an export wrote."""

    path: str
    written: int
    skipped_without_verdict: int = 0


def export_csv(
    ws: Workspace,
    path: str | Path,
    *,
    article_id: str | None = None,
    status: str | ClaimStatus | None = None,
    excel: bool = False,
) -> ExportReport:
    """Write the verdict CSV (one row per claim; `excel` adds a UTF-8 BOM)."""
    rows = csv_rows(ws, article_id=article_id, status=status)
    encoding = "utf-8-sig" if excel else "utf-8"
    n = atomic_write(path, lambda h: write_csv(rows, h), mode="w", encoding=encoding, newline="",
                      buffering=1 << 20)
    log.info("wrote %d claims to %s", n, path)
    return ExportReport(path=str(path), written=n)


def csv_bytes(
    ws: Workspace,
    *,
    article_id: str | None = None,
    status: str | ClaimStatus | None = None,
    excel: bool = False,
) -> bytes:
    """The verdict CSV as bytes (for download buttons)."""
    buf = io.StringIO(newline="")
    write_csv(csv_rows(ws, article_id=article_id, status=status), buf)
    return buf.getvalue().encode("utf-8-sig" if excel else "utf-8")


@dataclass
class ClaimReviewReport:
    """What a ClaimReview export wrote and skipped."""

    path: str
    written: int
    skipped_without_verdict: int


def claimreview_objects(
    ws: Workspace,
    *,
    publisher: str,
    publisher_url: str,
    url_template: str | None = None,
    article_id: str | None = None,
    status: str | ClaimStatus | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """(ClaimReview objects, number of claims skipped for having no verdict).

    `url_template` names the page of each fact-check; fields ``{publisher_url}``, ``{claim_id}``
    and ``{article_id}``; default ``{publisher_url}#claim-{claim_id}``. Dismissed claims are left
    out unless `status` asks for them.
    """
    check_publisher(publisher, publisher_url)
    template = url_template or "{publisher_url}#claim-{claim_id}"
    labels = ws.settings.verdict_scale()
    where = _claim_filter(ws, article_id, _check_status(status))
    q = (
        sa.select(
            claims.c.id, claims.c.article_id, claims.c.text, claims.c.speaker, articles.c.url,
            articles.c.title, articles.c.published, verdicts.c.label, verdicts.c.rationale,
            verdicts.c.created_at,
        )
        .select_from(
            claims.join(articles, articles.c.id == claims.c.article_id).outerjoin(
                verdicts, verdicts.c.claim_id == claims.c.id
            )
        )
        .where(*where)
        .order_by(claims.c.article_id, claims.c.start, claims.c.end, claims.c.id)
    )
    out: list[dict[str, Any]] = []
    skipped = 0
    author = {"@type": "Organization", "name": publisher.strip(), "url": publisher_url}
    with ws.store.engine.connect() as conn:
        for cid, aid, text, speaker, url, title, published, label, rationale, at in conn.execute(q):
            if label is None:
                skipped += 1
                continue
            try:
                page = template.format(publisher_url=publisher_url.rstrip("/"), claim_id=cid,
                                       article_id=aid)
            except (KeyError, IndexError, ValueError) as e:
                raise InputError(
                    f"bad URL template {template!r} ({e}); use {{publisher_url}}, {{claim_id}}, "
                    "{article_id}"
                ) from None
            item: dict[str, Any] = {"@type": "Claim"}
            if speaker:
                item["author"] = speaker_thing(speaker)
            date = iso_date(published)
            if date:
                item["datePublished"] = date
            if url:
                appearance: dict[str, Any] = {"@type": "CreativeWork", "url": url}
                if title:
                    appearance["headline"] = title
                item["appearance"] = appearance
            obj: dict[str, Any] = {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": page,
                "claimReviewed": text,
                "datePublished": at.astimezone(UTC).date().isoformat(),
                "author": dict(author),
                "reviewRating": review_rating(label, labels),
                "itemReviewed": item,
            }
            if rationale:
                obj["reviewBody"] = rationale
            out.append(obj)
    return out, skipped


def claimreview_json(ws: Workspace, *, publisher: str, publisher_url: str, **kw: Any) -> str:
    """The ClaimReview JSON array as text (for download buttons)."""
    objs, _ = claimreview_objects(ws, publisher=publisher, publisher_url=publisher_url, **kw)
    return json.dumps(objs, ensure_ascii=False, indent=2) + "\n"


def export_claimreview(
    ws: Workspace, path: str | Path, *, publisher: str, publisher_url: str, **kw: Any
) -> ClaimReviewReport:
    """Write one ClaimReview per claim with a verdict (a JSON array); counts the skipped claims."""
    objs, skipped = claimreview_objects(ws, publisher=publisher, publisher_url=publisher_url, **kw)
    text = json.dumps(objs, ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, lambda h: h.write(text), mode="w", encoding="utf-8", newline="\n")
    log.info("wrote %d ClaimReview objects to %s (%d without verdict)", len(objs), path, skipped)
    return ClaimReviewReport(path=str(path), written=len(objs), skipped_without_verdict=skipped)


