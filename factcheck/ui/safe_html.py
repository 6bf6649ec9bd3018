"""Safe HTML for the pages (no streamlit here, so it is unit-testable).

Every piece of user or source text goes through :func:`esc` before it is rendered as HTML (the
pages use ``st.html``, which does no Markdown processing, so ``#`` or ``$`` in a source stay
literal); links are emitted only for http(s) URLs (:func:`safe_url`). Text shown by
Markdown-rendering elements (messages, captions) goes through :func:`md`.
"""

from __future__ import annotations

import html
import re
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


def highlight(text: str, spans: Iterable[Span], *, offset: int = 0,
              hide: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` escaped, with each span wrapped in ``<mark class=...>``.

    Span offsets are absolute; ``offset`` is the absolute position of ``text[0]`` (e.g. the start
    of a paragraph inside its article). Spans may nest or overlap: the text is cut at every
    boundary and each piece carries the classes of all spans covering it. Spans outside the text
    are clipped or ignored. ``hide`` are (start, end) ranges *relative to text* left out of the
    output (e.g. Markdown markup, see :func:`markup_ranges`); the offsets of the rest do not move.
    """
    n = len(text)
    clipped: list[Span] = []
    for start, end, cls in spans:
        s, e = max(start - offset, 0), min(end - offset, n)
        if e > s:
            clipped.append((s, e, cls))
    hidden = [(max(a, 0), min(b, n)) for a, b in hide if min(b, n) > max(a, 0)]
    cuts = sorted({0, n, *(s for s, _, _ in clipped), *(e for _, e, _ in clipped),
                   *(a for a, _ in hidden), *(b for _, b in hidden)})
    out: list[str] = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        if any(ha <= a and b <= hb for ha, hb in hidden):
            continue
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


# -- Markdown sources: shown as text without markup --------------------------------------------
_MD_SNIFF = re.compile(r"(?m)^[ ]{0,3}#{1,6}[ \t]+\S|<!--|\*\*\S|\]\([^)\s]+\)|^[ ]{0,3}>[ ]")
_MD_LINE = re.compile(
    r"(?m)^[ ]{0,3}(?:#{1,6}[ \t]+|>[ ]?|[-*+][ ]+(?=\S)|\d{1,9}[.)][ ]+(?=\S))"  # heading/quote/list
)
_MD_RULE = re.compile(r"(?m)^[ ]{0,3}([-*_])(?:[ ]*\1){2,}[ ]*$\n?")
_MD_COMMENT = re.compile(r"<!--.*?-->[ \t]*\n*", re.S)
_MD_HEAD_TAIL = re.compile(r"(?m)^([ ]{0,3}#{1,6}[ \t]+.*?)([ \t]+#+)[ \t]*$")
_MD_LINK = re.compile(r"(!?\[)([^\]\n]+)(\]\([^)\s]+(?:[ ]+\"[^\"\n]*\")?\))")
_MD_EMPH = re.compile(r"(\*\*|__|`)(?=\S)([^\n]+?)(?<=\S)\1")
_MD_STAR = re.compile(r"(?<![\w*])(\*)(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")


def looks_like_markdown(text: str) -> bool:
    """True for text with Markdown markup (headings, comments, bold, links, quotes)."""
    return bool(_MD_SNIFF.search(text))


def markup_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) ranges of Markdown markup in ``text``: HTML comments, heading/quote/list
    markers, rules, link brackets and targets, emphasis and code delimiters. Hiding them (see
    :func:`highlight`) shows the text as a reader sees it, without moving any offset."""
    out: list[tuple[int, int]] = []
    out += [m.span() for m in _MD_COMMENT.finditer(text)]
    out += [m.span() for m in _MD_RULE.finditer(text)]
    out += [m.span() for m in _MD_LINE.finditer(text)]
    out += [m.span(2) for m in _MD_HEAD_TAIL.finditer(text)]
    for m in _MD_LINK.finditer(text):
        out += [m.span(1), m.span(3)]
    for rx in (_MD_EMPH, _MD_STAR):
        for m in rx.finditer(text):
            d = len(m.group(1))
            out += [(m.start(), m.start() + d), (m.end() - d, m.end())]
    lead = 0  # whitespace left at the start once the leading markup is gone
    covered = sorted(out)
    while lead < len(text):
        inside = next((b for a, b in covered if a <= lead < b), None)
        if inside is not None:
            lead = inside
        elif text[lead].isspace():
            out.append((lead, lead + 1))
            lead += 1
        else:
            break
    return sorted(out)


def passage_html(text: str, spans: Iterable[Span] = (), *, offset: int = 0) -> str:
    """A source passage as HTML: :func:`highlight`, with Markdown markup hidden when it has any."""
    hide = markup_ranges(text) if looks_like_markdown(text) else []
    return highlight(text, spans, offset=offset, hide=hide)
