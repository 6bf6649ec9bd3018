"""Evidence retrieval quality on real dev sets: factcheck ``suggest`` vs plain BM25, one run.

Dev sets (read in place from ``../shared/data``; a missing set is skipped with a note):

* ``news_dev`` — 93 real web pages (73 on topic, 20 distractors), 54 claims with a supporting
  page; queries are the claim text and, separately, the raw article sentence. Held-out figures:
  the retriever's fusion weights are fitted with :func:`fit` leaving one story out at a time
  (``--cv``), so every news claim is scored by weights that never saw its story.
* ``scifact`` — the full 5,183-abstract corpus, the 505 train claims with evidence. Claims are
  split by a hash of their id into a tuning part (2/3) and a held-out part (1/3); both are reported.
* ``checkthat2020_claim_retrieval`` — dev tweets against the 10,375 verified claims (each claim
  a source: title = the fact-check title, text = the claim).

Metrics are at the source level (a source counts at the rank of its best passage): recall@1,
recall@5 and MAP@5. The BM25 baseline is plain BM25 (k1 0.9, b 0.4, lowercase alphanumeric
tokens, no stemming, no stop words) over each source's title + full text — the reference of the
data sets' READMEs — scored over the same sources in the same run; ``bm25_passages`` is the
same BM25 over the workspace's passages (a source at its best passage).

Each set is stored in a workspace under ``/tmp/fc-evidence-quality/`` (SQLite + FAISS),
keyed by the contents of the set's files and the passage settings, so a re-run reuses it;
passage vectors are also kept in ``/tmp/fc-evidence-quality/vectors.sqlite`` ((model, text
hash) -> vector, committed every 256 passages), so an interrupted first run resumes where it
stopped and a changed passage split embeds only the new passages. Nothing is written to the repository but
the results file. Numbers are noisy only in time, not in value (ranking is deterministic).

    python bench/evidence_quality.py [--sets news_dev,scifact,checkthat] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import math
import re
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "results" / "evidence_quality.json"
CACHE = Path("/tmp/fc-evidence-quality")

log = logging.getLogger("evidence_quality")


@dataclass
class Query:
    """One query with its gold sources."""

    id: str
    text: str
    gold: set[str]
    group: str = ""  # story (news_dev) / split (scifact)
    context: str | None = None  # the article sentence, when the query is a claim
    ignore: set[str] = field(default_factory=set)  # sources neither positive nor negative


@dataclass
class DevSet:
    """Sources (id, title, text) and one or more query runs over them."""

    name: str
    sources: list[tuple[str, str, str]]
    runs: dict[str, list[Query]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


# -- loading -----------------------------------------------------------------
RELATED_AS_NEGATIVES = False  # --related-as-negatives: the reading before 2026-12-02 (see load_news_dev)


def without_ignored(ranked: Sequence[str], q: Query, k: int) -> list[str]:
    """The first ``k`` of a ranking once the query's neither-positive-nor-negative sources are out."""
    return [s for s in ranked if s not in q.ignore][:k]


def load_news_dev(root: Path) -> DevSet | None:
    """news_dev: pages as sources; claims with a supporting page as queries (claim, sentence)."""
    if not (root / "links.jsonl").exists():
        return None
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "pages").glob("p*.json"))]
    claims = [json.loads(x) for x in (root / "claims.jsonl").read_text(encoding="utf-8").splitlines() if x]
    links = [json.loads(x) for x in (root / "links.jsonl").read_text(encoding="utf-8").splitlines() if x]
    gold: dict[str, set[str]] = {}
    related: dict[str, set[str]] = {}
    for ln in links:
        if ln["stance"] == "supports":
            gold.setdefault(ln["claim_id"], set()).add(ln["page_id"])
        elif ln["stance"] == "related" and not RELATED_AS_NEGATIVES:
            # the set's README: "Treat `related` links as neither positive nor negative for
            # retrieval" -- they are taken out of that claim's rankings (ours and BM25's) and
            # out of the ranker's training rows
            related.setdefault(ln["claim_id"], set()).add(ln["page_id"])
    ds = DevSet("news_dev", [(p["id"], p.get("title") or "", p["text"]) for p in pages])
    ds.runs["claim"] = [
        Query(c["id"], c["claim"], gold[c["id"]], c["story"], c["sentence"], related.get(c["id"], set()))
        for c in claims
        if c["id"] in gold
    ]
    ds.runs["sentence"] = [
        Query(c["id"], c["sentence"], gold[c["id"]], c["story"], ignore=related.get(c["id"], set()))
        for c in claims
        if c["id"] in gold
    ]
    ds.files = [root / "links.jsonl", root / "claims.jsonl", *sorted((root / "pages").glob("p*.json"))]
    return ds


def scifact_split(claim_id: str) -> str:
    """'tune' for 2/3 of the claims, 'heldout' for 1/3 (stable hash of the id)."""
    return "heldout" if zlib.crc32(claim_id.encode()) % 3 == 0 else "tune"


