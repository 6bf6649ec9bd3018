"""Which encoder built an index: recorded in its manifest, reported by `index check`, and never
mixed with the other encoder's vectors (the embedding cache keys them apart)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from factcheck.db.store import Store
from factcheck.ml.embedder import Embedder
from factcheck.models import Article, Claim
from factcheck.text.sentences import text_hash
from factcheck.workspace import Workspace

TEXT = "Exports fell by $3 billion. The sky is green."


def _claims(store: Store) -> None:
    store.save_extraction(Article(id="a1", text=TEXT), [], [
        Claim(article_id="a1", sentence_index=0, start=0, end=27, text=TEXT[:27]),
        Claim(article_id="a1", sentence_index=1, start=28, end=len(TEXT), text=TEXT[28:]),
    ])


def _ws(settings, store, fake_model, encoder: str) -> Workspace:
    emb = Embedder(None, store, loader=lambda _n: fake_model, encoder=encoder)
    return Workspace(settings, store=store, embedder=emb)


def test_index_records_and_checks_its_encoder(settings, fake_model):
    store = Store(settings.url)
    _claims(store)
    torch_ws = _ws(settings, store, fake_model, "torch")
    torch_ws.rebuild_index("claims")
    manifest = json.loads((settings.index_dir / "claims" / "manifest.json").read_text())
    assert manifest["encoder"] == "torch" and manifest["model"] == "all-MiniLM-L6-v2"
    row = next(r for r in torch_ws.index_status() if r["index"] == "claims")
    assert row["ok"] and row["encoder"] == "torch"

    onnx_ws = _ws(settings, store, fake_model, "onnx-int8")
    row = next(r for r in onnx_ws.index_status() if r["index"] == "claims")
    assert not row["ok"] and row["encoder"] == "torch"
    assert "torch encoder, not onnx-int8" in row["problem"]
    onnx_ws.sync_index("claims")  # rebuilt with the configured encoder
    row = next(r for r in onnx_ws.index_status() if r["index"] == "claims")
    assert row["ok"] and row["encoder"] == "onnx-int8"
    # vectors of the two encoders live under two cache keys
    hashes = [text_hash(TEXT[:27])]
    assert store.cached_vectors("all-MiniLM-L6-v2", hashes)
    assert store.cached_vectors("all-MiniLM-L6-v2@onnx-int8", hashes)
    store.dispose()


def test_old_manifest_without_encoder_reads_as_torch(settings, fake_model):
    store = Store(settings.url)
    _claims(store)
    ws = _ws(settings, store, fake_model, "torch")
    ws.rebuild_index("claims")
    path = settings.index_dir / "claims" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["encoder"]  # as written before the encoder field existed
    path.write_text(json.dumps(manifest))
    fresh = _ws(settings, store, fake_model, "torch")
    row = next(r for r in fresh.index_status() if r["index"] == "claims")
    assert row["ok"] and row["encoder"] == "torch"
    assert fresh.sync_index("claims").encoder == "torch"
    store.dispose()


def test_index_check_cli_reports_the_encoder(settings, fake_model, monkeypatch, tmp_path):
    import factcheck.ml.embedder
    from factcheck.cli.app import app

    monkeypatch.setattr(factcheck.ml.embedder, "load_model", lambda _name=None: fake_model)
    monkeypatch.chdir(tmp_path)
    store = Store(settings.url)
    _claims(store)
    store.dispose()
    base = ["--db", settings.url, "--index-dir", str(settings.index_dir)]
    runner = CliRunner()
    assert runner.invoke(app, [*base, "--encoder", "torch", "index", "rebuild"]).exit_code == 0
    res = runner.invoke(app, [*base, "--encoder", "torch", "index", "check", "--json"])
    assert res.exit_code == 0, res.output
    rows = {json.loads(x)["index"]: json.loads(x) for x in res.stdout.splitlines()}
    assert rows["claims"]["encoder"] == "torch"
    table = runner.invoke(app, [*base, "--encoder", "torch", "index", "check"])
    assert "encoder" in table.stdout and "torch" in table.stdout
    # the other encoder configured: the index is reported as built by torch, and stale
    res = runner.invoke(app, [*base, "--encoder", "onnx-int8", "index", "check", "--json"])
    assert res.exit_code == 1
    claims = next(json.loads(x) for x in res.stdout.splitlines() if json.loads(x)["index"] == "claims")
    assert claims["encoder"] == "torch" and "not onnx-int8" in claims["problem"]
    bad = runner.invoke(app, [*base, "--encoder", "tensorrt", "index", "check"])
    assert bad.exit_code != 0 and "onnx-int8" in bad.output


def test_vectors_of_one_encoder_are_not_reused_by_the_other(settings, fake_model):
    store = Store(settings.url)
    a = Embedder(None, store, loader=lambda _n: fake_model, encoder="torch")
    b = Embedder(None, store, loader=lambda _n: fake_model, encoder="onnx-int8")
    a.embed(["The deficit doubled."])
    assert a.encoded == 1
    b.embed(["The deficit doubled."])
    assert b.encoded == 1  # not served from the torch vectors
    np.testing.assert_allclose(a.embed(["The deficit doubled."]), b.embed(["The deficit doubled."]))
    store.dispose()
