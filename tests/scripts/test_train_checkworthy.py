"""scripts/train_checkworthy.py on a tiny sample: it runs, saves loadable weights, and the shipped
(numpy) inference gives its training-time (PyTorch) predictions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import train_checkworthy as tc  # noqa: E402

YES = [
    "Unemployment fell to {n} percent last year.",
    "The deficit doubled to ${n} billion in four years.",
    "We cut taxes for {n} million families.",
    "Crime rose {n} percent in our cities since 2015.",
    "The bill passed the Senate {n} to 40.",
]
NO = [
    "Thank you all for being here tonight.",
    "I think that is a great question.",
    "Let me tell you what I believe.",
    "Good evening and welcome to the debate.",
    "We will talk about that later.",
]


def _data(tmp_path: Path) -> Path:
    rows = [{"text": t.format(n=i + 2), "label": 1} for i in range(6) for t in YES]
    rows += [{"text": f"{t} Really {'so ' * (i % 3)}much.", "label": 0} for i in range(6) for t in NO]
    path = tmp_path / "train.json"
    path.write_text(json.dumps(rows))
    return path


def test_training_script_on_a_tiny_sample(st_model, tmp_path, monkeypatch):
    from factcheck.ml.checkworthy import FORMAT, CheckworthinessModel
    from factcheck.ml.embedder import Embedder

    monkeypatch.setattr(tc, "OOF_CACHE", tmp_path / "oof")  # run the CV, not a cached one
    out = tmp_path / "w.npz"
    assert tc.main(["--recipe", "branch", "--data", str(_data(tmp_path)), "--out", str(out),
                    "--epochs", "1"]) == 0
    model = CheckworthinessModel.load(out)
    assert model.meta["format"] == FORMAT and model.branch is not None
    assert 0.2 <= model.threshold <= 0.9 and len(model.meta["cv_fold_thresholds"]) == 4
    data = np.load(out, allow_pickle=False)
    assert "branch.0.wq" in data.files and out.stat().st_size < 20 * 1024 * 1024
    texts = ["Taxes rose 7 percent in 2020.", "Thank you so much, everyone."]
    _, states = Embedder(None, loader=lambda _n: st_model).encode_with_states(texts, model.reads)
    scores = model.score(texts, states)
    assert scores.shape == (2,) and scores[0] > scores[1]


def test_numpy_inference_matches_training(st_model, tmp_path):
    """The shipped inference (numpy branch fed by the encoder pass) equals the PyTorch model the
    training produced, on a fixed sample."""
    from factcheck.ml.embedder import Embedder

    texts, labels = tc.load(_data(tmp_path))
    tokens, frozen = tc.token_states(texts, None), tc.pooled_states(texts, None)
    model = tc.train_branch(texts, labels, tokens, frozen, epochs=1, seed=0)
    expected = tc.torch_scores(model, texts, tokens, frozen)
    np.testing.assert_allclose(tc.branch_scores(model, texts, tokens, frozen), expected, atol=1e-5)
    _, states = Embedder(None, loader=lambda _n: st_model, batch_size=7).encode_with_states(
        texts, model.reads)
    np.testing.assert_allclose(model.score(texts, states), expected, atol=1e-4)
    again = tc.train_branch(texts, labels, tokens, frozen, epochs=1, seed=0)  # fixed seeds
    np.testing.assert_allclose(tc.torch_scores(again, texts, tokens, frozen), expected, atol=1e-5)
