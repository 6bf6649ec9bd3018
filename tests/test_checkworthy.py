"""Check-worthiness scorer (shipped weights, real MiniLM model) and rule-based claim typing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from factcheck.checkworthy import (
    DEFAULT_THRESHOLD,
    FEATURE_NAMES,
    MODEL_NAME,
    WEIGHTS_PATH,
    CheckworthinessModel,
    char_ngrams,
    classify_type,
    features,
    word_ngrams,
)
from factcheck.errors import ConfigError
from factcheck.models import ClaimType, KeyValue, ValueKind
from factcheck.values import extract_values

CHECK_WORTHY = [
    "The company is valued at $380 billion.",
    "Unemployment fell to 3.5 percent last year.",
    "We have lost 9 million jobs since 2008.",
    "The federal deficit tripled to $1.4 trillion between 2007 and 2009.",
]
NOT_CHECK_WORTHY = [
    "Thank you very much.",
    "I think that's a great question.",
    "Well, let me say this.",
    "Good evening, ladies and gentlemen.",
]


def _kv(kind: ValueKind, text: str = "x") -> KeyValue:
    return KeyValue(kind=kind, text=text, start=0, end=len(text))


def _type(text: str) -> ClaimType:
    return classify_type(text, extract_values(text, 0))


# -- claim typing (no model) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The reference article.
        ("President Trump ordered the U.S. government on Friday to stop using the artificial "
         "intelligence company Anthropic's products.", ClaimType.policy),
        ("\"The Leftwing nut jobs at Anthropic have made a DISASTROUS MISTAKE trying to "
         "STRONG-ARM the Department of War,\" Trump wrote in his post.", ClaimType.quote),
        ("\"Therefore, I am directing EVERY Federal Agency in the United States Government to "
         "IMMEDIATELY CEASE all use of Anthropic's technology.", ClaimType.quote),
        ("We don't need it, we don't want it, and will not do business with them again!\"",
         ClaimType.quote),
        ("The government ban comes at a time when Anthropic is under heightened scrutiny, since "
         "the company, which is valued at $380 billion, is planning to go public this year.",
         ClaimType.quantity),
        ("This week, xAI became the second company after Anthropic to be approved for use in "
         "classified settings.", ClaimType.comparison),
        ("The Pentagon said it had nothing to add to the president's announcement.",
         ClaimType.attribution),
        ("He said there would be a six-month phaseout of Anthropic's products.",
         ClaimType.prediction),
        # Generic cases.
        ("Exports grew faster than imports in the second quarter.", ClaimType.comparison),
        ("Texas has more oil wells than any other state.", ClaimType.comparison),
        ("The new law prohibits the sale of flavoured tobacco.", ClaimType.policy),
        ("The company is expected to release the results next month.", ClaimType.prediction),
        ("The bridge collapsed on Monday.", ClaimType.event),
        ("The treaty talks collapsed on Monday.", ClaimType.policy),  # policy outranks event
        ("The minister resigned in 2019.", ClaimType.event),
        ("According to the ministry, the bridge is safe.", ClaimType.attribution),
        ("It's a lovely day.", ClaimType.other),
    ],
)
def test_classify_type_examples(text: str, expected: ClaimType) -> None:
    assert _type(text) == expected


def test_classify_type_uses_key_values_and_priority() -> None:
    plain = "Officials confirmed the figure."
    assert classify_type(plain, []) == ClaimType.attribution
    assert classify_type(plain, [_kv(ValueKind.count, "12 deaths")]) == ClaimType.quantity
    # Short quoted phrases (< 3 words) do not make a quote; the attribution wins.
    assert classify_type('Altman said he shares the "red lines" of others.', []) == (
        ClaimType.attribution
    )
    # A quote outranks everything else, even a number and a comparison.
    text = '"We grew revenue more than 40 percent," the chief executive said.'
    assert classify_type(text, extract_values(text, 0)) == ClaimType.quote
    # A past-tense action needs a date or time to be an event.
    assert classify_type("The committee approved the merger.", []) == ClaimType.other
    assert classify_type("The committee approved the merger.", [_kv(ValueKind.date, "May")]) == (
        ClaimType.event
    )
    assert classify_type("", []) == ClaimType.other


# -- features and n-grams (no model) --------------------------------------------------------------


def test_features_shape_range_and_names() -> None:
    texts = CHECK_WORTHY + NOT_CHECK_WORTHY + ["", "?"]
    x = features(texts)
    assert x.shape == (len(texts), len(FEATURE_NAMES))
    assert x.dtype == np.float32
    assert np.all((x >= 0) & (x <= 1))
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_features_fire_on_their_cues() -> None:
    def row(text: str) -> dict[str, float]:
        return dict(zip(FEATURE_NAMES, features([text])[0].tolist()))

    f = row("Unemployment fell to 3.5 percent in 2019, more than economists expected.")
    assert f["has_digit"] == f["percent"] == f["year"] == f["comparative"] == 1.0
    assert f["money"] == 0.0 and f["question"] == 0.0
    f = row("The company is valued at $380 billion, Reuters reported.")
    assert f["money"] == f["big_number"] == f["attribution"] == 1.0
    assert f["capitalised_words"] > 0
    f = row("I think you might be right, don't you?")
    assert f["opinion"] == f["hedge"] == f["question"] == f["second_person"] == 1.0
    assert f["first_person_singular"] == f["negation"] == 1.0
    assert f["has_digit"] == f["money"] == f["first_person_plural"] == 0.0
    assert row("Thank you very much.")["courtesy"] == 1.0
    assert row("She was the first woman to win the race.")["ordinal_rank"] == 1.0


def test_ngrams_normalise_digits_and_case() -> None:
    assert word_ngrams("Up 3.5% in 2019?") == [
        "up", "0", "0", "%", "in", "0000", "?", "up 0", "0 0", "0 %", "% in", "in 0000",
        "0000 ?",
    ]
    grams = char_ngrams("Tax 10")
    assert " t" in grams and "tax " in grams and " 00 " in grams
    assert char_ngrams("") == []


def test_char_ngrams_match_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from factcheck.checkworthy import normalise_text

    text = "A fine, day: x yz. The $5 'tax' was 12.5 percent!"
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert sorted(char_ngrams(text)) == sorted(ref(normalise_text(text)))


# -- the shipped weights --------------------------------------------------------------------------


def test_weights_file_is_small_and_pickle_free() -> None:
    assert WEIGHTS_PATH.stat().st_size < 5_000_000
    with np.load(WEIGHTS_PATH, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    model = CheckworthinessModel.load()
    assert model is CheckworthinessModel.load()  # cached
    assert model.model_name == MODEL_NAME == "all-MiniLM-L6-v2"
    assert model.feature_names == FEATURE_NAMES
    assert 0.2 <= DEFAULT_THRESHOLD <= 0.8
    assert model.threshold == pytest.approx(DEFAULT_THRESHOLD)
    assert model.meta["cv"]["f1"] > 0.78
    side = json.loads(WEIGHTS_PATH.with_suffix(".json").read_text())
    assert side["threshold"] == pytest.approx(DEFAULT_THRESHOLD)


def test_missing_or_bad_weights_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="train_checkworthy"):
        CheckworthinessModel.load(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="train_checkworthy"):
        CheckworthinessModel.load(bad)


def test_wrong_dimension_raises_config_error() -> None:
    model = CheckworthinessModel.load()
    emb = np.random.default_rng(0).normal(size=(2, 768)).astype(np.float32)
    with pytest.raises(ConfigError) as err:
        model.score(["One.", "Two."], emb)
    msg = str(err.value)
    assert "all-MiniLM-L6-v2" in msg and "python scripts/train_checkworthy.py --model NAME" in msg
    with pytest.raises(ConfigError):
        model.score(["One."], np.zeros(384, dtype=np.float32))


def test_empty_input() -> None:
    assert CheckworthinessModel.load().score([], np.zeros((0, 384), np.float32)).shape == (0,)


@pytest.mark.slow
def test_scores_with_the_real_model(st_model) -> None:
    model = CheckworthinessModel.load()
    texts = CHECK_WORTHY + NOT_CHECK_WORTHY
    emb = st_model.encode(texts, normalize_embeddings=True)
    scores = model.score(texts, emb)
    assert scores.shape == (len(texts),) and scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1))
    for text, s in zip(CHECK_WORTHY, scores[: len(CHECK_WORTHY)]):
        assert s > DEFAULT_THRESHOLD, (text, s)
    for text, s in zip(NOT_CHECK_WORTHY, scores[len(CHECK_WORTHY) :]):
        assert s < DEFAULT_THRESHOLD, (text, s)
    parts = model.component_scores(texts, emb)
    assert set(parts) == {"lexical", "char", "mlp"}
    assert np.allclose(np.mean(list(parts.values()), axis=0), scores, atol=1e-5)
    # Scores do not depend on batch composition.
    assert model.score(texts[:1], emb[:1])[0] == pytest.approx(scores[0], abs=1e-6)
    assert "money" in model.feature_contributions(CHECK_WORTHY[0])


@pytest.mark.slow
def test_sample_article_ranks_factual_sentences_high(st_model, sample_text: str) -> None:
    model = CheckworthinessModel.load()
    texts = [
        "The government ban comes at a time when Anthropic is under heightened scrutiny, since "
        "the company, which is valued at $380 billion, is planning to go public this year.",
        "Defense Department officials had given Anthropic a deadline of 5:01 p.m.",
        "\"I think it's reflective of the nature of AI.\"",
        "OpenAI expressed similar concerns",
    ]
    assert all(t.strip('"') in sample_text for t in texts)
    scores = model.score(texts, st_model.encode(texts, normalize_embeddings=True))
    assert min(scores[:2]) > DEFAULT_THRESHOLD > max(scores[2:])


def test_retrain_on_a_tiny_set_round_trips(tmp_path: Path) -> None:
    from factcheck.checkworthy import save_weights, train

    rng = np.random.default_rng(0)
    texts = CHECK_WORTHY * 5 + NOT_CHECK_WORTHY * 5
    labels = np.array([1] * 20 + [0] * 20)
    emb = rng.normal(size=(40, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    arrays, meta = train(texts, labels, emb, model_name="tiny-test",
                         params={"mlp_seeds": 1, "mlp_hidden": 8, "word_min_df": 1,
                                 "char_min_df": 1}, threshold=0.4)
    path = tmp_path / "w.npz"
    save_weights(arrays, meta, path)
    model = CheckworthinessModel.load(path)
    assert model.model_name == "tiny-test" and model.dim == 8 and model.threshold == 0.4
    scores = model.score(texts, emb)
    assert scores[:20].mean() > scores[20:].mean()
    with pytest.raises(ConfigError, match="tiny-test"):
        model.score(texts[:1], np.zeros((1, 384), np.float32))
