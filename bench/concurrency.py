"""Load test: concurrent reviewers saving verdicts lose nothing (SQLite WAL and PostgreSQL).

W writers (processes by default, or threads) each make S verdict saves on a few shared claims.
A save reads the claim's version, waits a moment (the reviewer thinking), then calls
``set_verdict(..., expect_version=read)``; on :class:`ConflictError` it re-reads and re-applies.
Every attempt is recorded with a unique rationale token, then :func:`verify` proves from the
database alone that

* every attempt either committed or was reported as a conflict (no other error);
* every logical save eventually committed, exactly once;
* the review-event log holds exactly the committed attempts (same token, same version) and
  nothing for the conflicting ones;
* each committed save moved its claim from the version it read to the next one (read + 1), the
  committed versions of a claim form the unbroken chain 2..N+1, and the claim's final version and
  verdict are the last link of that chain — i.e. zero lost updates.

Results go to ``bench/results/concurrency.json``::

    .venv/bin/python bench/concurrency.py [--writers 20] [--saves 200] [--claims 10]
        [--mode processes|threads] [--pg postgresql+psycopg://postgres@127.0.0.1:54330/postgres]

PostgreSQL runs in a new database ``fc_bench_…`` on that server (default: $FACTCHECK_TEST_PG),
dropped afterwards; without a server only SQLite runs. ``tests/test_concurrency.py`` runs a
reduced version of the same code.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from factcheck.config import Settings
from factcheck.db.store import Store, claims, review_events, verdicts
from factcheck.errors import ConflictError
from factcheck.ml.embedder import Embedder
from factcheck.models import DEFAULT_VERDICT_SCALE, Article, Claim
from factcheck.services.review import set_verdict
from factcheck.workspace import Workspace

log = logging.getLogger("bench.concurrency")
RESULTS = Path(__file__).resolve().parent / "results" / "concurrency.json"
MAX_ATTEMPTS = 10_000  # a save that never gets through is reported as lost, not retried forever


def _no_model(_name: str) -> Any:
    raise RuntimeError("the concurrency benchmark never embeds")


def workspace(url: str, index_dir: str | Path) -> Workspace:
    """A Workspace on `url` that never loads an embedding model."""
    store = Store(url, create=False)
    settings = Settings(db=url, index_dir=Path(index_dir))
    return Workspace(settings, store=store, embedder=Embedder("none", store, loader=_no_model))


def setup(url: str, n_claims: int) -> list[int]:
    """Migrate the database and store one article with `n_claims` claims; returns their ids."""
    store = Store(url)
    words = [f"Claim number {i} says that exports rose {i}%." for i in range(n_claims)]
    text = " ".join(words)
    found, pos = [], 0
    for i, w in enumerate(words):
        found.append(Claim(article_id="bench", sentence_index=i, start=pos, end=pos + len(w), text=w))
        pos += len(w) + 1
    saved = store.save_extraction(Article(id="bench", title="bench", text=text), [], found)
    store.dispose()
    return [int(c.id) for c in saved]  # type: ignore[arg-type]


def writer(
    url: str, index_dir: str, writer_id: int, saves: int, claim_ids: list[int], seed: int,
    think: float, blind: bool, start: Any,
) -> list[dict[str, Any]]:
    """One reviewer: `saves` verdict saves, each re-applied after every conflict until it commits.

    `blind` saves without ``expect_version`` (the lost-update anti-pattern; used to show that the
    verifier catches lost updates).
    """
    ws = workspace(url, index_dir)
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    start.wait()
    try:
        for j in range(saves):
            cid = rng.choice(claim_ids)
            label = rng.choice(DEFAULT_VERDICT_SCALE)
            token = f"w{writer_id}-s{j}"
            for attempt in range(1, MAX_ATTEMPTS + 1):
                read = ws.store.get_claim(cid).version
                if think:
                    time.sleep(rng.uniform(0, think))
                rec: dict[str, Any] = {"token": token, "attempt": attempt, "claim": cid, "read": read,
                                       "rationale": f"{token}#{attempt}", "label": label}
                t0 = time.perf_counter()
                try:
                    v = set_verdict(ws, cid, label, f"writer-{writer_id}", rec["rationale"],
                                    expect_version=None if blind else read)
                except ConflictError as e:
                    rec.update(result="conflict", message=str(e))
                except Exception as e:  # noqa: BLE001 - any other outcome is a failure, recorded
                    rec.update(result="error", message=f"{type(e).__name__}: {e}")
                else:
                    rec.update(result="committed", version=v.version)
                rec["seconds"] = time.perf_counter() - t0
                out.append(rec)
                if rec["result"] != "conflict":
                    break
    finally:
        ws.store.dispose()
    return out


def _proc_main(args: tuple, queue: Any) -> None:
    try:
        queue.put(writer(*args))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        queue.put(e)


def run(
    url: str, *, writers: int, saves: int, n_claims: int, mode: str = "threads", think: float = 0.002,
    blind: bool = False, seed: int = 0, index_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Set up the database, run the writers concurrently, verify; returns the report."""
    claim_ids = setup(url, n_claims)
    index_dir = str(index_dir or tempfile.mkdtemp(prefix="fc-bench-idx-"))
    t0 = time.perf_counter()
    records: list[dict[str, Any]] = []
    if mode == "threads":
        barrier = threading.Barrier(writers)
        results: list[Any] = [None] * writers

        def target(i: int) -> None:
            try:
                results[i] = writer(url, index_dir, i, saves, claim_ids, seed * 1000 + i, think,
                                    blind, barrier)
            except BaseException as e:  # noqa: BLE001
                results[i] = e

        threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        batches = results
    else:
        ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        mp_barrier = ctx.Barrier(writers)
        queue = ctx.Queue()
        procs = [
            ctx.Process(target=_proc_main, args=(
                (url, index_dir, i, saves, claim_ids, seed * 1000 + i, think, blind, mp_barrier), queue
            ))
            for i in range(writers)
        ]
        for p in procs:
            p.start()
        batches = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    wall = time.perf_counter() - t0
    for b in batches:
        if isinstance(b, BaseException):
            raise b
        records.extend(b)
    report = verify(url, records, expected_saves=writers * saves)
    secs = [r["seconds"] for r in records]
    report.update(
        writers=writers, saves_per_writer=saves, claims=n_claims, mode=mode, think_seconds=think,
        blind=blind, wall_seconds=round(wall, 3),
        committed_per_second=round(report["committed"] / wall, 1) if wall else None,
        attempt_ms_median=round(1000 * statistics.median(secs), 2) if secs else None,
        attempt_ms_p95=round(1000 * _quantile(secs, 0.95), 2) if secs else None,
    )
    return report


