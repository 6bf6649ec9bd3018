"""Read-only queries the pages display (no streamlit here; every write goes through the library).

They select only the columns a page shows, straight into pandas, so the queue and dashboard stay
fast with tens of thousands of claims (building a pydantic record per row would not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from factcheck.db.store import (
    articles,
    assignments,
    claims,
    review_events,
    second_reviews,
    sentences,
    sources,
    verdicts,
)
from factcheck.models import ClaimStatus

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

# The workflow states the queue filters on (dismissed claims are hidden from the queue).
QUEUE_STATUSES = [
    ClaimStatus.new.value,
    ClaimStatus.in_review.value,
    ClaimStatus.needs_second_review.value,
    ClaimStatus.done.value,
]
STATUS_LABELS = {
    "new": "New",
    "in_review": "In review",
    "needs_second_review": "Needs second review",
    "done": "Done",
    "dismissed": "Dismissed",
}
QUEUE_COLUMNS = [
    "claim_id", "claim", "article", "article_id", "type", "score", "status", "verdict", "reviewer",
    "assignee", "version", "blind_for",
]


@dataclass
class QueueFilter:
    """What the queue shows; empty lists mean "any"."""

    article_ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    min_score: float = 0.0
    reviewer: str | None = None  # "" means: no verdict yet
    text: str = ""  # every word must occur in the claim or in its article's title (any case)
    assignee: str | None = None  # only claims assigned to this reviewer ("My queue")


def _title(title: Any, article_id: str) -> str:
    return str(title) if title else article_id


def article_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(article id, display title) of every article, oldest first."""
    q = sa.select(articles.c.id, articles.c.title).order_by(articles.c.created_at, articles.c.id)
    with ws.store.engine.connect() as conn:
        return [(aid, _title(t, aid)) for aid, t in conn.execute(q)]


def reviewer_choices(ws: Workspace) -> list[str]:
    """Everyone who saved a verdict, sorted."""
    q = sa.select(verdicts.c.reviewer).distinct()
    with ws.store.engine.connect() as conn:
        return sorted(r for (r,) in conn.execute(q) if r)


def queue(ws: Workspace, flt: QueueFilter | None = None, limit: int | None = None) -> pd.DataFrame:
    """The claims of the queue, most check-worthy first, with their verdict and reviewer."""
    flt = flt or QueueFilter()
    c, v, a = claims, verdicts, articles
    asg, sr = assignments, second_reviews
    blind = sa.case((sa.and_(sr.c.resolved_at.is_(None), sr.c.second_label.is_(None)), sr.c.first_reviewer),
                    else_=None)
    q = (
        sa.select(
            c.c.id.label("claim_id"), c.c.text.label("claim"), a.c.title.label("article"),
            c.c.article_id, c.c.type, c.c.score, c.c.status, v.c.label.label("verdict"),
            v.c.reviewer, asg.c.assignee, c.c.version, blind.label("blind_for"),
        )
        .select_from(c.join(a, a.c.id == c.c.article_id).outerjoin(v, v.c.claim_id == c.c.id)
                     .outerjoin(asg, asg.c.claim_id == c.c.id).outerjoin(sr, sr.c.claim_id == c.c.id))
        .order_by(c.c.score.desc(), c.c.id)
    )
    # case-insensitive in any script: Python's casefold on SQLite (registered by the Store),
    # PostgreSQL's Unicode-aware lower() there
    sqlite = ws.store.engine.dialect.name == "sqlite"
    fold = sa.func.casefold if sqlite else sa.func.lower
    for word in flt.text.split():
        like = f"%{_like_escape(word.casefold() if sqlite else word.lower())}%"
        q = q.where(sa.or_(fold(c.c.text).like(like, escape="\\"),
                           fold(sa.func.coalesce(a.c.title, "")).like(like, escape="\\")))
    if flt.assignee:
        q = q.where(asg.c.assignee == flt.assignee)
    if flt.statuses:
        q = q.where(c.c.status.in_(flt.statuses))
    else:
        q = q.where(c.c.status != ClaimStatus.dismissed.value)
    if flt.article_ids:
        q = q.where(c.c.article_id.in_(flt.article_ids))
    if flt.types:
        q = q.where(c.c.type.in_(flt.types))
    if flt.min_score > 0:
        q = q.where(c.c.score >= flt.min_score)
    if flt.reviewer == "":
        q = q.where(v.c.reviewer.is_(None))
    elif flt.reviewer:
        q = q.where(v.c.reviewer == flt.reviewer)
    if limit is not None:
        q = q.limit(limit)
    with ws.store.engine.connect() as conn:
        rows = conn.execute(q).all()
    # column by column: pandas builds a frame from lists ~10x faster than from row objects
    cols = list(zip(*rows)) if rows else [()] * len(QUEUE_COLUMNS)
    df = pd.DataFrame({name: list(col) for name, col in zip(QUEUE_COLUMNS, cols)}, columns=QUEUE_COLUMNS)
    if not df.empty:
        df["article"] = [_title(t, aid) for t, aid in zip(df["article"], df["article_id"])]
    return df


