"""Source-level ranking pieces (factcheck.search.source_rank): features, scorer, top-k floor."""

import json

import numpy as np
import pytest

from factcheck.errors import FactcheckError
from factcheck.search.source_rank import (
    FEATURES,
    RANKER_PATH,
    SourceCandidate,
    SourceRanker,
    fit_ranker,
    ranker,
    source_features,
    top_sources,
)


def _cands() -> list[SourceCandidate]:
    return [
        SourceCandidate("a", dense={1: 0.80, 2: 0.78}, lexical={1: 9.0}, bm25_source=12.0, value_share=1.0),
        SourceCandidate("b", dense={3: 0.80}, lexical={}, bm25_source=4.0),
        SourceCandidate("c", dense={}, lexical={4: 3.0}, bm25_source=6.0),
        SourceCandidate("d", dense={5: 0.40}, lexical={}, bm25_source=0.0, value_share=3.0),
    ]


def test_features_soft_max_rewards_several_close_passages():
    x = source_features(_cands())
    assert x.shape == (4, len(FEATURES))
    col = {f: x[:, i] for i, f in enumerate(FEATURES)}
    assert col["dense_max"][0] == pytest.approx(col["dense_max"][1])
    assert col["dense_soft"][0] > col["dense_soft"][1]  # two passages near 0.8 beat one
    assert col["dense_max"][2] < 0.40  # found only lexically: below every dense hit
    assert col["bm25_source_share"].tolist() == pytest.approx([1.0, 4 / 12, 6 / 12, 0.0])
    assert col["value_share"].tolist() == [1.0, 0.0, 0.0, 1.0]  # capped: numbers alone cannot win
    assert col["in_dense"].tolist() == [1, 1, 0, 1] and col["in_lexical"].tolist() == [1, 0, 1, 0]
    assert abs(float(col["bm25_source_z"].mean())) < 1e-6
    assert source_features([]).shape == (0, len(FEATURES))


def test_top_sources_keeps_the_bm25_and_dense_leaders():
    cands = _cands() + [SourceCandidate(f"x{i}", dense={10 + i: 0.5}) for i in range(4)]
    scores = np.asarray([0.1, 0.2, 0.05, 0.3, 0.9, 0.8, 0.7, 0.6])
    top = top_sources(cands, scores, 5)
    ids = [cands[i].source_id for i in top]
    assert ids[:3] == ["x0", "x1", "x2"]  # the scorer's order where it is not overruled
    assert set(ids) >= {"a", "c", "b"} - {"b"} and len(ids) == 5  # BM25 top 2 (a, c) are in
    assert "a" in ids and "c" in ids
    assert top_sources(cands[:3], np.asarray([0.1, 0.2, 0.3]), 5) == [2, 1, 0]
    for k in (1, 2, 3, 4):  # short lists: the scorer's order, the floors never push a pick out
        assert top_sources(cands, scores, k) == [4, 5, 6, 7][:k]


def test_ranker_round_trip_fit_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(6, len(FEATURES))).astype(np.float32) for _ in range(20)]
    ys = [np.asarray([1.0] + [0.0] * 5) for _ in xs]
    for x in xs:
        x[0, 0] += 3.0  # the positive has a higher dense_max
    model = fit_ranker(xs, ys, trained_on="test")
    p = model.score(xs[0])
    assert p.shape == (6,) and 0 <= p.min() and p.max() <= 1 and int(np.argmax(p)) == 0
    path = tmp_path / "r.json"
    model.save(path)
    again = SourceRanker.load(path)
    assert np.allclose(again.score(xs[0]), p, atol=1e-4) and again.info["trained_on"] == "test"
    bad = json.loads(path.read_text())
    bad["features"] = ["other"]
    path.write_text(json.dumps(bad))
    with pytest.raises(FactcheckError, match="--fit"):
        SourceRanker.load(path)


def test_shipped_ranker_loads_and_prefers_strong_evidence():
    model = ranker()
    assert RANKER_PATH.exists() and model.coef.shape == (len(FEATURES),)
    p = model.score(source_features(_cands()))
    assert p[0] == p.max()  # best by dense, BM25 and values alike


def test_pairwise_fit_orders_within_a_query_and_stays_a_probability():
    """Queries differ in scale (one query's candidates all high): a pairwise fit learns the order
    inside each query; its scores are still probabilities, and a set with nothing to order is an
    error that says where to look."""
    rng = np.random.default_rng(1)
    xs, ys = [], []
    for q in range(30):
        x = rng.normal(size=(8, len(FEATURES))).astype(np.float32)
        x[:, 1] += 4.0 * (q % 2)  # a query-level shift of dense_soft that says nothing
        x[0, 0] += 2.5  # the evidence has the best dense_max of its query
        xs.append(x)
        ys.append(np.asarray([1.0] + [0.0] * 7))
    model = fit_ranker(xs, ys, pairwise=True)
    assert model.coef[0] > 0
    hits = sum(int(np.argmax(model.score(x))) == 0 for x in xs)
    assert hits >= 27
    p = model.score(xs[0])
    assert 0 <= p.min() and p.max() <= 1
    point = fit_ranker(xs, ys, pairwise=False)
    assert point.coef[0] > 0
    with pytest.raises(FactcheckError, match="gold links"):
        fit_ranker([x[1:] for x in xs], [y[1:] for y in ys], pairwise=True)
