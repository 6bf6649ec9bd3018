"""Claim review: the claim in its paragraph, evidence, earlier fact-checks, verdict, fixes, history.

Shown by ``app.py`` through ``factcheck/ui/pages/review.py``. The claim shown is the ``claim``
query parameter (so a review URL can be shared), else the last claim opened in this session, else
the most check-worthy open claim. Every action is one library call in a button callback.

Concurrency: the version of the claim at the time the reviewer opened it is kept in the session
and passed as ``expect_version`` to every save; if someone else saved in between, the
:class:`~factcheck.errors.ConflictError` is shown with the other reviewer's verdict and the choice
to re-apply or keep theirs. Nothing is overwritten silently.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from factcheck.db import queries
from factcheck.errors import ConflictError, FactcheckError, InputError, NotFoundError
from factcheck.models import Article, Claim, ClaimStatus
from factcheck.services import review as rv
from factcheck.services.auth import Actor, PermissionDenied, authorise
from factcheck.text.sentences import paragraph_span
from factcheck.ui import components, evidence, evidence_cache
from factcheck.ui.components import PAGES, flash
from factcheck.ui.safe_html import block, chips, esc, highlight, link, md

_SEEN = "fc_seen_versions"  # claim id -> the version the reviewer opened
_CONFLICT = "fc_conflict"
_ORDER = "fc_queue_ids"
STANCE_LABELS = evidence.STANCE_LABELS


# -- which claim, which version ----------------------------------------------------------------
def current_claim_id(ws) -> int | None:
    """The claim to show: ?claim=ID, else the last one opened, else the first open claim."""
    raw = st.query_params.get("claim")
    cid: int | None = None
    if raw is not None and str(raw).strip().isdigit():
        cid = int(str(raw).strip())
    if cid is None:
        cid = st.session_state.get("fc_claim")
    if cid is None:
        cid = queries.first_open_claim(ws)
    if cid is not None:
        if st.session_state.get("fc_claim") != cid:
            _forget(cid)
        st.session_state["fc_claim"] = cid
        if st.query_params.get("claim") != str(cid):
            st.query_params["claim"] = str(cid)
    return cid


def _seen(claim: Claim) -> int:
    seen: dict[int, int] = st.session_state.setdefault(_SEEN, {})
    return seen.setdefault(int(claim.id), claim.version)  # type: ignore[arg-type]


def _set_seen(claim_id: int, version: int) -> None:
    st.session_state.setdefault(_SEEN, {})[int(claim_id)] = int(version)


_forget = components.forget_claim


def goto(claim_id: int) -> None:
    """Callback: show another claim."""
    _forget(claim_id)
    st.session_state["fc_claim"] = int(claim_id)
    st.query_params["claim"] = str(int(claim_id))


def _goto_typed() -> None:
    """Callback of the "go to claim #" box (Enter) and its Open button."""
    target = st.session_state.get("review_goto")
    if target:
        goto(int(target))
        st.session_state["review_goto"] = None


def _neighbours(ws, cid: int) -> tuple[int | None, int | None, int | None, int]:
    """(previous, next, position, total): in the queue list opened from, else the whole queue."""
    order = st.session_state.get(_ORDER)
    if order:
        if cid not in order:
            return None, (order[0] if order[0] != cid else None), None, len(order)
        pos = order.index(cid)
        prev_id = order[pos - 1] if pos > 0 else None
        next_id = order[pos + 1] if pos + 1 < len(order) else None
        return prev_id, next_id, pos, len(order)
    prev_id, next_id, pos, total = queries.neighbours(ws, cid)
    return prev_id, next_id, (pos if pos >= 0 else None), total


# -- actions (button callbacks: one library call each) ---------------------------------------
def _save_verdict(ws, claim_id: int, expect_version: int, reviewer: Actor) -> None:
    label = st.session_state.get(f"review_label_{claim_id}")
    rationale = st.session_state.get(f"review_rationale_{claim_id}") or ""
    second = bool(st.session_state.get(f"review_second_{claim_id}"))
    if not label:
        flash("Choose a verdict before saving.", "warning")
        return
    status = ClaimStatus.needs_second_review if second else ClaimStatus.done
    try:  # the same rules the library applies again inside the save's transaction
        authorise(reviewer, "verdict", ws.store.get_claim(claim_id), to_status=status)
    except PermissionDenied as e:
        flash(str(e), "warning")
        return
    except FactcheckError:
        pass  # e.g. the claim is gone: the save reports it
    try:
        verdict = rv.set_verdict(ws, claim_id, label, reviewer, rationale,
                                 expect_version=expect_version, status=status)
    except ConflictError as e:
        st.session_state[_CONFLICT] = {"claim_id": claim_id, "label": label, "rationale": rationale,
                                       "status": status.value, "message": str(e)}
        return
    except FactcheckError as e:
        flash(str(e), "error")
        return
    _set_seen(claim_id, verdict.version)
    st.session_state.pop(_CONFLICT, None)
    flash(f"Saved verdict “{verdict.label}” on claim #{claim_id}.")


def _reapply(ws, claim_id: int, current_version: int, reviewer: Actor) -> None:
    mine = st.session_state.get(_CONFLICT) or {}
    try:
        verdict = rv.set_verdict(ws, claim_id, mine["label"], reviewer, mine.get("rationale", ""),
                                 expect_version=current_version, status=mine.get("status", "done"))
    except ConflictError as e:
        mine["message"] = str(e)
        return
    except FactcheckError as e:
        flash(str(e), "error")
        return
    _set_seen(claim_id, verdict.version)
    st.session_state.pop(_CONFLICT, None)
    flash(f"Re-applied your verdict “{verdict.label}” on claim #{claim_id}.")


def _keep_theirs(claim_id: int, current_version: int) -> None:
    st.session_state.pop(_CONFLICT, None)
    _forget(claim_id)
    _set_seen(claim_id, current_version)


def _reload(claim_id: int) -> None:
    _forget(claim_id)


def _set_status(ws, claim_id: int, status: str, expect_version: int, reviewer: Actor) -> None:
    claim = components.action(rv.set_status, ws, claim_id, status, reviewer,
                              expect_version=expect_version,
                              ok=f"Claim #{claim_id} is now “{components.status_label(status)}”.")
    if claim is not None:
        _set_seen(claim_id, claim.version)


def _link(ws, claim_id: int, passage_id: int, reviewer: Actor, prefix: str) -> None:
    state = st.session_state
    stance = state.get(evidence.link_key(prefix, "stance", claim_id, passage_id))
    if stance not in evidence.STANCES:  # nothing is preselected: never link a stance nobody chose
        flash("Choose supports, refutes or context before linking.", "warning")
        return
    note = (state.get(evidence.link_key(prefix, "note", claim_id, passage_id)) or "").strip() or None
    done = components.action(rv.link_evidence, ws, claim_id, passage_id, stance, reviewer, note,
                             ok=f"Linked passage {passage_id} ({STANCE_LABELS.get(stance, stance)}).")
    if done is not None:
        state.pop(f"review_hotcard_{claim_id}", None)  # the keyboard moves on to the next unlinked card


def _unlink(ws, claim_id: int, passage_id: int, reviewer: Actor) -> None:
    components.action(rv.unlink_evidence, ws, claim_id, passage_id, reviewer,
                      ok=f"Unlinked passage {passage_id}.")


def _reuse(claim_id: int, label: str | None, rationale: str) -> None:
    if label:
        st.session_state[f"review_label_{claim_id}"] = label
    st.session_state[f"review_rationale_{claim_id}"] = rationale
    flash("Copied the earlier verdict into the form: check it, then save." if label else
          "The earlier verdict is not on this desk's scale: its rationale was copied; choose a "
          "verdict, then save.", "success" if label else "warning")


# -- pieces of the page ----------------------------------------------------------------------
def _nav(ws, claim: Claim) -> int | None:
    """Previous/next buttons and "go to"; returns the next claim's id (to prefetch it)."""
    cid = int(claim.id)  # type: ignore[arg-type]
    prev_id, next_id, pos, total = _neighbours(ws, cid)
    c1, c2, c3, c4 = st.columns([3, 3, 3, 5], vertical_alignment="center")
    c1.button("Previous", key="review_prev", icon=":material/arrow_back:", disabled=prev_id is None,
              on_click=goto, args=(prev_id,), shortcut="Alt+P", width="stretch")
    c2.button("Next", key="review_next", icon=":material/arrow_forward:", disabled=next_id is None,
              on_click=goto, args=(next_id,), shortcut="Alt+N", width="stretch")
    c3.caption(f"{pos + 1} of {total} in the queue" if pos is not None else "not in the queue")
    with c4:
        g1, g2 = st.columns([2, 1], vertical_alignment="bottom")
        g1.number_input("Go to claim #", min_value=1, step=1, value=None, key="review_goto",
                        placeholder="go to claim #", label_visibility="collapsed", on_change=_goto_typed)
        g2.button("Open", key="review_goto_open", on_click=_goto_typed)
    return next_id


