"""Evidence suggestion (hybrid + number-aware) and archive matching (incl. local verdicts)."""

from __future__ import annotations

import pytest

from factcheck.errors import InputError, NotFoundError
from factcheck.io.readers import Document
from factcheck.search.archive_match import FEATURES, Reranker, clean_query, match, match_many
from factcheck.search.evidence import passage_lexicon, suggest, suggest_many
from factcheck.services.archive import import_archive
from factcheck.services.checks import check_claim
from factcheck.services.review import set_verdict
from factcheck.services.sources import add_documents, add_sources
from factcheck.text.compare import compare_values
from factcheck.text.tokens import tokenize
from factcheck.text.values import extract_values
from tests.conftest import REPO
from tests.services.test_checks import NUT_JOBS, VALUATION, store_claims

SAMPLE_SOURCES = REPO / "sample_data" / "sources"
ARCHIVE = REPO / "sample_data" / "archive"
CONTRACT_KEYS = {"passage_id", "source_id", "source_url", "source_title", "text", "start", "end",
                 "score", "value_matches", "value_conflicts"}


# -- units ---------------------------------------------------------------------
def test_tokenize_and_clean_query():
    assert tokenize("The valuations were RISING quickly") == ["valuation", "were", "ris", "quickly"]
    tweet = ("Wow, 97% of people agree! https://t.co/abc pic.twitter.com/xyz "
             "— Jane Doe (@jdoe) May 5, 2020")
    assert clean_query(tweet) == "Wow, 97% of people agree! — Jane Doe (@jdoe) May 5, 2020"
    assert clean_query("https://t.co/x") == "https://t.co/x"  # nothing left: keep the input


def test_compare_values_equal_forms_and_context():
    claim = "Anthropic is valued at $380 billion."
    cv = extract_values(claim)
    for text in ("valued at 380bn", "a valuation of $380B", "worth $380,000,000,000 in valuation"):
        m, c = compare_values(claim, 0, cv, text, 10, extract_values(text, 10))
        assert len(m) == 1 and not c, text
        assert m[0].passage.start >= 10
    m, c = compare_values(claim, 0, cv, "its valuation is $350 billion", 0,
                          extract_values("its valuation is $350 billion"))
    assert not m and len(c) == 1 and c[0].passage.text == "$350 billion"
    m, c = compare_values(claim, 0, cv, "the bridge cost $350 billion", 0,
                          extract_values("the bridge cost $350 billion"))
    assert not m and not c  # different quantity: no shared context word


# -- suggestion (fast embedder) -------------------------------------------------
def test_suggest_contract_fields_and_offsets(fake_ws):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    res = suggest(fake_ws, text="Anthropic is valued at $380 billion", k=4)
    assert 1 <= len(res) <= 4
    assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)
    from factcheck.services.sources import get_source

    for r in res:
        data = r.contract_json()
        assert CONTRACT_KEYS <= set(data)
        src = get_source(fake_ws, r.source_id)
        assert src.text[r.start : r.end] == r.text
        for pair in r.value_matches + r.value_conflicts:
            assert src.text[pair.passage.start : pair.passage.end] == pair.passage.text
    top = res[0]
    assert top.source_id == "demo-ipo-plans"
    assert top.value_matches and top.value_matches[0].passage.text == "$380 billion"
    flagged = [r for r in res if r.value_conflicts]
    assert flagged and flagged[0].source_id == "demo-funding-brief"


def test_suggest_errors_and_empty(fake_ws):
    assert suggest(fake_ws, text="anything at all", k=3) == []  # no sources yet
    with pytest.raises(InputError):
        suggest(fake_ws, text="   ")
    with pytest.raises(InputError):
        suggest(fake_ws)
    with pytest.raises(NotFoundError):
        suggest(fake_ws, claim_id=12345)


def test_bm25_cached_until_passages_change(fake_ws):
    add_documents(fake_ws, [Document(text="Alpha beta gamma. Delta epsilon.", id="a")])
    lex1 = passage_lexicon(fake_ws)
    suggest(fake_ws, text="alpha", k=1)
    assert passage_lexicon(fake_ws) is lex1
    add_documents(fake_ws, [Document(text="Zeta eta theta. Iota kappa.", id="b")])
    lex2 = passage_lexicon(fake_ws)
    assert lex2 is not lex1 and len(lex2.ids) == len(lex1.ids) + 1
    assert suggest(fake_ws, text="theta iota", k=1)[0].source_id == "b"


def test_suggest_many_batches(fake_ws):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    out = suggest_many(fake_ws, ["six-month phaseout of products", "city transit budget"], k=2)
    assert len(out) == 2 and all(len(x) == 2 for x in out)
    assert out[1][0].source_id == "demo-city-budget"


# -- matching (fast embedder) ---------------------------------------------------
def test_reranker_file_matches_features():
    r = Reranker.load()
    assert r.features == FEATURES and len(r.coef) == len(FEATURES)
    assert "dev_map5" in r.info


