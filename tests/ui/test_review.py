"""The review page's helpers that need no streamlit (factcheck.ui.review)."""

import pytest


def test_split_points_and_find_span():
    from factcheck.errors import InputError
    from factcheck.ui.review import find_span, split_points

    original = "Prices rose 5% and exports fell 2%."
    assert split_points(original, "Prices rose 5% | and exports fell 2%.") == [15]
    assert split_points(original, "Prices rose 5%|and exports|fell 2%.") == [15, 27]
    with pytest.raises(InputError):
        split_points(original, "Prices rose 6% | and exports fell 2%.")
    with pytest.raises(InputError):
        split_points(original, original)
    assert find_span("a b a b", "a b", 3) == (4, 7)
    assert find_span("abc", "zz", 0) is None


@pytest.mark.slow
def test_blind_second_review_hides_the_first_verdict_until_saved(app, db, ws):
    from tests.ui.helpers import claim_with, ok, one, table, texts

    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    at.sidebar.text_input(key="fc_reviewer_input").input("ana")
    ok(at.run())
    at.selectbox(key=f"review_label_{cid}").set_value("Mostly false")
    at.text_area(key=f"review_rationale_{cid}").input("FIRST-RATIONALE: the filing says less")
    at.checkbox(key=f"review_second_{cid}").check()
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    # the same browser session, another reviewer: the drafts of the first verdict are not shown
    at.sidebar.text_input(key="fc_reviewer_input").input("ben")
    ok(at.run())
    shown = texts(at)
    assert "Blind second review" in shown
    assert "FIRST-RATIONALE" not in shown and "Current: Mostly false" not in shown
    assert at.selectbox(key=f"review_label_{cid}").value is None
    assert at.text_area(key=f"review_rationale_{cid}").value == ""
    history = table(at, "what")
    assert "Mostly false" not in " ".join(history["details"]) and "FIRST-RATIONALE" not in " ".join(
        history["details"])
    assert not [c for c in at.checkbox if c.key == f"review_second_{cid}"]

    at.selectbox(key=f"review_label_{cid}").set_value("True")
    at.text_area(key=f"review_rationale_{cid}").input("SECOND-RATIONALE: the memo confirms it")
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    shown = texts(at)  # now both are shown, side by side
    assert "the reviewers disagree" in shown
    assert "FIRST-RATIONALE" in shown and "SECOND-RATIONALE" in shown
    row = one(db, "SELECT first_reviewer, first_label, second_reviewer, second_label, resolved_at "
                  "FROM second_reviews WHERE claim_id = :c", c=cid)
    assert tuple(row) == ("ana", "Mostly false", "ben", "True", None)
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=cid)[0] == "needs_second_review"

    # the editor (solo mode: admin) resolves by keeping one of the two
    at.button(key=f"review_keep_first_{cid}").click()
    ok(at.run())
    assert "Resolved the second review" in texts(at)
    assert one(db, "SELECT label FROM verdicts WHERE claim_id = :c", c=cid)[0] == "Mostly false"
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=cid)[0] == "done"
    resolved = one(db, "SELECT resolved_label FROM second_reviews WHERE claim_id = :c", c=cid)[0]
    assert resolved == "Mostly false"