def _claim_block(ws, claim: Claim, article: Article) -> None:
    text = article.text
    ps, pe = paragraph_span(text, claim.start)
    ps, pe = min(ps, claim.start), max(pe, claim.end)
    spans = [(claim.start, claim.end, "fc-claim")]
    spans += [(kv.start, kv.end, "fc-value") for kv in claim.key_values]
    whole = st.toggle("Show the whole article", key="review_whole_article")
    if whole:
        st.html(block(highlight(text, spans)))
    else:
        st.html(block(highlight(text[ps:pe], spans, offset=ps)))
    meta = [
        f"Article: {link(article.url, article.title or article.id)}",
        f"type <b>{esc(claim.type.value)}</b>",
        f"check-worthiness <b>{claim.score:.2f}</b>",
        f"status <b>{esc(components.status_label(claim.status.value))}</b>",
    ]
    if claim.speaker:
        meta.insert(1, f"speaker <b>{esc(claim.speaker)}</b>")
    st.html(f'<div class="fc-muted">{" · ".join(meta)}</div>')
    if claim.key_values:
        st.html(
            chips([(f"{kv.kind.value}: {kv.text}", "") for kv in claim.key_values]))


def _conflict_panel(ws, claim: Claim, reviewer: Actor) -> bool:
    mine = st.session_state.get(_CONFLICT)
    cid = int(claim.id)  # type: ignore[arg-type]
    if not mine or mine.get("claim_id") != cid:
        return False
    other = rv.get_verdict(ws, cid)
    with st.container(border=True):
        st.error("Not saved — " + md(mine["message"]), icon=":material/sync_problem:")
        a, b = st.columns(2)
        with a:
            st.markdown("**Their verdict (saved)**")
            if other is not None:
                st.html(f"{esc(other.label)} — by {esc(other.reviewer)}, "
                            f"{other.created_at:%Y-%m-%d %H:%M} UTC")
                if other.rationale:
                    st.text(other.rationale)
            else:
                st.markdown("(no verdict; the claim itself was changed)")
        with b:
            st.markdown("**Your verdict (not saved)**")
            st.html(esc(mine["label"]))
            if mine.get("rationale"):
                st.text(mine["rationale"])
        c1, c2 = st.columns(2)
        c1.button("Re-apply my verdict", key=f"review_reapply_{cid}", type="primary",
                  on_click=_reapply, args=(ws, cid, claim.version, reviewer))
        c2.button("Keep theirs", key=f"review_keep_{cid}", on_click=_keep_theirs,
                  args=(cid, claim.version))
    return True


