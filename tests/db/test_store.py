from datetime import UTC

import numpy as np
import pytest
import sqlalchemy as sa

from factcheck.db.store import Store, articles, claims, meta
from factcheck.errors import ConfigError, NotFoundError
from factcheck.models import Article, Claim, ClaimType, KeyValue, Sentence, ValueKind


def _article(text="The company is valued at $380 billion.", aid="a1"):
    return Article(id=aid, title="T", text=text)


def test_tables_follow_models(settings):
    store = Store(settings.url)
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("claims")}
    assert cols == set(Claim.model_fields)


def test_roundtrip_claim_with_values(settings):
    store = Store(settings.url)
    art = _article()
    kv = KeyValue(kind=ValueKind.money, text="$380 billion", start=25, end=37, value=3.8e11, unit="USD")
    sent = Sentence(article_id="a1", index=0, start=0, end=len(art.text), text=art.text, score=0.9)
    claim = Claim(article_id="a1", sentence_index=0, start=0, end=len(art.text), text=art.text,
                  type=ClaimType.quantity, score=0.9, key_values=[kv])
    [saved] = store.save_extraction(art, [sent], [claim])
    assert saved.id is not None
    back = store.get_claim(saved.id)
    assert back.key_values[0].value == 3.8e11
    assert back.type is ClaimType.quantity
    assert back.created_at.tzinfo is not None
    assert back.created_at.utcoffset() == UTC.utcoffset(None)
    assert store.get_sentences("a1")[0].score == 0.9
    assert store.index_rows("claims") == [(saved.id, art.text)]


def test_stored_extractions_answer_many_articles_at_once(settings):
    store = Store(settings.url)
    text = "Prices rose 5%. Exports fell. Nobody knows."
    sents = [Sentence(article_id="a1", index=i, start=s, end=e, text=text[s:e])
             for i, (s, e) in enumerate([(0, 15), (16, 29), (30, 43)])]
    made = [Claim(article_id="a1", sentence_index=1, start=16, end=29, text="Exports fell."),
            Claim(article_id="a1", sentence_index=0, start=0, end=15, text="Prices rose 5%.")]
    store.save_extraction(_article(text), sents, made)
    store.save_extraction(_article("No claims here.", aid="a2"), [], [])
    dismissed = store.list_claims(article_id="a1")[1]
    with store.begin() as conn:
        conn.execute(sa.update(claims).where(claims.c.id == dismissed.id).values(status="dismissed"))
    ids = ["missing", "a2", "a1", "a1"] + [f"x{i}" for i in range(600)]  # over one IN chunk
    found = store.stored_extractions(ids)
    assert set(found) == {"a1", "a2"}
    count, got = found["a1"]
    # the same answer as the per-article queries: sentence count, all claims in position order
    assert count == len(store.get_sentences("a1")) == 3
    assert got == store.list_claims(article_id="a1", include_dismissed=True)
    assert [c.start for c in got] == [0, 16] and got[1].status.value == "dismissed"
    assert found["a2"] == (0, [])
    assert store.stored_extractions([]) == {}


def test_failed_save_is_rolled_back(settings):
    store = Store(settings.url)
    c = Claim(article_id="a1", sentence_index=0, start=0, end=3, text="The")
    store.save_extraction(_article(), [], [c])
    # A new article whose claims INSERT fails (two claims on one span: uq_claim_span) only after
    # the article and its sentences were written in the same transaction: none of it may stay.
    art = _article("Prices rose. Exports fell.", aid="a2")
    sents = [Sentence(article_id="a2", index=0, start=0, end=12, text="Prices rose."),
             Sentence(article_id="a2", index=1, start=13, end=26, text="Exports fell.")]
    dup = Claim(article_id="a2", sentence_index=0, start=0, end=12, text="Prices rose.")
    with pytest.raises(sa.exc.IntegrityError):
        store.save_extraction(art, sents, [dup, dup])
    assert store.count(claims) == 1
    assert store.get_sentences("a2") == []
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(articles.c.id)).scalars().all() == ["a1"]
    # and the failed transaction left nothing behind that blocks a correct retry
    [saved] = store.save_extraction(art, sents, [dup])
    assert saved.article_id == "a2" and len(store.get_sentences("a2")) == 2


def test_unknown_claim_message(settings):
    store = Store(settings.url)
    with pytest.raises(NotFoundError, match="factcheck claims list"):
        store.get_claim(999)


def test_schema_version_newer_is_refused(settings):
    url = settings.url
    store = Store(url)
    with store.begin() as conn:
        conn.execute(sa.update(meta).where(meta.c.key == "schema_version").values(value="999"))
    with pytest.raises(ConfigError, match="upgrade factcheck"):
        Store(url)


def test_embedding_cache(settings):
    store = Store(settings.url)
    v = np.arange(4, dtype=np.float32)
    store.cache_vectors("m", {"h1": v})
    store.cache_vectors("m", {"h1": v * 2})  # ignored: already cached
    got = store.cached_vectors("m", ["h1", "h2"])
    assert list(got) == ["h1"]
    np.testing.assert_array_equal(got["h1"], v)
    assert store.cached_vectors("other", ["h1"]) == {}


def test_watermark_sees_an_edit_stamped_by_a_slow_clock(settings):
    """Team mode: an edit saved by a server whose clock lags still changes the claims watermark."""
    from datetime import datetime

    store = Store(settings.url)
    art = _article()
    saved = store.save_extraction(art, [], [
        Claim(article_id="a1", sentence_index=0, start=0, end=5, text=art.text[:5]),
        Claim(article_id="a1", sentence_index=0, start=6, end=10, text=art.text[6:10]),
    ])
    with store.begin() as conn:
        for claim, month in zip(saved, (1, 6)):
            conn.execute(claims.update().where(claims.c.id == claim.id).values(
                updated_at=datetime(2026, month, 1, tzinfo=UTC)))
    before = store.watermark("claims")
    with store.begin() as conn:  # what review._bump does, on a server whose clock is behind
        conn.execute(claims.update().where(claims.c.id == saved[0].id).values(
            version=claims.c.version + 1, text="edited", updated_at=datetime(2026, 3, 1, tzinfo=UTC)))
    assert store.watermark("claims") != before
