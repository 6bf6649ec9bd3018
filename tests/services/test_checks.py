"""Quote check (verbatim / altered with word diff / not found) and number check."""

from __future__ import annotations

from datetime import date

from factcheck.io.readers import Document
from factcheck.models import Article, Claim, ClaimType
from factcheck.search.evidence import suggest
from factcheck.services import checks as checks_module
from factcheck.services.checks import (
    SUGGESTED,
    EvidenceRef,
    check_claim,
    check_numbers,
    check_text,
    claim_quotes,
    find_quote,
)
from factcheck.services.review import link_evidence
from factcheck.services.sources import add_documents, add_sources, source_passages
from factcheck.text.dates import TimeRef
from factcheck.text.sentences import split_sentences
from factcheck.text.values import extract_values
from tests.conftest import REPO, SAMPLE_ARTICLE

SAMPLE_SOURCES = REPO / "sample_data" / "sources"
NUT_JOBS = "The Leftwing nut jobs at Anthropic have made a DISASTROUS MISTAKE"
VALUATION = "which is valued at $380 billion"


def store_claims(ws, text: str, needles: list[str], article_id: str = "npr") -> list[Claim]:
    """Store the article and one claim per needle: the whole sentence containing it."""
    spans = split_sentences(text)
    claims = []
    for needle in needles:
        pos = text.index(needle)
        i, (s, e) = next((i, sp) for i, sp in enumerate(spans) if sp[0] <= pos < sp[1])
        ctype = ClaimType.quote if text[s:e].lstrip().startswith(("\"", "“")) else ClaimType.other
        claims.append(Claim(article_id=article_id, sentence_index=i, start=s, end=e,
                            text=text[s:e], type=ctype, key_values=extract_values(text[s:e], s)))
    art = Article(id=article_id, title="Sample", url="https://example.org/article", text=text)
    return ws.store.save_extraction(art, [], claims)


# -- find_quote ---------------------------------------------------------------
def test_find_quote_verbatim_ignores_case_and_punctuation():
    src = "Intro. He wrote: “We cannot, in good conscience, accede to their request.” End."
    status, sim, a, b, ops = find_quote("we cannot in good conscience accede to their request", src)
    assert status == "verbatim" and sim == 1.0
    assert src[a:b] == "We cannot, in good conscience, accede to their request"
    assert [o.op for o in ops] == ["equal"]


def test_find_quote_altered_word_diff():
    src = ("Filler text before. The Leftwing nuts jobs at Anthropic have made a DISASTROUS "
           "MISTAKE, the post said. Filler after.")
    status, sim, a, b, ops = find_quote(NUT_JOBS, src)
    assert status == "altered" and 0.6 <= sim < 1
    assert src[a:b].startswith("The Leftwing nuts jobs") and src[a:b].endswith("MISTAKE")
    changed = [o for o in ops if o.op != "equal"]
    assert [(o.op, o.claim, o.source) for o in changed] == [("replace", "nut", "nuts")]
    from factcheck.services.checks import _diff_text

    assert "[-nut-] {+nuts+} jobs" in _diff_text(ops)


def test_find_quote_not_found_and_degenerate():
    assert find_quote(NUT_JOBS, "Nothing like it in this text at all.")[0] == "not_found"
    assert find_quote("", "text")[0] == "not_found"
    assert find_quote("words here", "")[0] == "not_found"
    # scattered common words do not make an "altered" quote
    src = "The cat sat at the mat and made a mess of the house."
    assert find_quote(NUT_JOBS, src)[0] == "not_found"


def test_find_quote_insertion_and_deletion():
    src = "She said the plan was very clearly a total failure for everyone."
    status, _, a, b, ops = find_quote("the plan was clearly a failure for everyone", src)
    assert status == "altered"
    assert {o.op for o in ops} >= {"insert"}
    assert src[a:b] == "the plan was very clearly a total failure for everyone"


# -- claim quotes -------------------------------------------------------------
def test_claim_quotes_multi_sentence_quote(sample_text):
    needle = "Therefore, I am directing EVERY Federal Agency"
    pos = sample_text.index(needle)
    s, e = next(sp for sp in split_sentences(sample_text) if sp[0] <= pos < sp[1])
    claim = Claim(article_id="a", sentence_index=0, start=s, end=e, text=sample_text[s:e],
                  type=ClaimType.quote)
    spans = claim_quotes(sample_text, claim)
    assert len(spans) == 1
    q = sample_text[slice(*spans[0])]
    assert q.startswith("Therefore, I am directing") and not q.startswith('"')


# -- number check -------------------------------------------------------------
def _ev(text: str, pid: int = 1, start: int = 100) -> EvidenceRef:
    return EvidenceRef(passage_id=pid, source_id=f"s{pid}", source_title=f"Source {pid}",
                       start=start, end=start + len(text), text=text, linked=False)


def test_check_numbers_match_mismatch_absent():
    claim = "Anthropic, which is valued at $380 billion, has 2,500 employees and $14bn revenue."
    values = extract_values(claim, 50)
    ev = [
        _ev("The latest round put the valuation of Anthropic at $350 billion.", 1),
        _ev("The firm, valued at $380B, is growing.", 2),
        _ev("Anthropic's revenue reached $12 billion last year, analysts said.", 3),
    ]
    res = {n.claim_value.text: n for n in check_numbers(claim, 50, values, ev)}
    assert res["$380 billion"].status == "match"
    kinds = {(f.status, f.passage_id) for f in res["$380 billion"].findings}
    assert kinds == {("mismatch", 1), ("match", 2)}
    mm = next(f for f in res["$380 billion"].findings if f.status == "mismatch")
    assert ev[0].text[mm.passage_value.start - 100 : mm.passage_value.end - 100] == "$350 billion"
    assert res["$14bn"].status == "mismatch"  # "revenue" near both values
    assert res["2,500 employees"].status == "absent"


