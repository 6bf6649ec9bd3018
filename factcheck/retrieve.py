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
the store watermark).

**Archive matching** (:func:`match`): candidates are the imported fact-checks (``archive``
FAISS index + BM25 over "claim title") *and* the claims of this tool that have a recorded
verdict (so a claim reviewed last week surfaces when the same claim appears in a new article).
A small logistic-regression re-ranker (weights in ``factcheck/match_reranker.json``, trained on
the CheckThat! 2020 task 2 train split by ``bench/claim_matching.py --train``) scores each
candidate from dense similarities (claim and title), BM25, ranks, word/number/name overlap;
the score is its probability that the candidate checks the same claim.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel, Field

from .errors import FactcheckError, InputError, NotFoundError
from .models import Claim, KeyValue, ValueKind
from .store import archive as archive_table
from .store import articles as articles_table
from .store import claims as claims_table
from .store import passages as passages_table
from .store import sources as sources_table
from .store import verdicts as verdicts_table
from .values import extract_values, values_conflict, values_equal
from .workspace import Workspace

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 50
RERANK_WINDOW = 20
PASSAGE_RECHECK_S = 2.0
VALUE_MATCH_BONUS = 0.15
VALUE_CONFLICT_BONUS = 0.05
BM25_K1 = 0.9
BM25_B = 0.4
MATCH_CANDIDATES = 30
RERANKER_PATH = Path(__file__).with_name("match_reranker.json")

# How much a shared value says about relevance (years and relative dates say little).
_VALUE_WEIGHT = {
    ValueKind.money: 1.0,
    ValueKind.percent: 1.0,
    ValueKind.count: 0.7,
    ValueKind.duration: 0.5,
    ValueKind.time: 0.5,
    ValueKind.date: 0.5,
}


# -- text features -----------------------------------------------------------
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
_WORD_SPAN_RE = re.compile(r"(?u)\b\w[\w'’]*\b")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """The Lucene English stop words (what BM25 drops)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


_FUNCTION_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is
    isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or
    other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't
    so some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what what's when when's where where's which while who
    who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves said says say also just now new like get got one two per via amp rt""".split()
)


_NUMBER_WORDS = frozenset(
    "thousand million billion trillion bn mn percent per cent dollars dollar usd".split()
)


def stem(word: str) -> str:
    """A light English stemmer (plurals, -ing, -ed): enough for BM25 and context overlap."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed"):
        return w[:-2]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stop words (the BM25 vocabulary)."""
    stop = _stopwords()
    return [stem(w) for w in _TOKEN_RE.findall(text.lower()) if w not in stop]


