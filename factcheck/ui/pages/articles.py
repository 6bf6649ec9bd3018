"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.articles."""

from factcheck.ui import articles

articles.render()
