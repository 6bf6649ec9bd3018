"""The int8 ONNX encoder: all-MiniLM-L6-v2 exported with ``torch.onnx``, dynamically quantised
with ``onnxruntime.quantization`` and run with ``onnxruntime`` and the model's own ``tokenizers``
tokenizer -- no torch, transformers or sentence-transformers import when it runs.

One forward pass gives what the PyTorch encoder's pass gives: the exported graph outputs the
attention-masked mean of every hidden state (the embedding layer first, then each transformer
layer), shape (batch, layers + 1, hidden), and every token state, (batch, layers + 1, seq, hidden)
(export format 2). The sentence embedding is the last pooled row, L2-normalised (the model's
Pooling + Normalize modules); the check-worthiness scorer's reader (:mod:`factcheck.ml.branch`)
takes the token states it needs from the same run (``encode`` fetches only the pooled output).

The export is made once, on first use, from the offline model and kept in the per-user cache
(``Settings.user_cache``, i.e. ``FACTCHECK_CACHE_DIR`` or ``$XDG_CACHE_HOME/factcheck``)::

    onnx/<model>/model.int8.onnx
    onnx/<model>/manifest.json     model, source checksum, opset, quantisation, size, sha256
    onnx/<model>/verified.json     size, mtime and inode of the file when its sha256 last matched

The manifest is written last (temp + ``os.replace``); a file whose size or sha256 differs from
its manifest, or an older export format, is rebuilt. The sha256 is computed again only when the
file changed since it last matched (size, mtime or inode differ from ``verified.json``).

Dynamic quantisation of every MatMul loses
too much (min cosine to fp32 0.88 on ClaimBuster sentences); nine sensitive MatMuls stay in fp32
(``KEEP_FP32``), which brings it to 0.987 at nearly the same speed. Dynamic quantisation scales
activations per batch (padding included), so a text's vector varies slightly with the texts batched
with it (a short sentence alone vs in a batch of 8: cosine 0.976, others >= 0.996); the embedding
cache keeps whichever was computed first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from factcheck.errors import ConfigError

if TYPE_CHECKING:
    from factcheck.ml.branch import StateReader

log = logging.getLogger(__name__)

ENCODER_NAME = "onnx-int8"
EXPORT_FORMAT = 2  # bump when the exported graph or the quantisation recipe changes (2: + "hidden")
OPSET = 17
ONNX_FILE = "model.int8.onnx"
MANIFEST = "manifest.json"
VERIFIED = "verified.json"  # the file state at its last full checksum (see _verified)
# MatMul nodes left in fp32 (the rest are quantised to int8), chosen by sensitivity: quantising one
# node at a time, the FFN output projections (inputs after GELU, with outliers) cost the most
# (min cosine 0.957 for layer 0's alone), then the FFN input projections. Min cosine to fp32 on 400
# ClaimBuster sentences: all int8 0.878; these 6 in fp32 0.980; + FFN inputs of layers 3-5 0.987
# (mean 0.9955); + all FFN inputs 0.993 but ~1.5x slower than this.
KEEP_FP32 = tuple(f"/m/encoder/layer.{i}/output/dense/MatMul" for i in range(6)) + tuple(
    f"/m/encoder/layer.{i}/intermediate/dense/MatMul" for i in (3, 4, 5)
)
_lock = threading.Lock()
QUERY_TEXTS = 8  # calls with at most this many texts may run on a one-thread session (queries)


def model_dir(name: str) -> Path:
    """The folder of a sentence-transformers model: the offline default, or a local path."""
    from factcheck.ml.embedder import model_path

    path = Path(model_path(name)).expanduser()
    if not (path / "tokenizer.json").is_file():
        raise ConfigError(
            f"the onnx-int8 encoder needs a local model folder with tokenizer.json, got {name!r}; "
            f"use FACTCHECK_ENCODER=torch for hub models"
        )
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_checksum(folder: Path) -> str:
    """A cheap fingerprint of the source model: names, sizes and mtimes of its weight files."""
    parts = []
    for p in sorted(folder.glob("*")):
        if p.is_file() and p.suffix in {".safetensors", ".bin", ".json", ".txt"}:
            st = p.stat()
            parts.append(f"{p.name}:{st.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-80:]


def export_dir(cache: Path, name: str) -> Path:
    """Where the export of model `name` lives in the user cache."""
    return Path(cache) / "onnx" / _slug(name)


def _wanted_manifest(name: str, src: Path) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "model": name,
        "source_checksum": _source_checksum(src),
        "opset": OPSET,
        "outputs": "pooled: (batch, layers + 1, hidden) masked mean of each hidden state; "
                   "hidden: (batch, layers + 1, seq, hidden) every token state",
        "max_seq_length": _max_seq_length(src),
        "quantisation": {
            "method": "onnxruntime.quantization.quantize_dynamic",
            "weight_type": "QInt8",
            "op_types": ["MatMul"],
            "nodes_excluded": list(KEEP_FP32),
        },
    }


def _max_seq_length(src: Path) -> int:
    try:
        return int(json.loads((src / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


def check_export(folder: Path, wanted: dict[str, Any]) -> str | None:
    """What is wrong with the export in `folder` (None when it is complete and current)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return "no export yet"
    except (OSError, ValueError) as e:
        return f"unreadable manifest ({e})"
    for key, value in wanted.items():
        if manifest.get(key) != value:
            return f"manifest {key} is {manifest.get(key)!r}, want {value!r}"
    path = folder / ONNX_FILE
    try:
        size = path.stat().st_size
    except OSError:
        return f"{ONNX_FILE} is missing"
    if size != manifest.get("size"):
        return f"{ONNX_FILE} has {size} bytes, the manifest says {manifest.get('size')}"
    if _verified(folder, manifest):
        return None
    if _sha256(path) != manifest.get("sha256"):
        return f"{ONNX_FILE} checksum differs from the manifest (corrupt)"
    _mark_verified(folder, manifest)
    return None


