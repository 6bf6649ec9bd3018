"""The Streamlit review app: the only package that imports streamlit.

``app.py`` (page config + ``st.navigation``) runs the page files here:

* ``queue.py`` — the landing page: every claim, most check-worthy first, filters, progress;
* ``review.py`` — one claim: paragraph, evidence (``evidence.py``), verdict, fixes, history;
* ``articles.py`` / ``sources.py`` — add (paste or upload) and browse;
* ``dashboard.py`` — verdicts per article, reviews per reviewer, Cohen's kappa;
* ``export.py`` — CSV / ClaimReview / JSONL downloads.

Shared: ``resources.py`` (the cached Workspace and the first-start bootstrap), ``identity.py``
(who is reviewing), ``components.py`` (page setup, messages, navigation), ``safe_html.py``
(escaping, safe links, highlighting) and ``queries.py`` (read-only SQL for the tables).
``pages/*.py`` are the two-line page files ``st.navigation`` executes; the pages are modules
here (imported once, so a rerun does not recompile them).
"""
