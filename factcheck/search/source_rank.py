"""Source-level evidence ranking: candidate sources, their features, and a small learned scorer.

A claim's evidence is a *source* (a page, an abstract), not a window of one: the candidates
are the sources of the passages found by the dense index and by passage BM25, plus the best
sources by BM25 over a source's title and full text. Each candidate gets features
(:data:`FEATURES`) — dense similarity of its best passage (max and a soft-max over the
passages found), BM25 of the whole source (title included) and of its best passage (raw, as a
share of the query's best, and as a z-score among the query's candidates) and a capped share of
the claim's key values that the source states — and a logistic regression over them (weights in
``factcheck/search/evidence_ranker.json``, fitted by ``bench/evidence_quality.py --fit`` on the
dev sets) gives the source's score: its probability of being evidence for the claim.

Z-scores are taken among one query's candidates, so the scorer sees how a source stands out
from the others found for the same claim, whatever the corpus' scale of BM25 scores.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from factcheck.errors import FactcheckError

log = logging.getLogger(__name__)

RANKER_PATH = Path(__file__).with_name("evidence_ranker.json")
SOFTMAX_TEMPERATURE = 0.05
VALUE_SHARE_CAP = 1.0

FEATURES = [
    "dense_max",
    "dense_soft",
    "dense_max_z",
    "dense_gap",
    "bm25_source_share",
    "bm25_source_z",
    "bm25_source_log",
    "bm25_passage_share",
    "bm25_passage_z",
    "in_dense",
    "in_lexical",
    "value_share",
]


@dataclass
class SourceCandidate:
    """One candidate source of a query with the raw inputs of its features."""

    source_id: str
    dense: dict[int, float] = field(default_factory=dict)  # passage id -> cosine, passages found
    lexical: dict[int, float] = field(default_factory=dict)  # passage id -> BM25, passages found
    bm25_source: float = 0.0
    value_share: float = 0.0  # share (0..1) of the claim's value weight the source states

    def dense_max(self, floor: float) -> float:
        """Best cosine of a passage found (``floor`` when none was found densely)."""
        return max(self.dense.values(), default=floor)

    def dense_soft(self, floor: float) -> float:
        """Soft-max of the cosines found: a source with several close passages scores higher."""
        if not self.dense:
            return floor
        t = SOFTMAX_TEMPERATURE
        vals = np.asarray(list(self.dense.values()), np.float64)
        m = float(vals.max())
        return m + t * math.log(float(np.exp((vals - m) / t).sum()))


def _z(v: np.ndarray) -> np.ndarray:
    sd = float(v.std())
    return (v - float(v.mean())) / sd if sd > 1e-9 else np.zeros_like(v)


def source_features(cands: list[SourceCandidate]) -> np.ndarray:
    """The feature matrix (candidates x :data:`FEATURES`) of one query's candidates."""
    if not cands:
        return np.zeros((0, len(FEATURES)), np.float32)
    found = [s for c in cands for s in c.dense.values()]
    floor = min(found) - 0.02 if found else 0.0
    dmax = np.asarray([c.dense_max(floor) for c in cands])
    dsoft = np.asarray([c.dense_soft(floor) for c in cands])
    bsrc = np.asarray([c.bm25_source for c in cands])
    bpsg = np.asarray([max(c.lexical.values(), default=0.0) for c in cands])
    cols = {
        "dense_max": dmax,
        "dense_soft": dsoft,
        "dense_max_z": _z(dmax),
        "dense_gap": dmax - dmax.max(),
        "bm25_source_share": bsrc / bsrc.max() if bsrc.max() > 0 else np.zeros_like(bsrc),
        "bm25_source_z": _z(bsrc),
        "bm25_source_log": np.log1p(np.maximum(bsrc, 0.0)),
        "bm25_passage_share": bpsg / bpsg.max() if bpsg.max() > 0 else np.zeros_like(bpsg),
        "bm25_passage_z": _z(bpsg),
        "in_dense": np.asarray([1.0 if c.dense else 0.0 for c in cands]),
        "in_lexical": np.asarray([1.0 if c.lexical else 0.0 for c in cands]),
        "value_share": np.asarray([min(VALUE_SHARE_CAP, c.value_share) for c in cands]),
    }
    return np.stack([cols[f] for f in FEATURES], axis=1).astype(np.float32)


FLOOR_LEXICAL = 2
FLOOR_DENSE = 1
# the floors only take the last places of a list this long: in a shorter one they would push out
# the scorer's own picks (on the demo, `suggest --k 2` showed an unrelated city budget second)
FLOOR_MIN_K = 5


