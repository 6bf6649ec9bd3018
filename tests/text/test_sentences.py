"""Sentence splitting, paragraphs, hashing and compound splitting (factcheck.text)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.text.sentences import paragraph_span, split_compound, split_sentences, text_hash
from tests.text.scaling import per_char_growth


def _sents(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def _check_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    prev_end = 0
    for s, e in spans:
        assert isinstance(s, int) and isinstance(e, int)
        assert prev_end <= s < e <= len(text)
        chunk = text[s:e]
        assert chunk.strip() == chunk
        prev_end = e
    covered = bytearray(len(text))
    for s, e in spans:
        covered[s:e] = b"\x01" * (e - s)
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert missing == [], f"non-space characters outside every sentence: {missing[:5]}"


# --- the sample article -----------------------------------------------------------------------


def test_sample_invariants(sample_text: str) -> None:
    spans = split_sentences(sample_text)
    _check_invariants(sample_text, spans)
    assert 40 <= len(spans) <= 50


def _containing(sents: list[str], needle: str) -> str:
    found = [s for s in sents if needle in s]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_sample_us_government_sentence_whole(sample_text: str) -> None:
    sents = _sents(sample_text)
    assert sents[0] == (
        "President Trump ordered the U.S. government on Friday to stop using the artificial "
        "intelligence company Anthropic's products."
    )


def test_sample_deadline_sentence_whole(sample_text: str) -> None:
    s = _containing(_sents(sample_text), "5:01 p.m. ET on Friday")
    assert s.startswith("Defense Department officials had given Anthropic a deadline of 5:01")
    assert s.endswith("entirely autonomous weapons.")


def test_sample_trump_quote_paragraph(sample_text: str) -> None:
    start = sample_text.index('"The Leftwing nut jobs')
    p0, p1 = paragraph_span(sample_text, start)
    para_sents = [sample_text[s:e] for s, e in split_sentences(sample_text) if p0 <= s < p1]
    assert para_sents == [
        '"The Leftwing nut jobs at Anthropic have made a DISASTROUS MISTAKE trying to STRONG-ARM '
        "the Department of War, and force them to obey their Terms of Service instead of our "
        'Constitution," Trump wrote in his post.',
        '"Therefore, I am directing EVERY Federal Agency in the United States Government to '
        "IMMEDIATELY CEASE all use of Anthropic's technology.",
        "We don't need it, we don't want it, and will not do business with them again!\"",
    ]


def test_sample_heading_is_own_sentence(sample_text: str) -> None:
    sents = _sents(sample_text)
    assert "Ban comes as Anthropic plans an IPO" in sents
    assert "OpenAI expressed similar concerns" in sents


def test_sample_quotes_stay_with_sentences(sample_text: str) -> None:
    sents = _sents(sample_text)
    mcginn = _containing(sents, "This is different for sure")
    assert mcginn.startswith('"This is different for sure," said Jerry McGinn')
    assert mcginn.endswith("a Washington DC think tank.")
    do = _containing(sents, "safely and reliably do")
    assert do.endswith('reliably do."')
    assert '"At some level, you have to trust your military to do the right thing," he said.' in (
        sents
    )
    assert '"This is a very unusual, very public fight," he said.' in sents
    assert "\"I think it's reflective of the nature of AI.\"" in sents


def test_sample_money_sentence_whole(sample_text: str) -> None:
    s = _containing(_sents(sample_text), "$380 billion")
    assert s.startswith("The government ban comes at a time")
    assert s.endswith("go public this year.")


# --- hand-made cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentences",
    [
        ["Sen. Elizabeth Warren and Gov. Gavin Newsom met Dr. Smith and Mr. Jones on Monday."],
        ["The company, Acme Inc. of Ohio, won the case No. 5 on Jan. 5, 2024."],
        ["It was Roe vs. Wade, e.g. a famous case, and i.e. a landmark."],
        ["The firm is worth $380 billion.", "Revenue grew 3.5% to $1.2 billion."],
        ["He left at 5 p.m. ET on Friday.", "She stayed."],
        ["It happened in the U.S.", "The rest is history."],
        ['"Stop!" Trump said.', "Then he left."],
        ['"Why?" he asked.', "Nobody answered."],
        ["Is it true?", "Yes!", "Absolutely."],
        ["Wait...", "What happened?"],
        ["John F. Kennedy was elected in November of 1960.", "He was 43."],
        ["The U.S. Senate voted 52-48.", "The bill passed."],
        ["Ph.D. students at the U.N. protested.", "It ended."],
    ],
)
def test_hand_cases(sentences: list[str]) -> None:
    text = " ".join(sentences)
    assert _sents(text) == sentences


def test_line_breaks_always_split() -> None:
    text = "A heading\nThe body starts here. It goes on\nwithout a period\n\n  Next para.  "
    assert _sents(text) == [
        "A heading",
        "The body starts here.",
        "It goes on",
        "without a period",
        "Next para.",
    ]


def test_lower_case_after_period_does_not_split() -> None:
    assert len(split_sentences("The approx. figure is small. and then it grew.")) == 1


def test_numbered_list_marker() -> None:
    assert _sents("1. First item\n2. Second item") == ["1. First item", "2. Second item"]


# --- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n\t  \r\n",
        "\x00\x01",
        "a" * 200_000,
        "no punctuation at all just words " * 50,
        "Emoji 🎉🎉. Next 👍🏽 sentence! «Guillemets.» Ünïcödé… 中文。日本語",
        "....!!!???",
        ". . . .",
        '"""',
        "\u2028\u2029\x85\x0b\x0c",
        "a.b.c.d.e. F.G.H. i.j.",
        "\ud800 lone surrogate.",
    ],
)
def test_hostile_inputs(text: str) -> None:
    spans = split_sentences(text)
    _check_invariants(text, spans)
    if not text.strip():
        assert spans == []
    else:
        assert spans


