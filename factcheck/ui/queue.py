"""The landing page: every claim across articles, most check-worthy first, with filters.

Shown by ``app.py`` through ``factcheck/ui/pages/queue.py``.
"""

from __future__ import annotations

import streamlit as st

from factcheck.db import queries
from factcheck.errors import ConflictError, FactcheckError
from factcheck.models import ClaimType
from factcheck.services import review as rv
from factcheck.services.auth import Actor, Role
from factcheck.ui import components, identity
from factcheck.ui.components import PAGES, flash

MAX_ROWS = 5000
_ROWS = "queue_rows_memo"  # session key: (filter + data mark, the queue's rows)
_ANYONE, _NOBODY = "__anyone__", "__nobody__"
_PICKED = "fc_queue_picked"
_BULK_TABLE = "queue_table_bulk"
_SHOWN = "fc_queue_shown"  # [(claim id, version)] of the rows shown, for the bulk callbacks
BLIND = "(blind)"


def _picked() -> None:
    """Row-selection callback: remember the row, clear the selection, open it in the page body.

    Clearing matters: a selection left in the table would reopen the claim on the way back.
    """
    state = st.session_state.get("queue_table")
    rows = list(state.selection.rows) if state is not None else []
    if rows:
        st.session_state[_PICKED] = int(rows[0])
        st.session_state["queue_table"] = {"selection": {"rows": [], "columns": []}}


def default_my_queue(actor: Actor, team: bool) -> bool:
    """"My queue" is the default view of a reviewer in team mode (editors see everything)."""
    return team and actor.role is Role.reviewer


def _filters(ws, actor: Actor) -> queries.QueueFilter:
    arts = dict(queries.article_choices(ws))
    reviewers = queries.reviewer_choices(ws)
    if "queue_mine" not in st.session_state:
        st.session_state["queue_mine"] = default_my_queue(actor, identity.team())
    s1, s2, s3 = st.columns([6, 2, 2], vertical_alignment="bottom")
    text = s1.text_input("Search", key="queue_search", placeholder="Search claims and article titles…",
                         icon=":material/search:", label_visibility="collapsed")
    mine = s2.toggle("My queue", key="queue_mine", help=f"Only claims assigned to {actor.username}.")
    s3.toggle("Select several", key="queue_bulk", help="Select rows to dismiss, assign or send them for a "
              "second review in one action.")
    c1, c2, c3, c4, c5 = st.columns([3, 3, 2, 2, 2])
    article_ids = c1.multiselect(
        "Article", list(arts), format_func=lambda a: components.short(arts.get(a, a), 60),
        key="queue_f_article", placeholder="All articles",
    )
    statuses = c2.multiselect(
        "Status", queries.QUEUE_STATUSES, format_func=components.status_label,
        key="queue_f_status", placeholder="Any status",
    )
    types = c3.multiselect(
        "Type", [t.value for t in ClaimType], key="queue_f_type", placeholder="Any type",
    )
    min_score = c4.slider(
        "Min. check-worthiness", 0.0, 1.0, 0.0, 0.05, key="queue_f_score",
    )
    options = [_ANYONE, _NOBODY, *reviewers]
    labels = {_ANYONE: "Anyone", _NOBODY: "Not reviewed yet"}
    reviewer = c5.selectbox(
        "Reviewer", options, format_func=lambda r: labels.get(r, r), key="queue_f_reviewer",
    )
    return queries.QueueFilter(
        article_ids=article_ids, statuses=statuses, types=types, min_score=float(min_score),
        reviewer=None if reviewer == _ANYONE else ("" if reviewer == _NOBODY else reviewer),
        text=text or "", assignee=actor.username if mine else None,
    )


def _selected_ids() -> list[tuple[int, int]]:
    state = st.session_state.get(_BULK_TABLE)
    try:
        rows = [int(r) for r in state["selection"]["rows"]] if state is not None else []
    except (KeyError, TypeError):
        rows = []
    shown = st.session_state.get(_SHOWN) or []
    return [shown[i] for i in rows if 0 <= i < len(shown)]


def _bulk(ws, what: str, actor: Actor) -> None:
    """Callback of the bulk buttons: one library call (one transaction) for all selected rows."""
    picked = _selected_ids()
    if not picked:
        flash("Select one or more rows first.", "warning")
        return
    ids = [cid for cid, _ in picked]
    versions = dict(picked)
    n = components.plural(len(ids), "claim")
    try:
        if what == "dismiss":
            rv.dismiss_claims(ws, ids, actor, "dismissed from the queue", expect_versions=versions)
            flash(f"Dismissed {n}.")
        elif what == "second":
            rv.request_second_reviews(ws, ids, actor, expect_versions=versions)
            flash(f"Sent {n} for a blind second review.")
        elif what == "assign":
            who = (st.session_state.get("queue_bulk_assignee") or "").strip()
            rv.assign_claims(ws, ids, who or None, actor)
            flash(f"Assigned {n} to {who}." if who else f"Removed the assignment of {n}.")
    except ConflictError as e:
        flash(f"Nothing was changed: {e}", "error")
        return
    except FactcheckError as e:
        flash(f"Nothing was changed: {e}", "error")
        return
    st.session_state[_BULK_TABLE] = {"selection": {"rows": [], "columns": []}}