def _related(a: str, b: str) -> bool:
    """Same stem, or one a prefix of the other ("valu" ~ "valuation")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.startswith(short):
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 6


def _context(text: str, start: int, end: int, window: int = 5) -> list[str]:
    """Stemmed common nouns/verbs within ``window`` words either side of text[start:end].

    Function words, numbers and proper names (capitalised mid-sentence: "Anthropic") are left
    out: a shared name says the subject is the same, not the quantity.
    """
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_SPAN_RE.finditer(text)]
    before = [w for w in words if w[1] <= start][-window:]
    after = [w for w in words if w[0] >= end][:window]
    out = []
    for s, _e, word in before + after:
        w = word.lower()
        if (w in _FUNCTION_WORDS or w in _NUMBER_WORDS or any(ch.isdigit() for ch in w)
                or len(w) < 3):
            continue
        if word[0].isupper() and text[max(0, s - 20) : s].rstrip()[-1:] not in ("", ".", "!", "?",
                                                                                 '"', "“"):
            continue
        out.append(stem(w))
    return out


def _same_subject(a_ctx: list[str], b_ctx: list[str]) -> bool:
    return any(_related(x, y) for x in a_ctx for y in b_ctx)


# -- value comparison --------------------------------------------------------
class ValueMatch(BaseModel):
    """A claim value paired with a passage value (equal, or conflicting).

    ``claim`` offsets are into the claim's article (for a stored claim) or into the query text;
    ``passage`` offsets are into the *source* text, like the passage's own ``start``/``end``
    (highlight in the passage text at ``passage.start - suggestion.start``).
    """

    claim: KeyValue
    passage: KeyValue


def _numeric(kv: KeyValue) -> bool:
    return kv.value is not None and kv.kind in _VALUE_WEIGHT


def _weight(kv: KeyValue) -> float:
    if kv.value is None:
        return 0.0 if kv.unit == "relative" else 0.2
    if kv.kind == ValueKind.date and kv.unit == "year":
        return 0.3
    return _VALUE_WEIGHT.get(kv.kind, 0.0)


def compare_values(
    claim_text: str,
    claim_offset: int,
    claim_values: Sequence[KeyValue],
    passage_text: str,
    passage_offset: int,
    passage_values: Sequence[KeyValue],
) -> tuple[list[ValueMatch], list[ValueMatch]]:
    """(matches, conflicts) between the values of a claim and of a passage.

    ``*_offset`` is where ``*_text`` starts in the frame of the values' offsets (so
    ``text[v.start - offset : v.end - offset] == v.text``). A claim value with an equal passage
    value is matched and never in conflict; a conflict needs the same kind and unit, a different
    number (:func:`factcheck.values.values_conflict`) and — except for counts, whose counted noun
    already names the quantity — a shared content word near both values. Relative dates ("this
    year") are never compared.
    """
    matches: list[ValueMatch] = []
    conflicts: list[ValueMatch] = []
    cvals = [c for c in claim_values if _numeric(c) or (c.normalized and c.unit != "relative")]
    pvals = list(passage_values)
    equal_p: set[int] = set()
    matched_c: set[int] = set()
    for ci, c in enumerate(cvals):
        for pi, p in enumerate(pvals):
            if values_equal(c, p):
                if ci not in matched_c:
                    matches.append(ValueMatch(claim=c, passage=p))
                matched_c.add(ci)
                equal_p.add(pi)
    for ci, c in enumerate(cvals):
        if ci in matched_c or not _numeric(c):
            continue
        c_ctx: list[str] | None = None
        for pi, p in enumerate(pvals):
            if pi in equal_p or not values_conflict(c, p):
                continue
            if c.kind != ValueKind.count:
                if c_ctx is None:
                    c_ctx = _context(claim_text, c.start - claim_offset, c.end - claim_offset)
                p_ctx = _context(passage_text, p.start - passage_offset, p.end - passage_offset)
                if not _same_subject(c_ctx, p_ctx):
                    continue
            conflicts.append(ValueMatch(claim=c, passage=p))
    return matches, conflicts


# -- suggestions -------------------------------------------------------------
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


@dataclass
class _Lexical:
    """A BM25 index over (id, text) rows, with its build watermark."""

    mark: str
    ids: np.ndarray
    retriever: Any
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, mark: str, rows: Sequence[tuple[Any, str]]) -> _Lexical:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; let the application's level decide
        logging.getLogger("bm25s").setLevel(logging.NOTSET)

        ids = np.asarray([int(r[0]) for r in rows], dtype=np.int64)
        retriever = None
        if rows:
            retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
            corpus = [tokenize(t) or ["\x00"] for _, t in rows]
            retriever.index(corpus, show_progress=False)
        return cls(mark, ids, retriever)

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every row for a query."""
        if self.retriever is None:
            return np.zeros(0, np.float32)
        toks = tokenize(text)
        if not toks:
            return np.zeros(len(self.ids), np.float32)
        return np.asarray(self.retriever.get_scores(toks), dtype=np.float32)

    def top(self, text: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(row positions, scores) of the n best rows with a positive score, best first."""
        s = self.scores(text)
        if not len(s):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        n = min(n, len(s))
        part = np.argpartition(-s, n - 1)[:n]
        part = part[np.argsort(-s[part], kind="stable")]
        part = part[s[part] > 0]
        return part, s[part]


_caches: weakref.WeakKeyDictionary[Workspace, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _ws_cache(ws: Workspace) -> dict[str, Any]:
    with _cache_lock:
        cache = _caches.get(ws)
        if cache is None:
            cache = {"lock": threading.RLock()}
            _caches[ws] = cache
        return cache


SMALL_BATCH = 8


@contextmanager
def query_threads(n_queries: int) -> Iterator[None]:
    """Run a small batch of queries with one torch / FAISS thread.

    For one short text, intra-op parallelism saves little, and on a busy machine (other
    processes on every core) the threads' synchronisation dominates: on the 2-core benchmark
    machine under load a MiniLM query took ~740 ms with 2 threads and ~30 ms with 1, a 100k flat
    FAISS search 84 ms vs 13 ms. Batches larger than ``SMALL_BATCH`` keep the process settings.
    The thread counts are process-wide, so a concurrent large batch may briefly run on one thread.
    """
    if n_queries > SMALL_BATCH:
        yield
        return
    import faiss

    torch = sys.modules.get("torch")
    prev_t = torch.get_num_threads() if torch is not None else None
    prev_f = faiss.omp_get_max_threads()
    try:
        if torch is not None:
            torch.set_num_threads(1)
        faiss.omp_set_num_threads(1)
        yield
    finally:
        if torch is not None and prev_t is not None:
            torch.set_num_threads(prev_t)
        faiss.omp_set_num_threads(prev_f)


def passage_lexicon(ws: Workspace) -> _Lexical:
    """The BM25 index of the passages, rebuilt only when the passages change."""
    return _passage_state(ws)[1]


def _passage_state(ws: Workspace) -> tuple[Any, _Lexical]:
    """(FAISS passages index, BM25 index), both current with the database.

    The store watermark (a COUNT over the passages: ~10 ms at 100k rows) is checked at most
    every ``PASSAGE_RECHECK_S`` seconds; sources added through this process reset the check
    at once (:func:`forget_passages`), other processes' additions show up within that delay.
    """
    import time

    cache = _ws_cache(ws)
    with cache["lock"]:
        state = cache.get("passages")
        now = time.monotonic()
        if state is not None and now - state["checked"] < PASSAGE_RECHECK_S:
            return state["index"], state["lexical"]
        mark = ws.store.watermark("passages")
        if state is not None and state["lexical"].mark == mark:
            state["checked"] = now
            return state["index"], state["lexical"]
        idx = ws.open_index("passages", repair=True)
        rows = ws.store.index_rows("passages")
        lex = _Lexical.build(mark, rows)
        lex.extra["values"] = {}
        cache["passages"] = {"index": idx, "lexical": lex, "checked": now}
        log.info("built BM25 over %d passages", len(rows))
        return idx, lex


def forget_passages(ws: Workspace) -> None:
    """Drop the cached passage indexes of a workspace (called after adding sources)."""
    cache = _ws_cache(ws)
    with cache["lock"]:
        cache.pop("passages", None)


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
        has_values = any(_weight(v) > 0 for v in q.values or [])
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
            bonus = VALUE_MATCH_BONUS * min(2.0, sum(_weight(m.claim) for m in matches))
            if conflicts:
                bonus += VALUE_CONFLICT_BONUS * min(1.0, max(_weight(c.claim) for c in conflicts))
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
        for i in range(0, len(ids), 500):
            q = sa.select(p.c.id, p.c.source_id, p.c.start, p.c.end, p.c.text).where(
                p.c.id.in_(ids[i : i + 500])
            )
            for r in conn.execute(q):
                out[int(r.id)] = {"source_id": r.source_id, "start": int(r.start),
                                  "end": int(r.end), "text": r.text}
    return out


def _source_meta(ws: Workspace, ids: list[str]) -> dict[str, dict[str, Any]]:
    s = sources_table
    out: dict[str, dict[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for i in range(0, len(ids), 500):
            q = sa.select(s.c.id, s.c.url, s.c.title, s.c.publisher, s.c.published).where(
                s.c.id.in_(ids[i : i + 500])
            )
            for r in conn.execute(q):
                out[r.id] = {"url": r.url, "title": r.title, "publisher": r.publisher,
                             "published": r.published}
    return out


# -- archive matching --------------------------------------------------------
class ArchiveMatch(BaseModel):
    """An earlier fact-check (imported, or a verdict recorded in this tool) matching a query."""

    archive_id: str = Field(description="the archive entry id, or `claim:<id>` for a local verdict")
    claim: str
    verdict: str | None = None
    url: str | None = None
    score: float = Field(description="re-ranker probability that this checks the same claim")
    kind: Literal["archive", "verdict"] = "archive"
    title: str | None = None
    date: str | None = None
    claim_id: int | None = Field(default=None, description="the local claim, for kind=verdict")
    dense_score: float = 0.0
    lexical_score: float = 0.0

    def contract_json(self) -> dict[str, Any]:
        """The `match --json` line (contract fields first, then extras)."""
        return self.model_dump(mode="json")


_URL_RE = re.compile(r"(?:https?://\S+|pic\.twitter\.com/\S+|\bwww\.\S+)")


def clean_query(text: str) -> str:
    """Strip links (they carry no claim), keep everything else.

    A tweet's trailing signature ("— Jane Doe (@jdoe) May 5, 2020") is kept on purpose: the
    author is often part of the claim ("X tweeted that ..."); on CheckThat! dev, stripping it
    lowered MAP@5 while stripping links raised it.
    """
    t = _URL_RE.sub(" ", text)
    t = re.sub(r"\s+", " ", t).strip()
    return t or text.strip()


_CAP_RE = re.compile(r"(?<![\w@#])[A-Z][\w'’-]*[a-z][\w'’-]*|(?<![\w@#])[A-Z]{2,}\b")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)?")


def _names(text: str) -> set[str]:
    """Capitalised words that are not stop words or sentence openers (a cheap entity set)."""
    stop = _FUNCTION_WORDS
    out = set()
    for m in _CAP_RE.finditer(text):
        w = m.group(0).lower().rstrip("'’s")
        if w in stop or len(w) < 3:
            continue
        out.add(stem(w))
    return out


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM_RE.findall(text) if not re.fullmatch(r"0+", n)}


FEATURES = [
    "dense_claim",
    "dense_title",
    "dense_max",
    "dense_gap",
    "dense_z",
    "dense_rank_inv",
    "bm25_norm",
    "bm25_log",
    "bm25_z",
    "bm25_rank_inv",
    "char_tfidf",
    "char_tfidf_gap",
    "char_tfidf_z",
    "word_tfidf",
    "word_tfidf_gap",
    "word_tfidf_z",
    "overlap_query",
    "overlap_cand",
    "names_shared",
    "numbers_shared",
    "numbers_mismatch",
]


@dataclass
class MatchCandidate:
    """One candidate of a query with the raw inputs of its features."""

    key: tuple[str, int]
    claim: str
    title: str | None
    dense_claim: float
    dense_title: float
    bm25: float
    char_sim: float = 0.0
    word_sim: float = 0.0


def _z(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / (float(v.std()) or 1.0)


def match_features(query: str, cands: list[MatchCandidate]) -> np.ndarray:
    """Feature matrix (len(cands), len(FEATURES)) for one query's candidate pool.

    Besides raw similarities, each score also enters relative to the pool (gap to the best,
    z-score), which is what makes scores comparable across queries.
    """
    if not cands:
        return np.zeros((0, len(FEATURES)), np.float32)
    dmax = np.array([max(c.dense_claim, c.dense_title) for c in cands], np.float64)
    bm = np.array([c.bm25 for c in cands], np.float64)
    ch = np.array([c.char_sim for c in cands], np.float64)
    wd = np.array([c.word_sim for c in cands], np.float64)
    d_rank = np.empty(len(cands))
    d_rank[np.argsort(-dmax, kind="stable")] = np.arange(len(cands))
    b_rank = np.empty(len(cands))
    b_rank[np.argsort(-bm, kind="stable")] = np.arange(len(cands))
    bmax = float(bm.max()) or 1.0
    cols = {
        "dense_claim": np.array([c.dense_claim for c in cands]),
        "dense_title": np.array([c.dense_title for c in cands]),
        "dense_max": dmax,
        "dense_gap": dmax - dmax.max(),
        "dense_z": _z(dmax),
        "dense_rank_inv": 1.0 / (1.0 + d_rank),
        "bm25_norm": bm / bmax,
        "bm25_log": np.log1p(np.maximum(bm, 0.0)),
        "bm25_z": _z(bm),
        "bm25_rank_inv": np.where(bm > 0, 1.0 / (1.0 + b_rank), 0.0),
        "char_tfidf": ch,
        "char_tfidf_gap": ch - ch.max(),
        "char_tfidf_z": _z(ch),
        "word_tfidf": wd,
        "word_tfidf_gap": wd - wd.max(),
        "word_tfidf_z": _z(wd),
    }
    q_tok = set(tokenize(query))
    q_names = _names(query)
    q_nums = _numbers(query)
    extra = []
    for c in cands:
        doc = c.claim if not c.title else f"{c.claim} {c.title}"
        c_tok = set(tokenize(doc))
        claim_tok = set(tokenize(c.claim))
        c_names = _names(doc)
        c_nums = _numbers(doc)
        shared_nums = len(q_nums & c_nums)
        extra.append([
            len(q_tok & c_tok) / max(1, len(q_tok)),
            len(q_tok & claim_tok) / max(1, len(claim_tok)),
            len(q_names & c_names) / max(1, min(len(q_names), len(c_names))) if c_names else 0.0,
            min(shared_nums, 3),
            1.0 if (q_nums and c_nums and not shared_nums) else 0.0,
        ])
    ex = np.asarray(extra, np.float64)
    for j, name in enumerate(FEATURES[-5:]):
        cols[name] = ex[:, j]
    return np.stack([cols[f] for f in FEATURES], axis=1).astype(np.float32)


@dataclass
class Reranker:
    """Logistic regression over :data:`FEATURES` (standardised), loaded from JSON."""

    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict[str, Any] = field(default_factory=dict)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Probability per row."""
        if not len(x):
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def load(cls, path: Path = RERANKER_PATH) -> Reranker:
        """Read the weights file (FactcheckError naming the fix if missing or unusable)."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            raise FactcheckError(
                f"{path}: cannot read the match re-ranker ({e}); reinstall factcheck or run "
                "`python bench/claim_matching.py --train`"
            ) from e
        if data.get("features") != FEATURES:
            raise FactcheckError(
                f"{path}: re-ranker features differ from this code; run "
                "`python bench/claim_matching.py --train`"
            )
        return cls(
            features=data["features"],
            mean=np.asarray(data["mean"], np.float64),
            scale=np.asarray(data["scale"], np.float64),
            coef=np.asarray(data["coef"], np.float64),
            intercept=float(data["intercept"]),
            info={k: v for k, v in data.items() if k not in {"mean", "scale", "coef", "intercept"}},
        )

    def save(self, path: Path = RERANKER_PATH) -> None:
        """Write the weights as JSON."""
        data = {
            "features": self.features,
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
            **self.info,
        }
        Path(path).write_text(json.dumps(data, indent=2) + "\n")


@lru_cache(maxsize=2)
def _reranker(path: str = str(RERANKER_PATH)) -> Reranker:
    return Reranker.load(Path(path))


@dataclass
class _MatchCorpus:
    """Everything matching needs in memory: BM25 and TF-IDF over archive + verdict claims, and
    the verdict claims' vectors. Rows are archive entries (``("a", seq)``, text "claim title")
    then verdict claims (``("c", claim_id)``, the claim text)."""

    mark: str
    lexical: _Lexical
    keys: list[tuple[str, int]]
    pos: dict[tuple[str, int], int]
    verdict_ids: np.ndarray
    verdict_vecs: np.ndarray
    char_vec: Any = None
    word_vec: Any = None
    char_docs: Any = None
    word_docs: Any = None
    index: Any = None
    title_vecs: dict[int, np.ndarray] = field(default_factory=dict)

    def tfidf(self, query: str, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(char n-gram, word) TF-IDF cosine of the query with these corpus rows."""
        if self.char_vec is None or not rows:
            return np.zeros(len(rows)), np.zeros(len(rows))
        qc = self.char_vec.transform([query])
        qw = self.word_vec.transform([query])
        ch = (self.char_docs[rows] @ qc.T).toarray().ravel()
        wd = (self.word_docs[rows] @ qw.T).toarray().ravel()
        return ch, wd


def _fit_tfidf(texts: list[str]) -> tuple[Any, Any, Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                               dtype=np.float32)
    word_vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english",
                               dtype=np.float32)
    try:
        char_docs = char_vec.fit_transform(texts).tocsr()
        word_docs = word_vec.fit_transform(texts).tocsr()
    except ValueError:  # empty vocabulary (e.g. only stop words)
        return None, None, None, None
    return char_vec, word_vec, char_docs, word_docs


def _verdict_mark(ws: Workspace) -> str:
    v = verdicts_table
    with ws.store.engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.count(), sa.func.max(v.c.created_at),
                                     sa.func.sum(v.c.version))).one()
    return "|".join(str(x) for x in row)


