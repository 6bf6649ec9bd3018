"""Sources page: add a source (paste text + URL, or upload a file) — indexed at once — and browse.

Shown by ``app.py`` through ``factcheck/ui/pages/sources.py``.
"""

from __future__ import annotations

import streamlit as st

from factcheck.errors import FactcheckError, InputError
from factcheck.io.readers import Document
from factcheck.io.uploads import read_upload
from factcheck.services import sources as fc_sources
from factcheck.services.links import as_fetched, fetch_links, is_url
from factcheck.ui import components, resources
from factcheck.ui.components import flash
from factcheck.ui.safe_html import block, esc, link, passage_html, safe_url

UPLOAD_TYPES = ["txt", "md", "html", "htm", "pdf"]


def _add(ws, docs: list[Document | InputError]) -> None:
    """One library call: store the sources with their passages and sync the passages index."""
    resources.wait_model(ws)
    with st.spinner("Adding and indexing…"):
        try:
            report = fc_sources.add_documents(ws, docs)
        except FactcheckError as e:
            flash(str(e), "error")
            return
    for res in report.results:
        name = res.title or res.url or res.source_id or res.origin
        if res.status == "added":
            version = f" ({res.message})" if res.message else ""
            flash(f"Added “{name}”{version}: {components.plural(res.passages, 'passage')}, indexed and ready "
                  "for suggestions.")
        elif res.status == "skipped":
            flash(f"“{name}” was already stored ({res.message}); nothing was added.", "warning")
        else:
            flash(res.message or f"{res.origin}: not added", "error")


def _meta_inputs(prefix: str) -> tuple[str, str, str, str | None]:
    c1, c2 = st.columns(2)
    title = c1.text_input("Title", key=f"{prefix}_title")
    url = c2.text_input("URL", key=f"{prefix}_url", placeholder="https://…")
    c3, c4 = st.columns(2)
    publisher = c3.text_input("Publisher (optional)", key=f"{prefix}_publisher")
    published = c4.text_input("Published (optional)", key=f"{prefix}_published", placeholder="2025-03-01")
    return title.strip(), url.strip(), publisher.strip(), published.strip() or None


def _add_source(ws) -> None:
    paste, upload, from_link = st.tabs(["Paste text + URL", "Upload a file", "From a link"])
    with paste, st.form("sources_paste_form", enter_to_submit=False):
        title, url, publisher, published = _meta_inputs("sources_paste")
        text = st.text_area("Source text", key="sources_paste_text", height=200)
        go = st.form_submit_button("Add source", type="primary", icon=":material/add:",
                                   key="sources_paste_go")
    if go:
        if not text.strip():
            st.error("Paste the source text first.")
        elif url and safe_url(url) is None:
            st.error("The URL must start with http:// or https://.")
        else:
            doc = Document(text=text, title=title or None, url=url or None, published=published,
                           origin="pasted in the app", extra={"publisher": publisher or None})
            _add(ws, [doc])
            st.rerun()
    with upload:
        files = st.file_uploader("Source files", type=UPLOAD_TYPES, accept_multiple_files=True,
                                 key="sources_upload_files")
        title, url, publisher, published = _meta_inputs("sources_upload")
        st.caption("Title, URL and publisher apply to every uploaded file (leave empty for several).")
        if st.button("Add sources", key="sources_upload_go", type="primary", disabled=not files,
                     icon=":material/upload_file:"):
            if url and safe_url(url) is None:
                st.error("The URL must start with http:// or https://.")
                return
            docs: list[Document | InputError] = []
            for f in files or []:
                warn = components.encoding_warning(f.name, f.getvalue())
                if warn:
                    flash(warn, "warning")
                for doc in read_upload(f.name, f.getvalue(), max_bytes=ws.settings.max_bytes):
                    if isinstance(doc, Document):
                        doc.title = title or doc.title
                        doc.url = url or doc.url
                        doc.published = published or doc.published
                        doc.extra = {**(doc.extra or {}), "publisher": publisher or None}
                    docs.append(doc)
            _add(ws, docs)
            st.rerun()
    with from_link:
        _add_from_link(ws)


def _add_from_link(ws) -> None:
    """Add source from a link: fetched (web page, PDF or text) and kept as fetched."""
    with st.form("sources_link_form", enter_to_submit=True):
        url = st.text_input("Link to the source", key="sources_link_url", placeholder="https://…")
        go = st.form_submit_button("Add source from a link", type="primary", icon=":material/add_link:",
                                   key="sources_link_go")
    st.caption("The text is kept as fetched: adding the link again adds nothing unless the page "
               "changed, and then the new text is a new version beside the old one.")
    if not go:
        return
    if not is_url(url):
        st.error("Give the full address of the source, starting with http:// or https://.")
        return
    with st.spinner("Fetching…"):
        docs = list(fetch_links(ws, [url]))
    _add(ws, docs)
    st.rerun()


def _browse(ws) -> None:
    rows = fc_sources.list_sources(ws)
    st.subheader(f"Sources ({len(rows)})")
    if not rows:
        st.info("No sources yet. Added sources are split into passages and suggested as evidence.")
        return
    table = [
        {"title": r["title"] or r["source_id"], "url": safe_url(r["url"]), "publisher": r["publisher"],
         "published": r["published"], "passages": r["passages"], "id": r["source_id"],
         "fetched (UTC)": (r["fetched_at"] or "")[:16].replace("T", " ") or None}
        for r in rows
    ]
    st.dataframe(
        table, hide_index=True, key="sources_table",
        column_config={
            "title": st.column_config.TextColumn("Title", width="large"),
            "url": st.column_config.LinkColumn("URL", width="medium"),
            "passages": st.column_config.NumberColumn("Passages", width="small"),
        },
    )
    ids = [r["source_id"] for r in rows]
    titles = {r["source_id"]: r["title"] or r["source_id"] for r in rows}
    sid = st.selectbox("Show the passages of", ids, index=None, format_func=lambda s: titles[s],
                       key="sources_open", placeholder="Choose a source")
    if sid is None:
        return
    src = fc_sources.get_source(ws, sid)
    fetched = f" · {as_fetched(src.fetched_at)}, version {src.version}" if src.fetched_at else ""
    st.html(f'<div class="fc-muted">{link(src.url, src.url or src.id)}'
                f"{' · ' + esc(src.publisher) if src.publisher else ''}{esc(fetched)}</div>")
    with st.container(height=420):
        for p in fc_sources.source_passages(ws, sid):
            st.html(f'<span class="fc-muted">passage {p.id}</span>{block(passage_html(p.text))}')


def render() -> None:
    ws, _reviewer = components.setup()
    st.title("Sources")
    with st.expander("Add a source", expanded=True):
        _add_source(ws)
    _browse(ws)

