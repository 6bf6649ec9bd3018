"""BM25 over rows (factcheck.search.bm25): appending rows without re-indexing."""

from __future__ import annotations

import numpy as np

from factcheck.search.bm25 import Bm25Index

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
