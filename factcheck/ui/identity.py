"""Who is reviewing: the one place the app gets the reviewer's name from.

Solo mode (today): the name defaults to the OS user and can be changed in the sidebar; it lasts
for the browser session. Team mode will replace :func:`sidebar` / :func:`current_reviewer` with a
login; nothing else in the app reads or sets the identity.
"""

from __future__ import annotations

import streamlit as st

from ..config import default_reviewer

_STATE = "fc_reviewer"  # the name in use (plain session state, survives page switches)
_WIDGET = "fc_reviewer_input"  # the sidebar text box


def current_reviewer() -> str:
    """The reviewer recorded with every action of this session."""
    name = st.session_state.get(_STATE)
    if not name:
        name = default_reviewer()
        st.session_state[_STATE] = name
    return name


def _changed() -> None:
    name = (st.session_state.get(_WIDGET) or "").strip()
    st.session_state[_STATE] = name or default_reviewer()
    st.session_state[_WIDGET] = st.session_state[_STATE]


def sidebar() -> str:
    """Show (and let the user change) the reviewer name in the sidebar; returns it."""
    name = current_reviewer()
    if st.session_state.get(_WIDGET) != name:
        st.session_state[_WIDGET] = name
    st.sidebar.text_input(
        "Reviewer",
        key=_WIDGET,
        on_change=_changed,
        help="Recorded with every verdict, link and edit. Defaults to your OS user name.",
        max_chars=80,
    )
    return current_reviewer()