def _verdict_form(ws, claim: Claim, seen: int, reviewer: Actor, sr: Any = None) -> None:
    cid = int(claim.id)  # type: ignore[arg-type]
    scale = ws.settings.verdict_scale()
    blind = rv.is_blind_for(sr, reviewer.username)
    current = None if blind else rv.get_verdict(ws, cid)  # blind: the first verdict stays hidden
    k_label, k_rat, k_second = f"review_label_{cid}", f"review_rationale_{cid}", f"review_second_{cid}"
    k_blind = f"review_blindfor_{cid}"
    if blind and st.session_state.get(k_blind) != reviewer.username:
        # drafts in this browser session may hold the first verdict (e.g. the name box changed after
        # saving it): a blind reviewer starts from an empty form
        st.session_state[k_blind] = reviewer.username
        st.session_state[k_label], st.session_state[k_rat] = None, ""
    if k_label not in st.session_state:
        st.session_state[k_label] = current.label if current and current.label in scale else None
    if k_rat not in st.session_state:
        st.session_state[k_rat] = current.rationale if current else ""
    if k_second not in st.session_state or blind:
        st.session_state[k_second] = claim.status is ClaimStatus.needs_second_review
    st.subheader("Verdict")
    if blind:
        st.info("Blind second review: the first verdict and its rationale are hidden until you save "
                "yours; then both are shown and an editor resolves any disagreement.",
                icon=":material/visibility_off:")
    elif current is not None:
        st.caption(md(f"Current: {current.label} — by {current.reviewer}, "
                      f"{current.created_at:%Y-%m-%d %H:%M} UTC (version {current.version})"))
    with st.form(f"review_form_{cid}", border=True, enter_to_submit=False):
        st.selectbox("Verdict", scale, key=k_label, placeholder="Choose a verdict")
        st.text_area("Rationale", key=k_rat, height=120,
                     placeholder="Why this verdict: what the evidence shows.")
        if not blind:
            st.checkbox("Ask for a second review", key=k_second)
        st.form_submit_button("Save verdict", type="primary", icon=":material/save:",
                              on_click=_save_verdict, args=(ws, cid, seen, reviewer),
                              key=f"review_save_{cid}", shortcut="Ctrl+Enter")
    if claim.status is ClaimStatus.new:
        st.button("Mark as in review", key=f"review_start_{cid}", on_click=_set_status,
                  args=(ws, cid, ClaimStatus.in_review.value, seen, reviewer))
    elif claim.status is ClaimStatus.dismissed:
        st.button("Restore to the queue", key=f"review_restore_{cid}", on_click=_set_status,
                  args=(ws, cid, ClaimStatus.new.value, seen, reviewer))


