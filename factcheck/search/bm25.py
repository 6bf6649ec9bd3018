"""BM25 over (id, text) rows (``bm25s``, k1=0.9, b=0.4, the light stemmer and stop words of
:mod:`factcheck.text.tokens`).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from factcheck.text.tokens import tokenize

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

BM25_K1 = 0.9
BM25_B = 0.4


@dataclass
class Bm25Scores:
    """The scoring half of a ``bm25s.BM25`` index, in plain numpy: what a query needs.

    bm25s precomputes every (token, document) BM25 term in a CSC matrix; a query's scores are the
    sums of its tokens' columns, added in token order as bm25s does (so the floats are equal).
    Kept instead of the bm25s object so that loading a saved index (the match corpus) and scoring
    do not import bm25s and scipy (half a second per command).
    """

    vocab: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    num_docs: int
    dtype: str = "float32"
    nonoccurrence: np.ndarray | None = None

    @classmethod
    def from_bm25s(cls, retriever: Any) -> Bm25Scores:
        """Take the precomputed scores of an indexed ``bm25s.BM25``."""
        sc = retriever.scores
        return cls(vocab=dict(retriever.vocab_dict), data=np.asarray(sc["data"]),
                   indices=np.asarray(sc["indices"]), indptr=np.asarray(sc["indptr"]),
                   num_docs=int(sc["num_docs"]), dtype=str(np.dtype(retriever.dtype)),
                   nonoccurrence=retriever.nonoccurrence_array)

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for a tokenized query (``bm25s.BM25.get_scores``)."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        scores = np.zeros(self.num_docs, dtype=np.dtype(self.dtype))
        if ids:
            starts, ends = self.indptr[ids], self.indptr[np.asarray(ids) + 1]
            cols = [(self.indices[a:b], self.data[a:b]) for a, b in zip(starts, ends)]
            np.add.at(scores, np.concatenate([c[0] for c in cols]), np.concatenate([c[1] for c in cols]))
        if self.nonoccurrence is not None:
            scores += self.nonoccurrence[np.asarray(ids, dtype=np.int64)].sum()
        return scores


@dataclass
class Bm25Index:
    """A BM25 index over (id, text) rows, with its build watermark."""

    mark: str
    ids: np.ndarray
    retriever: Bm25Scores | None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, mark: str, rows: Sequence[tuple[Any, str]]) -> Bm25Index:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; let the application's level decide
        logging.getLogger("bm25s").setLevel(logging.NOTSET)

        ids = np.asarray([int(r[0]) for r in rows], dtype=np.int64)
        retriever = None
        extra: dict[str, Any] = {}
        if rows:
            bm = bm25s.BM25(k1=BM25_K1, b=BM25_B)
            corpus = [tokenize(t) or ["\x00"] for _, t in rows]
            bm.index(corpus, show_progress=False)
            retriever = Bm25Scores.from_bm25s(bm)
            extra["avgdl"] = float(np.mean([len(doc) for doc in corpus]))
        return cls(mark, ids, retriever, extra)

    def extended(self, mark: str, rows: Sequence[tuple[Any, str]]) -> Bm25Index | None:
        """This index with ``rows`` appended, without re-indexing: the new rows are scored with
        this index's statistics (document frequencies, plus the new rows' own, and average
        length), which is what a rebuild would give while the new rows are few. Linear in the
        new rows, where a rebuild is linear in all of them. None when this index cannot be
        extended (empty, or built before average lengths were kept): rebuild it."""
        if self.retriever is None or "avgdl" not in self.extra:
            return None
        from collections import Counter

        tail = list(self.extra.get("tail", [])) + [Counter(tokenize(t) or ["\x00"]) for _, t in rows]
        tail_df: Counter[str] = Counter()
        for doc in tail:
            tail_df.update(doc.keys())
        ids = np.concatenate([self.ids, np.asarray([int(r[0]) for r in rows], dtype=np.int64)])
        return Bm25Index(mark, ids, self.retriever, {**self.extra, "tail": tail, "tail_df": tail_df})

    def _tail_scores(self, toks: list[str]) -> np.ndarray:
        tail = self.extra.get("tail") or []
        out = np.zeros(len(tail), np.float32)
        if not tail:
            return out
        import math

        vocab = self.retriever.vocab
        indptr = self.retriever.indptr
        n = int(self.retriever.num_docs) + len(tail)
        avgdl = self.extra["avgdl"]
        lengths = [sum(doc.values()) for doc in tail]
        for tok in toks:
            tid = vocab.get(tok)
            df = (int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0) + self.extra["tail_df"][tok]
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))  # bm25s' "lucene" variant
            for j, doc in enumerate(tail):
                tf = doc.get(tok, 0)
                if tf:
                    norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lengths[j] / avgdl)
                    out[j] += idf * tf / (norm + tf)
        return out

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every row for a query."""
        if self.retriever is None:
            return np.zeros(0, np.float32)
        toks = tokenize(text)
        if not toks:
            return np.zeros(len(self.ids), np.float32)
        main = np.asarray(self.retriever.get_scores(toks), dtype=np.float32)
        if not self.extra.get("tail"):
            return main
        return np.concatenate([main, self._tail_scores(toks)])

    def top(self, text: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(row positions, scores) of the n best rows with a positive score, best first."""
        s = self.scores(text)
        if not len(s):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        n = min(n, len(s))
        part = np.argpartition(-s, n - 1)[:n]
        part = part[np.argsort(-s[part], kind="stable")]
        part = part[s[part] > 0]
        return part, s[part]


_caches: weakref.WeakKeyDictionary[Workspace, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


