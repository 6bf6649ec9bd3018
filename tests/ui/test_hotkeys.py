"""Keyboard shortcuts (factcheck.ui.hotkeys): the "?" overlay lists what the pages bind."""

from __future__ import annotations

import inspect

import pytest

from tests.ui.helpers import ok


def test_the_overlay_lists_every_binding_and_the_script_handles_them():
    from factcheck.ui import hotkeys, queue, review

    keys = " ".join(k for k, _ in hotkeys.SHORTCUTS)
    # Streamlit button shortcuts used by the pages are listed
    for src, bound in ((review, "Alt+N"), (review, "Alt+P"), (review, "Ctrl+Enter"), (queue, "Alt+S")):
        assert f'shortcut="{bound}"' in inspect.getsource(src)
        assert bound in keys
    # single keys are handled by the script (stance, link, verdict, dismiss, search, help)
    for key in ("s", "r", "c", "l", "v", "d", "/", "?"):
        assert f'"{key}"' in hotkeys.SCRIPT
    assert "typing(doc.activeElement)" in hotkeys.SCRIPT and "e.ctrlKey" in hotkeys.SCRIPT
    assert ".st-key-" + hotkeys.HOT_CARD in hotkeys.SCRIPT and hotkeys.HELP_BUTTON in hotkeys.SCRIPT


@pytest.mark.slow
def test_question_mark_button_opens_the_shortcut_list(app):
    at = app()
    at.sidebar.button(key="fc_hotkeys_help").click()
    ok(at.run())
    tables = [t.value for t in at.table]
    assert tables, "no shortcut table shown"
    shown = tables[0]
    assert "s / r / c" in list(shown["keys"]) and "Alt+N / Alt+P" in list(shown["keys"])
