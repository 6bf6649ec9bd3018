"""Page file executed by ``st.navigation`` (app.py); the page lives in factcheck.ui.queue."""

from factcheck.ui import queue

queue.render()
