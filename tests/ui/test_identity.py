"""The sidebar identity (factcheck.ui.identity): the reviewer name box across page switches."""

from __future__ import annotations

import pytest

from factcheck.config import default_reviewer
from tests.ui.helpers import ok, page


@pytest.mark.slow
def test_reviewer_box_keeps_its_value_across_page_switches(app):
    at = app()
    box = at.sidebar.text_input(key="fc_reviewer_input")
    assert box.value == default_reviewer()
    box.input("Ada Reviewer")
    ok(at.run())
    seen = []
    for name in ("articles", "queue", "dashboard", "sources", "review", "export", "queue", "articles"):
        at.switch_page(page(name))
        ok(at.run())
        seen.append((name, at.sidebar.text_input(key="fc_reviewer_input").value))
    assert seen == [(name, "Ada Reviewer") for name, _ in seen]
    assert at.session_state["fc_reviewer"] == "Ada Reviewer"
