"""Check-worthiness scoring (a trained model) and rule-based claim typing.

Scorer
------
``CheckworthinessModel.score(texts, embeddings)`` returns, for each sentence, the probability-like
score in [0, 1] that it is a check-worthy factual claim. It averages three trained components:

1. **lexical** -- logistic regression over [NB-weighted binary TF-IDF of word 1-2-grams, the
   L2-normalised all-MiniLM-L6-v2 sentence embedding, the transparent features below];
2. **char** -- logistic regression over TF-IDF of character 2-5-grams (within words);
3. **mlp** -- a small multilayer perceptron (one ReLU hidden layer, several seeds averaged) over
   [embedding, transparent features].

Digits are mapped to ``0`` before n-grams are taken, so "$380 billion" and "$14 billion" share
n-grams. Inference is pure numpy/Python from ``checkworthy_weights.npz`` beside this module
(vocabularies, IDF weights, coefficients and MLP matrices; loaded with ``allow_pickle=False``).
``scripts/train_checkworthy.py`` retrains it; ``bench/checkworthy.py`` measures it.
The weights belong to one embedding model (all-MiniLM-L6-v2 for the shipped file): embeddings of
another dimension raise :class:`~factcheck.errors.ConfigError`.

Transparent features (``FEATURE_NAMES``, values in [0, 1]) are cues a reviewer can read: numbers,
money, percentages, years and other time references, comparatives and superlatives, change verbs,
attribution verbs, hedges and opinion verbs, pronouns, questions, negation, past tense, law and
policy words, courtesy phrases, capitalised (named-entity-like) words, acronyms and length.

Training data: the ClaimBuster benchmark dataset -- F. Arslan, N. Hassan, C. Li, M. Tremayne,
"A Benchmark Dataset of Check-worthy Factual Claims", ICWSM 2020 (Zenodo DOI
10.5281/zenodo.3609356; CC-BY-4.0), the "2.5xNCS" two-class subset: sentences from US
presidential debates 1960-2016 labelled check-worthy factual (1) or not (0). The data itself is
not part of this package.

Claim typing
------------
:func:`classify_type` is rule based; see its docstring for the rules and their priority.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .models import ClaimType, KeyValue, ValueKind

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_THRESHOLD",
    "FEATURE_NAMES",
    "MODEL_NAME",
    "WEIGHTS_PATH",
    "CheckworthinessModel",
    "char_ngrams",
    "classify_type",
    "features",
    "word_ngrams",
]

WEIGHTS_PATH = Path(__file__).with_name("checkworthy_weights.npz")
MODEL_NAME = "all-MiniLM-L6-v2"
FORMAT = "factcheck-checkworthy/1"
RETRAIN_HINT = "python scripts/train_checkworthy.py --model NAME"

# -- transparent features ---------------------------------------------------------------------


def _words_rx(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b", re.I)


_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    "fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|half|"
    "dozens?|double|doubled|triple|tripled|twice|third|quarter"
)

# Binary cues, in FEATURE_NAMES order: 1.0 when the pattern occurs in the sentence.
_CUES: dict[str, re.Pattern[str]] = {
    "has_digit": re.compile(r"\d"),
    "number_word": _words_rx(_NUMBER_WORDS),
    "money": re.compile(r"[$£€]|\b(?:dollars?|cents?|euros?)\b", re.I),
    "percent": re.compile(r"%|\bper ?cent(?:age)?\b", re.I),
    "big_number": _words_rx(r"millions?|billions?|trillions?|bn"),
    "year": re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b|'\d0s\b|\b\d0s\b"),
    "time_reference": _words_rx(
        r"january|february|march|april|june|july|august|september|october|november|december|"
        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|ago|since|"
        r"last (?:year|month|week|decade|night|time)|this (?:year|month|week)|decades?|"
        r"years?|months?|weeks?|days?|century"
    ),
    "comparative": re.compile(
        r"\b(?:more|less|fewer|higher|lower|greater|larger|smaller|bigger|better|worse|\w+er)"
        r"\s+than\b|\bcompared (?:with|to)\b|\bas (?:much|many|high|low) as\b",
        re.I,
    ),
    "superlative": _words_rx(
        r"most|least|highest|lowest|largest|biggest|smallest|fastest|best|worst|first|only|"
        r"record|ever|\w+est"
    ),
    "ordinal_rank": re.compile(
        r"\b(?:first|second|third|fourth|fifth|last|only)\b[^.;]{0,60}?"
        r"\b(?:to|after|since|ever|in history|in the world|in the country)\b",
        re.I,
    ),
    "change_verb": _words_rx(
        r"increas\w*|decreas\w*|doubl\w*|tripl\w*|cut|cuts|rais\w*|rose|risen|fell|fallen|grew|"
        r"grown|growing|drop\w*|declin\w*|reduc\w*|los[te]|gained|added|created|spent|paid|"
        r"saved|balanced"
    ),
    "attribution": re.compile(
        r"\b(?:said|says|told|tells|wrote|writes|stated|claimed|reported|announced|"
        r"testified)\b|\baccording to\b",
        re.I,
    ),
    "hedge": _words_rx(r"may|might|maybe|perhaps|probably|possibly|could|seems?|appears?"),
    "opinion": _words_rx(r"think|believe|feel|guess|hope|wish|want|wants|suppose|convinced|sure"),
    "obligation": _words_rx(r"should|must|ought|need to|needs to|have to|has to|got to|gotta"),
    "future": re.compile(
        r"\b(?:will|won't|shall|going to|gonna|plan to|plans to|intend to)\b|'ll\b", re.I
    ),
    "first_person_singular": _words_rx(r"i|i'm|i've|i'll|i'd|me|my|mine|myself"),
    "first_person_plural": _words_rx(r"we|we're|we've|we'll|we'd|us|our|ours"),
    "second_person": _words_rx(r"you|you're|you've|you'll|your|yours"),
    "question": re.compile(r"\?"),
    "exclamation": re.compile(r"!"),
    "negation": re.compile(r"\b(?:not|no|never|nothing|none|nobody|neither|nor)\b|n't\b", re.I),
    "past_tense": _words_rx(
        r"\w{2,}ed|was|were|had|did|went|made|took|gave|got|came|became|lost|won|spent|paid|"
        r"sold|built|left|said|told|wrote|began|brought|bought|fought|found|held|kept|led|met|"
        r"ran|saw|sent|set|stood|thought|understood"
    ),
    "perfect": re.compile(
        r"\b(?:has|have|had|hasn't|haven't)\s+(?:not\s+)?(?:been|\w+ed)\b|'ve\s+(?:been|\w+ed)\b",
        re.I,
    ),
    "law_policy": _words_rx(
        r"laws?|bills?|acts?|legislation|vot\w+|veto\w*|signed|passed|regulations?|ban\w*|"
        r"polic(?:y|ies)|programs?|treaty|treaties|amendment|court|congress|senate|sanctions?"
    ),
    "economy": _words_rx(
        r"tax\w*|budget|deficits?|debt|jobs?|unemploy\w*|economy|economic|income|wages?|"
        r"inflation|spending|medicare|medicaid|social security|insurance|health ?care|"
        r"trade|oil|energy|military|nuclear|troops"
    ),
    "courtesy": _words_rx(
        r"thanks?|thank you|congratulations?|welcome|good evening|good night|ladies|gentlemen|"
        r"hello|pleasure|honou?r(?:ed)? to"
    ),
    "discourse_opening": re.compile(
        r"^\s*(?:well|look|now|so|oh|yes|no|okay|ok|let me|let's|you know|listen)\b", re.I
    ),
    "absolute": _words_rx(r"every|everyone|everybody|all|always|never|nobody|no one|entire"),
    "quote_marks": re.compile(r"[\"“”]"),
}
# Capitalised words that do not start the sentence or follow sentence punctuation or a quote.
_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)(?<![\"“(])\b[A-Z][A-Za-z'\-]+")
_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,}\b")
_NUMBER_TOKEN = re.compile(r"\d[\d,.]*")
_WORD = re.compile(r"[A-Za-z0-9']+")

FEATURE_NAMES: list[str] = [
    *_CUES,
    "number_count",  # numbers (digits or number words), capped at 4, / 4
    "capitalised_words",  # non-initial capitalised words, capped at 5, / 5
    "acronym",
    "log_words",  # log(1 + words) / 4
    "short",  # at most 6 words
    "mean_word_length",  # characters per word, capped at 10, / 10
]


def features(texts: Sequence[str]) -> np.ndarray:
    """The transparent features of each text (columns in ``FEATURE_NAMES`` order).

    Returns a float32 array of shape ``(len(texts), len(FEATURE_NAMES))`` with values in [0, 1].
    """
    out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    number_words = _CUES["number_word"]
    for i, text in enumerate(texts):
        words = _WORD.findall(text)
        n = max(1, len(words))
        numbers = len(_NUMBER_TOKEN.findall(text)) + len(number_words.findall(text))
        row = [1.0 if rx.search(text) else 0.0 for rx in _CUES.values()]
        row += [
            min(numbers, 4) / 4,
            min(len(_CAPITALISED.findall(text)), 5) / 5,
            1.0 if _ACRONYM.search(text) else 0.0,
            math.log1p(n) / 4,
            1.0 if n <= 6 else 0.0,
            min(sum(len(w) for w in words) / n, 10.0) / 10,
        ]
        out[i] = row
    return out


# -- n-gram analyzers (shared by training and inference) ------------------------------------------
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\w+|[$%?!]")


def normalise_text(text: str) -> str:
    """Lower-case, map every digit to ``0`` and collapse whitespace (n-gram input)."""
    return _SPACES.sub(" ", _DIGIT.sub("0", text.lower())).strip()


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of the normalised text (``$ % ? !`` are tokens too)."""
    toks = _TOKEN.findall(normalise_text(text))
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def char_ngrams(text: str, lo: int = 2, hi: int = 5) -> list[str]:
    """Character ``lo``..``hi``-grams inside space-padded words (scikit-learn's ``char_wb``)."""
    out: list[str] = []
    for word in normalise_text(text).split(" "):
        if not word:
            continue
        w = f" {word} "
        size = len(w)
        for n in range(lo, hi + 1):
            if n > size:
                if n == lo:
                    out.append(w)
                break
            out.extend(w[k : k + n] for k in range(size - n + 1))
    return out


