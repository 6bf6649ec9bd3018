"""HTML escaping, safe links and highlighting for the app (factcheck.ui.safe_html)."""


def test_safe_html():
    from factcheck.ui.safe_html import esc, highlight, link, md, safe_url

    assert md("$5 and $6 [x](javascript:y) # h") == r"\$5 and \$6 \[x\]\(javascript\:y\) \# h"

    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.org", "http://", "https://a b", None):
        assert safe_url(bad) is None
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert 'href="https://e.org/?a=1&amp;b=2"' in link("https://e.org/?a=1&b=2", "t")
    text = "Cost <$5> rose"
    out = highlight(text, [(10, 20, "fc-claim"), (12, 14, "fc-value"), (99, 120, "x")], offset=5)
    assert out == 'Cost <mark class="fc-claim">&lt;$</mark><mark class="fc-claim fc-value">5&gt;</mark>' \
                  '<mark class="fc-claim"> rose</mark>'
