"""Extraction on the reference article with the real model and the shipped scorer."""

import pytest

from factcheck.models import ClaimType
from factcheck.services.extract import analyse, extract_paths, is_boilerplate
from tests.conftest import SAMPLE_ARTICLE


@pytest.fixture(scope="module")
def sample_claims(tmp_path_factory, st_model):
    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    tmp = tmp_path_factory.mktemp("extract")
    settings = Settings(db=str(tmp / "fc.db"), index_dir=tmp / "indexes")
    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder(None, store, loader=lambda _n: st_model))
    [res] = extract_paths(ws, [str(SAMPLE_ARTICLE)])
    yield ws, res
    store.dispose()


def _find(claims, needle):
    return [c for c in claims if needle in c.text]


@pytest.mark.parametrize(
    "needle",
    [
        "$380 billion",
        "$14 billion",
        "up to $200 million",
        "six-month phaseout",
        "5:01 p.m. ET",
        "Defense Production Act",
        "supply chain risk",
        "approved for use in classified settings",
    ],
)
def test_finds_key_claims(sample_claims, needle):
    _, res = sample_claims
    assert _find(res.claims, needle), f"no claim contains {needle!r}"


@pytest.mark.parametrize(
    "needle,speaker",
    [
        ("The Leftwing nut jobs at Anthropic", "Trump"),
        ("I am directing EVERY Federal Agency", "Trump"),
        ("We cannot in good conscience accede", "Dario Amodei"),
        ("Anthropic understands that the Department of War", "Dario Amodei"),
        ("He wants nothing more than to try", "Emil Michael"),
        ("The @DeptofWar will ALWAYS adhere", "Emil Michael"),
        ("At some level, you have to trust your military", "Emil Michael"),
        ("This is different for sure", "Jerry McGinn"),
        ("This is a very unusual, very public fight", "Jerry McGinn"),
    ],
)
def test_quotes_carry_speakers(sample_claims, needle, speaker):
    _, res = sample_claims
    found = _find(res.claims, needle)
    assert found, f"quote {needle!r} not extracted"
    assert found[0].type is ClaimType.quote
    assert found[0].speaker == speaker


def test_no_byline_no_subheads(sample_claims):
    _, res = sample_claims
    assert not _find(res.claims, "contributed to this report")
    assert not [c for c in res.claims if c.text in (
        "Ban comes as Anthropic plans an IPO", "OpenAI expressed similar concerns")]


def test_offsets_and_values_are_exact(sample_claims, sample_text):
    ws, res = sample_claims
    for c in res.claims:
        assert sample_text[c.start : c.end] == c.text
        for v in c.key_values:
            assert sample_text[v.start : v.end] == v.text
            assert c.start <= v.start < v.end <= c.end
    for s in ws.store.get_sentences(res.article_id):
        assert sample_text[s.start : s.end] == s.text
    [money] = [v for c in _find(res.claims, "$380 billion") for v in c.key_values if v.text == "$380 billion"]
    assert money.value == pytest.approx(3.8e11) and money.unit == "USD"


def test_rerun_adds_nothing_and_embeds_nothing(sample_claims):
    ws, res = sample_claims
    before = ws.embedder.encoded
    [again] = extract_paths(ws, [str(SAMPLE_ARTICLE)])
    assert again.skipped and [c.id for c in again.claims] == [c.id for c in res.claims]
    assert ws.embedder.encoded == before


def test_similar_uses_the_claim_index(sample_claims):
    from factcheck.search.claims import similar_claims

    ws, _ = sample_claims
    hits = similar_claims(ws, "Anthropic is worth $380 billion", k=3)
    assert any("$380 billion" in h["text"] for h in hits)
    assert hits[0]["score"] >= hits[-1]["score"]


def test_min_score_zero_returns_every_sentence(st_model, sample_text):
    from factcheck.ml.checkworthy import CheckworthinessModel
    from factcheck.ml.embedder import Embedder

    scorer = CheckworthinessModel.load()
    embedder = Embedder(None, loader=lambda _n: st_model)

    def scores(texts):
        return scorer.score(texts, embedder.encode_with_states(texts, scorer.reads)[1])

    sents, claims = analyse("x", sample_text, scores, 0.0)
    covered = {c.sentence_index for c in claims}
    assert covered == {s.index for s in sents}
    assert all(0.0 <= s.score <= 1.0 for s in sents)


def test_boilerplate_rules():
    assert is_boilerplate("NPR's Bobby Allyn contributed to this report.", "x")
    assert is_boilerplate("Ban comes as Anthropic plans an IPO", "Ban comes as Anthropic plans an IPO")
    line = "He said there would be a six-month phaseout."
    assert not is_boilerplate(line, line)


def test_extract_runs_forward(tmp_path, st_model, monkeypatch):
    """Each document is split once, its sentences go through the model once (scores and
    embeddings from the same pass), and the claim vectors reach the index without being read
    back from the embedding cache."""
    import numpy as np

    import factcheck.services.pipeline as pipeline_mod
    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.search.faiss_index import VectorIndex
    from factcheck.text.sentences import split_sentences
    from factcheck.workspace import Workspace

    articles = tmp_path / "articles"
    articles.mkdir()
    text = SAMPLE_ARTICLE.read_text()
    (articles / "a.txt").write_text(text)
    (articles / "b.txt").write_text(text.replace("Anthropic", "Acme"))
    settings = Settings(db=str(tmp_path / "fc.db"), index_dir=tmp_path / "indexes")
    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder(None, store, loader=lambda _n: st_model))
    splits: list[int] = []
    monkeypatch.setattr(pipeline_mod, "split_sentences",
                        lambda t: splits.append(len(t)) or split_sentences(t))
    cache_reads: list[int] = []
    real_cached = store.cached_vectors
    monkeypatch.setattr(store, "cached_vectors",
                        lambda m, hs: cache_reads.append(len(hs)) or real_cached(m, hs))

    results = extract_paths(ws, [str(articles)])
    assert splits == [len(text), len(text.replace("Anthropic", "Acme"))]  # one split per document
    claims = [c for r in results for c in r.claims]
    n_sentences = sum(r.sentences for r in results)
    distinct_claims = {c.text for c in claims}
    parts = distinct_claims - {s.text for r in results for s in store.get_sentences(r.article_id)}
    # the model saw every distinct sentence once, plus the compound parts that are not sentences
    assert ws.embedder.encoded <= n_sentences + len(parts)
    # only the compound parts were looked up in the cache (one call), never the whole sentences
    assert sum(cache_reads) == len(parts)
    idx = VectorIndex.load(settings.index_dir, "claims")
    assert sorted(idx.ids().tolist()) == sorted(c.id for c in claims)
    vec = np.asarray(st_model.encode([claims[0].text], normalize_embeddings=True), np.float32)
    _, ids = idx.search(vec, 1)
    assert int(ids[0][0]) in {c.id for c in claims if c.text == claims[0].text}
    store.dispose()
