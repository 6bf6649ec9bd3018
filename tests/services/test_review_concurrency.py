"""No lost updates: a reduced `bench/concurrency.py` (8 writers x 25 saves) on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import REPO


def _bench():
    spec = importlib.util.spec_from_file_location("bench_concurrency", REPO / "bench" / "concurrency.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _failed(report):
    return [(c["name"], c["detail"], c["examples"]) for c in report["checks"] if not c["ok"]]


def test_concurrent_saves_lose_nothing(settings):
    report = bench.run(settings.url, writers=8, saves=25, n_claims=3, mode="threads",
                       index_dir=settings.index_dir)
    assert report["ok"], _failed(report)
    assert report["committed"] == 8 * 25 == report["events"]
    assert report["errors"] == 0 and report["lost"] == 0
    assert report["attempts"] == report["committed"] + report["conflicts"]
    assert report["conflicts"] > 0, "the writers never raced; the test proves nothing"


def test_blind_saves_are_caught_as_lost_updates(tmp_path):
    """The verifier is not vacuous: saving without expect_version loses updates, and it says so."""
    report = bench.run(f"sqlite:///{tmp_path / 'blind.db'}", writers=6, saves=20, n_claims=2,
                       mode="threads", blind=True, index_dir=tmp_path)
    assert not report["ok"] and report["lost"] > 0
    assert "each committed save was based on the latest version (read + 1)" in [
        name for name, *_ in _failed(report)
    ]


def test_processes_on_sqlite(tmp_path):
    """Separate processes (separate connections and WAL readers) on one SQLite file."""
    report = bench.run(f"sqlite:///{tmp_path / 'p.db'}", writers=4, saves=15, n_claims=2,
                       mode="processes", index_dir=tmp_path)
    assert report["ok"], _failed(report)
    assert report["committed"] == 60 == report["events"]
