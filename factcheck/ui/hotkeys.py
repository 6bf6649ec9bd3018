"""Keyboard shortcuts of the desk, and the "?" overlay that lists them.

Two kinds: Streamlit's own button shortcuts (``shortcut="Alt+N"`` etc., set where the buttons
are), and single keys handled by one small script (:data:`SCRIPT`): Streamlit reserves ``c`` and
``r`` for its own use and cannot bind punctuation such as ``?``, so the script listens on the
page (capture phase, ignored while typing in a field or with a modifier) and clicks the matching
element of the *active* evidence card — the one inside the container keyed :data:`HOT_CARD`
(:mod:`factcheck.ui.evidence` puts the first unlinked suggestion there, or the card last touched).
The script has no user text in it: it is a constant.
"""

from __future__ import annotations

import streamlit as st

HOT_CARD = "fc_hot_card"  # container key of the active evidence card (CSS class st-key-fc_hot_card)
HELP_BUTTON = "fc_hotkeys_help"

# (keys, what they do): shown in the "?" overlay, the README lists the same.
SHORTCUTS: list[tuple[str, str]] = [
    ("s / r / c", "evidence: choose Supports / Refutes / Context on the highlighted card"),
    ("l", "evidence: link the highlighted card (once a stance is chosen)"),
    ("v", "verdict: open the verdict list (arrows + Enter to pick)"),
    ("Ctrl+Enter", "verdict: save"),
    ("Alt+N / Alt+P", "next / previous claim"),
    ("d", "dismiss the claim as not a claim (Fix the extraction)"),
    ("Alt+S", "queue: review the first claim"),
    ("/", "queue: search the claims"),
    ("?", "show this list"),
]

SCRIPT = """
<script>
(function () {
  if (window.__fcHotkeys) { return; }
  window.__fcHotkeys = true;
  var doc = window.document;
  function typing(el) {
    if (!el) { return false; }
    var t = (el.tagName || "").toUpperCase();
    var kind = (el.type || "").toLowerCase();
    if (t === "INPUT" && (kind === "radio" || kind === "checkbox" || kind === "button")) { return false; }
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }
  function press(el) { if (el && !el.disabled) { el.click(); return true; } return false; }
  window.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(doc.activeElement)) { return; }
    var card = doc.querySelector(".st-key-fc_hot_card");
    var k = e.key, done = false;
    if (card && (k === "s" || k === "r" || k === "c")) {
      var opts = card.querySelectorAll("[role=radiogroup] label");
      var i = {s: 0, r: 1, c: 2}[k];
      if (opts.length > i) {
        opts[i].click();
        if (doc.activeElement && doc.activeElement.blur) { doc.activeElement.blur(); }
        done = true;
      }
    } else if (card && k === "l") {
      done = press(card.querySelector("[class*='_link_'] button"));
    } else if (k === "v") {
      var box = doc.querySelector("[class*='st-key-review_label_'] input");
      if (box) { box.focus(); box.click(); done = true; }
    } else if (k === "d") {
      done = press(doc.querySelector("[class*='st-key-review_fix_dismiss_'] button"));
    } else if (k === "/") {
      var q = doc.querySelector(".st-key-queue_search input");
      if (q) { q.focus(); done = true; }
    } else if (k === "?") {
      done = press(doc.querySelector(".st-key-fc_hotkeys_help button"));
    }
    if (done) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
})();
</script>
"""


@st.dialog("Keyboard shortcuts")
def _overlay() -> None:
    st.table({"keys": [k for k, _ in SHORTCUTS], "what": [w for _, w in SHORTCUTS]})
    st.caption("Single keys do nothing while you type in a field; press Esc to leave the field first.")


def sidebar() -> None:
    """The listener script and the "Keyboard shortcuts (?)" button that opens the overlay."""
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)
    if st.sidebar.button("Keyboard shortcuts (?)", key=HELP_BUTTON, icon=":material/keyboard:",
                         type="tertiary"):
        _overlay()
