"""Evidence suggestion: hybrid (vector + BM25) and number-aware (factcheck.search.evidence)."""

from __future__ import annotations

import pytest

from factcheck.errors import InputError, NotFoundError
from factcheck.io.readers import Document
from factcheck.search.evidence import passage_lexicon, suggest, suggest_many
from factcheck.services.checks import check_claim
from factcheck.services.sources import add_documents, add_sources
from tests.conftest import REPO
from tests.services.test_checks import NUT_JOBS, VALUATION, store_claims

SAMPLE_SOURCES = REPO / "sample_data" / "sources"
CONTRACT_KEYS = {"passage_id", "source_id", "source_url", "source_title", "text", "start", "end",
                 "score", "value_matches", "value_conflicts"}


# -- suggestion (fast embedder) -------------------------------------------------
def test_suggest_contract_fields_and_offsets(fake_ws):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    res = suggest(fake_ws, text="Anthropic is valued at $380 billion", k=4)
    assert 1 <= len(res) <= 4
    assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)
    assert len({r.source_id for r in res}) == len(res)  # k different sources
    assert all(0.0 <= r.score <= 1.0 and r.passages_matched >= 1 for r in res)
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


def test_possible_contradiction_needs_the_same_time(fake_ws):
    text = "Berlin, February 24, 2025. The AfD will receive 151 seats in the Bundestag."
    (claim,) = store_claims(fake_ws, text, ["151 seats"], article_id="vote")
    add_documents(fake_ws, [
        Document(text="The AfD wins 94 seats in the Bundestag.", id="old", published="2017-09-25"),
        Document(text="The AfD wins 152 seats in the Bundestag.", id="new", published="2025-02-25"),
        Document(text="The AfD wins 150 seats in the Bundestag.", id="undated"),
    ])
    res = suggest(fake_ws, claim_id=claim.id, k=3)
    assert {r.source_id for r in res} == {"old", "new", "undated"}
    assert [r.source_id for r in res if r.possible_contradiction] == ["new"]
    # free text without a year or a date: nothing places it, so every page may contradict it
    res = suggest(fake_ws, text="The AfD will receive 151 seats in the Bundestag.", k=3)
    assert {r.source_id for r in res if r.possible_contradiction} == {"old", "new", "undated"}


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


def test_bm25_saved_for_the_next_process_and_rebuilt_when_rows_change(fake_ws, monkeypatch):
    from factcheck.search import evidence
    from factcheck.search.state import ws_cache

    add_documents(fake_ws, [Document(text="Alpha beta gamma. Delta epsilon.", id="a")])
    first = suggest(fake_ws, text="alpha delta", k=1)
    built: list[int] = []
    real_build = evidence.Bm25Index.build

    def counting_build(mark, rows):
        built.append(len(rows))
        return real_build(mark, rows)

    monkeypatch.setattr(evidence.Bm25Index, "build", staticmethod(counting_build))
    ws_cache(fake_ws).pop("passages")  # as a new process: nothing in memory
    again = suggest(fake_ws, text="alpha delta", k=1)
    assert built == [] and [r.contract_json() for r in again] == [r.contract_json() for r in first]
    assert list(fake_ws.settings.user_cache.glob("passage-bm25/*.pkl"))
    add_documents(fake_ws, [Document(text="Zeta eta theta. Iota kappa.", id="b")])
    assert suggest(fake_ws, text="theta iota", k=1)[0].source_id == "b"
    assert len(built) == 2 and built[1] == 2  # passages and the 2 sources rebuilt for the new rows


def test_suggest_many_batches(fake_ws):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    out = suggest_many(fake_ws, ["six-month phaseout of products", "city transit budget"], k=2)
    assert len(out) == 2 and all(len(x) == 2 for x in out)
    assert out[1][0].source_id == "demo-city-budget"




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


