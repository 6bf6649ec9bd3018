"""Benchmark: ``sources add`` throughput against raw ``SentenceTransformer.encode``, one run.

On the same passage texts, interleaved (raw, factcheck, raw, factcheck, ...), the model loaded
once beforehand (load time is not counted on either side):

* **raw** — ``model.encode(passage_texts)`` with SentenceTransformer's defaults (batch 32,
  normalised), the texts being exactly the passages factcheck makes of the documents;
* **factcheck** — :func:`factcheck.services.sources.add_documents` on a fresh workspace
  (SQLite + FAISS, default settings: torch encoder, passages in model batches of
  ``passage_batch_size``, 32): split into passages, store
  sources and passages, embed (cache writes every ``EMBED_STEP`` passages), build the index.

Reported: passages/s of each side per run, the best of each side and their ratio (target
>= 0.9), and the ratio of medians. ``--linear``: one more factcheck run on twice the documents
(seconds per passage at 2N over N; linear means about 1.0). ``--resume``: a run interrupted
after half its passages were embedded, then re-run: the re-run embeds only the other half.

Documents: SciFact abstracts (``../shared/data/scifact/corpus.jsonl``, a seeded sample; text
nobody on the team wrote); skipped cleanly when absent. The machine is shared (2 cores, other
jobs running): times are noisy, which is why both sides are interleaved in one run.

    python bench/source_ingest.py [--docs 200] [--repeats 3] [--linear] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "scifact" / "corpus.jsonl"
OUT = REPO / "bench" / "results" / "source_ingest.json"


def load_docs(n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(id, title, abstract) of ``n`` random SciFact documents."""
    rows = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append((str(d["doc_id"]), d["title"].strip(), " ".join(s.strip() for s in d["abstract"])))
    random.Random(seed).shuffle(rows)
    return rows[:n]


def passage_texts(docs: list[tuple[str, str, str]]) -> list[str]:
    """The passage texts factcheck makes of these documents (what both sides embed)."""
    from factcheck.services.sources import split_passages

    return [p.text for i, _, text in docs for p in split_passages(i, text)]


def raw_run(model, texts: list[str]) -> float:
    """Seconds for raw ``SentenceTransformer.encode`` (its defaults, normalised) of the texts."""
    t0 = time.perf_counter()
    model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return time.perf_counter() - t0


def _settings():
    from factcheck.config import Settings

    return Settings()


def _workspace(root: Path):
    from factcheck.config import Settings
    from factcheck.workspace import Workspace

    return Workspace(Settings(db=str(root / "ws.db"), index_dir=root / "indexes"))


def factcheck_run(docs: list[tuple[str, str, str]]) -> tuple[float, int, int]:
    """Seconds for ``add_documents`` on a fresh workspace; (seconds, passages, texts encoded)."""
    from factcheck.io.readers import Document
    from factcheck.services.sources import add_documents

    with tempfile.TemporaryDirectory(prefix="fc-ingest-") as tmp:
        ws = _workspace(Path(tmp))
        batch = [Document(text=t, id=i, title=ti or None, origin=f"scifact:{i}") for i, ti, t in docs]
        t0 = time.perf_counter()
        rep = add_documents(ws, batch)
        secs = time.perf_counter() - t0
        assert ws.open_index("passages").count == rep.passages
        encoded = ws.embedder.encoded
        ws.store.dispose()
    return secs, rep.passages, encoded


