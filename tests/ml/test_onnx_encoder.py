"""The int8 ONNX encoder: export, manifest checks, rebuild of a corrupt export, and agreement
with the PyTorch encoder on real sentences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from factcheck.config import DEFAULT_MODEL
from factcheck.ml import onnx_encoder as oe
from factcheck.ml.embedder import Embedder, cache_key

SAMPLE = [
    "The unemployment rate fell to 3.5 percent in September, the lowest since 1969.",
    "Thank you very much.",
    "President Trump ordered federal agencies to stop using Anthropic's products within six months.",
    "We spent $4.2 billion on the program last year, twice what Congress approved.",
    "I think that's right.",
    '"We will not back down," the senator said on Tuesday.',
    "Crime in our cities has risen 30 percent since 2015.",
    "Good evening, and welcome.",
]


@pytest.fixture(scope="module")
def export_cache(onnx_cache) -> Path:
    """A user cache holding a real int8 export of the default model (conftest's, exported once)."""
    return onnx_cache


@pytest.mark.slow
def test_int8_embeddings_and_states_match_pytorch(export_cache, st_model, sample_text):
    from factcheck.text.sentences import split_sentences

    texts = SAMPLE + [sample_text[a:b] for a, b in split_sentences(sample_text)][:40]
    layers = (2, 3, 4, 5, 6)
    torch_emb = Embedder(None, loader=lambda _n: st_model, batch_size=8)
    onnx_emb = Embedder(None, encoder="onnx-int8", cache_dir=export_cache, batch_size=8)
    assert torch_emb.encoder == "torch" and onnx_emb.encoder == "onnx-int8"
    ref_v, ref_s = torch_emb.encode_with_states(texts, layers)
    seen: list[int] = []
    v, s = onnx_emb.encode_with_states(texts, layers, on_batch=seen.append)
    assert v.shape == ref_v.shape and s.shape == ref_s.shape and sum(seen) == len(texts)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    cos = (v * ref_v).sum(1)
    assert cos.min() >= 0.98, cos.min()
    for k in range(len(layers)):
        a, b = s[:, k], ref_s[:, k]
        layer_cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        assert layer_cos.min() >= 0.98, (layers[k], layer_cos.min())
    # encode() gives the same vectors as the states pass
    np.testing.assert_allclose(onnx_emb.encode(texts), v, atol=1e-5)
    # dynamic int8 quantises activations per batch, so a text's vector depends a little on the texts
    # batched with it (the quantisation range): measured 0.976 for "Thank you very much." alone vs
    # batched (the others >= 0.996)
    one = Embedder(None, encoder="onnx-int8", cache_dir=export_cache, batch_size=1).encode(texts[:4])
    assert (one * v[:4]).sum(1).min() >= 0.97 and (one * ref_v[:4]).sum(1).min() >= 0.97
    assert onnx_emb.dimension == 384


@pytest.mark.slow
def test_int8_check_worthiness_scores_match_pytorch(export_cache, st_model):
    """The shipped scorer (its branch reads token states of the pass) scores alike on both
    encoders, and the embedding of that pass is the one encode() gives."""
    from factcheck.ml.checkworthy import CheckworthinessModel

    scorer = CheckworthinessModel.load()
    torch_emb = Embedder(None, loader=lambda _n: st_model, batch_size=4)
    onnx_emb = Embedder(None, encoder="onnx-int8", cache_dir=export_cache, batch_size=4)
    ref_v, ref_s = torch_emb.encode_with_states(SAMPLE, scorer.reads)
    v, s = onnx_emb.encode_with_states(SAMPLE, scorer.reads)
    assert s.shape == ref_s.shape == (len(SAMPLE), scorer.state_rows, scorer.hidden_size)
    np.testing.assert_allclose(onnx_emb.encode(SAMPLE), v, atol=1e-5)
    np.testing.assert_allclose(torch_emb.encode(SAMPLE), ref_v, atol=1e-5)
    ref, got = scorer.score(SAMPLE, ref_s), scorer.score(SAMPLE, s)
    assert np.abs(ref - got).max() < 0.06, (ref, got)
    t = scorer.threshold
    assert [x >= t for x in ref] == [x >= t for x in got] or np.abs(ref - t).min() < 0.06


@pytest.mark.slow
def test_queries_run_on_a_one_thread_session_with_the_same_numbers(export_cache):
    enc = oe.OnnxEncoder(DEFAULT_MODEL, export_cache)
    assert enc._sessions == {}  # nothing opened before the first text
    one = enc.encode(SAMPLE[:2])
    assert set(enc._sessions) == {1}  # a query: the one-thread session only
    assert enc.get_sentence_embedding_dimension() == 384 and enc.layers == 6
    many = enc.encode(SAMPLE * 2)  # more than QUERY_TEXTS: the default session, from now on
    assert len(SAMPLE) * 2 > oe.QUERY_TEXTS and set(enc._sessions) == {0, 1}
    again = enc.encode(SAMPLE[:2])
    np.testing.assert_array_equal(one, again)  # same kernels, same floats, whatever the threads
    fresh = oe.OnnxEncoder(DEFAULT_MODEL, export_cache)
    np.testing.assert_array_equal(fresh.encode(SAMPLE * 2), many)
    assert set(fresh._sessions) == {0}


@pytest.mark.slow
def test_query_path_imports_no_torch(export_cache):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from factcheck.ml.embedder import Embedder\n"
        f"e = Embedder(None, encoder='onnx-int8', cache_dir={str(export_cache)!r})\n"
        "v = e.encode(['The deficit doubled in four years.'])\n"
        "assert v.shape == (1, 384)\n"
        "from factcheck.ml.checkworthy import CheckworthinessModel\n"
        "m = CheckworthinessModel.load()\n"
        "texts = ['The deficit doubled in four years.', 'Thank you.']\n"
        "assert m.score(texts, e.encode_with_states(texts, m.reads)[1]).shape == (2,)\n"
        "bad = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print(','.join(bad) or 'clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "clean", out.stdout + out.stderr


@pytest.mark.slow
def test_corrupt_export_is_detected_and_rebuilt(export_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(export_cache, cache)
    folder = oe.export_dir(cache, DEFAULT_MODEL)
    good = (folder / oe.ONNX_FILE).read_bytes()
    wanted = oe._wanted_manifest(DEFAULT_MODEL, oe.model_dir(DEFAULT_MODEL))
    assert oe.check_export(folder, wanted) is None
    # same size, some bytes flipped in the middle: only the checksum can tell
    data = bytearray(good)
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    (folder / oe.ONNX_FILE).write_bytes(bytes(data))
    assert "checksum" in oe.check_export(folder, wanted)
    path = oe.ensure_export(cache, DEFAULT_MODEL)  # the real export runs again
    assert oe.check_export(folder, wanted) is None
    assert path.read_bytes() != bytes(data)
    assert not list(folder.glob("tmp*")), "temporary files left behind"
    enc = oe.OnnxEncoder(DEFAULT_MODEL, cache)
    assert enc.encode(["It works again."]).shape == (1, 384)


def _fake_export(folder: Path, wanted: dict, payload: bytes = b"onnx bytes") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / oe.ONNX_FILE).write_bytes(payload)
    import hashlib

    manifest = {**wanted, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    (folder / oe.MANIFEST).write_text(json.dumps(manifest))


def test_manifest_is_checked(tmp_path):
    wanted = oe._wanted_manifest(DEFAULT_MODEL, oe.model_dir(DEFAULT_MODEL))
    assert {"model", "opset", "quantisation", "source_checksum"} <= set(wanted)
    assert wanted["quantisation"]["nodes_excluded"] == list(oe.KEEP_FP32)
    folder = tmp_path / "e"
    assert oe.check_export(folder, wanted) == "no export yet"
    _fake_export(folder, wanted)
    assert oe.check_export(folder, wanted) is None
    assert "opset" in oe.check_export(folder, {**wanted, "opset": oe.OPSET + 1})
    assert "quantisation" in oe.check_export(folder, {**wanted, "quantisation": {"method": "static"}})
    (folder / oe.ONNX_FILE).write_bytes(b"onnx")  # truncated
    assert "bytes" in oe.check_export(folder, wanted)
    (folder / oe.ONNX_FILE).unlink()
    assert "missing" in oe.check_export(folder, wanted)
    (folder / oe.MANIFEST).write_text("{not json")
    assert "unreadable manifest" in oe.check_export(folder, wanted)


def test_checksum_is_computed_again_only_when_the_file_changed(tmp_path, monkeypatch):
    wanted = oe._wanted_manifest(DEFAULT_MODEL, oe.model_dir(DEFAULT_MODEL))
    folder = tmp_path / "e"
    _fake_export(folder, wanted, b"onnx bytes")
    hashed: list[Path] = []
    real = oe._sha256
    monkeypatch.setattr(oe, "_sha256", lambda path: hashed.append(path) or real(path))
    assert oe.check_export(folder, wanted) is None and len(hashed) == 1
    assert (folder / oe.VERIFIED).exists()
    assert oe.check_export(folder, wanted) is None and len(hashed) == 1  # unchanged: no hashing
    import os
    import time

    time.sleep(0.01)
    (folder / oe.ONNX_FILE).write_bytes(b"onnx bytez")  # same size, new content, new mtime
    assert "checksum" in oe.check_export(folder, wanted) and len(hashed) == 2
    (folder / oe.ONNX_FILE).write_bytes(b"onnx bytes")
    os.utime(folder / oe.ONNX_FILE, ns=(1, 1))  # any change of the file state means hashing again
    assert oe.check_export(folder, wanted) is None and len(hashed) == 3
    (folder / oe.VERIFIED).write_text("{broken")
    assert oe.check_export(folder, wanted) is None and len(hashed) == 4


def test_stale_export_is_rebuilt_and_a_current_one_kept(tmp_path, monkeypatch):
    calls = []

    def fake_export(src, folder, manifest):
        calls.append(folder)
        _fake_export(folder, manifest, b"fresh export")

    monkeypatch.setattr(oe, "export", fake_export)
    folder = oe.export_dir(tmp_path, DEFAULT_MODEL)
    wanted = oe._wanted_manifest(DEFAULT_MODEL, oe.model_dir(DEFAULT_MODEL))
    _fake_export(folder, {**wanted, "format": oe.EXPORT_FORMAT - 1})  # an older export
    path = oe.ensure_export(tmp_path, DEFAULT_MODEL)
    assert calls == [folder] and path.read_bytes() == b"fresh export"
    oe.ensure_export(tmp_path, DEFAULT_MODEL)
    assert calls == [folder]  # current: not exported again


def test_cache_keys_keep_encoders_apart(fake_model):
    assert cache_key("all-MiniLM-L6-v2", "torch") == "all-MiniLM-L6-v2"  # what older versions wrote
    assert cache_key("all-MiniLM-L6-v2", "onnx-int8") == "all-MiniLM-L6-v2@onnx-int8"
    assert Embedder(None, loader=lambda _n: fake_model).cache_key == "all-MiniLM-L6-v2"
    emb = Embedder(None, loader=lambda _n: fake_model, encoder="onnx-int8")
    assert emb.cache_key == "all-MiniLM-L6-v2@onnx-int8"


def test_unknown_encoder_is_a_clear_error():
    from factcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="FACTCHECK_ENCODER.*torch or onnx-int8"):
        Embedder(None, encoder="tensorrt")


def test_other_model_without_tokenizer_is_a_clear_error(tmp_path):
    from factcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="tokenizer.json.*FACTCHECK_ENCODER=torch"):
        oe.model_dir(str(tmp_path))


