"""Archive matching (:func:`match`): candidates are the imported fact-checks (``archive``
FAISS index + BM25 over "claim title") *and* the claims of this tool that have a recorded
verdict (so a claim reviewed last week surfaces when the same claim appears in a new article).
A small logistic-regression re-ranker (weights in ``factcheck/search/match_reranker.json``, trained on
the CheckThat! 2020 task 2 train split by ``bench/claim_matching.py --train``) scores each
candidate from dense similarities (claim and title), BM25, ranks, word/number/name overlap;
the score is its probability that the candidate checks the same claim.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel, Field

from factcheck.db.chunks import in_chunks
from factcheck.db.store import archive as archive_table
from factcheck.db.store import articles as articles_table
from factcheck.db.store import claims as claims_table
from factcheck.db.store import verdicts as verdicts_table
from factcheck.errors import FactcheckError, InputError, NotFoundError
from factcheck.search import user_cache
from factcheck.search.bm25 import Bm25Index
from factcheck.search.state import query_threads, ws_cache
from factcheck.search.tfidf import TfidfSpace
from factcheck.text.tokens import FUNCTION_WORDS, stem, tokenize

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

MATCH_CANDIDATES = 30
RERANKER_PATH = Path(__file__).with_name("match_reranker.json")


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
    stop = FUNCTION_WORDS
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
    lexical: Bm25Index
    keys: list[tuple[str, int]]
    pos: dict[tuple[str, int], int]
    verdict_ids: np.ndarray
    verdict_vecs: np.ndarray
    char: TfidfSpace | None = None
    word: TfidfSpace | None = None
    index: Any = None
    title_vecs: dict[int, np.ndarray] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)  # row texts (keys' order)
    changed_rows: int = 0  # rows added or retired since the last full build

    def with_verdicts(self, ws: Workspace, mark: str) -> _MatchCorpus | None:
        """This corpus brought up to date with the recorded verdicts without refitting: new
        verdict claims are appended (BM25 with this corpus's statistics, TF-IDF with its fitted
        vocabularies, vectors from the embedding cache) and removed or edited ones retired.
        None when a full build is due: the archive changed, or more than one row in 20
        changed since the last one (the statistics would drift)."""
        if self.char is None or self.word is None or not self.texts:
            return None

        now = {r["id"]: r["text"] for r in _verdict_rows(ws)}
        was = {k[1]: self.texts[p] for p, k in enumerate(self.keys) if k[0] == "c"}
        added = [cid for cid, text in now.items() if was.get(cid) != text]
        gone = {cid for cid, text in was.items() if now.get(cid) != text}
        if self.changed_rows + len(added) + len(gone) > len(self.keys) // 20:
            return None
        keys = list(self.keys)
        for cid in gone:  # retired: its row stays in the matrices, matched by nobody
            p = self.pos[("c", cid)]
            keys[p] = ("x", p)
        rows = [(len(keys) + i, now[cid]) for i, cid in enumerate(added)]
        lexical = self.lexical.extended(mark, rows)
        if lexical is None:
            return None
        texts = self.texts + [t for _, t in rows]
        keys += [("c", cid) for cid in added]
        new_texts = [t for _, t in rows]
        keep = [j for j, cid in enumerate(self.verdict_ids) if int(cid) not in gone]
        parts = [self.verdict_vecs[keep]] if keep else []
        if added:
            parts.append(ws.embedder.embed(new_texts))
        vecs = np.vstack(parts) if parts else np.zeros((0, 1), np.float32)
        return _MatchCorpus(
            mark=mark,
            lexical=lexical,
            keys=keys,
            pos={k: i for i, k in enumerate(keys) if k[0] != "x"},
            verdict_ids=np.concatenate([self.verdict_ids[keep], np.asarray(added, np.int64)]),
            verdict_vecs=vecs.astype(np.float32, copy=False),
            char=self.char.with_rows(new_texts),
            word=self.word.with_rows(new_texts),
            index=self.index,
            title_vecs=self.title_vecs,
            texts=texts,
            changed_rows=self.changed_rows + len(added) + len(gone),
        )

    def tfidf(self, query: str, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(char n-gram, word) TF-IDF cosine of the query with these corpus rows."""
        if self.char is None or self.word is None or not rows:
            return np.zeros(len(rows)), np.zeros(len(rows))
        return self.char.cosine(query, rows), self.word.cosine(query, rows)