def top_sources(cands: list[SourceCandidate], scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` best candidates: by score, but the ``FLOOR_LEXICAL`` best by BM25
    over the whole source and the ``FLOOR_DENSE`` best by dense similarity are always among
    them (taking the last places if the scorer put them lower), so the list never misses what
    plain BM25 or plain dense search would have put on top. Lists shorter than
    ``FLOOR_MIN_K`` are the scorer's order alone."""
    order = sorted(range(len(cands)), key=lambda i: (-float(scores[i]), cands[i].source_id))
    if len(order) <= k or k < FLOOR_MIN_K:
        return order[:k]
    by_lex = sorted((i for i in order if cands[i].bm25_source > 0),
                    key=lambda i: (-cands[i].bm25_source, cands[i].source_id))[:FLOOR_LEXICAL]
    by_dense = sorted((i for i in order if cands[i].dense),
                      key=lambda i: (-max(cands[i].dense.values()), cands[i].source_id))[:FLOOR_DENSE]
    top = order[:k]
    missing = [i for i in dict.fromkeys(by_lex + by_dense) if i not in top]
    if not missing:
        return top
    must = set(by_lex + by_dense)
    keep = list(top)
    for _ in missing:  # drop the lowest-ranked places not held by a must-have
        for j in range(len(keep) - 1, -1, -1):
            if keep[j] not in must:
                del keep[j]
                break
    return (keep + sorted(missing, key=order.index))[:k]  # k < 3: not every must-have fits


@dataclass
class SourceRanker:
    """Logistic regression over standardised :data:`FEATURES` (weights from a JSON file)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict = field(default_factory=dict)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Probability that each candidate is evidence for the query."""
        if not len(x):
            return np.zeros(0, np.float32)
        z = (x - self.mean) / self.scale
        logit = z @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))).astype(np.float32)

    @classmethod
    def load(cls, path: Path = RANKER_PATH) -> SourceRanker:
        """Read the weights file (FactcheckError naming the fix when missing or unusable)."""
        try:
            data = json.loads(Path(path).read_text())
            if data["features"] != FEATURES:
                raise ValueError(f"features {data['features']} differ from {FEATURES}")
            return cls(np.asarray(data["mean"], np.float32), np.asarray(data["scale"], np.float32),
                       np.asarray(data["coef"], np.float32), float(data["intercept"]),
                       {k: v for k, v in data.items() if k not in ("mean", "scale", "coef", "intercept")})
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise FactcheckError(
                f"{path}: evidence ranker weights unusable ({e}); refit them with "
                "`python bench/evidence_quality.py --fit`"
            ) from e

    def save(self, path: Path = RANKER_PATH) -> None:
        """Write the weights as JSON."""
        data = {"features": FEATURES, "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale],
                "coef": [round(float(v), 6) for v in self.coef],
                "intercept": round(float(self.intercept), 6), **self.info}
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(path)


@lru_cache(maxsize=4)
def _ranker(path: str = str(RANKER_PATH)) -> SourceRanker:
    return SourceRanker.load(Path(path))


def ranker() -> SourceRanker:
    """The shipped source ranker (read once)."""
    return _ranker(str(RANKER_PATH))


PAIR_NEGATIVES = 30  # negatives per positive per query, sampled (seeded) when a query has more


def fit_ranker(
    xs: list[np.ndarray], labels: list[np.ndarray], c: float = 1.0, pairwise: bool = False,
    **info: object,
) -> SourceRanker:
    """Fit the scorer on per-query feature matrices and 0/1 labels (scikit-learn, at fit time only).

    ``pairwise``: the weights are learned from pairs of one query's candidates — a
    logistic regression on the difference (evidence minus non-evidence, both ways), so the scorer
    learns to *order* a query's candidates rather than to call each one alone — and then scaled
    and shifted by a one-feature logistic regression over all candidates (Platt), so the score
    is still a probability (class-balanced) that the source is evidence. Not shipped: on the dev
    sets it ordered the news sentence queries as well as BM25 at recall@5 where the pointwise
    fit does not, but its scores of relevant non-gold sources fall far below ``FLAG_MIN_SCORE``
    (the demo's conflicting funding brief: 0.67 -> 0.02), which silences true conflict flags
    (README, evidence benchmark). The default is the pointwise fit (class-balanced).
    """
    from sklearn.linear_model import LogisticRegression

    x = np.vstack(xs)
    y = np.concatenate(labels)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    if not pairwise:
        lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        lr.fit((x - mean) / scale, y)
        return SourceRanker(mean.astype(np.float32), scale.astype(np.float32),
                            lr.coef_[0].astype(np.float32), float(lr.intercept_[0]), dict(info))
    rng = np.random.default_rng(0)
    diffs = []
    for xi, yi in zip(xs, labels):
        z = (xi - mean) / scale
        pos, neg = np.flatnonzero(yi > 0), np.flatnonzero(yi <= 0)
        if not len(pos) or not len(neg):
            continue
        if len(neg) > PAIR_NEGATIVES:
            neg = rng.choice(neg, PAIR_NEGATIVES, replace=False)
        diffs += [z[p] - z[neg] for p in pos]
    if not diffs:
        raise FactcheckError("no query has both evidence and non-evidence candidates: nothing to "
                             "learn an order from; check the dev sets' gold links")
    d = np.vstack(diffs)
    pair = LogisticRegression(C=c, max_iter=3000, fit_intercept=False)
    pair.fit(np.vstack([d, -d]), np.concatenate([np.ones(len(d)), np.zeros(len(d))]))
    w = pair.coef_[0]
    platt = LogisticRegression(max_iter=2000, class_weight="balanced")
    platt.fit((((x - mean) / scale) @ w)[:, None], y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    if a <= 0:  # never reverse the learned order
        a = 1.0
    return SourceRanker(mean.astype(np.float32), scale.astype(np.float32), (a * w).astype(np.float32), b,
                        dict(info))