def test_control_chars_are_a_sentence() -> None:
    assert split_sentences("\x00\x01") == [(0, 2)]


def test_megabyte_is_split_and_cost_grows_linearly(sample_text: str) -> None:
    unit = sample_text + "\n\n"
    copies = 1_000_000 // len(unit) + 1
    assert len(split_sentences(unit * copies)) > 7000
    one_line = "word. " * 170_000
    assert len(split_sentences(one_line)) == 1  # lower case after every period: no split
    # no seconds (bench/splitter.py times a megabyte): 16x the text may cost at most 8x more per
    # character; quadratic work would cost ~16x
    assert per_char_growth(split_sentences, unit, copies // 16, copies) < 8
    assert per_char_growth(split_sentences, "word. ", 10_000, 160_000) < 8


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_property_sentence_spans(text: str) -> None:
    _check_invariants(text, split_sentences(text))


_SENTENCEISH = st.lists(
    st.sampled_from(
        ["U.S.", "p.m.", "Sen.", "$1.2", "3.5%", '"Hi."', "Dr.", "word", "Word.", "ok!", "\n",
         "\n\n", " ", "e.g.", "No.", "5", "?", "…", "'", ")", "(", "Inc."]
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(_SENTENCEISH)
def test_property_sentence_spans_tricky_tokens(text: str) -> None:
    _check_invariants(text, split_sentences(text))


# --- paragraphs and hashing ----------------------------------------------------------------


def test_paragraph_span() -> None:
    text = "  First para line one.\nLine two.\n\n\n  Second para.  \n \nThird."
    first = paragraph_span(text, 5)
    assert text[first[0] : first[1]] == "First para line one.\nLine two."
    second = paragraph_span(text, text.index("Second") + 3)
    assert text[second[0] : second[1]] == "Second para."
    gap = paragraph_span(text, text.index("\n\n") + 1)  # in the blank gap -> next paragraph
    assert text[gap[0] : gap[1]] == "Second para."
    last = paragraph_span(text, len(text) + 50)
    assert text[last[0] : last[1]] == "Third."
    assert paragraph_span("", 3) == (0, 0)
    assert paragraph_span("   ", 1) == (1, 1)
    assert paragraph_span("para\n\n", 5) == (0, 4)


def test_paragraph_span_sample(sample_text: str) -> None:
    pos = sample_text.index("six-month")
    s, e = paragraph_span(sample_text, pos)
    expected = "He said there would be a six-month phaseout of Anthropic's products."
    assert sample_text[s:e] == expected


def test_text_hash() -> None:
    assert text_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert text_hash("") == hashlib.sha256(b"").hexdigest()
    assert text_hash("é") == hashlib.sha256("é".encode()).hexdigest()
    assert len(text_hash("\ud800")) == 64  # lone surrogate does not raise


# --- compound claims ---------------------------------------------------------------------------


def _parts(text: str, start: int = 0) -> list[str]:
    spans = split_compound(text, start)
    for s, e in spans:
        assert text[s - start : e - start].strip() == text[s - start : e - start]
    return [text[s - start : e - start] for s, e in spans]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "The company is valued at $380 billion, and its revenue reached $14 billion last year.",
            ["The company is valued at $380 billion", "its revenue reached $14 billion last year."],
        ),
        (
            "Revenue rose 12% in 2023; profits fell 3%.",
            ["Revenue rose 12% in 2023", "profits fell 3%."],
        ),
        (
            "Unemployment fell to 3.5% in January, while wages grew 4.2% over the year.",
            ["Unemployment fell to 3.5% in January", "wages grew 4.2% over the year."],
        ),
        (
            "The bill passed the House by 220 votes, but the Senate rejected it by 12 votes.",
            ["The bill passed the House by 220 votes", "the Senate rejected it by 12 votes."],
        ),
        (
            "The firm employs 9 million people and it earned $2 billion in profit last year.",
            ["The firm employs 9 million people", "it earned $2 billion in profit last year."],
        ),
    ],
)
def test_split_compound_splits(text: str, parts: list[str]) -> None:
    assert _parts(text) == parts
    assert _parts(text, 1000) == parts


@pytest.mark.parametrize(
    "text",
    [
        "While the Pentagon contract worth as much as $200 million is a relatively small portion "
        "of Anthropic's $14 billion in revenue, it's unclear how the friction with the "
        "administration will sit with investors or affect other deals the company has to license "
        "its AI model.",
        "OpenAI, Google, and xAI also have Defense Department contracts and have agreed to allow "
        'their AI tools to be used in any "lawful" scenarios.',
        "Sales of $5 million and $3 million were reported.",
        "He said there would be a six-month phaseout of Anthropic's products.",
        '"We don\'t need it, we don\'t want it, and will not do business with them again!"',
        "Offices in Paris, France; Berlin, Germany; and Rome, Italy.",
        "The Pentagon has said it doesn't intend to use AI in those ways, but requires AI "
        'companies to allow their models to be used "for all lawful purposes."',
        "Apples and oranges are fruit.",
    ],
)
def test_split_compound_keeps_whole(text: str) -> None:
    assert split_compound(text, 7) == [(7, 7 + len(text))]


def test_split_compound_hostile() -> None:
    assert split_compound("", 3) == [(3, 3)]
    assert split_compound("; ; and , and", 0) == [(0, 13)]
    assert split_compound("\x00\x01", 0) == [(0, 2)]
    big = "a and b; " * 5000
    assert split_compound(big, 0) == [(0, len(big))]