def _resolve(ws, claim_id: int, label: str, rationale: str, expect_version: int, reviewer: Actor) -> None:
    """Callback of "Keep first / Keep second": the editor's final verdict completes the claim."""
    try:
        verdict = rv.set_verdict(ws, claim_id, label, reviewer, rationale, expect_version=expect_version,
                                 status=ClaimStatus.done)
    except FactcheckError as e:
        flash(str(e), "error")
        return
    _set_seen(claim_id, verdict.version)
    for k in (f"review_label_{claim_id}", f"review_rationale_{claim_id}", f"review_second_{claim_id}"):
        st.session_state.pop(k, None)
    flash(f"Resolved the second review of claim #{claim_id}: “{verdict.label}”.")


def _second_review_panel(ws, claim: Claim, sr: Any, seen: int, reviewer: Actor) -> None:
    """Both verdicts of a blind second review once the second is saved, and the editor's choice."""
    if sr is None:
        return
    cid = int(claim.id)  # type: ignore[arg-type]
    if sr.second_label is None:
        if sr.resolved_at is None and not rv.is_blind_for(sr, reviewer.username):
            st.caption(md(f"Waiting for a blind second review (first verdict by {sr.first_reviewer})."))
        return
    with st.container(border=True, key=f"review_pair_{cid}"):
        agree = sr.first_label == sr.second_label
        head = "Second review: the reviewers agree" if agree else "Second review: the reviewers disagree"
        st.markdown(f"**{head}**")
        a, b = st.columns(2)
        for col, who, label, rationale, tag in (
                (a, sr.first_reviewer, sr.first_label, sr.first_rationale, "first"),
                (b, sr.second_reviewer, sr.second_label, sr.second_rationale, "second")):
            col.html(f"{chips([(label, 'match' if agree else 'conflict')])} "
                     f'<span class="fc-muted">{esc(tag)} review, by {esc(who)}</span>')
            if rationale:
                col.text(rationale)
            if sr.resolved_at is None and reviewer.can("second_review"):
                col.button(f"Keep {tag}: {label}", key=f"review_keep_{tag}_{cid}", width="stretch",
                           type="primary" if agree else "secondary", on_click=_resolve,
                           args=(ws, cid, label, rationale, seen, reviewer))
        if sr.resolved_at is not None:
            st.caption(md(f"Resolved by {sr.resolved_by}: {sr.resolved_label}, "
                          f"{sr.resolved_at:%Y-%m-%d %H:%M} UTC."))
        elif not reviewer.can("second_review"):
            st.caption("An editor resolves the second review.")


def _assign(ws, claim_id: int, reviewer: Actor) -> None:
    who = (st.session_state.get(f"review_assignee_{claim_id}") or "").strip()
    components.action(rv.assign_claims, ws, [claim_id], who or None, reviewer,
                      ok=f"Claim #{claim_id} assigned to {who}." if who else
                      f"Claim #{claim_id} is no longer assigned.")


def _assignment(ws, claim: Claim, reviewer: Actor) -> None:
    cid = int(claim.id)  # type: ignore[arg-type]
    current = rv.assignee_of(ws, cid)
    if not reviewer.can("second_review"):
        if current:
            st.caption(md(f"Assigned to {current}."))
        return
    names = queries.assignee_choices(ws)
    if current and current not in names:
        names.append(current)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.selectbox("Assigned to", names, index=names.index(current) if current else None,
                 key=f"review_assignee_{cid}", accept_new_options=True, placeholder="nobody")
    c2.button("Assign", key=f"review_assign_{cid}", on_click=_assign, args=(ws, cid, reviewer),
              width="stretch")


