"""Tokens for lexical search: a word tokenizer, a light English stemmer and stop words.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# -- text features -----------------------------------------------------------
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
WORD_SPAN_RE = re.compile(r"(?u)\b\w[\w'’]*\b")


# The Lucene English stop words BM25 drops: ``bm25s.stopwords.STOPWORDS_EN``, copied here so that
# tokenizing a query does not import bm25s (and scipy with it); tests/text/test_tokens.py checks
# the copy against bm25s.
STOPWORDS_EN = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with""".split()
)


def _stopwords() -> frozenset[str]:
    """The Lucene English stop words (what BM25 drops)."""
    return STOPWORDS_EN


FUNCTION_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is
    isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or
    other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't
    so some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what what's when when's where where's which while who
    who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves said says say also just now new like get got one two per via amp rt""".split()
)


NUMBER_WORDS = frozenset(
    "thousand million billion trillion bn mn percent per cent dollars dollar usd".split()
)


def stem(word: str) -> str:
    """A light English stemmer (plurals, -ing, -ed): enough for BM25 and context overlap."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed"):
        return w[:-2]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stop words (the BM25 vocabulary)."""
    stop = _stopwords()
    return [stem(w) for w in _TOKEN_RE.findall(text.lower()) if w not in stop]


