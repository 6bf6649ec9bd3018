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
    text = "Anthropic's valuation is $350 billion, investors said."
    m, c = compare_values(claim, 0, cv, text, 0, extract_values(text))
    assert not m and len(c) == 1 and c[0].passage.text == "$350 billion"
    m, c = compare_values(claim, 0, cv, "the bridge cost $350 billion", 0,
                          extract_values("the bridge cost $350 billion"))
    assert not m and not c  # different quantity: no shared context word


def _conflicts(claim: str, passage: str) -> list[str]:
    _, c = compare_values(claim, 0, extract_values(claim), passage, 0, extract_values(passage))
    return [x.passage.text for x in c]


def test_conflict_needs_the_same_named_subject():
    claim = "Anthropic closed a round at a $183 billion valuation."
    # the case: another company's money in a passage that shares the vocabulary
    assert _conflicts(claim, "xAI lands billions in new cash at a $200 billion valuation.") == []
    assert _conflicts(claim, "Anthropic closed its round at a $170 billion valuation.") == ["$170 billion"]
    # a claim that names nothing cannot say the two numbers are about one thing
    assert _conflicts("The round closed at a $183 billion valuation.",
                      "The round closed at a $170 billion valuation.") == []


def test_conflict_subject_is_the_name_next_to_the_value():
    claim = "The AfD will receive 151 seats in the Bundestag."
    passage = "In the Bundestag, the CDU/CSU wins 208 seats, the AfD 152 seats and the SPD 120 seats."
    assert _conflicts(claim, passage) == ["152 seats"]


def test_no_conflict_across_years_hedges_or_magnitudes():
    claim = "Turnout in the 2025 Bundestag election was 84%."
    assert _conflicts(claim, "Turnout in the 2021 Bundestag election was 76.4%.") == []
    assert _conflicts(claim, "Turnout in the 2025 Bundestag election was 82.5%.") == ["82.5%"]
    assert _conflicts(claim, "Turnout in the 2025 Bundestag election was nearly 82.5%.") == []
    assert _conflicts(claim, "Turnout in the 2025 Bundestag election was 83.8%.") == []  # < 0.5 points
    money = "Liverpool paid Newcastle £125 million for Isak."
    assert _conflicts(money, "Liverpool paid Newcastle £120 million for Isak.") == ["£120 million"]
    assert _conflicts(money, "Liverpool paid Newcastle £12 million for Isak.") == []  # another quantity


def test_increments_are_not_totals():
    claim = "Nine Fed officials projected only one more rate cut in 2025."
    assert _conflicts(claim, "The Fed median projected two additional rate cuts in 2025.") == []


def test_a_valuation_is_not_a_funding_round():
    claim = "Anthropic closed a round at a $183 billion valuation."
    assert _conflicts(claim, "Anthropic raised $100 billion in the round.") == []
    assert _conflicts(claim, "Anthropic's round valued it at $150 billion.") == ["$150 billion"]
    raised = "Anthropic raised $10 billion in the round, at a $183 billion valuation."
    assert _conflicts("Anthropic raised $13 billion in the round.", raised) == ["$10 billion"]


def test_bounds_and_superseded_figures_are_not_contradicted():
    claim = "The Isak signing took Liverpool's summer spending beyond £450 million."
    assert _conflicts(claim, "Isak's arrival takes Liverpool's summer spending over the £400m mark.") == []
    assert _conflicts("Liverpool's summer spending reached £450 million.",
                      "Isak's arrival takes Liverpool's summer spending over the £400m mark.") == []
    assert _conflicts("Liverpool's summer spending reached £450 million.",
                      "Liverpool's summer spending reached £400 million.") == ["£400 million"]
    snapshot = "Earlier on Saturday the Kerr County count stood at 18 adults and nine children."
    assert _conflicts(snapshot, "In Kerr County officials confirmed 43 deaths, including 15 children.") == []
    later = "In Kerr County officials counted 28 adults and 15 children."
    assert _conflicts("The Kerr County count stood at 18 adults and nine children.", later) == [
        "28 adults", "15 children"]
    assert _conflicts("Kerr County has 51 dead.", "Kerr County has 43 dead, up from 30.") == ["43 dead"]


def test_subject_is_the_nearest_name_itself():
    from factcheck.text.compare import _subject

    text = "In the count, the CDU/CSU won 208 seats."
    start = text.index("208")
    assert _subject(text, start, start + 3) == "csu"  # not a fragment such as "du" of "CDU/"
