"""Sentence splitting, paragraphs, hashing and compound-claim splitting with exact offsets.

Every span returned here is a ``(start, end)`` pair of character offsets into the string that
was passed in, so ``text[start:end]`` is the sentence (or paragraph, or clause), with no
surrounding whitespace. The functions never raise on any ``str`` input.

The sentence splitter is rule-based (see ``bench/splitter.py`` for how it measures against
pysbd and a naive regex): a candidate boundary is a run of ``.``/``!``/``?``/``…`` (plus any
closing quotes or brackets) followed by whitespace; it is kept unless the next word starts in
lower case, or the word before is a known abbreviation (titles such as "Sen." never end a
sentence; "U.S.", "p.m.", "Inc." and other ambiguous ones end a sentence only when the next
word is a typical sentence opener such as "The" or "He"). Line breaks always end a sentence.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)

__all__ = [
    "END_PUNCT",
    "Paragraphs",
    "cut_off_tail",
    "is_heading_or_caption",
    "paragraph_span",
    "paragraph_spans_at",
    "split_compound",
    "split_sentences",
    "text_hash",
]

# Characters that break a line (``str.splitlines`` boundaries). A line break always ends a
# sentence, so headings and list items are sentences of their own.
_LINE_RE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")

# A sentence-final punctuation run, then closing quotes/brackets, then whitespace or line end.
_TERM_RE = re.compile(r"([.!?\u2026\u203d]+)([\"'\u201d\u2019\u00bb\u203a)\]]*)(?=\s|$)")
_LAST_TOKEN_RE = re.compile(r"\S+$")
_WS_RE = re.compile(r"\s+")
_OPENERS = "\"'\u201c\u2018\u00ab\u2039([{"
_NEXT_WORD_RE = re.compile(r"[\"'\u201c\u2018\u00ab(\[]*([^\W\d_][\w'\u2019]*)")

# Abbreviations that never end a sentence (titles, "vs.", "e.g.").
_TITLES = frozenset(
    """mr mrs ms mx dr prof sen sens rep reps gov govs lt gen col maj capt cpt sgt cmdr adm
    rev hon pres st mt ft messrs mme mlle vs v e.g i.e cf approx viz fr supt atty amb sec
    asst assoc gens brig cpl pvt det insp""".split()
)
# Abbreviations that do not end a sentence when a number follows ("No. 5", "Jan. 5").
_BEFORE_DIGIT = frozenset(
    """no nos vol vols p pp fig figs art ch para op jan feb mar apr jun jul aug sep sept oct
    nov dec est""".split()
)
# Abbreviations that may or may not end a sentence ("in the U.S. The ..." vs "U.S. government").
_AMBIGUOUS = frozenset(
    """u.s u.k u.n e.u d.c a.m p.m inc corp co ltd llc plc jr sr etc bros al dept univ assn
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Words that typically open a sentence; after an ambiguous abbreviation they signal a boundary.
_STARTERS = frozenset(
    """the a an he she it they we i you his her its their our my your this that these those
    there here but and or so yet however meanwhile still also in on at for after before when
    while if as then now some many most officials what why how who where according despite
    although though since because last earlier later today yesterday not it's he's she's
    that's there's we're they're i'm""".split()
) | frozenset(
    w.replace("'", "\u2019") for w in "it's he's she's that's there's we're they're i'm".split()
)
# After a quoted "!" or "?", a capitalised attribution does not start a new sentence:
# '"Stop!" Trump said.'
_ATTRIBUTION_RE = re.compile(
    r"(?:[A-Z][\w.'\u2019-]*\s+){1,3}(?:said|says|wrote|writes|asked|asks|told|added|adds|"
    r"tweeted|posted|replied|shouted|exclaimed|declared|insisted|continued|noted|recalled)\b"
)
_CLOSING_QUOTES = "\"'\u201d\u2019\u00bb\u203a"


def text_hash(text: str) -> str:
    """Return the SHA-256 hex digest of ``text`` encoded as UTF-8.

    Lone surrogates (which cannot be encoded strictly) are passed through, so this never raises
    and equals the plain UTF-8 hash for every valid string.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it has no leading/trailing whitespace (``str.isspace``)."""
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right <= left:
        return start, start
    return start + left, start + right


