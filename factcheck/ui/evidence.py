"""The evidence parts of the review page: linked passages, suggestions, checks, earlier checks.

Suggestions and matches come from :mod:`factcheck.search` and are cached per (claim text,
index watermark), so re-rendering the page (after a link, a save, a widget change) does not
search again; a new source or a new verdict changes the watermark and refreshes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from factcheck.db import queries
from factcheck.db.links import fetch_times
from factcheck.errors import FactcheckError
from factcheck.models import Claim, Stance
from factcheck.services import review as rv
from factcheck.services.auth import Actor
from factcheck.services.links import as_fetched, evidence_from_link, is_url
from factcheck.ui import evidence_cache as cache
from factcheck.ui import resources
from factcheck.ui.hotkeys import HOT_CARD
from factcheck.ui.safe_html import block, chips, esc, highlight, link, md, passage_html

log = logging.getLogger(__name__)

STANCES = [s.value for s in Stance]
STANCE_LABELS = {"supports": "Supports", "refutes": "Refutes", "context": "Context"}
STANCE_CLASS = {"supports": "match", "refutes": "conflict"}
NEGATIVE = ("false", "mostly false", "pants on fire", "incorrect", "misleading")
# Earlier fact-checks scoring below this are not shown (the re-ranker's probability of "same
# claim"): the max-F1 threshold on the CheckThat! 2020 claim-retrieval dev split, from
# `python bench/match_threshold.py` (bench/results/match_threshold.json).
MATCH_MIN_SCORE = 0.25


def link_key(prefix: str, what: str, claim_id: int, passage_id: int) -> str:
    """Widget keys of a passage's link form (claim id last, so forgetting a claim clears them)."""
    return f"{prefix}_{what}_{passage_id}_{claim_id}"


def suggestions(ws, claim: Claim, *, text: str | None = None, mark: str | None = None) -> list[Any]:
    """Suggested passages for the claim (or for free text), memoised per passages watermark."""
    resources.wait_model(ws)
    mark = cache.passages_mark(ws) if mark is None else mark
    return cache.suggestions(ws, claim, mark, text=text)


# -- rendering ---------------------------------------------------------------------------------
def _value_spans(sugg: Any) -> list[tuple[int, int, str]]:
    spans = [(m.passage.start, m.passage.end, "fc-match") for m in sugg.value_matches]
    spans += [(m.passage.start, m.passage.end, "fc-conflict") for m in sugg.value_conflicts]
    return spans


def _value_chips(sugg: Any) -> str:
    items = [(f"✓ {m.passage.text}", "match") for m in sugg.value_matches]
    items += [(f"≠ {m.passage.text} (claim: {m.claim.text})", "conflict") for m in sugg.value_conflicts]
    return chips(items)


def _source_line(title: str | None, url: str | None, source_id: str, extra: str = "") -> str:
    label = title or url or source_id
    return f"<b>{link(url, label)}</b>" + (f' <span class="fc-muted">{esc(extra)}</span>' if extra else "")


def _hot_key(claim_id: int) -> str:
    return f"review_hotcard_{claim_id}"


def set_default_active(claim_id: int, passage_ids: list[int], prefix: str = "review_sg") -> None:
    """The card the keyboard acts on: the one last touched, else the first unlinked suggestion."""
    key = _hot_key(claim_id)
    if st.session_state.get(key) is None and passage_ids:
        st.session_state[key] = (prefix, int(passage_ids[0]))


def _touched(claim_id: int, prefix: str, passage_id: int) -> None:
    st.session_state[_hot_key(claim_id)] = (prefix, int(passage_id))


