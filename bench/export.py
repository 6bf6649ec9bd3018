"""Benchmark: CSV export of 100k claims with verdicts and evidence links (target <= 3 s).

Builds a temporary SQLite database by bulk insert (1,000 articles x 100 claims, each claim with a
verdict and one evidence link into 1,000 passages), then times `export_csv` (best and median of
several runs) and writes ``bench/results/export.json``.

    .venv/bin/python bench/export.py [--claims 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from factcheck.config import Settings
from factcheck.db.store import Store, articles, claims, evidence_links, passages, sources, verdicts
from factcheck.models import DEFAULT_VERDICT_SCALE
from factcheck.services.dump import export_jsonl
from factcheck.services.export import csv_rows, export_csv
from factcheck.workspace import Workspace

log = logging.getLogger("bench.export")
RESULTS = Path(__file__).resolve().parent / "results" / "export.json"
CLAIMS_PER_ARTICLE = 100
SENTENCE = 'Officials said, "unemployment fell to {n}.5% in May", a drop of -{m}% on the year. '


def build(store: Store, n_claims: int) -> None:
    """Bulk-insert articles, claims, verdicts, one source with passages, and links."""
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    n_articles = max(1, n_claims // CLAIMS_PER_ARTICLE)
    with store.begin() as conn:
        art_rows, claim_rows = [], []
        cid = 0
        for a in range(n_articles):
            parts, offsets = [], []
            pos = 0
            for i in range(CLAIMS_PER_ARTICLE):
                if cid + len(offsets) >= n_claims:
                    break
                s = SENTENCE.format(n=i % 10, m=a % 7)
                offsets.append((pos, pos + len(s) - 1))
                parts.append(s)
                pos += len(s)
            text = "".join(parts)
            aid = f"article-{a:05d}"
            art_rows.append({"id": aid, "title": f"Article {a}, \"economy\"", "url":
                             f"https://news.example/{a}", "published": "2025-03-01", "text": text,
                             "origin": None, "created_at": now})
            for i, (s, e) in enumerate(offsets):
                cid += 1
                claim_rows.append({
                    "id": cid, "article_id": aid, "sentence_index": i, "start": s, "end": e,
                    "text": text[s:e], "type": "quantity", "score": 0.5 + (cid % 50) / 100,
                    "speaker": "Jane Doe" if cid % 3 == 0 else None,
                    "key_values": [{"kind": "percent", "text": f"{i % 10}.5%", "start": s + 42,
                                    "end": s + 46, "value": i % 10 + 0.5, "unit": "%",
                                    "normalized": f"{i % 10}.5 %"}],
                    "status": "done", "origin": "extracted", "version": 2, "created_at": now,
                    "updated_at": now,
                })
        conn.execute(sa.insert(articles), art_rows)
        for i in range(0, len(claim_rows), 20_000):
            conn.execute(sa.insert(claims), claim_rows[i : i + 20_000])
        graded = DEFAULT_VERDICT_SCALE
        conn.execute(sa.insert(verdicts), [
            {"claim_id": c["id"], "label": graded[c["id"] % len(graded)],
             "rationale": "Per the agency's May release, the figure was 3.9%.\nSee link.",
             "reviewer": "alice", "version": 2, "created_at": now + timedelta(seconds=c["id"])}
            for c in claim_rows
        ])
        src_text = "".join(f"Passage {p}: the official rate was 3.9% in May. " for p in range(1000))
        conn.execute(sa.insert(sources).values(id="bls", url="https://stats.example/may",
                                               title="Stats", publisher=None, published=None,
                                               text=src_text, origin=None, created_at=now))
        plen = len(src_text) // 1000
        conn.execute(sa.insert(passages), [
            {"id": p + 1, "source_id": "bls", "index": p, "start": p * plen,
             "end": (p + 1) * plen - 1, "text": src_text[p * plen:(p + 1) * plen - 1]}
            for p in range(1000)
        ])
        conn.execute(sa.insert(evidence_links), [
            {"id": c["id"], "claim_id": c["id"], "passage_id": c["id"] % 1000 + 1,
             "stance": ("supports", "refutes", "context")[c["id"] % 3], "note": None,
             "reviewer": "alice", "created_at": now}
            for c in claim_rows
        ])


def main(argv: list[str] | None = None) -> int:
    """Build the database, time the export, write the results file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "bench.db"), index_dir=Path(tmp) / "indexes")
        store = Store(settings.url)
        t0 = time.perf_counter()
        build(store, args.claims)
        build_s = time.perf_counter() - t0
        ws = Workspace(settings, store=store)
        out = Path(tmp) / "verdicts.csv"
        times, cpu = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            report = export_csv(ws, out)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        size = out.stat().st_size
        t0 = time.perf_counter()
        rows = sum(1 for _ in csv_rows(ws))
        query_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        dumped = export_jsonl(ws, Path(tmp) / "dump.jsonl")
        jsonl_s = time.perf_counter() - t0
        store.dispose()

    assert report.written == rows == args.claims, (report.written, rows)
    result = {
        "benchmark": "export_csv",
        "claims": args.claims,
        "verdicts": args.claims,
        "evidence_links": args.claims,
        "runs": args.runs,
        "csv_seconds_best": round(min(times), 3),
        "csv_seconds_median": round(statistics.median(times), 3),
        "csv_seconds_all": [round(t, 3) for t in times],
        "csv_cpu_seconds_best": round(min(cpu), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "target_seconds": 3.0,
        "within_target": min(times) <= 3.0,
        "rows_per_second": round(args.claims / min(times)),
        "csv_bytes": size,
        "query_only_seconds": round(query_s, 3),
        "jsonl_dump_seconds": round(jsonl_s, 3),
        "jsonl_records": dumped.written,
        "build_seconds": round(build_s, 3),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.system()} {platform.machine()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log.info("%s", json.dumps(result, indent=2))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