def test_check_numbers_different_quantity_is_not_a_conflict():
    claim = "The contract is worth $200 million."
    ev = [_ev("The city budget is $380 million this year.")]
    (n,) = check_numbers(claim, 0, extract_values(claim), ev)
    assert n.status == "absent" and n.findings == []


SEATS = "The AfD will receive 151 seats in the Bundestag."
SEATS_PAGE = "In the Bundestag, the AfD wins 152 seats."


def test_check_numbers_compares_the_claims_and_the_sources_dates():
    values = extract_values(SEATS)
    feb = TimeRef(day=date(2025, 2, 24))
    times = {"s1": TimeRef(day=date(2021, 9, 27)), "s2": TimeRef(day=date(2025, 2, 26)), "s3": TimeRef()}
    ev = [_ev(SEATS_PAGE, 1), _ev(SEATS_PAGE, 2), _ev(SEATS_PAGE, 3)]
    (n,) = check_numbers(SEATS, 0, values, ev, feb, times)
    # 2021 page: another election; undated suggestion: could be any election; 2025 page: a conflict
    assert [(f.status, f.source_id) for f in n.findings] == [("mismatch", "s2")]
    # a reviewer's link vouches for an undated page (compared by its sentences' years only)
    linked = [_ev(SEATS_PAGE, 3).model_copy(update={"linked": True})]
    assert check_numbers(SEATS, 0, values, linked, feb, times)[0].status == "mismatch"
    # no dates given: as before
    assert check_numbers(SEATS, 0, values, ev)[0].status == "mismatch"


def test_check_claim_uses_article_and_source_dates(fake_ws):
    text = "Berlin, February 24, 2025. The AfD will receive 151 seats in the Bundestag."
    (claim,) = store_claims(fake_ws, text, ["151 seats"], article_id="vote")
    add_documents(fake_ws, [
        Document(text="The AfD wins 94 seats in the Bundestag, the SPD 153.", id="old",
                 title="Election", url="https://example.org/german-election-2017-results"),
        Document(text="The AfD wins 152 seats in the Bundestag.", id="new", title="Result",
                 published="2025-02-25"),
        Document(text="The AfD wins 150 seats in the Bundestag.", id="undated", title="Seats"),
    ])
    rep = check_claim(fake_ws, claim.id)
    assert {e.source_id: e.source_date for e in rep.evidence} == {
        "old": "2017", "new": "2025-02-25", "undated": None}
    # the 2017 page and the undated one say other numbers, but only the 2025 page contradicts
    (n,) = rep.numbers
    assert n.status == "mismatch" and [(f.source_id, f.passage_value.text) for f in n.findings] == [
        ("new", "152 seats")]
    assert all("Result says '152 seats'" in f for f in rep.flags)  # (flags also need a score)


# -- check_claim on the sample data (fast embedder) ----------------------------
def test_check_claim_with_links_and_suggestions(fake_ws, sample_text):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    quote_claim, value_claim = store_claims(fake_ws, sample_text, [NUT_JOBS, VALUATION])

    rep = check_claim(fake_ws, quote_claim.id)
    assert rep.evidence_from == "suggested" and rep.evidence
    (q,) = rep.quotes
    assert q.quote.startswith("The Leftwing nut jobs") and q.quote.endswith("our Constitution")
    assert sample_text[q.start : q.end] == q.quote
    assert q.status == "altered"
    assert q.best.source_id == "demo-truth-social"
    assert ("replace", "nut", "nuts") in [(o.op, o.claim, o.source) for o in q.best.diff]
    assert any("quote differs" in f and "{+nuts+}" in f for f in rep.flags)

    # linked evidence replaces suggestions
    funding = source_passages(fake_ws, "demo-funding-brief")
    pid = next(p.id for p in funding if "$350 billion" in p.text)
    link_evidence(fake_ws, value_claim.id, pid, "refutes", "tester")
    rep = check_claim(fake_ws, value_claim.id)
    assert rep.evidence_from == "linked" and [e.passage_id for e in rep.evidence] == [pid]
    money = next(n for n in rep.numbers if n.claim_value.text == "$380 billion")
    assert money.status == "mismatch"
    assert money.findings[0].passage_value.text == "$350 billion"
    assert any("number mismatch" in f and "$350 billion" in f for f in rep.flags)
    assert rep.quotes == []


def test_check_without_sources_and_check_text(fake_ws, sample_text):
    (c,) = store_claims(fake_ws, sample_text, [NUT_JOBS])
    rep = check_claim(fake_ws, c.id)
    assert rep.evidence_from == "none" and rep.quotes[0].status == "not_found"
    add_documents(fake_ws, [Document(text="He said: \"We will win this fight.\" Then he left.",
                                     id="s")])
    rep = check_text(fake_ws, 'The senator said "we will win this fight" on Monday.')
    assert rep.quotes[0].status == "verbatim"


def test_sample_article_fixture_exists():
    assert SAMPLE_ARTICLE.exists()


def test_check_claim_reuses_given_suggestions(fake_ws, sample_text, monkeypatch):
    add_sources(fake_ws, [SAMPLE_SOURCES])
    (c,) = store_claims(fake_ws, sample_text, [VALUATION])
    computed = check_claim(fake_ws, c.id)
    given = suggest(fake_ws, claim_id=c.id, k=SUGGESTED)

    def no_search(*a, **k):
        raise AssertionError("searched again although the suggestions were given")

    monkeypatch.setattr(checks_module, "suggest", no_search)
    reused = check_claim(fake_ws, c.id, suggested=given)
    assert reused == computed
    assert check_claim(fake_ws, c.id, suggested=[]).evidence_from == "none"
