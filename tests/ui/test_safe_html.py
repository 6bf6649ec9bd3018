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


def test_markdown_passages_are_shown_without_markup():
    from factcheck.ui.safe_html import looks_like_markdown, markup_ranges, passage_html

    text = ("<!-- Synthetic demo source. -->\n\n# Funding brief: the **valuation** ##\n\n"
            "The round put it at [$350 billion](https://e.org/x) and *more*.\n- one item\n> a quote\n\n---\n"
            "`code` <b>tag</b>")
    start = text.index("$350")
    out = passage_html(text, [(100 + start, 100 + start + 12, "fc-value")], offset=100)
    assert out.startswith("Funding brief: the valuation<br><br>")  # no comment, no #, no **
    assert '<mark class="fc-value">$350 billion</mark> and more.' in out  # link target gone, span kept
    assert "<br>one item<br>a quote" in out and "---" not in out and "`" not in out
    assert "&lt;b&gt;tag&lt;/b&gt;" in out  # HTML in a source stays escaped text
    for a, b in markup_ranges(text):
        assert 0 <= a < b <= len(text)
    # plain text is left alone: stars and underscores in prose are not markup
    plain = "Sales rose 5 * 3 = 15 percent; file_name_here # not a heading"
    assert not looks_like_markdown(plain) and passage_html(plain) == plain
