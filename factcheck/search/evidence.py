"""Evidence suggestion: the sources that prove or disprove a claim, each shown by its best passage.

**Evidence suggestion** (:func:`suggest`, :func:`suggest_many`): a claim (or free text) is
searched in the stored passages two ways — dense (the FAISS ``passages`` index, cosine
similarity of the workspace model's embeddings) and lexical (BM25 through ``bm25s``, k1=0.9,
b=0.4, a light stemmer and English stop words) — and in the sources as wholes (BM25 over title +
full text). The sources found are scored as sources by :mod:`factcheck.search.source_rank` (a
small logistic regression over dense max / soft-max over their passages, source and passage BM25
as raw values, shares of the query's best and z-scores among the candidates, and the capped share
of the claim's key values the source states; weights fitted on real dev sets by
``bench/evidence_quality.py --fit``). The ``k`` best sources are returned, best first, each as
its best passage found: so the top 5 are five different sources, and one long page full of
numbers cannot fill the list. A suggestion's ``score`` is its source's probability (0-1) of
being evidence for the claim; ``passages_matched`` says how many of its passages were found.

Each :class:`Suggestion` also carries the passage's offsets into the source text, the source
metadata, and its key values compared with the claim's (:func:`factcheck.text.compare.compare_values`):
``value_matches`` (the same quantity) and ``value_conflicts`` (a different value for the same
measure of the same named subject at the same time — a possible contradiction). The search state
(BM25 indexes, passage -> source map) is built once per workspace and rebuilt only when the
passages change (keyed by :meth:`Workspace.mark`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from factcheck.db.chunks import in_chunks
from factcheck.db.store import passages as passages_table
from factcheck.db.store import sources as sources_table
from factcheck.errors import InputError
from factcheck.models import Claim, KeyValue
from factcheck.search import user_cache
from factcheck.search.bm25 import BM25_B, BM25_K1, Bm25Index
from factcheck.search.source_rank import SourceCandidate, ranker, source_features, top_sources
from factcheck.search.state import query_threads, ws_cache
from factcheck.text.compare import ValueMatch, compare_values, value_weight
from factcheck.text.dates import DATELINE_CHARS, TimeRef, document_time
from factcheck.text.values import extract_values

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

CANDIDATES = 50
PASSAGE_CANDIDATES = 100
SOURCE_CANDIDATES = 50
VALUE_MATCH_BONUS = 0.15
VALUE_CONFLICT_BONUS = 0.05


class Suggestion(BaseModel):
    """An evidence passage suggested for a claim, with its source and why it ranks here."""

    passage_id: int
    source_id: str
    source_url: str | None = None
    source_title: str | None = None
    source_publisher: str | None = None
    source_published: str | None = None
    text: str = Field(description="the passage text")
    start: int = Field(description="offset of the passage in the source text")
    end: int
    score: float = Field(description="the source's score: probability (0-1) that it is evidence")
    dense_score: float | None = Field(default=None, description="cosine similarity, if dense-ranked")
    lexical_score: float | None = Field(default=None, description="BM25 score, if lexically ranked")
    value_matches: list[ValueMatch] = Field(default_factory=list)
    value_conflicts: list[ValueMatch] = Field(default_factory=list)
    passages_matched: int = Field(default=1, description="passages of this source found for the claim")

    @property
    def possible_contradiction(self) -> bool:
        """True when the passage states a different value for a quantity of the claim."""
        return bool(self.value_conflicts)

    def contract_json(self) -> dict[str, Any]:
        """The `suggest --json` line (contract fields first, then extras)."""
        data = self.model_dump(mode="json")
        for key in ("value_matches", "value_conflicts"):
            data[key] = [_pair_json(m) for m in data[key]]
        first = ["passage_id", "source_id", "source_url", "source_title", "text", "start", "end",
                 "score", "value_matches", "value_conflicts"]
        return {**{k: data[k] for k in first}, **{k: v for k, v in data.items() if k not in first}}


    def source_json(self) -> dict[str, Any]:
        """The `suggest --by source --json` line: the source, its score, how many of its
        passages were found, and its best passage (with the value pairs for highlighting)."""
        data = self.contract_json()
        return {
            "source_id": self.source_id, "source_url": self.source_url,
            "source_title": self.source_title, "source_publisher": self.source_publisher,
            "source_published": self.source_published, "score": data["score"],
            "passages_matched": self.passages_matched,
            "passage": {k: data[k] for k in ("passage_id", "text", "start", "end", "dense_score",
                                              "lexical_score", "value_matches", "value_conflicts")},
            "possible_contradiction": self.possible_contradiction,
        }


def _kv_json(kv: dict[str, Any]) -> dict[str, Any]:
    return {k: kv[k] for k in ("kind", "text", "start", "end", "value", "unit", "normalized")}


def _pair_json(pair: dict[str, Any]) -> dict[str, Any]:
    return {"claim": _kv_json(pair["claim"]), "passage": _kv_json(pair["passage"])}



def passage_lexicon(ws: Workspace) -> Bm25Index:
    """The BM25 index of the passages, rebuilt only when the passages change."""
    return _passage_state(ws)["lexical"]


def _passage_state(ws: Workspace) -> dict[str, Any]:
    """FAISS passages index, BM25 over passages and over sources (title + text), and the
    passage -> source map, all built for the passages watermark of :meth:`Workspace.mark`
    (the one freshness policy: re-read every few seconds, at once after this process adds
    sources)."""

    cache = ws_cache(ws)
    with cache["lock"]:
        mark = ws.mark("passages")
        state = cache.get("passages")
        if state is not None and state["lexical"].mark == mark:
            return state
        idx = ws.open_index("passages", repair=True)
        rows = ws.store.index_rows("passages")
        p, s = passages_table, sources_table
        with ws.store.engine.connect() as conn:
            psrc = dict(conn.execute(sa.select(p.c.id, p.c.source_id)).all())
            srows = conn.execute(sa.select(s.c.id, s.c.title, s.c.text).order_by(s.c.id)).all()
        src_ids = [r.id for r in srows]
        src_pos = {sid: i for i, sid in enumerate(src_ids)}
        src_texts = [f"{r.title or ''}\n{r.text}" for r in srows]
        lex, slex = _lexicons(ws, mark, rows, src_texts)
        lex.extra["values"] = {}
        by_source: dict[str, list[int]] = {}
        for pos, pid in enumerate(lex.ids):
            by_source.setdefault(psrc.get(int(pid), ""), []).append(pos)
        state = {"index": idx, "lexical": lex, "source_lexical": slex, "source_ids": src_ids,
                 "source_pos": src_pos,
                 "passage_source": psrc, "source_passages": by_source}
        cache["passages"] = state
        log.info("built BM25 over %d passages and %d sources", len(rows), len(srows))
        return state


LEXICON_FORMAT = 1  # bump when BM25 (search.bm25, text.tokens) changes what it builds


def _lexicons(
    ws: Workspace, mark: str, rows: list[tuple[int, str]], src_texts: list[str]
) -> tuple[Bm25Index, Bm25Index]:
    """BM25 over the passages and over the sources, loaded from the user cache when saved for
    exactly these rows (a hash of every id and text: a command does not re-index, nor import
    bm25s, when nothing changed), else built and saved."""
    import hashlib

    h = hashlib.sha256(f"{LEXICON_FORMAT}|{BM25_K1}|{BM25_B}".encode())
    for i, t in rows:
        h.update(f"\x00p{i}\x00".encode())
        h.update(t.encode())
    for t in src_texts:
        h.update(b"\x00s\x00")
        h.update(t.encode())
    key = h.hexdigest()
    path = user_cache.cache_path(ws, "passage-bm25", LEXICON_FORMAT)
    data = user_cache.load(path, key, LEXICON_FORMAT, "BM25 cache")
    if data is None:
        data = {"format": LEXICON_FORMAT, "key": key, "lexical": Bm25Index.build(mark, rows),
                "source_lexical": Bm25Index.build(mark, list(enumerate(src_texts)))}
        user_cache.save(path, data, "BM25 cache")
    lex, slex = data["lexical"], data["source_lexical"]
    lex.mark = slex.mark = mark
    return lex, slex


@dataclass
class SuggestQuery:
    """One query of :func:`suggest_many`: text and its key values (offsets in ``offset`` frame)."""

    text: str
    values: list[KeyValue] | None = None
    offset: int = 0
    id: str | None = None
    time: TimeRef | None = None  # when the claim is from (its article), for value conflicts


def _query_for_claim(ws: Workspace, claim_id: int) -> SuggestQuery:
    claim: Claim = ws.store.get_claim(int(claim_id))
    article = ws.store.get_article(claim.article_id)
    return SuggestQuery(text=claim.text, values=list(claim.key_values), offset=claim.start,
                        id=str(claim.id),
                        time=document_time(article.published, article.url, article.title, article.text))


def suggest(
    ws: Workspace, claim_id: int | None = None, text: str | None = None, k: int = 5
) -> list[Suggestion]:
    """Evidence for a stored claim (``claim_id``) or free ``text``: the best passage of each of
    the ``k`` best sources, best source first.

    Raises NotFoundError for an unknown claim and InputError for empty text. Returns ``[]``
    when no sources are stored.
    """
    if (claim_id is None) == (text is None):
        raise InputError("give either a claim id or a text to suggest evidence for")
    if claim_id is not None:
        query = _query_for_claim(ws, claim_id)
    else:
        query = SuggestQuery(text=str(text))
    return suggest_many(ws, [query], k)[0]


def _prepare(qs: Sequence[SuggestQuery | str], k: int) -> list[SuggestQuery]:
    out = [q if isinstance(q, SuggestQuery) else SuggestQuery(text=q) for q in qs]
    for q in out:
        if not q.text or not q.text.strip():
            raise InputError("empty claim text; give the text to find evidence for")
        if q.values is None:
            q.values = extract_values(q.text, q.offset)
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    return out


def _passage_values(state: dict[str, Any], pid: int, text: str, start: int) -> list[KeyValue]:
    cache: dict[int, list[KeyValue]] = state["lexical"].extra.setdefault("values", {})
    pv = cache.get(pid)
    if pv is None:
        pv = extract_values(text, start)
        if len(cache) > 200_000:
            cache.clear()
        cache[pid] = pv
    return pv


def source_candidates(
    ws: Workspace, queries: Sequence[SuggestQuery | str], n: int = PASSAGE_CANDIDATES
) -> tuple[list[list[SourceCandidate]], dict[int, dict[str, Any]], list[dict[int, float]]]:
    """Candidate sources of each query with the raw inputs of their features.

    Returns (candidates per query, passage rows by id for every passage found, BM25 score of
    every passage found per query). Candidates: the sources of the ``n`` best passages by dense
    similarity and by BM25, and the ``SOURCE_CANDIDATES`` best sources by BM25 over title + text.
    """

    qs = _prepare(queries, 1)
    state = _passage_state(ws)
    idx, lex, slex = state["index"], state["lexical"], state["source_lexical"]
    if idx.count == 0 or not qs:
        return [[] for _ in qs], {}, [{} for _ in qs]
    psrc: dict[int, str] = state["passage_source"]
    with query_threads(len(qs)):
        vecs = ws.embedder.embed([q.text for q in qs], remember=False)
        d_scores, d_ids = idx.search(vecs, n)
    per_query: list[dict[str, SourceCandidate]] = []
    lex_found: list[dict[int, float]] = []
    for qi, q in enumerate(qs):
        cands: dict[str, SourceCandidate] = {}

        def cand(sid: str, cands: dict[str, SourceCandidate] = cands) -> SourceCandidate:
            c = cands.get(sid)
            if c is None:
                c = cands[sid] = SourceCandidate(sid)
            return c

        for pid, s in zip(d_ids[qi], d_scores[qi]):
            if pid >= 0 and int(pid) in psrc:
                cand(psrc[int(pid)]).dense[int(pid)] = float(s)
        pos, bs = lex.top(q.text, n)
        found: dict[int, float] = {}
        for p, s in zip(pos, bs):
            pid = int(lex.ids[p])
            if pid in psrc:
                cand(psrc[pid]).lexical[pid] = float(s)
                found[pid] = float(s)
        ss = slex.scores(q.text)
        spos, _ = slex.top(q.text, SOURCE_CANDIDATES)
        for p in spos:
            cand(state["source_ids"][int(p)])
        src_pos: dict[str, int] = state["source_pos"]
        for sid, c in cands.items():
            i = src_pos.get(sid)
            c.bm25_source = float(ss[i]) if i is not None and len(ss) else 0.0
        per_query.append(cands)
        lex_found.append(found)
    # key values: the share of the claim's value weight that a passage found states
    all_pids = sorted({pid for cands in per_query for c in cands.values() for pid in (*c.dense, *c.lexical)})
    rows = _passage_rows(ws, all_pids)
    for q, cands in zip(qs, per_query):
        total = sum(value_weight(v) for v in q.values or [])
        for c in cands.values():
            if total <= 0:
                continue
            best = 0.0
            for pid in {*c.dense, *c.lexical}:
                p = rows.get(pid)
                if p is None:
                    continue
                pv = _passage_values(state, pid, p["text"], p["start"])
                matches, _ = compare_values(q.text, q.offset, q.values or [], p["text"], p["start"], pv)
                best = max(best, sum(value_weight(m.claim) for m in matches) / total)
            c.value_share = best
    return [list(c.values()) for c in per_query], rows, lex_found


def suggest_many(ws: Workspace, queries: Sequence[SuggestQuery | str], k: int = 5) -> list[list[Suggestion]]:
    """:func:`suggest` for many queries at once (one embedding batch, one BM25 build).

    Sources are scored by :mod:`factcheck.search.source_rank`; each of the ``k`` best sources
    is shown by its best passage found (dense similarity and BM25, each as a share of the
    query's best, plus the key values it states), so the top ``k`` are ``k`` different sources.
    """
    qs = _prepare(queries, k)
    if not qs:
        return []
    state = _passage_state(ws)
    if state["index"].count == 0:
        return [[] for _ in qs]
    all_cands, rows, _ = source_candidates(ws, qs)
    scorer = ranker()
    chosen: list[list[tuple[SourceCandidate, float, int]]] = []
    extra_ids: set[int] = set()
    for cands in all_cands:
        probs = scorer.score(source_features(cands)) if cands else []
        order = top_sources(cands, probs, k) if cands else []
        picked = []
        for i in order:
            c = cands[i]
            pid = _best_passage(state, c, rows)
            if pid is not None:
                picked.append((c, float(probs[i]), pid))
                if pid not in rows:
                    extra_ids.add(pid)
        chosen.append(picked)
    if extra_ids:
        rows.update(_passage_rows(ws, sorted(extra_ids)))
    sources = _source_meta(ws, sorted({c.source_id for picked in chosen for c, _, _ in picked}))
    out: list[list[Suggestion]] = []
    for q, picked in zip(qs, chosen):
        sugg = []
        for c, prob, pid in picked:
            p = rows.get(pid)
            if p is None:
                continue
            matches: list[ValueMatch] = []
            conflicts: list[ValueMatch] = []
            meta = sources.get(c.source_id, {})
            if q.values:
                pv = _passage_values(state, pid, p["text"], p["start"])
                # the page's date too: a passage about another time is no contradiction
                matches, conflicts = compare_values(q.text, q.offset, q.values, p["text"], p["start"], pv,
                                                    claim_time=q.time, passage_time=meta.get("time"))
            sugg.append(Suggestion(
                passage_id=pid, source_id=c.source_id, source_url=meta.get("url"),
                source_title=meta.get("title"), source_publisher=meta.get("publisher"),
                source_published=meta.get("published"), text=p["text"], start=p["start"], end=p["end"],
                score=round(prob, 4),
                dense_score=round(c.dense[pid], 4) if pid in c.dense else None,
                lexical_score=round(c.lexical[pid], 4) if pid in c.lexical else None,
                value_matches=matches, value_conflicts=conflicts,
                passages_matched=len({*c.dense, *c.lexical}),
            ))
        out.append(sugg)
    return out


def _best_passage(state: dict[str, Any], c: SourceCandidate, rows: dict[int, dict[str, Any]]) -> int | None:
    """The passage that shows a source best: among those found, the best dense similarity plus
    BM25 share; a source found only by its whole-text BM25 shows its first passage."""
    found = {*c.dense, *c.lexical}
    if not found:
        positions = state["source_passages"].get(c.source_id) or []
        return int(state["lexical"].ids[positions[0]]) if positions else None
    top_lex = max(c.lexical.values(), default=0.0) or 1.0
    return max(sorted(found), key=lambda pid: c.dense.get(pid, 0.0) + 0.5 * c.lexical.get(pid, 0.0) / top_lex)


def _passage_rows(ws: Workspace, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    p = passages_table
    with ws.store.engine.connect() as conn:
        for chunk in in_chunks(ids):
            q = sa.select(p.c.id, p.c.source_id, p.c.start, p.c.end, p.c.text).where(p.c.id.in_(chunk))
            for r in conn.execute(q):
                out[int(r.id)] = {"source_id": r.source_id, "start": int(r.start),
                                  "end": int(r.end), "text": r.text}
    return out


def source_times(ws: Workspace, ids: list[str]) -> dict[str, TimeRef]:
    """When each source is from (:func:`factcheck.text.dates.document_time`: its published date,
    else a date in its URL, a dateline at the top of its text, a year in its URL or title)."""
    return {sid: meta["time"] for sid, meta in _source_meta(ws, ids).items()}


def _source_meta(ws: Workspace, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each source's url, title, publisher, published and ``time`` (placed once per source)."""
    s = sources_table
    out: dict[str, dict[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for chunk in in_chunks(ids):
            q = sa.select(s.c.id, s.c.url, s.c.title, s.c.publisher, s.c.published,
                          sa.func.substr(s.c.text, 1, DATELINE_CHARS).label("head")).where(
                s.c.id.in_(chunk)
            )
            for r in conn.execute(q):
                out[r.id] = {"url": r.url, "title": r.title, "publisher": r.publisher,
                             "published": r.published,
                             "time": document_time(r.published, r.url, r.title, r.head)}
    return out


def rank_source_passages(ws: Workspace, claim: Claim, source_id: str, k: int = 3) -> list[Suggestion]:
    """The passages of one source ranked for a claim, best first ("add evidence from a link").

    Score: cosine similarity of the embeddings (cached by text hash, so the passages just indexed
    are not embedded again) plus the same number-aware bonus as :func:`suggest_many`.
    """
    import numpy as np

    from factcheck.db.links import source_passage_rows

    rows = source_passage_rows(ws.store.engine, source_id)
    if not rows:
        return []
    vecs = ws.embedder.embed([r["text"] for r in rows])
    query = ws.embedder.embed([claim.text], remember=False)[0]
    dense = np.asarray(vecs, dtype=np.float32) @ np.asarray(query, dtype=np.float32)
    meta = _source_meta(ws, [source_id]).get(source_id, {})
    out: list[Suggestion] = []
    for row, d in zip(rows, dense):
        pv = extract_values(row["text"], row["start"])
        matches, conflicts = compare_values(claim.text, claim.start, list(claim.key_values), row["text"],
                                            row["start"], pv)
        bonus = VALUE_MATCH_BONUS * min(2.0, sum(value_weight(m.claim) for m in matches))
        if conflicts:
            bonus += VALUE_CONFLICT_BONUS * min(1.0, max(value_weight(c.claim) for c in conflicts))
        out.append(Suggestion(
            passage_id=row["id"], source_id=source_id, source_url=meta.get("url"),
            source_title=meta.get("title"), source_publisher=meta.get("publisher"),
            source_published=meta.get("published"), text=row["text"], start=row["start"],
            end=row["end"], score=round(float(d) + bonus, 4), dense_score=round(float(d), 4),
            value_matches=matches, value_conflicts=conflicts,
        ))
    out.sort(key=lambda s: (-s.score, s.passage_id))
    return out[:k]