def _verdict_rows(ws: Workspace, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Non-dismissed claims with a verdict (optionally only these ids): id, text, label, url."""
    c, v, a = claims_table, verdicts_table, articles_table
    q = (
        sa.select(c.c.id, c.c.text, v.c.label, a.c.url, a.c.title, v.c.created_at)
        .select_from(c.join(v, v.c.claim_id == c.c.id).join(a, a.c.id == c.c.article_id))
        .where(c.c.status != "dismissed")
        .order_by(c.c.id)
    )
    if ids is not None:
        q = q.where(c.c.id.in_(list(ids)))
    with ws.store.engine.connect() as conn:
        return [
            {"id": int(r[0]), "text": r[1], "label": r[2], "url": r[3], "title": r[4],
             "date": r[5].date().isoformat() if r[5] else None}
            for r in conn.execute(q)
        ]


CORPUS_FORMAT = 1


def _corpus_path(ws: Workspace) -> Path:
    """The saved corpus of this database + index folder, in the user's own cache folder.

    Not in the index folder: that may be shared by a team, and loading a pickle someone else
    could write would run their code.
    """
    import hashlib

    where = f"{ws.store.url}|{Path(ws.index_dir).resolve()}"
    name = hashlib.sha256(where.encode()).hexdigest()[:24]
    return ws.settings.user_cache / "match-corpus" / f"{name}.pkl"


def _load_corpus(path: Path, key: str) -> dict[str, Any] | None:
    """The saved corpus parts if the file is ours and built for ``key`` (else None)."""
    import os
    import pickle

    try:
        st = path.stat()
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            log.warning("%s: match cache not owned by you or writable by others; ignoring it", path)
            return None
        with path.open("rb") as f:
            data = pickle.load(f)  # noqa: S301 - our own file in our own cache folder, checked above
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
        log.warning("%s: unreadable match cache (%s); rebuilding it", path, e)
        return None
    if not isinstance(data, dict) or data.get("format") != CORPUS_FORMAT or data.get("key") != key:
        return None
    return data


def _save_corpus(path: Path, data: dict[str, Any]) -> None:
    import os
    import pickle
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".corpus.", suffix=".tmp")  # mode 0600
    except OSError as e:
        log.warning("%s: cannot save the match cache (%s)", path, e)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        log.warning("%s: cannot save the match cache (%s)", path, e)


def match_corpus(ws: Workspace) -> _MatchCorpus:
    """The matching corpus: in memory per workspace, rebuilt only when the archive or the
    verdicts change, and saved in the user's cache folder (``Settings.user_cache``) so the next
    process loads it
    instead of re-fitting BM25 and TF-IDF (seconds for 10k entries). The saved file is keyed by
    the archive index fingerprint (ids + texts), the verdicts and the model name.
    """
    cache = _ws_cache(ws)
    mark = ws.store.watermark("archive") + "#" + _verdict_mark(ws)
    with cache["lock"]:
        corpus = cache.get("match")
        if corpus is not None and corpus.mark == mark:
            return corpus
        idx = ws.open_index("archive", repair=True)
        key = f"{idx.fingerprint}#{_verdict_mark(ws)}#{ws.model_name}"
        path = _corpus_path(ws)
        data = _load_corpus(path, key)
        if data is None:
            data = _build_corpus(ws, mark)
            data.update(format=CORPUS_FORMAT, key=key)
            _save_corpus(path, data)
        else:
            log.info("loaded match corpus from %s", path)
        data["lexical"].mark = mark
        keys = data["keys"]
        corpus = _MatchCorpus(
            mark=mark,
            lexical=data["lexical"],
            keys=keys,
            pos={k: i for i, k in enumerate(keys)},
            verdict_ids=data["verdict_ids"],
            verdict_vecs=data["verdict_vecs"],
            char_vec=data["char_vec"],
            word_vec=data["word_vec"],
            char_docs=data["char_docs"],
            word_docs=data["word_docs"],
            index=idx,
        )
        cache["match"] = corpus
        return corpus


def _build_corpus(ws: Workspace, mark: str) -> dict[str, Any]:
    a = archive_table
    with ws.store.engine.connect() as conn:
        arch = conn.execute(sa.select(a.c.seq, a.c.claim, a.c.title).order_by(a.c.seq)).all()
    verd = _verdict_rows(ws)
    keys = [("a", int(r.seq)) for r in arch] + [("c", r["id"]) for r in verd]
    texts = [f"{r.claim} {r.title or ''}".strip() for r in arch] + [r["text"] for r in verd]
    lexical = _Lexical.build(mark, list(zip(range(len(keys)), texts)))
    char_vec, word_vec, char_docs, word_docs = _fit_tfidf(texts) if texts else (None,) * 4
    if verd:
        vecs = ws.embedder.embed([r["text"] for r in verd])
    else:
        vecs = np.zeros((0, 1), np.float32)
    log.info("built match corpus: %d archive entries, %d verdicts", len(arch), len(verd))
    return {
        "lexical": lexical,
        "keys": keys,
        "verdict_ids": np.asarray([r["id"] for r in verd], np.int64),
        "verdict_vecs": vecs,
        "char_vec": char_vec,
        "word_vec": word_vec,
        "char_docs": char_docs,
        "word_docs": word_docs,
    }


def _archive_rows(ws: Workspace, seqs: list[int]) -> dict[int, dict[str, Any]]:
    a = archive_table
    out: dict[int, dict[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for i in range(0, len(seqs), 500):
            q = sa.select(a.c.seq, a.c.id, a.c.claim, a.c.verdict, a.c.url, a.c.date,
                          a.c.title).where(a.c.seq.in_(seqs[i : i + 500]))
            for r in conn.execute(q):
                out[int(r.seq)] = dict(r._mapping)
    return out


def match_pools(
    ws: Workspace,
    queries: Sequence[str],
    *,
    exclude_claims: Sequence[int | None] | None = None,
    n: int = MATCH_CANDIDATES,
) -> list[list[MatchCandidate]]:
    """Candidate pools: dense top-n (archive + verdicts) ∪ BM25 top-n, with raw scores.

    Public for ``bench/claim_matching.py``, which trains the re-ranker on these same pools.
    """
    corpus = match_corpus(ws)
    cleaned = [clean_query(q) for q in queries]
    exclude = list(exclude_claims or [None] * len(queries))
    if not corpus.keys:
        return [[] for _ in queries]
    idx = corpus.index
    with query_threads(len(cleaned)):
        qv = ws.embedder.embed(cleaned, remember=False)
        a_scores, a_ids = idx.search(qv, n)
    if len(corpus.verdict_ids):
        v_all = qv @ corpus.verdict_vecs.T
    else:
        v_all = np.zeros((len(queries), 0), np.float32)
    pools_keys: list[dict[tuple[str, int], float]] = []
    bm_all: list[np.ndarray] = []
    need_arch: set[int] = set()
    need_verd: set[int] = set()
    for qi, q in enumerate(cleaned):
        dense: dict[tuple[str, int], float] = {}
        for s, i in zip(a_scores[qi], a_ids[qi]):
            if i >= 0:
                dense[("a", int(i))] = float(s)
        if v_all.shape[1]:
            for j in np.argsort(-v_all[qi])[:n]:
                cid = int(corpus.verdict_ids[j])
                if cid != exclude[qi]:
                    dense[("c", cid)] = float(v_all[qi, j])
        bm = corpus.lexical.scores(q)
        bm_all.append(bm)
        if len(bm):
            for p in np.argsort(-bm)[:n]:
                key = corpus.keys[int(p)]
                if bm[p] > 0 and key not in dense and not (key[0] == "c" and key[1] == exclude[qi]):
                    dense[key] = float("nan")
        pools_keys.append(dense)
        need_arch.update(k[1] for k in dense if k[0] == "a")
        need_verd.update(k[1] for k in dense if k[0] == "c")
    arch = _archive_rows(ws, sorted(need_arch))
    verd = {r["id"]: r for r in _verdict_rows(ws, sorted(need_verd))} if need_verd else {}
    vpos = {int(c): j for j, c in enumerate(corpus.verdict_ids)}
    missing_titles = sorted(s for s in need_arch if s in arch and arch[s]["title"]
                            and s not in corpus.title_vecs)
    if missing_titles:  # embedded once (the import already cached them in the database)
        tv = ws.embedder.embed([arch[s]["title"] for s in missing_titles])
        for s, v in zip(missing_titles, tv):
            corpus.title_vecs[s] = v
    pools: list[list[MatchCandidate]] = []
    for qi, dense in enumerate(pools_keys):
        pool: list[MatchCandidate] = []
        for key, ds in dense.items():
            kind, i = key
            if kind == "a":
                row = arch.get(i)
                if row is None:
                    continue
                if math.isnan(ds):
                    ds = float(qv[qi] @ idx.index.reconstruct(int(i)))
                claim, title = row["claim"], row["title"]
                tvec = corpus.title_vecs.get(i)
                dt = float(qv[qi] @ tvec) if tvec is not None else ds
            else:
                vrow = verd.get(i)
                if vrow is None:
                    continue
                if math.isnan(ds):
                    ds = float(qv[qi] @ corpus.verdict_vecs[vpos[i]])
                claim, title, dt = vrow["text"], None, ds
            pool.append(MatchCandidate(key=key, claim=claim, title=title, dense_claim=ds,
                                       dense_title=dt, bm25=float(bm_all[qi][corpus.pos[key]])))
        ch, wd = corpus.tfidf(cleaned[qi], [corpus.pos[c.key] for c in pool])
        for c, a_, b_ in zip(pool, ch, wd):
            c.char_sim, c.word_sim = float(a_), float(b_)
        pools.append(pool)
    return pools


def match_many(
    ws: Workspace,
    queries: Sequence[str | int],
    k: int = 5,
    *,
    reranker: Reranker | None = None,
) -> list[list[ArchiveMatch]]:
    """:func:`match` for many queries (texts, or ints = claim ids) at once."""
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    texts: list[str] = []
    exclude: list[int | None] = []
    for q in queries:
        if isinstance(q, int):
            claim = ws.store.get_claim(q)
            texts.append(claim.text)
            exclude.append(claim.id)
        else:
            if not str(q).strip():
                raise InputError("empty query text; give the claim text to look for")
            texts.append(str(q))
            exclude.append(None)
    if not texts:
        return []
    model = reranker or _reranker()
    pools = match_pools(ws, texts, exclude_claims=exclude)
    chosen: list[list[tuple[MatchCandidate, float]]] = []
    for text, pool in zip(texts, pools):
        probs = model.score(match_features(clean_query(text), pool))
        order = np.argsort(-probs, kind="stable")[:k]
        chosen.append([(pool[int(j)], float(probs[j])) for j in order])
    flat = [c for picks in chosen for c, _ in picks]
    arch = _archive_rows(ws, sorted({c.key[1] for c in flat if c.key[0] == "a"}))
    vids = sorted({c.key[1] for c in flat if c.key[0] == "c"})
    verd = {r["id"]: r for r in _verdict_rows(ws, vids)} if vids else {}
    out: list[list[ArchiveMatch]] = []
    for picks in chosen:
        res = []
        for c, prob in picks:
            common = {"score": round(prob, 4), "dense_score": round(c.dense_claim, 4),
                      "lexical_score": round(c.bm25, 4)}
            if c.key[0] == "a":
                row = arch[c.key[1]]
                res.append(ArchiveMatch(
                    archive_id=row["id"], claim=row["claim"], verdict=row["verdict"],
                    url=row["url"], kind="archive", title=row["title"], date=row["date"], **common,
                ))
            else:
                row = verd[c.key[1]]
                res.append(ArchiveMatch(
                    archive_id=f"claim:{row['id']}", claim=row["text"], verdict=row["label"],
                    url=row["url"], kind="verdict", title=row["title"], date=row["date"],
                    claim_id=row["id"], **common,
                ))
        out.append(res)
    return out


def match(ws: Workspace, query: str | int, k: int = 5) -> list[ArchiveMatch]:
    """Earlier fact-checks of the same claim as ``query`` (text, or an int claim id), best first.

    Candidates are imported archive entries and this tool's claims with a verdict (a claim never
    matches itself). Raises NotFoundError for an unknown claim id, InputError for empty text.
    """
    return match_many(ws, [query], k)[0]


def parse_query(ws: Workspace, query: str) -> str | int:
    """A CLI query: all digits and a stored claim id -> that id, else the text."""
    q = query.strip()
    if q.isdigit():
        try:
            ws.store.get_claim(int(q))
            return int(q)
        except NotFoundError:
            raise NotFoundError(
                f"no claim {q}; give a claim id from `factcheck claims list`, or quote text "
                "(use --text to search for a bare number)"
            ) from None
    return query