def load_scifact(root: Path) -> DevSet | None:
    """SciFact: the full corpus (title + abstract) and the train claims with evidence."""
    if not (root / "corpus.jsonl").exists():
        return None
    sources = []
    with (root / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            sources.append((str(d["doc_id"]), d["title"].strip(), " ".join(s.strip() for s in d["abstract"])))
    gold: dict[str, set[str]] = {}
    with (root / "train_qrels.tsv").open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            gold.setdefault(row[0], set()).add(row[2])
    queries = []
    with (root / "train_queries.tsv").open(encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for cid, claim in r:
            if cid in gold:
                queries.append(Query(cid, claim, gold[cid], scifact_split(cid)))
    ds = DevSet("scifact", sources, {"claim": queries})
    ds.files = [root / "corpus.jsonl"]
    return ds


def load_checkthat(root: Path) -> DevSet | None:
    """CheckThat! 2020 task 2: verified claims as sources, dev tweets as queries."""
    if not (root / "verified_claims.docs.tsv").exists():
        return None
    sources = []
    with (root / "verified_claims.docs.tsv").open(encoding="utf-8", newline="") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for row in r:
            sources.append((f"vclaim-{row[0]}", (row[2] if len(row) > 2 else "").strip(), row[1].strip()))
    gold: dict[str, set[str]] = {}
    for line in (root / "dev" / "tweet-vclaim-pairs.qrels").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            gold.setdefault(parts[0], set()).add(f"vclaim-{parts[2]}")
    queries = []
    with (root / "dev" / "tweets.queries.tsv").open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if row and row[0] in gold:
                queries.append(Query(row[0], row[1], gold[row[0]], scifact_split(row[0])))
    ds = DevSet("checkthat", [s for s in sources if s[2]], {"tweet": queries})
    ds.files = [root / "verified_claims.docs.tsv"]
    return ds


LOADERS: dict[str, tuple[str, Callable[[Path], DevSet | None]]] = {
    "news_dev": ("news_dev", load_news_dev),
    "scifact": ("scifact", load_scifact),
    "checkthat": ("checkthat2020_claim_retrieval", load_checkthat),
}


# -- plain BM25 baseline -----------------------------------------------------
_TOK = re.compile(r"[a-z0-9]+")


def plain_tokens(text: str) -> list[str]:
    """Lowercase alphanumeric runs (the data sets' reference tokenisation)."""
    return _TOK.findall(text.lower())


class PlainBm25:
    """BM25 (k1 0.9, b 0.4) over token lists, scored in numpy."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 0.9, b: float = 0.4) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.len = np.asarray([len(d) for d in docs], np.float64)
        self.avg = float(self.len.mean()) if self.n else 0.0
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        tmp: dict[str, dict[int, int]] = {}
        for i, d in enumerate(docs):
            for t in d:
                tmp.setdefault(t, {})
                tmp[t][i] = tmp[t].get(i, 0) + 1
        for t, m in tmp.items():
            self.postings[t] = (np.fromiter(m.keys(), np.int64), np.fromiter(m.values(), np.float64))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        s = np.zeros(self.n)
        norm = self.k1 * (1 - self.b + self.b * self.len / max(self.avg, 1e-9))
        for t in query:  # repeated query terms count again (as in the reference)
            if t not in self.postings:
                continue
            ids, tf = self.postings[t]
            idf = math.log(1 + (self.n - len(ids) + 0.5) / (len(ids) + 0.5))
            s[ids] += idf * tf * (self.k1 + 1) / (tf + norm[ids])
        return s


def rank_ids(scores: np.ndarray, ids: Sequence[str], k: int) -> list[str]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [ids[i] for i in order if scores[i] > 0]


# -- metrics -----------------------------------------------------------------
def metrics(ranked: list[list[str]], queries: list[Query]) -> dict[str, float]:
    """recall@1, recall@5 (any gold source in the top k), MAP@5 and MRR@5 over the queries."""
    r1 = r5 = ap = rr = 0.0
    for ids, q in zip(ranked, queries):
        top = list(dict.fromkeys(ids))[:5]
        hits = [i for i, s in enumerate(top) if s in q.gold]
        r1 += bool(hits and hits[0] == 0)
        r5 += bool(hits)
        rr += 1.0 / (hits[0] + 1) if hits else 0.0
        prec = [(n + 1) / (i + 1) for n, i in enumerate(hits)]
        ap += sum(prec) / min(len(q.gold), 5) if hits else 0.0
    n = max(len(queries), 1)
    return {
        "n": len(queries),
        "recall@1": round(r1 / n, 3),
        "recall@5": round(r5 / n, 3),
        "map@5": round(ap / n, 3),
        "mrr@5": round(rr / n, 3),
    }


# -- workspace ---------------------------------------------------------------
def _key(ds: DevSet) -> str:
    """The workspace key: the set's file *contents* (not their times: a re-copied data folder
    keeps its workspace) and the passage settings."""
    from factcheck.services import sources as src

    h = hashlib.sha256()
    for f in ds.files:
        h.update(f"{f.name}\0".encode())
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    h.update(f"{src.PASSAGE_SENTENCES}/{src.PASSAGE_OVERLAP}/{src.PASSAGE_MAX_CHARS}".encode())
    return h.hexdigest()[:12]


class VectorCache:
    """Passage embeddings kept across runs and sets: (model, text hash) -> vector in one SQLite
    file under ``/tmp/fc-evidence-quality``, committed every batch, so an interrupted embedding
    run keeps what it finished and the next run (whatever workspace key) embeds only the rest."""

    def __init__(self, path: Path, model: str) -> None:
        import sqlite3

        self.path, self.model = path, model
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, "
            "PRIMARY KEY (model, hash))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS imported (name TEXT PRIMARY KEY)")
        self.db.commit()

    def get(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors of these hashes."""
        out: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(hashes))
        for i in range(0, len(uniq), 500):
            chunk = uniq[i : i + 500]
            q = f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({','.join('?' * len(chunk))})"
            for h, blob in self.db.execute(q, [self.model, *chunk]):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors (one transaction)."""
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                [(self.model, h, np.asarray(v, np.float32).tobytes()) for h, v in items.items()],
            )

    def count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM vectors WHERE model = ?", [self.model]).fetchone()[0]
        )

    def import_earlier(self, root: Path) -> None:
        """Once each: the vectors of earlier runs (the old ``vectors-*.npz`` and the embedding
        tables of workspaces under ``root``, finished or not)."""
        import sqlite3

        done = {n for (n,) in self.db.execute("SELECT name FROM imported")}
        for npz in sorted(root.glob("vectors-*.npz")):
            if npz.name not in done and npz.name == f"vectors-{self.model.replace('/', '_')}.npz":
                with np.load(npz) as z:
                    self.put(dict(zip(z["hashes"].tolist(), z["vectors"])))
                with self.db:
                    self.db.execute("INSERT INTO imported VALUES (?)", [npz.name])
        for wsdb in sorted(root.glob("*/ws.db")):
            name = f"{wsdb.parent.name}/{wsdb.name}"
            if name in done:
                continue
            try:
                src = sqlite3.connect(f"file:{wsdb}?mode=ro", uri=True)
                rows = src.execute(
                    "SELECT text_hash, vector FROM embeddings WHERE model = ?", [self.model]
                ).fetchall()
                src.close()
            except sqlite3.Error as e:
                log.warning("%s: not imported (%s)", wsdb, e)
                continue
            with self.db:
                self.db.executemany(
                    "INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", [(self.model, h, v) for h, v in rows]
                )
                if (wsdb.parent / "done").exists():  # an unfinished one may still gain vectors
                    self.db.execute("INSERT INTO imported VALUES (?)", [name])
            log.warning("imported %d cached vectors from %s", len(rows), wsdb)


EMBED_BATCH = 256


def embed_passages(ws, rows: list[tuple[int, str]], cache: VectorCache) -> dict[int, np.ndarray]:
    """Vectors of the passage rows (id -> vector): from the cache, the rest embedded by the
    workspace model in batches of ``EMBED_BATCH``, each batch stored in the cache at once."""
    from factcheck.text.sentences import text_hash

    hashes = [text_hash(t) for _, t in rows]
    have = cache.get(hashes)
    todo = list({h: t for h, (_, t) in zip(hashes, rows) if h not in have}.items())
    if todo:
        log.warning("embedding %d of %d passages (%d cached)", len(todo), len(rows), len(rows) - len(todo))
    t0 = time.perf_counter()
    for i in range(0, len(todo), EMBED_BATCH):
        part = todo[i : i + EMBED_BATCH]
        vecs = ws.embedder.encode([t for _, t in part])
        new = {h: v for (h, _), v in zip(part, vecs)}
        cache.put(new)
        have.update(new)
        done = i + len(part)
        rate = done / max(time.perf_counter() - t0, 1e-9)
        log.warning(
            "  %d/%d passages embedded, %.1f passages/s, ETA %.0f s",
            done,
            len(todo),
            rate,
            (len(todo) - done) / rate,
        )
    return {i: have[h] for (i, _), h in zip(rows, hashes)}


def open_workspace(ds: DevSet):
    """The set's workspace under /tmp (built on first use, reused after; an interrupted build
    resumes: stored sources are skipped and embedded passages come from :class:`VectorCache`)."""
    from factcheck.config import Settings
    from factcheck.io.readers import Document
    from factcheck.services.sources import add_documents
    from factcheck.workspace import Workspace

    d = CACHE / f"{ds.name}-{_key(ds)}"
    done = d / "done"
    d.mkdir(parents=True, exist_ok=True)
    ws = Workspace(Settings(db=str(d / "ws.db"), index_dir=d / "indexes", batch_size=32))
    if done.exists():
        return ws
    cache = VectorCache(CACHE / "vectors.sqlite", ws.embedder.cache_key)
    cache.import_earlier(CACHE)
    t0 = time.perf_counter()
    docs = [Document(text=t, id=i, title=ti or None, origin=f"{ds.name}:{i}") for i, ti, t in ds.sources]
    log.warning("%s: storing %d sources (first run only; stored ones are skipped)", ds.name, len(docs))
    rep = add_documents(ws, docs, sync=False)
    rows = ws.store.index_rows("passages")
    known = embed_passages(ws, rows, cache)
    ws.sync_index("passages", building=True, vectors=known)
    ws.changed("passages")
    log.warning(
        "%s: %d sources (%d new), %d passages in %.0f s",
        ds.name,
        len(docs),
        rep.added,
        len(rows),
        time.perf_counter() - t0,
    )
    done.write_text(str(time.time()))
    return ws


# -- running -----------------------------------------------------------------
def passage_bm25_ranking(ws, queries: list[Query], k: int) -> list[list[str]]:
    """Plain BM25 over the workspace passages; a source at its best passage."""
    rows = ws.store.index_rows("passages")
    import sqlalchemy as sa

    from factcheck.db.store import passages

    with ws.store.engine.connect() as conn:
        src = dict(conn.execute(sa.select(passages.c.id, passages.c.source_id)).all())
    bm = PlainBm25([plain_tokens(t) for _, t in rows])
    out = []
    for q in queries:
        s = bm.scores(plain_tokens(q.text))
        ranked = [src[rows[i][0]] for i in np.argsort(-s, kind="stable")[: 20 * (k + len(q.ignore))]
                  if s[i] > 0]
        out.append(without_ignored(list(dict.fromkeys(ranked)), q, k))
    return out


def factcheck_ranking(ws, queries: list[Query], k: int, **kw) -> list[list[str]]:
    """factcheck's suggestions, as source ids best first."""
    from factcheck.search.evidence import SuggestQuery, suggest_many

    out = []
    step = 64
    for i in range(0, len(queries), step):
        batch = [SuggestQuery(text=q.text, id=q.id) for q in queries[i : i + step]]
        for sug in suggest_many(ws, batch, k=k, **kw):
            out.append(list(dict.fromkeys(s.source_id for s in sug))[:k])
    return out


