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
# verbs of saying (and reporting) that attribute what follows or precedes to their subject
VERBS = (
    r"said|says|wrote|writes|told|tells|added|adds|notes|noted|argued|argues|stated|states|"
    r"tweeted|posted|explained|explains|asked|asks|insisted|warned|warns|claimed|claims|declared|"
    r"replied|announced|announces|described|describes|stressed|stresses|highlighted|"
    r"reported(?!\s+from)|"
    r"reports|echoed|expressed|confirmed|acknowledged|emphasi[sz]ed|predicted|promised|vowed|"
    r"pledged|urged|testified|countered|responded|admitted|suggested|cautioned|recalled|"
    r"conceded|maintained|contended|revealed|estimated"
)
# the verbs that may come before their subject ("said Jerry McGinn")
INVERTED_VERBS = (
    r"said|says|wrote|writes|told|added|adds|notes|noted|argued|asked|explained|continued|"
    r"recalled|warned"
)
NAME = r"(?:[A-Z][\w'’.-]*[a-z][\w'’.-]*|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|al))*"
PRONOUN = r"[Hh]e|[Ss]he|[Tt]hey"
# people spoken of as a group, after a place or body ("Kerr County officials", "San Angelo police")
GROUP = (
    r"officials|police|authorities|officers|spokesman|spokeswoman|spokesperson|sources|"
    r"prosecutors|investigators|researchers|analysts|experts|lawmakers|leaders|regulators|"
    r"executives|scientists|economists"
)
_BARE = r"(?:[Tt]he\s+)?(?:committee|authorities|police|officials|prosecutors|investigators)"
_AUX = r"(?:(?:has|had|have)\s+)?"
_ADV = r"(?:(?:also|both|all|previously|repeatedly|later|then|first|once|again|[a-z]+ly)\s+){0,2}"
_APPOSITIVE = r"(?:,\s+[^,\"“”\n]{2,60},)?"
_NOT_NAMES = {
    "The", "A", "An", "And", "But", "Or", "So", "In", "On", "At", "It", "This", "That", "We", "I",
    "You", "Therefore", "While", "Whether", "Earlier", "Any", "If", "When", "Then", "As",
    "Meanwhile", "However", "Even", "Also", "Yet", "Still", "Later", "After", "Before",
}
_TITLES = {
    "President", "Sen", "Sen.", "Senator", "Rep", "Rep.", "Gov", "Gov.", "Governor", "Dr", "Dr.",
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "CEO", "Secretary", "Minister", "Prime", "Judge",
    "General", "Gen.", "Director", "Mayor", "Chairman", "Chief", "Vice", "Undersecretary",
    "Chair", "Chairwoman", "Chairperson", "Sheriff", "Lieutenant", "Lt.", "Commissioner",
    "Manager", "Captain", "Spokesman", "Spokeswoman", "Spokesperson", "Ambassador", "Chancellor",
    "Justice", "Attorney", "Treasurer", "Superintendent", "Coach", "Deputy", "Representative",
    "Speaker", "Leader", "Founder", "Officer", "Commander", "Admiral", "Sergeant", "Sgt.",
}
# words that make a capitalised phrase an organisation or a place, not a person
_ORG_WORDS = {
    "Department", "Ministry", "Agency", "Court", "Committee", "Party", "House", "Senate",
    "Congress", "Pentagon", "Government", "Office", "University", "Council", "Commission",
    "Reserve", "Bank", "Fund", "Union", "Association", "Group", "Times", "Post", "News",
    "Journal", "Center", "Centre", "Institute", "County", "City", "State", "States", "River",
    "Camp", "Park", "Street", "Company", "Inc", "Inc.", "Corp", "Corp.", "Ltd", "Club", "United",
    "Service", "Board", "Police", "Army", "Navy", "Force", "Administration", "Parliament",
    "Treasury", "Markets", "Stocks", "Democrats", "Republicans",
}
_CALENDAR = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Today", "Yesterday",
}
_NAMED = rf"{NAME}(?:\s+(?:{GROUP}))?(?:\s+and\s+{NAME})?"
_SUBJECT = re.compile(
    rf"(?<![\w@])(?<!of )(?:(?P<name>{_NAMED}){_APPOSITIVE}|(?P<pron>{PRONOUN})|(?P<bare>{_BARE}))"
    rf"\s+{_AUX}{_ADV}(?:{VERBS})\b"
)
_INVERTED = re.compile(rf"\b(?:{INVERTED_VERBS})\s+(?P<name>{NAME})")
_ACCORDING = re.compile(
    rf"\b[Aa]ccording to (?:[^,.;\"“”]{{0,60}}?\bby\s+)?(?:(?P<name>{NAME}(?:,\s+{NAME}){{0,3}})"
    r"|(?P<bare>(?:the\s+)?(?:media|news|press)\s+reports|officials|police|authorities))"
)
_PASSIVE = re.compile(
    r"\b(?:was|were|been|is|are)\s+(?:also\s+)?(?:reported|announced|confirmed|stated|said)"
    rf"(?:\s+[a-z]+)?\s+by\s+(?:the\s+)?(?:(?P<name>{NAME})|(?P<bare>(?:news|media)\s+outlets"
    r"|local media|officials|police|authorities))"
)
# "..., arguing it would help": the sentence's subject says it
_PARTICIPLE = re.compile(
    r",\s+(?:arguing|saying|adding|insisting|noting|claiming|stating|warning|explaining)\b"
)
# the subject that opens a sentence (after an opener such as "Meanwhile," or "On Friday,")
_OPENING_SUBJECT = re.compile(
    r"[\"“]?(?:(?:But|And|Meanwhile|However|Still|Later|Earlier|Then|Now|Also|Yet|So),?\s+"
    r"|(?:On|In|At|By|After|Before|During|Since|Last|This|Even)\s+[^,\"“”\n]{1,50},\s+)?"
    rf"(?P<name>{NAME}){_APPOSITIVE}\s+(?:(?:has|had|have|was|is|will|would)\s+)?{_ADV}"
    r"(?P<verb>[a-z][a-z'’-]+)"
)
_NOT_VERBS = {"of", "and", "or", "for", "to", "in", "on", "at", "with", "by", "as", "from", "the"}
_PERSON_TITLES = {
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "President", "Sen", "Sen.", "Senator",
    "Rep", "Rep.", "Gov", "Gov.", "Governor", "Judge", "Sheriff", "Mayor", "Chancellor",
}
_PRONOUNS = {"he", "she", "they"}
_NAME_TAIL_BEFORE = re.compile(r"(?:\b[A-Z][\w'’.-]*[a-z][\w'’.-]*|\bof)[^\S\n]+$")


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
    if "," in name:
        parts = [p.strip() for p in name.split(",") if p.strip()]
        titled_parts = [p for p in parts if any(w in _TITLES for w in p.split()[:-1])]
        name = titled_parts[-1] if titled_parts else parts[0]
    words = name.split()
    titled = [i for i, w in enumerate(words) if w in _TITLES]
    if titled and titled[-1] < len(words) - 1:
        words = words[titled[-1] + 1 :]  # "OpenAI CEO Sam Altman" -> "Sam Altman"
    while words and (words[0] in _NOT_NAMES or words[0] in _TITLES):
        words = words[1:]
    if not words:
        return None
    cleaned = " ".join(words).rstrip(".,")
    if cleaned in _CALENDAR:
        return None
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
        # overlapping pairs, so "Federal Reserve Chair Jerome Powell" yields "Jerome Powell"
        for m in re.finditer(r"\b(?=([A-Z][a-z]+)\s+([A-Z][a-zA-Z'’-]+)\b)", self.text):
            first, last = m.group(1), m.group(2)
            if first in _NOT_NAMES or first in _TITLES or first in _CALENDAR:
                continue
            if last.endswith(("'s", "’s")) or last in _ORG_WORDS or first in _ORG_WORDS:
                continue
            self._full_names.setdefault(last, f"{first} {last}")

    def full_name(self, name: str) -> str:
        """The fullest form of a name the article uses ("Amodei" -> "Dario Amodei")."""
        if " " in name:
            return name
        return self._full_names.get(name, name)

    def _person(self, raw: str) -> str | None:
        """``raw`` as a person's name when it looks like one (two words, or a known surname, or a
        personal title), not an organisation or a place."""
        name = _clean_name(raw)
        if not name or any(w in _ORG_WORDS for w in name.split()):
            return None
        full = self.full_name(name)
        titled = any(w in _PERSON_TITLES for w in raw.split())
        if len(full.split()) >= 2 or titled:
            return full
        return None

    def subject(self, start: int, end: int, regions: list[tuple[int, int]]) -> str | None:
        """The person who opens text[start:end] as its subject ("Pete Hegseth, meanwhile,
        slammed ..."), if any; remembered as the referent of a later "he said"."""
        m = _OPENING_SUBJECT.match(self.text, start, end)
        if m is None or m.group("verb") in _NOT_VERBS:
            return None
        if not _outside([(m.start("name"), m.end("name"))], regions):
            return None
        person = self._person(m.group("name"))
        if person:
            self.last_named = person
        return person

    def attribution(self, start: int, end: int, regions: list[tuple[int, int]]) -> str | None:
        """The speaker named (or pronoun-referred) in text[start:end] outside quotes, if any.

        Tried in order: subject + verb of saying ("Trump wrote", "Kerr County officials said",
        "Miran, a Trump appointee, echoed"), inverted ("said Jerry McGinn"), "according to X"
        (also "... provided by X" and "Mountain Brook, Alabama, Mayor X"), the passive
        ("was reported by X"), and a participle after the sentence's subject ("..., arguing").
        A pronoun resolves to the last person named as a speaker or as a sentence's subject.
        """
        subject = self.subject(start, end, regions)
        segment = self.text[start:end]
        for pattern in (_SUBJECT, _INVERTED, _ACCORDING, _PASSIVE):
            for m in pattern.finditer(segment):
                group = next(g for g in ("name", "pron", "bare") if g in m.re.groupindex and m.group(g))
                span = (start + m.start(group), start + m.end(group))
                if not _outside([span], regions):
                    continue
                raw = m.group(group)
                if group == "name" and _NAME_TAIL_BEFORE.search(self.text, max(0, span[0] - 40), span[0]):
                    continue  # the tail of a longer name ("of Sarah Marsh" -> not "Marsh")
                if raw.lower() in _PRONOUNS:
                    group = "pron"
                if group == "pron":
                    if self.last_named:
                        return self.last_named
                    continue
                if group == "bare":
                    return re.sub(r"^[Tt]he\s+", "", raw)
                name = _clean_name(raw)
                if name:
                    name = self.full_name(name)
                    self.last_named = name
                    return name
        if subject and _PARTICIPLE.search(segment):
            return subject
        return None

    def note_sentence(self, start: int, end: int, regions: list[tuple[int, int]]) -> None:
        """Record a named attribution in a sentence without quotes (e.g. "Amodei said ...")."""
        self.attribution(start, end, regions)
