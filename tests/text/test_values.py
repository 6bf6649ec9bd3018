"""Key value extraction, normalisation and comparison (factcheck.values)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.models import KeyValue, ValueKind
from factcheck.text.values import extract_values, parse_money, values_conflict, values_equal
from tests.text.scaling import per_char_growth


def _one(text: str) -> KeyValue:
    found = extract_values(text)
    assert len(found) == 1, [(v.kind, v.text) for v in found]
    return found[0]


def _check_spans(text: str, values: list[KeyValue], offset: int = 0) -> None:
    prev_end = offset
    for kv in values:
        assert text[kv.start - offset : kv.end - offset] == kv.text
        assert kv.start >= prev_end and kv.end > kv.start
        assert kv.text.strip() == kv.text
        prev_end = kv.end


# --- the sample article -----------------------------------------------------------------------


def test_sample_values(sample_text: str) -> None:
    values = extract_values(sample_text)
    _check_spans(sample_text, values)
    got = [(v.kind, v.text) for v in values]
    for expected in [
        (ValueKind.money, "$200 million"),
        (ValueKind.money, "$380 billion"),
        (ValueKind.money, "$14 billion"),
        (ValueKind.duration, "six-month"),
        (ValueKind.duration, "an hour"),
        (ValueKind.time, "5:01 p.m. ET"),
        (ValueKind.date, "Friday"),
        (ValueKind.date, "Thursday evening"),
        (ValueKind.date, "Friday morning"),
        (ValueKind.date, "this year"),
    ]:
        assert expected in got, expected
    assert got.count((ValueKind.money, "$200 million")) == 2
    # no double counting: no count/number inside the money, time or duration spans
    assert all(v.kind != ValueKind.count or v.text == "one other AI firm" for v in values)
    by_text = {v.text: v for v in values}
    assert by_text["$380 billion"].value == pytest.approx(3.8e11)
    assert by_text["$380 billion"].unit == "USD"
    assert by_text["$380 billion"].normalized == "3.8e+11 USD"
    assert by_text["$14 billion"].value == pytest.approx(1.4e10)
    assert by_text["six-month"].value == 6 and by_text["six-month"].unit == "month"
    assert by_text["5:01 p.m. ET"].normalized == "17:01 ET"
    assert by_text["Friday"].normalized == "friday"


def test_sample_offsets(sample_text: str) -> None:
    start = sample_text.index("The government ban comes")
    end = sample_text.index("\n", start)
    chunk = sample_text[start:end]
    values = extract_values(chunk, start)
    _check_spans(chunk, values, start)
    for kv in values:
        assert sample_text[kv.start : kv.end] == kv.text
    assert [v.text for v in values if v.kind == ValueKind.money] == [
        "$380 billion",
        "$200 million",
        "$14 billion",
    ]


def test_qualifier_outside_span() -> None:
    assert _one("worth up to $200 million.").text == "$200 million"
    assert _one("as much as $200 million").text == "$200 million"


# --- kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "value", "unit", "normalized"),
    [
        ("$380 billion", "$380 billion", 3.8e11, "USD", "3.8e+11 USD"),
        ("about 380bn in", "380bn", 3.8e11, "USD", "3.8e+11 USD"),
        ("$380B", "$380B", 3.8e11, "USD", "3.8e+11 USD"),
        ("$1.2 trillion", "$1.2 trillion", 1.2e12, "USD", "1.2e+12 USD"),
        ("a €5m fine", "€5m", 5e6, "EUR", "5e+06 EUR"),
        ("£3,000", "£3,000", 3000.0, "GBP", "3000 GBP"),
        ("5 million dollars", "5 million dollars", 5e6, "USD", "5e+06 USD"),
        ("US$ 2.5bn", "US$ 2.5bn", 2.5e9, "USD", "2.5e+09 USD"),
        ("a $5-million contract", "$5-million", 5e6, "USD", "5e+06 USD"),
        ("USD 5 million", "USD 5 million", 5e6, "USD", "5e+06 USD"),
    ],
)
def test_money(text: str, span: str, value: float, unit: str, normalized: str) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.unit, kv.normalized) == (ValueKind.money, span, unit, normalized)
    assert kv.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "span", "value", "unit"),
    [
        ("up 12% on", "12%", 12.0, "%"),
        ("12.5 percent", "12.5 percent", 12.5, "%"),
        ("Twelve per cent", "Twelve per cent", 12.0, "%"),
        ("a 3 percentage point drop", "3 percentage point", 3.0, "pp"),
    ],
)
def test_percent(text: str, span: str, value: float, unit: str) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.value, kv.unit) == (ValueKind.percent, span, value, unit)


@pytest.mark.parametrize(
    ("text", "span", "value", "unit"),
    [
        ("9 million jobs", "9 million jobs", 9e6, "jobs"),
        ("20 companies", "20 companies", 20.0, "companies"),
        ("six companies signed", "six companies", 6.0, "companies"),
        ("a dozen states", "a dozen states", 12.0, "states"),
        ("at least one other AI firm said", "one other AI firm", 1.0, "firm"),
        ("1,200,000 users", "1,200,000 users", 1.2e6, "users"),
        ("2000 people", "2000 people", 2000.0, "people"),
        ("70bn parameters", "70bn parameters", 7e10, "parameters"),
    ],
)
def test_count(text: str, span: str, value: float, unit: str) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.value, kv.unit) == (ValueKind.count, span, value, unit)


def test_number_words_need_a_noun() -> None:
    assert extract_values("six of them, one of the best, at least one") == []
    assert extract_values("the second company") == []


@pytest.mark.parametrize(
    ("text", "span", "value", "unit"),
    [
        ("a six-month phaseout", "six-month", 6.0, "month"),
        ("for six months", "six months", 6.0, "month"),
        ("2 years", "2 years", 2.0, "year"),
        ("about an hour before", "an hour", 1.0, "hour"),
        ("twenty-five years", "twenty-five years", 25.0, "year"),
        ("a 90-day review", "90-day", 90.0, "day"),
    ],
)
def test_duration(text: str, span: str, value: float, unit: str) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.value, kv.unit) == (ValueKind.duration, span, value, unit)


@pytest.mark.parametrize(
    ("text", "span", "normalized", "value"),
    [
        ("at 5:01 p.m. ET on", "5:01 p.m. ET", "17:01 ET", 17 * 60 + 1),
        ("by 9 a.m.", "9 a.m.", "09:00", 9 * 60),
        ("at noon", "noon", "12:00", 12 * 60),
        ("at 12:30 am EST", "12:30 am EST", "00:30 ET", 30),
        ("at 17:45", "17:45", "17:45", 17 * 60 + 45),
    ],
)
def test_time(text: str, span: str, normalized: str, value: int) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.normalized, kv.value) == (ValueKind.time, span, normalized, value)


@pytest.mark.parametrize(
    ("text", "span", "normalized", "value", "unit"),
    [
        ("on Friday.", "Friday", "friday", None, "weekday"),
        ("on Thursday evening", "Thursday evening", "thursday evening", None, "weekday"),
        ("this week", "this week", "this week", None, "relative"),
        ("in recent months", "recent months", "recent months", None, "relative"),
        ("in November of 1975", "November of 1975", "1975-11", 197511.0, "month"),
        ("on Jan. 5, 2024", "Jan. 5, 2024", "2024-01-05", 20240105.0, "day"),
        ("on 2024-01-05", "2024-01-05", "2024-01-05", 20240105.0, "day"),
        ("on 5 January 2024", "5 January 2024", "2024-01-05", 20240105.0, "day"),
        ("in 1975", "1975", "1975", 1975.0, "year"),
        ("the 2024 election", "2024", "2024", 2024.0, "year"),
        ("the 1970s", "1970s", "1970s", 1970.0, "decade"),
        ("since January", "January", "--01", None, "month"),
    ],
)
def test_date(text: str, span: str, normalized: str, value: float | None, unit: str) -> None:
    kv = _one(text)
    assert (kv.kind, kv.text, kv.normalized, kv.value, kv.unit) == (
        ValueKind.date,
        span,
        normalized,
        value,
        unit,
    )


def test_not_values() -> None:
    for text in ["COVID-19", "F-35 jets", "June said so", "March on", "today's technology",
                 "the 5th", "He used Claude 3 to"]:
        assert extract_values(text) == [], text
    # an impossible day is not a date (its numbers may still be picked up on their own)
    assert all(v.unit != "day" for v in extract_values("Feb. 30, 2024"))


def test_no_double_counting() -> None:
    values = extract_values("Costs rose 3.5% to $1.2bn in 2023, up from $900 million.")
    assert [(v.kind, v.text) for v in values] == [
        (ValueKind.percent, "3.5%"),
        (ValueKind.money, "$1.2bn"),
        (ValueKind.date, "2023"),
        (ValueKind.money, "$900 million"),
    ]


# --- equality and conflicts -------------------------------------------------------------------


def test_money_equality() -> None:
    a, b, c = _one("$380 billion"), _one("380bn"), _one("$380B")
    assert a.normalized == b.normalized == c.normalized == "3.8e+11 USD"
    assert values_equal(a, b) and values_equal(b, c) and values_equal(a, c)
    assert not values_conflict(a, b)
    assert parse_money("380bn") == (pytest.approx(3.8e11), "USD")
    assert parse_money("$380 billion") == (pytest.approx(3.8e11), "USD")
    assert parse_money("€5m") == (pytest.approx(5e6), "EUR")
    assert parse_money("380 billion") == (pytest.approx(3.8e11), "USD")
    assert parse_money("no money here") is None
    assert parse_money("") is None


def test_money_conflict() -> None:
    a, b = _one("$380 billion"), _one("$350 billion")
    assert values_conflict(a, b)
    assert not values_equal(a, b)
    eur = _one("€380 billion")
    assert not values_equal(a, eur) and not values_conflict(a, eur)  # different currency


def test_tolerance() -> None:
    a, b = _one("$380 billion"), _one("$381 billion")
    assert values_equal(a, b)  # within 0.5%
    assert not values_equal(a, b, rel_tol=0.001)
    assert values_conflict(a, b, rel_tol=0.001)


def test_kind_mismatch() -> None:
    assert not values_equal(_one("12%"), _one("12 companies"))
    assert not values_conflict(_one("12%"), _one("12 companies"))


def test_duration_units_convert() -> None:
    assert values_equal(_one("18 months"), _one("1.5 years"))
    assert values_conflict(_one("six months"), _one("a year"))


def test_counts_need_same_noun() -> None:
    assert values_conflict(_one("20 companies"), _one("a dozen companies"))
    assert values_equal(_one("one company"), _one("1 companies"))
    assert not values_conflict(_one("20 companies"), _one("30 states"))


def test_counts_of_people_match_across_nouns_but_never_conflict() -> None:
    # equal numbers of the same people, said with other nouns, are the same value
    assert values_equal(_one("52 people"), _one("52 dead"))
    assert values_equal(_one("43 deaths"), _one("43 people"))
    assert values_equal(_one("850 people"), _one("850 individuals"))
    assert values_equal(_one("four fatalities"), _one("four deaths"))
    # two particular kinds of people, or the dead and a particular kind, are not
    assert not values_equal(_one("28 adults"), _one("28 children"))
    assert not values_equal(_one("43 deaths"), _one("43 campers"))
    assert not values_equal(_one("12 injured"), _one("12 dead"))
    # a conflict still needs the same counted noun
    assert not values_conflict(_one("52 people"), _one("50 dead"))
    assert values_conflict(_one("52 people"), _one("50 people"))


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("cut rates by a quarter of a percentage point", 0.25, "pp"),
        ("half a percentage point", 0.5, "pp"),
        ("three-quarters of a percentage point", 0.75, "pp"),
        ("lower the target range by 1/4 percentage point", 0.25, "pp"),
        ("a 25-basis-point cut", 25, "bp"),
        ("a 50-basis point cut", 50, "bp"),
        ("a quarter-point rise", 0.25, "pp"),
    ],
)
def test_rate_moves_in_words_fractions_and_hyphens(text: str, value: float, unit: str) -> None:
    v = _one(text)
    assert (v.kind, v.value, v.unit) == (ValueKind.percent, pytest.approx(value), unit)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("the death toll jumped to 52 on Saturday night", 52, "deaths"),
        ("We have recovered 43 deceased individuals", 43, "deceased individuals"),
        ("52 injured", 52, "injured"),
        ("he scored 23 league goals, a tally second only to Salah", 23, "league goals"),
        ("officials saw two more rate cuts", 2, "rate cuts"),
        ("5 police officers", 5, "police"),
        ("27 remain missing", 27, None),  # a number as the subject of a verb counts nothing named
        ("3 died in the flood", 3, None),
        ("10 favor at least two more", 10, None),
    ],
)
def test_what_a_count_counts(text: str, value: float, unit: str) -> None:
    v = next(v for v in extract_values(text) if v.kind == ValueKind.count)
    assert (v.value, v.unit) == (value, unit)


def test_a_number_word_as_a_verbs_subject_is_a_bare_count() -> None:
    got = [(v.value, v.unit) for v in extract_values("nine saw only one more cut")]
    assert got == [(9, None), (1, "cut")]
    assert extract_values("and one projected a steeper path") == []  # a lone "one" says nothing


def test_a_toll_of_deaths_matches_the_dead() -> None:
    toll = next(v for v in extract_values("the death toll jumped to 52") if v.kind == ValueKind.count)
    assert values_equal(_one("52 people"), toll) and values_equal(_one("52 dead"), toll)
    assert extract_values("toll road 5")[0].unit is None  # not a death toll


def test_a_modified_count_matches_its_head_but_conflicts_only_with_the_same_modifier() -> None:
    league = next(v for v in extract_values("23 league goals") if v.kind == ValueKind.count)
    assert values_equal(league, _one("23 goals"))
    assert not values_conflict(league, _one("25 goals"))  # all competitions, perhaps
    assert values_conflict(league, next(v for v in extract_values("25 league goals")))
    assert values_equal(next(v for v in extract_values("43 deceased individuals")), _one("43 deaths"))


def test_a_quarter_of_something_is_a_share_not_a_duration() -> None:
    assert extract_values("a quarter of the vote") == []
    assert _one("sales fell for a quarter.").kind == ValueKind.duration


def test_basis_points_compare_with_percentage_points() -> None:
    assert values_equal(_one("25 basis points"), _one("0.25 percentage point"))
    assert values_equal(_one("a 25-basis-point cut"), _one("a quarter of a percentage point"))
    assert values_equal(_one("50bps"), _one("a half-point cut"))
    assert values_conflict(_one("25 basis points"), _one("half a percentage point"))
    assert not values_equal(_one("25 basis points"), _one("25 percentage points"))


def test_dates_compare_exactly() -> None:
    assert values_conflict(_one("in 1975"), _one("in 1980"))
    assert values_conflict(_one("Jan. 5, 2024"), _one("2024-01-06"))
    assert values_equal(_one("Jan. 5, 2024"), _one("2024-01-05"))
    assert not values_conflict(_one("in 1975"), _one("in November of 1975"))  # granularity
    assert values_equal(_one("on Friday"), _one("Friday"))
    assert not values_conflict(_one("on Friday"), _one("Thursday"))  # relative to publication


def test_times() -> None:
    assert values_equal(_one("5:01 p.m. ET"), _one("17:01 EDT"))
    assert values_conflict(_one("5 p.m."), _one("6 p.m. ET"))


# --- robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01",
        "a" * 200_000,
        "no numbers in this text at all",
        "🎉 $5 🎉 5% 👍🏽 2024",
        "9" * 5000,
        "$" * 1000,
        "1,2,3,4,5,6,7,8,9",
        "$9999999999999999999999 trillion",
        "\ud800 $5",
    ],
)
def test_hostile(text: str) -> None:
    values = extract_values(text)
    _check_spans(text, values)


def test_emoji_offsets() -> None:
    text = "🎉 $5 🎉 5% 👍🏽 2024"
    assert [(v.kind, v.text) for v in extract_values(text)] == [
        (ValueKind.money, "$5"),
        (ValueKind.percent, "5%"),
        (ValueKind.date, "2024"),
    ]


def test_megabyte_values_and_cost_grows_linearly(sample_text: str) -> None:
    unit = sample_text + "\n\n"
    copies = 1_000_000 // len(unit) + 1
    big = unit * copies
    values = extract_values(big)
    _check_spans(big, values)
    assert sum(v.text == "$380 billion" for v in values) == big.count("$380 billion")
    # no seconds: 16x the text (up to half a megabyte) may cost at most 8x more per character;
    # quadratic work would cost ~16x
    assert per_char_growth(extract_values, unit, copies // 32, copies // 2) < 8


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=0, max_value=10_000))
def test_property_offsets(text: str, offset: int) -> None:
    _check_spans(text, extract_values(text, offset), offset)


_VALUEISH = st.lists(
    st.sampled_from(
        ["$", "5", "1,200", "3.5", "%", "bn", "million", "p.m.", "ET", ":", "01", "Friday",
         "six", "-", "month", "years", "an", "hour", "1975", "Jan.", ",", " ", "people", "€"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_VALUEISH)
def test_property_offsets_valueish(text: str) -> None:
    values = extract_values(text)
    _check_spans(text, values)
    for v in values:
        assert v.normalized
        assert values_equal(v, v)
        assert not values_conflict(v, v)