def _link_form(ws, claim: Claim, pid: int, reviewer: Actor, prefix: str, current: Any,
               link_cb: Callable[..., None]) -> None:
    """Stance (nothing preselected for a new link), note, and Link — disabled until a stance is
    chosen. The active card (keyboard s / r / c, l) sits in the container keyed HOT_CARD."""
    cid = int(claim.id)  # type: ignore[arg-type]
    k_stance, k_note = link_key(prefix, "stance", cid, pid), link_key(prefix, "note", cid, pid)
    if current is not None:
        st.session_state.setdefault(k_stance, current.stance.value)
        st.session_state.setdefault(k_note, current.note or "")
    active = st.session_state.get(_hot_key(cid)) == (prefix, pid)
    with st.container(key=HOT_CARD if active else None):
        stance = st.radio("Stance", STANCES, index=None, format_func=STANCE_LABELS.get, horizontal=True,
                          key=k_stance, label_visibility="collapsed", on_change=_touched,
                          args=(cid, prefix, pid))
        c2, c3 = st.columns([2, 1], vertical_alignment="bottom")
        c2.text_input("Note", key=k_note, placeholder="Note (optional)", label_visibility="collapsed")
        c3.button("Update link" if current is not None else "Link", icon=":material/link:",
                  key=link_key(prefix, "link", cid, pid), disabled=stance is None,
                  type="primary" if active and stance is not None else "secondary",
                  on_click=link_cb, args=(ws, cid, pid, reviewer, prefix), width="stretch")
        if active:
            st.caption("Keyboard: s / r / c choose the stance, l links." if stance is None
                       else "Keyboard: l links; s / r / c change the stance.")


def _suggestion_card(ws, claim: Claim, sugg: Any, reviewer: Actor, prefix: str, linked: dict[int, Any],
                     link_cb: Callable[..., None], fetched: dict[str, Any] | None = None) -> None:
    pid = int(sugg.passage_id)
    with st.container(border=True):
        extra = f"score {sugg.score:.2f}"
        if getattr(sugg, "passages_matched", 1) > 1:  # suggestions are one per source
            extra += f" · {sugg.passages_matched} passages matched"
        when = (fetched or {}).get(sugg.source_id)
        if when is not None:
            extra = f"{as_fetched(when)} · " + extra
        if sugg.source_publisher:
            extra = f"{sugg.source_publisher} · " + extra
        if sugg.value_conflicts:
            extra += " · possible contradiction"
        if pid in linked:
            extra += f" · linked: {linked[pid].stance.value}"
        st.html(_source_line(sugg.source_title, sugg.source_url, sugg.source_id, extra))
        st.html(block(passage_html(sugg.text, _value_spans(sugg), offset=sugg.start)))
        if sugg.value_matches or sugg.value_conflicts:
            st.html(_value_chips(sugg))
        _link_form(ws, claim, pid, reviewer, prefix, linked.get(pid), link_cb)


def _linked(ws, claim: Claim, reviewer: Actor, links: list[Any], unlink_cb: Callable[..., None]) -> None:
    from factcheck.services import sources as fc_sources

    cid = int(claim.id)  # type: ignore[arg-type]
    st.subheader("Evidence", divider="gray")
    st.markdown(f"**Linked evidence ({len(links)})**")
    if not links:
        st.caption("Nothing linked yet: link a suggested passage below.")
        return
    passages = fc_sources.get_passages(ws, [lk.passage_id for lk in links])
    metas = queries.source_meta(ws, [p.source_id for p in passages.values()])
    fetched = fetch_times(ws.store.engine, [p.source_id for p in passages.values()])
    for lk in links:
        p = passages.get(lk.passage_id)
        if p is None:
            continue
        src = metas.get(p.source_id, {})
        with st.container(border=True):
            c1, c2 = st.columns([4, 1], vertical_alignment="top")
            head = chips([(STANCE_LABELS.get(lk.stance.value, lk.stance.value),
                           STANCE_CLASS.get(lk.stance.value, ""))]) + " "
            by = f"by {lk.reviewer}"
            if p.source_id in fetched:
                by = f"{as_fetched(fetched[p.source_id])} · {by}"
            head += _source_line(src.get("title"), src.get("url"), p.source_id, by)
            c1.html(head)
            c1.html(block(passage_html(p.text)))
            if lk.note:
                c1.caption("Note: " + md(lk.note))
            c2.button("Unlink", key=f"review_unlink_{lk.passage_id}_{cid}", icon=":material/link_off:",
                      on_click=unlink_cb, args=(ws, cid, lk.passage_id, reviewer), width="stretch")


