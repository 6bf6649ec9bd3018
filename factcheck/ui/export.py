"""Export page: the same files as ``factcheck export ...``, from the same library functions.

Downloads are generated when the button is clicked (deferred), not on every render.
"""

from __future__ import annotations

import functools

import streamlit as st

from factcheck.db import queries
from factcheck.services import dump as fc_dump
from factcheck.services import export as fc_export
from factcheck.ui import components, identity
from factcheck.ui.safe_html import safe_url


def render() -> None:
    ws, _reviewer = components.setup()
    st.title("Export")
    identity.require("export")  # editors and admins (everyone in solo mode)

    st.subheader("Verdicts as CSV")
    st.caption("One row per claim. Cells a spreadsheet would run as a formula are neutralised.")
    arts = dict(queries.article_choices(ws))
    c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    article = c1.selectbox(
        "Article", [None, *arts], format_func=lambda a: "All articles" if a is None else arts[a],
        key="export_csv_article",
    )
    status = c2.selectbox(
        "Status", [None, *queries.QUEUE_STATUSES, "dismissed"],
        format_func=lambda s: "Any status" if s is None else components.status_label(s),
        key="export_csv_status",
    )
    excel = c3.checkbox("For Excel (BOM)", key="export_csv_excel")
    st.download_button(
        "Download CSV",
        data=functools.partial(fc_export.csv_bytes, ws, article_id=article, status=status, excel=excel),
        file_name="verdicts.csv",
        mime="text/csv",
        key="export_csv_download",
        icon=":material/table:",
        on_click="ignore",
    )

    st.subheader("ClaimReview JSON-LD")
    st.caption("One schema.org ClaimReview per claim with a verdict, for publishing.")
    c1, c2 = st.columns(2)
    publisher = c1.text_input("Publisher name", key="export_cr_publisher", placeholder="Desk name")
    publisher_url = c2.text_input("Publisher URL", key="export_cr_url", placeholder="https://…")
    ready = bool(publisher.strip()) and safe_url(publisher_url) is not None
    if not ready:
        st.caption("Give the publisher name and an http(s) URL to enable the download.")
    st.download_button(
        "Download ClaimReview",
        data=functools.partial(
            fc_export.claimreview_json, ws, publisher=publisher.strip(), publisher_url=publisher_url.strip()
        ),
        file_name="claimreview.jsonld",
        mime="application/ld+json",
        key="export_cr_download",
        icon=":material/data_object:",
        disabled=not ready,
        on_click="ignore",
    )

    st.subheader("Everything as JSONL")
    st.caption("A full dump (articles, claims, sources, links, verdicts, history): "
               "`factcheck import jsonl` reads it back.")
    st.download_button(
        "Download JSONL dump",
        data=functools.partial(fc_dump.jsonl_text, ws),
        file_name="factcheck-dump.jsonl",
        mime="application/jsonl",
        key="export_jsonl_download",
        icon=":material/database:",
        on_click="ignore",
    )

