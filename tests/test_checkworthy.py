import numpy as np
import pytest

from factcheck.checkworthy import (
    DEFAULT_THRESHOLD,
    FEATURE_NAMES,
    CheckworthinessModel,
    classify_type,
    features,
    fit,
    save,
)
from factcheck.errors import ConfigError
from factcheck.models import ClaimType
from factcheck.values import extract_values


def _type(text):
    return classify_type(text, extract_values(text))


@pytest.mark.parametrize(
    "text,expected",
    [
        ('"We cannot in good conscience accede to their request," he wrote.', ClaimType.quote),
        ("The company is valued at $380 billion.", ClaimType.quantity),
        ("xAI became the second company after Anthropic to be approved.", ClaimType.comparison),
        ("President Trump ordered the U.S. government to stop using the products.", ClaimType.policy),
        ("The company is planning to go public this year.", ClaimType.prediction),
        ("The Wall Street Journal first reported the note.", ClaimType.event),
        ("Independent experts say the standoff is highly unusual.", ClaimType.attribution),
        ("Thank you very much.", ClaimType.other),
    ],
)
def test_claim_types(text, expected):
    assert _type(text) is expected


def test_features_are_transparent():
    f = features(["The company is valued at $380 billion in 2025.", "Thank you."])
    assert f.shape == (2, len(FEATURE_NAMES))
    names = dict(zip(FEATURE_NAMES, f[0]))
    assert names["has_digit"] == 1 and names["money"] == 1 and names["year"] == 1
    assert dict(zip(FEATURE_NAMES, f[1]))["thanks"] == 1


def test_shipped_weights_with_the_real_model(st_model):
    model = CheckworthinessModel.load()
    assert model.model_name == "all-MiniLM-L6-v2" and 0.2 <= DEFAULT_THRESHOLD <= 0.8
    yes = ["The company is valued at $380 billion.", "Unemployment fell to 3.5 percent last year."]
    no = ["Thank you very much.", "I think that's a great question."]
    scores = model.score(yes + no, st_model.encode(yes + no, normalize_embeddings=True))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (scores[:2] >= DEFAULT_THRESHOLD).all() and (scores[2:] < DEFAULT_THRESHOLD).all()


def test_wrong_dimension_names_the_retrain_script():
    with pytest.raises(ConfigError, match="train_checkworthy.py"):
        CheckworthinessModel.load().score(["x"], np.zeros((1, 768), np.float32))


def test_fit_save_load_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    texts = ["Taxes rose 5% in 2020."] * 20 + ["Thank you all."] * 20
    labels = np.array([1] * 20 + [0] * 20)
    emb = rng.normal(size=(40, 8)).astype(np.float32)
    m = fit(texts, labels, emb)
    path = tmp_path / "w.npz"
    save(m, path)
    back = CheckworthinessModel.load(path)
    np.testing.assert_allclose(back.score(texts, emb), m.score(texts, emb), rtol=1e-5)
    assert back.score(texts[:1], emb[:1])[0] > back.score(texts[-1:], emb[-1:])[0]
    assert np.load(path, allow_pickle=False)["coef"].shape == (8 + len(FEATURE_NAMES),)
