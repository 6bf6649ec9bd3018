from factcheck.text.speakers import Attributor, quote_regions


def _attr(text, sentence):
    a = Attributor(text)
    s = text.index(sentence)
    return a.attribution(s, s + len(sentence), quote_regions(text, 0, len(text)))


def test_subject_verb_and_inverted():
    t = '"We cannot accede to their request," Amodei wrote. Dario Amodei leads Anthropic.'
    assert _attr(t, t.split(". ")[0]) == "Dario Amodei"
    t2 = '"This is different for sure," said Jerry McGinn, a director.'
    assert _attr(t2, t2) == "Jerry McGinn"


def test_title_is_dropped_and_pronoun_resolves():
    text = 'President Trump wrote a post. "We do not need it," he said.'
    a = Attributor(text)
    regions = quote_regions(text, 0, len(text))
    first = text.index(".") + 1
    assert a.attribution(0, first, regions) == "Trump"
    assert a.attribution(first + 1, len(text), regions) == "Trump"


def test_names_inside_quotes_are_not_speakers():
    text = '"Anthropic said no," he noted.'
    assert Attributor(text).attribution(0, len(text), quote_regions(text, 0, len(text))) is None


def test_quote_regions_pair_marks():
    text = '“One two three,” she said. "Four."'
    regions = quote_regions(text, 0, len(text))
    assert [text[a:b] for a, b in regions] == ["One two three,", "Four."]
