"""Pydantic records: the one schema for code, SQL tables, JSON, CSV and docs.

Offsets (`start`/`end`) are always character offsets into the *original* text of the
owning article or source, so ``article.text[claim.start:claim.end] == claim.text``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


class ClaimType(str, Enum):
    """What kind of check a claim calls for."""

    quantity = "quantity"
    quote = "quote"
    event = "event"
    attribution = "attribution"
    policy = "policy"  # policy / law
    prediction = "prediction"
    comparison = "comparison"
    other = "other"


class ClaimStatus(str, Enum):
    """Where a claim is in the review workflow."""

    new = "new"
    in_review = "in_review"
    needs_second_review = "needs_second_review"
    done = "done"
    dismissed = "dismissed"


class Stance(str, Enum):
    """How an evidence passage bears on a claim."""

    supports = "supports"
    refutes = "refutes"
    context = "context"


class ValueKind(str, Enum):
    """Kinds of key values pulled out of a claim."""

    money = "money"
    percent = "percent"
    count = "count"
    duration = "duration"
    time = "time"
    date = "date"
    age = "age"  # a person's age ("62" in "Tanya Burwick, 62,", "79-year-old"), in years


class Record(BaseModel):
    """Base for all records: strict about unknown fields, JSON friendly."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class KeyValue(Record):
    """A key value with its span in the owning text.

    `value` is the normalised number (money in units of `unit`, e.g. 380000000000 with unit
    "USD"; percentages as 12.5 with unit "%"; durations in `unit` such as "month"; ages in years).
    It is kept as the exact decimal a person reads: rounded to 15 significant digits (all a float
    holds) and an ``int`` when whole, so "$68.1 billion" is 68100000000 in JSON, never
    68099999999.99999. `normalized` is a canonical string that compares equal for equal values
    ("3.8e+11 USD").
    """

    kind: ValueKind
    text: str
    start: int
    end: int
    value: int | float | None = None
    unit: str | None = None
    normalized: str = ""

    @field_validator("value", mode="after")
    @classmethod
    def _exact_decimal(cls, v: int | float | None) -> int | float | None:
        return exact_number(v)


def exact_number(v: int | float | None) -> int | float | None:
    """``v`` as the decimal a person would write: 15 significant digits, an int when whole.

    68099999999.99999 -> 68100000000; 0.30000000000000004 -> 0.3; 12.5 stays 12.5. NaN,
    infinities and None pass through unchanged.
    """
    if v is None or isinstance(v, bool) or isinstance(v, int):
        return v
    if not math.isfinite(v):
        return v
    r = float(f"{v:.15g}")
    if r.is_integer() and abs(r) < 2**63:
        return int(r)
    return r


class Article(Record):
    """An input article. `id` is the external id, else the content hash (``sha256:…`` prefix)."""

    id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    text: str
    origin: str | None = Field(default=None, description="file path (and line) it came from")
    requested_url: str | None = Field(default=None, description="the link given, when fetched")
    fetched_at: datetime | None = Field(default=None, description="when the link was fetched (UTC)")
    http_status: int | None = Field(default=None, description="HTTP status of the fetch")
    created_at: datetime = Field(default_factory=utcnow)


class Sentence(Record):
    """A sentence of an article with exact offsets and its check-worthiness score."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    score: float = 0.0


class Claim(Record):
    """A check-worthy claim: a span of an article sentence, typed, with key values."""

    id: int | None = None
    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    type: ClaimType = ClaimType.other
    score: float = 0.0
    speaker: str | None = None
    key_values: list[KeyValue] = Field(default_factory=list)
    status: ClaimStatus = ClaimStatus.new
    origin: str = Field(default="extracted", description="extracted | manual | split | edited")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Source(Record):
    """A source document that evidence passages come from.

    A source fetched from a link keeps what was fetched: the link given (`requested_url`), the
    final URL after redirects (`url`), `fetched_at`, `http_status` and the extracted text. When the
    page changes, the new text is stored as a new source (`<first id>@2`, `@3`, ...; `version` 2,
    3, ...), so passages and evidence links of the old text stay as they were.
    """

    id: str
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    text: str
    origin: str | None = None
    requested_url: str | None = Field(default=None, description="the link given, when fetched")
    fetched_at: datetime | None = Field(default=None, description="when the link was fetched (UTC)")
    http_status: int | None = Field(default=None, description="HTTP status of the fetch")
    version: int = Field(default=1, description="1, then 2, 3... each time the fetched text changed")
    created_at: datetime = Field(default_factory=utcnow)


class Passage(Record):
    """A window of sentences of a source, with exact offsets into the source text."""

    id: int | None = None
    source_id: str
    index: int
    start: int
    end: int
    text: str


class EvidenceLink(Record):
    """A reviewer's link between a claim and a passage, with a stance."""

    id: int | None = None
    claim_id: int
    passage_id: int
    stance: Stance
    note: str | None = None
    reviewer: str
    created_at: datetime = Field(default_factory=utcnow)


class Verdict(Record):
    """The current verdict on a claim (history lives in review events)."""

    claim_id: int
    label: str
    rationale: str = ""
    reviewer: str
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class ReviewEvent(Record):
    """An append-only record of one change to a claim: who, when, what."""

    id: int | None = None
    claim_id: int
    kind: str = Field(description="verdict | link | unlink | edit | dismiss | add | split | status")
    reviewer: str
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)


class Assignment(Record):
    """An editor's assignment of a claim to a reviewer (at most one per claim)."""

    claim_id: int
    assignee: str
    assigned_by: str
    assigned_at: datetime = Field(default_factory=utcnow)


class SecondReview(Record):
    """A blind second review of a claim (the latest one per claim).

    The first verdict is copied when the claim is sent for a second review; the second reviewer
    saves their own verdict without seeing it (``second_*``); an editor then resolves
    (``resolved_*``). The pairs (first, second) are what the dashboard's agreement uses.
    """

    claim_id: int
    first_reviewer: str
    first_label: str
    first_rationale: str = ""
    requested_by: str
    requested_at: datetime = Field(default_factory=utcnow)
    second_reviewer: str | None = None
    second_label: str | None = None
    second_rationale: str = ""
    second_at: datetime | None = None
    resolved_by: str | None = None
    resolved_label: str | None = None
    resolved_at: datetime | None = None


class ArchiveCheck(Record):
    """An earlier, published fact-check that new claims may match.

    `id` is the external id from the import file, else a hash of (claim, url); `seq` is the
    integer key used in the FAISS index.
    """

    id: str
    seq: int | None = None
    claim: str
    verdict: str | None = None
    url: str | None = None
    date: str | None = None
    title: str | None = None
    origin: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Feed(Record):
    """An RSS or Atom feed polled for new articles, with its conditional-request state."""

    id: int | None = None
    url: str
    name: str | None = None
    title: str | None = Field(default=None, description="the feed's own title, from the last poll")
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class FeedItemRecord(Record):
    """An item seen in a feed (de-duplicated by `key` = link, else guid, else content hash, and by
    `content_hash`), with the article it became (`status`: article | summary | skipped)."""

    id: int | None = None
    feed_id: int
    key: str
    link: str | None = None
    title: str | None = None
    published: str | None = None
    content_hash: str
    article_id: str | None = None
    status: str = Field(default="article", description="article | summary (page failed) | skipped")
    error: str | None = None
    seen_at: datetime = Field(default_factory=utcnow)


DEFAULT_VERDICT_SCALE: list[str] = [
    "True",
    "Mostly true",
    "Half true",
    "Mostly false",
    "False",
    "Unverifiable",
    "Not check-worthy",
]
