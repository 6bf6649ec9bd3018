"""Who is reviewing: the one place the app gets the reviewer's name and role from.

Solo mode (SQLite, no ``FACTCHECK_AUTH``): the name defaults to the OS user and can be changed in
the sidebar; it lasts for the browser session; the role is admin (everything allowed).

Team mode (:func:`factcheck.services.auth.team_mode`): :func:`login_gate` (run by app.py before the
navigation) shows streamlit-authenticator's login form and stops the page until the user logs
in with a username and password from the users file (bcrypt hashes). The reviewer recorded in
every event is then the login username, the role comes from the file, and the sidebar shows who
is signed in with a logout button. Nothing else in the app reads or sets the identity.

The role rules are not here: :func:`can` and :func:`require` ask
:func:`factcheck.services.auth.authorise` — the same function every library write calls inside
its transaction — so the app shows what the library will allow.
"""

from __future__ import annotations

import streamlit as st

from factcheck.config import Settings, default_reviewer
from factcheck.errors import FactcheckError
from factcheck.services.auth import (
    Actor,
    PermissionDenied,
    Role,
    load_users,
    role_of,
    solo_actor,
    team_mode,
)
from factcheck.ui.safe_html import md

_STATE = "fc_reviewer"  # the name in use (plain session state, survives page switches)
_WIDGET = "fc_reviewer_input"  # the sidebar text box
_AUTH = "fc_authenticator"  # this run's streamlit_authenticator.Authenticate (for the logout button)
_LOGIN_KEY = "fc_login"


def _team() -> bool:
    try:
        return team_mode(Settings())
    except Exception:  # noqa: BLE001 - bad settings are reported by resources.workspace()
        return False


def team() -> bool:
    """True in team mode (logins and roles), False in solo mode."""
    return _team()


def logged_in() -> bool:
    """True when a team-mode user has logged in this session (the library's session state)."""
    return bool(st.session_state.get("authentication_status")) and bool(st.session_state.get("username"))


def current_identity() -> Actor:
    """Who is acting: the login (team mode) or the sidebar name as admin (solo mode).

    In team mode without a login this stops the page (pages run after :func:`login_gate`, so it
    only happens if a page is reached some other way).
    """
    if _team():
        if not logged_in():
            st.warning("Please log in.", icon=":material/lock:")
            st.stop()
        try:
            role = role_of(st.session_state.get("roles"))
        except FactcheckError:
            role = Role.reviewer
        return Actor(username=str(st.session_state["username"]), role=role,
                     name=st.session_state.get("name"))
    return solo_actor(_solo_name())


def _solo_name() -> str:
    name = st.session_state.get(_STATE)
    if not name:
        name = default_reviewer()
        st.session_state[_STATE] = name
    return name


def current_reviewer() -> str:
    """The reviewer recorded with every action of this session (the login name in team mode)."""
    return current_identity().username


def can(action: str) -> bool:
    """True when the current user's role allows `action` (see factcheck.services.auth.ACTIONS)."""
    return current_identity().can(action)


def require(action: str) -> Actor:
    """Stop the page with a clear message unless the current user may do `action`."""
    who = current_identity()
    try:
        who.require(action)
    except PermissionDenied as e:
        st.error(md(e), icon=":material/block:")
        st.stop()
    return who


def login_gate() -> None:
    """Team mode: show the login form and stop the run until the user is logged in.

    Solo mode: nothing. Uses streamlit-authenticator with the users loaded (and checked) from
    ``FACTCHECK_AUTH``; the library keeps ``authentication_status``, ``username``, ``name`` and
    ``roles`` in the session state and sets a re-login cookie (``cookie.expiry_days``, 0 = none).
    The file is never written by the app (failed attempts and "logged in" flags stay in memory).
    """
    if not _team():
        return
    settings = Settings()
    if settings.auth is None:
        st.error("Team mode needs a users file: set FACTCHECK_AUTH to a YAML users file "
                 "(see the README, “Login and roles”).", icon=":material/lock:")
        st.stop()
    try:
        config = load_users(settings.auth)
    except FactcheckError as e:
        st.error("Cannot start: " + md(e), icon=":material/error:")
        st.stop()
    import streamlit_authenticator as stauth

    cookie = config["cookie"]
    authenticator = stauth.Authenticate(config["credentials"], cookie["name"], cookie["key"],
                                        cookie["expiry_days"], auto_hash=False)
    st.session_state[_AUTH] = authenticator
    if not logged_in():
        try:
            authenticator.login(location="main", key=_LOGIN_KEY,
                                fields={"Form name": "Log in to factcheck", "Username": "Username",
                                        "Password": "Password", "Login": "Log in"})
        except Exception as e:  # noqa: BLE001 - the library's LoginError etc.: one line, no traceback
            st.error(md(str(e)), icon=":material/error:")
            st.stop()
    if logged_in():
        return
    if st.session_state.get("authentication_status") is False:
        st.error("Username or password is incorrect.", icon=":material/error:")
    st.stop()


def sidebar() -> str:
    """The sidebar identity: solo, a name box; team, who is signed in and a logout button."""
    if _team():
        who = current_identity()
        st.sidebar.markdown(f"Signed in as **{md(who.name or who.username)}** ({who.role.value})")
        authenticator = st.session_state.get(_AUTH)
        if authenticator is not None:
            authenticator.logout("Log out", location="sidebar", key="fc_logout")
            if not logged_in():
                st.rerun()
        return who.username
    name = _solo_name()
    if st.session_state.get(_WIDGET) != name:
        st.session_state[_WIDGET] = name
    st.sidebar.text_input(
        "Reviewer",
        key=_WIDGET,
        on_change=_changed,
        help="Recorded with every verdict, link and edit. Defaults to your OS user name.",
        max_chars=80,
    )
    return _solo_name()


def _changed() -> None:
    name = (st.session_state.get(_WIDGET) or "").strip()
    st.session_state[_STATE] = name or default_reviewer()
    st.session_state[_WIDGET] = st.session_state[_STATE]
