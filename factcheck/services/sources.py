"""Source documents -> passages: sentence windows with overlap and exact offsets.

A source is stored with its metadata and full text; its passages are windows of consecutive
sentences (``PASSAGE_SENTENCES`` sentences, neighbouring windows sharing ``PASSAGE_OVERLAP``)
whose ``start``/``end`` are character offsets into the source text, so
``source.text[p.start:p.end] == p.text``. Passages are embedded with the workspace model and
indexed in the ``passages`` FAISS index.

Inputs (see :func:`add_sources`): ``.txt .md .html .pdf`` files, folders of them, and
manifests (``.csv`` / ``.jsonl``) with columns ``id, url, title, publisher, published`` plus
``text`` or ``path`` (a path is relative to the manifest's folder). A file named by a manifest
given in the same call is taken with the manifest's metadata and not added again on its own.

De-duplication: a source whose id (the manifest ``id``, else the content hash) or whose exact
text is already stored is skipped, so adding the same sources twice adds nothing.

Links (``http://`` / ``https://``) are fetched (:mod:`factcheck.services.links`) and keep what was
fetched: requested URL, final URL, fetch time, HTTP status and the extracted text. Adding the same
link again with unchanged text adds nothing; changed text becomes a new version, a new source
``<first id>@2`` (``@3``...), and the old version with its passages and evidence links stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

from factcheck.db.chunks import in_chunks
from factcheck.db.store import passages as passages_table
from factcheck.db.store import row_to, to_row
from factcheck.db.store import sources as sources_table
from factcheck.errors import InputError, NotFoundError
from factcheck.io.readers import (
    HTML_SUFFIXES,
    PDF_SUFFIXES,
    RECORD_SUFFIXES,
    TEXT_SUFFIXES,
    Document,
    csv_rows,
    decode_bytes,
    expand_paths,
    jsonl_objects,
    read_bytes,
)
from factcheck.models import Passage, Source
from factcheck.services.links import is_url, provenance, read_inputs
from factcheck.text.sentences import split_sentences, text_hash

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

SOURCE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | RECORD_SUFFIXES
MANIFEST_SUFFIXES = {".csv", ".jsonl", ".ndjson"}
PASSAGE_SENTENCES = 3
PASSAGE_OVERLAP = 1
PASSAGE_MAX_CHARS = 1200
_MANIFEST_FIELDS = ("id", "url", "title", "publisher", "published", "text", "path")


class SourceResult(BaseModel):
    """What happened to one input source."""

    origin: str = Field(description="file path, or manifest path:line")
    status: Literal["added", "skipped", "error"]
    source_id: str | None = None
    title: str | None = None
    url: str | None = None
    passages: int = 0
    message: str | None = Field(default=None, description="why skipped, or the error")


class AddReport(BaseModel):
    """The result of :func:`add_sources`: one row per input source, in input order."""

    results: list[SourceResult] = Field(default_factory=list)

    @property
    def added(self) -> int:
        """Sources newly stored."""
        return sum(r.status == "added" for r in self.results)

    @property
    def skipped(self) -> int:
        """Sources already stored (same id or same text)."""
        return sum(r.status == "skipped" for r in self.results)

    @property
    def errors(self) -> list[str]:
        """One-line error messages of the inputs that failed."""
        return [r.message or "" for r in self.results if r.status == "error"]

    @property
    def passages(self) -> int:
        """Passages stored by this call."""
        return sum(r.passages for r in self.results if r.status == "added")


# -- passages ----------------------------------------------------------------
def split_passages(
    source_id: str,
    text: str,
    *,
    size: int = PASSAGE_SENTENCES,
    overlap: int = PASSAGE_OVERLAP,
    max_chars: int = PASSAGE_MAX_CHARS,
) -> list[Passage]:
    """Windows of ``size`` sentences, consecutive windows sharing ``overlap`` sentences.

    A window stops early when it would exceed ``max_chars`` (a single longer sentence is a
    passage of its own). Offsets are exact: ``text[p.start:p.end] == p.text``. Every sentence is
    in at least one passage.
    """
    if size < 1 or not 0 <= overlap < size:
        raise ValueError("need size >= 1 and 0 <= overlap < size")
    spans = split_sentences(text)
    out: list[Passage] = []
    i = 0
    n = len(spans)
    while i < n:
        j = i + 1
        while j < n and j - i < size and spans[j][1] - spans[i][0] <= max_chars:
            j += 1
        start, end = spans[i][0], spans[j - 1][1]
        out.append(Passage(source_id=source_id, index=len(out), start=start, end=end,
                           text=text[start:end]))
        if j >= n:
            break
        i = max(i + 1, j - overlap)
    return out


# -- reading inputs ----------------------------------------------------------
def _opt(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _manifest_rows(text: str, name: str) -> Iterator[tuple[str, dict[str, Any]] | InputError]:
    """(where, fields) of each manifest record, or InputError naming file:line."""
    if name.lower().endswith((".jsonl", ".ndjson")):
        for item in jsonl_objects(text, name, "`text` or `path`"):
            if isinstance(item, InputError):
                yield item
            else:
                where, obj = item
                yield where, {str(k).strip().lower(): v for k, v in obj.items()}
        return
    def check(header: list[str]) -> str | None:
        if "text" in header or "path" in header:
            return None
        return (
            f"a sources manifest needs a `text` or `path` column (header: "
            f"{', '.join(header[:8])}); columns are {', '.join(_MANIFEST_FIELDS)}"
        )

    yield from csv_rows(text, name, check)


def _manifest_documents(
    path: Path, max_bytes: int, referenced: set[Path]
) -> Iterator[Document | InputError]:
    """Documents of a manifest; paths it names are added to ``referenced``."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        yield InputError(f"{path}: cannot read ({e.strerror})")
        return
    try:
        text = decode_bytes(raw, str(path))
    except InputError as e:
        yield e
        return
    for item in _manifest_rows(text, str(path)):
        if isinstance(item, InputError):
            yield item
            continue
        where, fields = item
        body = fields.get("text")
        rel = _opt(fields.get("path"))
        title = _opt(fields.get("title"))
        if isinstance(body, str) and body.strip():
            doc = Document(text=body, title=title, origin=where)
        elif rel:
            target = Path(rel).expanduser()
            if not target.is_absolute():
                target = path.parent / target
            referenced.add(target.resolve())
            if not target.is_file():
                yield InputError(f"{where}: path {rel!r} is not a file (paths are relative to "
                                 f"{path.parent}); fix the path")
                continue
            if target.suffix.lower() not in TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES:
                yield InputError(f"{where}: path {rel!r} is not .txt/.md/.html/.pdf; convert it")
                continue
            try:
                data = target.read_bytes()
            except OSError as e:
                yield InputError(f"{where}: cannot read {rel!r} ({e.strerror})")
                continue
            docs = list(read_bytes(data, str(target), max_bytes=max_bytes))
            if isinstance(docs[0], InputError):
                yield InputError(f"{where}: {docs[0]}")
                continue
            doc = docs[0]
            doc.title = title or doc.title
            doc.origin = where
        else:
            yield InputError(f"{where}: no `text` and no `path`; every source needs one of them")
            continue
        doc.id = _opt(fields.get("id"))
        doc.url = _opt(fields.get("url"))
        doc.published = _opt(fields.get("published"))
        doc.extra = {"publisher": _opt(fields.get("publisher"))}
        yield doc


