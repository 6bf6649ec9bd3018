"""Check-worthiness scoring (a trained model) and rule-based claim typing.

The scorer blends two logistic regressions: one over the mean-pooled hidden states of layers 2-6
of all-MiniLM-L6-v2 plus transparent features (numbers, money/percent, named entities, attribution
verbs, hedges, pronouns, questions, length), one over TF-IDF word 1-2 grams. The hidden states come
from the same forward pass that gives the sentence embedding for the index, so scoring costs no
extra model call (intermediate layers carry more of what makes a sentence check-worthy than the
final pooled embedding: 4-fold CV F1 0.79 -> 0.82, see bench/results/checkworthy.json).
Inference is plain numpy from ``checkworthy_weights.npz`` beside this module (no pickles);
``scripts/train_checkworthy.py`` retrains it.

Weights come in two formats, both read here: format 2 (shipped) as above, whose states are the
layers' masked means; format 3 adds a fine-tuned copy of the encoder's top layer run in numpy
over layer 5's token states of the same pass (:class:`factcheck.ml.branch.Branch`; its pooled
output is one more row of the states). Format 3 is trained by ``train_checkworthy.py --recipe
branch``; it did not beat format 2 on held-out data (bench/results/checkworthy_branch.json), so
it is not shipped. Callers pass ``model.reads`` to ``Embedder.encode_with_states``.

Training data: ClaimBuster (Arslan, Hassan, Li, Tremayne, "A Benchmark Dataset of Check-worthy
Factual Claims", ICWSM 2020; Zenodo DOI 10.5281/zenodo.3609356; CC-BY-4.0), the 2.5xNCS subset.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from factcheck.config import MODES
from factcheck.errors import ConfigError
from factcheck.ml.branch import Branch, StateReader
from factcheck.models import ClaimType, KeyValue, ValueKind

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).with_name("checkworthy_weights.npz")
MODEL_NAME = "all-MiniLM-L6-v2"

_NUM = re.compile(r"\d")
_MONEY = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion|bn|m)\b|\bdollars?\b", re.I)
_PCT = re.compile(r"\d\s?%|\bper ?cent\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CAPS = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_ATTRIB = re.compile(r"\b(?:said|says|told|wrote|according to|reported|announced|stated)\b", re.I)
_HEDGE = re.compile(r"\b(?:may|might|could|perhaps|maybe|think|believe|feel|hope|guess|seems?)\b", re.I)
_FIRST = re.compile(r"\b(?:I|I'm|I've|me|my|we|we're|our|us)\b")
_SECOND = re.compile(r"\b(?:you|your|you're)\b", re.I)
_COMPAR = re.compile(
    r"\b(?:more|less|fewer|higher|lower|larger|largest|biggest|most|least|increase[ds]?|"
    r"decrease[ds]?|rose|fell|doubled|tripled|cut|grew|than|times|percent|record)\b",
    re.I,
)
_POLICY = re.compile(
    r"\b(?:ban(?:ned|s)?|law|laws|act|bill|order(?:ed)?|regulation|rule|tax(?:es)?|contract|"
    r"budget|policy|requires?|prohibit\w*|vote[ds]?|signed|veto\w*|directive|sanction\w*)\b",
    re.I,
)
_THANKS = re.compile(r"\b(?:thank|thanks|applause|laughter|good evening|welcome)\b", re.I)

FEATURE_NAMES = [
    "has_digit", "money", "percent", "year", "capitalised_words", "attribution", "hedge",
    "first_person", "second_person", "comparative", "policy_word", "question", "thanks",
    "log_words",
]


def features(texts: list[str]) -> np.ndarray:
    """The transparent features of each text (see FEATURE_NAMES), shape (n, 14)."""
    out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    for i, t in enumerate(texts):
        words = max(1, len(t.split()))
        out[i] = [
            bool(_NUM.search(t)),
            bool(_MONEY.search(t)),
            bool(_PCT.search(t)),
            bool(_YEAR.search(t)),
            min(len(_CAPS.findall(t)), 6) / 6,
            bool(_ATTRIB.search(t)),
            bool(_HEDGE.search(t)),
            bool(_FIRST.search(t)),
            bool(_SECOND.search(t)),
            min(len(_COMPAR.findall(t)), 3) / 3,
            bool(_POLICY.search(t)),
            t.rstrip().endswith("?"),
            bool(_THANKS.search(t)),
            np.log1p(words) / 4,
        ]
    return out


LAYERS = (2, 3, 4, 5, 6)  # hidden states read from the one forward pass (see module docstring)
FORMAT = 3  # format 3: a fine-tuned branch (meta "branch"); format 2: mean-pooled layers
READABLE_FORMATS = (2, 3)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _ngrams(text: str) -> list[str]:
    """Lower-cased word 1- and 2-grams, exactly as scikit-learn's TfidfVectorizer(ngram_range=(1, 2))."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


