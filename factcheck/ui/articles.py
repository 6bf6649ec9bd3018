"""Articles page: add an article (paste or upload) — extracted at once — and browse the articles.

Shown by ``app.py`` through ``factcheck/ui/pages/articles.py``.
"""

from __future__ import annotations

import streamlit as st

from factcheck.config import MODES
from factcheck.db import queries
from factcheck.errors import FactcheckError, InputError
from factcheck.io.readers import Document
from factcheck.io.uploads import read_upload
from factcheck.ml.checkworthy import operating_points
from factcheck.services.extract import extract_document
from factcheck.services.links import fetch_link, is_url
from factcheck.ui import components, resources
from factcheck.ui.components import flash
from factcheck.ui.review import add_claim_form
from factcheck.ui.safe_html import block, esc, highlight, link, md, safe_url

UPLOAD_TYPES = ["txt", "md", "html", "htm", "pdf", "jsonl", "csv"]


def _mode_picker(ws) -> None:
    """The claim-detection operating point used by this page's extractions (key ``articles_mode``)."""
    points = operating_points()
    labels = {"thorough": "more claims, recall first", "focused": "fewer, surer claims"}
    fixed = ws.settings.min_score is not None
    st.selectbox(
        "Claim detection", MODES, index=MODES.index(ws.settings.mode), key="articles_mode",
        format_func=lambda m: f"{m.capitalize()}: {labels[m]} (score ≥ {points[m]:.2f})",
        disabled=fixed,
        help=(f"FACTCHECK_MIN_SCORE={ws.settings.min_score} sets the threshold on this server."
              if fixed else "Thresholds from bench/checkworthy.py (see the README). The queue is "
              "sorted by score either way; the default comes from FACTCHECK_MODE."),
    )


def _min_score(ws) -> float:
    """The threshold of the chosen mode (FACTCHECK_MIN_SCORE, when set, wins)."""
    if ws.settings.min_score is not None:
        return ws.settings.min_score
    return operating_points()[st.session_state.get("articles_mode") or ws.settings.mode]


def _extract(ws, docs: list[Document | InputError]) -> None:
    """Extract documents one by one (progress bar), then sync the claim index once."""
    min_score = _min_score(ws)
    resources.wait_model(ws)
    bar = st.progress(0.0, text="Extracting…")
    for i, doc in enumerate(docs, 1):
        if isinstance(doc, InputError):
            flash(str(doc), "error")
            continue
        bar.progress(i / len(docs), text=f"Extracting {doc.title or doc.origin} ({i}/{len(docs)})…")
        try:
            res = extract_document(ws, doc, min_score=min_score)
        except FactcheckError as e:
            flash(f"{doc.origin}: {e}", "error")
            continue
        if res.error:
            flash(res.error, "error")
            continue
        name = res.title or res.article_id
        if res.skipped:
            flash(f"“{name}” is already stored ({components.plural(len(res.claims), 'claim')}); "
                  "nothing was added.", "warning")
        else:
            flash(f"Extracted “{name}”: {components.plural(res.sentences, 'sentence')}, "
                  f"{components.plural(len(res.claims), 'claim')}.")
    bar.empty()


def _add_article(ws) -> None:
    _mode_picker(ws)
    paste, upload, from_link = st.tabs(["Paste", "Upload", "From a link"])
    with paste, st.form("articles_paste_form", clear_on_submit=False, enter_to_submit=False):
        c1, c2 = st.columns(2)
        title = c1.text_input("Title", key="articles_paste_title")
        url = c2.text_input("URL (optional)", key="articles_paste_url", placeholder="https://…")
        text = st.text_area("Article text", key="articles_paste_text", height=220)
        go = st.form_submit_button("Extract claims", type="primary", icon=":material/auto_awesome:",
                                   key="articles_paste_go")
    if go:
        if not text.strip():
            st.error("Paste the article text first.")
        elif url.strip() and safe_url(url) is None:
            st.error("The URL must start with http:// or https://.")
        else:
            doc = Document(text=text, title=title.strip() or None, url=url.strip() or None,
                           origin="pasted in the app")
            _extract(ws, [doc])
            st.rerun()
    with upload:
        files = st.file_uploader("Article files", type=UPLOAD_TYPES, accept_multiple_files=True,
                                 key="articles_upload_files",
                                 help="Text, Markdown, HTML, PDF; JSONL/CSV with a `text` column for many.")
        if st.button("Extract claims", key="articles_upload_go", type="primary", disabled=not files,
                     icon=":material/auto_awesome:"):
            docs: list[Document | InputError] = []
            for f in files or []:
                warn = components.encoding_warning(f.name, f.getvalue())
                if warn:
                    flash(warn, "warning")
                docs.extend(read_upload(f.name, f.getvalue(), max_bytes=ws.settings.max_bytes))
            _extract(ws, docs)
            st.rerun()
    with from_link:
        _add_from_link(ws)


