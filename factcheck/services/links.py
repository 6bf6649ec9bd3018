"""Working from links: fetch pages safely and keep what was fetched.

The fetching itself is :mod:`factcheck.io.fetch` (address guard, size cap, timeouts, one-line
errors naming the URL and the fix). This module is what the commands and the app share:

* :func:`read_inputs` turns a mix of paths and links into documents (a link is fetched with
  :func:`~factcheck.io.fetch.fetch_document`; a failing link is an error item, the batch goes on);
* :func:`provenance` reads what a fetch recorded on a document (requested URL, fetch time, HTTP
  status) for the article or source record;
* :func:`evidence_from_link` adds a page as a source (a new version if its text changed) and ranks
  its passages against a claim, for the review page's "Add evidence from a link".

Links on private or loopback addresses are refused unless ``FACTCHECK_ALLOW_PRIVATE_HOSTS=1``
(``Settings.allow_private_hosts``) or the caller passes ``allow_private=True``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from factcheck.errors import InputError
from factcheck.io.readers import ARTICLE_SUFFIXES, Document, read_paths

# factcheck.io.fetch (and httpx with it) is imported when a link is fetched: a command over local
# files (a re-run of `extract`) never pays for the HTTP stack.

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

_URL = re.compile(r"^https?://", re.IGNORECASE)


def is_url(text: str) -> bool:
    """True for an http(s) link (anything else is taken as a path)."""
    return bool(_URL.match(str(text).strip()))


def fetch_options(ws: Workspace, *, allow_private: bool | None = None) -> dict[str, Any]:
    """Keyword options for fetch_document / poll_feed from the workspace settings."""
    from factcheck.io.fetch import options_from_settings

    opts = options_from_settings(ws.settings)
    if allow_private is not None:
        opts["allow_private"] = bool(allow_private)
    return opts


def fetch_link(ws: Workspace, url: str, *, allow_private: bool | None = None) -> Document:
    """Fetch one link into a Document (url = final URL); raises FetchError (one line, with the fix)."""
    from factcheck.io.fetch import fetch_document

    return fetch_document(url.strip(), **fetch_options(ws, allow_private=allow_private))


def fetch_links(
    ws: Workspace, urls: Iterable[str], *, allow_private: bool | None = None
) -> Iterator[Document | InputError]:
    """Each link fetched, or its FetchError (yielded, never raised: the batch goes on)."""
    from factcheck.io.fetch import FetchError

    for url in urls:
        try:
            yield fetch_link(ws, url, allow_private=allow_private)
        except FetchError as e:
            log.info("%s", e)
            yield e


def read_inputs(
    ws: Workspace,
    inputs: Iterable[str],
    *,
    suffixes: set[str] = ARTICLE_SUFFIXES,
    allow_private: bool | None = None,
) -> Iterator[Document | InputError]:
    """Documents of files, folders, stdin (``-``) and links, in the order given; errors are yielded."""
    paths: list[str] = []
    for item in inputs:
        if is_url(item):
            if paths:
                yield from read_paths(paths, max_bytes=ws.settings.max_bytes, suffixes=suffixes)
                paths = []
            yield from fetch_links(ws, [item], allow_private=allow_private)
        else:
            paths.append(str(item))
    if paths:
        yield from read_paths(paths, max_bytes=ws.settings.max_bytes, suffixes=suffixes)


def provenance(doc: Document) -> dict[str, Any]:
    """``requested_url``, ``fetched_at`` (datetime) and ``http_status`` of a fetched document, else {}."""
    extra = doc.extra or {}
    requested = extra.get("requested_url")
    if not requested:
        return {}
    fetched = extra.get("fetched_at")
    if isinstance(fetched, str):
        try:
            fetched = datetime.fromisoformat(fetched)
        except ValueError:
            fetched = None
    status = extra.get("http_status")
    return {"requested_url": str(requested), "fetched_at": fetched,
            "http_status": int(status) if status is not None else None}


def as_fetched(when: datetime | None) -> str:
    """``as fetched on 2026-03-01 14:05 UTC`` (empty for a source that did not come from a link)."""
    return f"as fetched on {when:%Y-%m-%d %H:%M} UTC" if when is not None else ""


@dataclass
class LinkEvidence:
    """What :func:`evidence_from_link` did: the source result and the best passages for the claim."""

    url: str
    result: Any  # services.sources.SourceResult
    passages: list[Any] = field(default_factory=list)  # search.evidence.Suggestion, best first
    fetched_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the page is stored (added now, or already stored) and has passages."""
        return self.result.status != "error" and bool(self.passages)


def evidence_from_link(
    ws: Workspace, claim_id: int, url: str, *, k: int = 3, allow_private: bool | None = None
) -> LinkEvidence:
    """Fetch a page, store it as a source (passages indexed; a changed page is a new version),
    and rank that version's passages against the claim: the best-matching passage first.

    A fetch error does not raise: it is the result's ``status == "error"`` with the one-line message.
    """
    from factcheck.db.links import fetch_times
    from factcheck.io.fetch import FetchError
    from factcheck.search.evidence import rank_source_passages
    from factcheck.services.sources import add_documents

    claim = ws.store.get_claim(int(claim_id))
    try:
        doc: Document | InputError = fetch_link(ws, url, allow_private=allow_private)
    except FetchError as e:
        doc = e
    report = add_documents(ws, [doc])
    res = report.results[0]
    out = LinkEvidence(url=url, result=res)
    if res.status == "error" or not res.source_id:
        return out
    out.passages = rank_source_passages(ws, claim, res.source_id, k=k)
    out.fetched_at = fetch_times(ws.store.engine, [res.source_id]).get(res.source_id)
    return out


__all__ = [
    "LinkEvidence",
    "as_fetched",
    "evidence_from_link",
    "fetch_link",
    "fetch_links",
    "fetch_options",
    "is_url",
    "provenance",
    "read_inputs",
]
