"""Evidence suggestion (hybrid, number-aware) and matching against earlier fact-checks.

**Evidence suggestion** (:func:`suggest`): a claim (or free text) is searched in the passages
of the stored sources two ways — dense (the FAISS ``passages`` index, cosine similarity of the
workspace model's embeddings) and lexical (BM25 through ``bm25s``, k1=0.9, b=0.4, a light
stemmer and English stop words) — and the two rankings are fused with reciprocal rank fusion
(``1/(60 + rank)`` summed, then divided by its maximum ``2/61`` so the fused score is 1.0 for a
passage ranked first by both). Then number-aware re-ranking: each key value of the claim
(see :mod:`factcheck.values`) is compared with the values in the candidate passage:

* a passage value equal to a claim value (``$380 billion`` = ``380bn`` = ``$380B``) is a
  *value match* and raises the score by ``VALUE_MATCH_BONUS`` times the value's weight;
* a passage value of the same kind and unit but a different number, said about the same thing
  (a content word near the two values agrees: "valued" / "valuation", "revenue" / "revenue"),
  is a *value conflict* — a possible contradiction, flagged for the reviewer — and raises the
  score slightly (``VALUE_CONFLICT_BONUS``: a contradicting passage is relevant evidence).

Each :class:`Suggestion` carries the passage text, its offsets into the source text, the source
metadata, the scores, and the matched/conflicting value pairs with spans for highlighting.
The BM25 index is built once per workspace and rebuilt only when the passages change (keyed by
:meth:`Workspace.mark`).
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
from factcheck.search.bm25 import Bm25Index
from factcheck.search.state import query_threads, ws_cache
from factcheck.text.compare import ValueMatch, compare_values, value_weight
from factcheck.text.values import extract_values

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 50
RERANK_WINDOW = 20
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
    score: float = Field(description="fused rank score (1.0 = first by dense and BM25) + value bonus")
    dense_score: float | None = Field(default=None, description="cosine similarity, if dense-ranked")
    lexical_score: float | None = Field(default=None, description="BM25 score, if lexically ranked")
    value_matches: list[ValueMatch] = Field(default_factory=list)
    value_conflicts: list[ValueMatch] = Field(default_factory=list)

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


def _kv_json(kv: dict[str, Any]) -> dict[str, Any]:
    return {k: kv[k] for k in ("kind", "text", "start", "end", "value", "unit", "normalized")}


def _pair_json(pair: dict[str, Any]) -> dict[str, Any]:
    return {"claim": _kv_json(pair["claim"]), "passage": _kv_json(pair["passage"])}



def passage_lexicon(ws: Workspace) -> Bm25Index:
    """The BM25 index of the passages, rebuilt only when the passages change."""
    return _passage_state(ws)[1]


def _passage_state(ws: Workspace) -> tuple[Any, Bm25Index]:
    """(FAISS passages index, BM25 index), both built for the passages watermark of
    :meth:`Workspace.mark` (the one freshness policy: re-read every few seconds, at once after
    this process adds sources)."""
    cache = ws_cache(ws)
    with cache["lock"]:
        mark = ws.mark("passages")
        state = cache.get("passages")
        if state is not None and state["lexical"].mark == mark:
            return state["index"], state["lexical"]
        idx = ws.open_index("passages", repair=True)
        rows = ws.store.index_rows("passages")
        lex = Bm25Index.build(mark, rows)
        lex.extra["values"] = {}
        cache["passages"] = {"index": idx, "lexical": lex}
        log.info("built BM25 over %d passages", len(rows))
        return idx, lex


@dataclass
class SuggestQuery:
    """One query of :func:`suggest_many`: text and its key values (offsets in ``offset`` frame)."""

    text: str
    values: list[KeyValue] | None = None
    offset: int = 0
    id: str | None = None


def _query_for_claim(ws: Workspace, claim_id: int) -> SuggestQuery:
    claim: Claim = ws.store.get_claim(int(claim_id))
    return SuggestQuery(text=claim.text, values=list(claim.key_values), offset=claim.start,
                        id=str(claim.id))


def suggest(
    ws: Workspace, claim_id: int | None = None, text: str | None = None, k: int = 5
) -> list[Suggestion]:
    """Evidence passages for a stored claim (``claim_id``) or free ``text``, best first.

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


