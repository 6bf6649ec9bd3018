"""Claim matching on CLEF CheckThat! 2020 task 2 (tweets -> Snopes fact-checks).

Reads ``../shared/data/checkthat2020_claim_retrieval/`` (never copied into the repo; skips
cleanly when absent), imports the 10,375 verified claims as an archive through the library
(``factcheck.services.archive.import_entries``), and reports on the dev split, for the same candidate
pools that :func:`factcheck.search.archive_match.match` uses (dense top-30 ∪ BM25 top-30):

* MAP@5 (the official metric) and recall@1/5/10 for BM25 alone, dense alone (MiniLM on the
  claim; and max of claim/title), reciprocal rank fusion, z-score fusion, and the final method
  (the logistic-regression re-ranker shipped in ``factcheck/match_reranker.json``);
* the final method once more end to end through ``factcheck.search.archive_match.match_many`` (the API the
  CLI and the app call), with its latency per query.

``--train`` re-fits the re-ranker on the train split (800 queries; C=1, no tuning on dev) and
writes the weights file; 5-fold cross-validation on train is reported alongside.

Embeddings are cached in a work database (``--cache``, default ``~/.cache/factcheck-bench``),
so only the first run pays for embedding ~21k texts. Results: ``bench/results/claim_matching.json``.

    python bench/claim_matching.py [--train] [--data DIR] [--cache DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "checkthat2020_claim_retrieval"
OUT = REPO / "bench" / "results" / "claim_matching.json"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "factcheck-bench"

log = logging.getLogger("bench.claim_matching")


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a quoted TSV (fields may hold newlines), header dropped."""
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[1:]


def read_qrels(path: Path) -> dict[str, set[str]]:
    """TREC qrels: query id -> relevant document ids."""
    rel: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            rel.setdefault(parts[0], set()).add(parts[2])
    return rel


def average_precision(ranked: list[str], relevant: set[str], k: int = 5) -> float:
    """AP@k as in the CheckThat! scorer (divided by min(|relevant|, k))."""
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:k]):
        if doc in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / min(len(relevant), k) if relevant else 0.0


