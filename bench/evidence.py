"""Evidence suggestion latency over 100k synthetic passages, query embedding included.

Builds a workspace with 100,000 synthetic passages (20,000 sources x 5 passages of templated
news-like sentences with numbers), then times :func:`factcheck.search.evidence.suggest` — the call the
CLI and the review app make — for 200 unseen claim texts: query embedding with the real
all-MiniLM-L6-v2, FAISS search, BM25 (bm25s), fusion, number-aware re-ranking, and the
database reads of passages and sources. Reported: wall-clock p50/p99 per query (target p50 <= 50 ms),
the CPU time per query (what the wall clock would be on an idle core: the benchmark machine is
shared, so its load average is recorded too) and a breakdown of the parts.

The passage *vectors* in the FAISS index are random unit vectors: embedding 100k passages
would take most of the benchmark's time budget on a 2-core machine, and the cost of an exact
(flat) inner-product search does not depend on what the vectors are. Everything else — the
rows, BM25 over the real passage texts, the query embedding — is real.

    python bench/evidence.py [--passages 100000] [--queries 200] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "results" / "evidence.json"

ENTITIES = """Anthropic OpenAI Google Microsoft Amazon Meta Nvidia Apple Tesla IBM Intel Oracle
Pentagon Congress Senate Treasury Commerce Department State Department EU Parliament Ministry
UN WHO IMF World Bank Federal Reserve city council school board transit agency police union
hospital network airline automaker utility startup university court regulator""".split()
NOUNS = """budget contract valuation revenue profit loss deficit debt tax tariff subsidy grant
loan fine settlement salary wage price fare rent cost spending investment funding round
shares stock bond rate unemployment inflation growth output exports imports emissions
deaths cases vaccines beds jobs workers students teachers officers soldiers voters
households homes schools hospitals buses trains flights factories farms acres miles
deadline phaseout ban ruling lawsuit appeal merger deal order policy rule law bill""".split()
VERBS = """rose fell reached topped hit cut raised approved signed announced reported said
estimated expected projected confirmed denied proposed rejected blocked delayed""".split()
UNITS = ["million", "billion", "percent", "thousand", ""]
MONTHS = """January February March April May June July August September October November
December""".split()


def sentence(rng: random.Random) -> str:
    """One templated news sentence with a key value."""
    e1, e2 = rng.choice(ENTITIES), rng.choice(ENTITIES)
    n1, n2 = rng.choice(NOUNS), rng.choice(NOUNS)
    v = rng.choice(VERBS)
    num = rng.choice([rng.randint(2, 999), round(rng.uniform(1, 99), 1)])
    unit = rng.choice(UNITS)
    money = "$" if unit in ("million", "billion") and rng.random() < 0.7 else ""
    value = f"{money}{num} {unit}".strip() if unit != "percent" else f"{num}%"
    year = rng.randint(1990, 2026)
    forms = [
        f"The {e1} {n1} {v} {value} in {rng.choice(MONTHS)} {year}, officials said.",
        f"{e1} said its {n1} {v} {value}, while the {n2} stayed flat.",
        f"According to {e2}, the {n1} of {e1} {v} {value} last year.",
        f"Critics of {e1} argued that the {n1} {v} {value} because of the {n2}.",
        f"In {year}, {e1} and {e2} agreed on a {n1} worth {value}.",
    ]
    return rng.choice(forms)


def build(ws, n_passages: int, rng: random.Random) -> float:
    """Store sources/passages rows and a matching FAISS index; returns seconds taken."""
    import sqlalchemy as sa

    from factcheck.db.store import passages, sources
    from factcheck.search.faiss_index import VectorIndex, fingerprint

    t0 = time.perf_counter()
    per_source = 5
    n_sources = n_passages // per_source
    src_rows, psg_rows = [], []
    pid = 0
    for s in range(n_sources):
        parts = []
        text = ""
        for i in range(per_source):
            body = " ".join(sentence(rng) for _ in range(3))
            start = len(text) + (2 if text else 0)
            text = f"{text}\n\n{body}" if text else body
            parts.append((i, start, start + len(body), body))
        sid = f"synthetic-{s}"
        src_rows.append({"id": sid, "url": f"https://example.org/synthetic/{s}",
                         "title": f"Synthetic source {s}", "publisher": None, "published": None,
                         "text": text, "origin": "bench", "created_at": datetime.now(UTC)})
        for i, a, b, body in parts:
            pid += 1
            psg_rows.append({"id": pid, "source_id": sid, "index": i, "start": a, "end": b,
                             "text": body})
    with ws.store.begin() as conn:
        for i in range(0, len(src_rows), 5000):
            conn.execute(sa.insert(sources), src_rows[i : i + 5000])
        for i in range(0, len(psg_rows), 5000):
            conn.execute(sa.insert(passages), psg_rows[i : i + 5000])
    rows = ws.store.index_rows("passages")
    dim = ws.embedder.dimension
    vecs = np.random.default_rng(0).standard_normal((len(rows), dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    idx = VectorIndex.build(ws.index_dir, "passages", ws.model_name, [r[0] for r in rows], vecs,
                            fingerprint(rows))
    idx.save()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import factcheck.search.evidence as retrieve
    from factcheck.config import Settings
    from factcheck.search.state import query_threads
    from factcheck.workspace import Workspace

    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="fc-bench-evidence-") as tmp:
        ws = Workspace(Settings(db=str(Path(tmp) / "ev.db"), index_dir=Path(tmp) / "indexes"))
        t0 = time.perf_counter()
        dim = ws.embedder.dimension  # loads the model (not part of per-query latency)
        load_s = time.perf_counter() - t0
        build_s = build(ws, args.passages, rng)
        t0 = time.perf_counter()
        retrieve.passage_lexicon(ws)  # BM25 index: built once, cached per workspace
        bm25_build_s = time.perf_counter() - t0
        queries = [sentence(rng) for _ in range(args.queries + 10)]
        for q in queries[:10]:  # warm-up (index load, first-call overheads)
            retrieve.suggest(ws, text=q, k=5)
        total, cpu, embed, dense, lexical = [], [], [], [], []
        idx = ws.open_index("passages")
        lex = retrieve.passage_lexicon(ws)
        for q in queries[10:]:
            t0, c0 = time.perf_counter(), time.process_time()
            res = retrieve.suggest(ws, text=q, k=5)
            total.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert len(res) == 5
            # the parts, measured separately on the same query
            with query_threads(1):
                t0 = time.perf_counter()
                v = ws.embedder.embed([q], remember=False)
                t1 = time.perf_counter()
                idx.search(v, retrieve.CANDIDATES)
                t2 = time.perf_counter()
            lex.top(q, retrieve.CANDIDATES)
            t3 = time.perf_counter()
            embed.append(t1 - t0)
            dense.append(t2 - t1)
            lexical.append(t3 - t2)

        def pct(xs: list[float]) -> dict[str, float]:
            ms = np.asarray(xs) * 1000
            return {"p50": round(float(np.percentile(ms, 50)), 1),
                    "p99": round(float(np.percentile(ms, 99)), 1),
                    "mean": round(float(ms.mean()), 1)}

        result = {
            "what": "factcheck.search.evidence.suggest(ws, text=..., k=5) per query, incl. query embedding",
            "passages": args.passages,
            "queries": args.queries,
            "latency_ms": pct(total),
            "cpu_ms_per_query": pct(cpu),
            "parts_ms": {"query_embedding": pct(embed), "faiss_search": pct(dense),
                         "bm25": pct(lexical)},
            "setup_s": {"model_load": round(load_s, 1), "store_rows_and_index": round(build_s, 1),
                        "bm25_build": round(bm25_build_s, 1)},
            "index_kind": idx.kind,
            "dimension": dim,
            "note": "passage vectors are random unit vectors (flat search cost is content-"
                    "independent); texts, BM25 and query embeddings are real",
            "target": "p50 <= 50 ms",
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "torch_threads": _torch_threads(),
                        "load_average_1m_at_end": round(os.getloadavg()[0], 2)},
        }
        ws.store.dispose()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    lat = result["latency_ms"]
    print(f"suggest over {args.passages:,} passages: p50 {lat['p50']} ms, p99 {lat['p99']} ms "
          f"(embedding p50 {result['parts_ms']['query_embedding']['p50']} ms)")
    print(f"wrote {args.out}")
    return 0


def _torch_threads() -> int | None:
    try:
        import torch

        return int(torch.get_num_threads())
    except Exception:  # noqa: BLE001 - informational only
        return None


if __name__ == "__main__":
    sys.exit(main())
