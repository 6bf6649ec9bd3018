"""The landing page: every claim across articles, most check-worthy first, with filters.

Shown by ``app.py`` through ``factcheck/ui/pages/queue.py``.
"""

from __future__ import annotations

import streamlit as st

from factcheck.db import queries
from factcheck.models import ClaimType
from factcheck.ui import components
from factcheck.ui.components import PAGES

MAX_ROWS = 5000
_ANYONE, _NOBODY = "__anyone__", "__nobody__"
_PICKED = "fc_queue_picked"


def _picked() -> None:
    """Row-selection callback: remember the row, clear the selection, open it in the page body.

    Clearing matters: a selection left in the table would reopen the claim on the way back.
    """
    state = st.session_state.get("queue_table")
    rows = list(state.selection.rows) if state is not None else []
    if rows:
        st.session_state[_PICKED] = int(rows[0])
        st.session_state["queue_table"] = {"selection": {"rows": [], "columns": []}}


def _filters(ws) -> queries.QueueFilter:
    arts = dict(queries.article_choices(ws))
    reviewers = queries.reviewer_choices(ws)
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
    )


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
    ws, _reviewer = components.setup()
    st.title("Claim queue")
    if not queries.article_choices(ws):
        st.info("No articles yet. Add one on the Articles page, or run `factcheck extract FILES`.")
        st.page_link(PAGES["articles"], label="Add an article", icon=":material/article:")
        return
    _progress(ws)
    flt = _filters(ws)
    df = queries.queue(ws, flt)
    shown = df.head(MAX_ROWS)
    order = [int(i) for i in df["claim_id"]]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.caption(
        f"{components.plural(len(df), 'claim')}, most check-worthy first"
        + (f" (first {MAX_ROWS:,} shown)" if len(df) > MAX_ROWS else "")
        + ". Click a row to review it; next/previous on the review page follow this list."
    )
    if right.button("Review first claim", key="queue_start", type="primary", disabled=df.empty,
                    icon=":material/play_arrow:", shortcut="Alt+S"):
        components.open_claim(order[0], order)
    if df.empty:
        st.info("No claims match these filters.")
        return
    view = shown.assign(status=shown["status"].map(components.status_label),
                        verdict=shown["verdict"].fillna(""), reviewer=shown["reviewer"].fillna(""))
    st.dataframe(
        view[["claim_id", "claim", "article", "type", "score", "status", "verdict", "reviewer"]],
        hide_index=True,
        key="queue_table",
        on_select=_picked,
        selection_mode="single-row",
        column_config={
            "claim_id": st.column_config.NumberColumn("#", width="small", format="%d"),
            "claim": st.column_config.TextColumn("Claim", width=560),
            "article": st.column_config.TextColumn("Article", width="small"),
            "type": st.column_config.TextColumn("Type", width="small"),
            "score": st.column_config.NumberColumn("Score", width="small", format="%.2f"),
            "status": st.column_config.TextColumn("Status", width="small"),
            "verdict": st.column_config.TextColumn("Verdict", width="small"),
            "reviewer": st.column_config.TextColumn("Reviewer", width="small"),
        },
    )
    picked = st.session_state.pop(_PICKED, None)
    if picked is not None and 0 <= picked < len(shown):
        components.open_claim(int(shown.iloc[picked]["claim_id"]), order)