def metrics(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """MAP@5 and recall@1/5/10 over the queries with judgements."""
    qids = [q for q in rankings if q in qrels]
    out = {"map@5": float(np.mean([average_precision(rankings[q], qrels[q]) for q in qids]))}
    for k in (1, 5, 10):
        out[f"recall@{k}"] = float(np.mean(
            [len(set(rankings[q][:k]) & qrels[q]) / len(qrels[q]) for q in qids]
        ))
    return {k: round(v, 4) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--train", action="store_true", help="re-fit and save the re-ranker")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not (args.data / "verified_claims.docs.tsv").exists():
        print(f"skipped: CheckThat! data not found in {args.data}")
        return 0

    from factcheck.config import Settings
    from factcheck.db.store import archive as archive_table
    from factcheck.models import ArchiveCheck
    from factcheck.search.archive_match import (
        FEATURES,
        RERANKER_PATH,
        Reranker,
        clean_query,
        match_features,
        match_many,
        match_pools,
    )
    from factcheck.services.archive import import_entries
    from factcheck.workspace import Workspace

    t_start = time.perf_counter()
    args.cache.mkdir(parents=True, exist_ok=True)
    ws = Workspace(Settings(db=str(args.cache / "checkthat.db"), index_dir=args.cache / "indexes"))

    docs = read_tsv(args.data / "verified_claims.docs.tsv")
    entries = [ArchiveCheck(id=f"ct-{r[0]}", claim=r[1], title=r[2] or None, origin="checkthat")
               for r in docs if len(r) >= 3 and r[1].strip()]
    t0 = time.perf_counter()
    report = import_entries(ws, entries, origin="checkthat verified_claims")
    import_s = time.perf_counter() - t0
    print(f"archive: {report.added} added, {report.skipped} already there ({import_s:.0f}s)")

    import sqlalchemy as sa

    with ws.store.engine.connect() as conn:
        seq_to_doc = {int(s): i.removeprefix("ct-") for s, i in
                      conn.execute(sa.select(archive_table.c.seq, archive_table.c.id))}

    splits = {}
    for split in ("train", "dev"):
        rows = read_tsv(args.data / split / "tweets.queries.tsv")
        qrels = read_qrels(args.data / split / "tweet-vclaim-pairs.qrels")
        queries = [(r[0], r[1]) for r in rows if len(r) >= 2]
        texts = [t for _, t in queries]
        ws.embedder.embed([clean_query(t) for t in texts])  # warm the cache for re-runs
        t0 = time.perf_counter()
        pools = match_pools(ws, texts)
        feats = [match_features(clean_query(t), p) for t, p in zip(texts, pools)]
        labels = [np.array([seq_to_doc.get(c.key[1]) in qrels.get(q, set()) for c in p])
                  for (q, _), p in zip(queries, pools)]
        splits[split] = {"queries": queries, "qrels": qrels, "pools": pools, "X": feats,
                         "y": labels, "pool_s": time.perf_counter() - t0}
        print(f"{split}: {len(queries)} queries, pool recall "
              f"{np.mean([y.any() for y in labels]):.3f}")

    def rankings(split: str, scorer) -> dict[str, list[str]]:
        s = splits[split]
        out = {}
        for (qid, _), pool, x in zip(s["queries"], s["pools"], s["X"]):
            order = np.argsort(-np.asarray(scorer(x), np.float64), kind="stable")
            out[qid] = [seq_to_doc[pool[int(j)].key[1]] for j in order]
        return out

    fi = {f: i for i, f in enumerate(FEATURES)}

    def zf(x: np.ndarray) -> np.ndarray:
        def z(v: np.ndarray) -> np.ndarray:
            return (v - v.mean()) / (v.std() or 1.0)

        return z(x[:, fi["dense_claim"]] + x[:, fi["dense_title"]]) + 0.3 * z(x[:, fi["bm25_norm"]])

    def rrf(x: np.ndarray) -> np.ndarray:
        d = 1.0 / x[:, fi["dense_rank_inv"]] - 1.0
        b = np.where(x[:, fi["bm25_rank_inv"]] > 0,
                     1.0 / (60 + 1.0 / np.maximum(x[:, fi["bm25_rank_inv"]], 1e-9)), 0.0)
        return 1.0 / (60 + d + 1) + b

    result: dict = {
        "dataset": "CLEF CheckThat! 2020 task 2 (v3), dev split",
        "queries": {s: len(splits[s]["queries"]) for s in splits},
        "archive_size": len(entries),
        "candidates": "dense top-30 (claim embedding) ∪ BM25 top-30 (claim + title)",
        "pool_recall_dev": round(float(np.mean([y.any() for y in splits["dev"]["y"]])), 4),
        "methods": {},
    }
    baselines = {
        "bm25": lambda x: x[:, fi["bm25_norm"]],
        "dense (claim)": lambda x: x[:, fi["dense_claim"]],
        "dense (max of claim, title)": lambda x: x[:, fi["dense_max"]],
        "rrf fusion": rrf,
        "z-score fusion": zf,
    }
    for name, fn in baselines.items():
        result["methods"][name] = metrics(rankings("dev", fn), splits["dev"]["qrels"])

    if args.train:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold
        from sklearn.preprocessing import StandardScaler

        X = np.vstack(splits["train"]["X"]).astype(np.float64)
        y = np.concatenate(splits["train"]["y"]).astype(int)
        groups = np.concatenate([[i] * len(p) for i, p in enumerate(splits["train"]["y"])])
        cv_ap = []
        for tr, te in GroupKFold(n_splits=5).split(X, y, groups):
            sc = StandardScaler().fit(X[tr])
            lr = LogisticRegression(C=1.0, max_iter=5000).fit(sc.transform(X[tr]), y[tr])
            test_q = sorted(set(groups[te]))
            for qi in test_q:
                xq = splits["train"]["X"][qi]
                yq = splits["train"]["y"][qi]
                if not yq.any():
                    cv_ap.append(0.0)
                    continue
                order = np.argsort(-lr.decision_function(sc.transform(xq)), kind="stable")
                hits, ap_ = 0, 0.0
                for r, j in enumerate(order[:5]):
                    if yq[j]:
                        hits += 1
                        ap_ += hits / (r + 1)
                cv_ap.append(ap_ / min(int(yq.sum()), 5))
        sc = StandardScaler().fit(X)
        lr = LogisticRegression(C=1.0, max_iter=5000).fit(sc.transform(X), y)
        model = Reranker(
            features=list(FEATURES),
            mean=sc.mean_,
            scale=np.where(sc.scale_ > 0, sc.scale_, 1.0),
            coef=lr.coef_[0],
            intercept=float(lr.intercept_[0]),
            info={"model": "logistic regression (C=1) over standardised features",
                  "trained_on": "CLEF CheckThat! 2020 task 2 train split (800 tweets)",
                  "train_cv_map5": round(float(np.mean(cv_ap)), 4)},
        )
        dev_map = metrics(rankings("dev", model.score), splits["dev"]["qrels"])["map@5"]
        model.info["dev_map5"] = dev_map
        model.info["trained_at"] = datetime.now(UTC).date().isoformat()
        model.save(RERANKER_PATH)
        print(f"saved re-ranker to {RERANKER_PATH} (train 5-fold CV MAP@5 {np.mean(cv_ap):.4f})")
        result["train_cv_map5"] = round(float(np.mean(cv_ap)), 4)
    model = Reranker.load(RERANKER_PATH)
    result["methods"]["final: learned re-ranker"] = metrics(rankings("dev", model.score),
                                                           splits["dev"]["qrels"])

    # end to end through the public API (what `factcheck match --file` does)
    dev = splits["dev"]
    t0 = time.perf_counter()
    found = match_many(ws, [t for _, t in dev["queries"]], k=10)
    api_s = time.perf_counter() - t0
    api_rank = {qid: [m.archive_id.removeprefix("ct-") for m in ms]
                for (qid, _), ms in zip(dev["queries"], found)}
    result["methods"]["final via match_many (API)"] = metrics(api_rank, dev["qrels"])
    t0 = time.perf_counter()
    single = [time.perf_counter()]
    for _, text in dev["queries"][:50]:
        match_many(ws, [text], k=5)
        single.append(time.perf_counter())
    lat = np.diff(single) * 1000
    result["latency_ms"] = {
        "batch_per_query": round(api_s * 1000 / len(dev["queries"]), 1),
        "single_query_p50": round(float(np.percentile(lat, 50)), 1),
        "single_query_p99": round(float(np.percentile(lat, 99)), 1),
    }
    result["reranker"] = {k: v for k, v in model.info.items() if k != "features"}
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    result["total_seconds"] = round(time.perf_counter() - t_start, 1)
    result["target"] = "MAP@5 >= 0.85 on dev"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    width = max(len(n) for n in result["methods"])
    for name, m in result["methods"].items():
        print(f"{name:<{width}}  MAP@5 {m['map@5']:.4f}  R@1 {m['recall@1']:.3f}  "
              f"R@5 {m['recall@5']:.3f}  R@10 {m['recall@10']:.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