def _file_state(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _verified(folder: Path, manifest: dict[str, Any]) -> bool:
    """True when the export was checksummed before and has not been touched since: the stamp
    names the manifest's sha256 and the file's size, mtime and inode as they were then. Hashing
    74 MB takes longer than answering a query; any write to the file changes its mtime."""
    try:
        stamp = json.loads((folder / VERIFIED).read_text())
        return stamp == {"sha256": manifest.get("sha256"), "file": _file_state(folder / ONNX_FILE)}
    except (OSError, ValueError):
        return False


def _mark_verified(folder: Path, manifest: dict[str, Any]) -> None:
    """Remember that the export matched its checksum (best effort, atomic)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"sha256": manifest.get("sha256"), "file": _file_state(folder / ONNX_FILE)}, f)
        os.replace(tmp, folder / VERIFIED)
    except OSError as e:
        log.info("%s: cannot write %s (%s); the export is checksummed on every load", folder, VERIFIED, e)


def ensure_export(cache: Path, name: str) -> Path:
    """The path of a valid int8 export of model `name`, exporting it first when missing, stale or
    corrupt (needs torch and transformers, once)."""
    src = model_dir(name)
    folder = export_dir(cache, name)
    wanted = _wanted_manifest(name, src)
    with _lock:
        problem = check_export(folder, wanted)
        if problem is None:
            return folder / ONNX_FILE
        log.warning("exporting %s to ONNX int8 in %s (%s); this happens once", name, folder, problem)
        export(src, folder, wanted)
        problem = check_export(folder, wanted)
        if problem is not None:  # pragma: no cover - the export just wrote both files
            raise ConfigError(f"{folder}: the ONNX export did not verify ({problem}); delete the folder")
        return folder / ONNX_FILE


def export(src: Path, folder: Path, manifest: dict[str, Any]) -> None:
    """Export the model in `src` to fp32 ONNX, quantise it, and write file + manifest atomically."""
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as e:
        raise ConfigError(
            f"exporting the ONNX encoder needs torch, transformers and onnxruntime ({e}); "
            f"run `pip install -e .` or set FACTCHECK_ENCODER=torch"
        ) from e
    folder.mkdir(parents=True, exist_ok=True)
    try:  # no "Loading weights" progress bar on the user's terminal
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass
    hf = AutoModel.from_pretrained(str(src)).eval()

    class Pooled(torch.nn.Module):
        """The transformer plus masked mean pooling of every hidden state."""

        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.m(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids, output_hidden_states=True)
            mask = attention_mask.unsqueeze(-1).to(torch.float32)
            count = mask.sum(1).clamp(min=1e-9)
            pooled = torch.stack([(h * mask).sum(1) / count for h in out.hidden_states], 1)
            return pooled, torch.stack(out.hidden_states, 1)

    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / ONNX_FILE
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
            torch.onnx.export(
                Pooled(hf), dummy, str(fp32), input_names=names, output_names=["pooled", "hidden"],
                dynamic_axes={**{k: {0: "batch", 1: "seq"} for k in names}, "pooled": {0: "batch"},
                              "hidden": {0: "batch", 2: "seq"}},
                opset_version=OPSET, dynamo=False,
            )
        quant_log = logging.getLogger()
        level = quant_log.level
        quant_log.setLevel(logging.ERROR)  # quantize_dynamic warns about pre-processing on root
        try:
            quantize_dynamic(
                str(fp32), str(int8), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                nodes_to_exclude=list(manifest["quantisation"]["nodes_excluded"]),
            )
        finally:
            quant_log.setLevel(level)
        final = {**manifest, "size": int8.stat().st_size, "sha256": _sha256(int8)}
        (folder / MANIFEST).unlink(missing_ok=True)  # no manifest names a half-replaced file
        os.replace(int8, folder / ONNX_FILE)
        fd, tmp_manifest = tempfile.mkstemp(dir=folder, suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(final, f, indent=2)
            f.write("\n")
        os.replace(tmp_manifest, folder / MANIFEST)
    log.info("exported %s to %s", src, folder / ONNX_FILE)


class OnnxEncoder:
    """Runs the int8 export with onnxruntime: embeddings, and pooled hidden states for scoring."""

    def __init__(self, name: str, cache: Path) -> None:
        try:
            import onnxruntime  # noqa: F401 - fail here, with the fix, when it is missing
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ConfigError(f"the onnx-int8 encoder needs onnxruntime and tokenizers ({e}); "
                              f"run `pip install -e .` or set FACTCHECK_ENCODER=torch") from e
        self.name = name
        src = model_dir(name)
        self.path = ensure_export(Path(cache), name)
        self.tokenizer = Tokenizer.from_file(str(src / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=_max_seq_length(src))
        self.tokenizer.no_padding()
        # sessions by intra-op threads (0: onnxruntime's default, one per core), opened on first use
        self._sessions: dict[int, Any] = {}
        self._session_lock = threading.Lock()

    def _open(self, threads: int) -> Any:
        """The session with `threads` intra-op threads (opened once)."""
        with self._session_lock:
            if threads not in self._sessions:
                import onnxruntime as ort

                opts = ort.SessionOptions()
                opts.log_severity_level = 3
                opts.intra_op_num_threads = threads
                try:
                    self._sessions[threads] = ort.InferenceSession(
                        str(self.path), opts, providers=["CPUExecutionProvider"])
                except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
                    raise ConfigError(f"{self.path}: onnxruntime cannot load the export ({e}); delete "
                                      f"the folder to rebuild it") from e
            return self._sessions[threads]

    def session_for(self, n_texts: int) -> Any:
        """The session to run `n_texts` texts with. A few texts (a query: up to ``QUERY_TEXTS``) run
        on a one-thread session while no other is open: it opens ~0.2 s faster than one with a
        thread per core (its thread pool), and one short text gains nothing from two threads --
        they only contend on a busy machine. Anything larger opens the default session, which then
        serves every call. Both give the same numbers (same kernels, split differently)."""
        if 0 in self._sessions or n_texts > QUERY_TEXTS:
            return self._open(0)
        return self._open(1)

    @property
    def session(self) -> Any:
        """The default session (a thread per core)."""
        return self._open(0)

    def _meta(self) -> Any:
        """Any open session (opening the one-thread one if none): inputs and output shape."""
        return next(iter(self._sessions.values()), None) or self._open(1)

    @property
    def hidden(self) -> int:
        """Width of the hidden states (and of the embedding)."""
        return int(self._meta().get_outputs()[0].shape[-1])

    @property
    def layers(self) -> int:
        """Transformer layers (the output holds the embedding layer too)."""
        return int(self._meta().get_outputs()[0].shape[1] or 0) - 1

    def get_sentence_embedding_dimension(self) -> int:
        """Width of the sentence embedding."""
        return self.hidden

    get_embedding_dimension = get_sentence_embedding_dimension

    def _pooled(self, texts: Sequence[str], session: Any = None) -> np.ndarray:
        """(n, layers + 1, hidden) masked means of every hidden state, for one batch."""
        return self._run(texts, session, token_states=False)[0]

    def _run(self, texts: Sequence[str], session: Any = None, *, token_states: bool
             ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """One batch: pooled states (n, layers + 1, hidden), every token state (n, layers + 1,
        seq, hidden) when asked (else None), and the attention mask (n, seq)."""
        session = session or self.session
        enc = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), width), np.int64)
        mask = np.zeros((len(enc), width), np.int64)
        for row, e in enumerate(enc):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = e.attention_mask
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in {i.name for i in session.get_inputs()}:
            feeds["token_type_ids"] = np.zeros_like(ids)
        if token_states:
            pooled, hidden = session.run(["pooled", "hidden"], feeds)
            return pooled, hidden, mask
        return session.run(["pooled"], feeds)[0], None, mask

    def encode_pooled(
        self, texts: Sequence[str], batch_size: int = 16, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Pooled hidden states of every layer for texts, batched by length (little padding)."""
        session = self.session_for(len(texts))
        out = np.zeros((len(texts), (self.layers or 6) + 1, self.hidden), np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            out[idx] = self._pooled([texts[j] for j in idx], session)
            if on_batch:
                on_batch(len(idx))
        return out

    def encode(self, texts: Sequence[str], batch_size: int = 16, **_kw: Any) -> np.ndarray:
        """L2-normalised sentence embeddings, (n, hidden) float32."""
        return self.encode_with_states(texts, (), batch_size)[0]

    def encode_with_states(
        self, texts: Sequence[str], layers: Sequence[int] | StateReader, batch_size: int = 16,
        on_batch: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Normalised embeddings (n, hidden) and the scorer's states (n, rows, hidden): the pooled
        states of `layers` (layer numbers), or what a reader makes of each batch's token states."""
        from factcheck.ml.branch import MeanPool, as_reader

        reader = as_reader(layers)
        if not texts:
            return (np.zeros((0, self.hidden), np.float32),
                    np.zeros((0, reader.rows, self.hidden), np.float32))
        if isinstance(reader, MeanPool):  # the graph pools every layer already
            pooled = self.encode_pooled(texts, batch_size, on_batch)
            self._check_layers(reader.layers, pooled.shape[1])
            return self._normalised(pooled[:, -1]), np.ascontiguousarray(pooled[:, list(reader.layers)])
        session = self.session_for(len(texts))
        vecs = np.zeros((len(texts), self.hidden), np.float32)
        states = np.zeros((len(texts), reader.rows, self.hidden), np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            pooled, hidden, mask = self._run([texts[j] for j in idx], session, token_states=True)
            assert hidden is not None
            self._check_layers(reader.layers, hidden.shape[1])
            vecs[idx] = self._normalised(pooled[:, -1])
            states[idx] = reader.pool([hidden[:, k] for k in reader.layers], mask)
            if on_batch:
                on_batch(len(idx))
        return vecs, states

    def _check_layers(self, layers: Sequence[int], available: int) -> None:
        if layers and max(layers) >= available:
            raise ConfigError(
                f"embedding model {self.name!r} has {available - 1} layers, the check-worthiness "
                f"weights read layer {max(layers)}; retrain with scripts/train_checkworthy.py"
            )

    @staticmethod
    def _normalised(emb: np.ndarray) -> np.ndarray:
        emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        return emb.astype(np.float32)


@lru_cache(maxsize=4)
def load_encoder(name: str, cache: str) -> OnnxEncoder:
    """One OnnxEncoder per (model, cache folder) and process."""
    return OnnxEncoder(name, Path(cache))