_ANALYZERS: dict[str, Callable[[str], list[str]]] = {"word": word_ngrams, "char": char_ngrams}


class _NgramLinear:
    """``coef . tfidf(text)`` for an L2-normalised TF-IDF vector, from vocab/idf/coef arrays.

    Same arithmetic as scikit-learn's ``TfidfVectorizer`` (unknown n-grams ignored, ``binary``
    or ``sublinear_tf`` term frequency, L2 norm) without building the sparse matrix.
    """

    def __init__(
        self, vocab: list[str], idf: np.ndarray, coef: np.ndarray, analyzer: str, binary: bool
    ) -> None:
        self.index = {g: i for i, g in enumerate(vocab)}
        self.idf = [float(v) for v in idf]
        self.coef = [float(v) for v in coef]
        self.analyze = _ANALYZERS[analyzer]
        self.binary = binary

    def dot(self, texts: Sequence[str]) -> np.ndarray:
        """The linear term of each text."""
        out = np.zeros(len(texts), dtype=np.float64)
        index, idf, coef = self.index, self.idf, self.coef
        for i, text in enumerate(texts):
            acc = norm = 0.0
            for gram, count in Counter(self.analyze(text)).items():
                j = index.get(gram)
                if j is None:
                    continue
                tf = 1.0 if self.binary else 1.0 + math.log(count)
                w = tf * idf[j]
                acc += w * coef[j]
                norm += w * w
            if norm > 0:
                out[i] = acc / math.sqrt(norm)
        return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def _pack_strings(items: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def _unpack_strings(buf: np.ndarray) -> list[str]:
    return bytes(buf.tobytes()).decode("utf-8").split("\n") if buf.size else []


# -- the model ------------------------------------------------------------------------------------


class CheckworthinessModel:
    """The trained check-worthiness scorer (see the module docstring); pure numpy inference."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Build from the arrays and metadata of a weights file (see :meth:`load`)."""
        self.meta = meta
        self.model_name: str = meta["model_name"]
        self.dim: int = int(meta["dim"])
        self.threshold: float = float(meta["threshold"])
        self.feature_names: list[str] = list(meta["feature_names"])
        if self.feature_names != FEATURE_NAMES:
            raise ConfigError(
                "check-worthiness weights were trained with different features than this "
                f"version of factcheck; retrain with `{RETRAIN_HINT}`"
            )
        self.weights = [float(w) for w in meta["ensemble_weights"]]
        nf = len(self.feature_names)
        self._word = _NgramLinear(
            _unpack_strings(arrays["word_vocab"]), arrays["word_idf"], arrays["word_coef"],
            "word", binary=True,
        )
        dense = arrays["lex_dense_coef"].astype(np.float64)
        self._lex_emb, self._lex_feat = dense[: self.dim], dense[self.dim : self.dim + nf]
        self._lex_bias = float(arrays["lex_bias"])
        self._char = _NgramLinear(
            _unpack_strings(arrays["char_vocab"]), arrays["char_idf"], arrays["char_coef"],
            "char", binary=False,
        )
        self._char_bias = float(arrays["char_bias"])
        self._w1 = arrays["mlp_w1"].astype(np.float32)  # (seeds, dim + nf, hidden)
        self._b1 = arrays["mlp_b1"].astype(np.float32)  # (seeds, hidden)
        self._w2 = arrays["mlp_w2"].astype(np.float32)  # (seeds, hidden)
        self._b2 = arrays["mlp_b2"].astype(np.float32)  # (seeds,)

    # loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> CheckworthinessModel:
        """Load weights from ``path`` (default: the shipped file beside this module); cached."""
        p = Path(path) if path is not None else WEIGHTS_PATH
        key = str(p.resolve())
        with _CACHE_LOCK:
            model = _CACHE.get(key)
            if model is None:
                model = _CACHE[key] = cls._read(p)
        return model

    @classmethod
    def _read(cls, path: Path) -> CheckworthinessModel:
        if not path.exists():
            raise ConfigError(
                f"{path}: check-worthiness weights not found; run `{RETRAIN_HINT}` to create them"
            )
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(bytes(arrays.pop("meta").tobytes()).decode("utf-8"))
        except (OSError, ValueError, KeyError) as e:
            raise ConfigError(
                f"{path}: cannot read check-worthiness weights ({e}); retrain with `{RETRAIN_HINT}`"
            ) from e
        if meta.get("format") != FORMAT:
            raise ConfigError(
                f"{path}: not a {FORMAT} weights file; retrain with `{RETRAIN_HINT}`"
            )
        log.debug("loaded check-worthiness weights %s (%s)", path, meta.get("model_name"))
        return cls(arrays, meta)

    # scoring ---------------------------------------------------------------------------------
    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The transparent features of each text, columns named by ``feature_names``."""
        return features(texts)

    def _check(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[1] != self.dim:
            got = emb.shape[-1] if emb.ndim else 0
            raise ConfigError(
                f"check-worthiness weights are for {self.model_name} ({self.dim}-d embeddings) "
                f"but got {got}-d embeddings; retrain for your model with `{RETRAIN_HINT}`"
            )
        if emb.shape[0] != len(texts):
            raise ConfigError(
                f"got {len(texts)} texts but {emb.shape[0]} embeddings; pass one embedding per text"
            )
        return emb

    def component_scores(
        self, texts: Sequence[str], embeddings: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Each component's score in [0, 1]: ``{"lexical", "char", "mlp"}`` (for inspection)."""
        texts = list(texts)
        if not texts:
            empty = np.zeros(0, dtype=np.float32)
            return {"lexical": empty, "char": empty, "mlp": empty}
        emb = self._check(texts, embeddings)
        feats = features(texts)
        z_lex = (
            self._word.dot(texts) + emb.astype(np.float64) @ self._lex_emb
            + feats.astype(np.float64) @ self._lex_feat + self._lex_bias
        )
        z_char = self._char.dot(texts) + self._char_bias
        x = np.hstack([emb, feats])
        hidden = np.maximum(np.einsum("nd,sdh->snh", x, self._w1) + self._b1[:, None, :], 0.0)
        z_mlp = np.einsum("snh,sh->sn", hidden, self._w2) + self._b2[:, None]
        return {
            "lexical": _sigmoid(z_lex).astype(np.float32),
            "char": _sigmoid(z_char).astype(np.float32),
            "mlp": _sigmoid(z_mlp.astype(np.float64)).mean(axis=0).astype(np.float32),
        }

    def score(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Check-worthiness in [0, 1] of each text.

        ``embeddings`` are the L2-normalised embeddings of the same texts, shape ``(n, dim)``,
        from the model the weights were trained with (``model_name``). A different dimension
        raises :class:`ConfigError`.
        """
        parts = self.component_scores(texts, embeddings)
        w = self.weights
        total = w[0] * parts["lexical"] + w[1] * parts["char"] + w[2] * parts["mlp"]
        return np.clip(total / sum(w), 0.0, 1.0).astype(np.float32)

    def feature_contributions(self, text: str) -> dict[str, float]:
        """Log-odds contribution of each transparent feature to the lexical component of ``text``.

        Only features present in the text appear; sorted by absolute contribution.
        """
        row = features([text])[0]
        contrib = {n: float(v * c) for n, v, c in zip(self.feature_names, row, self._lex_feat) if v}
        return dict(sorted(contrib.items(), key=lambda kv: -abs(kv[1])))


_CACHE: dict[str, CheckworthinessModel] = {}
_CACHE_LOCK = threading.Lock()


def _default_threshold(path: Path = WEIGHTS_PATH) -> float:
    """The tuned threshold stored in a weights file (reads only its metadata), else 0.5."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"].tobytes()).decode("utf-8"))
        return float(meta["threshold"])
    except (OSError, ValueError, KeyError) as e:  # pragma: no cover - broken install
        log.warning("cannot read the check-worthiness threshold from %s (%s); using 0.5", path, e)
        return 0.5