def _checks_block(ws, claim: Claim, links: list[Any], pmark: str) -> None:
    try:
        report = cache.check_report(ws, claim, pmark, [lk.passage_id for lk in links])
    except ImportError:  # the checks library is not installed
        return
    except FactcheckError as e:
        st.caption("Checks unavailable: " + md(e))
        return
    render_checks(report)


QUOTE_BADGE = {"verbatim": ("verbatim", "match"), "altered": ("altered", "conflict"),
               "not_found": ("not found", "")}
NUMBER_BADGE = {"match": ("matches", "match"), "mismatch": ("mismatch", "conflict"),
                "absent": ("not in the evidence", "")}


def diff_html(ops: list[Any]) -> str:
    """A word diff: removed claim words struck through, source words underlined (escaped)."""
    out = []
    for op in ops:
        if op.op == "equal":
            out.append(esc(op.claim or op.source))
            continue
        if op.claim:
            out.append(f'<del class="fc-conflict">{esc(op.claim)}</del>')
        if op.source:
            out.append(f'<ins class="fc-match">{esc(op.source)}</ins>')
    return " ".join(out)


def render_checks(report: Any) -> None:
    """Quote and number check results of :func:`factcheck.services.checks.check_claim`."""
    if report is None or (not report.quotes and not report.numbers):
        return
    against = {"linked": "the linked evidence", "suggested": "the top suggestions",
               "none": "no evidence yet"}.get(report.evidence_from, report.evidence_from)
    with st.container(border=True):
        st.html(f'<b>Checks</b> <span class="fc-muted">against {esc(against)}</span>')
        for q in report.quotes:
            label, cls = QUOTE_BADGE.get(q.status, (q.status, ""))
            line = f"Quote {chips([(label, cls)])} “{esc(_short(q.quote))}”"
            best = q.best
            if best is not None and best.status != "not_found":
                where = link(best.source_url, best.source_title or best.source_id)
                line += f' <span class="fc-muted">in {where}</span>'
            st.html(line)
            if best is not None and best.status == "altered" and best.diff:
                st.html(block(diff_html(best.diff)))
        for n in report.numbers:
            label, cls = NUMBER_BADGE.get(n.status, (n.status, ""))
            line = f"{esc(n.claim_value.kind.value)} {chips([(n.claim_value.text, ''), (label, cls)])}"
            said = [f for f in n.findings if f.status == n.status] if n.status != "absent" else []
            if said:
                f = said[0]
                line += (f' <span class="fc-muted">{esc(f.source_title or f.source_id)} says '
                         f"<b>{esc(f.passage_value.text)}</b> (passage {f.passage_id})</span>")
            st.html(line)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def panel(ws, claim: Claim, reviewer: Actor, *, link_cb: Callable[..., None],
          unlink_cb: Callable[..., None]) -> None:
    """Linked evidence, check results, suggestions, and a free-text source search."""
    cid = int(claim.id)  # type: ignore[arg-type]
    resources.wait_model(ws)
    cache.wait_prefetch(ws, cid)
    links = rv.links_for(ws, cid)
    linked = {lk.passage_id: lk for lk in links}
    _linked(ws, claim, reviewer, links, unlink_cb)
    pmark = ws.mark("passages")
    _checks_block(ws, claim, links, pmark)
    st.markdown("**Suggested evidence**")
    try:
        found = suggestions(ws, claim, mark=pmark)
    except FactcheckError as e:
        st.warning("No suggestions: " + md(e))
        found = []
    if not found:
        st.caption("No sources yet: add some on the Sources page and they are suggested here.")
    fetched = fetch_times(ws.store.engine, [s.source_id for s in found])
    set_default_active(cid, [int(s.passage_id) for s in found if int(s.passage_id) not in linked])
    for sugg in found:
        _suggestion_card(ws, claim, sugg, reviewer, "review_sg", linked, link_cb, fetched)
    _search(ws, claim, reviewer, linked, link_cb, pmark)
    from_link(ws, claim, reviewer)


