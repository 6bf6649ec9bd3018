"""Bulk writes (db.bulk): many articles per transaction, idempotent, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from factcheck.db.bulk import Batch, article_ids, save_batch
from factcheck.db.store import Store, embeddings
from factcheck.errors import ConflictError
from factcheck.models import Article, Claim, ClaimType, KeyValue, Sentence, ValueKind


def _batch(n: int) -> Batch:
    text = f"Acme raised ${n} million in 2025. It said so."
    art = Article(id=f"sha256:{n:016d}", title=f"t{n}", text=text, origin=f"f{n}.txt")
    cut = text.index(". ") + 1
    sents = [Sentence(article_id=art.id, index=0, start=0, end=cut, text=text[:cut], score=0.9),
             Sentence(article_id=art.id, index=1, start=cut + 1, end=len(text), text=text[cut + 1:],
                      score=0.1)]
    kv = KeyValue(kind=ValueKind.money, text=f"${n} million", start=11, end=22, value=n * 1e6, unit="USD")
    claims = [Claim(article_id=art.id, sentence_index=0, start=0, end=cut, text=text[:cut],
                    type=ClaimType.quantity, score=0.9, key_values=[kv])]
    return Batch(art, sents, claims, [np.full(4, n, dtype=np.float32)])


def test_save_batch_stores_all_and_skips_stored(new_db_url):
    store = Store(new_db_url())
    first = save_batch(store, [_batch(1), _batch(2)], model="m")
    assert [len(c) for c in first] == [1, 1]
    assert all(c.id is not None for cs in first for c in cs)
    assert first[0][0].key_values[0].value == 1e6
    # again, with one new article: the stored ones are left alone, nothing duplicated
    again = save_batch(store, [_batch(2), _batch(3), _batch(3)], model="m")
    assert again[0] is None and again[2] is None and len(again[1]) == 1
    assert sorted(article_ids(store)) == [f"sha256:{n:016d}" for n in (1, 2, 3)]
    stored = store.list_claims(include_dismissed=True)
    assert len(stored) == 3 and len({c.id for c in stored}) == 3
    got = store.get_claim(first[1][0].id)
    assert got.text == "Acme raised $2 million in 2025." and got.key_values[0].kind is ValueKind.money
    assert [s.text for s in store.get_sentences("sha256:0000000000000002")] == [
        "Acme raised $2 million in 2025.", "It said so."]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(embeddings.c.text_hash, embeddings.c.vector)).all()
    assert len(rows) == 3
    assert {float(np.frombuffer(v, np.float32)[0]) for _, v in rows} == {1.0, 2.0, 3.0}
    store.dispose()


def test_save_batch_is_one_transaction(new_db_url):
    store = Store(new_db_url())
    bad = _batch(5)
    bad.sentences.append(bad.sentences[0])  # duplicate primary key: the whole batch must fail
    with pytest.raises(ConflictError, match="nothing of it was written"):
        save_batch(store, [_batch(4), bad])
    assert article_ids(store) == []
    assert save_batch(store, [_batch(4)])[0] is not None
    store.dispose()
