"""Embedder: the one forward pass that gives both the sentence embedding and the scorer's states."""

import numpy as np
import pytest

from factcheck.errors import ConfigError
from factcheck.ml.embedder import Embedder

TEXTS = [
    "The company is valued at $380 billion.",
    "Thank you.",
    "President Trump ordered federal agencies to stop using Anthropic's products within six months.",
    "The company is valued at $380 billion.",  # a duplicate
]


def test_states_pass_gives_the_same_embeddings_as_encode(st_model):
    emb = Embedder(None, loader=lambda _n: st_model, batch_size=2)
    batches = []
    vecs, states = emb.encode_with_states(TEXTS, (2, 6), on_batch=batches.append)
    ref = st_model.encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(vecs, ref, atol=1e-5)
    assert states.shape == (4, 2, 384)
    assert sum(batches) == 4 and len(batches) == 2
    # layer 6 mean-pooled, normalised, is the sentence embedding of this mean-pooling model
    last = states[:, 1] / np.linalg.norm(states[:, 1], axis=1, keepdims=True)
    np.testing.assert_allclose(last, ref, atol=1e-5)
    assert not np.allclose(states[:, 0], states[:, 1])


def test_states_pass_caches_embeddings_once(fake_ws):
    emb = fake_ws.embedder
    vecs, states = emb.embed_with_states(TEXTS, (1, 2))
    assert vecs.shape == (4, 384) and states.shape == (4, 2, 384)
    assert emb.encoded == 3  # the duplicate ran once
    np.testing.assert_array_equal(vecs[0], vecs[3])
    from factcheck.text.sentences import text_hash

    assert len(fake_ws.store.cached_vectors(emb.model_name, [text_hash(t) for t in TEXTS])) == 3
    before = emb.encoded
    np.testing.assert_allclose(emb.embed(TEXTS), vecs)  # embeddings now come from the cache
    assert emb.encoded == before


def test_sentence_scores_are_remembered(fake_ws):
    first = fake_ws.sentence_scores(TEXTS)
    assert first.shape == (4,) and ((first >= 0) & (first <= 1)).all() and first[0] == first[3]
    encoded = fake_ws.embedder.encoded
    np.testing.assert_array_equal(fake_ws.sentence_scores(TEXTS[:2]), first[:2])
    assert fake_ws.embedder.encoded == encoded


def test_model_without_hidden_states_is_a_clear_error():
    class Static:
        def __getitem__(self, _i):
            return object()

        def get_sentence_embedding_dimension(self):
            return 8

    emb = Embedder("static-model", loader=lambda _n: Static())
    with pytest.raises(ConfigError, match="static-model.*hidden states.*train_checkworthy.py"):
        emb.encode_with_states(["x"], (2,))


def test_too_few_layers_is_a_clear_error(st_model):
    emb = Embedder(None, loader=lambda _n: st_model)
    with pytest.raises(ConfigError, match="6 layers.*layer 9.*train_checkworthy.py"):
        emb.encode_with_states(["x"], (9,))


def test_sentence_scores_in_chunks_equal_one_call(fake_ws, monkeypatch):
    import factcheck.workspace

    texts = [f"Taxes rose {i}% in {2000 + i}." for i in range(7)] + TEXTS
    whole = fake_ws.sentence_scores(texts)
    fake_ws._scores.clear()
    monkeypatch.setattr(factcheck.workspace, "SCORE_CHUNK", 3)
    seen = []
    np.testing.assert_allclose(fake_ws.sentence_scores(texts, on_batch=seen.append), whole, rtol=1e-6)
    assert len(seen) == 4 and sum(seen) == 10  # 10 distinct texts in chunks of 3
