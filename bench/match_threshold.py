"""The score above which the review page shows an earlier fact-check ("Earlier fact-checks").

The re-ranker's score (:func:`factcheck.search.archive_match.match_many`) is its probability that a
candidate checks the same claim. On the CLEF CheckThat! 2020 task 2 **dev** split (197 tweets ->
10,375 Snopes fact-checks; read in place from ``../shared/data/checkthat2020_claim_retrieval/``,
skipped cleanly when absent) every query's top-5 matches are labelled relevant or not by the qrels;
the threshold is the score that maximises F1 over those (query, match) pairs, rounded down to
0.05. Reported beside it, for the chosen threshold:

* precision / recall of the matches shown (pairs), and the share of queries whose right
  fact-check is shown;
* **no-match proxy**: the share of queries for which some *wrong* fact-check scores at or above
  the threshold — what a reviewer sees for a claim that was never checked (CheckThat! has no
  such queries, so this is the closest stand-in);
* the same figures on the train split (the re-ranker was fitted there: optimistic).

The app uses the figure as ``factcheck.ui.evidence.MATCH_MIN_SCORE``. The work database and its
embeddings are shared with ``bench/claim_matching.py`` (``--cache``). Writes
``bench/results/match_threshold.json``.

    python bench/match_threshold.py [--data DIR] [--cache DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.claim_matching import CACHE, DATA, read_qrels, read_tsv  # noqa: E402

OUT = REPO / "bench" / "results" / "match_threshold.json"
K = 5
log = logging.getLogger("bench.match_threshold")


def sweep(pairs: list[tuple[float, bool]], n_relevant: int) -> list[dict[str, float]]:
    """Precision/recall/F1 of "show if score >= t" for t = 0.00, 0.05, ... 0.95."""
    out = []
    for i in range(20):
        t = round(i * 0.05, 2)
        shown = [rel for s, rel in pairs if s >= t]
        tp = sum(shown)
        p = tp / len(shown) if shown else 1.0
        r = tp / n_relevant if n_relevant else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out.append({"threshold": t, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
                    "shown": len(shown)})
    return out


def figures(per_query: list[list[tuple[float, bool]]], n_relevant: int, t: float) -> dict[str, float]:
    pairs = [x for q in per_query for x in q]
    shown = [rel for s, rel in pairs if s >= t]
    return {
        "precision": round(sum(shown) / len(shown), 4) if shown else 1.0,
        "recall": round(sum(shown) / n_relevant, 4) if n_relevant else 0.0,
        "queries_with_right_match_shown": round(
            sum(any(rel and s >= t for s, rel in q) for q in per_query) / len(per_query), 4),
        "queries_with_a_wrong_match_shown": round(
            sum(any(not rel and s >= t for s, rel in q) for q in per_query) / len(per_query), 4),
        "queries": len(per_query),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not (args.data / "verified_claims.docs.tsv").exists():
        print(f"skipped: CheckThat! data not found in {args.data}")
        return 0

    from factcheck.config import Settings
    from factcheck.models import ArchiveCheck
    from factcheck.search.archive_match import match_many
    from factcheck.services.archive import import_entries
    from factcheck.workspace import Workspace

    t_start = time.perf_counter()
    args.cache.mkdir(parents=True, exist_ok=True)
    ws = Workspace(Settings(db=str(args.cache / "checkthat.db"), index_dir=args.cache / "indexes"))
    docs = read_tsv(args.data / "verified_claims.docs.tsv")
    entries = [ArchiveCheck(id=f"ct-{r[0]}", claim=r[1], title=r[2] or None, origin="checkthat")
               for r in docs if len(r) >= 3 and r[1].strip()]
    report = import_entries(ws, entries, origin="checkthat verified_claims")
    print(f"archive: {report.added} added, {report.skipped} already there")

    results: dict[str, dict] = {}
    for split in ("dev", "train"):
        rows = read_tsv(args.data / split / "tweets.queries.tsv")
        qrels = read_qrels(args.data / split / "tweet-vclaim-pairs.qrels")
        queries = [(r[0], r[1]) for r in rows if len(r) >= 2]
        found = match_many(ws, [t for _, t in queries], k=K)
        per_query = [[(m.score, m.archive_id.removeprefix("ct-") in qrels.get(q, set())) for m in ms]
                     for (q, _), ms in zip(queries, found)]
        n_rel = sum(len(qrels.get(q, set())) for q, _ in queries)
        results[split] = {"per_query": per_query, "n_relevant": n_rel}
        print(f"{split}: {len(queries)} queries")

    dev = results["dev"]
    table = sweep([x for q in dev["per_query"] for x in q], dev["n_relevant"])
    best = max(table, key=lambda r: (r["f1"], r["threshold"]))
    t = best["threshold"]
    out = {
        "benchmark": "threshold for showing earlier fact-checks (re-ranker score), CheckThat! 2020 task 2",
        "picked_on": "dev split: max F1 over (query, top-5 match) pairs, thresholds in steps of 0.05",
        "threshold": t,
        "dev": figures(dev["per_query"], dev["n_relevant"], t),
        "train_optimistic": figures(results["train"]["per_query"], results["train"]["n_relevant"], t),
        "dev_without_threshold": figures(dev["per_query"], dev["n_relevant"], 0.0),
        "dev_sweep": table,
        "k": K,
        "archive_size": len(entries),
        "total_s": round(time.perf_counter() - t_start, 1),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert not math.isnan(t)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: out[k] for k in ("threshold", "dev", "train_optimistic", "dev_without_threshold")},
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
