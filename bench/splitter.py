"""Sentence-splitter benchmark: raw pysbd vs factcheck.text.split_sentences vs a naive regex.

Gold data is hand-labelled and inline below: the whole sample NPR article (given as the opening
words of each gold sentence, in order; a sentence runs to the next one's start) plus ~70 short
tricky passages (abbreviations, times, money, quotes, initials, line breaks) given as their
gold sentences. Caveat: the gold set and the splitter were written by the same hand, so the
factcheck scores are optimistic; the last ten passages were added afterwards and not tuned for.

Metrics, micro-averaged over all passages: boundary precision / recall / F1 (a boundary is the
start offset of every sentence but the first of a passage) and exact-sentence accuracy (share
of gold sentences whose stripped span is predicted exactly). Speed is measured on the article
repeated to ~1 MB (pysbd on ~64 KB, extrapolated, as it is slow).

Run:  .venv/bin/python bench/splitter.py      -> prints a table, writes bench/results/splitter.json
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from factcheck.text.sentences import split_sentences  # noqa: E402

ARTICLE = REPO / "sample_data" / "articles" / "npr_anthropic_ban.txt"
OUT = REPO / "bench" / "results" / "splitter.json"

Span = tuple[int, int]

# Opening words of each gold sentence of the sample article, in order (hand-labelled).
ARTICLE_GOLD_OPENINGS = [
    "President Trump ordered the U.S. government",
    "The decision, announced in a Truth Social post",
    '"The Leftwing nut jobs',
    '"Therefore, I am directing',
    "We don't need it",
    "He said there would be a six-month",
    "The announcement came about an hour",
    "And it happened as at least one",
    "Earlier in the day, OpenAI CEO",
    "The Pentagon said it had nothing to add",
    "Anthropic didn't respond to an immediate",
    "Ban comes as Anthropic plans an IPO",
    "Defense Department officials had given",
    "The Pentagon has said it doesn't intend",
    "The government had also threatened",
    "President Trump made no mention",
    "The government ban comes at a time",
    "While the Pentagon contract worth",
    "Anthropic CEO Dario Amodei has pointed out",
    "Whether AI companies can set restrictions",
    "On Thursday, Amodei said",
    '"We cannot in good conscience',
    '"Anthropic understands that',
    "We have never raised objections",
    "But, he added, domestic mass surveillance",
    "Emil Michael, the Pentagon's undersecretary",
    '"He wants nothing more',
    '"The @DeptofWar will ALWAYS',
    "In an interview with CBS News",
    '"At some level',
    "OpenAI expressed similar concerns",
    "Any effort by the Pentagon",
    "OpenAI, Google, and xAI",
    "This week, xAI became",
    "Altman told CNBC on Friday morning",
    "In an internal note sent to staff",
    "The Wall Street Journal first reported",
    "The Defense Department didn't respond",
    "Independent experts say the standoff",
    '"This is different for sure,"',
    "Pentagon contractors don't usually",
    "At the same time, McGinn noted",
    '"This is a very unusual',
    "\"I think it's reflective",
    "NPR's Bobby Allyn contributed",
]

# Tricky passages: gold sentences, joined by a space unless a joiner is given as first element.
TRICKY: list[list[str]] = [
    ["Sen. Elizabeth Warren (D-Mass.) criticized the plan on Tuesday.", "Her office declined."],
    ["Gov. Gavin Newsom signed the bill.", "Dr. Anthony Fauci praised it."],
    ["Mr. and Mrs. Smith arrived at 10 a.m. on Monday.", "They left at noon."],
    ["The meeting ended at 5 p.m.", "Then everyone went home."],
    ["The deadline is 5:01 p.m. ET on Friday, officials said."],
    ["Apple Inc. reported revenue of $94.8 billion.", "Shares rose 3.5% after hours."],
    ["The company moved its headquarters to the U.S.", "It kept an office in London."],
    ["The U.S. Supreme Court ruled 6-3 on Thursday.", "The decision was expected."],
    ["Costs rose to $1.2 trillion, or about 3.5% of GDP.", "That is a record."],
    ["He cited several cases, e.g. the Enron collapse, as warnings.", "Nobody objected."],
    ["The bill, i.e. H.R. 1234, passed.", "It now goes to the Senate."],
    ["The report was published on Jan. 5, 2024, by the agency.", "It ran to 300 pages."],
    ["He finished No. 2 in the race.", "His rival was third."],
    ['"We will win," she said.', '"There is no doubt."'],
    ['"Stop the count!" Trump posted.', "Officials ignored him."],
    ['"Is this legal?" asked Sen. Ron Wyden.', "The answer was unclear."],
    ['"Is this legal?" Wyden asked.', "The answer was unclear."],
    ['She said the policy was "a disaster."', "Her aides agreed."],
    ['"It is over," he wrote.', '"We lost."'],
    ["Wait for it...", "Nothing happened."],
    ["The results were mixed... but promising."],
    ["John F. Kennedy was elected in 1960.", "He was 43 years old."],
    ["The firm, based in Washington, D.C., employs 500 people.", "It was founded in 1999."],
    ["Researchers at the U.N. and the E.U. disagreed.", "A compromise came later."],
    ["Trading opened at 9:30 a.m. Eastern time.", "Volume was light."],
    ["She holds a Ph.D. in economics from MIT.", "She joined in 2019."],
    ["Visit example.com for details.", "Or email info@example.org today."],
    ["The stock fell 12.5 percent.", "Analysts had expected a 3.2% gain."],
    ["Gen. Mark Milley testified.", "Lt. Col. Alexander Vindman also spoke."],
    ["The St. Louis Fed raised rates.", "Ft. Worth officials objected."],
    ["The vote was 52-48.", "Two senators were absent."],
    ["What happens next?", "No one knows!", "Stay tuned."],
    ["It cost $5.", "That is cheap."],
    ["\n", "Ban comes as Anthropic plans an IPO", "Defense officials set a deadline."],
    ["\n", "- First bullet point", "- Second bullet point without a period"],
    ["(The figures were revised.)", "Later reports confirmed them."],
    ["The company (founded in 2015) is worth $380B.", "Its CEO declined to comment."],
    ["Anthropic, which is valued at $380 billion, plans an IPO.", "OpenAI is valued higher."],
    ["He works for Acme Corp. in Ohio.", "His wife works for Beta Co. in Texas."],
    ["The deal closed in Nov. 2023.", "Terms were not disclosed."],
    ["The meeting is scheduled for Sept. 12.", "It will be public."],
    ["Prices rose approx. 4% last year.", "Wages did not."],
    ["\u201cThis is different,\u201d said Jerry McGinn.", "\u201cVery different.\u201d"],
    ["He called it a \u201cGod-complex.\u201d", "Amodei did not respond."],
    ["Smith et al. published the study in 2020.", "It was widely cited."],
    ["The U.S. and China traded barbs.", "The U.K. stayed out."],
    ["Jones Jr. was absent.", "His father attended."],
    ["The 3 a.m. call woke him.", "He answered."],
    ["Temperatures hit 40\u00b0C.", "Residents fled."],
    ["Section 230 was not at issue.", "The judge said so."],
    ["He arrived at 11:59 p.m.", "The party had ended."],
    ["Rep. Alexandria Ocasio-Cortez (D-N.Y.) voted no.", "Rep. Nancy Mace (R-S.C.) voted yes."],
    ["The plane landed in St. Paul, Minn., at 6 a.m. Thursday.", "Passengers were safe."],
    ["U.S. officials declined to comment.", "A spokesperson said more was coming."],
    ["Why?", "Because the law says so."],
    ["\n\n", "First paragraph ends here.", "Second paragraph starts here."],
    ["No.", "The answer is no."],
    ["The firm lost $3.5 billion in Q3.", "It expects a profit in 2025."],
    ["Their valuation hit $61.5B.", "Investors cheered."],
    ["It was 2 a.m. when the deal was signed.", "Nobody slept."],
    # Added after the splitter was written, without tuning it for them afterwards.
    ["The company is based in the U.S.", "Analysts expect growth."],
    ["Its shares trade under ABC Corp.", "Investors were pleased."],
    ["Yahoo! Inc. was sold to Verizon.", "The price was low."],
    ["She was born on Aug. 4.", "It was a Tuesday."],
    ["I met him in Washington, D.C.", "He was late."],
    ["The team is called the L.A. Lakers.", "They won."],
    ['He wrote "Stop!" on the wall.', "Nobody erased it."],
    ["Mt. Everest is tall.", "K2 is next."],
    ["Revenue grew 40% y/y.", "Margins held."],
    ["The price was $5 vs. $6 a year earlier.", "Demand fell."],
]


def _sentence_spans(text: str, sentences: list[str]) -> list[Span]:
    spans: list[Span] = []
    cursor = 0
    for sent in sentences:
        i = text.index(sent, cursor)
        spans.append((i, i + len(sent)))
        cursor = i + len(sent)
    return spans


def build_gold() -> list[tuple[str, str, list[Span]]]:
    """(name, text, gold spans) for the article and each tricky passage."""
    items: list[tuple[str, str, list[Span]]] = []
    article = ARTICLE.read_text(encoding="utf-8")
    starts: list[int] = []
    cursor = 0
    for opening in ARTICLE_GOLD_OPENINGS:
        i = article.index(opening, cursor)
        starts.append(i)
        cursor = i + len(opening)
    spans: list[Span] = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(article)
        spans.append((s, s + len(article[s:e].rstrip())))
    assert "".join(article[s:e] for s, e in spans).replace(" ", "") == "".join(
        article.split()
    ), "article gold does not cover the whole article"
    items.append(("article", article, spans))
    for k, item in enumerate(TRICKY):
        joiner = " "
        sents = item
        if item and item[0] in ("\n", "\n\n"):
            joiner, sents = item[0], item[1:]
        text = joiner.join(sents)
        items.append((f"tricky-{k:02d}", text, _sentence_spans(text, sents)))
    return items


def _strip(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for s, e in spans:
        chunk = text[s:e]
        left = len(chunk) - len(chunk.lstrip())
        right = len(chunk.rstrip())
        if right > left:
            out.append((s + left, s + right))
    return out


_PYSBD = None


def split_pysbd(text: str) -> list[Span]:
    """Raw pysbd (English, clean=False, char_span=True) on the whole text."""
    global _PYSBD
    if _PYSBD is None:
        import pysbd

        _PYSBD = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return _strip(text, [(s.start, s.end) for s in _PYSBD.segment(text)])


_NAIVE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def split_naive(text: str) -> list[Span]:
    """Split after every . ! ? followed by whitespace, and at line breaks."""
    spans = []
    start = 0
    for m in _NAIVE_RE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return _strip(text, spans)


SPLITTERS: dict[str, Callable[[str], list[Span]]] = {
    "pysbd_raw": split_pysbd,
    "factcheck": split_sentences,
    "naive_regex": split_naive,
}


def _score(items: list[tuple[str, str, list[Span]]], fn: Callable[[str], list[Span]]) -> dict:
    tp = n_pred = n_gold = exact = n_sent = 0
    wrong: list[str] = []
    for name, text, gold in items:
        pred = fn(text)
        gb = {s for s, _ in gold[1:]}
        pb = {s for s, _ in pred[1:]}
        tp += len(gb & pb)
        n_pred += len(pb)
        n_gold += len(gb)
        hits = len(set(gold) & set(pred))
        exact += hits
        n_sent += len(gold)
        if set(gold) != set(pred):
            wrong.append(name)
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "boundary_precision": round(p, 4),
        "boundary_recall": round(r, 4),
        "boundary_f1": round(f1, 4),
        "exact_sentence_accuracy": round(exact / n_sent, 4) if n_sent else 1.0,
        "passages_wrong": wrong,
    }


def _seconds_per_mb(fn: Callable[[str], list[Span]], article: str, target: int) -> float:
    text = (article + "\n\n") * max(1, target // (len(article) + 2))
    t0 = time.perf_counter()
    fn(text)
    return round((time.perf_counter() - t0) * 1_000_000 / len(text), 3)


def main() -> None:
    items = build_gold()
    article_items = items[:1]
    tricky_items = items[1:]
    article = items[0][1]
    results: dict[str, dict] = {}
    for name, fn in SPLITTERS.items():
        results[name] = {
            "all": _score(items, fn),
            "article": _score(article_items, fn),
            "tricky": _score(tricky_items, fn),
            "seconds_per_mb": _seconds_per_mb(
                fn, article, 64_000 if name == "pysbd_raw" else 1_000_000
            ),
        }
    gold_sentences = sum(len(g) for _, _, g in items)
    payload = {
        "gold": {
            "passages": len(items),
            "sentences": gold_sentences,
            "boundaries": sum(max(0, len(g) - 1) for _, _, g in items),
            "article_sentences": len(items[0][2]),
        },
        "results": results,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    print(
        f"gold: {len(items)} passages, {gold_sentences} sentences "
        f"({payload['gold']['boundaries']} boundaries); article {len(items[0][2])} sentences"
    )
    header = f"{'splitter':<12} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6} {'art.F1':>7} "
    header += f"{'art.exact':>9} {'trk.F1':>7} {'s/MB':>7}"
    print(header)
    for name, res in results.items():
        a = res["all"]
        print(
            f"{name:<12} {a['boundary_precision']:>6.3f} {a['boundary_recall']:>6.3f} "
            f"{a['boundary_f1']:>6.3f} {a['exact_sentence_accuracy']:>6.3f} "
            f"{res['article']['boundary_f1']:>7.3f} "
            f"{res['article']['exact_sentence_accuracy']:>9.3f} "
            f"{res['tricky']['boundary_f1']:>7.3f} {res['seconds_per_mb']:>7.2f}"
        )
    for name, res in results.items():
        wrong = res["all"]["passages_wrong"]
        print(f"{name}: {len(wrong)} passages not exactly right: {', '.join(wrong[:12])}")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
