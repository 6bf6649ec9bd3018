"""Import earlier, published fact-checks: CSV and schema.org ClaimReview JSON-LD.

**CSV** (header row required; comma, semicolon or tab separated)::

    id, claim, verdict, url, date, title

Only ``claim`` and ``verdict`` are required. ``verdict`` is the publisher's rating, kept
verbatim (it need not be on this tool's scale); ``date`` is kept as written.

**ClaimReview JSON-LD** (``.json``/``.jsonld``; one object, a list, an ``@graph``, a
``DataFeed`` with ``dataFeedElement[].item``, or one object per line): ``claimReviewed`` ->
claim, ``reviewRating.alternateName`` (else ``reviewRating.name``) -> verdict, ``url``,
``datePublished`` (else ``itemReviewed.datePublished``) -> date, ``name``/``headline`` ->
title, ``identifier`` (else ``@id``) -> id.

De-duplication: the key is ``id`` when given, else a hash of (claim, url); an entry already
stored (or repeated in the file) is skipped, so importing the same file twice adds nothing.
A malformed row is reported as ``file:line: what is wrong; how to fix it`` and skipped.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from factcheck.db.chunks import in_chunks
from factcheck.db.store import archive as archive_table
from factcheck.db.store import to_row
from factcheck.errors import InputError
from factcheck.io.readers import csv_rows, decode_bytes
from factcheck.models import ArchiveCheck
from factcheck.text.sentences import text_hash

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

CSV_COLUMNS = ("id", "claim", "verdict", "url", "date", "title")
CSV_SUFFIXES = {".csv", ".tsv"}
JSON_SUFFIXES = {".json", ".jsonld", ".jsonl", ".ndjson"}


class ImportReport(BaseModel):
    """The result of importing one archive file."""

    origin: str
    added: int = 0
    skipped: int = Field(default=0, description="already stored or repeated in the file")
    errors: list[str] = Field(default_factory=list, description="one line per malformed row")

    @property
    def total(self) -> int:
        """Rows read (added + skipped + malformed)."""
        return self.added + self.skipped + len(self.errors)


def archive_id(claim: str, url: str | None) -> str:
    """The de-duplication id of an entry without an external id: hash of (claim, url)."""
    return "sha256:" + text_hash(f"{claim.strip()}\x1f{(url or '').strip()}")[:16]


def _opt(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value or None


def _entry(claim: Any, verdict: Any, where: str, **meta: Any) -> ArchiveCheck:
    claim_s = _opt(claim)
    verdict_s = _opt(verdict)
    if not claim_s:
        raise InputError(f"{where}: no claim text; every fact-check needs the claim it reviewed")
    if not verdict_s:
        raise InputError(f"{where}: no verdict; give the publisher's rating (e.g. \"False\")")
    rid = _opt(meta.get("id"))
    url = _opt(meta.get("url"))
    return ArchiveCheck(
        id=rid or archive_id(claim_s, url),
        claim=" ".join(claim_s.split()),
        verdict=verdict_s,
        url=url,
        date=_opt(meta.get("date")),
        title=_opt(meta.get("title")),
        origin=where,
    )


# -- CSV ---------------------------------------------------------------------
def read_archive_csv(text: str, name: str) -> Iterator[ArchiveCheck | InputError]:
    """Entries of an archive CSV; malformed rows yield InputError naming file:line."""
    delimiters = "\t" if name.lower().endswith(".tsv") else ",;\t"
    def check(header: list[str]) -> str | None:
        missing = [c for c in ("claim", "verdict") if c not in header]
        if missing:
            return (
                f"no {' or '.join(missing)} column in the header ({', '.join(header[:8])}); "
                f"columns are {', '.join(CSV_COLUMNS)} (claim and verdict required)"
            )
        unknown = [h for h in header if h and h not in CSV_COLUMNS]
        if unknown:
            log.warning("%s: ignoring columns %s", name, ", ".join(unknown))
        return None

    for item in csv_rows(text, name, check, delimiters=delimiters):
        if isinstance(item, InputError):
            yield item
            continue
        where, fields = item
        try:
            yield _entry(fields.get("claim"), fields.get("verdict"), where,
                         **{k: fields.get(k) for k in ("id", "url", "date", "title")})
        except InputError as e:
            yield e


# -- JSON-LD -----------------------------------------------------------------
class _Lines:
    """Character offset -> 1-based line number."""

    def __init__(self, text: str) -> None:
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, pos: int) -> int:
        return bisect.bisect_right(self.breaks, pos - 1) + 1 if pos > 0 else 1


_WS = re.compile(r"\s*")


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _array_items(
    text: str, i: int, lines: _Lines, name: str
) -> Iterator[tuple[int, Any] | InputError]:
    """(line, value) of each element of the JSON array starting at text[i] == '['."""
    dec = json.JSONDecoder()
    i = _skip(text, i + 1)
    if i < len(text) and text[i] == "]":
        return
    while i < len(text):
        try:
            obj, end = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            yield InputError(f"{name}:{lines(e.pos)}: invalid JSON ({e.msg}); the rest of the list "
                             "is not read, fix the file")
            return
        yield lines(i), obj
        i = _skip(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
        elif i < len(text) and text[i] == "]":
            return
        else:
            yield InputError(f"{name}:{lines(i)}: invalid JSON (expected ',' or ']'); fix the file")
            return


def _nested_positions(text: str, start: int, end: int, key: str) -> int | None:
    """Offset of the '[' of `"key": [` inside text[start:end], if found."""
    m = re.compile(rf'"{re.escape(key)}"\s*:\s*\[').search(text, start, end)
    return m.end() - 1 if m else None


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type") or obj.get("type")
    items = t if isinstance(t, list) else [t]
    return {str(x).rsplit("/", 1)[-1] for x in items if x}


def _claim_review(obj: dict[str, Any], where: str) -> ArchiveCheck:
    rating = obj.get("reviewRating")
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    verdict = None
    if isinstance(rating, dict):
        verdict = _opt(rating.get("alternateName")) or _opt(rating.get("name"))
    item = obj.get("itemReviewed") if isinstance(obj.get("itemReviewed"), dict) else {}
    claim = _opt(obj.get("claimReviewed")) or _opt(item.get("name"))
    if not claim:
        raise InputError(f"{where}: ClaimReview has no claimReviewed; add the reviewed claim text")
    if not verdict:
        raise InputError(
            f"{where}: ClaimReview has no reviewRating.alternateName; add the publisher's verdict"
        )
    ident = obj.get("identifier")
    if isinstance(ident, dict):
        ident = ident.get("value")
    return _entry(
        claim, verdict, where,
        id=_opt(ident) or _opt(obj.get("@id")),
        url=obj.get("url"),
        date=_opt(obj.get("datePublished")) or _opt(item.get("datePublished")),
        title=_opt(obj.get("name")) or _opt(obj.get("headline")),
    )


def _records(
    obj: Any, line: int, name: str, text: str, span: tuple[int, int], lines: _Lines
) -> Iterator[ArchiveCheck | InputError]:
    """ClaimReviews in one JSON value (recursing into @graph / DataFeed / ItemList)."""
    where = f"{name}:{line}"
    if isinstance(obj, list):
        for item in obj:
            yield from _records(item, line, name, text, span, lines)
        return
    if not isinstance(obj, dict):
        yield InputError(f"{where}: expected a ClaimReview object, got {type(obj).__name__}")
        return
    types = _types(obj)
    if "ClaimReview" in types:
        try:
            yield _claim_review(obj, where)
        except InputError as e:
            yield e
        return
    for key in ("@graph", "dataFeedElement", "itemListElement"):
        if isinstance(obj.get(key), list):
            pos = _nested_positions(text, span[0], span[1], key)
            if pos is not None:
                for item in _array_items(text, pos, lines, name):
                    if isinstance(item, InputError):
                        yield item
                    else:
                        sub_line, value = item
                        yield from _records(value, sub_line, name, text, span, lines)
            else:
                for value in obj[key]:
                    yield from _records(value, line, name, text, span, lines)
            return
    if "item" in obj and ({"DataFeedItem", "ListItem"} & types or not types):
        yield from _records(obj["item"], line, name, text, span, lines)
        return
    shown = ", ".join(sorted(types)) or "none"
    yield InputError(f"{where}: not a ClaimReview (@type {shown}); skip it or fix @type")


def read_claimreview(text: str, name: str) -> Iterator[ArchiveCheck | InputError]:
    """ClaimReview entries of a JSON / JSON-LD / JSONL text, each error naming file:line."""
    lines = _Lines(text)
    dec = json.JSONDecoder()
    i = _skip(text, 0)
    if i >= len(text):
        yield InputError(f"{name}: empty file; give ClaimReview JSON-LD")
        return
    if text[i] == "[":
        for item in _array_items(text, i, lines, name):
            if isinstance(item, InputError):
                yield item
            else:
                line, value = item
                yield from _records(value, line, name, text, (i, len(text)), lines)
        return
    while i < len(text):
        try:
            obj, end = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            yield InputError(f"{name}:{lines(e.pos)}: invalid JSON ({e.msg}); fix or remove it")
            nxt = text.find("\n", e.pos)
            if nxt < 0:
                return
            i = _skip(text, nxt)
            continue
        yield from _records(obj, lines(i), name, text, (i, end), lines)
        i = _skip(text, end)


def read_archive(path: str | Path, *, max_bytes: int = 200_000_000) -> Iterator[ArchiveCheck | InputError]:
    """Entries of one archive file (CSV/TSV or JSON-LD); errors are yielded, never raised."""
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix not in CSV_SUFFIXES | JSON_SUFFIXES:
        yield InputError(f"{name}: unknown archive format; give a .csv/.tsv or ClaimReview "
                         ".jsonld/.json file")
        return
    try:
        if p.stat().st_size > max_bytes:
            yield InputError(f"{name}: over the {max_bytes:,}-byte limit; split the file")
            return
        data = p.read_bytes()
    except FileNotFoundError:
        yield InputError(f"{name}: no such file")
        return
    except OSError as e:
        yield InputError(f"{name}: cannot read ({e.strerror})")
        return
    try:
        text = decode_bytes(data, name)
    except InputError as e:
        yield e
        return
    if suffix in CSV_SUFFIXES:
        yield from read_archive_csv(text, name)
    else:
        yield from read_claimreview(text, name)


# -- storing -----------------------------------------------------------------
def store_entries(ws: Workspace, entries: list[ArchiveCheck], report: ImportReport) -> list[ArchiveCheck]:
    """Insert entries whose id is new (counted in ``report``); returns those inserted."""
    seen: set[str] = set()
    unique: list[ArchiveCheck] = []
    for e in entries:
        if e.id in seen:
            report.skipped += 1
            continue
        seen.add(e.id)
        unique.append(e)
    ids = [e.id for e in unique]
    have: set[str] = set()
    new: list[ArchiveCheck] = []
    with ws.write("archive") as conn:
        for chunk in in_chunks(ids):
            q = sa.select(archive_table.c.id).where(archive_table.c.id.in_(chunk))
            have.update(r for (r,) in conn.execute(q))
        new = [e for e in unique if e.id not in have]
        report.skipped += len(unique) - len(new)
        for rows in in_chunks(new, 1000):
            conn.execute(sa.insert(archive_table), [to_row(e, drop_none_keys=["seq"]) for e in rows])
    report.added += len(new)
    return new


def import_entries(ws: Workspace, entries: list[ArchiveCheck], origin: str = "<records>") -> ImportReport:
    """Store already-parsed entries, then sync the archive index (used by benches and the app)."""
    report = ImportReport(origin=origin)
    new = store_entries(ws, entries, report)
    _after_import(ws, new)
    return report


def _after_import(ws: Workspace, new: list[ArchiveCheck]) -> None:
    if new or not (ws.index_dir / "archive" / "manifest.json").exists():
        ws.sync_index("archive", building=True)
    titles = [e.title for e in new if e.title]
    if titles:
        ws.embedder.embed(titles)  # cached for the match re-ranker's title similarity


def import_archive(ws: Workspace, path: str | Path) -> ImportReport:
    """Import one archive file (CSV or ClaimReview JSON-LD); malformed rows are reported+skipped.

    Returns an :class:`ImportReport` (``added``, ``skipped``, ``errors``). A file that cannot be
    read at all gives one error and adds nothing. The archive index is synced afterwards.
    """
    report = ImportReport(origin=str(path))
    entries: list[ArchiveCheck] = []
    for item in read_archive(path, max_bytes=max(ws.settings.max_bytes, 200_000_000)):
        if isinstance(item, InputError):
            report.errors.append(str(item))
        else:
            entries.append(item)
    new = store_entries(ws, entries, report) if entries else []
    _after_import(ws, new)
    log.info("%s: %d added, %d skipped, %d errors", path, report.added, report.skipped,
             len(report.errors))
    return report


def list_archive(ws: Workspace, limit: int | None = None) -> list[ArchiveCheck]:
    """Stored archive entries, oldest first."""
    q = sa.select(archive_table).order_by(archive_table.c.seq)
    if limit is not None:
        q = q.limit(limit)
    with ws.store.engine.connect() as conn:
        return [ArchiveCheck.model_validate(dict(r._mapping)) for r in conn.execute(q)]
