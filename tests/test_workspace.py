import pytest

from factcheck.db.store import claims
from factcheck.errors import IndexStaleError
from factcheck.models import Article, Claim, ClaimStatus


def _add(ws, aid, texts):
    art = Article(id=aid, text=" ".join(texts))
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Claim(article_id=aid, sentence_index=i, start=pos, end=pos + len(t), text=t))
        pos += len(t) + 1
    return ws.store.save_extraction(art, [], out)


def test_sync_adds_incrementally_and_embeds_once(fake_ws):
    _add(fake_ws, "a", ["The sky is green.", "Taxes rose 5%."])
    idx = fake_ws.sync_index("claims")
    assert idx.count == 2
    first_file = idx.manifest["file"]
    encoded = fake_ws.embedder.encoded
    _add(fake_ws, "b", ["Exports fell by $3 billion."])
    idx = fake_ws.sync_index("claims")
    assert idx.count == 3
    assert fake_ws.embedder.encoded == encoded + 1  # only the new claim was embedded
    assert idx.manifest["file"] != first_file
    again = fake_ws.sync_index("claims")  # nothing changed: nothing embedded, nothing written
    assert again.manifest["file"] == idx.manifest["file"]
    assert fake_ws.embedder.encoded == encoded + 1


def test_open_index_refuses_stale_and_names_rebuild(fake_ws):
    _add(fake_ws, "a", ["The sky is green."])
    fake_ws.sync_index("claims")
    _add(fake_ws, "b", ["Exports fell by $3 billion."])
    fake_ws._indexes.clear()
    with pytest.raises(IndexStaleError, match="factcheck index rebuild"):
        fake_ws.open_index("claims")
    assert fake_ws.open_index("claims", repair=True).count == 2


def test_dismissed_claims_leave_the_index(fake_ws):
    saved = _add(fake_ws, "a", ["The sky is green.", "Taxes rose 5%."])
    fake_ws.sync_index("claims")
    with fake_ws.store.begin() as conn:
        conn.execute(
            claims.update().where(claims.c.id == saved[0].id).values(status=ClaimStatus.dismissed.value)
        )
    idx = fake_ws.sync_index("claims")
    assert idx.ids().tolist() == [saved[1].id]


def test_other_model_is_refused(fake_ws, settings, fake_model):
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    _add(fake_ws, "a", ["The sky is green."])
    fake_ws.sync_index("claims")
    other = Workspace(
        settings, store=fake_ws.store,
        embedder=Embedder("other-model", fake_ws.store, loader=lambda _n: fake_model),
    )
    with pytest.raises(IndexStaleError, match="other-model.*factcheck index rebuild"):
        other.open_index("claims")
    status = {r["index"]: r for r in other.index_status()}
    assert not status["claims"]["ok"] and status["passages"]["ok"]


def test_search_returns_nearest(fake_ws):
    saved = _add(fake_ws, "a", ["The sky is green today.", "Taxes rose five percent."])
    fake_ws.sync_index("claims")
    scores, ids = fake_ws.search("claims", ["taxes rose five percent"], 2)
    assert ids[0][0] == saved[1].id and scores[0][0] > scores[0][1]


def test_another_embedding_model_keeps_calibrated_scores(real_ws, settings, st_model, sample_text):
    """A user may name any model: the indexes use it, check-worthiness still reads MiniLM."""
    import copy

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense

    from factcheck.ml.embedder import Embedder
    from factcheck.services.extract import extract_paths
    from factcheck.workspace import Workspace

    # a genuinely different model: a perturbed copy of MiniLM's encoder + a 384 -> 128 projection
    torch.manual_seed(0)
    encoder = copy.deepcopy(st_model[0])
    with torch.no_grad():
        for param in encoder.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    other = SentenceTransformer(modules=[encoder, st_model[1], Dense(384, 128)], device="cpu")

    def loader(name):
        return st_model if name == "all-MiniLM-L6-v2" else other

    settings2 = settings.model_copy(update={"index_dir": settings.index_dir.parent / "other-idx"})
    store = real_ws.store
    texts = [sample_text[:400], "Thank you very much.", "Unemployment fell to 3.5 percent last year."]
    same = real_ws.sentence_scores(texts)

    ws = Workspace(settings2, store=store, embedder=Embedder("my-other-model", store, loader=loader))
    np.testing.assert_allclose(ws.sentence_scores(texts), same, atol=1e-5)
    # the other model's own hidden states would give other scores: the weights must not read them
    states = ws.embedder.encode_with_states(texts, ws.scorer.reads)[1]
    assert np.abs(ws.scorer.score(texts, states) - same).max() > 0.01
    assert ws.embedder.dimension == 128

    path = settings.index_dir.parent / "doc.txt"
    path.write_text(sample_text, encoding="utf-8")
    [res] = extract_paths(ws, [str(path)])
    assert res.error is None and len(res.claims) >= 20
    idx = ws.open_index("claims")
    assert idx.dimension == 128 and idx.model == "my-other-model"


@pytest.mark.parametrize("threshold", [200_000, 2], ids=["flat", "hnsw"])
def test_dismiss_updates_the_index_in_place(fake_ws, monkeypatch, threshold):
    """Dismissing claims removes their vectors without a rebuild (HNSW: tombstones)."""
    import factcheck.search.faiss_index
    import factcheck.workspace

    monkeypatch.setattr(factcheck.search.faiss_index, "HNSW_THRESHOLD", threshold)
    monkeypatch.setattr(factcheck.workspace, "HNSW_THRESHOLD", threshold)
    saved = _add(fake_ws, "a", ["The sky is green.", "Taxes rose 5%.", "Exports fell by $3 billion.",
                                "Wages grew 2% last year.", "The mayor resigned on Monday."])
    idx = fake_ws.sync_index("claims")
    kind = idx.kind
    assert kind == ("flat" if threshold > 2 else "hnsw")
    first_file, encoded = idx.manifest["file"], fake_ws.embedder.encoded

    def set_status(claim, status):
        with fake_ws.store.begin() as conn:
            conn.execute(claims.update().where(claims.c.id == claim.id).values(status=status))

    set_status(saved[1], ClaimStatus.dismissed.value)
    idx, action = fake_ws._sync("claims")
    assert action == "updated" and idx.kind == kind and fake_ws.embedder.encoded == encoded
    assert saved[1].id not in idx.ids().tolist() and idx.count == 4
    _, ids = fake_ws.search("claims", ["Taxes rose 5%."], 4)
    assert saved[1].id not in ids[0].tolist()
    assert idx.manifest["file"] != first_file
    assert not fake_ws.index_status()[0]["problem"]

    # restoring the claim: flat adds it back in place, HNSW (old vector still in the graph) rebuilds
    set_status(saved[1], ClaimStatus.new.value)
    idx, action = fake_ws._sync("claims")
    assert action == ("updated" if kind == "flat" else "rebuilt")
    assert saved[1].id in idx.ids().tolist() and idx.count == 5 and not idx.deleted

    # an edited text cannot be patched in place
    with fake_ws.store.begin() as conn:
        conn.execute(claims.update().where(claims.c.id == saved[2].id).values(text="Exports rose."))
    assert fake_ws._sync("claims")[1] == "rebuilt"
