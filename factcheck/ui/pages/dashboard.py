"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.dashboard."""

from factcheck.ui import dashboard

dashboard.render()