# -- fitting and held-out figures ---------------------------------------------
@dataclass
class Pool:
    """Feature matrices and labels of one run's queries (for fitting and cross-validation)."""

    set: str
    run: str
    queries: list[Query]
    xs: list[np.ndarray]
    ys: list[np.ndarray]
    ids: list[list[str]]
    cands: list[list] = field(default_factory=list)


def collect(ds: DevSet, ws) -> list[Pool]:
    """Candidates and features of every query of a set."""
    from factcheck.search.evidence import SuggestQuery, source_candidates
    from factcheck.search.source_rank import source_features

    pools = []
    for run, queries in ds.runs.items():
        xs, ys, ids, cl = [], [], [], []
        for i in range(0, len(queries), 64):
            batch = queries[i : i + 64]
            cands, _, _ = source_candidates(ws, [SuggestQuery(text=q.text) for q in batch])
            for q, cs in zip(batch, cands):
                # features are those of the whole pool (as the product computes them); the
                # query's ignored sources then leave both its ranking and its training rows
                keep = [j for j, c in enumerate(cs) if c.source_id not in q.ignore]
                xs.append(source_features(cs)[keep])
                cs = [cs[j] for j in keep]
                ys.append(np.asarray([1.0 if c.source_id in q.gold else 0.0 for c in cs]))
                ids.append([c.source_id for c in cs])
                cl.append(cs)
        pools.append(Pool(ds.name, run, queries, xs, ys, ids, cl))
    return pools