def _fit_tfidf(texts: list[str]) -> tuple[TfidfSpace | None, TfidfSpace | None]:
    """Character 3-5-gram and word 1-2-gram TF-IDF spaces of the corpus (None, None when a
    vocabulary is empty, e.g. only stop words)."""
    try:
        return (TfidfSpace.fit(texts, "char_wb", (3, 5)),
                TfidfSpace.fit(texts, "word", (1, 2), stop_words="english"))
    except ValueError:
        return None, None


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


# 2: BM25 and TF-IDF kept as plain numpy (search.bm25.Bm25Scores, search.tfidf.TfidfSpace), so
# loading the file imports neither bm25s, scikit-learn nor scipy. The format is in the file name:
# an older file is never unpickled (that would import them), just left for a rebuild.
# 3: the rows' texts kept too (verdicts added in place: _MatchCorpus.with_verdicts)
CORPUS_FORMAT = 3


def _corpus_path(ws: Workspace) -> Path:
    """The saved corpus of this database + index folder, in the user's own cache folder
    (:mod:`factcheck.search.user_cache`)."""
    return user_cache.cache_path(ws, "match-corpus", CORPUS_FORMAT)


def _load_corpus(path: Path, key: str) -> dict[str, Any] | None:
    """The saved corpus parts if the file is ours and built for ``key`` (else None)."""
    return user_cache.load(path, key, CORPUS_FORMAT, "match cache")


def _save_corpus(path: Path, data: dict[str, Any]) -> None:
    user_cache.save(path, data, "match cache")


def match_corpus(ws: Workspace) -> _MatchCorpus:
    """The matching corpus: in memory per workspace, rebuilt only when the archive or the
    verdicts change, and saved in the user's cache folder (``Settings.user_cache``) so the next
    process loads it
    instead of re-fitting BM25 and TF-IDF (seconds for 10k entries). The saved file is keyed by
    the archive index fingerprint (ids + texts), the verdicts and the model name.
    """
    cache = ws_cache(ws)
    mark = ws.mark("archive") + "#" + ws.mark("verdicts")
    with cache["lock"]:
        corpus = cache.get("match")
        if corpus is not None and corpus.mark == mark:
            return corpus
        if corpus is not None and corpus.mark.split("#", 1)[0] == mark.split("#", 1)[0]:
            updated = corpus.with_verdicts(ws, mark)  # only the verdicts changed
            if updated is not None:
                cache["match"] = updated
                return updated
        idx = ws.open_index("archive", repair=True)
        key = f"{idx.fingerprint}#{ws.mark('verdicts')}#{ws.model_name}"
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
            char=data["char"],
            word=data["word"],
            index=idx,
            texts=data["texts"],
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
    lexical = Bm25Index.build(mark, list(zip(range(len(keys)), texts)))
    char, word = _fit_tfidf(texts) if texts else (None, None)
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
        "char": char,
        "word": word,
        "texts": texts,
    }


def _archive_rows(ws: Workspace, seqs: list[int]) -> dict[int, dict[str, Any]]:
    a = archive_table
    out: dict[int, dict[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for chunk in in_chunks(seqs):
            q = sa.select(a.c.seq, a.c.id, a.c.claim, a.c.verdict, a.c.url, a.c.date,
                          a.c.title).where(a.c.seq.in_(chunk))
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
                if key[0] == "x":  # a retired verdict row
                    continue
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
