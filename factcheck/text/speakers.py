"""Quotations and their speakers.

`quote_regions` pairs quotation marks within a paragraph (so a quote spanning several sentences
is one region). `Attributor` walks an article in order and finds who said each quote: an
attribution in the same sentence ("Trump wrote", "said Jerry McGinn", "according to X"), else in
a neighbouring sentence of the same paragraph; pronouns ("he said") resolve to the last named
speaker. Short names are expanded to the fullest name the article uses ("Amodei" -> "Dario Amodei").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

OPEN_QUOTES = "\"“”„«»"
VERBS = (
    r"said|says|wrote|writes|told|tells|added|adds|notes|noted|argued|argues|stated|states|"
    r"tweeted|posted|explained|explains|asked|asks|insisted|warned|claimed|claims|declared|replied"
)
NAME = r"(?:[A-Z][\w'’.-]*[a-z][\w'’.-]*|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|al))*"
PRONOUN = r"[Hh]e|[Ss]he|[Tt]hey"
_NOT_NAMES = {
    "The", "A", "An", "And", "But", "Or", "So", "In", "On", "At", "It", "This", "That", "We", "I",
    "You", "Therefore", "While", "Whether", "Earlier", "Any", "If", "When", "Then", "As",
}
_TITLES = {
    "President", "Sen", "Sen.", "Senator", "Rep", "Rep.", "Gov", "Gov.", "Governor", "Dr", "Dr.",
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "CEO", "Secretary", "Minister", "Prime", "Judge",
    "General", "Gen.", "Director", "Mayor", "Chairman", "Chief", "Vice", "Undersecretary",
}
_SUBJECT = re.compile(rf"(?<![\w@])(?P<name>{NAME}|{PRONOUN})\s+(?:has\s+|had\s+)?(?:{VERBS})\b")
_INVERTED = re.compile(rf"\b(?:{VERBS})\s+(?P<name>{NAME})")
_ACCORDING = re.compile(rf"\baccording to (?P<name>{NAME})")
_PRONOUNS = {"he", "she", "they"}


def quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of quoted text (inside the marks) in text[start:end], marks paired in order."""
    marks = [m.start() for m in re.finditer(f"[{OPEN_QUOTES}]", text[start:end])]
    regions = []
    for a, b in zip(marks[0::2], marks[1::2]):
        regions.append((start + a + 1, start + b))
    return regions


def regions_overlapping(
    regions: list[tuple[int, int]], start: int, end: int
) -> list[tuple[int, int]]:
    """The regions (sorted, non-overlapping, as from :func:`quote_regions`) that overlap
    ``[start, end)``, found by binary search: O(log r + k), not O(r), per sentence."""
    i = bisect.bisect_right(regions, start, key=lambda r: r[1])
    out = []
    while i < len(regions) and regions[i][0] < end:
        out.append(regions[i])
        i += 1
    return out


def _clean_name(name: str) -> str | None:
    words = name.split()
    titled = [i for i, w in enumerate(words) if w in _TITLES]
    if titled and titled[-1] < len(words) - 1:
        words = words[titled[-1] + 1 :]  # "OpenAI CEO Sam Altman" -> "Sam Altman"
    while words and (words[0] in _NOT_NAMES or words[0] in _TITLES):
        words = words[1:]
    if not words:
        return None
    cleaned = " ".join(words).rstrip(".,")
    return cleaned or None


def _outside(spans: list[tuple[int, int]], regions: list[tuple[int, int]]) -> bool:
    """No span lies inside a region (regions sorted and non-overlapping: a binary search)."""
    for s, e in spans:
        i = bisect.bisect_right(regions, s, key=lambda r: r[0]) - 1
        if i >= 0 and regions[i][1] >= e:
            return False
    return True


@dataclass
class Attributor:
    """Finds speakers for quotes across one article, in reading order."""

    text: str
    last_named: str | None = None
    _full_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for m in re.finditer(r"\b([A-Z][a-z]+)\s+([A-Z][a-zA-Z'’-]+)\b", self.text):
            first, last = m.group(1), m.group(2)
            if first in _NOT_NAMES or first in _TITLES or last.endswith(("'s", "’s")):
                continue
            self._full_names.setdefault(last, f"{first} {last}")

    def full_name(self, name: str) -> str:
        """The fullest form of a name the article uses ("Amodei" -> "Dario Amodei")."""
        if " " in name:
            return name
        return self._full_names.get(name, name)

    def attribution(self, start: int, end: int, regions: list[tuple[int, int]]) -> str | None:
        """The speaker named (or pronoun-referred) in text[start:end] outside quotes, if any."""
        segment = self.text[start:end]
        for pattern in (_SUBJECT, _INVERTED, _ACCORDING):
            for m in pattern.finditer(segment):
                span = (start + m.start("name"), start + m.end("name"))
                if not _outside([span], regions):
                    continue
                raw = m.group("name")
                if raw.lower() in _PRONOUNS:
                    if self.last_named:
                        return self.last_named
                    continue
                name = _clean_name(raw)
                if name:
                    name = self.full_name(name)
                    self.last_named = name
                    return name
        return None

    def note_sentence(self, start: int, end: int, regions: list[tuple[int, int]]) -> None:
        """Record a named attribution in a sentence without quotes (e.g. "Amodei said ...")."""
        self.attribution(start, end, regions)
