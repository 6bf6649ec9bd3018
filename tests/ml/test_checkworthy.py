import numpy as np
import pytest

from factcheck.errors import ConfigError
from factcheck.ml.checkworthy import (
    DEFAULT_THRESHOLD,
    FEATURE_NAMES,
    CheckworthinessModel,
    classify_type,
    features,
    fit,
    save,
)
from factcheck.models import ClaimType
from factcheck.text.values import extract_values


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


def _states(st_model, texts, layers):
    from factcheck.ml.embedder import Embedder

    return Embedder(None, loader=lambda _n: st_model).encode_with_states(texts, layers)[1]


def test_shipped_weights_with_the_real_model(st_model):
    model = CheckworthinessModel.load()
    assert model.model_name == "all-MiniLM-L6-v2" and 0.2 <= DEFAULT_THRESHOLD <= 0.8
    assert model.meta["cv_best_f1"] >= 0.82  # what scripts/train_checkworthy.py measured
    yes = ["The company is valued at $380 billion.", "Unemployment fell to 3.5 percent last year."]
    no = ["Thank you very much.", "I think that's a great question."]
    scores = model.score(yes + no, _states(st_model, yes + no, model.reads))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (scores[:2] >= DEFAULT_THRESHOLD).all() and (scores[2:] < DEFAULT_THRESHOLD).all()
    assert scores[:2].min() > scores[2:].max() + 0.2


def test_shipped_weights_file_is_small_and_pickle_free():
    from factcheck.ml.checkworthy import WEIGHTS

    assert WEIGHTS.stat().st_size <= 20 * 1024 * 1024
    data = np.load(WEIGHTS, allow_pickle=False)  # raises on object arrays
    assert all(data[k].dtype != object for k in data.files)
    model = CheckworthinessModel.load()
    if model.branch is not None:  # the fine-tuned branch: one row of pooled width per text
        assert model.state_rows == 1 and model.hidden_size == model.branch.width == 384
        assert model.reads is model.branch and model.layers == (model.branch.input_layer,)


def test_wrong_shape_names_the_retrain_script():
    model = CheckworthinessModel.load()
    with pytest.raises(ConfigError, match="train_checkworthy.py"):
        model.score(["x"], np.zeros((1, model.state_rows, 768), np.float32))
    with pytest.raises(ConfigError, match="train_checkworthy.py"):
        model.score(["x"], np.zeros((1, 384), np.float32))


def test_old_or_broken_weights_name_the_retrain_script(tmp_path):
    old = tmp_path / "old.npz"
    np.savez(old, coef=np.zeros(3), intercept=0.0, threshold=0.5, meta=np.array("{}"))
    with pytest.raises(ConfigError, match="format 1.*train_checkworthy.py"):
        CheckworthinessModel.load(old)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="junk.npz.*train_checkworthy.py"):
        CheckworthinessModel.load(junk)


def _toy():
    rng = np.random.default_rng(0)
    texts = [f"Taxes rose {i}% in 2020 under the new budget law." for i in range(20)]
    texts += [f"Thank you all, it is good to be here {'again ' * (i % 3)}tonight." for i in range(20)]
    labels = np.array([1] * 20 + [0] * 20)
    states = rng.normal(size=(40, 2, 8)).astype(np.float32)
    return texts, labels, states


def test_fit_save_load_roundtrip(tmp_path):
    texts, labels, states = _toy()
    m = fit(texts, labels, states, layers=(1, 2), c=1.0)
    path = tmp_path / "w.npz"
    save(m, path)
    back = CheckworthinessModel.load(path)
    assert back.layers == (1, 2) and back.hidden_size == 8
    np.testing.assert_allclose(back.score(texts, states), m.score(texts, states), rtol=1e-5)
    assert back.score(texts[:1], states[:1])[0] > back.score(texts[-1:], states[-1:])[0]
    data = np.load(path, allow_pickle=False)
    assert data["coef"].shape == (2 * 8 + len(FEATURE_NAMES),)


def test_word_model_matches_scikit_learn():
    """The numpy TF-IDF inference equals scikit-learn's vectorizer + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels, states = _toy()
    m = fit(texts, labels, states, layers=(1, 2), c_words=4.0)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    lr = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced")
    lr.fit(vec.fit_transform(texts), labels)
    unseen = ["Taxes rose again and again in 2021!", "Nothing we know.", "", "THANK YOU tonight, tonight"]
    np.testing.assert_allclose(
        m._word_proba(texts + unseen), lr.predict_proba(vec.transform(texts + unseen))[:, 1], rtol=1e-4
    )
