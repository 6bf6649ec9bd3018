"""Extraction's text stage is linear in the document: paragraphs, quote regions and speakers are
found once per text, then looked up per sentence (issue 13, part 2). Ratios, not seconds."""

from __future__ import annotations

from factcheck.services.extract import analyse
from factcheck.text.sentences import Paragraphs, paragraph_span, paragraph_spans_at, split_sentences
from factcheck.text.speakers import Attributor, quote_regions, regions_overlapping
from tests.text.scaling import per_char_growth

# one paragraph: a figure, a quote over two sentences, an attribution in the next sentence
PARA = (
    "Officials said 12 people were hurt on Monday. "
    "\u201cWe are still counting. It will take days,\u201d Jane Doe told reporters.\n\n"
)


def _text_stage(text: str) -> tuple[list, list]:
    spans = split_sentences(text)
    scores = [0.9 if any(ch.isdigit() for ch in text[a:b]) else 0.1 for a, b in spans]
    return analyse("doc", text, None, 0.5, spans=spans, scores=scores)


def test_ten_thousand_paragraphs_keep_their_offsets() -> None:
    text = PARA * 10_000
    spans = split_sentences(text)
    assert len(spans) == 30_000
    paras = paragraph_spans_at(text, (s for s, _ in spans))
    assert len(set(paras)) == 10_000
    for (s, e), (ps, pe) in zip(spans, paras, strict=True):
        assert ps <= s < e <= pe
        assert text[ps:pe] == PARA.strip()


def test_ten_thousand_paragraphs_split_in_linear_time() -> None:
    growth = per_char_growth(
        lambda t: paragraph_spans_at(t, (s for s, _ in split_sentences(t))), PARA, 100, 10_000
    )
    # quadratic would be ~100x; the margin absorbs a busy machine (3.1x was seen under load)
    assert growth < 12, f"cost per character grew {growth:.1f}x from 100 to 10,000 paragraphs"


def test_text_stage_keeps_offsets_and_speakers() -> None:
    text = PARA * 300
    sentences, claims = _text_stage(text)
    assert len(sentences) == 900
    assert all(text[x.start : x.end] == x.text for x in sentences)
    assert all(text[c.start : c.end] == c.text for c in claims)
    quotes = [c for c in claims if c.type.value == "quote"]
    assert len(quotes) == 600 and {c.speaker for c in quotes} == {"Jane Doe"}


def test_text_stage_of_extraction_in_linear_time() -> None:
    growth = per_char_growth(_text_stage, PARA, 100, 1_500, repeat=2)
    assert growth < 6, f"cost per character grew {growth:.1f}x from 100 to 1,500 paragraphs"  # quadratic: 15x


def test_one_long_paragraph_in_linear_time() -> None:
    """No blank lines at all: every quote region is in one paragraph, looked up by bisection."""
    unit = PARA.replace("\n\n", " ")
    growth = per_char_growth(_text_stage, unit, 100, 1_000, repeat=2)
    assert growth < 6, f"cost per character grew {growth:.1f}x from 100 to 1,000 paragraphs"  # quadratic: 10x


def test_paragraphs_index_equals_paragraph_span() -> None:
    text = "  \n\nFirst one.\nstill first.\n \n\nSecond \u2029Third\n\n\n"
    index = Paragraphs(text)
    for pos in range(-2, len(text) + 3):
        assert index.span(pos) == paragraph_span(text, pos)
    assert index.spans() == [(4, 27), (31, 37), (39, 44)]


def test_regions_overlapping_and_outside() -> None:
    text = 'a "bc" d "ef gh" i "j" k'
    regions = quote_regions(text, 0, len(text))
    for s in range(len(text)):
        for e in range(s, len(text) + 1):
            want = [r for r in regions if r[0] < e and r[1] > s]
            assert regions_overlapping(regions, s, e) == want
    # a name inside quotes is not an attribution; outside it is
    t = '"Smith said no," Jones said.'
    assert Attributor(t).attribution(0, len(t), quote_regions(t, 0, len(t))) == "Jones"
