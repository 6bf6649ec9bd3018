"""schema.org ClaimReview: the rating scale, dates and authors (pure mapping, no database)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from factcheck.errors import InputError

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)

SPECIAL_LABELS = frozenset(
    {"unverifiable", "not check-worthy", "not checkworthy", "not checkable", "unproven",
     "unrated", "no rating", "no verdict"}
)
"""Labels (case-insensitive) that are not a position on the truth scale: no numeric rating."""

_ORG_WORDS = re.compile(
    r"\b(inc|corp|corporation|co|company|ltd|llc|plc|gmbh|ag|group|ministry|department|agency|"
    r"office|administration|government|committee|council|commission|bureau|institute|university|"
    r"foundation|association|party|bank|police|army|pentagon|white house|congress|senate|"
    r"parliament|court|news|times|post|cdc|who|fbi|nasa|un)\b\.?",
    re.IGNORECASE,
)


def rating_scale(labels: list[str]) -> tuple[list[str], list[str]]:
    """Split a verdict scale into (graded labels best to worst, special labels).

    The scale lists graded labels best first, then special ones (:data:`SPECIAL_LABELS`);
    grading stops at the first special label.
    """
    for i, label in enumerate(labels):
        if label.strip().casefold() in SPECIAL_LABELS:
            return labels[:i], labels[i:]
    return list(labels), []


def review_rating(label: str, labels: list[str]) -> dict[str, Any]:
    """The schema.org ``Rating`` of a verdict label: best label = N, worst graded = 1."""
    graded, _special = rating_scale(labels)
    rating: dict[str, Any] = {"@type": "Rating"}
    folded = [g.casefold() for g in graded]
    if label.casefold() in folded:
        rating.update(
            ratingValue=len(graded) - folded.index(label.casefold()),
            bestRating=len(graded),
            worstRating=1,
        )
    rating["alternateName"] = label
    return rating


def speaker_thing(name: str) -> dict[str, str]:
    """The schema.org author of a claim: an Organization for names like "Department of ...", else a Person."""
    kind = "Organization" if _ORG_WORDS.search(name) else "Person"
    return {"@type": kind, "name": name}


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d",
                 "%m/%d/%Y", "%d.%m.%Y")


def iso_date(value: str | None) -> str | None:
    """An article's `published` text as an ISO date (``2025-03-01``), or None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    log.debug("unreadable published date %r; left out of ClaimReview", value)
    return None



def check_publisher(publisher: str, publisher_url: str) -> None:
    """Refuse an empty publisher name or a publisher URL that is not http(s)."""
    if not publisher or not publisher.strip():
        raise InputError("ClaimReview needs a publisher name; pass --publisher \"Desk name\"")
    if not re.match(r"https?://[^\s/]+", publisher_url or ""):
        raise InputError(
            f"publisher URL {publisher_url!r} is not an http(s) URL; pass --publisher-url https://..."
        )


