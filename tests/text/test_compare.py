"""Number comparison between a claim and a passage (factcheck.text.compare)."""

from datetime import date

from factcheck.text.compare import compare_values
from factcheck.text.dates import TimeRef
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


# -- time: the claim's and the passage's dates ---------------------------------
def _dated_conflicts(claim: str, passage: str, claim_time, passage_time, rejected=None) -> list[str]:
    _, c = compare_values(claim, 0, extract_values(claim), passage, 0, extract_values(passage),
                          claim_time=claim_time, passage_time=passage_time, rejected=rejected)
    return [x.passage.text for x in c]


SEATS = "The AfD will receive 151 seats in the Bundestag."
SEATS_PAGE = "The AfD wins 152 seats in the Bundestag."
FEB_2025 = TimeRef(day=date(2025, 2, 24))


def test_a_page_dated_another_year_raises_no_conflict():
    rejected: list = []
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(day=date(2021, 9, 27)), rejected) == []
    assert [r.reason for r in rejected] == ["another time"]
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(years=frozenset({2017}))) == []
    # the same story a few days later, or a page only known to be from that year, still conflicts
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(day=date(2025, 2, 27))) == ["152 seats"]
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(years=frozenset({2025}))) == ["152 seats"]
    # more than MAX_TIME_GAP_DAYS apart: a later state, not the same one
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(day=date(2025, 6, 1))) == []


def test_years_in_the_sentences_place_them_before_the_documents():
    # a page from 2026 looking back at the 2025 election
    page = "In the 2025 election the AfD won 152 seats in the Bundestag."
    assert _dated_conflicts(SEATS, page, FEB_2025, TimeRef(day=date(2026, 1, 10))) == ["152 seats"]
    # a claim that states its year is placed by it, whatever its article's date
    claim = "In 2021 the AfD won 83 seats in the Bundestag."
    assert _dated_conflicts(claim, "The AfD won 94 seats in the Bundestag.", FEB_2025,
                            TimeRef(day=date(2021, 9, 28))) == ["94 seats"]
    # "since 1990" is a reference point, not the time the sentence speaks of
    turnout = "Turnout in the 2025 Bundestag election was 84%."
    page = "Turnout in the Bundestag election was 82.5%, the highest since 1990."
    assert _dated_conflicts(turnout, page, None, None) == ["82.5%"]


def test_an_undated_page_raises_no_conflict_with_a_dated_claim():
    rejected: list = []
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, TimeRef(), rejected) == []
    assert [r.reason for r in rejected] == ["undated passage"]
    # nothing dates the claim either: nothing to compare, as without dates
    assert _dated_conflicts(SEATS, SEATS_PAGE, None, TimeRef()) == ["152 seats"]
    assert _dated_conflicts(SEATS, SEATS_PAGE, TimeRef(), TimeRef()) == ["152 seats"]
    # the page's time not given at all (callers without dates): only sentence years count
    assert _dated_conflicts(SEATS, SEATS_PAGE, FEB_2025, None) == ["152 seats"]


def test_opposite_bounds_conflict():
    claim = "The Isak signing took Liverpool's summer spending beyond £450 million."
    shy = "Liverpool took their summer spending to just shy of £450 million with Isak."
    m, c = compare_values(claim, 0, extract_values(claim), shy, 0, extract_values(shy))
    assert not m and [x.passage.text for x in c] == ["£450 million"]
    # 450-500 fits both
    assert _conflicts(claim, "Liverpool's summer spending is now nearly £500 million.") == []
    assert _conflicts("Liverpool's summer spending is at least £450 million.",
                      "Liverpool's summer spending is at most £450 million.") == []  # both hold at 450
    assert _conflicts("Liverpool's summer spending is more than £450 million.",
                      "Liverpool's summer spending is under £400 million.") == ["£400 million"]
    # bounds the same way are still not contradicted
    assert _conflicts(claim, "Liverpool's summer spending went over £400 million.") == []


def _matches(claim: str, passage: str) -> list[str]:
    m, _ = compare_values(claim, 0, extract_values(claim), passage, 0, extract_values(passage))
    return [x.passage.text for x in m]


def test_supporting_sentences_of_real_pages_match_the_claims_values():
    # news_dev's supporting evidence, written the ways the pages write it
    claim = "The Federal Reserve cut interest rates by a quarter of a percentage point (25 basis points)."
    assert _matches(claim, "The Federal Reserve lowered its benchmark rate by 0.25 percentage point")
    assert _matches(claim, "the Committee decided to lower the target range by 1/4 percentage point")
    assert _matches(claim, "The Fed on Wednesday announced a 25-basis-point cut to its benchmark rate")
    claim = "At least 52 people had been killed by the Texas Hill Country floods."
    passage = "The flooding has now left at least 52 dead in the U.S. state of Texas"
    assert _matches(claim, passage) == ["52 dead"]
    # basis points and percentage points are compared in one unit, for conflicts too
    passage = "Miran wanted a 1 percentage point cut at the Federal Reserve."
    assert _conflicts("Miran wanted a 50 basis point cut at the Federal Reserve.", passage) == [
        "1 percentage point"
    ]
    assert _conflicts("The Federal Reserve set an 18-month pause.",
                      "The Federal Reserve set a two-year pause.") == ["two-year"]