def read_sources(paths: list[str], *, max_bytes: int) -> Iterator[Document | InputError]:
    """Every source document under ``paths`` (files, folders, manifests); errors are yielded.

    Links are not fetched here; :func:`add_sources` takes both."""
    files: list[Path] = []
    manifests: list[Path] = []
    for item in expand_paths(list(paths), SOURCE_SUFFIXES):
        if isinstance(item, InputError):
            yield item
        elif item == "-":
            yield InputError("-: stdin is not supported for sources; give files or folders")
        elif Path(item).suffix.lower() in MANIFEST_SUFFIXES:
            manifests.append(Path(item))
        else:
            files.append(Path(item))
    referenced: set[Path] = set()
    for manifest in manifests:
        yield from _manifest_documents(manifest, max_bytes, referenced)
    for f in files:
        if f.resolve() in referenced:
            continue
        try:
            size = f.stat().st_size
            if size > max_bytes:
                yield InputError(f"{f}: {size:,} bytes is over the {max_bytes:,}-byte limit; split "
                                 "the file or raise FACTCHECK_MAX_BYTES")
                continue
            data = f.read_bytes()
        except OSError as e:
            yield InputError(f"{f}: cannot read ({e.strerror})")
            continue
        yield from read_bytes(data, str(f), max_bytes=max_bytes)


