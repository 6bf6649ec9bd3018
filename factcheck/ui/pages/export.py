"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.export."""

from factcheck.ui import export

export.render()