def test_match_archive_and_local_verdicts(fake_ws, sample_text):
    assert match(fake_ws, "anything", 3) == []
    import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    res = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic technology", 3)
    assert res[0].archive_id == "demo-2026-001" and res[0].verdict == "True"
    assert {"archive_id", "claim", "verdict", "url", "score"} <= set(res[0].contract_json())
    assert 0.0 <= res[-1].score <= res[0].score <= 1.0

    # a verdict recorded here is matchable, but a claim never matches itself
    c1, c2 = store_claims(fake_ws, sample_text, [VALUATION, NUT_JOBS])
    set_verdict(fake_ws, c1.id, "Mostly true", "tester", "checked the filing")
    fake_ws.sync_index("claims")
    res = match(fake_ws, c1.text, 3)
    local = [m for m in res if m.kind == "verdict"]
    assert local and local[0].claim_id == c1.id and local[0].archive_id == f"claim:{c1.id}"
    assert local[0].verdict == "Mostly true" and local[0].url == "https://example.org/article"
    assert all(m.claim_id != c1.id for m in match(fake_ws, c1.id, 5))
    with pytest.raises(NotFoundError):
        match(fake_ws, 99999)
    with pytest.raises(InputError):
        match(fake_ws, "  ")
    batch = match_many(fake_ws, [c1.text, "city transit weekend bus service"], 2)
    assert batch[1][0].archive_id == "demo-2025-017"


def test_match_cache_lives_in_the_user_cache_and_must_be_private(fake_ws, caplog):
    """The saved corpus is a pickle: never in the (possibly shared) index folder, and a file that
    others could have written is ignored and rebuilt."""
    import os

    from factcheck.search.archive_match import _corpus_path
    from factcheck.search.state import ws_cache

    import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    first = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic", 2)
    path = _corpus_path(fake_ws)
    assert path.exists() and fake_ws.settings.user_cache in path.parents
    assert not any(fake_ws.index_dir.rglob("*.pkl"))
    assert path.stat().st_mode & 0o077 == 0
    os.chmod(path, 0o666)  # as if anyone could have replaced it
    ws_cache(fake_ws).pop("match", None)  # a new process: load from disk
    again = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic", 2)
    assert "writable by others; ignoring it" in caplog.text
    assert [m.archive_id for m in again] == [m.archive_id for m in first]
    assert path.stat().st_mode & 0o077 == 0  # rebuilt and saved privately


# -- the 'Done means' checks with the real model ----------------------------------
@pytest.fixture
def demo_ws(real_ws, sample_text):
    add_sources(real_ws, [SAMPLE_SOURCES])
    claims = store_claims(real_ws, sample_text, [VALUATION, NUT_JOBS,
                                                 "a six-month phaseout", "worth up to $200 million"])
    real_ws.sync_index("claims")
    return real_ws, claims


@pytest.mark.slow
def test_real_agreeing_source_first_and_number_conflict_flagged(demo_ws):
    ws, (valuation, _, phaseout, contract) = demo_ws
    res = suggest(ws, claim_id=valuation.id, k=5)
    assert res[0].source_id == "demo-ipo-plans"
    assert any(m.passage.text == "$380 billion" for m in res[0].value_matches)
    # claim-side spans are offsets into the article
    art = ws.store.get_article(valuation.article_id)
    m = res[0].value_matches[0]
    assert art.text[m.claim.start : m.claim.end] == m.claim.text
    flagged = [r for r in res if r.value_conflicts]
    assert {r.source_id for r in flagged} == {"demo-funding-brief"}
    assert flagged[0].value_conflicts[0].passage.text == "$350 billion"
    assert suggest(ws, claim_id=phaseout.id, k=3)[0].source_id in {"demo-phaseout-memo",
                                                                    "demo-truth-social"}
    assert suggest(ws, claim_id=contract.id, k=3)[0].source_id in {"demo-contract-explainer",
                                                                   "demo-ipo-plans"}

    rep = check_claim(ws, valuation.id)
    money = next(n for n in rep.numbers if n.claim_value.text == "$380 billion")
    assert money.status == "match"
    assert {f.source_id for f in money.findings if f.status == "mismatch"} == {"demo-funding-brief"}
    assert any("number mismatch" in f and "$350 billion" in f for f in rep.flags)


@pytest.mark.slow
def test_real_misquote_flagged(demo_ws):
    ws, (_, quote, _, _) = demo_ws
    rep = check_claim(ws, quote.id)
    assert rep.quotes and rep.quotes[0].status == "altered"
    best = rep.quotes[0].best
    assert best.source_id == "demo-truth-social"
    assert ("replace", "nut", "nuts") in [(o.op, o.claim, o.source) for o in best.diff]


@pytest.mark.slow
def test_real_archive_matching(real_ws):
    for f in ("past_checks.csv", "claimreview_example.jsonld"):
        import_archive(real_ws, ARCHIVE / f)
    res = match(real_ws, "Trump directs every federal agency to immediately cease all use of "
                "Anthropic's technology", 3)
    assert res[0].archive_id == "demo-2026-001"
    res = match(real_ws, "Anthropic's $14 billion in revenue", 2)
    assert res[0].archive_id == "demo-cr-001" and res[0].verdict == "Mostly accurate"