# -- storing -----------------------------------------------------------------
def to_source(doc: Document) -> Source:
    """A Source record from an ingested document (id: external id, else content hash)."""
    extra = doc.extra or {}
    publisher = extra.get("publisher") or extra.get("site")
    return Source(
        id=doc.content_id(),
        url=doc.url,
        title=doc.title,
        publisher=_opt(publisher),
        published=doc.published,
        text=doc.text,
        origin=doc.origin,
        **provenance(doc),
    )


def _known_sources(ws: Workspace) -> tuple[set[str], dict[str, str]]:
    """Stored source ids, and text hash -> id."""
    ids: set[str] = set()
    hashes: dict[str, str] = {}
    with ws.store.engine.connect() as conn:
        for sid, text in conn.execute(sa.select(sources_table.c.id, sources_table.c.text)):
            ids.add(sid)
            hashes.setdefault(text_hash(text), sid)
    return ids, hashes


def add_documents(
    ws: Workspace,
    docs: list[Document | InputError],
    *,
    sync: bool = True,
    on_result: Callable[[SourceResult], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AddReport:
    """Store documents as sources with their passages (one transaction per source).

    Already-stored ids/texts are skipped. With ``sync`` the passages index is brought up to date
    at the end: passages not yet embedded are embedded (``progress(done, total)`` after each
    batch; each batch's embeddings are committed to the cache, keyed by text hash), so a run
    interrupted while embedding keeps its sources and finished batches, and the next run —
    even one that adds nothing new — embeds only the rest and completes the index.
    """
    report = AddReport()
    ids, hashes = _known_sources(ws)
    for doc in docs:
        if isinstance(doc, InputError):
            res = SourceResult(origin=str(doc).split(": ", 1)[0], status="error", message=str(doc))
        else:
            res = _add_one(ws, doc, ids, hashes)
        report.results.append(res)
        if on_result:
            on_result(res)
    if sync:  # also when nothing was added: a previous run may have stopped while embedding
        ws.sync_index("passages", progress, building=True)
    if report.added:
        ws.changed("passages")
    return report


def _add_one(ws: Workspace, doc: Document, ids: set[str], hashes: dict[str, str]) -> SourceResult:
    src = to_source(doc)
    base = {"origin": doc.origin, "source_id": src.id, "title": src.title, "url": src.url}
    if not src.text.strip():
        return SourceResult(status="error", message=f"{doc.origin}: empty text; give the source text",
                            **base)
    h = text_hash(src.text)
    if src.requested_url:
        from factcheck.db.links import latest_fetched_source

        latest = latest_fetched_source(ws.store.engine, src.requested_url)
        if latest is not None:
            if latest["text_hash"] == h:
                base["source_id"] = latest["id"]
                when = latest["fetched_at"]
                since = f" since {when:%Y-%m-%d %H:%M} UTC" if when is not None else ""
                return SourceResult(status="skipped", message=f"unchanged{since}", **base)
            version = latest["version"] + 1
            first = latest["id"].rsplit("@", 1)[0] if latest["version"] > 1 else latest["id"]
            src = src.model_copy(update={"id": f"{first}@{version}", "version": version})
            base["source_id"] = src.id
            return _store(ws, doc, src, h, ids, hashes, base)
    if src.id in ids:
        if hashes.get(h) == src.id:
            return SourceResult(status="skipped", message="already stored", **base)
        return SourceResult(
            status="error",
            message=f"{doc.origin}: source id {src.id!r} is already stored with a different text; "
            "give this source a new id",
            **base,
        )
    if h in hashes:
        base["source_id"] = hashes[h]
        return SourceResult(status="skipped", message=f"same text as source {hashes[h]!r}", **base)
    return _store(ws, doc, src, h, ids, hashes, base)


def _store(ws: Workspace, doc: Document, src: Source, h: str, ids: set[str], hashes: dict[str, str],
           base: dict[str, Any]) -> SourceResult:
    parts = split_passages(src.id, src.text)
    if not parts:
        return SourceResult(status="error", message=f"{doc.origin}: no sentences found", **base)
    try:
        with ws.write("passages") as conn:
            conn.execute(sa.insert(sources_table).values(to_row(src)))
            conn.execute(sa.insert(passages_table), [to_row(p, drop_none_keys=["id"]) for p in parts])
    except sa.exc.IntegrityError as e:
        return SourceResult(status="error", message=f"{doc.origin}: cannot store ({e.orig}); "
                            "another process may have added it, re-run", **base)
    ids.add(src.id)
    hashes.setdefault(h, src.id)
    log.info("added source %s (%d passages)", src.id, len(parts))
    message = f"version {src.version}: the page changed since the last fetch" if src.version > 1 else None
    return SourceResult(status="added", passages=len(parts), message=message, **base)


def add_sources(
    ws: Workspace,
    paths: list[str | Path],
    *,
    on_result: Callable[[SourceResult], None] | None = None,
    allow_private: bool | None = None,
    sync: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> AddReport:
    """Add source files, folders, manifests and links; bad inputs are reported, the batch goes on.

    Links are fetched (see the module doc for versions). Returns an :class:`AddReport`
    (``.added``, ``.skipped``, ``.errors``, per-source ``.results``). The passages index is
    synced once at the end (unless ``sync`` is False: the caller syncs it); ``progress(done,
    total)`` reports the passages embedded.
    """
    docs: list[Document | InputError] = []
    files: list[str] = []

    def flush() -> None:
        docs.extend(read_sources(files, max_bytes=ws.settings.max_bytes))
        files.clear()

    for p in paths:
        if is_url(str(p)):
            flush()
            docs.extend(read_inputs(ws, [str(p)], allow_private=allow_private))
        else:
            files.append(str(p))
    flush()
    return add_documents(ws, docs, on_result=on_result, sync=sync, progress=progress)


# -- reading back ------------------------------------------------------------
def list_sources(ws: Workspace) -> list[dict[str, Any]]:
    """All sources (without their text) with passage counts, oldest first."""
    s, p = sources_table, passages_table
    counts = (
        sa.select(p.c.source_id, sa.func.count().label("n")).group_by(p.c.source_id).subquery()
    )
    q = (
        sa.select(s.c.id, s.c.title, s.c.url, s.c.publisher, s.c.published, s.c.origin,
                  sa.func.length(s.c.text).label("chars"), sa.func.coalesce(counts.c.n, 0),
                  s.c.requested_url, s.c.fetched_at, s.c.http_status, s.c.version)
        .select_from(s.outerjoin(counts, counts.c.source_id == s.c.id))
        .order_by(s.c.created_at, s.c.id)
    )
    with ws.store.engine.connect() as conn:
        return [
            {"source_id": r[0], "title": r[1], "url": r[2], "publisher": r[3], "published": r[4],
             "origin": r[5], "chars": int(r[6] or 0), "passages": int(r[7]),
             "requested_url": r[8], "fetched_at": r[9].isoformat() if r[9] else None,
             "http_status": r[10], "version": int(r[11] or 1)}
            for r in conn.execute(q)
        ]


def get_source(ws: Workspace, source_id: str) -> Source:
    """The source with this id, or NotFoundError."""
    with ws.store.engine.connect() as conn:
        row = conn.execute(sa.select(sources_table).where(sources_table.c.id == source_id)).first()
    if row is None:
        raise NotFoundError(f"no source {source_id!r}; list them with `factcheck sources list`")
    return row_to(Source, row)


def get_passages(ws: Workspace, ids: list[int]) -> dict[int, Passage]:
    """Passages by id (missing ids are left out)."""
    out: dict[int, Passage] = {}
    if not ids:
        return out
    with ws.store.engine.connect() as conn:
        for chunk in in_chunks(ids):
            q = sa.select(passages_table).where(passages_table.c.id.in_(chunk))
            for r in conn.execute(q):
                out[int(r.id)] = row_to(Passage, r)
    return out


def source_passages(ws: Workspace, source_id: str) -> list[Passage]:
    """The passages of one source in order."""
    with ws.store.engine.connect() as conn:
        q = sa.select(passages_table).where(passages_table.c.source_id == source_id)
        return [row_to(Passage, r) for r in conn.execute(q.order_by(passages_table.c.index))]


__all__ = [
    "AddReport",
    "SourceResult",
    "add_documents",
    "add_sources",
    "get_passages",
    "get_source",
    "list_sources",
    "read_sources",
    "source_passages",
    "split_passages",
    "to_source",
]
