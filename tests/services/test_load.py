"""Parquet hand-off: records derived from the models, shards written, and `load` into the database."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factcheck.errors import InputError
from factcheck.io.readers import Document
from factcheck.services.load import ShardWriter, load_parquet
from factcheck.services.pipeline import arrow_schema, compute_documents, from_record, to_record


def _docs(sample_text: str) -> list[Document]:
    return [
        Document(text=sample_text, title="NPR", origin="npr.txt"),
        Document(text="The city spent $4.5 million on roads in 2024, the mayor said.", origin="b.txt"),
    ]


def _table(ws, docs) -> pa.Table:
    done = compute_documents(ws, docs, ws.min_score(None))
    return pa.Table.from_pylist([to_record(ex, ws.embedder.cache_key) for ex in done], schema=arrow_schema())


def test_records_round_trip(fake_ws, sample_text):
    done = compute_documents(fake_ws, _docs(sample_text), fake_ws.min_score(None))
    assert done[0].claims and all(v is not None for ex in done for v in ex.vectors)
    table = pa.Table.from_pylist([to_record(ex, "m") for ex in done], schema=arrow_schema())
    back = [from_record(r) for r in table.to_pylist()]
    for a, b in zip(done, back):
        assert b.article == a.article
        assert b.sentences == a.sentences
        when = {"created_at", "updated_at"}  # set when stored, not part of the records
        assert [c.model_dump(exclude=when) for c in b.claims] == [
            c.model_dump(exclude=when) for c in a.claims]
        assert all(np.array_equal(x, y) for x, y in zip(a.vectors, b.vectors))


def test_shards_then_load(fake_ws, sample_text, tmp_path, monkeypatch):
    out = tmp_path / "claims.parquet"
    writer = ShardWriter(str(out))
    results = writer.write(_table(fake_ws, _docs(sample_text)))
    assert [r.origin for r in results] == ["npr.txt", "b.txt"] and results[0].claims
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]  # no temp files left
    assert pq.read_schema(out / "part-00000.parquet").names == arrow_schema().names
    assert fake_ws.store.list_articles() == []  # --out touches no database

    def no_model(*_a, **_k):
        raise AssertionError("load must not run the model: the shards carry the vectors")

    monkeypatch.setattr(fake_ws.embedder, "embed", no_model)
    monkeypatch.setattr(fake_ws.embedder, "encode", no_model)
    loaded = load_parquet(fake_ws, str(out))
    monkeypatch.undo()  # queries below embed their text
    assert [len(r.claims) for r in loaded] == [len(r.claims) for r in results]
    stored = fake_ws.store.list_claims(include_dismissed=True)
    assert sorted((c.article_id, c.start, c.end, c.text) for c in stored) == sorted(
        (c.article_id, c.start, c.end, c.text) for r in results for c in r.claims)
    # the claim index was built from the shards' vectors, once
    status = {s["index"]: s for s in fake_ws.index_status()}
    assert status["claims"]["count"] == len(stored) and status["claims"]["ok"]
    hits = fake_ws.search("claims", [stored[0].text], 1)
    assert hits
    # loading again changes nothing
    again = load_parquet(fake_ws, str(out))
    assert all(r.skipped for r in again)
    assert len(fake_ws.store.list_claims(include_dismissed=True)) == len(stored)


def test_load_rejects_what_is_not_shards(fake_ws, tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        load_parquet(fake_ws, str(tmp_path / "missing"))
    other = tmp_path / "other"
    other.mkdir()
    pq.write_table(pa.table({"text": ["hello"]}), other / "x.parquet")
    with pytest.raises(InputError, match="not factcheck extraction shards"):
        load_parquet(fake_ws, str(other))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="not readable as Parquet"):
        load_parquet(fake_ws, str(tmp_path / "junk"))
