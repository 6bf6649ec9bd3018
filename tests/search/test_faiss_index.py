import json
import os

import numpy as np
import pytest

from factcheck.errors import IndexStaleError
from factcheck.search.faiss_index import VectorIndex, fingerprint


def _vecs(n, d=16, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_fingerprint_changes_with_text_and_ids():
    a = fingerprint([(1, "x"), (2, "y")])
    assert a == fingerprint([(1, "x"), (2, "y")])
    assert a != fingerprint([(1, "x"), (2, "z")])
    assert a != fingerprint([(1, "x"), (3, "y")])


def test_save_load_search_roundtrip(tmp_path):
    v = _vecs(50)
    ids = list(range(100, 150))
    idx = VectorIndex.build(tmp_path, "claims", "m", ids, v, "fp1")
    idx.save()
    manifest = json.loads((tmp_path / "claims" / "manifest.json").read_text())
    assert manifest["count"] == 50 and manifest["dimension"] == 16 and manifest["model"] == "m"
    assert manifest["metric"] == "inner_product" and manifest["format_version"] == 1
    files = sorted(p.name for p in (tmp_path / "claims").iterdir())
    assert files == sorted(["manifest.json", manifest["file"]])
    back = VectorIndex.load(tmp_path, "claims")
    scores, found = back.search(v[7:8], 3)
    assert found[0][0] == 107 and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert sorted(back.ids().tolist()) == ids


def test_add_then_save_replaces_old_file(tmp_path):
    idx = VectorIndex.build(tmp_path, "c", "m", [1, 2], _vecs(2), "fp1")
    idx.save()
    first = idx.manifest["file"]
    idx.add([3], _vecs(1, seed=3), "fp2")
    idx.save()
    assert not (tmp_path / "c" / first).exists()
    back = VectorIndex.load(tmp_path, "c")
    assert back.count == 3 and back.fingerprint == "fp2"


def test_check_messages_name_rebuild(tmp_path):
    idx = VectorIndex.build(tmp_path, "c", "m", [1], _vecs(1), "fp1")
    assert idx.check("m", 16, "fp1") is None
    for problem in (idx.check("other", 16, "fp1"), idx.check("m", 32, "fp1"), idx.check("m", 16, "x")):
        assert problem and "factcheck index rebuild" in problem


def test_missing_and_corrupt(tmp_path):
    with pytest.raises(IndexStaleError, match="missing.*factcheck index rebuild"):
        VectorIndex.load(tmp_path, "nope")
    idx = VectorIndex.build(tmp_path, "c", "m", [1, 2], _vecs(2), "fp")
    idx.save()
    (tmp_path / "c" / idx.manifest["file"]).write_bytes(b"garbage")
    with pytest.raises(IndexStaleError, match="unreadable"):
        VectorIndex.load(tmp_path, "c")


def test_interrupted_write_leaves_previous_index(tmp_path, monkeypatch):
    idx = VectorIndex.build(tmp_path, "c", "m", [1, 2], _vecs(2), "fp1")
    idx.save()
    idx.add([3], _vecs(1, seed=9), "fp2")

    def boom(*a, **k):
        raise KeyboardInterrupt  # the process dies between the data file and the manifest

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        idx.save()
    monkeypatch.undo()
    back = VectorIndex.load(tmp_path, "c")
    assert back.count == 2 and back.fingerprint == "fp1"


def test_hnsw_above_threshold(tmp_path, monkeypatch):
    import factcheck.search.faiss_index as mod

    monkeypatch.setattr(mod, "HNSW_THRESHOLD", 10)
    v = _vecs(200, d=32)
    idx = VectorIndex.build(tmp_path, "c", "m", list(range(200)), v, "fp")
    assert idx.kind == "hnsw"
    idx.save()
    back = VectorIndex.load(tmp_path, "c")
    assert back.kind == "hnsw"
    _, found = back.search(v[:20], 1)
    assert (found[:, 0] == np.arange(20)).mean() >= 0.95


def test_flat_remove_really_removes(tmp_path):
    v = _vecs(30)
    idx = VectorIndex.build(tmp_path, "c", "m", list(range(30)), v, "fp1")
    assert idx.can_remove([1, 2])
    idx.remove([1, 2, 99], "fp2")  # an id it does not hold is ignored
    assert idx.count == 28 and idx.index.ntotal == 28 and not idx.deleted
    idx.save()
    back = VectorIndex.load(tmp_path, "c")
    assert back.count == 28 and back.fingerprint == "fp2" and 1 not in back.ids()
    _, found = back.search(v[1:2], 5)
    assert 1 not in found[0]
    back.add([1], v[1:2], "fp3")  # a flat index takes a removed id back
    assert back.search(v[1:2], 1)[1][0][0] == 1


def test_hnsw_remove_keeps_tombstones_that_searches_skip(tmp_path, monkeypatch):
    import factcheck.search.faiss_index as mod

    monkeypatch.setattr(mod, "HNSW_THRESHOLD", 10)
    v = _vecs(200, d=32)
    idx = VectorIndex.build(tmp_path, "c", "m", list(range(200)), v, "fp1")
    assert idx.kind == "hnsw"
    idx.remove([0, 1, 2], "fp2")
    assert idx.count == 197 and idx.index.ntotal == 200 and idx.deleted == {0, 1, 2}
    _, found = idx.search(v[:3], 5)
    assert not {0, 1, 2} & set(found.ravel().tolist())
    idx.save()
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["count"] == 197 and manifest["deleted"] == [0, 1, 2]
    back = VectorIndex.load(tmp_path, "c")
    assert back.deleted == {0, 1, 2} and back.count == 197 and 0 not in back.ids()
    _, found = back.search(v[:20], 1)
    assert not {0, 1, 2} & set(found.ravel().tolist())
    assert (found[3:, 0] == np.arange(3, 20)).mean() >= 0.9
    assert back.can_remove(list(range(3, 40))) and not back.can_remove(list(range(3, 41)))
    with pytest.raises(ValueError, match="rebuild"):
        back.add([1], v[1:2], "fp3")  # its old vector is still in the graph
