"""Evidence cards on the review page (factcheck.ui.evidence): no stance is ever preselected."""

from __future__ import annotations

import re

import pytest

from factcheck.ui.hotkeys import SCRIPT
from tests.ui.helpers import claim_with, htmls, ok, one, texts


def _cards(at, cid: int) -> list[int]:
    keys = [b.key for b in at.button if b.key and b.key.startswith("review_sg_link_")]
    return [int(k.split("_")[3]) for k in keys if k.endswith(f"_{cid}")]


@pytest.mark.slow
def test_no_stance_is_preselected_and_link_waits_for_one(app, db):
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    pids = _cards(at, cid)
    assert len(pids) >= 2, "need two suggested passages"
    for pid in pids:  # every card: no stance, Link disabled (contradictions included)
        assert at.radio(key=f"review_sg_stance_{pid}_{cid}").value is None
        assert at.button(key=f"review_sg_link_{pid}_{cid}").disabled
    # the keyboard acts on the first unlinked card; touching another card makes it the active one
    assert SCRIPT.strip() in htmls(at)
    assert at.session_state[f"review_hotcard_{cid}"] == ("review_sg", pids[0])
    assert "Keyboard: s / r / c choose the stance" in texts(at)
    at.radio(key=f"review_sg_stance_{pids[1]}_{cid}").set_value("refutes")
    ok(at.run())
    assert at.session_state[f"review_hotcard_{cid}"] == ("review_sg", pids[1])
    assert not at.button(key=f"review_sg_link_{pids[1]}_{cid}").disabled
    assert at.button(key=f"review_sg_link_{pids[0]}_{cid}").disabled
    at.button(key=f"review_sg_link_{pids[1]}_{cid}").click()
    ok(at.run())
    assert one(db, "SELECT passage_id, stance FROM evidence_links WHERE claim_id = :c", c=cid) == (
        pids[1], "refutes")
    assert at.session_state[f"review_hotcard_{cid}"] == ("review_sg", pids[0])  # next unlinked card
    # the linked card shows its stance and offers "Update link"
    assert at.button(key=f"review_sg_link_{pids[1]}_{cid}").label == "Update link"
    assert at.radio(key=f"review_sg_stance_{pids[1]}_{cid}").value == "refutes"


@pytest.mark.slow
def test_markdown_sources_without_markup_and_demo_notice_in_the_metadata(app, db):
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    html = htmls(at)
    assert "Funding brief" in html or "Anthropic" in html
    assert "Synthetic demo source" not in html  # not in any passage shown
    assert "<!--" not in html and "&lt;!--" not in html
    assert not re.search(r"(^|<br>|>)#+ ", html)  # no heading markers
    assert "synthetic demo source, not a real article" in html  # the notice is in the card's metadata


@pytest.mark.slow
def test_earlier_fact_checks_only_above_the_learned_threshold(app, db, ws):
    from factcheck.search.archive_match import match
    from factcheck.ui.evidence import MATCH_MIN_SCORE

    shown_any = False
    for needle in ("$380 billion", "$200 million", "six-month"):
        cid = claim_with(db, needle)
        found = match(ws, cid, k=5)
        at = app("review", claim=cid)
        shown = [float(x) for x in re.findall(r"similarity (\d\.\d\d)", htmls(at))]
        assert all(s >= MATCH_MIN_SCORE - 0.005 for s in shown), shown
        assert len(shown) == sum(m.score >= MATCH_MIN_SCORE for m in found)
        if not shown:
            assert "No earlier fact-check found." in texts(at)
        shown_any = shown_any or bool(shown)
        assert any(m.score < MATCH_MIN_SCORE for m in found) or shown  # low matches exist and are hidden
    assert shown_any, "the sample archive's valuation check should still be shown"


def test_threshold_is_the_measured_figure():
    import json

    from factcheck.ui.evidence import MATCH_MIN_SCORE
    from tests.conftest import REPO

    result = json.loads((REPO / "bench" / "results" / "match_threshold.json").read_text())
    assert MATCH_MIN_SCORE == result["threshold"]


def test_update_link_label_has_room():
    # "Update link" was cut to "Update li…" in a [3, 1] column: the button's column is now a third
    import inspect

    from factcheck.ui import evidence

    src = inspect.getsource(evidence._link_form)
    assert 'st.columns([2, 1], vertical_alignment="bottom")' in src and '"Update link"' in src


@pytest.mark.slow
def test_a_claim_opened_cold_is_searched_for_evidence_once(app, db, monkeypatch):
    """The number/quote checks use the suggestions the page shows instead of searching again."""
    from factcheck.search import evidence

    cid = claim_with(db, "$380 billion")
    text = one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0]
    searched: list[str] = []
    real = evidence.suggest_many

    def counting(ws, queries, k=5):
        searched.extend(q.text if hasattr(q, "text") else q for q in queries)
        return real(ws, queries, k)

    monkeypatch.setattr(evidence, "suggest_many", counting)
    at = app("review", claim=cid)
    assert _cards(at, cid), "suggestions shown"
    shown = htmls(at) + " ".join(texts(at))
    assert any(b in shown for b in ("matches", "mismatch", "not in the evidence")), "number check shown"
    assert searched.count(text) == 1
