"""Nearest stored claims: the claim index searched with a text (``factcheck similar``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from factcheck.errors import InputError

if TYPE_CHECKING:
    from factcheck.workspace import Workspace


def similar_claims(ws: Workspace, text: str, k: int = 5) -> list[dict]:
    """Stored claims most similar to `text`: {"claim_id", "text", "score"}, best first.

    A stale, missing or corrupt claim index is brought up to date first (with a warning).
    """
    if not text.strip():
        raise InputError("empty query text; give the claim text to look for")
    scores, ids = ws.search("claims", [text], k, repair=True)
    found = ws.store.get_claims(int(i) for i in ids[0] if i >= 0)
    out = []
    for s, i in zip(scores[0], ids[0]):
        if i >= 0 and int(i) in found:
            out.append({"claim_id": int(i), "text": found[int(i)].text, "score": round(float(s), 4)})
    return out
