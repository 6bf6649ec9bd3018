"""Dashboard: verdicts per article, claims reviewed per reviewer, agreement between reviewers.

Agreement is Cohen's kappa over blind second reviews: the first verdict and the second reviewer's
own verdict, saved without seeing the first (``second_reviews``). Open assignments are the claims
assigned to each reviewer that are not done yet.
Shown by ``app.py`` through ``factcheck/ui/pages/dashboard.py``.
"""

from __future__ import annotations

import math

import streamlit as st

from factcheck.db import queries
from factcheck.ui import components

SPECIAL = {"unverifiable", "not check-worthy", "not checkworthy"}


def verdict_colours(labels: list[str], scale: list[str]) -> list[str]:
    """Green (best) through amber to red (worst) along the scale; grey for special/unknown labels."""
    graded = [s for s in scale if s.casefold() not in SPECIAL]
    stops = [(0x2E, 0x7D, 0x32), (0xF9, 0xA8, 0x25), (0xC6, 0x28, 0x28)]
    n = max(len(graded) - 1, 1)
    out = []
    for label in labels:
        if label not in graded:
            out.append("#9e9e9e")
            continue
        t = graded.index(label) / n * (len(stops) - 1)  # 0 = best ... 2 = worst
        i = min(int(t), len(stops) - 2)
        f = t - i
        rgb = [round(a + (b - a) * f) for a, b in zip(stops[i], stops[i + 1])]
        out.append("#" + "".join(f"{v:02x}" for v in rgb))
    return out


def verdict_chart(per_article, scale: list[str]):
    """Stacked horizontal bars: claims per verdict for each article, in scale order."""
    import altair as alt

    present = set(per_article["verdict"])
    domain = [s for s in scale if s in present] + sorted(present - set(scale))
    order = {label: i for i, label in enumerate(domain)}
    data = per_article.assign(order=per_article["verdict"].map(order))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("article:N", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("sum(claims):Q", title="claims"),
            color=alt.Color("verdict:N", legend=alt.Legend(title="Verdict", orient="bottom"),
                            scale=alt.Scale(domain=domain, range=verdict_colours(domain, scale))),
            order=alt.Order("order:Q"),
            tooltip=["article", "verdict", "claims"],
        )
    )


def render() -> None:
    ws, _reviewer = components.setup()
    st.title("Dashboard")
    prog = queries.article_progress(ws)
    per_article = queries.verdicts_per_article(ws)
    latest = queries.latest_verdicts_by_reviewer(ws)
    per_reviewer = queries.reviewed_per_reviewer(latest)

    total, done = int(prog["claims"].sum()), int(prog["done"].sum())
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Articles", len(prog))
    c2.metric("Claims in the queue", total)
    c3.metric("Done", done, help="Claims whose status is done")
    c4.metric("Reviewers", len(per_reviewer))

    st.subheader("Verdicts per article")
    if per_article.empty:
        st.info("No verdicts yet. Review a claim and its verdict shows up here.")
    else:
        st.altair_chart(verdict_chart(per_article, ws.settings.verdict_scale()), width="stretch")
        with st.expander("As a table"):
            wide = per_article.pivot_table(index="article", columns="verdict", values="claims",
                                           aggfunc="sum", fill_value=0)
            st.dataframe(wide, key="dashboard_verdicts_table")

    st.subheader("Claims reviewed per reviewer")
    if per_reviewer.empty:
        st.caption("Nobody has saved a verdict yet.")
    else:
        left, right = st.columns([3, 2])
        with left:
            st.bar_chart(per_reviewer, x="reviewer", y="claims reviewed", horizontal=True)
        with right:
            st.dataframe(per_reviewer, hide_index=True, key="dashboard_reviewers_table")

    st.subheader("Open assignments per reviewer")
    assigned = queries.open_assignments(ws)
    if assigned.empty:
        st.caption("No open assignments. Editors assign claims from the queue (Select several), the "
                   "review page or a whole article on the Articles page.")
    else:
        st.dataframe(assigned, hide_index=True, key="dashboard_assignments_table")

    st.subheader("Agreement between reviewers (blind second reviews)")
    pairs = queries.agreement(queries.blind_pairs(ws), ws.settings.verdict_scale())
    if pairs.empty:
        st.caption("Agreement appears once claims sent for a blind second review have both verdicts "
                   "(the second reviewer does not see the first one before saving).")
    else:
        shown = pairs.assign(
            kappa=[("n/a" if math.isnan(k) else f"{k:.2f}") for k in pairs["kappa"]],
            agreement=[f"{a:.0%}" for a in pairs["agreement"]],
        )
        st.dataframe(shown, hide_index=True, key="dashboard_kappa_table")
        st.caption("Cohen's kappa: 1 = perfect agreement, 0 = what chance would give. "
                   "n/a when both reviewers used one and the same verdict throughout.")