def _add_from_link(ws) -> None:
    """Add article from a link: fetched (web page, PDF or text), then extracted like a file."""
    with st.form("articles_link_form", enter_to_submit=True):
        url = st.text_input("Link to the article", key="articles_link_url", placeholder="https://…")
        go = st.form_submit_button("Add article from a link", type="primary", icon=":material/add_link:",
                                   key="articles_link_go")
    st.caption("The page is fetched once and its text is kept as fetched; the article's URL is the "
               "address the link ends on after redirects.")
    if not go:
        return
    if not is_url(url):
        st.error("Give the full address of the article, starting with http:// or https://.")
        return
    try:
        with st.spinner("Fetching…"):
            doc = fetch_link(ws, url)
    except FactcheckError as e:
        st.error(md(e))
        return
    _extract(ws, [doc])
    st.rerun()


def _browse(ws) -> None:
    prog = queries.article_progress(ws)
    if prog.empty:
        st.info("No articles yet.")
        return
    st.dataframe(
        prog[["article", "claims", "done", "progress"]], hide_index=True, key="articles_table",
        column_config={
            "article": st.column_config.TextColumn("Article", width="large"),
            "claims": st.column_config.NumberColumn("Claims", width="small"),
            "done": st.column_config.NumberColumn("Done", width="small"),
            "progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0,
                                                        format="percent"),
        },
    )
    titles = dict(zip(prog["article_id"], prog["article"]))
    aid = st.selectbox("Open an article", list(titles), format_func=lambda a: titles[a],
                       key="articles_open")
    if aid is None:
        return
    article = ws.store.get_article(aid)
    claims = ws.store.list_claims(article_id=aid)
    fetched = f" · as fetched on {article.fetched_at:%Y-%m-%d %H:%M} UTC" if article.fetched_at else ""
    st.html(
        f'<div class="fc-muted">{link(article.url, article.url or article.id)}{esc(fetched)} · '
        f"{components.plural(len(claims), 'claim')} · "
        f"{components.plural(queries.sentence_count(ws, aid), 'sentence')}</div>")
    left, right = st.columns([3, 2], gap="large")
    with left:
        spans = [(c.start, c.end, "fc-claim") for c in claims]
        with st.container(height=520):
            st.html(block(highlight(article.text, spans)))
    with right:
        st.markdown("**Claims**")
        order = [int(c.id) for c in sorted(claims, key=lambda c: (-c.score, c.id))]  # type: ignore[arg-type]
        with st.container(height=360):
            for c in sorted(claims, key=lambda c: c.start):
                a, b = st.columns([3, 1], vertical_alignment="center")
                a.html(f"#{c.id} · {esc(components.status_label(c.status.value))} · "
                           f"{esc(components.short(c.text, 140))}")
                if b.button("Review", key=f"articles_review_{c.id}", width="stretch"):
                    components.open_claim(int(c.id), order)  # type: ignore[arg-type]
        with st.expander("Add a claim the extractor missed"):
            add_claim_form(ws, aid, components.identity.current_identity(), key=f"articles_add_{aid}")
        _assign_article(ws, aid)


def _assign_article(ws, aid: str) -> None:
    """An editor assigns every claim of the article to one reviewer (one transaction)."""
    actor = components.identity.current_identity()
    if not actor.can("second_review"):
        return
    from factcheck.services import review as rv

    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    who = c1.selectbox("Assign all its claims to", queries.assignee_choices(ws), index=None,
                       key=f"articles_assignee_{aid}", accept_new_options=True, placeholder="reviewer…")
    if c2.button("Assign", key=f"articles_assign_{aid}", disabled=not who, width="stretch"):
        done = components.action(rv.assign_article, ws, aid, who, actor)
        if done is not None:
            flash(f"Assigned {components.plural(len(done), 'claim')} of this article to {who}.")
        st.rerun()


def render() -> None:
    ws, _reviewer = components.setup()
    st.title("Articles")
    with st.expander("Add an article", expanded=not queries.article_choices(ws)):
        _add_article(ws)
    _browse(ws)

