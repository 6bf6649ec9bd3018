"""Benchmark: what dismissing one claim costs the claims index (in place vs a rebuild).

    python bench/dismiss.py [--claims 100000] [--hnsw]

Builds a SQLite database of N claims with cached random embeddings (``bench/app.py``'s builder,
no model run), syncs the claims index, then ``--repeats`` times: dismisses one claim and times the next
sync (Flat ``remove_ids`` or, with ``--hnsw``, an HNSW tombstone, plus the save), and, for
comparison, a full ``rebuild_index`` (read every vector from the cache, build, save) -- what
each dismissal cost before. Writes bench/results/dismiss.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--hnsw", action="store_true", help="force HNSW (threshold below the claim count)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import sqlalchemy as sa

    import app as app_bench  # bench/app.py: the bulk builder
    import factcheck.search.faiss_index
    import factcheck.workspace
    from factcheck.config import Settings
    from factcheck.db.store import Store, claims
    from factcheck.ml.embedder import Embedder, canonical_model_name
    from factcheck.models import ClaimStatus
    from factcheck.workspace import Workspace

    if args.hnsw:
        factcheck.search.faiss_index.HNSW_THRESHOLD = factcheck.workspace.HNSW_THRESHOLD = args.claims // 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        app_bench.build(root, args.claims, 10, 10, 0)
        build_s = time.perf_counter() - t0
        settings = Settings(db=str(root / "fc.db"), index_dir=root / "indexes")
        store = Store(settings.url)
        model = canonical_model_name(settings.model)
        ws = Workspace(settings, store=store, embedder=Embedder(model, store, loader=app_bench._no_model))
        idx = ws.sync_index("claims")
        kind = idx.kind
        ids = [i for i, _ in store.index_rows("claims")]
        in_place, rebuild, actions = [], [], []
        for cid in ids[: args.repeats]:
            with store.begin() as conn:
                conn.execute(sa.update(claims).where(claims.c.id == cid)
                             .values(status=ClaimStatus.dismissed.value))
            t = time.perf_counter()
            _, action = ws._sync("claims")
            in_place.append(time.perf_counter() - t)
            actions.append(action)
            t = time.perf_counter()
            ws.rebuild_index("claims")
            rebuild.append(time.perf_counter() - t)
            print(f"dismiss {cid}: {action} {in_place[-1]:.2f} s, rebuild {rebuild[-1]:.2f} s",
                  file=sys.stderr)
        store.dispose()
    result = {
        "claims": args.claims,
        "index_kind": kind,
        "setup_s": round(build_s, 1),
        "sync_actions": actions,
        "dismiss_sync_s_median": round(statistics.median(in_place), 3),
        "rebuild_s_median": round(statistics.median(rebuild), 3),
        "date": time.strftime("%Y-%m-%d"),
    }
    out = REPO / "bench" / "results" / "dismiss.json"
    old = json.loads(out.read_text()) if out.exists() else {}
    old[f"{kind}_{args.claims}"] = result
    out.write_text(json.dumps(old, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
