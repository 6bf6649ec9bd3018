"""Fuzz run: the properties of ``tests/test_fuzz.py`` with 10,000 generated inputs each.

Extraction (10k documents: offsets of every sentence, claim and key value exact), ingest (10k
arbitrary files under .txt/.md/.csv/.jsonl/.html names: never raises), uploads (10k hostile names
and files incl. mutated PDFs and ZIPs), links (10k URLs: only http(s) becomes a link) and JSONL
import (1k damaged dumps, each into a fresh database). The properties run as two parallel pytest
processes (the machine has two cores); results go to ``bench/results/fuzz.json``::

    .venv/bin/python bench/fuzz.py [--examples 10000] [--import-examples 1000]

Exit code 1 if any property failed (the falsifying example is in the log). The quick default
``pytest`` run uses 150 examples per property.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("bench.fuzz")
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "fuzz.json"
GROUPS = {  # balanced by measured cost (ingest and uploads parse HTML/PDF: the slow ones)
    "a": "extraction or links or safe_upload or jsonl_import_never",
    "b": "ingest or read_upload",
}


def _run_group(keyword: str, env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "--durations=0",
           "--durations-min=0", str(ROOT / "tests" / "test_fuzz.py"), "-k", keyword]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _parse(output: str) -> dict[str, dict[str, object]]:
    tests: dict[str, dict[str, object]] = {}
    for m in re.finditer(r"^(PASSED|FAILED|SKIPPED|ERROR)\s+\S*?::(\w+)", output, re.M):
        tests.setdefault(m.group(2), {})["outcome"] = m.group(1).lower()
    for m in re.finditer(r"^([\d.]+)s call\s+\S*?::(\w+)", output, re.M):
        tests.setdefault(m.group(2), {})["seconds"] = float(m.group(1))
    for m in re.finditer(r"^SKIPPED \[\d+\] \S+: (.*)$", output, re.M):
        tests.setdefault("_skipped", {})["reason"] = m.group(1)
    for name, t in tests.items():
        if not name.startswith("_") and "outcome" not in t:
            t["outcome"] = "skipped"
    return tests


def main(argv: list[str] | None = None) -> int:
    """Run both groups in parallel, write the results file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--import-examples", type=int, default=1_000)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    env = dict(os.environ, FACTCHECK_FUZZ_EXAMPLES=str(args.examples),
               FACTCHECK_FUZZ_IMPORT_EXAMPLES=str(args.import_examples))
    t0 = time.perf_counter()
    procs = {name: _run_group(kw, env) for name, kw in GROUPS.items()}
    outputs = {name: p.communicate()[0] for name, p in procs.items()}
    wall = time.perf_counter() - t0
    tests: dict[str, dict[str, object]] = {}
    for out in outputs.values():
        tests.update(_parse(out))
    ok = all(p.returncode in (0, 5) for p in procs.values()) and not any(
        t.get("outcome") in ("failed", "error") for t in tests.values()
    )
    result = {
        "benchmark": "fuzz (hypothesis) over extraction, ingest, uploads, links, JSONL import",
        "examples_per_property": args.examples,
        "jsonl_import_examples": args.import_examples,
        "ok": ok,
        "wall_seconds": round(wall, 1),
        "properties": {k: v for k, v in sorted(tests.items()) if not k.startswith("_")},
        "skipped_reason": tests.get("_skipped", {}).get("reason"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, t in result["properties"].items():
        log.info("%-55s %-8s %6.1f s", name, t.get("outcome"), float(t.get("seconds") or 0))
    if not ok:
        for out in outputs.values():
            if "FAILED" in out or "ERROR" in out:
                log.info("%s", out[-6000:])
    log.info("%s in %.0f s; wrote %s", "OK" if ok else "FAILED", wall, args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
