"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.review."""

from factcheck.ui import review

review.render()