DEFAULT_THRESHOLD: float = _default_threshold()
"""The decision threshold tuned by cross-validation at training time (from the weights file)."""

# -- claim typing ---------------------------------------------------------------------------------
_QUOTE_CHARS = "\"“”"
_QUOTED_SPAN = re.compile(r"[\"“]([^\"“”]+)[\"”]")
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|higher|lower|bigger|smaller|larger|greater|better|worse|faster|"
    r"slower|cheaper|richer|poorer|older|younger)\s+than\b|\b\w{2,}er\s+than\b"
    r"|\b(?:more|less|fewer)\s+(?:\w+\s+){1,3}than\b|\bthan any other\b"
    r"|\b(?:largest|biggest|smallest|highest|lowest|fastest|slowest|richest|poorest|oldest|"
    r"youngest)\b"
    r"|\b(?:second|third|fourth|fifth|next)\b[^.;]*\bafter\b"
    r"|\bcompared (?:with|to)\b|\b(?:twice|three times|half) as\b|\bas (?:many|much) as\b",
    re.I,
)
_PREDICTION = re.compile(
    r"\b(?:will|won't|would|wouldn't|shall)\b|'ll\b"
    r"|\b(?:plans?|planning|plan(?:ned)?|expects?|expected|set|going|likely|projected|poised)\s+to\b"
    r"|\bforecasts?\b|\bforecasted\b|\bis (?:due|about) to\b",
    re.I,
)
_POLICY = re.compile(
    r"\b(?:ban|bans|banned|banning|law|laws|act|acts|bill|bills|legislation|orders?|ordered|"
    r"ordering|executive order|regulations?|regulat(?:e|es|ed|ing)|rules?|directives?|"
    r"directing|contracts?|requires?|required|requiring|requirements?|prohibit\w*|mandat\w*|"
    r"sanctions?|veto\w*|polic(?:y|ies)|statutes?|treaty|treaties|blacklist\w*)\b",
    re.I,
)
_PAST_ACTION = re.compile(
    r"\b(?:\w{3,}ed|became|began|came|did|fell|fought|gave|grew|had|held|hit|left|lost|made|met|"
    r"ran|rose|said|sold|spent|took|told|went|won|wrote|happened|announced|approved)\b",
    re.I,
)
_TIME_WORDS = re.compile(
    r"\b(?:on|last|this|next|since|in|by|until)\s+(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|week|month|year|(?:19|20)\d\d)\b|\b(?:yesterday|today|tonight|"
    r"earlier this \w+|\w+ ago)\b",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|wrote|writes|stated|states|claimed|claims|noted|notes|"
    r"added|argued|argues|insisted|testified|acknowledged|admitted|contended|asserted|"
    r"confirmed|denied|reported|reports|pointed out|points out)\b|\baccording to\b",
    re.I,
)
_QUANTITY_KINDS = {ValueKind.money, ValueKind.percent, ValueKind.count}
_TIME_KINDS = {ValueKind.date, ValueKind.time}