@st.fragment
def _search(ws, claim: Claim, reviewer: Actor, linked: dict[int, Any], link_cb: Callable[..., None],
            pmark: str) -> None:
    cid = int(claim.id)  # type: ignore[arg-type]
    query = st.text_input("Search the sources", key=f"review_search_{cid}",
                          placeholder="Other words to look for in the sources…", icon=":material/search:")
    if not query.strip():
        return
    try:
        found = suggestions(ws, claim, text=query.strip(), mark=pmark)
    except FactcheckError as e:
        st.warning(md(e))
        return
    if not found:
        st.caption("Nothing found.")
    fetched = fetch_times(ws.store.engine, [s.source_id for s in found])
    for sugg in found:
        if int(sugg.passage_id) in linked:
            continue
        _suggestion_card(ws, claim, sugg, reviewer, "review_sr", linked, link_cb, fetched)


# -- evidence from a link ----------------------------------------------------------------------
def _fl_key(what: str, claim_id: int) -> str:
    return f"review_fromlink_{what}_{claim_id}"


def _fetch_link(ws, claim_id: int) -> None:
    """Callback of "Fetch": one library call (fetch, store as a source, index, rank its passages)."""
    from factcheck.ui.components import flash

    url = (st.session_state.get(_fl_key("url", claim_id)) or "").strip()
    st.session_state.pop(_fl_key("result", claim_id), None)
    if not is_url(url):
        flash("Give the full address of the page, starting with http:// or https://.", "error")
        return
    try:
        got = evidence_from_link(ws, claim_id, url)
    except FactcheckError as e:
        flash(str(e), "error")
        return
    res = got.result
    if res.status == "error":
        flash(res.message or f"{url}: not added", "error")
        return
    if not got.passages:
        flash(f"{url}: no passages found in the page.", "warning")
        return
    note = {"added": "added and indexed", "skipped": "already stored"}.get(res.status, res.status)
    if res.message and res.status == "added":
        note += f" ({res.message})"
    st.session_state[_fl_key("result", claim_id)] = {
        "url": url, "source_id": res.source_id, "title": res.title, "source_url": res.url,
        "note": note, "passages": [int(p.passage_id) for p in got.passages],
        "scores": [p.score for p in got.passages],
    }


def _link_from_link(ws, claim_id: int, passage_id: int, reviewer: Actor) -> None:
    """Callback of "Link": refuses without a stance (none is preselected)."""
    from factcheck.ui.components import action, flash

    stance = st.session_state.get(_fl_key(f"stance_{passage_id}", claim_id))
    if stance not in STANCES:
        flash("Choose supports, refutes or context before linking.", "warning")
        return
    note = (st.session_state.get(_fl_key(f"note_{passage_id}", claim_id)) or "").strip() or None
    done = action(rv.link_evidence, ws, claim_id, passage_id, stance, reviewer, note,
                  ok=f"Linked passage {passage_id} ({STANCE_LABELS.get(stance, stance)}).")
    if done is not None:
        st.session_state.pop(_fl_key("result", claim_id), None)
        st.session_state.pop(_fl_key("url", claim_id), None)