class CheckworthinessModel:
    """The check-worthiness scorer; weights and settings from an npz file (no pickles).

    score = (1 - blend) * sigmoid(layer model) + blend * sigmoid(word model), where
    - the layer model is logistic regression over the mean-pooled hidden states of ``layers`` of the
      embedding model (the same forward pass that gives the sentence embedding) plus the
      transparent ``features``, each standardised;
    - the word model is logistic regression over TF-IDF word 1-2 grams (sublinear tf, l2 norm).
    """

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}
        self.meta = meta
        self.model_name = meta.get("model", MODEL_NAME)
        self.branch: Branch | None = None
        if meta.get("branch"):
            b = meta["branch"]
            self.branch = Branch(self.arrays, int(b["input_layer"]), int(b["layers"]), int(b["heads"]),
                                 float(b.get("eps", 1e-12)), b.get("pooled", ()))
            self.layers = self.branch.layers
        else:
            self.layers = tuple(int(x) for x in meta.get("layers", LAYERS))
        self.threshold = float(meta.get("threshold", 0.5))
        self.blend = float(meta.get("blend", 0.0))
        self.feature_names = FEATURE_NAMES
        vocab = str(self.arrays["vocab"]) if "vocab" in self.arrays else ""
        self._vocab = {w: i for i, w in enumerate(vocab.split("\n")) if w}

    @classmethod
    def load(cls, path: Path | None = None) -> CheckworthinessModel:
        """Load weights (default: the shipped file beside this module)."""
        return _load(str(path or WEIGHTS))

    @property
    def reads(self) -> tuple[int, ...] | StateReader:
        """What to pass to ``Embedder.encode_with_states``: the branch, or the layers to mean-pool."""
        return self.branch if self.branch is not None else self.layers

    @property
    def state_rows(self) -> int:
        """Rows of the states ``score`` takes per text (1 for a branch, else one per layer)."""
        return self.branch.rows if self.branch is not None else len(self.layers)

    @property
    def hidden_size(self) -> int:
        """Width of one row of the states the weights expect."""
        return (self.arrays["coef"].shape[0] - len(FEATURE_NAMES)) // self.state_rows

    def score(self, texts: list[str], states: np.ndarray) -> np.ndarray:
        """Check-worthiness in [0, 1] for each text, given what the encoder pass gave for it.

        ``states`` has shape (n, self.state_rows, hidden) as returned by
        ``Embedder.encode_with_states(texts, model.reads)``.
        """
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float32)
        st = np.asarray(states, dtype=np.float32)
        want = (self.state_rows, self.hidden_size)
        if st.ndim != 3 or st.shape[1:] != want:
            raise ConfigError(
                f"check-worthiness weights are for {self.model_name} (layers {list(self.layers)} of "
                f"width {self.hidden_size}), got hidden states of shape {st.shape[1:]}; retrain with "
                f"`python scripts/train_checkworthy.py --model NAME`"
            )
        a = self.arrays
        x = np.hstack([st.reshape(len(texts), -1), features(list(texts))])
        z = ((x - a["mean"]) / a["std"]) @ a["coef"] + float(a["intercept"])
        p = 1.0 / (1.0 + np.exp(-z))
        if self.blend > 0:
            p = (1.0 - self.blend) * p + self.blend * self._word_proba(texts)
        return p.astype(np.float32)

    def _word_proba(self, texts: list[str]) -> np.ndarray:
        a = self.arrays
        out = np.empty(len(texts), dtype=np.float64)
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for g in _ngrams(text):
                j = self._vocab.get(g)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            z = float(a["word_intercept"])
            if counts:
                idx = np.fromiter(counts, dtype=np.int64)
                w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * a["idf"][idx]
                z += float(w @ a["word_coef"][idx]) / float(np.linalg.norm(w))
            out[row] = 1.0 / (1.0 + np.exp(-z))
        return out