def _quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


@dataclass
class Check:
    """One verified property and the evidence for it."""

    name: str
    ok: bool
    detail: str = ""
    examples: list[Any] = field(default_factory=list)


def verify(url: str, records: list[dict[str, Any]], *, expected_saves: int) -> dict[str, Any]:
    """Check the recorded attempts against the database; the report's ``ok`` says if all held."""
    store = Store(url, create=False)
    with store.engine.connect() as conn:
        events = conn.execute(
            sa.select(review_events.c.claim_id, review_events.c.reviewer, review_events.c.data)
            .where(review_events.c.kind == "verdict").order_by(review_events.c.id)
        ).all()
        final_claims = {r.id: r.version for r in conn.execute(sa.select(claims.c.id, claims.c.version))}
        final_verdicts = {r.claim_id: r for r in conn.execute(sa.select(verdicts))}
    store.dispose()

    by_result = Counter(r["result"] for r in records)
    committed = [r for r in records if r["result"] == "committed"]
    conflicts = [r for r in records if r["result"] == "conflict"]
    errors = [r for r in records if r["result"] == "error"]
    tokens = Counter(r["token"] for r in committed)
    logical = {r["token"] for r in records}
    ev_by_rationale: dict[str, list[Any]] = defaultdict(list)
    for e in events:
        ev_by_rationale[e.data.get("rationale", "")].append(e)
    checks: list[Check] = []

    def check(name: str, bad: list[Any], detail: str) -> None:
        checks.append(Check(name, not bad, detail if not bad else f"{len(bad)} violations", bad[:5]))

    check("every attempt committed or was reported as a conflict", errors,
          f"{len(committed)} committed + {len(conflicts)} conflicts = {len(records)} attempts")
    check("every logical save committed exactly once",
          [t for t in logical if tokens[t] != 1] + ([] if len(logical) == expected_saves else
                                                    [f"{len(logical)} of {expected_saves} saves ran"]),
          f"{len(tokens)} saves committed of {expected_saves}")
    check("the event log holds every committed attempt, with its version",
          [r["rationale"] for r in committed
           if len(ev_by_rationale.get(r["rationale"], [])) != 1
           or ev_by_rationale[r["rationale"]][0].data.get("version") != r["version"]],
          f"{len(committed)} committed attempts found in {len(events)} verdict events")
    committed_rationales = {r["rationale"] for r in committed}
    check("no event for an attempt that did not commit",
          [k for k in ev_by_rationale if k not in committed_rationales]
          + ([] if len(events) == len(committed) else [f"{len(events)} events != {len(committed)}"]),
          f"{len(events)} verdict events, {len(conflicts)} conflicts left none")
    check("each committed save was based on the latest version (read + 1)",
          [r["rationale"] for r in committed if r["version"] != r["read"] + 1],
          "no save overwrote a change it had not seen")
    chains: dict[int, list[int]] = defaultdict(list)
    for r in committed:
        chains[r["claim"]].append(r["version"])
    bad_chain = [cid for cid, vs in chains.items() if sorted(vs) != list(range(2, 2 + len(vs)))]
    check("committed versions of each claim form the chain 2..N+1", bad_chain,
          f"{len(chains)} claims, no duplicate or missing version")
    final_bad = []
    for cid, vs in chains.items():
        top = max((r for r in committed if r["claim"] == cid), key=lambda r: r["version"])
        v = final_verdicts.get(cid)
        if final_claims.get(cid) != 1 + len(vs) or v is None or v.rationale != top["rationale"] \
                or v.version != top["version"]:
            final_bad.append(cid)
    check("final claim version and verdict are the last committed save", final_bad,
          "current state = last link of each chain")
    check("every conflict names the other reviewer's verdict",
          [r["message"] for r in conflicts
           if "writer-" not in r["message"] or "conflict" not in r["message"]],
          "conflict messages show who saved what")
    lost = len(committed) - sum(1 for r in committed if r["version"] == r["read"] + 1)
    lost += sum(1 for t in logical if tokens[t] == 0)
    return {
        "ok": all(c.ok for c in checks),
        "attempts": len(records),
        "committed": len(committed),
        "conflicts": len(conflicts),
        "errors": len(errors),
        "lost": lost,
        "by_result": dict(by_result),
        "events": len(events),
        "max_attempts_for_one_save": max((r["attempt"] for r in records), default=0),
        "checks": [asdict(c) for c in checks],
    }


