"""Learning from the desk: labels from reviews, the adapted scorer, its file beside the database."""

from __future__ import annotations

import numpy as np
import pytest

from factcheck.errors import InputError
from factcheck.ml.adapt import adapt
from factcheck.ml.checkworthy import CheckworthinessModel, f1_at
from factcheck.services import review
from factcheck.services.extract import extract_paths
from factcheck.services.train import (
    adapted_weights_path,
    desk_labels,
    reset_adapted,
    train_from_reviews,
)
from tests.conftest import SAMPLE_ARTICLE


def test_too_few_labels_is_refused(fake_ws):
    extract_paths(fake_ws, [str(SAMPLE_ARTICLE)])
    claims = fake_ws.store.list_claims()
    review.dismiss_claim(fake_ws, claims[0].id, "ann")
    review.set_verdict(fake_ws, claims[1].id, "True", "ann")
    assert sorted(label for _, label in desk_labels(fake_ws)) == [0, 1]
    with pytest.raises(InputError, match="too few review decisions.*1 kept and 1 dismissed"):
        train_from_reviews(fake_ws)
    assert not adapted_weights_path(fake_ws.settings).exists()


def test_adapt_pulls_towards_the_base_weights():
    base = CheckworthinessModel.load()
    rng = np.random.default_rng(0)
    n, layers, width = 80, base.state_rows, base.hidden_size
    k = layers * width  # hidden states distributed as the base training data's
    mean, std = base.arrays["mean"][:k], base.arrays["std"][:k]
    states = (mean + std * rng.normal(size=(n, k))).reshape(n, layers, width).astype(np.float32)
    texts = [f"Sentence number {i} about things." for i in range(n)]
    y = (states[:, 0, 0] > 0).astype(int)  # a desk rule the base model knows nothing about
    near = adapt(base, texts, y, states, lam=1e6)
    assert np.allclose(near.arrays["coef"], base.arrays["coef"], atol=1e-3)
    free = adapt(base, texts, y, states, lam=1e-3)
    before = f1_at(y, base.score(texts, states), base.threshold)[2]
    after = f1_at(y, free.score(texts, states), base.threshold)[2]
    assert after > before + 0.2 and after > 0.9
    assert free.meta["adapted"]["labels"] == n and free.threshold == base.threshold


def test_train_from_reviews_with_the_real_model(real_ws):
    extract_paths(real_ws, [str(SAMPLE_ARTICLE)], min_score=0.0)  # every sentence, to label
    claims = sorted(real_ws.store.list_claims(), key=lambda c: c.score)
    assert len(claims) >= 36
    # a desk with its own idea: it keeps the sentences that name the Pentagon, Trump or a number
    for c in claims:
        if any(ch.isdigit() for ch in c.text) or any(w in c.text for w in ("Pentagon", "Trump")):
            review.set_verdict(real_ws, c.id, "True", "ann")
        else:
            review.dismiss_claim(real_ws, c.id, "ann")
    labels = desk_labels(real_ws)
    assert 8 <= sum(y for _, y in labels) <= len(labels) - 8
    before = real_ws.sentence_scores([claims[0].text])[0]
    report = train_from_reviews(real_ws)
    path = adapted_weights_path(real_ws.settings)
    assert report.path == str(path) and path.exists()
    assert report.labels == len(labels) and report.held_back >= 2
    assert 0.0 <= report.before.f1 <= 1.0 and 0.0 <= report.after.f1 <= 1.0
    scorer = real_ws.scorer  # reloaded from the adapted file
    assert scorer.meta["adapted"]["labels"] == len(labels)
    after = real_ws.sentence_scores([claims[0].text])[0]
    assert after != pytest.approx(before, abs=1e-6)
    assert reset_adapted(real_ws) == path and not path.exists()
    assert "adapted" not in real_ws.scorer.meta
