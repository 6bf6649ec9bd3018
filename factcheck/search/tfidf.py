"""TF-IDF cosine of a query with chosen corpus rows, without scikit-learn at query time.

:meth:`TfidfSpace.fit` fits scikit-learn's ``TfidfVectorizer`` (sublinear tf, l2 norm, float32)
once, when the corpus is built, and keeps what a query needs in plain numpy: the vocabulary, the
idf weights and the documents' CSR rows. :meth:`TfidfSpace.cosine` re-does the vectorizer's
``transform`` for the query (the same analyzers: ``char_wb`` n-grams, or word n-grams after stop
words) and the sparse dot product. Loading a saved corpus and matching a query so import neither
scikit-learn nor scipy (3 s per command on a 2-core machine).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np

# scikit-learn's defaults for the parts this module re-does (token_pattern, whitespace runs)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass
class TfidfSpace:
    """A fitted TF-IDF space: vocabulary, idf, and the corpus rows as CSR arrays."""

    analyzer: Literal["char_wb", "word"]
    ngram_range: tuple[int, int]
    stop_words: frozenset[str] | None
    vocab: dict[str, int]
    idf: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    @classmethod
    def fit(
        cls,
        texts: list[str],
        analyzer: Literal["char_wb", "word"],
        ngram_range: tuple[int, int],
        stop_words: str | None = None,
    ) -> TfidfSpace:
        """Fit on the corpus texts (scikit-learn); ValueError when the vocabulary is empty."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True,
                              stop_words=stop_words, dtype=np.float32)
        docs = vec.fit_transform(texts).tocsr()
        docs.sort_indices()
        stop = vec.get_stop_words()
        return cls(
            analyzer=analyzer, ngram_range=tuple(ngram_range), stop_words=frozenset(stop) if stop else None,
            vocab={str(k): int(v) for k, v in vec.vocabulary_.items()},
            idf=np.asarray(vec.idf_, np.float32), data=np.asarray(docs.data, np.float32),
            indices=np.asarray(docs.indices, np.int64), indptr=np.asarray(docs.indptr, np.int64),
        )

    def terms(self, text: str) -> list[str]:
        """The analyzer's terms of a text (scikit-learn's ``build_analyzer()``)."""
        lo, hi = self.ngram_range
        text = text.lower()
        out: list[str] = []
        if self.analyzer == "char_wb":
            for w in _WHITE_SPACES.sub(" ", text).split():
                w = f" {w} "
                for n in range(lo, hi + 1):
                    offset = 0
                    out.append(w[offset : offset + n])
                    while offset + n < len(w):
                        offset += 1
                        out.append(w[offset : offset + n])
                    if offset == 0:  # a short word counts once
                        break
            return out
        tokens = [t for t in _TOKEN.findall(text) if not self.stop_words or t not in self.stop_words]
        if lo == 1:
            out.extend(tokens)
        for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
            out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return out

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, weights) of a text: sublinear tf x idf, l2-normalised (``transform``)."""
        counts = Counter(self.vocab[t] for t in self.terms(text) if t in self.vocab)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = np.fromiter(sorted(counts), np.int64, len(counts))
        w = np.asarray([counts[i] for i in ids], np.float32)
        w = (np.log(w) + np.float32(1)) * self.idf[ids]
        # as scikit-learn's l2 normalize: float32 squares summed in float64, divided in float64
        total = float(np.sum((w * w).astype(np.float64)))
        if total == 0:
            return ids, w
        return ids, (w.astype(np.float64) / np.sqrt(total)).astype(np.float32)

    def with_rows(self, texts: list[str]) -> TfidfSpace:
        """This space with rows for ``texts`` appended (``transform`` with the fitted vocabulary
        and idf: terms it never saw are left out, as scikit-learn's transform does)."""
        if not texts:
            return self
        vecs = [self.vector(t) for t in texts]
        lengths = np.cumsum([len(ids) for ids, _ in vecs]) + self.indptr[-1]
        return TfidfSpace(
            analyzer=self.analyzer, ngram_range=self.ngram_range, stop_words=self.stop_words,
            vocab=self.vocab, idf=self.idf,
            data=np.concatenate([self.data, *(w for _, w in vecs)]).astype(np.float32, copy=False),
            indices=np.concatenate([self.indices, *(ids for ids, _ in vecs)]).astype(np.int64, copy=False),
            indptr=np.concatenate([self.indptr, lengths.astype(np.int64)]),
        )

    def cosine(self, text: str, rows: list[int]) -> np.ndarray:
        """Cosine of the text with each of these corpus rows."""
        out = np.zeros(len(rows), np.float32)
        ids, w = self.vector(text)
        if not len(ids):
            return out
        dense = np.zeros(len(self.idf), np.float32)
        dense[ids] = w
        for k, r in enumerate(rows):
            a, b = self.indptr[r], self.indptr[r + 1]
            # summed in float64 (scipy sums in float32: long rows differ by up to ~1e-6)
            out[k] = np.dot(self.data[a:b].astype(np.float64), dense[self.indices[a:b]].astype(np.float64))
        return out
