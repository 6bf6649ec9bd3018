"""Benchmark: the local engine vs the Ray engine on one machine, and `load` throughput.

    python bench/scale.py [--sentences 20000] [--pg postgresql+psycopg://postgres@127.0.0.1:54329/postgres]

In one run, on the same corpus (20,000 distinct real sentences from ../shared/data, 20 per file:
ClaimBuster's, then CheckThat! 2020 transcript lines (bench/ingest.py: load_sentences); else the
sample article's sentences), on fresh databases:

1. raw ``SentenceTransformer.encode`` of every sentence (batch 16): the model's own cost;
2. the local engine (``extract_paths``): seconds, sentences/s, and the model's share of its time;
3. the Ray engine (``extract_with_ray``) on a local Ray started by this script (start-up timed on
   its own), writing to the database; its overhead over the local engine (target <= 15%), with
   and without the Ray start-up;
4. with ``--cli N``: N pairs of whole commands, alternating, each a fresh process on a fresh
   database — ``factcheck extract DIR`` and ``factcheck extract DIR --engine ray`` — the times a
   user waits, imports, model load and (for Ray) starting and stopping a local Ray included;
5. the Ray engine with ``out=`` (Parquet shards, no database), then ``load_parquet`` of the shards
   into a fresh SQLite database and, with ``--pg`` (or FACTCHECK_TEST_PG), a fresh PostgreSQL
   database: rows/s (articles + sentences + claims).

Results: bench/results/scale.json. The machine is shared: say how loaded it was when quoting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PER_FILE = 20


def corpus(n: int, folder: Path) -> list[str]:
    """Write n sentences (bench/ingest.py's, padded with numbered variants when short) as files
    of PER_FILE sentences; returns the sentences."""
    from ingest import load_sentences  # the same sentences as bench/ingest.py

    texts = load_sentences(n)
    while len(texts) < n:  # a small fallback corpus: numbered variants, still distinct texts
        texts += [f"{t} ({len(texts) + i})" for i, t in enumerate(texts[: n - len(texts)])]
    texts = texts[:n]
    folder.mkdir(parents=True)
    for i in range(0, n, PER_FILE):
        (folder / f"doc{i // PER_FILE:05d}.txt").write_text("\n\n".join(texts[i : i + PER_FILE]))
    return texts


def workspace(db: str, root: Path, name: str):
    """A Workspace on a fresh database and index folder."""
    from factcheck.config import Settings
    from factcheck.workspace import Workspace

    return Workspace(Settings(db=db, index_dir=root / f"idx-{name}"))


def rows_of(ws) -> int:
    """Articles + sentences + claims stored."""
    from factcheck.db.store import articles, claims, sentences

    return sum(ws.store.count(t) for t in (articles, sentences, claims))


def fresh_pg(admin_url: str) -> tuple[str, str]:
    """A new empty PostgreSQL database: (url, name)."""
    import sqlalchemy as sa

    name = f"fc_bench_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


def drop_pg(admin_url: str, name: str) -> None:
    """Drop a database made by :func:`fresh_pg`."""
    import sqlalchemy as sa

    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def cli_pairs(pairs: int, files: str, root: Path) -> dict:
    """``factcheck extract DIR`` against ``... --engine ray``, whole processes, alternating."""
    import subprocess

    exe = str(Path(sys.executable).with_name("factcheck"))
    runs: dict[str, list[float]] = {"local": [], "ray": []}
    for k in range(pairs):
        for name in ("local", "ray"):
            env = {**os.environ, "FACTCHECK_DB": str(root / f"cli-{name}{k}.db"),
                   "FACTCHECK_INDEX_DIR": str(root / f"cli-idx-{name}{k}")}
            cmd = [exe, "extract", files] + (["--engine", "ray"] if name == "ray" else [])
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs[name].append(round(time.perf_counter() - t, 2))
            print(f"cli {name}: {runs[name][-1]:.1f} s", flush=True)
    return {"runs_s": runs,
            "overhead_per_pair": [round(r / lo - 1, 3) for r, lo in zip(runs["ray"], runs["local"])],
            "overhead_best_of_each": round(min(runs["ray"]) / min(runs["local"]) - 1, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--pg", default=os.environ.get("FACTCHECK_TEST_PG"))
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    parser.add_argument("--interleave", type=int, default=0,
                        help="more Ray/local pairs after the first, alternating (the machine's speed drifts)")
    parser.add_argument("--cli", type=int, default=0,
                        help="also N pairs of whole `factcheck extract` commands, local and Ray, alternating")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO))

    from factcheck.ml.embedder import load_model
    from factcheck.services.extract import extract_paths
    from factcheck.services.load import load_parquet
    from factcheck.services.ray_engine import extract_with_ray, start_local_ray

    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "loadavg_start": os.getloadavg()},
                    "sentences": args.sentences, "sentences_per_file": PER_FILE}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts = corpus(args.sentences, root / "corpus")
        files = str(root / "corpus")

        model = load_model(None)
        t = time.perf_counter()
        model.encode(texts, batch_size=16)
        raw = time.perf_counter() - t
        result["raw_encode"] = {"seconds": round(raw, 2), "sentences_per_s": round(len(texts) / raw, 1)}
        print(f"raw encode: {raw:.1f} s", flush=True)

        ws = workspace(str(root / "local.db"), root, "local")
        t = time.perf_counter()
        local = extract_paths(ws, [files])
        t_local = time.perf_counter() - t
        n_claims = sum(len(r.claims) for r in local)
        result["local"] = {"seconds": round(t_local, 2), "sentences_per_s": round(len(texts) / t_local, 1),
                           "claims": n_claims, "rows": rows_of(ws),
                           "model_share": round(raw / t_local, 3)}
        print(f"local engine: {t_local:.1f} s, {n_claims} claims", flush=True)

        import ray

        t = time.perf_counter()
        start_local_ray(ray)  # as `factcheck extract --engine ray` starts it
        t_start = time.perf_counter() - t
        try:
            ws_ray = workspace(str(root / "ray.db"), root, "ray")
            t = time.perf_counter()
            on_ray = extract_with_ray(ws_ray, [files])
            t_ray = time.perf_counter() - t
            same = sorted((c.article_id, c.start, c.end, c.score) for r in on_ray for c in r.claims) == \
                sorted((c.article_id, c.start, c.end, c.score) for r in local for c in r.claims)
            result["ray"] = {
                "startup_seconds": round(t_start, 2),
                "seconds": round(t_ray, 2),
                "sentences_per_s": round(len(texts) / t_ray, 1),
                "overhead_vs_local": round(t_ray / t_local - 1, 3),
                "overhead_with_startup": round((t_ray + t_start) / t_local - 1, 3),
                "same_claims_as_local": same,
            }
            print(f"ray engine: {t_ray:.1f} s (+{t_start:.1f} s start-up), same claims: {same}",
                  flush=True)

            if args.interleave:  # more pairs, alternating, fresh databases: this machine drifts
                runs: dict[str, list[float]] = {"local": [t_local], "ray": [t_ray]}
                for k in range(args.interleave):
                    for name in ("ray", "local"):
                        w = workspace(str(root / f"{name}{k}.db"), root, f"{name}{k}")
                        t = time.perf_counter()
                        (extract_with_ray if name == "ray" else extract_paths)(w, [files])
                        runs[name].append(round(time.perf_counter() - t, 2))
                        w.store.dispose()
                        print(f"{name} again: {runs[name][-1]:.1f} s", flush=True)
                result["interleaved"] = {
                    "runs_s": runs,
                    "overhead_best_of_each": round(min(runs["ray"]) / min(runs["local"]) - 1, 3),
                    "overhead_per_pair": [round(r / lo - 1, 3) for r, lo in zip(runs["ray"], runs["local"])],
                }

            if args.cli:
                result["cli"] = cli_pairs(args.cli, files, root)

            shards = root / "shards"
            t = time.perf_counter()
            extract_with_ray(ws_ray, [files], out=str(shards))
            t_out = time.perf_counter() - t
            result["ray_out"] = {"seconds": round(t_out, 2),
                                 "shards": len(list(shards.glob("part-*.parquet"))),
                                 "bytes": sum(p.stat().st_size for p in shards.glob("part-*.parquet"))}
        finally:
            ray.shutdown()

        loads = {}
        targets = [("sqlite", str(root / "load.db"), None)]
        if args.pg:
            url, name = fresh_pg(args.pg)
            targets.append(("postgresql", url, name))
        for label, db, pg_name in targets:
            try:
                wl = workspace(db, root, f"load-{label}")
                t = time.perf_counter()
                load_parquet(wl, str(shards))
                t_load = time.perf_counter() - t
                rows = rows_of(wl)
                loads[label] = {"seconds": round(t_load, 2), "rows": rows,
                                "rows_per_s": round(rows / t_load, 1)}
                print(f"load into {label}: {t_load:.1f} s, {rows / t_load:,.0f} rows/s", flush=True)
                wl.store.dispose()
            finally:
                if pg_name:
                    drop_pg(args.pg, pg_name)
        result["load"] = loads
    result["machine"]["loadavg_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