@lru_cache(maxsize=4)
def _load(path: str) -> CheckworthinessModel:
    try:
        data = np.load(path, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        arrays = {k: data[k] for k in data.files if k != "meta"}
    except (OSError, ValueError, KeyError) as e:
        raise ConfigError(
            f"{path}: cannot read check-worthiness weights ({e}); run scripts/train_checkworthy.py"
        ) from e
    if meta.get("format") not in READABLE_FORMATS:
        raise ConfigError(
            f"{path}: check-worthiness weights are format {meta.get('format', 1)}, this version reads "
            f"formats {' and '.join(map(str, READABLE_FORMATS))}; run scripts/train_checkworthy.py"
        )
    return CheckworthinessModel(arrays, meta)


def _default_threshold() -> float:
    try:
        return CheckworthinessModel.load().threshold
    except ConfigError:  # pragma: no cover - weights missing in a broken install
        return 0.5


DEFAULT_THRESHOLD: float = _default_threshold()

# -- operating points (`extract --mode`, FACTCHECK_MODE, the app's settings) ------------------------
# "thorough" is the weights' own threshold (recall-leaning: the lowest threshold whose out-of-fold F1
# on ClaimBuster is within 0.015 of the best, `recall_threshold`). "focused" is its mirror image,
# chosen the same way on the same ClaimBuster 4-fold CV scores and never on news_dev: the HIGHEST
# threshold whose out-of-fold F1 is within 0.015 of the best (`precision_threshold`): CV P 0.86,
# R 0.78 vs thorough's P 0.75, R 0.89 (bench/checkworthy.py, bench/results/checkworthy.json).
FOCUSED_THRESHOLD = 0.66


def operating_points(model: CheckworthinessModel | None = None) -> dict[str, float]:
    """The threshold of each mode, ``{"thorough": ..., "focused": ...}``: the one place they live.

    Weights may carry their own ``focused_threshold`` in their metadata (retrained weights move
    both points); otherwise the shipped value above is used.
    """
    try:
        m = model or CheckworthinessModel.load()
    except ConfigError:  # pragma: no cover - weights missing in a broken install
        return {"thorough": DEFAULT_THRESHOLD, "focused": FOCUSED_THRESHOLD}
    return {"thorough": m.threshold, "focused": float(m.meta.get("focused_threshold", FOCUSED_THRESHOLD))}


def mode_threshold(mode: str) -> float:
    """The claim threshold of an operating point (see :func:`operating_points`)."""
    points = operating_points()
    if mode not in points:
        raise ConfigError(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
    return points[mode]


# -- claim typing -------------------------------------------------------------------------------
_QUOTE_SPAN = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")
_ATTRIB_ONLY = re.compile(
    r"\b(?:say|said|says|told|tells|wrote|writes|according to|claimed|claims|stated|noted|notes|"
    r"added|argued|announced)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|higher|lower|bigger|smaller|larger|greater)\s+than\b|\b\w+er than\b|"
    r"\b(?:largest|biggest|smallest|highest|lowest|most|least|first|second|third)\b.*\b(?:after|"
    r"ever|in history|since)\b|\bcompared (?:with|to)\b|\b(?:twice|double|half) (?:as|the)\b",
    re.I,
)
_PREDICTION = re.compile(
    r"\b(?:will|would|is (?:planning|expected|set|going) to|are (?:planning|expected|set|going) "
    r"to|plans? to|planning to|expects? to|forecasts?|projected|likely to)\b",
    re.I,
)
_POLICY_T = re.compile(
    r"\b(?:ban(?:ned|s)?|law|laws|act|bill|ordered|order|regulation|rules?|directive|contracts?|"
    r"requires?|required|prohibit\w*|sanction\w*|executive order|legislation|policy|policies|"
    r"mandate\w*|veto\w*|blacklist\w*|invoke)\b",
    re.I,
)
_EVENT = re.compile(
    r"\b(?:announced|approved|became|happened|occurred|launched|signed|ordered|attacked|died|"
    r"killed|won|lost|met|visited|arrested|released|fired|resigned|voted|passed|reported)\b",
    re.I,
)
_QUANT_KINDS = {ValueKind.money, ValueKind.percent, ValueKind.count}
_TIME_KINDS = {ValueKind.date, ValueKind.time, ValueKind.duration}


def classify_type(text: str, key_values: list[KeyValue]) -> ClaimType:
    """Rule-based claim type. Priority: quote > comparison > quantity > policy > prediction >
    event > attribution > other.

    - quote: quoted text of at least 3 words;
    - comparison: "more than", "-er than", "second ... after", "largest ... ever", "compared with";
    - quantity: a money, percentage or count value;
    - policy: bans, laws, orders, contracts, regulations, requirements;
    - prediction: will / would / plans to / expected to;
    - event: a past-tense action, or any sentence with a date or time value;
    - attribution: "X said ..." without a quotation.
    """
    if any(len(m.group(1).split()) >= 3 for m in _QUOTE_SPAN.finditer(text)):
        return ClaimType.quote
    kinds = {kv.kind for kv in key_values}
    if _COMPARISON.search(text):
        return ClaimType.comparison
    if kinds & _QUANT_KINDS:
        return ClaimType.quantity
    if _POLICY_T.search(text):
        return ClaimType.policy
    if _PREDICTION.search(text):
        return ClaimType.prediction
    if _EVENT.search(text) or kinds & _TIME_KINDS:
        return ClaimType.event
    if _ATTRIB_ONLY.search(text):
        return ClaimType.attribution
    return ClaimType.other


# -- training (used by scripts/train_checkworthy.py and bench/checkworthy.py) -------------------
def fit(
    texts: list[str],
    labels: np.ndarray,
    states: np.ndarray,
    *,
    c: float = 0.003,
    c_words: float = 4.0,
    blend: float = 0.3,
    layers: tuple[int, ...] = LAYERS,
    model: str = MODEL_NAME,
) -> CheckworthinessModel:
    """Fit both logistic regressions (class-balanced) on pooled hidden states, features and words.

    ``states``: (n, len(layers), hidden) pooled hidden states of the texts. Threshold 0.5.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    st = np.asarray(states, np.float32)
    x = np.hstack([st.reshape(len(texts), -1), features(texts)])
    mean, std = x.mean(0), x.std(0) + 1e-6
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    lr.fit((x - mean) / std, labels)
    arrays: dict[str, np.ndarray] = {
        "mean": mean.astype(np.float32), "std": std.astype(np.float32),
        "coef": lr.coef_[0].astype(np.float32), "intercept": np.float32(lr.intercept_[0]),
    }
    if blend > 0:
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        words = LogisticRegression(C=c_words, max_iter=5000, class_weight="balanced")
        words.fit(vec.fit_transform(texts), labels)
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        arrays.update(
            vocab=np.array("\n".join(vocab)), idf=vec.idf_.astype(np.float32),
            word_coef=words.coef_[0].astype(np.float32), word_intercept=np.float32(words.intercept_[0]),
        )
    meta = {"format": 2, "model": model, "layers": list(layers), "pooling": "mean",
            "features": FEATURE_NAMES, "c": c, "c_words": c_words, "blend": blend, "threshold": 0.5}
    return CheckworthinessModel(arrays, meta)


def save(m: CheckworthinessModel, path: Path) -> None:
    """Write weights atomically as npz (no pickles)."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    meta = json.dumps({**m.meta, "threshold": m.threshold})
    np.savez_compressed(tmp, meta=np.array(meta), **m.arrays)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the weights ship with the package
    os.replace(tmp, path)
    _load.cache_clear()


def f1_at(labels: np.ndarray, scores: np.ndarray, t: float) -> tuple[float, float, float]:
    """(precision, recall, F1) of the positive class at threshold t."""
    pred = scores >= t
    tp = float((pred & (labels == 1)).sum())
    pos = float((labels == 1).sum())
    return tp / max(1.0, float(pred.sum())), tp / max(1.0, pos), 2 * tp / max(1.0, pred.sum() + pos)


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(threshold, F1 of the positive class) maximising F1 over a grid."""
    best = (0.5, 0.0)
    for t in np.arange(0.2, 0.9, 0.01):
        f1 = f1_at(labels, scores, float(t))[2]
        if f1 > best[1]:
            best = (round(float(t), 2), f1)
    return best


def recall_threshold(labels: np.ndarray, scores: np.ndarray, slack: float = 0.015) -> float:
    """The lowest threshold whose F1 is within `slack` of the best: near-optimal F1, more recall.

    Fact-checkers would rather dismiss a sentence than never see a claim, so the default
    extraction threshold leans to recall.
    """
    _, best = best_threshold(labels, scores)
    for t in np.arange(0.2, 0.9, 0.01):
        if f1_at(labels, scores, float(t))[2] >= best - slack:
            return round(float(t), 2)
    return 0.5


def precision_threshold(labels: np.ndarray, scores: np.ndarray, slack: float = 0.015) -> float:
    """The highest threshold whose F1 is within `slack` of the best: near-optimal F1, more precision.

    The mirror of :func:`recall_threshold`; it defines the "focused" operating point.
    """
    _, best = best_threshold(labels, scores)
    for t in np.arange(0.89, 0.199, -0.01):
        if f1_at(labels, scores, float(t))[2] >= best - slack:
            return round(float(t), 2)
    return 0.5