def ranked_by(model, pool: Pool, sel: list[int]) -> list[list[str]]:
    from factcheck.search.source_rank import top_sources

    out = []
    for i in sel:
        s = model.score(pool.xs[i])
        out.append([pool.ids[i][j] for j in top_sources(pool.cands[i], s, 5)])
    return out


FIT_OPTIONS: dict = {"pairwise": False}  # fit_ranker options of every fit in a run (--pairwise)


def _train(pools: list[Pool], keep: Callable[[Pool, Query], bool], **info):
    from factcheck.search.source_rank import fit_ranker

    xs, ys = [], []
    for p in pools:
        for q, x, y in zip(p.queries, p.xs, p.ys):
            if keep(p, q) and len(x):
                xs.append(x)
                ys.append(y)
    return fit_ranker(xs, ys, **FIT_OPTIONS, **info)


def tuned(p: Pool, q: Query) -> bool:
    """The tuning part: all of news_dev, the 'tune' split of scifact and checkthat."""
    return p.set == "news_dev" or q.group == "tune"


def held_out(pools: list[Pool]) -> dict:
    """Figures no query's own data was fitted on: news_dev leave-one-story-out (fitted on the
    other stories plus the scifact / checkthat tuning splits); scifact / checkthat held-out
    splits scored by the ranker fitted on all tuning data."""
    out: dict = {}
    full = _train(pools, tuned)
    for p in pools:
        if p.set == "news_dev":
            stories = sorted({q.group for q in p.queries})
            ranked: list[list[str]] = [[] for _ in p.queries]
            for st in stories:
                model = _train(
                    pools, lambda pp, q, st=st: tuned(pp, q) and not (pp.set == "news_dev" and q.group == st)
                )
                sel = [i for i, q in enumerate(p.queries) if q.group == st]
                for i, r in zip(sel, ranked_by(model, p, sel)):
                    ranked[i] = r
            out[f"{p.set}/{p.run}"] = {"how": "leave one story out", **metrics(ranked, p.queries),
                                       "_ranked": {q.id: r for q, r in zip(p.queries, ranked)}}
        else:
            sel = [i for i, q in enumerate(p.queries) if q.group == "heldout"]
            ranked = ranked_by(full, p, sel)
            out[f"{p.set}/{p.run}"] = {
                "how": "held-out split (1/3 of the queries)",
                **metrics(ranked, [p.queries[i] for i in sel]),
                "_ranked": {p.queries[i].id: r for i, r in zip(sel, ranked)},
            }
    return out


