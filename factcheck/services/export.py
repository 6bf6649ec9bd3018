"""Publishing and hand-off: verdict CSV, schema.org ClaimReview JSON-LD, JSONL dump and import.

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

import csv
import io
import json
import logging
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Connection

from factcheck.db.store import (
    INDEX_SOURCES,
    MODELS_BY_TABLE,
    articles,
    claims,
    evidence_links,
    passages,
    review_events,
    row_to,
    sources,
    to_row,
    verdicts,
)
from factcheck.db.store import archive as archive_table
from factcheck.db.store import sentences as sentences_table
from factcheck.errors import InputError, NotFoundError
from factcheck.models import SCHEMA_VERSION, ClaimStatus, ClaimType

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

EVIDENCE_FIELD_SEP = " | "
"""Separator between URL, stance and passage text of one evidence link in the CSV cell."""
EVIDENCE_LINK_SEP = "\n"
"""Separator between evidence links in the CSV cell (passage text has its whitespace collapsed)."""
KEY_VALUE_SEP = "; "
"""Separator between key values in the CSV cell."""


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
class ExportRow(BaseModel):
    """One CSV row. Field order is the column order; descriptions are the column documentation."""

    claim_id: int = Field(description="Claim id in the database (`factcheck review CLAIM_ID`).")
    article_id: str = Field(description="Article id: the external id, else `sha256:` + content hash.")
    article_title: str | None = Field(default=None, description="Article title (empty if unknown).")
    article_url: str | None = Field(default=None, description="Article URL (empty if unknown).")
    claim_text: str = Field(description="The claim, exactly as in the article (`article[start:end]`).")
    start: int = Field(description="Character offset of the claim start in the article text.")
    end: int = Field(description="Character offset just past the claim end.")
    type: ClaimType = Field(
        description="quantity, quote, event, attribution, policy, prediction, comparison or other."
    )
    speaker: str | None = Field(default=None, description="Who made the claim, if attributed.")
    key_values: str = Field(
        default="",
        description=(
            "Numbers, dates and amounts in the claim, each as `kind: text (normalized)`, "
            "separated by `; `, e.g. `money: $380 billion (3.8e+11 USD); percent: 5% (5 %)`."
        ),
    )
    checkworthiness: float = Field(description="Check-worthiness score 0..1 (4 decimals).")
    status: ClaimStatus = Field(
        description="new, in_review, needs_second_review, done (dismissed only with --status dismissed)."
    )
    verdict: str | None = Field(default=None, description="Verdict label from the scale (empty if none).")
    rationale: str | None = Field(default=None, description="The reviewer's rationale.")
    evidence: str = Field(
        default="",
        description=(
            "Linked evidence, one link per line (line break inside the cell), each "
            "`URL | stance | passage text`; the URL falls back to `source:<id>` and passage "
            "whitespace is collapsed to single spaces, so split lines on `\\n` and each line "
            "on the first two ` | `."
        ),
    )
    reviewer: str | None = Field(default=None, description="Who saved the verdict.")
    reviewed_at: str | None = Field(
        default=None, description="When the verdict was saved, ISO 8601 UTC: `2025-03-01T14:05:09Z`."
    )


COLUMNS: tuple[str, ...] = tuple(ExportRow.model_fields)
"""CSV header, in order."""

_FORMULA_START = ("=", "@", "\t", "\r")
_SIGNED_NUMBER_TEXT = re.compile(r"[+-](?:\d[\d,.]*|\.\d+)%?(?:\s+[^=+\-*/^&|!()@;<>]*)?")


def neutralise(cell: str) -> str:
    """Make a cell inert for spreadsheets (OWASP CSV injection), keeping signed numbers readable.

    Cells starting with ``=``, ``@``, tab or carriage return get a leading ``'``. Cells starting
    with ``+`` or ``-`` get one too, unless they are a signed number or percentage, optionally
    followed by a space and words free of formula characters (``= + - * / ^ & | ! ( ) @ ; < >``):
    ``-5%``, ``-5% growth`` and ``+3.2`` stay as they are; ``-2+3+cmd|' /C calc'!A0``,
    ``-5 +A1`` and ``- item`` are neutralised.
    """
    if not cell:
        return cell
    first = cell[0]
    if first in _FORMULA_START:
        return "'" + cell
    if first in "+-" and not _SIGNED_NUMBER_TEXT.fullmatch(cell):
        return "'" + cell
    return cell


def _iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_values_cell(values: Any) -> str:
    if values.__class__ is str:  # raw JSON text (selected without SQLAlchemy's JSON processing)
        if values in ("[]", "null", ""):
            return ""
        values = json.loads(values)
    parts = []
    for kv in values or ():
        text = f"{kv.get('kind')}: {kv.get('text')}"
        if kv.get("normalized"):
            text += f" ({kv['normalized']})"
        parts.append(text)
    return KEY_VALUE_SEP.join(parts)


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
    return _iso_utc(value)


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
                cid, aid, title, url, text, start, end, ctype, speaker, _key_values_cell(kvs),
                round(score or 0.0, 4), cstatus, label, rationale, evidence.get(cid, ""),
                reviewer, _iso_db(at),
            )


_TRIGGERS = frozenset("=@\t\r+-")
_TEXT_COLUMNS = tuple(
    i for i, f in enumerate(ExportRow.model_fields.values()) if f.annotation in (str, str | None)
)
"""Indices of the free-text columns (the only ones that can hold a formula)."""


def _safe_row(row: tuple[Any, ...]) -> list[Any]:
    out = list(row)
    for i in _TEXT_COLUMNS:
        v = out[i]
        if v and v.__class__ is str and v[0] in _TRIGGERS:
            out[i] = neutralise(v)
    return out


def _write_csv(rows: Iterable[tuple[Any, ...]], handle: Any) -> int:
    writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = [0]

    def safe() -> Iterator[list[Any]]:
        for row in rows:
            count[0] += 1
            yield _safe_row(row)

    writer.writerows(safe())
    return count[0]


@dataclass
class ExportReport:
    """What an export wrote."""

    path: str
    written: int
    skipped_without_verdict: int = 0


def _atomic_write(path: str | Path, write: Callable[[Any], Any], *, mode: str, **open_kw: Any) -> Any:
    """Write through `write(handle)` into a temp file beside `path`, then rename it into place."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist; create it or pick another path")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, **open_kw) as handle:
            result = write(handle)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write ({e.strerror}); check the path and permissions") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


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
    n = _atomic_write(path, lambda h: _write_csv(rows, h), mode="w", encoding=encoding, newline="",
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
    _write_csv(csv_rows(ws, article_id=article_id, status=status), buf)
    return buf.getvalue().encode("utf-8-sig" if excel else "utf-8")


def columns_doc() -> str:
    """The CSV columns as a Markdown table (for the README)."""
    lines = ["| column | meaning |", "|---|---|"]
    for name, fld in ExportRow.model_fields.items():
        meaning = (fld.description or "").replace("|", r"\|")
        lines.append(f"| `{name}` | {meaning} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# ClaimReview
# ---------------------------------------------------------------------------------------------
SPECIAL_LABELS = frozenset(
    {"unverifiable", "not check-worthy", "not checkworthy", "not checkable", "unproven",
     "unrated", "no rating", "no verdict"}
)
"""Labels (case-insensitive) that are not a position on the truth scale: no numeric rating."""

_ORG_WORDS = re.compile(
    r"\b(inc|corp|corporation|co|company|ltd|llc|plc|gmbh|ag|group|ministry|department|agency|"
    r"office|administration|government|committee|council|commission|bureau|institute|university|"
    r"foundation|association|party|bank|police|army|pentagon|white house|congress|senate|"
    r"parliament|court|news|times|post|cdc|who|fbi|nasa|un)\b\.?",
    re.IGNORECASE,
)


def rating_scale(labels: list[str]) -> tuple[list[str], list[str]]:
    """Split a verdict scale into (graded labels best to worst, special labels).

    The scale lists graded labels best first, then special ones (:data:`SPECIAL_LABELS`);
    grading stops at the first special label.
    """
    for i, label in enumerate(labels):
        if label.strip().casefold() in SPECIAL_LABELS:
            return labels[:i], labels[i:]
    return list(labels), []


def review_rating(label: str, labels: list[str]) -> dict[str, Any]:
    """The schema.org ``Rating`` of a verdict label: best label = N, worst graded = 1."""
    graded, _special = rating_scale(labels)
    rating: dict[str, Any] = {"@type": "Rating"}
    folded = [g.casefold() for g in graded]
    if label.casefold() in folded:
        rating.update(
            ratingValue=len(graded) - folded.index(label.casefold()),
            bestRating=len(graded),
            worstRating=1,
        )
    rating["alternateName"] = label
    return rating


def _speaker(name: str) -> dict[str, str]:
    kind = "Organization" if _ORG_WORDS.search(name) else "Person"
    return {"@type": kind, "name": name}


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d",
                 "%m/%d/%Y", "%d.%m.%Y")


def iso_date(value: str | None) -> str | None:
    """An article's `published` text as an ISO date (``2025-03-01``), or None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    log.debug("unreadable published date %r; left out of ClaimReview", value)
    return None


@dataclass
class ClaimReviewReport:
    """What a ClaimReview export wrote and skipped."""

    path: str
    written: int
    skipped_without_verdict: int


def _check_publisher(publisher: str, publisher_url: str) -> None:
    if not publisher or not publisher.strip():
        raise InputError("ClaimReview needs a publisher name; pass --publisher \"Desk name\"")
    if not re.match(r"https?://[^\s/]+", publisher_url or ""):
        raise InputError(
            f"publisher URL {publisher_url!r} is not an http(s) URL; pass --publisher-url https://..."
        )


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
    _check_publisher(publisher, publisher_url)
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
                item["author"] = _speaker(speaker)
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
    _atomic_write(path, lambda h: h.write(text), mode="w", encoding="utf-8", newline="\n")
    log.info("wrote %d ClaimReview objects to %s (%d without verdict)", len(objs), path, skipped)
    return ClaimReviewReport(path=str(path), written=len(objs), skipped_without_verdict=skipped)


# ---------------------------------------------------------------------------------------------
# JSONL dump
# ---------------------------------------------------------------------------------------------
DUMP_FORMAT = "factcheck-jsonl"
DUMP_TABLES: tuple[str, ...] = (
    "articles", "sentences", "claims", "sources", "passages", "evidence_links", "verdicts",
    "review_events", "archive",
)
"""Tables in a dump, in dependency order (the `embeddings` cache is not dumped)."""

_TABLES: dict[str, sa.Table] = {
    "articles": articles,
    "sentences": sentences_table,
    "claims": claims,
    "sources": sources,
    "passages": passages,
    "evidence_links": evidence_links,
    "verdicts": verdicts,
    "review_events": review_events,
    "archive": archive_table,
}


def jsonl_lines(ws: Workspace) -> Iterator[str]:
    """The dump, one JSON line (without newline) at a time: a `meta` line, then every record."""
    yield json.dumps({"table": "meta", "format": DUMP_FORMAT, "schema_version": SCHEMA_VERSION})
    with ws.store.engine.connect() as conn:
        for name in DUMP_TABLES:
            table, model = _TABLES[name], MODELS_BY_TABLE[name]
            order = list(table.primary_key.columns)
            times = [f for f, info in model.model_fields.items() if info.annotation is datetime]
            for row in conn.execute(sa.select(table).order_by(*order)):
                record = row_to(model, row)
                # times in UTC ("...Z") whatever the database session's time zone
                record = record.model_copy(
                    update={f: getattr(record, f).astimezone(UTC) for f in times})
                yield json.dumps({"table": name, **record.model_dump(mode="json")},
                                 ensure_ascii=False)


def jsonl_text(ws: Workspace) -> str:
    """The whole dump as text (for download buttons)."""
    return "".join(line + "\n" for line in jsonl_lines(ws))


def export_jsonl(ws: Workspace, path: str | Path) -> ExportReport:
    """Dump every record to a JSONL file; `written` counts records (not the meta line)."""

    def write(handle: Any) -> int:
        n = -1
        for line in jsonl_lines(ws):
            handle.write(line + "\n")
            n += 1
        return n

    n = _atomic_write(path, write, mode="w", encoding="utf-8", newline="\n")
    log.info("dumped %d records to %s", n, path)
    return ExportReport(path=str(path), written=n)


# ---------------------------------------------------------------------------------------------
# JSONL import
# ---------------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import did. `conflicts` and `errors` are one-line messages (errors name the line)."""

    added: int = 0
    updated: int = 0
    skipped_same: int = 0
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_table: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def ok(self) -> bool:
        """True when every line was read (conflicts do not count as failures)."""
        return not self.errors

    def count(self, table: str, what: str) -> None:
        """Tally one outcome (added, updated, skipped_same, conflict) for a table."""
        self.by_table[table][what] += 1
        if what in ("added", "updated", "skipped_same"):
            setattr(self, what, getattr(self, what) + 1)


@dataclass
class _Line:
    number: int
    table: str
    record: Any


def _validation_message(e: ValidationError) -> str:
    first = e.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "record"
    more = f" (+{e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return f"{loc}: {first['msg']}{more}"


def _parse(lines: Iterable[str], name: str, report: ImportReport) -> dict[str, list[_Line]]:
    """Validate each line against its model; bad lines become errors, the rest go on."""
    by_table: dict[str, list[_Line]] = defaultdict(list)
    seen_any = False
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        seen_any = True
        where = f"{name}:{number}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            report.errors.append(f"{where}: not JSON ({e.msg} at column {e.colno}); fix or drop the line")
            continue
        if not isinstance(obj, dict):
            report.errors.append(f"{where}: expected a JSON object with a \"table\" field")
            continue
        table = obj.pop("table", None)
        if table == "meta":
            version = obj.get("schema_version", SCHEMA_VERSION)
            if not isinstance(version, int) or version > SCHEMA_VERSION:
                raise InputError(
                    f"{where}: dump has schema version {version}, newer than this factcheck "
                    f"({SCHEMA_VERSION}); upgrade factcheck"
                )
            continue
        if not isinstance(table, str) or table not in _TABLES:
            report.errors.append(
                f"{where}: unknown table {table!r}; use one of: {', '.join(DUMP_TABLES)}"
            )
            continue
        try:
            record = MODELS_BY_TABLE[table].model_validate(obj)
        except ValidationError as e:
            report.errors.append(f"{where}: bad {table} record, {_validation_message(e)}")
            continue
        by_table[table].append(_Line(number, table, record))
    if not seen_any:
        raise InputError(f"{name}: file is empty; give a dump written by `factcheck export jsonl`")
    return by_table


class _Merger:
    """Merges parsed dump records into the database inside one transaction."""

    def __init__(self, conn: Connection, name: str, report: ImportReport) -> None:
        self.conn = conn
        self.name = name
        self.report = report
        self.claim_ids: dict[int, int] = {}
        self.passage_ids: dict[int, int] = {}

    def where(self, line: _Line) -> str:
        return f"{self.name}:{line.number}"

    def error(self, line: _Line, message: str) -> None:
        self.report.errors.append(f"{self.where(line)}: {message}")

    def conflict(self, line: _Line, message: str) -> None:
        self.report.conflicts.append(f"{self.where(line)}: conflict: {message}")
        self.report.count(line.table, "conflict")

    def existing(self, table: str) -> list[Any]:
        model = MODELS_BY_TABLE[table]
        return [row_to(model, r) for r in self.conn.execute(sa.select(_TABLES[table]))]

    def insert(self, table: str, records: list[Any]) -> None:
        if records:
            self.conn.execute(sa.insert(_TABLES[table]), [to_row(r) for r in records])
            for _ in records:
                self.report.count(table, "added")

    def update(self, table: str, key: dict[str, Any], record: Any) -> None:
        t = _TABLES[table]
        values = {k: v for k, v in to_row(record).items() if k not in key}
        self.conn.execute(sa.update(t).where(*(t.c[k] == v for k, v in key.items())).values(values))
        self.report.count(table, "updated")

    # -- tables keyed by their own string id (and sentences by article, index) ----------------
    def plain(self, table: str, lines: list[_Line], key: Callable[[Any], Any],
              parent: tuple[str, set[Any]] | None = None) -> None:
        have = {key(r): r for r in self.existing(table)}
        new = []
        for line in lines:
            rec = line.record
            if parent is not None and getattr(rec, parent[0]) not in parent[1]:
                self.error(line, f"{table} record refers to {parent[0]} {getattr(rec, parent[0])!r}, "
                                 "which is in neither the dump nor the database")
                continue
            k = key(rec)
            if k in have:
                if have[k] == rec:
                    self.report.count(table, "skipped_same")
                else:
                    self.conflict(line, f"{table} {k!r} differs from the stored one; kept the stored one")
                continue
            have[k] = rec
            new.append(rec)
        self.insert(table, new)

    # -- tables with integer ids that may collide ---------------------------------------------
    def with_ids(
        self,
        table: str,
        lines: list[_Line],
        id_field: str,
        key: Callable[[Any], Any],
        newer: Callable[[Any, Any], bool] | None,
        describe: Callable[[Any, Any], str],
        id_map: dict[int, int] | None = None,
    ) -> None:
        """Merge records with an integer id: match by natural key, else insert.

        New records keep their dump ids when none of them collides; otherwise all of them are
        renumbered after the highest stored id, in dump order (so histories keep their order).
        """
        stored = self.existing(table)
        have = {key(r): r for r in stored}
        used = {getattr(r, id_field) for r in stored}
        pending: dict[Any, list[_Line]] = {}
        for line in lines:
            rec = line.record
            k = key(rec)
            old_id = getattr(rec, id_field)
            if k in pending:  # the same record twice in the dump
                first = pending[k][0].record
                if rec.model_copy(update={id_field: getattr(first, id_field)}) == first:
                    pending[k].append(line)
                    self.report.count(table, "skipped_same")
                else:
                    self.conflict(line, f"{table} record {k!r} appears twice in the dump with "
                                        f"different values; kept line {pending[k][0].number}")
                continue
            if k not in have:
                pending[k] = [line]
                continue
            cur = have[k]
            local = getattr(cur, id_field)
            if old_id is not None and id_map is not None:
                id_map[old_id] = local
            mine = rec.model_copy(update={id_field: local})
            if mine == cur:
                self.report.count(table, "skipped_same")
            elif newer is not None and newer(mine, cur):
                self.update(table, {id_field: local}, mine)
                have[k] = mine
            else:
                self.conflict(line, describe(mine, cur))
        firsts = [group[0] for group in pending.values()]
        dump_ids = [getattr(ln.record, id_field) for ln in firsts]
        keep = None not in dump_ids and len(set(dump_ids)) == len(dump_ids) and not used & set(dump_ids)
        if not keep:
            firsts.sort(key=lambda ln: (getattr(ln.record, id_field) is None,
                                        getattr(ln.record, id_field) or 0, ln.number))
        next_id = max(used, default=0) + 1
        new = []
        for line in firsts:
            if keep:
                local = getattr(line.record, id_field)
            else:
                local, next_id = next_id, next_id + 1
            for dup in pending[key(line.record)]:
                old_id = getattr(dup.record, id_field)
                if old_id is not None and id_map is not None:
                    id_map[old_id] = local
            new.append(line.record.model_copy(update={id_field: local}))
        if not keep and new:
            log.info("%s: dump ids collide with stored ones; %d new records renumbered", table,
                     len(new))
        self.insert(table, new)

    def map_ref(self, line: _Line, what: str, dump_id: int, id_map: dict[int, int]) -> int | None:
        if dump_id not in id_map:
            self.error(line, f"{line.table} record refers to {what} {dump_id}, which is not in the dump")
            return None
        return id_map[dump_id]

    def remap(self, lines: list[_Line], refs: dict[str, tuple[str, dict[int, int]]]) -> list[_Line]:
        out = []
        for line in lines:
            update = {}
            for fld, (what, id_map) in refs.items():
                local = self.map_ref(line, what, getattr(line.record, fld), id_map)
                if local is None:
                    break
                update[fld] = local
            else:
                out.append(_Line(line.number, line.table, line.record.model_copy(update=update)))
        return out

    def remap_event_data(self, data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        if isinstance(data.get("passage_id"), int):
            data["passage_id"] = self.passage_ids.get(data["passage_id"], data["passage_id"])
        if isinstance(data.get("parent"), int):
            data["parent"] = self.claim_ids.get(data["parent"], data["parent"])
        return data


def _claim_conflict(mine: Any, cur: Any) -> str:
    return (f"claim {cur.id} ({cur.article_id} {cur.start}:{cur.end}) is stored at version "
            f"{cur.version}, the dump has version {mine.version}; kept the stored claim")


def _verdict_conflict(mine: Any, cur: Any) -> str:
    return (f"claim {cur.claim_id}: the dump's verdict {mine.label!r} by {mine.reviewer} "
            f"(version {mine.version}, {_iso_utc(mine.created_at)}) is not newer than the stored "
            f"verdict {cur.label!r} by {cur.reviewer} (version {cur.version}, "
            f"{_iso_utc(cur.created_at)}); kept the stored verdict")


def _link_conflict(mine: Any, cur: Any) -> str:
    return (f"evidence link claim {cur.claim_id} -> passage {cur.passage_id}: stored stance "
            f"{cur.stance.value!r} by {cur.reviewer} is newer than the dump's "
            f"{mine.stance.value!r}; kept the stored link")


def _event_conflict(mine: Any, cur: Any) -> str:
    return (f"review event {cur.kind!r} on claim {cur.claim_id} by {cur.reviewer} at "
            f"{_iso_utc(cur.at)} has different data in the dump; kept the stored event")


def _merge(conn: Connection, parsed: dict[str, list[_Line]], name: str, report: ImportReport) -> None:
    m = _Merger(conn, name, report)
    get = parsed.get

    m.plain("articles", get("articles", []), key=lambda r: r.id)
    article_ids = set(conn.execute(sa.select(articles.c.id)).scalars())
    m.plain("sentences", get("sentences", []), key=lambda r: (r.article_id, r.index),
            parent=("article_id", article_ids))

    claim_lines = []
    texts: dict[str, str] = {}
    for line in get("claims", []):
        rec = line.record
        if rec.article_id not in article_ids:
            m.error(line, f"claim refers to article {rec.article_id!r}, which is in neither "
                          "the dump nor the database")
            continue
        if rec.article_id not in texts:
            texts[rec.article_id] = conn.execute(
                sa.select(articles.c.text).where(articles.c.id == rec.article_id)
            ).scalar_one()
        if texts[rec.article_id][rec.start : rec.end] != rec.text:
            m.error(line, f"claim text does not match article {rec.article_id!r} at "
                          f"{rec.start}:{rec.end}; offsets must point into the article text")
            continue
        claim_lines.append(line)
    m.with_ids("claims", claim_lines, "id", key=lambda r: (r.article_id, r.start, r.end),
               newer=lambda a, b: a.version > b.version, describe=_claim_conflict,
               id_map=m.claim_ids)

    m.plain("sources", get("sources", []), key=lambda r: r.id)
    source_ids = set(conn.execute(sa.select(sources.c.id)).scalars())
    passage_lines = []
    for line in get("passages", []):
        if line.record.source_id not in source_ids:
            m.error(line, f"passage refers to source {line.record.source_id!r}, which is in neither "
                          "the dump nor the database")
        else:
            passage_lines.append(line)
    m.with_ids("passages", passage_lines, "id", key=lambda r: (r.source_id, r.start, r.end),
               newer=None,
               describe=lambda a, b: f"passage {b.id} ({b.source_id} {b.start}:{b.end}) differs "
                                     "from the stored one; kept the stored passage",
               id_map=m.passage_ids)

    links = m.remap(get("evidence_links", []), {"claim_id": ("claim", m.claim_ids),
                                                "passage_id": ("passage", m.passage_ids)})
    m.with_ids("evidence_links", links, "id", key=lambda r: (r.claim_id, r.passage_id),
               newer=lambda a, b: a.created_at > b.created_at, describe=_link_conflict)

    verdict_lines = m.remap(get("verdicts", []), {"claim_id": ("claim", m.claim_ids)})
    have = {v.claim_id: v for v in m.existing("verdicts")}
    new = []
    for line in verdict_lines:
        rec = line.record
        cur = have.get(rec.claim_id)
        if cur is None:
            have[rec.claim_id] = rec
            new.append(rec)
        elif cur == rec:
            report.count("verdicts", "skipped_same")
        elif (rec.version, rec.created_at) > (cur.version, cur.created_at):
            m.update("verdicts", {"claim_id": rec.claim_id}, rec)
            have[rec.claim_id] = rec
        else:
            m.conflict(line, _verdict_conflict(rec, cur))
    m.insert("verdicts", new)

    events = m.remap(get("review_events", []), {"claim_id": ("claim", m.claim_ids)})
    events = [
        _Line(ln.number, ln.table, ln.record.model_copy(update={"data": m.remap_event_data(ln.record.data)}))
        for ln in events
    ]
    m.with_ids("review_events", events, "id", key=lambda r: (r.claim_id, r.at, r.kind, r.reviewer),
               newer=None, describe=_event_conflict)

    m.with_ids("archive", get("archive", []), "seq", key=lambda r: r.id, newer=None,
               describe=lambda a, b: f"archive entry {b.id!r} differs from the stored one; "
                                     "kept the stored entry")
    _fix_sequences(conn)


def _fix_sequences(conn: Connection) -> None:
    """PostgreSQL: move id sequences past explicitly inserted ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table, col in (("claims", "id"), ("passages", "id"), ("evidence_links", "id"),
                       ("review_events", "id"), ("archive", "seq")):
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
            f"COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
        ))


def import_jsonl_lines(ws: Workspace, lines: Iterable[str], name: str = "<dump>") -> ImportReport:
    """Merge dump lines into the database in one transaction (see :func:`import_jsonl`)."""
    report = ImportReport()
    parsed = _parse(lines, name, report)
    with ws.write(*INDEX_SOURCES) as conn:
        _merge(conn, parsed, name, report)
    log.info("imported %s: %d added, %d updated, %d unchanged, %d conflicts, %d errors", name,
             report.added, report.updated, report.skipped_same, len(report.conflicts),
             len(report.errors))
    return report


def import_jsonl(ws: Workspace, path: str | Path) -> ImportReport:
    """Merge a dump into the database (empty or not) without duplicates.

    Records are matched by natural keys: article id; sentence (article, index); claim (article,
    start, end); source id; passage (source, start, end); evidence link (claim, passage);
    verdict (claim); review event (claim, time, kind, reviewer); archive id. Integer ids of new
    records are kept unless one of them is taken, else all new records of that table are
    renumbered after the highest stored id, in dump order (references follow). A stored record
    newer than the dump's (claims by version, verdicts by version then time, links by time) is
    kept and reported as a conflict; an older stored one is updated. Bad lines are reported
    with their line number and skipped; everything else is imported in one transaction.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror}); check the path") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{p}: not UTF-8 (byte {e.start}); give a dump from `factcheck export jsonl`") from e
    return import_jsonl_lines(ws, text.split("\n"), str(p))


__all__ = [
    "COLUMNS",
    "ClaimReviewReport",
    "ExportReport",
    "ExportRow",
    "ImportReport",
    "claimreview_json",
    "claimreview_objects",
    "columns_doc",
    "csv_bytes",
    "csv_rows",
    "export_claimreview",
    "export_csv",
    "export_jsonl",
    "import_jsonl",
    "import_jsonl_lines",
    "jsonl_lines",
    "jsonl_text",
    "neutralise",
    "review_rating",
]
