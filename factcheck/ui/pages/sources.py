"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.sources."""

from factcheck.ui import sources

sources.render()