def _is_boundary(line: str, seg_start: int, m: re.Match[str], next_pos: int) -> bool:
    """Decide whether the punctuation run ``m`` in ``line`` ends a sentence."""
    nxt = line[next_pos]
    if nxt.islower():
        return False
    term = m.group(1)
    closers = m.group(2)
    if "!" in term or "?" in term:
        if closers and any(q in closers for q in _CLOSING_QUOTES):
            if _ATTRIBUTION_RE.match(line, next_pos):
                return False
        return True
    if term != ".":
        return True  # ellipsis or "..": a boundary unless lower case follows
    window_start = max(seg_start, m.start() - 64)
    tok_match = _LAST_TOKEN_RE.search(line, window_start, m.start())
    if tok_match is None:
        return True
    token = tok_match.group(0).lstrip(_OPENERS)
    if closers:
        # "word.)" or 'word."': the period closes a quote/bracket, a real boundary
        return True
    word = token.lower()
    if not word:
        return True
    if word in _TITLES:
        return False
    next_is_digit = nxt.isdigit()
    if next_is_digit and word in _BEFORE_DIGIT:
        return False
    if word.isdigit() and tok_match.start() == seg_start and len(word) <= 3:
        return False  # list marker "1. First item"
    ambiguous = (
        word in _AMBIGUOUS
        or (len(token) == 1 and token.isalpha() and token.isupper())
        or ("." in word and word.replace(".", "").isalpha())
    )
    if ambiguous:
        if nxt in _OPENERS:
            return True
        wm = _NEXT_WORD_RE.match(line, next_pos)
        return bool(wm and wm.group(1).lower() in _STARTERS)
    return True