def queue_mark(ws: Workspace) -> str:
    """A cheap summary (one query, ~10 ms at 10k claims) that changes whenever anything the queue
    shows changes: a claim added, edited, dismissed or reviewed (each bumps its version), and every
    review action (verdicts, assignments, second reviews each write a review event)."""
    c, e = claims, review_events
    q = sa.select(
        sa.select(sa.func.count()).select_from(c).scalar_subquery(),
        sa.select(sa.func.max(c.c.id)).scalar_subquery(),
        sa.select(sa.func.sum(c.c.version)).scalar_subquery(),
        sa.select(sa.func.max(e.c.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(assignments).scalar_subquery(),
        sa.select(sa.func.count()).select_from(second_reviews).scalar_subquery(),
    )
    with ws.store.engine.connect() as conn:
        return "|".join(str(v) for v in conn.execute(q).one())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def assignee_choices(ws: Workspace) -> list[str]:
    """Everyone with an assignment or a verdict, sorted (who work can be assigned to)."""
    with ws.store.engine.connect() as conn:
        names = {r for (r,) in conn.execute(sa.select(assignments.c.assignee).distinct()) if r}
        names |= {r for (r,) in conn.execute(sa.select(verdicts.c.reviewer).distinct()) if r}
    return sorted(names)


def open_assignments(ws: Workspace) -> pd.DataFrame:
    """Per reviewer: claims assigned to them that are not done (nor dismissed), most first."""
    c, asg = claims, assignments
    open_ = c.c.status.notin_([ClaimStatus.done.value, ClaimStatus.dismissed.value])
    q = (sa.select(asg.c.assignee, sa.func.count()).select_from(asg.join(c, c.c.id == asg.c.claim_id))
         .where(open_).group_by(asg.c.assignee))
    with ws.store.engine.connect() as conn:
        rows = [(r, int(n)) for r, n in conn.execute(q)]
    out = pd.DataFrame(rows, columns=["reviewer", "open assignments"])
    return out.sort_values(["open assignments", "reviewer"], ascending=[False, True]).reset_index(drop=True)


def blind_pairs(ws: Workspace) -> pd.DataFrame:
    """(reviewer, claim_id, label): both verdicts of every blind second review whose second
    verdict is saved — the input of :func:`agreement` on the dashboard."""
    sr = second_reviews
    q = sa.select(sr.c.claim_id, sr.c.first_reviewer, sr.c.first_label, sr.c.second_reviewer,
                  sr.c.second_label).where(sr.c.second_label.is_not(None))
    rows = []
    with ws.store.engine.connect() as conn:
        for cid, r1, l1, r2, l2 in conn.execute(q):
            rows += [{"reviewer": r1, "claim_id": int(cid), "label": l1},
                     {"reviewer": r2, "claim_id": int(cid), "label": l2}]
    return pd.DataFrame(rows, columns=["reviewer", "claim_id", "label"])


def queue_ids(ws: Workspace) -> list[int]:
    """Ids of all queue claims in queue order (for next/previous without filters)."""
    q = (
        sa.select(claims.c.id)
        .where(claims.c.status != ClaimStatus.dismissed.value)
        .order_by(claims.c.score.desc(), claims.c.id)
    )
    with ws.store.engine.connect() as conn:
        return [int(i) for (i,) in conn.execute(q)]


def neighbours(ws: Workspace, claim_id: int) -> tuple[int | None, int | None, int, int]:
    """(previous id, next id, 0-based position, total) of a claim in the unfiltered queue order.

    Three small queries instead of reading every id, so it stays fast with many claims. A
    dismissed claim is not in the queue: position -1, next = the first claim of the queue.
    """
    c = claims
    live = c.c.status != ClaimStatus.dismissed.value
    with ws.store.engine.connect() as conn:
        row = conn.execute(sa.select(c.c.score, c.c.status).where(c.c.id == claim_id)).first()
        total = int(conn.execute(sa.select(sa.func.count()).select_from(c).where(live)).scalar() or 0)
        first = sa.select(c.c.id).where(live).order_by(c.c.score.desc(), c.c.id).limit(1)
        if row is None or row.status == ClaimStatus.dismissed.value:
            return None, conn.execute(first).scalar(), -1, total
        score = row.score
        before = sa.or_(c.c.score > score, sa.and_(c.c.score == score, c.c.id < claim_id))
        after = sa.or_(c.c.score < score, sa.and_(c.c.score == score, c.c.id > claim_id))
        prev_id = conn.execute(
            sa.select(c.c.id).where(live, before).order_by(c.c.score.asc(), c.c.id.desc()).limit(1)
        ).scalar()
        next_id = conn.execute(
            sa.select(c.c.id).where(live, after).order_by(c.c.score.desc(), c.c.id).limit(1)
        ).scalar()
        pos = int(conn.execute(sa.select(sa.func.count()).select_from(c).where(live, before)).scalar() or 0)
    return prev_id, next_id, pos, total


def first_open_claim(ws: Workspace) -> int | None:
    """The most check-worthy claim that is not done yet (else the most check-worthy one)."""
    base = sa.select(claims.c.id).order_by(claims.c.score.desc(), claims.c.id).limit(1)
    with ws.store.engine.connect() as conn:
        open_q = base.where(
            claims.c.status.in_([s for s in QUEUE_STATUSES if s != ClaimStatus.done.value])
        )
        found = conn.execute(open_q).scalar()
        if found is None:
            found = conn.execute(base.where(claims.c.status != ClaimStatus.dismissed.value)).scalar()
    return None if found is None else int(found)


def article_progress(ws: Workspace) -> pd.DataFrame:
    """Per article: claims in the queue, claims done, and the fraction done."""
    c, a = claims, articles
    done = sa.func.sum(sa.case((c.c.status == ClaimStatus.done.value, 1), else_=0))
    q = (
        sa.select(a.c.id, a.c.title, sa.func.count(c.c.id), done)
        .select_from(a.outerjoin(
            c, sa.and_(c.c.article_id == a.c.id, c.c.status != ClaimStatus.dismissed.value)
        ))
        .group_by(a.c.id, a.c.title, a.c.created_at)
        .order_by(a.c.created_at, a.c.id)
    )
    with ws.store.engine.connect() as conn:
        rows = conn.execute(q).all()
    out = pd.DataFrame(
        [
            {"article_id": aid, "article": _title(t, aid), "claims": int(n or 0),
             "done": int(d or 0), "progress": (int(d or 0) / n) if n else 0.0}
            for aid, t, n, d in rows
        ],
        columns=["article_id", "article", "claims", "done", "progress"],
    )
    return out


def source_meta(ws: Workspace, source_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Title, URL and publisher of sources (without their texts)."""
    if not source_ids:
        return {}
    s = sources
    q = sa.select(s.c.id, s.c.title, s.c.url, s.c.publisher).where(s.c.id.in_(sorted(set(source_ids))))
    with ws.store.engine.connect() as conn:
        return {r.id: {"title": r.title, "url": r.url, "publisher": r.publisher} for r in conn.execute(q)}


def sentence_claims(ws: Workspace, article_id: str) -> dict[int, list[int]]:
    """Sentence index -> ids of the (non-dismissed) claims in it."""
    q = sa.select(claims.c.sentence_index, claims.c.id).where(
        claims.c.article_id == article_id, claims.c.status != ClaimStatus.dismissed.value
    )
    out: dict[int, list[int]] = {}
    with ws.store.engine.connect() as conn:
        for idx, cid in conn.execute(q):
            out.setdefault(int(idx), []).append(int(cid))
    return out


def sentence_count(ws: Workspace, article_id: str) -> int:
    """Number of stored sentences of an article."""
    q = sa.select(sa.func.count()).select_from(sentences).where(sentences.c.article_id == article_id)
    with ws.store.engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


# -- dashboard ---------------------------------------------------------------
def verdicts_per_article(ws: Workspace) -> pd.DataFrame:
    """Long table (article, verdict, claims) of current verdicts."""
    c, v, a = claims, verdicts, articles
    q = (
        sa.select(a.c.id, a.c.title, v.c.label, sa.func.count())
        .select_from(v.join(c, c.c.id == v.c.claim_id).join(a, a.c.id == c.c.article_id))
        .where(c.c.status != ClaimStatus.dismissed.value)
        .group_by(a.c.id, a.c.title, v.c.label)
    )
    with ws.store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(
        [{"article": _title(t, aid), "verdict": label, "claims": int(n)} for aid, t, label, n in rows],
        columns=["article", "verdict", "claims"],
    )


def latest_verdicts_by_reviewer(ws: Workspace) -> pd.DataFrame:
    """(reviewer, claim_id, label, at): each reviewer's latest verdict on each claim.

    Read from the review events, which keep every verdict save (the verdicts table keeps only
    the current one), so two reviewers' ratings of the same claim are both visible.
    """
    e = review_events
    q = (
        sa.select(e.c.id, e.c.claim_id, e.c.reviewer, e.c.data, e.c.at)
        .where(e.c.kind == "verdict")
        .order_by(e.c.id)
    )
    latest: dict[tuple[str, int], tuple[str, Any]] = {}
    with ws.store.engine.connect() as conn:
        for _id, cid, reviewer, data, at in conn.execute(q):
            label = (data or {}).get("label")
            if label:
                latest[(reviewer, int(cid))] = (label, at)
    return pd.DataFrame(
        [{"reviewer": r, "claim_id": cid, "label": lab, "at": at} for (r, cid), (lab, at) in latest.items()],
        columns=["reviewer", "claim_id", "label", "at"],
    )


def reviewed_per_reviewer(latest: pd.DataFrame) -> pd.DataFrame:
    """Distinct claims each reviewer gave a verdict, most first."""
    if latest.empty:
        return pd.DataFrame(columns=["reviewer", "claims reviewed"])
    out = latest.groupby("reviewer")["claim_id"].nunique().reset_index()
    out.columns = ["reviewer", "claims reviewed"]
    return out.sort_values(["claims reviewed", "reviewer"], ascending=[False, True]).reset_index(drop=True)


def agreement(latest: pd.DataFrame, scale: list[str]) -> pd.DataFrame:
    """Cohen's kappa for every pair of reviewers who rated at least one claim in common.

    Each reviewer's latest verdict per claim is used. Kappa is undefined (NaN) when both
    reviewers used a single identical label throughout; raw agreement is shown beside it.
    """
    from sklearn.metrics import cohen_kappa_score

    cols = ["reviewer A", "reviewer B", "claims in common", "agreement", "kappa"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    by_reviewer = {
        r: dict(zip(g["claim_id"], g["label"])) for r, g in latest.groupby("reviewer")
    }
    names = sorted(by_reviewer)
    rows = []
    for i, ra in enumerate(names):
        for rb in names[i + 1:]:
            common = sorted(set(by_reviewer[ra]) & set(by_reviewer[rb]))
            if not common:
                continue
            a = [by_reviewer[ra][c] for c in common]
            b = [by_reviewer[rb][c] for c in common]
            agree = sum(x == y for x, y in zip(a, b)) / len(common)
            labels = list(dict.fromkeys([*scale, *a, *b]))
            if len(set(a) | set(b)) < 2:
                kappa = float("nan")  # one label used by both: chance agreement is 1
            else:
                kappa = float(cohen_kappa_score(a, b, labels=labels))
            rows.append({"reviewer A": ra, "reviewer B": rb, "claims in common": len(common),
                         "agreement": agree, "kappa": kappa})
    return pd.DataFrame(rows, columns=cols)