def _is_quote(text: str) -> bool:
    """Quoted text of at least 3 words, or a sentence that opens or closes a quotation."""
    if any(len(m.group(1).split()) >= 3 for m in _QUOTED_SPAN.finditer(text)):
        return True
    stripped = text.strip()
    if len(stripped.split()) < 3:
        return False
    opens = stripped[0] in "\"“"
    closes = stripped.rstrip(".,;:!?)")[-1:] in "\"”" or stripped[-1] in "\"”"
    unbalanced = sum(stripped.count(c) for c in _QUOTE_CHARS) % 2 == 1
    return (opens or closes) and (unbalanced or (opens and closes))


def classify_type(text: str, key_values: list[KeyValue]) -> ClaimType:
    """Rule-based claim type of ``text`` given its key values (from ``factcheck.values``).

    Rules are tried in this priority order; the first that matches wins:

    1. **quote** -- quotation marks around at least 3 words, or a sentence that opens or
       closes a quotation (a sentence cut out of a longer quote);
    2. **comparison** -- "more/less/-er than", superlatives ("largest", "lowest"),
       "second ... after", "compared with/to", "twice as", "as many as";
    3. **quantity** -- a money, percent or count key value;
    4. **policy** -- ban, law, act, bill, order(ed), regulation, rule, directive, contract,
       require(s), prohibit, mandate, sanction, veto, policy, treaty;
    5. **prediction** -- will / would / plans to / planning to / expected to / set to /
       forecast;
    6. **event** -- a past-tense action together with a date or time (a date/time key value or
       a time phrase such as "on Friday", "last week", "in 2019");
    7. **attribution** -- "X said / says / told / wrote / according to ..." without a quotation;
    8. **other**.

    So "Trump ordered the government on Friday to stop using Anthropic's products" is a
    *policy* claim (an order is a policy act, and policy outranks event); a valuation with a
    plan ("valued at $380 billion, is planning to go public") is a *quantity*; "became the
    second company after Anthropic to be approved" is a *comparison*.
    """
    if _is_quote(text):
        return ClaimType.quote
    if _COMPARISON.search(text):
        return ClaimType.comparison
    kinds = {kv.kind for kv in key_values}
    if kinds & _QUANTITY_KINDS:
        return ClaimType.quantity
    if _POLICY.search(text):
        return ClaimType.policy
    if _PREDICTION.search(text):
        return ClaimType.prediction
    has_time = bool(kinds & _TIME_KINDS) or bool(_TIME_WORDS.search(text))
    if has_time and _PAST_ACTION.search(text):
        return ClaimType.event
    if _ATTRIBUTION.search(text):
        return ClaimType.attribution
    return ClaimType.other