@pytest.mark.slow
def test_int8_token_states_feed_a_branch_like_pytorch(export_cache, st_model):
    """A branch reader (here with the model's own layer 6) gets layer 5's token states from the
    int8 pass: its row (fp32 numpy) is then close to the int8 graph's own layer-6 mean, and to what
    the PyTorch encoder's pass gives it."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from train_checkworthy import hf_layer_arrays, hf_model

    from factcheck.ml.branch import Branch

    hf = hf_model(st_model)
    arrays = {f"branch.0.{k}": v for k, v in hf_layer_arrays(hf.encoder.layer[5]).items()}
    branch = Branch(arrays, 5, 1, hf.config.num_attention_heads, hf.config.layer_norm_eps, pooled=(2,))
    onnx_emb = Embedder(None, encoder="onnx-int8", cache_dir=export_cache, batch_size=3)
    v, s = onnx_emb.encode_with_states(SAMPLE, branch)
    assert s.shape == (len(SAMPLE), 2, 384)
    np.testing.assert_allclose(v, onnx_emb.encode(SAMPLE), atol=1e-5)  # the embedding is untouched
    _, pooled = onnx_emb.encode_with_states(SAMPLE, (2, 6))
    np.testing.assert_allclose(s[:, 0], pooled[:, 0], atol=1e-5)
    _, ref = Embedder(None, loader=lambda _n: st_model).encode_with_states(SAMPLE, branch)

    def cos(a, b):
        return ((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min()

    assert cos(s[:, 1], pooled[:, 1]) >= 0.98 and cos(s[:, 1], ref[:, 1]) >= 0.98
    assert cos(ref[:, 1], Embedder(None, loader=lambda _n: st_model).encode(SAMPLE)) >= 0.9999
