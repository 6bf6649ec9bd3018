"""search.tfidf re-does scikit-learn's TfidfVectorizer.transform for queries: the same terms and
query vectors (the same floats), the same cosines up to float32 rounding (scipy sums a row's
products in float32, this module in float64), without importing scikit-learn or scipy."""

from __future__ import annotations

import random

import numpy as np
import pytest

from factcheck.search.tfidf import TfidfSpace
from tests.conftest import SAMPLE_ARTICLE, unpickled_elsewhere

SPACES = [("char_wb", (3, 5), None), ("word", (1, 2), "english")]


def _texts() -> list[str]:
    from factcheck.text.sentences import split_sentences

    art = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    return [art[a:b] for a, b in split_sentences(art)] + [
        "Ünïcode  café   naïve", "a", "I I I", "the of and", "Tax  cuts\tfor the   rich!!"]


@pytest.mark.parametrize(("analyzer", "ngrams", "stop"), SPACES)
def test_query_vectors_match_scikit_learn(analyzer, ngrams, stop):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = _texts()
    space = TfidfSpace.fit(texts, analyzer, ngrams, stop)
    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, stop_words=stop,
                          dtype=np.float32)
    docs = vec.fit_transform(texts).tocsr()
    analyze = vec.build_analyzer()
    rng = random.Random(0)
    queries = rng.sample(texts, 20) + ["", "the and of", "x", "Élan vital", "Anthropic  ANTHROPIC anthropic"]
    for q in queries:
        assert space.terms(q) == analyze(q), q
        ids, weights = space.vector(q)
        ref = vec.transform([q]).tocsr()
        ref.sort_indices()
        np.testing.assert_array_equal(ids, ref.indices)
        np.testing.assert_array_equal(weights, ref.data)  # the very same floats
        rows = rng.sample(range(len(texts)), 15)
        want = (docs[rows] @ vec.transform([q]).T).toarray().ravel()
        np.testing.assert_allclose(space.cosine(q, rows), want, rtol=0, atol=1e-5)
    assert space.cosine("nothing in the vocabulary: zzzzqqq", []).shape == (0,)


def test_empty_vocabulary_is_a_value_error():
    with pytest.raises(ValueError):
        TfidfSpace.fit(["the", "and of"], "word", (1, 2), "english")


def test_a_fitted_space_scores_without_scikit_learn(tmp_path):
    space = TfidfSpace.fit(_texts(), "char_wb", (3, 5))
    expr = "round(float(o.cosine('Anthropic products', [0, 1, 2]).sum()), 6)"
    total, heavy = unpickled_elsewhere(space, expr, ("sklearn", "scipy"), tmp_path)
    assert heavy == "[]", heavy
    assert float(total) == round(float(space.cosine("Anthropic products", [0, 1, 2]).sum()), 6)


@pytest.mark.parametrize(("analyzer", "ngrams", "stop"), SPACES)
def test_rows_appended_are_the_fitted_vectorizers_transform(analyzer, ngrams, stop):
    """with_rows: a new verdict claim joins the corpus as ``transform`` would put it there."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = _texts()
    fit, new = texts[:-8], texts[-8:]
    space = TfidfSpace.fit(fit, analyzer, ngrams, stop_words=stop).with_rows(new)
    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, stop_words=stop,
                          dtype=np.float32)
    vec.fit(fit)
    want = vec.transform(new).toarray()
    query = new[0]
    got = space.cosine(query, list(range(len(fit), len(fit) + len(new))))
    q = vec.transform([query]).toarray()[0]
    assert np.allclose(got, want @ q, atol=1e-5)
    assert len(space.indptr) == len(texts) + 1
