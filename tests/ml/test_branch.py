"""The scorer's readers of the encoder pass: mean pooling and the fine-tuned branch (numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from factcheck.errors import ConfigError
from factcheck.ml.branch import LAYER_ARRAYS, Branch, MeanPool, as_reader, masked_mean


def _random_branch(width: int = 8, heads: int = 2, seed: int = 0) -> Branch:
    rng = np.random.default_rng(seed)
    shapes = {"wq": (width, width), "wk": (width, width), "wv": (width, width), "wo": (width, width),
              "wi": (width, 4 * width), "bi": (4 * width,), "wf": (4 * width, width)}
    arrays = {f"branch.0.{n}": rng.normal(scale=0.3, size=shapes.get(n, (width,))).astype(np.float32)
              for n in LAYER_ARRAYS}
    return Branch(arrays, input_layer=3, n_layers=1, heads=heads)


def test_mean_pool_ignores_padding():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(2, 5, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    out = MeanPool((2, 6)).pool([h, 2 * h], mask)
    assert out.shape == (2, 2, 4)
    np.testing.assert_allclose(out[0, 0], h[0, :3].mean(0), rtol=1e-6)
    np.testing.assert_allclose(out[1, 1], 2 * h[1].mean(0), rtol=1e-6)
    assert as_reader((2, 6)).layers == (2, 6) and as_reader(_random_branch()).rows == 1


def test_branch_output_does_not_depend_on_padding():
    branch = _random_branch()
    rng = np.random.default_rng(1)
    short = rng.normal(size=(1, 3, 8)).astype(np.float32)
    longer = rng.normal(size=(1, 6, 8)).astype(np.float32)
    alone = branch.pool([short], np.ones((1, 3)))
    batch = np.zeros((2, 6, 8), np.float32)
    batch[0, :3], batch[1] = short[0], longer[0]
    mask = np.array([[1, 1, 1, 0, 0, 0], [1] * 6])
    together = branch.pool([batch], mask)
    assert together.shape == (2, 1, 8) and branch.layers == (3,)
    np.testing.assert_allclose(together[0], alone[0], atol=1e-5)
    assert not np.allclose(masked_mean(batch, mask)[0], together[0, 0])  # the layer did something


def test_branch_errors_name_the_fix():
    arrays = {f"branch.0.{n}": np.zeros(2, np.float32) for n in LAYER_ARRAYS if n != "wq"}
    with pytest.raises(ConfigError, match="branch.0.wq.*train_checkworthy.py"):
        Branch(arrays, 5, 1, 12)
    with pytest.raises(ConfigError, match="width 8.*train_checkworthy.py"):
        _random_branch().pool([np.zeros((1, 2, 16), np.float32)], np.ones((1, 2)))


def test_branch_with_the_pretrained_layer_is_the_encoders_next_layer(st_model):
    """Loaded with the model's own layer 6, the numpy branch over layer 5's token states gives
    layer 6's token states (the PyTorch encoder's): the numpy math is a BERT layer."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from train_checkworthy import hf_layer_arrays, hf_model

    from factcheck.ml.embedder import st_token_states

    hf = hf_model(st_model)
    arrays = {f"branch.0.{k}": v for k, v in hf_layer_arrays(hf.encoder.layer[5]).items()}
    branch = Branch(arrays, 5, 1, hf.config.num_attention_heads, hf.config.layer_norm_eps)
    texts = ["The company is valued at $380 billion.", "Thank you very much.",
             "Unemployment fell to 3.5 percent last year, the lowest since 1969."]
    for _idx, _emb, hidden, mask in st_token_states(st_model, "m", texts, (5, 6), 8):
        m = mask.numpy()
        out = branch.forward(hidden[0].numpy(), m)
        real = m.astype(bool)
        np.testing.assert_allclose(out[real], hidden[1].numpy()[real], atol=1e-4)


def test_branch_rows_follow_the_frozen_means():
    """With ``pooled`` layers, the rows are their masked means, then the branch's row."""
    plain = _random_branch()
    arrays = {f"branch.0.{n}": v for n, v in zip(LAYER_ARRAYS, plain.params[0].values())}
    branch = Branch(arrays, input_layer=3, n_layers=1, heads=2, pooled=(1, 3))
    assert branch.layers == (1, 3) and branch.rows == 3
    rng = np.random.default_rng(2)
    h1, h3 = rng.normal(size=(2, 2, 4, 8)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]])
    out = branch.pool([h1, h3], mask)
    assert out.shape == (2, 3, 8)
    np.testing.assert_allclose(out[:, 0], masked_mean(h1, mask), rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], masked_mean(h3, mask), rtol=1e-6)
    np.testing.assert_allclose(out[:, 2:], plain.pool([h3], mask), rtol=1e-6)
