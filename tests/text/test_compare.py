"""Number comparison between a claim and a passage (factcheck.text.compare)."""

from factcheck.text.compare import compare_values
from factcheck.text.values import extract_values


def test_compare_values_equal_forms_and_context():
    claim = "Anthropic is valued at $380 billion."
    cv = extract_values(claim)
    for text in ("valued at 380bn", "a valuation of $380B", "worth $380,000,000,000 in valuation"):
        m, c = compare_values(claim, 0, cv, text, 10, extract_values(text, 10))
        assert len(m) == 1 and not c, text
        assert m[0].passage.start >= 10
    m, c = compare_values(claim, 0, cv, "its valuation is $350 billion", 0,
                          extract_values("its valuation is $350 billion"))
    assert not m and len(c) == 1 and c[0].passage.text == "$350 billion"
    m, c = compare_values(claim, 0, cv, "the bridge cost $350 billion", 0,
                          extract_values("the bridge cost $350 billion"))
    assert not m and not c  # different quantity: no shared context word