def _bulk_bar(ws, actor: Actor) -> None:
    picked = _selected_ids()
    with st.container(border=True):
        b1, b2, b3, b4, b5 = st.columns([2, 2, 3, 2, 3], vertical_alignment="bottom")
        b1.markdown(f"**{components.plural(len(picked), 'claim')} selected**")
        b2.button("Dismiss", key="queue_bulk_dismiss", icon=":material/block:", disabled=not picked,
                  on_click=_bulk, args=(ws, "dismiss", actor), width="stretch")
        b3.button("Send for second review", key="queue_bulk_second", icon=":material/group:",
                  disabled=not picked, on_click=_bulk, args=(ws, "second", actor), width="stretch")
        b4.selectbox("Assign to", queries.assignee_choices(ws), key="queue_bulk_assignee", index=None,
                     accept_new_options=True, placeholder="reviewer…", label_visibility="collapsed")
        b5.button("Assign", key="queue_bulk_assign", icon=":material/person_add:",
                  disabled=not picked or not actor.can("second_review"),
                  help=None if actor.can("second_review") else "Only an editor assigns claims.",
                  on_click=_bulk, args=(ws, "assign", actor), width="stretch")


def _queue_rows(ws, flt: queries.QueueFilter):
    """The queue's rows, kept in this session until the filter or the data changes (a 5 ms check
    of :func:`queries.queue_mark` instead of re-reading 10k rows on every rerun)."""
    key = (repr(flt), queries.queue_mark(ws))
    memo = st.session_state.get(_ROWS)
    if memo is None or memo[0] != key:
        memo = (key, queries.queue(ws, flt))
        st.session_state[_ROWS] = memo
    return memo[1]


def _progress(ws) -> None:
    prog = queries.article_progress(ws)
    total, done = int(prog["claims"].sum()), int(prog["done"].sum())
    st.progress(done / total if total else 0.0, text=f"{done} of {components.plural(total, 'claim')} done")
    with st.expander(f"Progress by article ({len(prog)})", expanded=len(prog) <= 6):
        st.dataframe(
            prog[["article", "claims", "done", "progress"]],
            hide_index=True,
            key="queue_progress",
            column_config={
                "article": st.column_config.TextColumn("Article", width="large"),
                "claims": st.column_config.NumberColumn("Claims", width="small"),
                "done": st.column_config.NumberColumn("Done", width="small"),
                "progress": st.column_config.ProgressColumn(
                    "Progress", min_value=0.0, max_value=1.0, format="percent"
                ),
            },
        )


def render() -> None:
    ws, actor = components.setup()
    st.title("Claim queue")
    if not queries.article_choices(ws):
        st.info("No articles yet. Add one on the Articles page, or run `factcheck extract FILES`.")
        st.page_link(PAGES["articles"], label="Add an article", icon=":material/article:")
        return
    _progress(ws)
    flt = _filters(ws, actor)
    bulk = bool(st.session_state.get("queue_bulk"))
    df = _queue_rows(ws, flt)
    shown = df.head(MAX_ROWS)
    order = [int(i) for i in df["claim_id"]]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.caption(
        f"{components.plural(len(df), 'claim')}, most check-worthy first"
        + (f" (first {MAX_ROWS:,} shown)" if len(df) > MAX_ROWS else "")
        + (". Select rows, then act on all of them at once." if bulk else
           ". Click a row to review it; next/previous on the review page follow this list.")
    )
    if right.button("Review first claim", key="queue_start", type="primary", disabled=df.empty,
                    icon=":material/play_arrow:", shortcut="Alt+S"):
        components.open_claim(order[0], order)
    if df.empty:
        st.info("No claims match these filters." if not flt.assignee else
                "No claims assigned to you match these filters: turn off “My queue” to see all.")
        return
    st.session_state[_SHOWN] = list(zip(shown["claim_id"].astype(int), shown["version"].astype(int)))
    if bulk:
        _bulk_bar(ws, actor)
    view = table_view(shown, actor.username)
    config = {
        "claim_id": st.column_config.NumberColumn("#", width=56, format="%d"),
        "claim": st.column_config.TextColumn("Claim", width=380),
        "status": st.column_config.TextColumn("Status", width=110),
        "verdict": st.column_config.TextColumn("Verdict", width=100),
        "reviewer": st.column_config.TextColumn("Reviewer", width=90),
        "assignee": st.column_config.TextColumn("Assigned", width=90),
        "score": st.column_config.NumberColumn("Score", width=60, format="%.2f"),
        "type": st.column_config.TextColumn("Type", width=90),
        "article": st.column_config.TextColumn("Article", width=160),
    }
    if bulk:
        st.dataframe(view, hide_index=True, key=_BULK_TABLE, on_select="rerun",
                     selection_mode="multi-row", column_config=config)
        return
    st.dataframe(view, hide_index=True, key="queue_table", on_select=_picked,
                 selection_mode="single-row", column_config=config)
    picked = st.session_state.pop(_PICKED, None)
    if picked is not None and 0 <= picked < len(shown):
        components.open_claim(int(shown.iloc[picked]["claim_id"]), order)


# The columns of the queue table, in order: the verdict, reviewer and assignee come right after
# the claim, so they stay in view at 1400 px (the article title is last).
TABLE_COLUMNS = ["claim_id", "claim", "status", "verdict", "reviewer", "assignee", "score", "type", "article"]


def table_view(shown, username: str):
    """The rows as shown: status labels, and the verdict of a claim in a blind second review
    hidden from everyone but its first reviewer."""
    blind = shown["blind_for"].notna() & (shown["blind_for"] != username)
    return shown.assign(
        status=shown["status"].map(components.status_label),
        verdict=shown["verdict"].fillna("").where(~blind, BLIND),
        reviewer=shown["reviewer"].fillna("").where(~blind, BLIND),
        assignee=shown["assignee"].fillna(""),
    )[TABLE_COLUMNS]
