"""Library tests of factcheck.review: links, verdicts, history, conflicts, claim fixes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from factcheck.db.store import passages, sources, to_row, verdicts
from factcheck.errors import ConflictError, InputError, NotFoundError
from factcheck.models import Article, Claim, ClaimStatus, Passage, Sentence, Source, Stance
from factcheck.services import review

TEXT = (
    "The company is valued at $380 billion. "
    "Unemployment fell to 3.5% in May and prices rose 2%. "
    "\u201cWe will win,\u201d said Jane Doe."
)
SOURCE_TEXT = "Official data show unemployment at 3.9% in May. Prices rose 2.1% over the year."


def _spans(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for end_mark in (". ", ". ", "Doe."):
        end = text.index(end_mark, start) + (1 if end_mark == ". " else len(end_mark))
        out.append((start, end))
        start = end + 1
    return out


@pytest.fixture
def ws(fake_ws):
    """Workspace with one article (3 sentences, 2 claims) and one source with 2 passages."""
    spans = _spans(TEXT)
    art = Article(id="a1", title="Economy", url="https://news.example/a1", text=TEXT)
    sents = [Sentence(article_id="a1", index=i, start=s, end=e, text=TEXT[s:e])
             for i, (s, e) in enumerate(spans)]
    cls = [Claim(article_id="a1", sentence_index=i, start=s, end=e, text=TEXT[s:e])
           for i, (s, e) in enumerate(spans[:2])]
    fake_ws.claims = fake_ws.store.save_extraction(art, sents, cls)
    src = Source(id="s1", url="https://stats.example/may", title="Stats", text=SOURCE_TEXT)
    cut = SOURCE_TEXT.index("Prices")
    with fake_ws.store.begin() as conn:
        conn.execute(sa.insert(sources).values(to_row(src)))
        ids = []
        for i, (s, e) in enumerate([(0, cut - 1), (cut, len(SOURCE_TEXT))]):
            p = Passage(source_id="s1", index=i, start=s, end=e, text=SOURCE_TEXT[s:e])
            ids.append(conn.execute(sa.insert(passages).values(to_row(p, drop_none_keys=["id"])))
                       .inserted_primary_key[0])
    fake_ws.passage_ids = ids
    return fake_ws


def test_fixture_offsets(ws):
    for c in ws.claims:
        assert TEXT[c.start:c.end] == c.text
    assert ws.claims[1].text.startswith("Unemployment") and ws.claims[1].text.endswith("2%.")


# -- evidence links -------------------------------------------------------------------------------
def test_link_then_relink_updates_and_records_both(ws):
    cid, pid = ws.claims[1].id, ws.passage_ids[0]
    first = review.link_evidence(ws, cid, pid, "refutes", "alice", note="3.9 not 3.5")
    again = review.link_evidence(ws, cid, pid, Stance.context, "bob")
    assert first.id == again.id
    [link] = review.links_for(ws, cid)
    assert (link.stance, link.reviewer, link.note) == (Stance.context, "bob", None)
    kinds = [(e.kind, e.reviewer, e.data["stance"]) for e in review.history(ws, cid)]
    assert kinds == [("link", "alice", "refutes"), ("link", "bob", "context")]


def test_link_errors(ws):
    cid, pid = ws.claims[0].id, ws.passage_ids[0]
    with pytest.raises(InputError, match="supports, refutes or context"):
        review.link_evidence(ws, cid, pid, "agrees", "alice")
    with pytest.raises(NotFoundError, match="no passage 999"):
        review.link_evidence(ws, cid, 999, "supports", "alice")
    with pytest.raises(NotFoundError, match="no claim 999"):
        review.link_evidence(ws, 999, pid, "supports", "alice")
    assert review.links_for(ws, cid) == []


def test_unlink(ws):
    cid, pid = ws.claims[0].id, ws.passage_ids[1]
    review.link_evidence(ws, cid, pid, "supports", "alice")
    review.unlink_evidence(ws, cid, pid, "bob")
    assert review.links_for(ws, cid) == []
    assert [e.kind for e in review.history(ws, cid)] == ["link", "unlink"]
    with pytest.raises(NotFoundError, match="no link"):
        review.unlink_evidence(ws, cid, pid, "bob")


def test_parse_link():
    assert review.parse_link("12:refutes") == (12, Stance.refutes)
    assert review.parse_link("7") == (7, Stance.supports)
    for bad in ("x:refutes", "3:agrees", ""):
        with pytest.raises(InputError, match="PASSAGE_ID:supports"):
            review.parse_link(bad)


# -- verdicts -----------------------------------------------------------------------------------
def test_set_verdict_stores_bumps_and_records(ws):
    claim = ws.claims[1]
    v = review.set_verdict(ws, claim.id, "mostly FALSE", "alice", "3.9%, not 3.5%",
                           links=[(ws.passage_ids[0], "refutes"), (ws.passage_ids[1], Stance.supports)])
    assert v.label == "Mostly false"  # spelled as on the scale
    assert v.version == 2 and v.created_at.tzinfo is not None
    stored = ws.store.get_claim(claim.id)
    assert (stored.version, stored.status) == (2, ClaimStatus.done)
    assert review.get_verdict(ws, claim.id) == v
    assert {(lk.passage_id, lk.stance) for lk in review.links_for(ws, claim.id)} == {
        (ws.passage_ids[0], Stance.refutes), (ws.passage_ids[1], Stance.supports)}
    events = review.history(ws, claim.id)
    assert [e.kind for e in events] == ["link", "link", "verdict"]
    last = events[-1]
    assert last.reviewer == "alice" and last.at.tzinfo is not None
    assert last.data == {"label": "Mostly false", "rationale": "3.9%, not 3.5%", "version": 2,
                         "status": "done"}


def test_second_verdict_replaces_current_and_keeps_history(ws):
    cid = ws.claims[0].id
    review.set_verdict(ws, cid, "True", "alice", "filing says so")
    review.set_verdict(ws, cid, "Half true", "bob", "valuation is disputed",
                       status=ClaimStatus.needs_second_review)
    assert review.get_verdict(ws, cid).label == "Half true"
    with ws.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(verdicts)).scalar() == 1
    assert ws.store.get_claim(cid).status is ClaimStatus.needs_second_review
    labels = [(e.reviewer, e.data["label"]) for e in review.history(ws, cid)]
    assert labels == [("alice", "True"), ("bob", "Half true")]


def test_verdict_input_errors_change_nothing(ws):
    cid = ws.claims[0].id
    with pytest.raises(InputError, match="unknown verdict 'Pants on fire'"):
        review.set_verdict(ws, cid, "Pants on fire", "alice")
    with pytest.raises(InputError, match="unknown status 'finished'"):
        review.set_verdict(ws, cid, "True", "alice", status="finished")
    # the second link fails after the same transaction bumped the claim's version and stored the
    # first link: the whole save rolls back
    with pytest.raises(NotFoundError, match="no passage 999"):
        review.set_verdict(ws, cid, "True", "alice",
                           links=[(ws.passage_ids[0], "supports"), (999, "supports")])
    assert review.get_verdict(ws, cid) is None
    assert ws.store.get_claim(cid).version == 1
    assert review.links_for(ws, cid) == []
    assert review.history(ws, cid) == []
    with pytest.raises(NotFoundError, match="no claim 999"):
        review.set_verdict(ws, 999, "True", "alice")


def test_conflict_with_expect_version(ws):
    cid = ws.claims[1].id
    read_version = ws.store.get_claim(cid).version  # both reviewers open the claim at version 1
    review.set_verdict(ws, cid, "False", "alice", "3.9%", expect_version=read_version)
    with pytest.raises(ConflictError) as info:
        review.set_verdict(ws, cid, "True", "bob", "looks right", expect_version=read_version,
                           links=[(ws.passage_ids[1], "supports")])
    e = info.value
    assert e.exit_code == 3
    msg = str(e)
    assert "conflict" in msg and "alice" in msg and "'False'" in msg and "version 2" in msg
    assert "\n" not in msg
    # bob's save left no trace: verdict, links, history unchanged
    assert review.get_verdict(ws, cid).reviewer == "alice"
    assert review.links_for(ws, cid) == []
    assert [e.reviewer for e in review.history(ws, cid)] == ["alice"]
    # re-reading and re-applying works
    again = review.set_verdict(ws, cid, "True", "bob", expect_version=2)
    assert again.version == 3


def test_status_change_also_conflicts(ws):
    cid = ws.claims[0].id
    review.set_status(ws, cid, "in_review", "alice")
    with pytest.raises(ConflictError, match="someone changed it"):
        review.set_status(ws, cid, "done", "bob", expect_version=1)
    with pytest.raises(InputError, match="unknown status"):
        review.set_status(ws, cid, "later", "bob")
    [ev] = review.history(ws, cid)
    assert ev.data == {"status": "in_review", "previous": "new"}


# -- fixing the extraction ------------------------------------------------------------------
def test_dismiss_hides_claim(ws):
    cid = ws.claims[0].id
    claim = review.dismiss_claim(ws, cid, "alice", reason="a valuation, not a claim")
    assert claim.status is ClaimStatus.dismissed
    assert cid not in [c.id for c in ws.store.list_claims()]
    assert cid not in [i for i, _ in ws.store.index_rows("claims")]
    assert [(e.kind, e.data) for e in review.history(ws, cid)] == [
        ("status", {"status": "dismissed", "previous": "new"}),
        ("note", {"note": "a valuation, not a claim"}),
    ]


def test_add_claim_from_span(ws):
    start = TEXT.index("\u201cWe")
    claim = review.add_claim(ws, "a1", start - 1, len(TEXT), "alice")  # leading space is trimmed
    assert claim.start == start and TEXT[claim.start:claim.end] == claim.text
    assert claim.origin == "manual" and claim.sentence_index == 2
    stored = ws.store.get_claim(claim.id)
    assert stored.text == claim.text
    [ev] = review.history(ws, claim.id)
    assert (ev.kind, ev.data) == ("add", {"start": claim.start, "end": claim.end})
    with pytest.raises(InputError, match="already covers"):
        review.add_claim(ws, "a1", start, len(TEXT), "bob")
    with pytest.raises(InputError, match="outside the article"):
        review.add_claim(ws, "a1", 0, len(TEXT) + 5, "bob")
    with pytest.raises(InputError, match="only whitespace"):
        review.add_claim(ws, "a1", start - 1, start, "bob")
    with pytest.raises(NotFoundError):
        review.add_claim(ws, "nope", 0, 3, "bob")


def test_add_claim_revives_dismissed(ws):
    c = ws.claims[0]
    review.dismiss_claim(ws, c.id, "alice")
    back = review.add_claim(ws, "a1", c.start, c.end, "bob")
    assert back.id == c.id
    assert ws.store.get_claim(c.id).status is ClaimStatus.new


def test_edit_claim_moves_span(ws):
    c = ws.claims[1]
    end = TEXT.index(" and prices")
    edited = review.edit_claim(ws, c.id, "alice", c.start, end, expect_version=1)
    assert edited.text == "Unemployment fell to 3.5% in May" == TEXT[edited.start:edited.end]
    assert edited.version == 2 and edited.origin == "edited"
    assert all(edited.start <= kv.start < kv.end <= edited.end for kv in edited.key_values)
    assert all(TEXT[kv.start:kv.end] == kv.text for kv in edited.key_values)
    [ev] = review.history(ws, c.id)
    assert ev.kind == "edit" and ev.data["old"]["text"] == c.text and ev.data["new"]["end"] == end
    with pytest.raises(ConflictError):
        review.edit_claim(ws, c.id, "bob", c.start, c.end, expect_version=1)
    other = ws.claims[0]
    with pytest.raises(InputError, match="already covers"):
        review.edit_claim(ws, c.id, "bob", other.start, other.end)
    assert ws.store.get_claim(c.id).text == edited.text


def test_split_claim(ws):
    c = ws.claims[1]
    cut = TEXT.index("and prices")
    parts = review.split_claim(ws, c.id, [cut], "alice")
    assert [p.text for p in parts] == ["Unemployment fell to 3.5% in May", "and prices rose 2%."]
    assert parts[0].id == c.id and parts[1].origin == "split"
    for p in parts:
        assert TEXT[p.start:p.end] == p.text
    assert [e.kind for e in review.history(ws, c.id)] == ["edit", "split"]
    assert review.history(ws, c.id)[-1].data["parts"] == [[p.start, p.end] for p in parts]
    assert review.history(ws, parts[1].id)[0].data == {"parent": c.id}
    with pytest.raises(InputError, match="split points must lie inside"):
        review.split_claim(ws, c.id, [c.start], "alice")


def test_failed_split_changes_nothing(ws):
    c = ws.claims[1]
    cut = TEXT.index("and prices")
    review.add_claim(ws, "a1", cut, c.end, "bob")  # the last part already exists
    before = ws.store.get_claim(c.id)
    n_claims = len(ws.store.list_claims())
    mid = TEXT.index(" in May")
    # the split shortens the claim and inserts the middle part before the last part fails
    with pytest.raises(InputError, match="already covers"):
        review.split_claim(ws, c.id, [mid, cut], "alice")
    assert ws.store.get_claim(c.id) == before
    assert len(ws.store.list_claims()) == n_claims
    assert "in May" not in [x.text for x in ws.store.list_claims()]
    assert review.history(ws, c.id) == []


def test_history_unknown_claim(ws):
    with pytest.raises(NotFoundError, match="no claim 12345"):
        review.history(ws, 12345)


# -- bulk actions, assignment, blind second review ---------------------------------------------
def _events(ws, kind: str) -> list:
    return [e for c in ws.claims for e in review.history(ws, c.id) if e.kind == kind]


def test_bulk_dismiss_is_one_transaction_with_the_single_save_conflict_rule(ws):
    a, b = ws.claims
    stale = {a.id: a.version, b.id: b.version}
    review.set_verdict(ws, b.id, "True", "ana")  # b changes after the queue was read
    with pytest.raises(ConflictError):
        review.dismiss_claims(ws, [a.id, b.id], "ed", "not claims", expect_versions=stale)
    assert {ws.store.get_claim(c.id).status for c in ws.claims} != {ClaimStatus.dismissed}
    assert ws.store.get_claim(a.id).status is ClaimStatus.new  # rolled back with b
    assert _events(ws, "status") == []
    fresh = {c.id: ws.store.get_claim(c.id).version for c in ws.claims}
    done = review.dismiss_claims(ws, [a.id, b.id, a.id], "ed", "not claims", expect_versions=fresh)
    assert [c.status for c in done] == [ClaimStatus.dismissed] * 2
    assert len(_events(ws, "status")) == 2 and len(_events(ws, "note")) == 2  # one per claim
    with pytest.raises(InputError):
        review.dismiss_claims(ws, [], "ed")


def test_assign_claims_and_articles(ws):
    a, b = ws.claims
    review.assign_claims(ws, [a.id], "ben", "ed")
    assert review.assignee_of(ws, a.id) == "ben" and review.assignee_of(ws, b.id) is None
    review.assign_article(ws, "a1", "cleo", "ed")
    assert {review.assignee_of(ws, c.id) for c in ws.claims} == {"cleo"}
    review.assign_claims(ws, [a.id], None, "ed")
    assert review.assignee_of(ws, a.id) is None
    assigns = _events(ws, "assign")
    assert [(e.data["assignee"], e.data["previous"]) for e in assigns if e.claim_id == a.id] == [
        ("ben", None), ("cleo", "ben"), (None, "cleo")]
    with pytest.raises(NotFoundError):
        review.assign_claims(ws, [999], "ben", "ed")


def test_blind_second_review_pairs_and_resolution(ws):
    a, b = ws.claims
    review.set_verdict(ws, a.id, "True", "ana", "first reasons", status="needs_second_review")
    sr = review.second_review(ws, a.id)
    assert (sr.first_reviewer, sr.first_label, sr.second_label) == ("ana", "True", None)
    assert review.is_blind_for(sr, "ben") and not review.is_blind_for(sr, "ana")
    review.set_verdict(ws, a.id, "False", "ben", "second reasons", status="needs_second_review")
    sr = review.second_review(ws, a.id)
    assert (sr.second_reviewer, sr.second_label, sr.second_rationale) == ("ben", "False", "second reasons")
    assert sr.first_label == "True" and sr.resolved_at is None and not review.is_blind_for(sr, "cleo")
    review.set_verdict(ws, a.id, "False", "ed", "resolved: second is right", status="done")
    sr = review.second_review(ws, a.id)
    assert (sr.resolved_by, sr.resolved_label) == ("ed", "False")
    assert ws.store.get_claim(a.id).status is ClaimStatus.done
    # bulk send: needs a verdict; the pair starts from the current verdict, nothing else changes
    with pytest.raises(InputError, match="no verdict"):
        review.request_second_reviews(ws, [b.id], "ed")
    review.set_verdict(ws, b.id, "Half true", "ana")
    out = review.request_second_reviews(ws, [a.id, b.id], "ed")
    assert [c.status for c in out] == [ClaimStatus.needs_second_review] * 2
    assert review.second_review(ws, b.id).first_label == "Half true"
    assert review.second_review(ws, a.id).first_label == "False"  # a new pair for a re-sent claim