def suggest_many(ws: Workspace, queries: Sequence[SuggestQuery | str], k: int = 5) -> list[list[Suggestion]]:
    """:func:`suggest` for many queries at once (one embedding batch, one BM25 build)."""
    qs = [q if isinstance(q, SuggestQuery) else SuggestQuery(text=q) for q in queries]
    for q in qs:
        if not q.text or not q.text.strip():
            raise InputError("empty claim text; give the text to find evidence for")
        if q.values is None:
            q.values = extract_values(q.text, q.offset)
    if not qs:
        return []
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    idx, lex = _passage_state(ws)
    if idx.count == 0:
        return [[] for _ in qs]
    n = max(CANDIDATES, 4 * k)
    with query_threads(len(qs)):
        vecs = ws.embedder.embed([q.text for q in qs], remember=False)
        d_scores, d_ids = idx.search(vecs, n)
    ranked: list[list[tuple[int, float, float | None, float | None]]] = []
    all_ids: set[int] = set()
    for qi, q in enumerate(qs):
        fused: dict[int, float] = {}
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        for r, (pid, s) in enumerate(zip(d_ids[qi], d_scores[qi])):
            if pid < 0:
                continue
            fused[int(pid)] = fused.get(int(pid), 0.0) + 1.0 / (RRF_K + r + 1)
            dense[int(pid)] = float(s)
        pos, bs = lex.top(q.text, n)
        for r, (p, s) in enumerate(zip(pos, bs)):
            pid = int(lex.ids[p])
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + r + 1)
            lexical[pid] = float(s)
        top = sorted(fused.items(), key=lambda kv: -kv[1])[: max(RERANK_WINDOW, 4 * k)]
        ranked.append([(pid, f / (2.0 / (RRF_K + 1)), dense.get(pid), lexical.get(pid))
                       for pid, f in top])
        all_ids.update(pid for pid, *_ in top)
    passages = _passage_rows(ws, sorted(all_ids))
    src_ids = sorted({p["source_id"] for p in passages.values()})
    sources = _source_meta(ws, src_ids)
    values_cache: dict[int, list[KeyValue]] = lex.extra.setdefault("values", {})
    out: list[list[Suggestion]] = []
    for q, cands in zip(qs, ranked):
        sugg: list[Suggestion] = []
        has_values = any(value_weight(v) > 0 for v in q.values or [])
        max_bonus = 2.0 * VALUE_MATCH_BONUS + VALUE_CONFLICT_BONUS if has_values else 0.0
        for pid, base, dscore, lscore in cands:  # best fused score first
            if len(sugg) >= k and base + max_bonus < sorted(x.score for x in sugg)[-k]:
                break  # no value bonus can lift this one (or any later one) into the top k
            p = passages.get(pid)
            if p is None:
                continue
            matches: list[ValueMatch] = []
            conflicts: list[ValueMatch] = []
            if q.values:
                pv = values_cache.get(pid)
                if pv is None:
                    pv = extract_values(p["text"], p["start"])
                    if len(values_cache) > 200_000:
                        values_cache.clear()
                    values_cache[pid] = pv
                matches, conflicts = compare_values(q.text, q.offset, q.values, p["text"],
                                                    p["start"], pv)
            bonus = VALUE_MATCH_BONUS * min(2.0, sum(value_weight(m.claim) for m in matches))
            if conflicts:
                bonus += VALUE_CONFLICT_BONUS * min(1.0, max(value_weight(c.claim) for c in conflicts))
            meta = sources.get(p["source_id"], {})
            sugg.append(
                Suggestion(
                    passage_id=pid,
                    source_id=p["source_id"],
                    source_url=meta.get("url"),
                    source_title=meta.get("title"),
                    source_publisher=meta.get("publisher"),
                    source_published=meta.get("published"),
                    text=p["text"],
                    start=p["start"],
                    end=p["end"],
                    score=round(base + bonus, 4),
                    dense_score=None if dscore is None else round(dscore, 4),
                    lexical_score=None if lscore is None else round(lscore, 4),
                    value_matches=matches,
                    value_conflicts=conflicts,
                )
            )
        sugg.sort(key=lambda s: (-s.score, -(s.dense_score or 0.0), s.passage_id))
        out.append(sugg[:k])
    return out


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


def _source_meta(ws: Workspace, ids: list[str]) -> dict[str, dict[str, Any]]:
    s = sources_table
    out: dict[str, dict[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for chunk in in_chunks(ids):
            q = sa.select(s.c.id, s.c.url, s.c.title, s.c.publisher, s.c.published).where(
                s.c.id.in_(chunk)
            )
            for r in conn.execute(q):
                out[r.id] = {"url": r.url, "title": r.title, "publisher": r.publisher,
                             "published": r.published}
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