# -- value matches on the gold evidence ----------------------------------------
def support_value_matches(root: Path) -> dict:
    """How often the claim's values are recognised in the evidence that supports it.

    For every ``supports`` link of news_dev whose claim states a number (a count, money, a
    percentage or a duration), the claim's values are compared with the link's verbatim
    evidence sentence (:func:`factcheck.text.compare.compare_values`, as suggestions and
    `check` compare them): the link counts when at least one value matches. This is what a
    suggestion's "states the claim's values" and the ranker's ``value_share`` see; a
    supporting sentence whose equal number is not recognised ("52 people" / "52 dead",
    "25 basis points" / "0.25 percentage point") is a miss. ``misses`` lists the ones whose
    evidence holds one of the claim's numbers in digits.
    """
    from factcheck.text.compare import compare_values
    from factcheck.text.values import extract_values

    rows = (root / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    claims = {c["id"]: c for c in (json.loads(x) for x in rows if x)}
    links = [json.loads(x) for x in (root / "links.jsonl").read_text(encoding="utf-8").splitlines() if x]
    numeric = ("count", "money", "percent", "duration")
    n = hit = 0
    misses = []
    for ln in links:
        if ln["stance"] != "supports" or not ln.get("evidence"):
            continue
        text = claims[ln["claim_id"]]["claim"]
        cv = [v for v in extract_values(text) if v.value is not None and v.kind.value in numeric]
        if not cv:
            continue
        n += 1
        ev = ln["evidence"]
        matches, _ = compare_values(text, 0, cv, ev, 0, extract_values(ev))
        if matches:
            hit += 1
        elif any(re.search(rf"(?<![\d.]){re.escape(f'{v.value:g}')}(?![\d])", ev) for v in cv):
            misses.append(f"{ln['claim_id']} / {ln['page_id']}: {ev[:100]}")
    # every claim against every sentence of every page: pairs (claim, page) with a value match,
    # on the claim's gold `supports` pages, on other pages of its story, on other stories' pages
    from factcheck.text.sentences import split_sentences

    stance = {(ln["claim_id"], ln["page_id"]): ln["stance"] for ln in links}
    pages = [json.loads(f.read_text(encoding="utf-8")) for f in sorted((root / "pages").glob("p*.json"))]
    sents = {
        pg["id"]: [(pg["text"][a:b], extract_values(pg["text"][a:b])) for a, b in split_sentences(pg["text"])]
        for pg in pages
    }
    pairs = {"gold_supports_pages": 0, "other_pages_of_the_story": 0, "pages_of_other_stories": 0}
    for c in claims.values():
        cv = extract_values(c["claim"])
        if not cv:
            continue
        for pg in pages:
            if not any(compare_values(c["claim"], 0, cv, st, 0, pv)[0] for st, pv in sents[pg["id"]]):
                continue
            if pg["story"] != c["story"]:
                pairs["pages_of_other_stories"] += 1
            elif stance.get((c["id"], pg["id"])) == "supports":
                pairs["gold_supports_pages"] += 1
            else:
                pairs["other_pages_of_the_story"] += 1
    return {"supports_links_with_a_number": n, "value_recognised": hit,
            "share": round(hit / n, 3) if n else None, "misses_with_the_number_in_digits": misses,
            "claim_page_pairs_with_a_value_match": pairs}


# -- number-conflict flags ---------------------------------------------------
def flag_quality(root: Path, ws, dates: bool = True) -> dict:
    """Precision / recall of number-conflict flags on news_dev, per (claim, page).

    Two settings: ``suggested`` — the flags `factcheck check` raises against the top 5
    suggestions over all 93 pages (those scored at least ``FLAG_MIN_SCORE``); ``all_passages``
    — every passage of every page compared with
    every claim (the worst case: a flag on any page of another story, a distractor or an
    unlinked page is wrong). A flag is right (strict) when the gold link is ``refutes``;
    ``lenient`` also accepts ``related`` (the same quantity at another time, rounded, ...).
    Recall: the share of ``refutes`` links flagged.

    Dates as `factcheck check` uses them (:func:`factcheck.text.dates.document_time`): a claim
    is placed by its article (URL, dateline, title), a page by its URL, dateline and title (the
    set stores no published dates). ``dates=False`` compares sentence years only (as before
    dates were threaded through). ``missed_refutes`` (all passages): why each unflagged
    ``refutes`` link raised no flag — the rules that kept its value pairs apart (pairs more than
    2x apart left out); "no value pair to compare" when no value of the claim has one of the
    same kind and unit within 2x on the page.
    """
    import sqlalchemy as sa

    from factcheck.db.store import passages
    from factcheck.search.evidence import SuggestQuery, suggest_many
    from factcheck.services.checks import FLAG_MIN_SCORE
    from factcheck.text.compare import compare_values
    from factcheck.text.values import extract_values

    claims = [json.loads(x) for x in (root / "claims.jsonl").read_text(encoding="utf-8").splitlines() if x]
    claim_time, page_time = _news_dev_times(root) if dates else ({}, {})
    stance = {}
    for x in (root / "links.jsonl").read_text(encoding="utf-8").splitlines():
        if x:
            ln = json.loads(x)
            stance[(ln["claim_id"], ln["page_id"])] = ln["stance"]
    refutes = {k for k, v in stance.items() if v == "refutes"}
    with ws.store.engine.connect() as conn:
        rows = conn.execute(sa.select(passages.c.source_id, passages.c.start, passages.c.text)).all()
    pvals = [(r.source_id, r.start, r.text, extract_values(r.text, r.start)) for r in rows]
    out: dict = {}
    sugg = suggest_many(ws, [SuggestQuery(text=c["claim"]) for c in claims], k=5)
    for mode in ("suggested", "all_passages"):
        flags: set[tuple[str, str]] = set()
        examples = []
        why: dict[tuple[str, str], set[str]] = {}
        for c, sg in zip(claims, sugg):
            cv = extract_values(c["claim"])
            if mode == "suggested":
                # as `factcheck check`: weak suggestions raise no flag (services.checks._flags)
                ev = [
                    (s.source_id, s.start, s.text, extract_values(s.text, s.start))
                    for s in sg
                    if s.score >= FLAG_MIN_SCORE
                ]
            else:
                ev = pvals
            matched: dict[str, set[int]] = {}
            conflicted: dict[str, list] = {}
            for sid, start, text, pv in ev:
                rejected: list = []
                ms, cs = compare_values(c["claim"], 0, cv, text, start, pv, rejected=rejected,
                                        claim_time=claim_time.get(c["story"]),
                                        passage_time=page_time.get(sid))
                matched.setdefault(sid, set()).update(m.claim.start for m in ms)
                conflicted.setdefault(sid, []).extend(cs)
                if mode == "all_passages" and stance.get((c["id"], sid)) == "refutes":
                    why.setdefault((c["id"], sid), set()).update(
                        f"{r.claim.text!r}/{r.passage.text!r}: {r.reason}" for r in rejected
                        if r.reason != "another magnitude")
            for sid, cs in conflicted.items():
                # as `factcheck check`: a source that states the claimed value is not flagged for it
                cs = [x for x in cs if x.claim.start not in matched[sid]]
                if cs:
                    flags.add((c["id"], sid))
                    if stance.get((c["id"], sid)) != "refutes" and len(examples) < 12:
                        examples.append(
                            f"{c['id']} vs {sid} ({stance.get((c['id'], sid), 'no link')}): "
                            f"{cs[0].claim.text!r} / {cs[0].passage.text!r}"
                        )
        strict = sum(1 for f in flags if stance.get(f) == "refutes")
        lenient = sum(1 for f in flags if stance.get(f) in ("refutes", "related"))
        other_story = sum(1 for f in flags if f[1] not in {ln[1] for ln in stance if ln[0] == f[0]})
        out[mode] = {
            "flags": len(flags),
            "precision_strict": round(strict / len(flags), 3) if flags else None,
            "precision_lenient": round(lenient / len(flags), 3) if flags else None,
            "recall_refutes": round(len(flags & refutes) / len(refutes), 3) if refutes else None,
            "refutes_links": len(refutes),
            "flags_on_unlinked_pages": other_story,
            "wrong_examples": examples,
        }
        if mode == "all_passages":
            out[mode]["missed_refutes"] = {
                f"{k[0]} vs {k[1]}": "; ".join(sorted(why.get(k, ()))) or "no value pair to compare"
                for k in sorted(refutes - flags)
            }
    out["dates"] = "article and page dates (URL, dateline, title)" if dates else "sentence years only"
    return out


def _news_dev_times(root: Path) -> tuple[dict, dict]:
    """When each news_dev story's article and each page is from, as `factcheck check` would place
    them had they been added with their URLs: (by story, by page id)."""
    from factcheck.text.dates import document_time

    stories = {}
    for x in (root / "stories.jsonl").read_text(encoding="utf-8").splitlines():
        if x:
            st = json.loads(x)
            title, _, text = (root / st["article_file"]).read_text(encoding="utf-8").partition("\n")
            stories[st["story"]] = document_time(None, st.get("article_url"), title, text)
    pages = {}
    for f in sorted((root / "pages").glob("p*.json")):
        p = json.loads(f.read_text(encoding="utf-8"))
        pages[p["id"]] = document_time(None, p.get("url"), p.get("title"), p["text"])
    return stories, pages


def score_set(ds: DevSet, ws, k: int = 5, pools: Sequence[Pool] = ()) -> dict:
    ids = [s[0] for s in ds.sources]
    bm = PlainBm25([plain_tokens(f"{t} {x}") for _, t, x in ds.sources])
    gold: dict[str, dict] = {}
    result: dict = {"sources": len(ds.sources), "passages": len(ws.store.index_rows("passages")), "runs": {},
                    "_bm25": gold}
    for run, queries in ds.runs.items():
        t0 = time.perf_counter()
        fc = factcheck_ranking(ws, queries, k)
        fc_s = time.perf_counter() - t0
        pool = next((p for p in pools if p.set == ds.name and p.run == run), None)
        if any(q.ignore for q in queries):
            # the shipped ranker over the candidates without the ignored sources, exactly as
            # suggest orders them (candidates, scorer, top_sources); suggest itself (timed above)
            # cannot leave sources out, and dropping them from its list afterwards would move its
            # BM25 / dense floors out of the top k
            if pool is None:
                raise ValueError(f"{ds.name}/{run}: queries with ignored sources need their pool")
            from factcheck.search.source_rank import ranker

            fc = ranked_by(ranker(), pool, list(range(len(queries))))
        base = [without_ignored(rank_ids(bm.scores(plain_tokens(q.text)), ids, k + len(q.ignore)), q, k)
                for q in queries]
        gold[run] = {q.id: (q.gold, b) for q, b in zip(queries, base)}
        pbase = passage_bm25_ranking(ws, queries, k)
        groups = sorted({q.group for q in queries})
        entry: dict = {}
        for g in ["all", *groups] if len(groups) > 1 else ["all"]:
            sel = [i for i, q in enumerate(queries) if g == "all" or q.group == g]
            qs = [queries[i] for i in sel]
            entry[g] = {
                "factcheck": metrics([fc[i] for i in sel], qs),
                "bm25": metrics([base[i] for i in sel], qs),
                "bm25_passages": metrics([pbase[i] for i in sel], qs),
            }
        entry["factcheck_seconds_per_query"] = round(fc_s / max(len(queries), 1), 4)
        result["runs"][run] = entry
    return result


def add_baselines(results: dict) -> None:
    """Put the BM25 figures of the same queries beside each held-out figure."""
    for key, m in results.get("held_out", {}).items():
        name, run = key.split("/")
        entry = results["sets"].get(name, {}).get("runs", {}).get(run, {})
        group = "all" if name == "news_dev" else "heldout"
        if group in entry:
            m["bm25"] = entry[group]["bm25"]
            m["bm25_passages"] = entry[group]["bm25_passages"]
        ranked = m.pop("_ranked", {})
        base = results["sets"].get(name, {}).get("_bm25", {}).get(run, {})
        for at in (1, 5):  # per-query differences with BM25 (for error analysis)
            won, lost, neither, n = [], [], [], 0
            for qid, r in ranked.items():
                if qid in base:
                    n += 1
                    g, b = base[qid]
                    ours, theirs = bool(g & set(r[:at])), bool(g & set(b[:at]))
                    (won if ours and not theirs else lost if theirs and not ours else []).append(qid)
                    if not ours and not theirs:
                        neither.append(qid)
            m[f"vs_bm25_at_{at}"] = {"won": sorted(won), "lost": sorted(lost), "neither": sorted(neither)}
            # the per-query best of the two rankings: no blend of them can pass it
            m[f"either_recall@{at}"] = round(1 - len(neither) / n, 3) if n else None
    for entry in results.get("sets", {}).values():
        entry.pop("_bm25", None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="news_dev,scifact,checkthat")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--build-only", action="store_true", help="only build the cached workspaces")
    ap.add_argument("--flags-only", action="store_true", help="only the news_dev flag figures")
    ap.add_argument("--flags-without-dates", action="store_true",
                    help="flags comparing sentence years only (no article/page dates: the old rule)")
    ap.add_argument(
        "--fit",
        action="store_true",
        help="refit factcheck/search/evidence_ranker.json on the tuning parts first",
    )
    ap.add_argument("--related-as-negatives", action="store_true",
                    help="count news_dev `related` pages as negatives (the reading before 2026-12-02; "
                    "the set's README says neither positive nor negative)")
    ap.add_argument("--pairwise", action="store_true",
                    help="fit (and score held-out) with the pairwise ranker (fit_ranker(pairwise=True))")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    FIT_OPTIONS["pairwise"] = args.pairwise
    global RELATED_AS_NEGATIVES
    RELATED_AS_NEGATIVES = args.related_as_negatives
    results: dict = {
        "what": "source-level evidence retrieval: factcheck suggest vs plain BM25 "
        "(k1 0.9, b 0.4) over the same sources, one run",
        "sets": {},
        "skipped": [],
        "news_dev_related_links": "counted as negatives (--related-as-negatives)" if RELATED_AS_NEGATIVES
        else "neither positive nor negative, as the set's README says: out of that claim's rankings "
        "(factcheck's and BM25's) and out of the ranker's training rows",
    }
    loaded = []
    for name in args.sets.split(","):
        folder, loader = LOADERS[name]
        ds = loader(args.data / folder)
        if ds is None:
            print(f"skip {name}: {args.data / folder} not found")
            results["skipped"].append(name)
            continue
        loaded.append((ds, open_workspace(ds)))
    if args.build_only:
        return 0
    if args.flags_only:
        for ds, ws in loaded:
            if ds.name == "news_dev":
                fl = flag_quality(args.data / LOADERS["news_dev"][0], ws,
                                  dates=not args.flags_without_dates)
                print(json.dumps(fl, indent=1))
        return 0
    t0 = time.perf_counter()
    pools = [p for ds, ws in loaded for p in collect(ds, ws)]
    log.warning(
        "features of %d queries in %.0f s", sum(len(p.queries) for p in pools), time.perf_counter() - t0
    )
    if args.fit:
        from factcheck.search.source_rank import RANKER_PATH

        model = _train(
            pools,
            tuned,
            model="pairwise logistic regression (C=1) over standardised features, Platt-scaled "
            "(class-balanced) to a probability" if args.pairwise else
            "logistic regression (C=1, balanced) over standardised features",
            trained_on="all of news_dev (claim + sentence queries; "
            + ("`related` pages as negatives" if RELATED_AS_NEGATIVES else "`related` pages left out")
            + ") and the 'tune' 2/3 of the other sets listed in `sets` (bench/evidence_quality.py --fit)",
            sets=[ds.name for ds, _ in loaded],
        )
        model.save(RANKER_PATH)
        from factcheck.search import source_rank

        source_rank._ranker.cache_clear()
        print(f"wrote {RANKER_PATH}")
    results["held_out_fit"] = ("pairwise (--pairwise; not the shipped ranker, whose figures are under "
                               "`sets`)" if args.pairwise else "pointwise, as shipped")
    results["held_out"] = held_out(pools)
    for key, m in results["held_out"].items():
        print(
            f"held-out {key:20s} n={m['n']:3d}  R@1 {m['recall@1']:.3f}  R@5 {m['recall@5']:.3f}  "
            f"MAP@5 {m['map@5']:.3f}  ({m['how']})"
        )
    for ds, ws in loaded:
        name = ds.name
        results["sets"][name] = score_set(ds, ws, pools=pools)
        if name == "news_dev":
            results["flags_news_dev"] = fl = flag_quality(args.data / LOADERS[name][0], ws,
                                                          dates=not args.flags_without_dates)
            results["value_matches_news_dev"] = vm = support_value_matches(args.data / LOADERS[name][0])
            print(f"values recognised in supporting evidence: {vm['value_recognised']} of "
                  f"{vm['supports_links_with_a_number']} ({vm['share']})")
            for mode, m in fl.items():
                if not isinstance(m, dict):
                    continue
                print(
                    f"flags {mode:13s} {m['flags']:3d} flags  precision {m['precision_strict']} strict, "
                    f"{m['precision_lenient']} lenient  recall(refutes) {m['recall_refutes']}  "
                    f"on unlinked pages {m['flags_on_unlinked_pages']}"
                )
        for run, entry in results["sets"][name]["runs"].items():
            for g, m in entry.items():
                if isinstance(m, dict):
                    f, b = m["factcheck"], m["bm25"]
                    print(
                        f"{name:9s} {run:8s} {g:22s} n={f['n']:3d}"
                        f"  R@1 {f['recall@1']:.3f} / {b['recall@1']:.3f}"
                        f"  R@5 {f['recall@5']:.3f} / {b['recall@5']:.3f}"
                        f"  MAP@5 {f['map@5']:.3f} / {b['map@5']:.3f}"
                    )
        ws.store.dispose()
    if not args.build_only:
        add_baselines(results)
        for key, m in results.get("held_out", {}).items():
            for at in (1, 5):
                d = m[f"vs_bm25_at_{at}"]
                print(f"held-out {key:20s} R@{at} vs BM25: won {len(d['won'])} {d['won'][:6]}  "
                      f"lost {len(d['lost'])} {d['lost'][:6]}  either {m[f'either_recall@{at}']}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out} (factcheck / bm25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
