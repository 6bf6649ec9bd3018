"""Placing documents and sentences in time (factcheck.text.dates)."""

from datetime import date

from factcheck.text.dates import TimeRef, dateline, document_time, parse_day, same_time, sentence_years


def test_document_time_prefers_metadata_then_url_then_dateline_then_years():
    text = "Madrid, October 30, 2024: At least 51 people have been killed."
    assert document_time("2025-07-06T10:00:00Z", "https://x.org/2024/01/02/a", None, text) == TimeRef(
        day=date(2025, 7, 6))
    swept = "https://x.org/2013/05/26/three-swept-away"
    assert document_time(None, swept, None, text).day == date(2013, 5, 26)
    assert document_time(None, "https://x.org/news/2024-09-30/austria", None, None).day == date(2024, 9, 30)
    assert document_time(None, "https://x.org/floods", None, text).day == date(2024, 10, 30)
    t = document_time(None, "https://www.dw.com/en/german-election-2021-results/a-59313269", None, "No date.")
    assert t == TimeRef(years=frozenset({2021}))
    assert document_time(None, None, "Election 2017: the results", None).years == {2017}
    assert document_time("September 2025", "https://x.org/2024/01/02/a").years == {2025}
    # ids and page numbers are not years; an undated page is not placed
    listing = "https://politicstoday.org/page/17/?s=Germany&p=2019x"
    assert not document_time(None, listing, "", "450 results").known
    assert not document_time(None, "https://x.org/article-688a2019c72d", None, None).known


def test_dateline_is_a_full_date_near_the_top():
    assert dateline(" date 2025-09-17 Federal Reserve cuts rates") == date(2025, 9, 17)
    assert dateline("2 Dead As Flood Engulfs Bus\n\nJuly 18, 1987|By Paul Weingarten") == date(1987, 7, 18)
    assert dateline("The Fed cut rates in September 2025 and on Sept 17 said more.") is None  # no full date
    assert dateline("x" * 400 + " July 18, 1987") is None


def test_parse_day_and_sentence_years():
    assert parse_day("Mon, 03 Mar 2025 10:00:00 GMT") == date(2025, 3, 3)
    assert parse_day("March 1, 2025") == date(2025, 3, 1)
    assert parse_day("not a date") is None and parse_day("") is None and parse_day(None) is None
    assert sentence_years("Turnout was 82.5% in 2025, the highest since 1990 and before 1987.") == {2025}
    assert sentence_years("It cost 2,025 euros, or 2025.5 in points.") == frozenset()


def test_same_time_days_years_and_unknown():
    feb = TimeRef(day=date(2025, 2, 24))
    assert same_time(feb, TimeRef(day=date(2025, 3, 20))) is True
    assert same_time(feb, TimeRef(day=date(2025, 4, 30))) is False
    assert same_time(feb, TimeRef(years=frozenset({2024, 2025}))) is True
    assert same_time(feb, TimeRef(years=frozenset({2021}))) is False
    assert same_time(feb, TimeRef()) is None
    assert TimeRef(years=frozenset({2025, 2021})).iso() == "2021/2025" and feb.iso() == "2025-02-24"