def _history(ws, claim: Claim, blind: bool = False) -> None:
    events = rv.history(ws, int(claim.id))  # type: ignore[arg-type]
    with st.expander(f"History ({len(events)} changes)"):
        if not events:
            st.caption("No changes yet.")
            return
        rows = [
            {"when (UTC)": f"{e.at:%Y-%m-%d %H:%M:%S}", "who": e.reviewer, "what": e.kind,
             "details": ("(hidden until you save your verdict)" if blind and e.kind == "verdict"
                         else _describe(e.kind, e.data))}
            for e in reversed(events)
        ]
        st.dataframe(rows, hide_index=True, key=f"review_history_{claim.id}",
                     column_config={"details": st.column_config.TextColumn(width="large")})


def _describe(kind: str, data: dict[str, Any]) -> str:
    if kind == "verdict":
        text = f"{data.get('label')} (v{data.get('version')}, {data.get('status')})"
        return text + (f": {data['rationale']}" if data.get("rationale") else "")
    if kind == "link":
        note = f" — {data['note']}" if data.get("note") else ""
        return f"passage {data.get('passage_id')} {data.get('stance')}{note}"
    if kind == "unlink":
        return f"passage {data.get('passage_id')}"
    if kind == "edit":
        return f"“{(data.get('old') or {}).get('text')}” → “{(data.get('new') or {}).get('text')}”"
    if kind == "status":
        return f"{data.get('previous')} → {data.get('status')}"
    return json.dumps(data, ensure_ascii=False, default=str)


# -- fixing the extraction ---------------------------------------------------------------------
def find_span(text: str, wanted: str, near: int) -> tuple[int, int] | None:
    """The occurrence of `wanted` in `text` closest to position `near` (None if absent)."""
    wanted = wanted.strip()
    if not wanted:
        return None
    best, pos = None, text.find(wanted)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(wanted, pos + 1)
    return None if best is None else (best, best + len(wanted))


def split_points(original: str, marked: str) -> list[int]:
    """Offsets (into `original`) where the reviewer typed ``|`` in a copy of it.

    Each cut is the start of the next word. Whitespace is not compared (spaces around the marks
    do not matter); any other change raises InputError.
    """
    n, i, cuts = len(original), 0, []
    for ch in marked:
        if ch.isspace():
            continue
        while i < n and original[i].isspace():
            i += 1
        if i < n and ch == original[i]:
            i += 1
        elif ch == "|":
            cuts.append(i)
        else:
            raise InputError("only add | marks (and spaces) to the claim text; the other words must stay")
    if original[i:].strip():
        raise InputError("only add | marks (and spaces) to the claim text; some words were removed")
    cuts = sorted({c for c in cuts if original[:c].strip() and original[c:].strip()})
    if not cuts:
        raise InputError("type | where the claim should be cut, e.g. “… rose 5% | and exports …”")
    return cuts


@st.fragment
def _fix_extraction(ws, claim: Claim, article: Article, seen: int, reviewer: Actor) -> None:
    cid = int(claim.id)  # type: ignore[arg-type]
    edit_tab, split_tab, dismiss_tab, add_tab = st.tabs(["Edit span", "Split", "Dismiss", "Add a claim"])
    with edit_tab:
        new_text = st.text_area("Claim text (as it appears in the article)", value=claim.text,
                                key=f"review_fix_text_{cid}", height=90)
        if st.button("Save span", key=f"review_fix_save_{cid}"):
            span = find_span(article.text, new_text, claim.start)
            if span is None:
                st.error("That text is not in the article; copy the words exactly as they appear.")
            else:
                done = components.action(rv.edit_claim, ws, cid, reviewer, *span,
                                         expect_version=seen, ok=f"Claim #{cid} now covers the new span.")
                if done is not None:
                    _set_seen(cid, done.version)
                    st.session_state.pop(f"review_fix_text_{cid}", None)
                st.rerun()
    with split_tab:
        marked = st.text_area("Type | where the claim should be cut", value=claim.text,
                              key=f"review_fix_split_{cid}", height=90)
        if st.button("Split", key=f"review_fix_split_go_{cid}"):
            try:
                cuts = [claim.start + c for c in split_points(claim.text, marked)]
            except InputError as e:
                st.error(md(e))
            else:
                parts = components.action(rv.split_claim, ws, cid, cuts, reviewer)
                if parts:
                    _set_seen(cid, parts[0].version)
                    st.session_state.pop(f"review_fix_split_{cid}", None)
                    ids = ", ".join(f"#{p.id}" for p in parts)
                    flash(f"Split claim #{cid} into {len(parts)} claims: {ids}.")
                st.rerun()
    with dismiss_tab:
        reason = st.text_input("Why is this not a claim? (optional)", key=f"review_fix_reason_{cid}")
        if st.button("Dismiss: not a claim", key=f"review_fix_dismiss_{cid}",
                     disabled=claim.status is ClaimStatus.dismissed):
            done = components.action(rv.dismiss_claim, ws, cid, reviewer, reason.strip(),
                                     ok=f"Dismissed claim #{cid}; it is hidden from the queue.")
            if done is not None:
                _set_seen(cid, done.version)
            st.rerun()
    with add_tab:
        add_claim_form(ws, claim.article_id, reviewer, key=f"review_add_{cid}")


