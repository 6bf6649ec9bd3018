"""Review actions: link evidence, set verdicts, fix the extraction, and the history of a claim.

Every action is one function, one transaction, and appends a :class:`ReviewEvent` (who, when,
what). Saves use optimistic concurrency: each claim has a ``version``; a save that names the
version it read (``expect_version``) fails with :class:`ConflictError` — showing the other
reviewer's verdict — when someone else saved in between. Nothing is ever silently overwritten.

Every write takes the actor (an :class:`~factcheck.services.auth.Actor`, or a plain name resolved
by :func:`~factcheck.services.auth.actor_for`) and calls
:func:`~factcheck.services.auth.authorise` inside its transaction, on the claim as read there
(e.g. only an editor completes a claim waiting for a second review).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from factcheck.db.store import (
    articles,
    assignments,
    claims,
    evidence_links,
    passages,
    review_events,
    row_to,
    second_reviews,
    to_row,
    verdicts,
)
from factcheck.errors import ConflictError, FactcheckError, InputError, NotFoundError
from factcheck.models import (
    Assignment,
    Claim,
    ClaimStatus,
    EvidenceLink,
    ReviewEvent,
    SecondReview,
    Stance,
    Verdict,
    utcnow,
)
from factcheck.services.auth import Actor, actor_for, authorise
from factcheck.text.sentences import strip_span

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)


def _claim(conn: Connection, claim_id: int) -> Claim:
    row = conn.execute(sa.select(claims).where(claims.c.id == claim_id)).first()
    if row is None:
        raise NotFoundError(f"no claim {claim_id}; list ids with `factcheck claims list`")
    return row_to(Claim, row)


def _event(conn: Connection, claim_id: int, kind: str, reviewer: str, **data: Any) -> None:
    ev = ReviewEvent(claim_id=claim_id, kind=kind, reviewer=reviewer, data=data)
    conn.execute(sa.insert(review_events).values(to_row(ev, drop_none_keys=["id"])))


def _verdict(conn: Connection, claim_id: int) -> Verdict | None:
    row = conn.execute(sa.select(verdicts).where(verdicts.c.claim_id == claim_id)).first()
    return None if row is None else row_to(Verdict, row)


def _bump(conn: Connection, claim: Claim, expect_version: int | None, **values: Any) -> int:
    """Increment the claim version iff it is still the one expected; returns the new version."""
    expected = claim.version if expect_version is None else expect_version
    res = conn.execute(
        sa.update(claims)
        .where(claims.c.id == claim.id, claims.c.version == expected)
        .values(version=expected + 1, updated_at=utcnow(), **values)
    )
    if res.rowcount != 1:
        current = _claim(conn, claim.id)  # type: ignore[arg-type]
        other = _verdict(conn, claim.id)  # type: ignore[arg-type]
        raise ConflictError(conflict_message(current, other, expected))
    return expected + 1


def conflict_message(current: Claim, other: Verdict | None, expected: int) -> str:
    """The one-line message of a lost update."""
    who = f"{other.reviewer} saved verdict {other.label!r}" if other else "someone changed it"
    return (
        f"conflict: claim {current.id} is at version {current.version}, you read version "
        f"{expected}; {who}. Reload the claim and re-apply your change"
    )


def parse_status(status: ClaimStatus | str) -> ClaimStatus:
    """A ClaimStatus, or InputError listing the valid ones."""
    try:
        return ClaimStatus(status)
    except ValueError:
        names = ", ".join(s.value for s in ClaimStatus)
        raise InputError(f"unknown status {status!r}; use one of: {names}") from None


def check_label(ws: Workspace, label: str) -> str:
    """The verdict label as spelled on the configured scale (case-insensitive match)."""
    scale = ws.settings.verdict_scale()
    for item in scale:
        if item.casefold() == label.strip().casefold():
            return item
    raise InputError(f"unknown verdict {label!r}; use one of: {', '.join(scale)}")


def link_evidence(
    ws: Workspace,
    claim_id: int,
    passage_id: int,
    stance: Stance | str,
    reviewer: Actor | str,
    note: str | None = None,
) -> EvidenceLink:
    """Link a passage to a claim with a stance (re-linking updates stance and note)."""
    who = actor_for(ws.settings, reviewer)
    with ws.write("claims", "verdicts") as conn:
        authorise(who, "link", claim_id, conn=conn)
        return _link(conn, claim_id, passage_id, stance, who.username, note)


def _link(
    conn: Connection, claim_id: int, passage_id: int, stance: Stance | str, reviewer: str,
    note: str | None = None,
) -> EvidenceLink:
    try:
        stance = Stance(stance)
    except ValueError:
        raise InputError(f"unknown stance {stance!r}; use supports, refutes or context") from None
    _claim(conn, claim_id)
    if conn.execute(sa.select(passages.c.id).where(passages.c.id == passage_id)).first() is None:
        raise NotFoundError(f"no passage {passage_id}; find ids with `factcheck suggest`")
    q = sa.select(evidence_links).where(
        evidence_links.c.claim_id == claim_id, evidence_links.c.passage_id == passage_id
    )
    row = conn.execute(q).first()
    link = EvidenceLink(
        claim_id=claim_id, passage_id=passage_id, stance=stance, note=note, reviewer=reviewer
    )
    if row is None:
        res = conn.execute(sa.insert(evidence_links).values(to_row(link, drop_none_keys=["id"])))
        link = link.model_copy(update={"id": res.inserted_primary_key[0]})
    else:
        conn.execute(
            sa.update(evidence_links)
            .where(evidence_links.c.id == row.id)
            .values(stance=stance.value, note=note, reviewer=reviewer, created_at=link.created_at)
        )
        link = link.model_copy(update={"id": row.id})
    _event(conn, claim_id, "link", reviewer, passage_id=passage_id, stance=stance.value, note=note)
    return link


def unlink_evidence(ws: Workspace, claim_id: int, passage_id: int, reviewer: Actor | str) -> None:
    """Remove an evidence link (recorded in the history)."""
    who = actor_for(ws.settings, reviewer)
    with ws.write("claims", "verdicts") as conn:
        authorise(who, "link", claim_id, conn=conn)
        res = conn.execute(
            sa.delete(evidence_links).where(
                evidence_links.c.claim_id == claim_id, evidence_links.c.passage_id == passage_id
            )
        )
        if res.rowcount == 0:
            raise NotFoundError(f"claim {claim_id} has no link to passage {passage_id}")
        _event(conn, claim_id, "unlink", who.username, passage_id=passage_id)


def links_for(ws: Workspace, claim_id: int) -> list[EvidenceLink]:
    """The evidence links of a claim, oldest first."""
    with ws.store.engine.connect() as conn:
        q = sa.select(evidence_links).where(evidence_links.c.claim_id == claim_id)
        return [row_to(EvidenceLink, r) for r in conn.execute(q.order_by(evidence_links.c.id))]


def get_verdict(ws: Workspace, claim_id: int) -> Verdict | None:
    """The current verdict of a claim, if any."""
    with ws.store.engine.connect() as conn:
        return _verdict(conn, claim_id)


def set_verdict(
    ws: Workspace,
    claim_id: int,
    label: str,
    reviewer: Actor | str,
    rationale: str = "",
    *,
    expect_version: int | None = None,
    links: Sequence[tuple[int, Stance | str]] = (),
    status: ClaimStatus | str = ClaimStatus.done,
) -> Verdict:
    """Record a verdict (the app's save button and `factcheck review`).

    With `expect_version`, raises ConflictError if the claim changed since that version.
    `links` are (passage_id, stance) pairs linked in the same save.
    """
    label = check_label(ws, label)
    status = parse_status(status)
    who = actor_for(ws.settings, reviewer)
    reviewer = who.username
    with ws.write("claims", "verdicts") as conn:
        claim = _claim(conn, claim_id)
        authorise(who, "verdict", claim, conn=conn, to_status=status)
        if links:
            authorise(who, "link", claim, conn=conn)
        version = _bump(conn, claim, expect_version, status=status.value)
        for passage_id, stance in links:
            _link(conn, claim_id, passage_id, stance, reviewer)
        verdict = Verdict(
            claim_id=claim_id, label=label, rationale=rationale, reviewer=reviewer, version=version
        )
        conn.execute(sa.delete(verdicts).where(verdicts.c.claim_id == claim_id))
        conn.execute(sa.insert(verdicts).values(to_row(verdict)))
        role = _second_review_bookkeeping(conn, claim_id, verdict, status)
        _event(conn, claim_id, "verdict", reviewer, label=label, rationale=rationale,
               version=version, status=status.value, **({"second_review": role} if role else {}))
    return verdict


# -- blind second review -----------------------------------------------------------------------
def _second(conn: Connection, claim_id: int) -> SecondReview | None:
    row = conn.execute(sa.select(second_reviews).where(second_reviews.c.claim_id == claim_id)).first()
    return None if row is None else row_to(SecondReview, row)


def _open_second(conn: Connection, claim_id: int, verdict: Verdict, requested_by: str) -> None:
    """Start a (new) blind second review with `verdict` as the first one."""
    conn.execute(sa.delete(second_reviews).where(second_reviews.c.claim_id == claim_id))
    sr = SecondReview(claim_id=claim_id, first_reviewer=verdict.reviewer, first_label=verdict.label,
                      first_rationale=verdict.rationale, requested_by=requested_by)
    conn.execute(sa.insert(second_reviews).values(to_row(sr)))


def _second_review_bookkeeping(conn: Connection, claim_id: int, verdict: Verdict,
                               status: ClaimStatus) -> str | None:
    """Keep the blind pair of a claim in step with a verdict save; returns the save's role in it
    ("first", "second", "resolved", "second+resolved") or None.

    * an open review without a second verdict, saved by someone else than the first reviewer:
      this is the blind second verdict;
    * a save that completes the claim (``done``; the library lets only editors leave
      ``needs_second_review``) resolves the open review;
    * the first reviewer re-saving before the second verdict updates the first verdict;
    * a save asking for a second review, with none open, opens one.
    """
    sr = _second(conn, claim_id)
    is_open = sr is not None and sr.resolved_at is None
    now = utcnow()
    values: dict[str, Any] = {}
    role: list[str] = []
    if is_open and sr.second_label is None:  # type: ignore[union-attr]
        if verdict.reviewer != sr.first_reviewer:  # type: ignore[union-attr]
            values.update(second_reviewer=verdict.reviewer, second_label=verdict.label,
                          second_rationale=verdict.rationale, second_at=now)
            role.append("second")
        else:
            values.update(first_label=verdict.label, first_rationale=verdict.rationale)
            role.append("first")
    if is_open and status is ClaimStatus.done:
        values.update(resolved_by=verdict.reviewer, resolved_label=verdict.label, resolved_at=now)
        role.append("resolved")
    if values:
        conn.execute(sa.update(second_reviews).where(second_reviews.c.claim_id == claim_id).values(**values))
    elif not is_open and status is ClaimStatus.needs_second_review:
        _open_second(conn, claim_id, verdict, verdict.reviewer)
        role.append("first")
    return "+".join(role) or None


def second_review(ws: Workspace, claim_id: int) -> SecondReview | None:
    """The claim's latest second review (open or resolved), if any."""
    with ws.store.engine.connect() as conn:
        return _second(conn, claim_id)


def is_blind_for(sr: SecondReview | None, username: str) -> bool:
    """True when `username` must not see the first verdict yet: the second review is open, its
    second verdict is not saved, and they are not the first reviewer."""
    return (sr is not None and sr.resolved_at is None and sr.second_label is None
            and sr.first_reviewer != username)


def request_second_reviews(
    ws: Workspace, claim_ids: Sequence[int], reviewer: Actor | str,
    *, expect_versions: dict[int, int] | None = None,
) -> list[Claim]:
    """Send claims with a verdict for a blind second review (one transaction, one status event
    per claim; a claim changed since `expect_versions` raises ConflictError and nothing is sent)."""
    who = actor_for(ws.settings, reviewer)
    expect_versions = expect_versions or {}
    out = []
    with ws.write("claims", "verdicts") as conn:
        for cid in _unique(claim_ids):
            verdict = _verdict(conn, cid)
            if verdict is None:
                raise InputError(f"claim {cid} has no verdict yet; save one before asking for a second "
                                 "review")
            claim = _claim(conn, cid)
            if claim.status is ClaimStatus.needs_second_review and _open(conn, cid):
                out.append(claim)
                continue
            out.append(_set_status(conn, who, "review", cid, ClaimStatus.needs_second_review,
                                   expect_versions.get(cid)))
            _open_second(conn, cid, verdict, who.username)
    return out


def _open(conn: Connection, claim_id: int) -> bool:
    sr = _second(conn, claim_id)
    return sr is not None and sr.resolved_at is None


def _unique(ids: Sequence[int]) -> list[int]:
    out = list(dict.fromkeys(int(i) for i in ids))
    if not out:
        raise InputError("no claims selected; select one or more rows first")
    return out


# -- bulk actions and assignment ---------------------------------------------------------------
def dismiss_claims(
    ws: Workspace, claim_ids: Sequence[int], reviewer: Actor | str, reason: str = "",
    *, expect_versions: dict[int, int] | None = None,
) -> list[Claim]:
    """Dismiss many claims in one transaction: one status event per claim (and the reason as a
    note), the same rules as :func:`dismiss_claim`; a claim changed since `expect_versions`
    raises ConflictError and nothing is dismissed."""
    who = actor_for(ws.settings, reviewer)
    expect_versions = expect_versions or {}
    out = []
    with ws.write("claims", "verdicts") as conn:
        for cid in _unique(claim_ids):
            out.append(_set_status(conn, who, "edit_claim", cid, ClaimStatus.dismissed,
                                   expect_versions.get(cid)))
            if reason:
                _event(conn, cid, "note", who.username, note=reason)
    return out


def assign_claims(
    ws: Workspace, claim_ids: Sequence[int], assignee: str | None, reviewer: Actor | str,
) -> list[Assignment]:
    """Assign claims to a reviewer (None or "" removes the assignment): an editor's action, one
    transaction, one ``assign`` event per claim whose assignee changes."""
    who = actor_for(ws.settings, reviewer)
    name = (assignee or "").strip() or None
    out = []
    with ws.write("claims", "verdicts") as conn:
        authorise(who, "second_review", conn=conn)  # assigning work is an editor's action
        for cid in _unique(claim_ids):
            _claim(conn, cid)
            row = conn.execute(sa.select(assignments).where(assignments.c.claim_id == cid)).first()
            previous = row.assignee if row is not None else None
            if previous == name:
                continue
            conn.execute(sa.delete(assignments).where(assignments.c.claim_id == cid))
            if name is not None:
                a = Assignment(claim_id=cid, assignee=name, assigned_by=who.username)
                conn.execute(sa.insert(assignments).values(to_row(a)))
                out.append(a)
            _event(conn, cid, "assign", who.username, assignee=name, previous=previous)
    return out


def assign_article(ws: Workspace, article_id: str, assignee: str | None,
                   reviewer: Actor | str) -> list[Assignment]:
    """Assign every claim of an article that is not dismissed (see :func:`assign_claims`)."""
    with ws.store.engine.connect() as conn:
        ids = [int(i) for (i,) in conn.execute(
            sa.select(claims.c.id).where(claims.c.article_id == article_id,
                                         claims.c.status != ClaimStatus.dismissed.value))]
    if not ids:
        raise NotFoundError(f"article {article_id!r} has no claims to assign")
    return assign_claims(ws, ids, assignee, reviewer)


def assignee_of(ws: Workspace, claim_id: int) -> str | None:
    """Who the claim is assigned to, if anyone."""
    with ws.store.engine.connect() as conn:
        return conn.execute(sa.select(assignments.c.assignee)
                            .where(assignments.c.claim_id == claim_id)).scalar()


def set_status(
    ws: Workspace, claim_id: int, status: ClaimStatus | str, reviewer: Actor | str,
    *, expect_version: int | None = None,
) -> Claim:
    """Move a claim through the workflow (new, in_review, needs_second_review, done, dismissed)."""
    status = parse_status(status)
    who = actor_for(ws.settings, reviewer)
    with ws.write("claims", "verdicts") as conn:
        return _set_status(conn, who, "review", claim_id, status, expect_version)


def _set_status(conn: Connection, who: Actor, action: str, claim_id: int, status: ClaimStatus,
                expect_version: int | None = None) -> Claim:
    claim = _claim(conn, claim_id)
    authorise(who, action, claim, conn=conn, to_status=status)
    _bump(conn, claim, expect_version, status=status.value)
    _event(conn, claim_id, "status", who.username, status=status.value, previous=claim.status.value)
    return _claim(conn, claim_id)


def dismiss_claim(ws: Workspace, claim_id: int, reviewer: Actor | str, reason: str = "") -> Claim:
    """Mark an extracted sentence as not a claim (kept, hidden from the queue and index)."""
    who = actor_for(ws.settings, reviewer)
    with ws.write("claims", "verdicts") as conn:
        claim = _set_status(conn, who, "edit_claim", claim_id, ClaimStatus.dismissed)
        if reason:
            _event(conn, claim_id, "note", who.username, note=reason)
    return claim


def _span_claim(
    conn: Connection, article_id: str, start: int, end: int
) -> tuple[str, int, int]:
    """(article text, start, end) with the span checked and stripped of surrounding whitespace."""
    row = conn.execute(sa.select(articles.c.text).where(articles.c.id == article_id)).first()
    if row is None:
        raise NotFoundError(f"no article {article_id!r}")
    text = row.text
    if not (0 <= start < end <= len(text)):
        raise InputError(f"span {start}:{end} is outside the article (length {len(text)})")
    s, e = strip_span(text, start, end)
    if s == e:
        raise InputError(f"span {start}:{end} holds only whitespace; pick some text")
    return text, s, e


def _new_claim_from_span(
    conn: Connection, ws: Workspace, article_text: str, article_id: str, start: int, end: int,
    origin: str, score: float = 0.0, speaker: str | None = None,
) -> Claim:
    from factcheck.ml.checkworthy import classify_type
    from factcheck.text.values import extract_values

    start, end = strip_span(article_text, start, end)
    text = article_text[start:end]
    values = extract_values(text, start)
    sent_row = conn.execute(
        sa.text(
            "SELECT \"index\" FROM sentences WHERE article_id = :a AND start <= :s "
            "ORDER BY start DESC LIMIT 1"
        ),
        {"a": article_id, "s": start},
    ).first()
    claim = Claim(
        article_id=article_id,
        sentence_index=int(sent_row[0]) if sent_row else 0,
        start=start,
        end=end,
        text=text,
        type=classify_type(text, values),
        score=score,
        speaker=speaker,
        key_values=values,
        origin=origin,
    )
    dup = conn.execute(
        sa.select(claims).where(
            claims.c.article_id == article_id, claims.c.start == start, claims.c.end == end
        )
    ).first()
    if dup is not None:
        existing = row_to(Claim, dup)
        if existing.status is ClaimStatus.dismissed:
            conn.execute(
                sa.update(claims).where(claims.c.id == existing.id).values(
                    status=ClaimStatus.new.value, version=existing.version + 1, updated_at=utcnow()
                )
            )
            return existing.model_copy(update={"status": ClaimStatus.new})
        raise InputError(f"claim {existing.id} already covers {start}:{end}; edit it instead")
    res = conn.execute(sa.insert(claims).values(to_row(claim, drop_none_keys=["id"])))
    return claim.model_copy(update={"id": res.inserted_primary_key[0]})


def add_claim(ws: Workspace, article_id: str, start: int, end: int, reviewer: Actor | str) -> Claim:
    """Add a claim the extractor missed, from any span of the article."""
    who = actor_for(ws.settings, reviewer)
    reviewer = who.username
    with ws.write("claims", "verdicts") as conn:
        authorise(who, "edit_claim", conn=conn)
        text, start, end = _span_claim(conn, article_id, start, end)
        claim = _new_claim_from_span(conn, ws, text, article_id, start, end, "manual")
        _event(conn, claim.id, "add", reviewer, start=claim.start, end=claim.end)  # type: ignore[arg-type]
    return claim


def edit_claim(
    ws: Workspace, claim_id: int, reviewer: Actor | str, start: int, end: int,
    *, expect_version: int | None = None,
) -> Claim:
    """Move a claim's span (its text is always the article text of the new span)."""
    who = actor_for(ws.settings, reviewer)
    with ws.write("claims", "verdicts") as conn:
        return _edit(conn, claim_id, who, start, end, expect_version)


def _edit(
    conn: Connection, claim_id: int, who: Actor, start: int, end: int,
    expect_version: int | None = None,
) -> Claim:
    from factcheck.ml.checkworthy import classify_type
    from factcheck.text.values import extract_values

    claim = _claim(conn, claim_id)
    authorise(who, "edit_claim", claim, conn=conn)
    article_text, start, end = _span_claim(conn, claim.article_id, start, end)
    text = article_text[start:end]
    values = extract_values(text, start)
    try:
        _bump(
            conn, claim, expect_version, start=start, end=end, text=text,
            key_values=[v.model_dump(mode="json") for v in values],
            type=classify_type(text, values).value, origin="edited",
        )
    except sa.exc.IntegrityError:
        raise InputError(f"another claim already covers {start}:{end}") from None
    _event(conn, claim_id, "edit", who.username, old={"start": claim.start, "end": claim.end,
           "text": claim.text}, new={"start": start, "end": end, "text": text})
    return _claim(conn, claim_id)


def split_claim(ws: Workspace, claim_id: int, at: Sequence[int], reviewer: Actor | str) -> list[Claim]:
    """Split a compound claim at absolute offsets; the original becomes the first part."""
    who = actor_for(ws.settings, reviewer)
    reviewer = who.username
    claim = ws.store.get_claim(claim_id)
    cuts = sorted(set(at))
    if not cuts or any(not (claim.start < c < claim.end) for c in cuts):
        raise InputError(
            f"split points must lie inside the claim ({claim.start + 1}..{claim.end - 1})"
        )
    bounds = [claim.start, *cuts, claim.end]
    parts = list(zip(bounds[:-1], bounds[1:]))
    with ws.write("claims", "verdicts") as conn:  # one transaction: a failed part leaves the claim as it was
        out = [_edit(conn, claim_id, who, *parts[0])]
        text = conn.execute(
            sa.select(articles.c.text).where(articles.c.id == claim.article_id)
        ).scalar_one()
        for a, b in parts[1:]:
            if not text[a:b].strip():
                continue
            new = _new_claim_from_span(conn, ws, text, claim.article_id, a, b, "split",
                                       score=claim.score, speaker=claim.speaker)
            out.append(new)
            _event(conn, new.id, "split", reviewer, parent=claim_id)  # type: ignore[arg-type]
        _event(conn, claim_id, "split", reviewer, parts=[[c.start, c.end] for c in out])
    return out


def history(ws: Workspace, claim_id: int) -> list[ReviewEvent]:
    """Every change to a claim, oldest first."""
    ws.store.get_claim(claim_id)
    with ws.store.engine.connect() as conn:
        q = sa.select(review_events).where(review_events.c.claim_id == claim_id)
        return [row_to(ReviewEvent, r) for r in conn.execute(q.order_by(review_events.c.id))]


def parse_link(spec: str) -> tuple[int, Stance]:
    """Parse ``PASSAGE_ID:stance`` (the CLI's --link)."""
    pid, _, stance = spec.partition(":")
    try:
        return int(pid), Stance(stance or "supports")
    except ValueError:
        raise InputError(
            f"bad --link {spec!r}; write PASSAGE_ID:supports|refutes|context"
        ) from None


__all__ = [
    "FactcheckError",
    "add_claim",
    "assign_article",
    "assign_claims",
    "assignee_of",
    "dismiss_claims",
    "is_blind_for",
    "request_second_reviews",
    "second_review",
    "check_label",
    "dismiss_claim",
    "edit_claim",
    "get_verdict",
    "history",
    "link_evidence",
    "links_for",
    "parse_link",
    "set_status",
    "set_verdict",
    "split_claim",
    "unlink_evidence",
]
