"""The queue page (factcheck.ui.queue): search, bulk actions, assignment, blind verdicts."""

from __future__ import annotations

import pytest

from factcheck.services.auth import Actor, Role
from tests.ui.helpers import ok, one, texts


def test_my_queue_is_the_default_for_a_reviewer_in_team_mode():
    from factcheck.ui.queue import TABLE_COLUMNS, default_my_queue

    assert default_my_queue(Actor("ana", Role.reviewer), team=True)
    assert not default_my_queue(Actor("ed", Role.editor), team=True)
    assert not default_my_queue(Actor("solo", Role.admin), team=False)
    # verdict and reviewer right after the claim (in view at 1400 px), the article title last
    assert TABLE_COLUMNS.index("verdict") <= 3 and TABLE_COLUMNS.index("reviewer") <= 4
    assert TABLE_COLUMNS[-1] == "article"


def _ids(at, key: str = "queue_table") -> list[int]:
    return [int(i) for i in at.dataframe(key=key).value["claim_id"]]


def _select(at, rows: list[int]) -> None:
    at.session_state["queue_table_bulk"] = {"selection": {"rows": rows, "columns": []}}


@pytest.mark.slow
def test_search_over_claims_and_article_titles(app, db):
    at = app()
    everything = _ids(at)
    at.text_input(key="queue_search").input("$380 BILLION")
    ok(at.run())
    found = at.dataframe(key="queue_table").value
    assert len(found) >= 1 and all("$380 billion" in c for c in found["claim"])
    title = one(db, "SELECT title FROM articles LIMIT 1")[0]
    at.text_input(key="queue_search").input(title.split()[0].lower() + " " + title.split()[-1])
    ok(at.run())
    assert set(_ids(at)) == set(everything)  # every claim of the only article, by its title
    at.text_input(key="queue_search").input("no-such-word-anywhere")
    ok(at.run())
    assert "No claims match these filters." in texts(at)


@pytest.mark.slow
def test_bulk_dismiss_assign_and_second_review(app, db, ws):
    from factcheck.services.review import set_verdict

    at = app()
    order = _ids(at)
    at.toggle(key="queue_bulk").set_value(True)
    ok(at.run())
    assert at.button(key="queue_bulk_dismiss").disabled  # nothing selected yet
    _select(at, [0, 1])
    ok(at.run())
    assert "2 claims selected" in texts(at)
    at.button(key="queue_bulk_dismiss").click()
    ok(at.run())
    assert "Dismissed 2 claims." in texts(at)
    for cid in order[:2]:
        assert one(db, "SELECT status FROM claims WHERE id = :c", c=cid)[0] == "dismissed"
    n = one(db, "SELECT count(*) FROM review_events WHERE kind = 'status' AND claim_id IN (:a, :b)",
            a=order[0], b=order[1])[0]
    assert n == 2  # one event per claim
    assert not set(order[:2]) & set(_ids(at, "queue_table_bulk"))

    # a conflict (a claim saved by someone else since the table was read) changes nothing
    rest = _ids(at, "queue_table_bulk")
    _select(at, [0, 1])
    ok(at.run())
    set_verdict(ws, rest[1], "True", "other-desk")
    at.button(key="queue_bulk_dismiss").click()
    ok(at.run())
    assert "Nothing was changed: conflict" in texts(at)
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=rest[0])[0] != "dismissed"

    # assign two claims to other-desk; "My queue" shows what is assigned to the current reviewer
    _select(at, [0, 1])
    at.selectbox(key="queue_bulk_assignee").set_value("other-desk")
    ok(at.run())
    at.button(key="queue_bulk_assign").click()
    ok(at.run())
    assert "Assigned 2 claims to other-desk." in texts(at)
    assigned = {one(db, "SELECT assignee FROM assignments WHERE claim_id = :c", c=c)[0] for c in rest[:2]}
    assert assigned == {"other-desk"}
    at.toggle(key="queue_bulk").set_value(False)
    at.sidebar.text_input(key="fc_reviewer_input").input("other-desk")
    at.toggle(key="queue_mine").set_value(True)
    ok(at.run())
    mine = at.dataframe(key="queue_table").value
    assert set(mine["claim_id"]) == set(rest[:2]) and set(mine["assignee"]) == {"other-desk"}

    # send the claim with a verdict for a blind second review: its verdict is hidden in the queue
    at.toggle(key="queue_mine").set_value(False)
    at.toggle(key="queue_bulk").set_value(True)
    at.sidebar.text_input(key="fc_reviewer_input").input("cleo")  # not the first reviewer
    ok(at.run())
    row = _ids(at, "queue_table_bulk").index(rest[1])
    _select(at, [row])
    ok(at.run())
    at.button(key="queue_bulk_second").click()
    ok(at.run())
    assert "Sent 1 claim for a blind second review." in texts(at)
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=rest[1])[0] == "needs_second_review"
    table = at.dataframe(key="queue_table_bulk").value.set_index("claim_id")
    assert table.loc[rest[1], "verdict"] == "(blind)" and table.loc[rest[1], "reviewer"] == "(blind)"
    at.sidebar.text_input(key="fc_reviewer_input").input("other-desk")  # the first reviewer sees it
    ok(at.run())
    assert at.dataframe(key="queue_table_bulk").value.set_index("claim_id").loc[rest[1], "verdict"] == "True"


@pytest.mark.slow
def test_queue_shows_what_another_process_changed(app, ws):
    """The queue's rows are kept between reruns, so a change made elsewhere (a verdict, an
    assignment, an edited claim) must still show on the next rerun."""
    from factcheck.services.review import assign_claims, edit_claim, set_verdict

    at = app()
    first = _ids(at)[0]
    row = lambda: at.dataframe(key="queue_table").value.set_index("claim_id").loc[first]  # noqa: E731
    assert row()["verdict"] == "" and row()["assignee"] == ""
    set_verdict(ws, first, "Half true", "someone-else")
    ok(at.run())
    assert row()["verdict"] == "Half true" and row()["reviewer"] == "someone-else"
    assign_claims(ws, [first], "ana", Actor("ed", Role.admin))
    ok(at.run())
    assert row()["assignee"] == "ana"
    claim = ws.store.get_claim(first)
    edited = edit_claim(ws, first, "someone-else", claim.start, claim.end - 1)
    assert edited.text != claim.text
    ok(at.run())
    assert row()["claim"] == edited.text