# -- PostgreSQL scratch database ------------------------------------------------------------------
def pg_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """Create ``fc_bench_<hex>`` on the server; returns its URL and a function that drops it."""
    from factcheck.db.store import normalise_url

    base = sa.engine.make_url(normalise_url(admin_url))
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    name = f"fc_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    """Run on SQLite and (when configured) PostgreSQL, write the results file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--saves", type=int, default=200, help="saves per writer")
    ap.add_argument("--claims", type=int, default=10, help="claims the writers share")
    ap.add_argument("--mode", choices=["processes", "threads"], default="processes")
    ap.add_argument("--think", type=float, default=0.002, help="max seconds between read and save")
    ap.add_argument("--pg", default=os.environ.get("FACTCHECK_TEST_PG"),
                    help="PostgreSQL server URL [default: $FACTCHECK_TEST_PG]")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    result: dict[str, Any] = {"benchmark": "concurrent verdict saves", "backends": {}}
    kw = dict(writers=args.writers, saves=args.saves, n_claims=args.claims, mode=args.mode,
              think=args.think)
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
            log.info("sqlite: %d writers x %d saves (%s)", args.writers, args.saves, args.mode)
            result["backends"]["sqlite"] = run(f"sqlite:///{tmp}/bench.db", index_dir=tmp, **kw)
    if args.only in (None, "postgresql"):
        if args.pg:
            url, drop = pg_database(args.pg)
            try:
                log.info("postgresql: %d writers x %d saves (%s)", args.writers, args.saves, args.mode)
                rep = run(url, **kw)
                engine = sa.create_engine(url)
                with engine.connect() as conn:
                    rep["server"] = conn.execute(sa.text("SHOW server_version")).scalar()
                engine.dispose()
                result["backends"]["postgresql"] = rep
            finally:
                drop()
        else:
            result["backends"]["postgresql"] = {"skipped": "no server: pass --pg or set FACTCHECK_TEST_PG"}
    ok = all(b.get("ok", True) for b in result["backends"].values())
    result.update(
        ok=ok,
        load_average_1min=round(os.getloadavg()[0], 2),
        cpus=os.cpu_count(),
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        machine=f"{platform.system()} {platform.machine()}",
        date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, b in result["backends"].items():
        if "skipped" in b:
            log.info("%s: skipped (%s)", name, b["skipped"])
            continue
        log.info("%s: %d saves committed, %d conflicts (re-applied), %d errors, %d lost; %.1f s; %s",
                 name, b["committed"], b["conflicts"], b["errors"], b["lost"], b["wall_seconds"],
                 "OK" if b["ok"] else "FAILED")
        for c in b["checks"]:
            if not c["ok"]:
                log.info("  FAILED %s: %s %s", c["name"], c["detail"], c["examples"])
    log.info("wrote %s", args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
