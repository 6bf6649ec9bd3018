"""What the check-worthiness scorer reads from the encoder's forward pass, in plain numpy.

The encoder (PyTorch or int8 ONNX) runs once per batch; it hands the token-level hidden states of
the layers a reader asks for, with the attention mask, to the reader's ``pool``, which returns the
scorer's inputs, shape (batch, rows, hidden). The sentence embedding of the same pass is untouched.

- :class:`MeanPool`: the masked mean of each requested layer (the frozen-encoder scorer, format 2).
- :class:`Branch`: a fine-tuned copy of the encoder's top transformer layer(s), fed by layer
  ``input_layer``'s token states, then masked mean pooling (format 3; one row). It is trained by
  ``scripts/train_checkworthy.py`` (PyTorch) and run here with numpy only, so the ONNX encoder
  still imports no torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from factcheck.errors import ConfigError

# names of one branch layer's arrays, in the npz as ``branch.<i>.<name>`` (HF BertLayer weights,
# transposed to (in, out))
LAYER_ARRAYS = ("wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "ln1_g", "ln1_b",
                "wi", "bi", "wf", "bf", "ln2_g", "ln2_b")


class StateReader(Protocol):
    """Turns one batch's token hidden states into the scorer's inputs."""

    layers: tuple[int, ...]  # the encoder layers whose token states ``pool`` needs (0: embeddings)
    rows: int  # rows of the output per text

    def pool(self, hidden: Sequence[np.ndarray], mask: np.ndarray) -> np.ndarray:
        """``hidden[i]``: (batch, seq, width) token states of ``layers[i]``; ``mask``: (batch, seq)
        1 for real tokens. Returns (batch, rows, width) float32."""
        ...


def masked_mean(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens: (batch, seq, width), (batch, seq) -> (batch, width)."""
    m = np.asarray(mask, np.float32)[:, :, None]
    return (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)


class MeanPool:
    """The masked mean of each layer's token states (what format-2 weights read)."""

    def __init__(self, layers: Sequence[int]) -> None:
        self.layers = tuple(int(k) for k in layers)
        self.rows = len(self.layers)

    def pool(self, hidden: Sequence[np.ndarray], mask: np.ndarray) -> np.ndarray:
        """(batch, len(layers), width): the masked mean of each layer."""
        return np.stack([masked_mean(np.asarray(h, np.float32), mask) for h in hidden], 1)


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU (erf), as BERT's "gelu"."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class Branch:
    """Fine-tuned copies of the encoder's top transformer layer(s) over layer ``input_layer``'s
    token states, then the masked mean; after the masked means of the frozen layers ``pooled``
    (if any): (batch, len(pooled) + 1, width).

    The math is a BERT encoder layer (self-attention with ``heads`` heads, residual + LayerNorm,
    GELU feed-forward, residual + LayerNorm); ``scripts/train_checkworthy.py`` trains the same
    layer in PyTorch (tests check both give the same numbers).
    """

    def __init__(self, arrays: dict[str, np.ndarray], input_layer: int, n_layers: int, heads: int,
                 eps: float = 1e-12, pooled: Sequence[int] = ()) -> None:
        missing = [f"branch.{i}.{n}" for i in range(n_layers) for n in LAYER_ARRAYS
                   if f"branch.{i}.{n}" not in arrays]
        if missing:
            raise ConfigError(f"check-worthiness weights lack {missing[0]} (and {len(missing) - 1} "
                              f"more); run scripts/train_checkworthy.py")
        self.params = [{n: np.asarray(arrays[f"branch.{i}.{n}"], np.float32) for n in LAYER_ARRAYS}
                       for i in range(n_layers)]
        self.input_layer = int(input_layer)
        self.pooled = tuple(int(k) for k in pooled)
        self.layers = tuple(sorted({*self.pooled, self.input_layer}))
        self.rows = len(self.pooled) + 1
        self.heads = int(heads)
        self.eps = float(eps)
        self.width = int(self.params[0]["wq"].shape[0])

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
        b, s, h = x.shape
        d = h // self.heads

        def heads(y: np.ndarray) -> np.ndarray:
            return y.reshape(b, s, self.heads, d).transpose(0, 2, 1, 3)

        q = heads(x @ p["wq"] + p["bq"])
        k = heads(x @ p["wk"] + p["bk"])
        v = heads(x @ p["wv"] + p["bv"])
        att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, s, h)
        a = _layer_norm(ctx @ p["wo"] + p["bo"] + x, p["ln1_g"], p["ln1_b"], self.eps)
        f = _gelu(a @ p["wi"] + p["bi"]) @ p["wf"] + p["bf"]
        return _layer_norm(f + a, p["ln2_g"], p["ln2_b"], self.eps)

    def forward(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token states after the branch layers, (batch, seq, width)."""
        x = np.asarray(x, np.float32)
        if x.ndim != 3 or x.shape[2] != self.width:
            raise ConfigError(f"the check-worthiness branch reads hidden states of width {self.width}, "
                              f"got shape {x.shape}; retrain with scripts/train_checkworthy.py")
        m = np.asarray(mask, np.float32)
        bias = ((1.0 - m) * np.float32(-1e9))[:, None, None, :]
        for p in self.params:
            x = self._layer(x, bias, p)
        return x

    def branch_row(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(batch, 1, width): the masked mean of the branch's output tokens."""
        return masked_mean(self.forward(x, mask), mask)[:, None, :].astype(np.float32)

    def pool(self, hidden: Sequence[np.ndarray], mask: np.ndarray) -> np.ndarray:
        """(batch, rows, width): the masked mean of each of the ``pooled`` layers, then the
        branch's row. ``hidden`` holds the token states of ``self.layers``, in that order."""
        by_layer = dict(zip(self.layers, hidden))
        rows = [masked_mean(np.asarray(by_layer[k], np.float32), mask)[:, None, :] for k in self.pooled]
        rows.append(self.branch_row(by_layer[self.input_layer], mask))
        return np.concatenate(rows, 1).astype(np.float32)


def is_reader(layers: object) -> bool:
    """True for a :class:`StateReader`, False for a plain sequence of layer numbers."""
    return hasattr(layers, "pool") and hasattr(layers, "layers")


def as_reader(layers: Sequence[int] | StateReader) -> StateReader:
    """A reader for either form (layer numbers mean :class:`MeanPool`)."""
    if is_reader(layers):
        return layers  # type: ignore[return-value]
    return MeanPool(layers)  # type: ignore[arg-type]
