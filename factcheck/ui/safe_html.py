"""Safe HTML for the pages (no streamlit here, so it is unit-testable).

Every piece of user or source text goes through :func:`esc` before it is rendered as HTML (the
pages use ``st.html``, which does no Markdown processing, so ``#`` or ``$`` in a source stay
literal); links are emitted only for http(s) URLs (:func:`safe_url`). Text shown by
Markdown-rendering elements (messages, captions) goes through :func:`md`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

Span = tuple[int, int, str]  # (start, end, css class), offsets into the text being rendered

CSS = """
<style>
.fc-text { line-height: 1.7; font-size: 1.02rem; }
.fc-text mark { padding: 0 .12em; border-radius: .2em; }
.fc-claim { background: #fff3b0; color: inherit; box-shadow: inset 0 -2px 0 #e0b400; }
.fc-value { background: #cfe3ff; color: inherit; font-weight: 600; }
.fc-match { background: #c8f2cf; color: inherit; font-weight: 600; }
.fc-conflict { background: #ffd0cc; color: inherit; font-weight: 600;
               text-decoration: underline wavy #c62828; }
.fc-other { background: #f1f1f1; color: inherit; }
.fc-muted { color: #6b6b6b; font-size: .9rem; }
.fc-chip { display: inline-block; padding: 0 .45em; margin: 0 .25em .2em 0; border-radius: .7em;
           background: #eef1f5; font-size: .85rem; }
.fc-chip.match { background: #c8f2cf; } .fc-chip.conflict { background: #ffd0cc; }
</style>
"""


def esc(text: object) -> str:
    """HTML-escape any value (quotes included); None becomes an empty string."""
    return "" if text is None else html.escape(str(text), quote=True)


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>$~:")


def md(text: object) -> str:
    """Text for a Markdown-rendering element (st.success, st.caption ...), shown literally.

    Every Markdown/LaTeX-significant character is backslash-escaped, so "$380 billion and $350
    billion" is not typeset as math and "[x](javascript:...)" is not a link.
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def safe_url(url: object) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None (never javascript: etc.)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch in url for ch in "\x00\r\n\t<>\"' "):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(url: object, label: object) -> str:
    """An escaped label, wrapped in a link only when the URL is http(s)."""
    target = safe_url(url)
    if target is None:
        return esc(label)
    return (
        f'<a href="{esc(target)}" target="_blank" rel="noopener noreferrer nofollow">{esc(label)}</a>'
    )


def highlight(text: str, spans: Iterable[Span], *, offset: int = 0) -> str:
    """``text`` escaped, with each span wrapped in ``<mark class=...>``.

    Span offsets are absolute; ``offset`` is the absolute position of ``text[0]`` (e.g. the start
    of a paragraph inside its article). Spans may nest or overlap: the text is cut at every
    boundary and each piece carries the classes of all spans covering it. Spans outside the text
    are clipped or ignored.
    """
    n = len(text)
    clipped: list[Span] = []
    for start, end, cls in spans:
        s, e = max(start - offset, 0), min(end - offset, n)
        if e > s:
            clipped.append((s, e, cls))
    cuts = sorted({0, n, *(s for s, _, _ in clipped), *(e for _, e, _ in clipped)})
    out: list[str] = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        piece = esc(text[a:b])
        classes = [cls for s, e, cls in clipped if s <= a and b <= e]
        if classes:
            names = " ".join(dict.fromkeys(classes))
            out.append(f'<mark class="{esc(names)}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out).replace("\n", "<br>")


def block(inner_html: str, cls: str = "fc-text") -> str:
    """Wrap already-safe HTML in a div."""
    return f'<div class="{esc(cls)}">{inner_html}</div>'


def chips(items: Sequence[tuple[str, str]]) -> str:
    """Small labels: (text, extra class) pairs, text escaped."""
    return "".join(f'<span class="fc-chip {esc(cls)}">{esc(t)}</span>' for t, cls in items)
