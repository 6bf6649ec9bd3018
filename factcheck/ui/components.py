"""Small shared pieces of the pages: page setup, flash messages, navigation, HTML output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from factcheck.errors import FactcheckError
from factcheck.services.auth import Actor
from factcheck.ui import identity, resources
from factcheck.ui.safe_html import CSS, md
from factcheck.workspace import Workspace

# Page files, relative to app.py (st.switch_page and AppTest.switch_page take these paths).
PAGES = {
    "queue": "factcheck/ui/pages/queue.py",
    "review": "factcheck/ui/pages/review.py",
    "articles": "factcheck/ui/pages/articles.py",
    "sources": "factcheck/ui/pages/sources.py",
    "dashboard": "factcheck/ui/pages/dashboard.py",
    "export": "factcheck/ui/pages/export.py",
}
_FLASH = "fc_flash"


def setup() -> tuple[Workspace, Actor]:
    """Every page starts here: workspace, first-start bootstrap, the actor (who is signed in, or
    the solo reviewer), pending messages. The sidebar identity box is made by app.py."""
    st.html(CSS)
    ws = resources.workspace()
    resources.ensure_ready(ws)
    problems = resources.startup_errors(ws)
    if problems and not st.session_state.get("fc_startup_errors_shown"):
        st.session_state["fc_startup_errors_shown"] = True
        st.warning("Some of the sample data could not be prepared:\n\n"
                   + "\n".join(f"- {md(p)}" for p in problems[:10]), icon=":material/warning:")
    reviewer = identity.current_identity()
    show_flash()
    return ws, reviewer


def flash(message: str, kind: str = "success") -> None:
    """Queue a message for the next render (actions run in callbacks, before the page)."""
    st.session_state.setdefault(_FLASH, []).append((kind, message))


def show_flash() -> None:
    """Show and clear queued messages."""
    for kind, raw in st.session_state.pop(_FLASH, []):
        message = md(raw)  # messages quote user text: show it literally
        if kind == "error":
            st.error(message, icon=":material/error:")
        elif kind == "warning":
            st.warning(message, icon=":material/warning:")
        else:
            st.success(message, icon=":material/check_circle:")


def action(fn: Callable[..., Any], *args: Any, ok: str | None = None, **kwargs: Any) -> Any:
    """Run one library call; a FactcheckError becomes an error message instead of a traceback."""
    try:
        result = fn(*args, **kwargs)
    except FactcheckError as e:
        flash(str(e), "error")
        return None
    if ok:
        flash(ok)
    return result


def forget_claim(claim_id: int) -> None:
    """Forget the version a claim was opened at and its form drafts (it is read afresh)."""
    st.session_state.setdefault("fc_seen_versions", {}).pop(int(claim_id), None)
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith("review_") and key.endswith(f"_{claim_id}"):
            del st.session_state[key]


def open_claim(claim_id: int, order: list[int] | None = None) -> None:
    """Go to the review page on this claim (next/previous follow `order` when given)."""
    if order is not None:
        st.session_state["fc_queue_ids"] = [int(i) for i in order]
    forget_claim(claim_id)
    st.session_state["fc_claim"] = int(claim_id)
    st.switch_page(PAGES["review"], query_params={"claim": str(int(claim_id))})


def status_label(status: str) -> str:
    from factcheck.db.queries import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


def short(text: str, n: int = 110) -> str:
    """One line of at most n characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 claim"``, ``"2 claims"``, ``"1,024 passages"`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


_TEXT_UPLOADS = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv"}


def encoding_warning(name: str, data: bytes) -> str | None:
    """The warning the CLI logs for a text file that is not UTF-8 (the reader then decodes it
    as Windows-1252), as a message for the page; None for UTF-8, UTF-16 with BOM, or non-text."""
    from pathlib import PurePath

    if PurePath(name).suffix.lower() not in _TEXT_UPLOADS or not data:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return (f"{name}: not UTF-8 (byte {e.start}), read as Windows-1252 — check accented letters "
                "and quotes, or re-save the file as UTF-8 and upload it again.")
    return None