def from_link(ws, claim: Claim, reviewer: Actor) -> None:
    """"Add evidence from a link": the page is fetched, split into passages and indexed; its
    best-matching passage is offered for linking, with no stance preselected."""
    from factcheck.services import sources as fc_sources

    cid = int(claim.id)  # type: ignore[arg-type]
    result = st.session_state.get(_fl_key("result", cid))
    with st.expander("Add evidence from a link", expanded=result is not None, icon=":material/add_link:"):
        with st.form(_fl_key("form", cid), border=False, enter_to_submit=True):
            c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
            c1.text_input("Link to the evidence", key=_fl_key("url", cid), placeholder="https://…")
            c2.form_submit_button("Fetch", key=_fl_key("go", cid), icon=":material/download:",
                                  on_click=_fetch_link, args=(ws, cid), width="stretch")
        if not result:
            st.caption("The page is fetched, split into passages and indexed; the passage that best "
                       "matches the claim is offered for linking.")
            return
        pid = result["passages"][0]
        passage = fc_sources.get_passages(ws, [pid]).get(pid)
        if passage is None:
            st.session_state.pop(_fl_key("result", cid), None)
            return
        when = fetch_times(ws.store.engine, [passage.source_id]).get(passage.source_id)
        extra = " · ".join(x for x in (as_fetched(when), result["note"], f"passage {pid}") if x)
        with st.container(border=True):
            st.html(_source_line(result.get("title"), result.get("source_url"), passage.source_id, extra))
            st.html(block(passage_html(passage.text)))
            k_stance = _fl_key(f"stance_{pid}", cid)
            stance = st.radio("Stance", STANCES, index=None, format_func=STANCE_LABELS.get,
                              horizontal=True, key=k_stance)
            c2, c3 = st.columns([3, 1], vertical_alignment="bottom")
            c2.text_input("Note", key=_fl_key(f"note_{pid}", cid), placeholder="Note (optional)",
                          label_visibility="collapsed")
            c3.button("Link", key=_fl_key("link", cid), icon=":material/link:", type="primary",
                      disabled=stance is None, on_click=_link_from_link, args=(ws, cid, pid, reviewer),
                      width="stretch")
            if stance is None:
                st.caption("Choose supports, refutes or context: nothing is preselected.")


def matches(ws, claim: Claim, *, reuse_cb: Callable[..., None]) -> None:
    """Earlier fact-checks of the same claim, each with "reuse this verdict"."""
    st.subheader("Earlier fact-checks")
    resources.wait_model(ws)
    try:
        found = cache.earlier_checks(ws, claim, cache.matches_mark(ws))
    except FactcheckError as e:
        st.caption("Matching unavailable: " + md(e))
        return
    found = [m for m in found if m.score >= MATCH_MIN_SCORE]
    if not found:
        st.caption("No earlier fact-check found.")
        return
    scale = ws.settings.verdict_scale()
    by_fold = {s.casefold(): s for s in scale}
    cid = int(claim.id)  # type: ignore[arg-type]
    for i, m in enumerate(found):
        with st.container(border=True):
            where = "this desk" if m.kind == "verdict" else "archive"
            title = m.title or (f"claim #{m.claim_id}" if m.claim_id else m.url) or m.archive_id
            tone = "conflict" if (m.verdict or "").strip().casefold() in NEGATIVE else "match"
            st.html(
                f"{chips([(m.verdict or 'no verdict', tone)])} {link(m.url, title)} "
                f'<span class="fc-muted">{esc(where)} · similarity {m.score:.2f}'
                + (f" · {esc(m.date)}" if m.date else "") + "</span>")
            st.html(block(highlight(m.claim, [])))
            label = by_fold.get((m.verdict or "").strip().casefold())
            ref = m.url or (f"claim #{m.claim_id}" if m.claim_id else m.archive_id)
            rationale = f"Same claim as an earlier fact-check ({ref}), rated “{m.verdict}”."
            st.button("Reuse this verdict", key=f"review_reuse_{i}_{cid}", icon=":material/content_copy:",
                      on_click=reuse_cb, args=(cid, label, rationale), disabled=not m.verdict)
