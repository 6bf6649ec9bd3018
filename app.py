"""The review app: `streamlit run app.py`. Page config and navigation only; pages are in factcheck/ui/."""

import streamlit as st

from factcheck.ui import hotkeys, identity

st.set_page_config(page_title="factcheck", page_icon="🔎", layout="wide")
identity.login_gate()  # team mode: log in first (solo mode: nothing)
# Sidebar widgets made here (not in the pages) are the same widgets on every page, so the
# reviewer box keeps its value across page switches (a page's widgets are that page's own).
identity.sidebar()
hotkeys.sidebar()
st.navigation(
    [
        st.Page("factcheck/ui/pages/queue.py", title="Queue", icon=":material/checklist:", default=True),
        st.Page("factcheck/ui/pages/review.py", title="Review", icon=":material/rate_review:"),
        st.Page("factcheck/ui/pages/articles.py", title="Articles", icon=":material/article:"),
        st.Page("factcheck/ui/pages/sources.py", title="Sources", icon=":material/library_books:"),
        st.Page("factcheck/ui/pages/dashboard.py", title="Dashboard", icon=":material/monitoring:"),
        st.Page("factcheck/ui/pages/export.py", title="Export", icon=":material/download:"),
    ]
).run()
