"""Evidence cards on the review page (factcheck.ui.evidence): no stance is ever preselected."""

from __future__ import annotations

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