def _split_line(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Split one stripped line ``text[start:end]`` into sentences, appending spans to ``out``."""
    line = text[start:end]
    seg_start = 0
    for m in _TERM_RE.finditer(line):
        cut = m.end()
        if cut >= len(line):
            break
        ws = _WS_RE.match(line, cut)
        if ws is None:
            continue
        next_pos = ws.end()
        if next_pos >= len(line):
            break
        if m.start() < seg_start:
            continue
        if _is_boundary(line, seg_start, m, next_pos):
            s, e = strip_span(line, seg_start, cut)
            if e > s:
                out.append((start + s, start + e))
            seg_start = next_pos
    s, e = strip_span(line, seg_start, len(line))
    if e > s:
        out.append((start + s, start + e))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their ``(start, end)`` offsets, in order.

    Spans are non-empty, non-overlapping, stripped of surrounding whitespace, and together cover
    every non-whitespace character. Line breaks (single or blank lines) always end a sentence.
    Abbreviations ("U.S.", "5:01 p.m. ET", "Sen.", "Jan. 5"), decimals and money ("$1.2",
    "3.5%") do not split; closing quotes stay with their sentence. Never raises.
    """
    if not isinstance(text, str) or not text:
        return []
    out: list[tuple[int, int]] = []
    try:
        for lm in _LINE_RE.finditer(text):
            s, e = strip_span(text, lm.start(), lm.end())
            if e > s:
                _split_line(text, s, e, out)
    except Exception:  # pragma: no cover - defensive: never fail a pipeline on splitting
        logger.exception("sentence splitting failed; falling back to line spans")
        out = []
        for lm in _LINE_RE.finditer(text):
            s, e = strip_span(text, lm.start(), lm.end())
            if e > s:
                out.append((s, e))
    return out


_PARA_SEP_RE = re.compile(r"\n[^\S\n]*\n\s*|[\u2029]\s*")


class Paragraphs:
    """The blank-line separated paragraphs of one text, found once.

    ``span(pos)`` is a binary search over the separators, so looking up the paragraph of every
    sentence costs O(n + s log p) for the whole text, not O(n) per sentence (a 20 MB transcript
    has hundreds of thousands of sentences). Results equal :func:`paragraph_span`.
    """

    def __init__(self, text: str) -> None:
        self.text = text if isinstance(text, str) else ""
        seps = [(m.start(), m.end()) for m in _PARA_SEP_RE.finditer(self.text)]
        self._sep_starts = [a for a, _ in seps]
        bounds = [0] + [x for sep in seps for x in sep] + [len(self.text)]
        # the stripped span of each segment between separators ((a, a) when only whitespace)
        self._segments = [
            strip_span(self.text, a, b) for a, b in zip(bounds[0::2], bounds[1::2], strict=True)
        ]

    def spans(self) -> list[tuple[int, int]]:
        """The non-empty paragraphs' stripped ``(start, end)``, in order."""
        return [(s, e) for s, e in self._segments if e > s]

    def span(self, pos: int) -> tuple[int, int]:
        """The stripped ``(start, end)`` of the paragraph holding ``pos`` (see :func:`paragraph_span`)."""
        n = len(self.text)
        if not n:
            return (0, 0)
        try:
            pos = min(max(int(pos), 0), n)
        except (TypeError, ValueError):
            pos = 0
        k = bisect.bisect_right(self._sep_starts, pos)
        s, e = self._segments[k]
        if e > s:
            return (s, e)
        # only whitespace here (before the first or after the last separator): the nearest
        # paragraph before ``pos``, if any
        for j in range(k - 1, -1, -1):
            s, e = self._segments[j]
            if e > s:
                return (s, e)
        return (pos, pos)


def paragraph_span(text: str, pos: int) -> tuple[int, int]:
    """Return the stripped ``(start, end)`` of the blank-line separated paragraph holding ``pos``.

    ``pos`` is clamped to ``[0, len(text)]``. If it falls in the blank gap between two
    paragraphs the following paragraph is returned (the preceding one at the end of the text);
    for empty or whitespace-only text ``(pos, pos)`` is returned. One call scans the whole text:
    for many positions in one text use :class:`Paragraphs` or :func:`paragraph_spans_at`.
    """
    if not isinstance(text, str) or not text:
        return (0, 0)
    return Paragraphs(text).span(pos)


def paragraph_spans_at(text: str, positions: Iterable[int]) -> list[tuple[int, int]]:
    """:func:`paragraph_span` of each position, with the text scanned once."""
    paras = Paragraphs(text)
    return [paras.span(p) for p in positions]


# --- subheads and photo captions --------------------------------------------------------------

# what ends a full sentence or line (a line without it may be a subhead or a cut-off excerpt)
END_PUNCT = tuple(".!?\"\u201d\u2019')\u2026:;")
_LIST_MARKER_RE = re.compile(r"(?:[-*\u2022\u2013\u2014]|\d{1,3}[.)])\s")
# a photo credit closing a caption: "(AFP)", "(Photo: Reuters)", "AFP via Getty Images", "/ AP"
_CREDIT = (
    r"(?:\((?:[^()]{0,60}(?:/|:|\bby)\s*)?(?:AFP|AP|Reuters|EPA|Getty(?: Images)?|Bloomberg|"
    r"Xinhua|Anadolu|Shutterstock|Alamy|File|Handout|Photo|Pool)[^()]{0,40}\)"
    r"|\b(?:AFP|AP|Reuters|Anadolu|Pool|Bloomberg)\s+via\s+Getty\s+Images"
    r"|\b(?:Photo|Photograph|Image|Picture)(?:\s+credit)?\s*:\s*[^.]{1,60}"
    r"|/\s*(?:AFP|AP|Reuters|EPA|Getty Images))"
)
_CREDIT_RE = re.compile(_CREDIT + r"\W*$")
# a caption that says what the picture shows: "Illustration of Federal Reserve Chair Jerome Powell
# at a press conference ...", "Pictured: ...", "File photo of ..." (only when alone on its line)
_CAPTION_OPENING_RE = re.compile(
    r"(?:(?:an?\s+|the\s+)?(?:illustration|photo|photograph|picture|image|file\s+photo|screenshot|"
    r"screengrab|still)\s+(?:of|shows|showing)\b|pictured\s*(?::|above|below|here|left|right)|"
    r"(?:photo|image)\s+illustration\b)",
    re.IGNORECASE,
)
_CREDIT_LINE_RE = re.compile(_CREDIT + r"[^\S\n\r]*(?:[\n\r\u2028\u2029]|$)")


def _whole_line(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` alone on its line (only spaces around it)? Looks only at the
    characters next to the span, so it costs nothing per sentence."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] not in "\n\r\u2029\u2028\f\v":
        return False
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    return j >= len(text) or text[j] in "\n\r\u2029\u2028\f\v"


def is_heading_or_caption(text: str, start: int, end: int) -> bool:
    """A subhead ("Data centers dominate": a short line of its own with no end punctuation, not a
    list item) or a photo caption (a sentence closed by a credit such as "(AFP)" or "Reuters via
    Getty Images"). Neither is ever a claim."""
    sentence = text[start:end].strip()
    if not sentence:
        return False
    if _CREDIT_RE.search(sentence):
        return True
    if _CAPTION_OPENING_RE.match(sentence) and _whole_line(text, start, end):
        return True
    # "... on Feb. 11, 2025. (AFP)": the credit may be split off as a sentence of its own
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    if sentence.endswith((".", "!", "?")) and _CREDIT_LINE_RE.match(text, j, min(len(text), j + 120)):
        return True
    if sentence.endswith(END_PUNCT) or len(sentence.split()) > 14:
        return False
    if _LIST_MARKER_RE.match(sentence):
        return False
    return _whole_line(text, start, end)


# a text cut off at an excerpt boundary ("... after scoring in their League Cup fina"): its last
# sentence is incomplete when the text is prose (at least this many earlier sentences, nearly all
# with end punctuation) and the last one has none
CUT_OFF_MIN_SENTENCES = 3
CUT_OFF_PUNCTUATED_SHARE = 0.8
CUT_OFF_PROSE_WORDS = 8


def cut_off_tail(text: str, spans: list[tuple[int, int]]) -> bool:
    """Does the text end in an incomplete sentence, cut off mid-sentence by an excerpt or a feed
    (its last sentence has no end punctuation while the prose before it has)? Such a fragment is
    never a claim: its meaning is cut. A lone line or a short post without a final full stop is
    not cut off (too few sentences to tell)."""
    if len(spans) <= CUT_OFF_MIN_SENTENCES:
        return False
    a, b = spans[-1]
    last = text[a:b].rstrip()
    if not last or last.endswith(END_PUNCT) or len(last.split()) < 4:
        return False
    earlier = [text[s:e].rstrip() for s, e in spans[:-1]]
    # count full sentences of running text only: subheads end without punctuation too, and a
    # post's "Wow. Just wow." says nothing about how its last line should end
    prose = [t for t in earlier if len(t.split()) >= CUT_OFF_PROSE_WORDS]
    if len(prose) < CUT_OFF_MIN_SENTENCES:
        return False
    return sum(t.endswith(END_PUNCT) for t in prose) >= CUT_OFF_PUNCTUATED_SHARE * len(prose)


# --- compound claims -------------------------------------------------------------------------

_COMPOUND_SEP_RE = re.compile(r"\s*;\s*|,\s+(?:and|but|while)\s+|\s+and\s+")
_WORD_RE = re.compile(r"[^\W_][\w'\u2019.$%-]*")
_VERBS = frozenset(
    """is are was were be been being am has have had do does did will would shall should can
    could may might must said says say told tells tell rose rise rises fell fall falls grew
    grow grows made make makes took take takes gave give gives got get gets went go goes came
    come comes became become becomes paid pay pays spent spend spends lost lose loses won win
    wins sold sell sells bought buy buys cut cuts hit hits set sets put puts ran run runs left
    leave leaves kept keep keeps held hold holds brought bring brings began begin begins shows
    show showed shown found find finds thought think thinks knew know knows wants want needs
    need plans plan costs cost owns own employs employ reached reaches totals total topped
    tops doubled tripled remains remain stood stands saw see sees estimates expects expect
    argues argue claims claim warns warn reports report wrote writes announced announces
    signed signs oversees lead leads led
    isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't
    can't couldn't shouldn't it's he's she's that's there's""".split()
)
_NOT_VERB_ED = frozenset("hundred red bed need speed seed feed shed breed bred sacred".split())
_AUX_START = frozenset(
    """is are was were be been has have had do does did will would shall should can could may
    might must said says also then not""".split()
)


def _words(s: str) -> list[str]:
    return _WORD_RE.findall(s)


def _has_verb(words: list[str]) -> bool:
    for w in words:
        lw = w.lower().rstrip(".")
        if lw in _VERBS:
            return True
        if len(lw) > 4 and lw.endswith("ed") and lw.isalpha() and lw not in _NOT_VERB_ED:
            return True
    return False


_S_NOT_VERB = frozenset("its his this thus was has is as us yes less plus unless".split())


def _starts_with_verb(words: list[str]) -> bool:
    """Does the clause open with a verb (so it shares the subject of the previous clause)?"""
    if not words:
        return True
    w = words[0].lower()
    if w in _AUX_START:
        return True
    if len(w) > 4 and w.endswith("ed") and w not in _NOT_VERB_ED:
        return True
    verbish = w in _VERBS or (
        words[0].islower() and w.endswith("s") and not w.endswith("ss") and w not in _S_NOT_VERB
    )
    # "..., but requires AI companies to ..." opens with a verb; "costs rose" does not
    return verbish and not (len(words) > 1 and _has_verb(words[1:2]))


def _clause_ok(seg: str, *, conjunction: bool, right: bool, bare: bool = False) -> bool:
    """Is ``seg`` a separately checkable clause (a key value or a long verb-bearing clause)?

    ``bare`` is a plain " and " with no comma: then the clause must hold a key value itself
    (so names like "Center for Strategic and International Studies" are never split).
    """
    from factcheck.text.values import extract_values

    words = _words(seg)
    if len(words) < 2:
        return False
    has_value = bool(extract_values(seg))
    has_verb = _has_verb(words)
    if conjunction:
        if not has_verb:
            return False
        if right and _starts_with_verb(words):
            return False  # "... and have agreed to ...": shares the subject, keep together
        if bare:
            return has_value
        return has_value or len(words) >= 6
    return has_value or (has_verb and len(words) >= 6)


def _quote_paren_mask(text: str) -> list[bool]:
    """For each character, True when it is inside double quotes or parentheses."""
    inside = [False] * len(text)
    in_straight = False
    curly = 0
    paren = 0
    for i, ch in enumerate(text):
        if ch == '"':
            in_straight = not in_straight
        elif ch == "\u201c":
            curly += 1
        elif ch == "\u201d":
            curly = max(0, curly - 1)
        elif ch == "(":
            paren += 1
        elif ch == ")":
            paren = max(0, paren - 1)
        inside[i] = in_straight or curly > 0 or paren > 0
    return inside


def split_compound(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Split a sentence holding several checkable facts into independent-clause spans.

    Spans are absolute (offset by ``start``), stripped of whitespace and of the joining
    punctuation/conjunction. Splits happen only at ";" or ", and" / ", but" / ", while" / " and "
    outside quotes and parentheses, and only when both sides qualify: for ";" each side needs a
    key value (see :func:`factcheck.text.values.extract_values`) or a verb-bearing clause of at least
    six words; for conjunctions each side needs a verb plus a key value or six words, and the
    right side must not start with a verb (a shared subject: "... and have agreed to ...").
    Otherwise ``[(start, start + len(text))]`` is returned. Never raises.
    """
    if not isinstance(text, str):
        return [(start, start)]
    whole = [(start, start + len(text))]
    try:
        seps = list(_COMPOUND_SEP_RE.finditer(text))
        if not seps or len(seps) > 40:
            return whole
        mask = _quote_paren_mask(text)
        cuts = [m for m in seps if not mask[m.start()] and not mask[m.end() - 1]]
        changed = True
        while changed and cuts:
            changed = False
            for i, m in enumerate(cuts):
                left_start = cuts[i - 1].end() if i > 0 else 0
                right_end = cuts[i + 1].start() if i + 1 < len(cuts) else len(text)
                conjunction = ";" not in m.group(0)
                bare = conjunction and "," not in m.group(0)
                if not (
                    _clause_ok(text[left_start : m.start()], conjunction=conjunction, right=False,
                               bare=bare)
                    and _clause_ok(text[m.end() : right_end], conjunction=conjunction, right=True,
                                   bare=bare)
                ):
                    del cuts[i]
                    changed = True
                    break
        if not cuts:
            return whole
        spans: list[tuple[int, int]] = []
        bounds = [0] + [x for m in cuts for x in (m.start(), m.end())] + [len(text)]
        for a, b in zip(bounds[0::2], bounds[1::2], strict=True):
            s, e = strip_span(text, a, b)
            while e > s and text[e - 1] in ",;":
                e -= 1
            s, e = strip_span(text, s, e)
            if e > s:
                spans.append((start + s, start + e))
        return spans if len(spans) > 1 else whole
    except Exception:  # pragma: no cover - defensive
        logger.exception("compound splitting failed; keeping the sentence whole")
        return whole