# -- training (scikit-learn; used by scripts/train_checkworthy.py and bench/checkworthy.py) --------

DEFAULT_PARAMS: dict[str, Any] = {
    "word_c": 4.0,  # inverse L2 strength, lexical logistic regression
    "word_min_df": 2,
    "char_c": 4.0,
    "char_min_df": 3,
    "mlp_hidden": 256,
    "mlp_alpha": 1e-2,
    "mlp_seeds": 3,
    "ensemble_weights": [1.0, 1.0, 1.0],  # lexical, char, mlp
}


def train(
    texts: Sequence[str],
    labels: np.ndarray,
    embeddings: np.ndarray,
    *,
    model_name: str = MODEL_NAME,
    params: dict[str, Any] | None = None,
    threshold: float = 0.5,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fit the three components; return ``(arrays, meta)`` for :func:`save_weights`.

    Needs scikit-learn. ``threshold`` is stored as the default decision threshold.
    """
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    p = {**DEFAULT_PARAMS, **(params or {})}
    texts = list(texts)
    y = np.asarray(labels).astype(int)
    emb = np.asarray(embeddings, dtype=np.float32)
    feats = features(texts)

    # 1. lexical: NB-weighted binary word TF-IDF + embedding + features.
    wv = TfidfVectorizer(analyzer=word_ngrams, binary=True, sublinear_tf=True,
                         min_df=p["word_min_df"], dtype=np.float64)
    tw = wv.fit_transform(texts)
    pos = np.asarray(tw[y == 1].sum(axis=0)).ravel() + 1.0
    neg = np.asarray(tw[y == 0].sum(axis=0)).ravel() + 1.0
    ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
    xl = hstack([tw.multiply(ratio), csr_matrix(emb), csr_matrix(feats)]).tocsr()
    lex = LogisticRegression(C=p["word_c"], max_iter=5000, class_weight="balanced")
    lex.fit(xl, y)
    nw = tw.shape[1]
    word_vocab = [""] * nw
    for gram, j in wv.vocabulary_.items():
        word_vocab[j] = gram

    # 2. char n-grams.
    cv = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=p["char_min_df"],
                         dtype=np.float64)
    tc = cv.fit_transform(texts)
    chr_lr = LogisticRegression(C=p["char_c"], max_iter=5000, class_weight="balanced")
    chr_lr.fit(tc, y)
    char_vocab = [""] * tc.shape[1]
    for gram, j in cv.vocabulary_.items():
        char_vocab[j] = gram

    # 3. MLP over [embedding, features], several seeds.
    xm = np.hstack([emb, feats])
    w1, b1, w2, b2, mlps = [], [], [], [], []
    for s in range(int(p["mlp_seeds"])):
        mlp = MLPClassifier((int(p["mlp_hidden"]),), alpha=p["mlp_alpha"], max_iter=300,
                            early_stopping=True, n_iter_no_change=15, random_state=seed + s)
        mlp.fit(xm, y)
        mlps.append(mlp)
        w1.append(mlp.coefs_[0])
        b1.append(mlp.intercepts_[0])
        w2.append(mlp.coefs_[1][:, 0])
        b2.append(mlp.intercepts_[1][0])

    arrays = {
        "word_vocab": _pack_strings(word_vocab),
        "word_idf": wv.idf_.astype(np.float32),
        "word_coef": (ratio * lex.coef_[0][:nw]).astype(np.float32),
        "lex_dense_coef": lex.coef_[0][nw:].astype(np.float32),
        "lex_bias": np.float32(lex.intercept_[0]),
        "char_vocab": _pack_strings(char_vocab),
        "char_idf": cv.idf_.astype(np.float32),
        "char_coef": chr_lr.coef_[0].astype(np.float32),
        "char_bias": np.float32(chr_lr.intercept_[0]),
        "mlp_w1": np.stack(w1).astype(np.float32),
        "mlp_b1": np.stack(b1).astype(np.float32),
        "mlp_w2": np.stack(w2).astype(np.float32),
        "mlp_b2": np.asarray(b2, dtype=np.float32),
    }
    meta = {
        "format": FORMAT,
        "model_name": model_name,
        "dim": int(emb.shape[1]),
        "threshold": float(threshold),
        "feature_names": FEATURE_NAMES,
        "ensemble_weights": list(p["ensemble_weights"]),
        "params": p,
        "n_train": len(texts),
        "n_positive": int(y.sum()),
        "vocab_sizes": {"word": nw, "char": len(char_vocab)},
        "data": "ClaimBuster 2.5xNCS (Arslan et al., ICWSM 2020; CC-BY-4.0)",
    }
    # Self-check: numpy inference must equal scikit-learn's on a few training rows.
    model = CheckworthinessModel(arrays, meta)
    k = min(50, len(texts))
    parts = model.component_scores(texts[:k], emb[:k])
    ref = {
        "lexical": lex.predict_proba(xl[:k])[:, 1],
        "char": chr_lr.predict_proba(tc[:k])[:, 1],
        "mlp": np.mean([m.predict_proba(xm[:k])[:, 1] for m in mlps], axis=0),
    }
    for name, want in ref.items():
        if not np.allclose(parts[name], want, atol=1e-4):
            raise RuntimeError(f"numpy {name} scores differ from scikit-learn's; this is a bug")
    return arrays, meta


def save_weights(arrays: dict[str, np.ndarray], meta: dict[str, Any], path: Path) -> None:
    """Write a weights file atomically (compressed npz, no pickled objects)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**arrays, "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, **payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    with _CACHE_LOCK:
        _CACHE.pop(str(path.resolve()), None)


def f1_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """(F1, precision, recall) of the positive class when ``scores >= threshold``."""
    y = np.asarray(labels).astype(bool)
    pred = np.asarray(scores) >= threshold
    tp = float((pred & y).sum())
    prec = tp / pred.sum() if pred.sum() else 0.0
    rec = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f1, prec, rec


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising the positive-class F1 over thresholds 0.20, 0.21, ..., 0.80."""
    best = (0.5, -1.0)
    for t in np.round(np.arange(0.20, 0.805, 0.01), 2):
        f1 = f1_at(labels, scores, float(t))[0]
        if f1 > best[1]:
            best = (float(t), f1)
    return best
