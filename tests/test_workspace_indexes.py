"""Indexes are caches of the database: startup repair, and several app servers on one database."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from factcheck.db.store import Store, claims
from factcheck.ml.embedder import Embedder
from factcheck.models import Article, Claim
from factcheck.search.faiss_index import VectorIndex
from factcheck.workspace import INDEX_KINDS, Workspace


def _add(ws, aid, texts):
    art = Article(id=aid, text=" ".join(texts))
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Claim(article_id=aid, sentence_index=i, start=pos, end=pos + len(t), text=t))
        pos += len(t) + 1
    return ws.store.save_extraction(art, [], out)


def _actions(report):
    return {r["index"]: r["action"] for r in report}


def _server(settings, fake_model, index_dir=None):
    """Another app server: its own Store (engine) and Workspace on the same database."""
    s = settings.model_copy(update={"index_dir": index_dir or settings.index_dir})
    store = Store(s.url)
    return Workspace(s, store=store, embedder=Embedder("fake-hash", store, loader=lambda _n: fake_model))


def test_ensure_builds_missing_then_leaves_current_alone(fake_ws):
    _add(fake_ws, "a", ["The sky is green.", "Taxes rose 5%."])
    seen = []
    report = fake_ws.ensure_indexes(progress=lambda kind, done, total: seen.append((kind, done, total)))
    assert _actions(report) == {k: "rebuilt" for k in INDEX_KINDS}
    assert all("missing" in r["problem"] for r in report)
    assert ("claims", 2, 2) in seen
    assert {r["index"]: r["count"] for r in report}["claims"] == 2
    encoded = fake_ws.embedder.encoded
    again = fake_ws.ensure_indexes()
    assert _actions(again) == {k: "ok" for k in INDEX_KINDS}
    assert all(r["problem"] is None for r in again)
    assert fake_ws.embedder.encoded == encoded  # nothing re-embedded on a clean start


def test_ensure_adds_new_rows_incrementally(fake_ws):
    _add(fake_ws, "a", ["The sky is green."])
    fake_ws.ensure_indexes()
    encoded = fake_ws.embedder.encoded
    _add(fake_ws, "b", ["Exports fell by $3 billion.", "Crime rose 12% last year."])
    report = fake_ws.ensure_indexes()
    assert _actions(report)["claims"] == "updated" and "stale" in report[0]["problem"]
    assert fake_ws.embedder.encoded == encoded + 2
    assert VectorIndex.load(fake_ws.index_dir, "claims").count == 3


def test_ensure_rebuilds_corrupt_and_changed(fake_ws):
    [c1, _] = _add(fake_ws, "a", ["The sky is green.", "Taxes rose 5%."])
    fake_ws.ensure_indexes()
    path = fake_ws.index_dir / "claims"
    manifest = VectorIndex.load(fake_ws.index_dir, "claims").manifest
    (path / manifest["file"]).write_bytes(b"\0garbage")
    fresh = _server(fake_ws.settings, fake_ws.embedder.model)
    report = fresh.ensure_indexes()
    assert _actions(report)["claims"] == "rebuilt" and "unreadable" in report[0]["problem"]
    assert fresh.open_index("claims").count == 2

    with fresh.store.begin() as conn:  # a claim's text changed behind the index's back
        conn.execute(sa.update(claims).where(claims.c.id == c1.id).values(text="The sky is blue."))
    report = fresh.ensure_indexes()
    assert _actions(report)["claims"] == "rebuilt"
    _, ids = fresh.search("claims", ["The sky is blue."], 1)
    assert ids[0][0] == c1.id
    fresh.store.dispose()


def test_ensure_rebuilds_an_index_of_another_model(fake_ws, fake_model):
    _add(fake_ws, "a", ["The sky is green."])
    fake_ws.ensure_indexes()
    other = Workspace(fake_ws.settings, store=fake_ws.store,
                      embedder=Embedder("other-model", fake_ws.store, loader=lambda _n: fake_model))
    report = other.ensure_indexes()
    assert _actions(report)["claims"] == "rebuilt" and "other-model" in report[0]["problem"]
    assert VectorIndex.load(fake_ws.index_dir, "claims").model == "other-model"


@pytest.mark.parametrize("shared_index_dir", [True, False], ids=["shared-indexes", "own-indexes"])
def test_two_app_servers_stay_consistent(settings, fake_model, tmp_path, shared_index_dir):
    a = _server(settings, fake_model)
    b = _server(settings, fake_model, None if shared_index_dir else tmp_path / "b-indexes")
    _add(a, "a", ["The sky is green.", "Taxes rose 5%."])
    a.ensure_indexes()
    b.ensure_indexes()
    assert b.open_index("claims").count == 2  # cached in b under the current watermark

    [new] = _add(a, "b", ["Exports fell by $3 billion."])  # server A takes a new article
    a.sync_index("claims")
    idx = b.open_index("claims", repair=True)  # B notices through the watermark
    assert idx.count == 3
    _, ids = b.search("claims", ["Exports fell by $3 billion."], 1)
    assert ids[0][0] == new.id
    if shared_index_dir:  # A already wrote the index: B loads it without repairing
        assert b.open_index("claims").fingerprint == a.open_index("claims").fingerprint

    # a verdict-free status change on B (dismissal) reaches A's cache the same way
    with b.store.begin() as conn:
        conn.execute(sa.update(claims).where(claims.c.id == new.id).values(status="dismissed",
                                                                           version=2))
    assert a.open_index("claims", repair=True).count == 2
    a.store.dispose()
    b.store.dispose()


def test_servers_syncing_one_index_folder_at_once(settings, fake_model):
    servers = [_server(settings, fake_model) for _ in range(3)]
    _add(servers[0], "a", [f"Claim {i} says exports rose {i}%." for i in range(50)])
    errors = []

    def sync(ws):
        try:
            for _ in range(3):
                ws.rebuild_index("claims")
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    threads = [threading.Thread(target=sync, args=(ws,)) for ws in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    files = sorted(p.suffix for p in (settings.index_dir / "claims").iterdir())
    assert files == [".faiss", ".json"]
    report = servers[1].ensure_indexes()
    assert _actions(report)["claims"] == "ok"
    for ws in servers:
        ws.store.dispose()