def resume_run(docs: list[tuple[str, str, str]]) -> dict:
    """A run stopped (KeyboardInterrupt) after half of its passages were embedded, then re-run."""
    import factcheck.workspace as workspace_mod
    from factcheck.io.readers import Document
    from factcheck.services.sources import add_documents

    batch = [Document(text=t, id=i, title=ti or None, origin=f"scifact:{i}") for i, ti, t in docs]
    with tempfile.TemporaryDirectory(prefix="fc-ingest-") as tmp:
        ws = _workspace(Path(tmp))
        total = len(passage_texts(docs))
        stop_at = total // 2

        def stop(done: int, _total: int) -> None:
            if done >= stop_at:
                raise KeyboardInterrupt

        t0 = time.perf_counter()
        try:
            add_documents(ws, batch, progress=stop)
        except KeyboardInterrupt:
            pass
        first = time.perf_counter() - t0
        before = ws.embedder.encoded
        t0 = time.perf_counter()
        rep = add_documents(ws, batch)
        second = time.perf_counter() - t0
        out = {"passages": total, "interrupted_after_embedding": before,
               "first_run_s": round(first, 2), "rerun_s": round(second, 2),
               "rerun_added_sources": rep.added, "rerun_texts_encoded": ws.embedder.encoded - before,
               "index_count_after_rerun": ws.open_index("passages").count,
               "embed_step": workspace_mod.EMBED_STEP}
        ws.store.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--linear", action="store_true", help="one more factcheck run on 2x the documents")
    ap.add_argument("--resume", action="store_true", help="an interrupted run, then the re-run")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--note", default="", help="what else ran on the machine (written to the results)")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"skip: {CORPUS} not found")
        return 0
    from factcheck.ml.embedder import load_model

    docs = load_docs(args.docs * (2 if args.linear else 1))
    small = docs[: args.docs]
    texts = passage_texts(small)
    model = load_model(None)  # the same cached SentenceTransformer factcheck's workspace uses
    model.encode(texts[:32], show_progress_bar=False)  # warm-up, both sides
    load1 = os.getloadavg()
    raw_s: list[float] = []
    fc_s: list[float] = []
    encoded = passages = 0
    for r in range(args.repeats):
        raw_s.append(raw_run(model, texts))
        secs, passages, encoded = factcheck_run(small)
        fc_s.append(secs)
        print(f"run {r + 1}: raw {len(texts) / raw_s[-1]:.1f} passages/s, factcheck "
              f"{passages / secs:.1f} passages/s", flush=True)
    assert passages == len(texts)
    best_raw, best_fc = min(raw_s), min(fc_s)
    res: dict = {
        "what": "sources add (split, store, embed, index) vs raw SentenceTransformer.encode on the "
                "same passage texts, interleaved in one run, model loaded beforehand",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_start": [round(x, 2) for x in load1],
                    "note": args.note},
        "documents": len(small), "passages": len(texts),
        "mean_passage_chars": round(statistics.mean(len(t) for t in texts), 1),
        "texts_encoded_by_factcheck": encoded,
        "raw_batch_size": 32, "factcheck_passage_batch_size": _settings().passage_batch_size,
        "raw_runs_s": [round(x, 2) for x in raw_s], "factcheck_runs_s": [round(x, 2) for x in fc_s],
        "raw_passages_per_s": round(len(texts) / best_raw, 1),
        "factcheck_passages_per_s": round(len(texts) / best_fc, 1),
        "factcheck_vs_raw": round(best_raw / best_fc, 3),
        "factcheck_vs_raw_median": round(statistics.median(raw_s) / statistics.median(fc_s), 3),
        "target": "factcheck_vs_raw >= 0.9",
    }
    if args.linear:
        secs, n2, _ = factcheck_run(docs)
        per_n = best_fc / len(texts)
        res["linear"] = {"documents": len(docs), "passages": n2, "seconds": round(secs, 2),
                         "seconds_per_passage_2n_over_n": round((secs / n2) / per_n, 3),
                         "note": "1.0 = linear; compared with the best N run"}
        ratio = res["linear"]["seconds_per_passage_2n_over_n"]
        print(f"linear: {n2} passages in {secs:.1f} s, per-passage time x{ratio}")
    if args.resume:
        res["resume"] = resume_run(small)
        print("resume:", res["resume"])
    res["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"factcheck {res['factcheck_passages_per_s']} passages/s vs raw {res['raw_passages_per_s']} "
          f"= {res['factcheck_vs_raw']} (median ratio {res['factcheck_vs_raw_median']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
