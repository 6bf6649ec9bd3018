"""search.bm25 keeps bm25s's precomputed scores as plain numpy: the same scores as bm25s, and
scoring (or loading a saved index) imports neither bm25s nor scipy."""

from __future__ import annotations

import numpy as np

from factcheck.search.bm25 import BM25_B, BM25_K1, Bm25Index
from factcheck.text.tokens import STOPWORDS_EN, tokenize
from tests.conftest import SAMPLE_ARTICLE, unpickled_elsewhere


def _texts() -> list[str]:
    from factcheck.text.sentences import split_sentences

    art = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    return [art[a:b] for a, b in split_sentences(art)]


def test_scores_equal_bm25s():
    import bm25s

    texts = _texts()
    index = Bm25Index.build("m", list(enumerate(texts)))
    ref = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    ref.index([tokenize(t) or ["\x00"] for t in texts], show_progress=False)
    for q in texts[:30] + ["Anthropic Anthropic ban", "zzzz unknown words", "the federal the agencies"]:
        toks = tokenize(q)
        got = index.scores(q)
        want = np.asarray(ref.get_scores(toks), np.float32) if toks else np.zeros(len(texts), np.float32)
        np.testing.assert_array_equal(got, want)


def test_stop_words_are_bm25s_lucene_list():
    from bm25s.stopwords import STOPWORDS_EN as ref

    assert frozenset(ref) == STOPWORDS_EN


def test_a_saved_index_scores_without_bm25s(tmp_path):
    index = Bm25Index.build("m", list(enumerate(_texts())))
    best, heavy = unpickled_elsewhere(index, "float(o.scores('federal agencies Anthropic').max())",
                                      ("bm25s", "scipy"), tmp_path)
    assert heavy == "[]", heavy
    assert float(best) == float(index.scores("federal agencies Anthropic").max()) > 0

TEXTS = ["revenue rose to $5 billion", "the ministry denied the report", "jobs were cut at the plant",
         "prices climbed 5% in 2020", "the union warned of strikes"] * 20
NEW = ["the ministry cut jobs at the plant", "revenue of the union rose", "a brand new zeppelin word"]


def test_extended_rows_score_as_in_a_rebuild():
    full = Bm25Index.build("m", list(enumerate(TEXTS + NEW)))
    rows = [(len(TEXTS) + i, t) for i, t in enumerate(NEW)]
    ext = Bm25Index.build("m", list(enumerate(TEXTS))).extended("m2", rows)
    assert ext is not None and ext.mark == "m2" and list(ext.ids) == list(full.ids)
    for q in ["ministry jobs", "revenue union", "plant strikes", "zeppelin"]:
        a, b = full.scores(q), ext.scores(q)
        assert len(a) == len(b)
        assert np.allclose(a[-3:], b[-3:], atol=0.01), q  # the new rows: as if re-indexed
        assert np.allclose(a[:-3], b[:-3], atol=0.05), q  # the old rows keep their statistics
        top, _ = ext.top(q, 1)
        assert list(top) == list(full.top(q, 1)[0]), q


def test_an_empty_index_cannot_be_extended():
    assert Bm25Index.build("m", []).extended("m2", [(1, "text")]) is None