def add_claim_form(ws, article_id: str, reviewer: Actor, *, key: str) -> None:
    """Pick any sentence of the article (optionally part of it) and add it as a claim."""
    sents = ws.store.get_sentences(article_id)
    if not sents:
        st.caption("This article has no stored sentences.")
        return
    taken = queries.sentence_claims(ws, article_id)
    idx = st.selectbox(
        "Sentence", list(range(len(sents))), key=f"{key}_sentence",
        format_func=lambda i: ("✓ " if sents[i].index in taken else "") + f"{i + 1}. "
        + components.short(sents[i].text, 120),
        help="✓ marks sentences that already hold a claim.",
    )
    part = st.text_input("Only this part of the sentence (optional)", key=f"{key}_part")
    if st.button("Add claim", key=f"{key}_go", icon=":material/add:"):
        sent = sents[int(idx)]
        start, end = sent.start, sent.end
        if part.strip():
            span = find_span(sent.text, part, 0)
            if span is None:
                st.error("That text is not in the chosen sentence; copy it exactly.")
                return
            start, end = sent.start + span[0], sent.start + span[1]
        new = components.action(rv.add_claim, ws, article_id, start, end, reviewer)
        if new is not None:
            flash(f"Added claim #{new.id}: “{components.short(new.text, 80)}”.")
            st.session_state.pop(f"{key}_part", None)
        st.rerun()


# -- the page --------------------------------------------------------------------------------
def render() -> None:
    ws, reviewer = components.setup()
    cid = current_claim_id(ws)
    if cid is None:
        st.title("Review")
        st.info("No claims to review yet. Add an article on the Articles page.")
        st.page_link(PAGES["articles"], label="Add an article", icon=":material/article:")
        return
    try:
        claim = ws.store.get_claim(cid)
    except NotFoundError:
        st.title("Review")
        st.warning(f"There is no claim #{cid}. Pick one in the queue.")
        st.session_state.pop("fc_claim", None)
        st.page_link(PAGES["queue"], label="Back to the queue", icon=":material/checklist:")
        return
    article = ws.store.get_article(claim.article_id)
    seen = _seen(claim)

    st.markdown(f"### Claim #{cid}")
    next_id = _nav(ws, claim)
    in_conflict = _conflict_panel(ws, claim, reviewer)
    if claim.version != seen and not in_conflict:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.info(f"This claim changed since you opened it (version {seen} → {claim.version}). "
                "Saving will show you the other change first.", icon=":material/update:")
        c2.button("Load the latest", key=f"review_reload_{cid}", on_click=_reload, args=(cid,))

    left, right = st.columns([3, 2], gap="large")
    with left:
        _claim_block(ws, claim, article)
        evidence.panel(ws, claim, reviewer, link_cb=_link, unlink_cb=_unlink)
    with right:
        sr = rv.second_review(ws, cid)
        _second_review_panel(ws, claim, sr, seen, reviewer)
        _verdict_form(ws, claim, seen, reviewer, sr)
        _assignment(ws, claim, reviewer)
        evidence.matches(ws, claim, reuse_cb=_reuse)
        with st.expander("Fix the extraction"):
            _fix_extraction(ws, claim, article, seen, reviewer)
        _history(ws, claim, blind=rv.is_blind_for(sr, reviewer.username))
    evidence_cache.prefetch(ws, next_id)  # while the reviewer reads, get the next claim ready

