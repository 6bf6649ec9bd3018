"""JSONL dump and import: every stored record, one JSON object per line tagged with ``"table"``.

Importing merges by natural keys, remaps colliding integer ids, and reports (never overwrites)
newer stored verdicts; it is one database transaction.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from factcheck.db.store import (
    INDEX_SOURCES,
    MODELS_BY_TABLE,
    articles,
    assignments,
    claims,
    evidence_links,
    passages,
    review_events,
    row_to,
    second_reviews,
    sources,
    to_row,
    verdicts,
)
from factcheck.db.store import archive as archive_table
from factcheck.db.store import sentences as sentences_table
from factcheck.errors import InputError
from factcheck.models import SCHEMA_VERSION

if TYPE_CHECKING:
    from factcheck.workspace import Workspace


from factcheck.io.files import atomic_write
from factcheck.io.verdict_csv import iso_utc
from factcheck.services.export import ExportReport

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# JSONL dump
# ---------------------------------------------------------------------------------------------
DUMP_FORMAT = "factcheck-jsonl"
DUMP_TABLES: tuple[str, ...] = (
    "articles", "sentences", "claims", "sources", "passages", "evidence_links", "verdicts",
    "review_events", "archive", "assignments", "second_reviews",
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
    "assignments": assignments,
    "second_reviews": second_reviews,
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

    n = atomic_write(path, write, mode="w", encoding="utf-8", newline="\n")
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

    # -- tables with one record per claim: the newer record wins -------------------------------
    def per_claim(self, table: str, lines: list[_Line], order: Callable[[Any], Any],
                  describe: Callable[[Any, Any], str]) -> None:
        """Records keyed by ``claim_id`` (claim ids remapped as the claims were): a new claim's
        record is added, a record newer by ``order`` replaces the stored one, an older one is a
        conflict (``describe(dump record, stored record)``)."""
        have = {r.claim_id: r for r in self.existing(table)}
        new = []
        for line in self.remap(lines, {"claim_id": ("claim", self.claim_ids)}):
            rec = line.record
            cur = have.get(rec.claim_id)
            if cur is None:
                have[rec.claim_id] = rec
                new.append(rec)
            elif cur == rec:
                self.report.count(table, "skipped_same")
            elif order(rec) > order(cur):
                self.update(table, {"claim_id": rec.claim_id}, rec)
                have[rec.claim_id] = rec
            else:
                self.conflict(line, describe(rec, cur))
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


def _second_review_progress(r: Any) -> tuple[datetime, int, datetime, int, datetime]:
    """How far a second review got: requested, then the second verdict, then resolved."""
    never = datetime.min.replace(tzinfo=UTC)

    def at(t: datetime | None) -> datetime:
        return never if t is None else (t if t.tzinfo else t.replace(tzinfo=UTC))

    return (at(r.requested_at), r.second_at is not None, at(r.second_at), r.resolved_at is not None,
            at(r.resolved_at))


def _verdict_conflict(mine: Any, cur: Any) -> str:
    return (f"claim {cur.claim_id}: the dump's verdict {mine.label!r} by {mine.reviewer} "
            f"(version {mine.version}, {iso_utc(mine.created_at)}) is not newer than the stored "
            f"verdict {cur.label!r} by {cur.reviewer} (version {cur.version}, "
            f"{iso_utc(cur.created_at)}); kept the stored verdict")


def _link_conflict(mine: Any, cur: Any) -> str:
    return (f"evidence link claim {cur.claim_id} -> passage {cur.passage_id}: stored stance "
            f"{cur.stance.value!r} by {cur.reviewer} is newer than the dump's "
            f"{mine.stance.value!r}; kept the stored link")


def _event_conflict(mine: Any, cur: Any) -> str:
    return (f"review event {cur.kind!r} on claim {cur.claim_id} by {cur.reviewer} at "
            f"{iso_utc(cur.at)} has different data in the dump; kept the stored event")


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

    m.per_claim("verdicts", get("verdicts", []), order=lambda r: (r.version, r.created_at),
                describe=_verdict_conflict)

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
    m.per_claim("assignments", get("assignments", []), order=lambda r: r.assigned_at,
                describe=lambda a, b: f"claim {b.claim_id}: the dump's assignment to {a.assignee} "
                                      f"is not newer than the stored one to {b.assignee}; kept it")
    m.per_claim("second_reviews", get("second_reviews", []), order=_second_review_progress,
                describe=lambda a, b: f"claim {b.claim_id}: the dump's second review is not further "
                                      "along than the stored one; kept the stored one")
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
