"""Benchmark: are the extracted speakers and key values right? (issue 12, part 5)

    python bench/extraction_quality.py [--before-rev 7fb2bc5]

Gold set:

* ``../shared/data/news_dev`` (read in place, never copied): its four articles, every labelled
  sentence. Key values are the claims' ``key_values`` (verbatim substrings of the sentence) that
  are numbers, amounts, ages, dates or times (a digit, a number word, a month or a weekday; the
  others, such as "won" or "Enzo Fernandez", are not values). Speakers were labelled by hand for
  all 70 sentences (``SPEAKERS`` below; None = nobody is reported as saying it).
* The part-5 cases of issue 12, written here as short texts (``CASES``) in the shape of the
  pages where they were seen: nearest attribution vs last named speaker, "Mr. Trump announced",
  money in singular "euro", "weeks-long", ages, "two sides", "$68.1 billion".

Measures (extraction runs as ``extract --min-score 0`` does, with every sentence kept, so speaker
and value extraction are measured apart from the check-worthiness score):

* speaker accuracy: share of sentences whose claims carry the gold speaker (None included), and
  the same over the sentences that have a speaker;
* key-value recall: share of gold key values overlapped by an extracted value (case values must
  also have the gold kind and number);
* key-value precision: share of extracted values in the claim sentences that overlap a gold key
  value or a value listed in ``ALSO_VALUES`` (numbers in those sentences that the claims do not
  list as key, labelled by hand: a value that is right but not key is not a false positive).

``--before-rev`` runs the same measures on the code at that git revision (in a subprocess on an
exported copy) for the baseline column. Results: bench/results/extraction_quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEWS = REPO.parent / "shared" / "data" / "news_dev"
RESULTS = REPO / "bench" / "results"
GOAL = 0.9

# hand-labelled speaker of each news_dev sentence; a tuple lists accepted forms (first = gold)
SPEAKERS: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("fed_sep2025", "S06"): ("Fed", "Federal Reserve"),
    ("fed_sep2025", "S07"): ("committee", "Fed", "Federal Reserve"),
    ("fed_sep2025", "S08"): "Jerome Powell",
    ("fed_sep2025", "S09"): "Jerome Powell",
    ("fed_sep2025", "S10"): "Jerome Powell",
    ("fed_sep2025", "S18"): "Donald Trump",
    ("fed_sep2025", "S19"): "Stephen Miran",
    ("texas_floods_2025", "S02"): "authorities",
    ("texas_floods_2025", "S03"): "Rob Kelly",
    ("texas_floods_2025", "S05"): "Larry Leitha",
    ("texas_floods_2025", "S08"): ("San Angelo police", "police"),
    ("texas_floods_2025", "S09"): "Kendall County officials",
    ("texas_floods_2025", "S10"): "media reports",
    ("texas_floods_2025", "S11"): "Kerr County officials",
    ("texas_floods_2025", "S13"): "Dan Patrick",
    ("texas_floods_2025", "S14"): "Dalton Rice",
    ("texas_floods_2025", "S15"): "Stewart Welch",
    ("texas_floods_2025", "S16"): ("The New York Times and CNN", "New York Times and CNN",
                                   "The New York Times", "New York Times"),
    ("texas_floods_2025", "S17"): "news outlets",
    ("isak_transfer_2025", "S04"): "Alexander Isak",
    ("isak_transfer_2025", "S12"): "Bruno Guimaraes",
    ("german_election_2025", "S02"): "Federal Election Commission",
    ("german_election_2025", "S15"): "Friedrich Merz",
    ("german_election_2025", "S16"): "Friedrich Merz",
    ("german_election_2025", "S18"): "Friedrich Merz",
}

# values in claim sentences that are right but not listed as key by any claim (hand-labelled)
ALSO_VALUES: dict[tuple[str, str], list[str]] = {
    ("fed_sep2025", "S02"): ["4.00%–4.25%"],
    ("fed_sep2025", "S04"): ["half-point"],
    ("fed_sep2025", "S12"): ["nine", "one"],
    ("texas_floods_2025", "S05"): ["28 adults", "15 children"],
    ("texas_floods_2025", "S06"): ["Saturday"],
    ("texas_floods_2025", "S08"): ["12 feet"],
    ("texas_floods_2025", "S10"): ["three"],
    ("texas_floods_2025", "S11"): ["Saturday"],
    ("texas_floods_2025", "S13"): ["Friday"],
    ("isak_transfer_2025", "S03"): ["£115 million"],
    ("isak_transfer_2025", "S07"): ["this summer"],  # a relative date, kept by design
    ("isak_transfer_2025", "S06"): ["23 league goals", "last season"],
    ("isak_transfer_2025", "S09"): ["three-year"],
    ("isak_transfer_2025", "S10"): ["up to £116 million", "second"],
    ("german_election_2025", "S01"): ["299 districts"],
    ("german_election_2025", "S03"): ["1990", "this yearʼs"],
    ("german_election_2025", "S07"): ["a third", "2021"],
    ("german_election_2025", "S12"): ["208 seats", "151", "121", "85", "64"],
    ("german_election_2025", "S16"): ["April 20"],
}

_NUMWORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    r"|hundred|thousand|million|billion|dozen|half|quarter|third"
)
_MONTHS_DAYS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
)
_IS_VALUE = re.compile(rf"[0-9]|\b(?i:{_NUMWORDS})\b|\b(?:{_MONTHS_DAYS})\b")

# The part-5 cases: (name, text, expectations). Speakers: (needle, speaker). Values: (needle,
# [(kind, number)]) -- the values extracted from the sentence holding the needle, exactly.
# Claims: needles that must not become claims even with a high score.
CASES: list[dict] = [
    {
        "name": "nearest attribution, not the last named speaker",
        "text": (
            "President Trump wrote on Truth Social that the company had made a mistake. "
            "\u201cWe don't need it, we don't want it,\u201d Trump wrote.\n\n"
            "Pete Hegseth, meanwhile, slammed Anthropic for what he called arrogance and betrayal. "
            "\u201cAmerica's warfighters will never be held hostage by the ideological whims of "
            "Big Tech. This decision is final,\u201d he wrote on X.\n"
        ),
        "speakers": [("We don't need it", "Trump"), ("America's warfighters", "Pete Hegseth")],
    },
    {
        "name": "Mr. Trump announced",
        "text": (
            "Mr. Trump announced on Friday that he was directing every federal agency "
            "\u201cto IMMEDIATELY CEASE all use of Anthropic's technology.\u201d\n"
        ),
        "speakers": [("IMMEDIATELY CEASE", "Trump")],
    },
    {
        "name": "money in euro, durations, ages, counts",
        "text": (
            "The fine of 468 million euro follows a 5.8 billion euros penalty last year.\n\n"
            "It ended a weeks-long fight between the two sides over the rules.\n\n"
            "The 79-year-old chairman said the company earned $68.1 billion in 2024.\n"
        ),
        "values": [
            ("468 million euro", [("money", 468_000_000), ("money", 5_800_000_000),
                                  ("date", None)]),
            ("weeks-long", []),
            ("79-year-old", [("age", 79), ("money", 68_100_000_000), ("date", 2024)]),
        ],
    },
    {
        "name": "subheads and photo captions",
        "text": (
            "Anthropic said its revenue grew to $14 billion this year.\n\n"
            "Data centers dominate\n"
            "The company plans to spend $50 billion on data centers in Texas and New York.\n\n"
            "Dario Amodei looks on during a meeting at the Elysee Palace in Paris on Feb. 11, "
            "2025. (AFP)\n\n"
            "Shares rose 4% on Monday.\n"
        ),
        "not_claims": ["Data centers dominate", "Dario Amodei looks on"],
        "claims": ["$14 billion", "$50 billion", "Shares rose 4%"],
    },
]


def _norm(s: str | None) -> str | None:
    return None if s is None else re.sub(r"\s+", " ", s).strip().lower()


def _accepts(gold: str | tuple[str, ...] | None, got: str | None) -> bool:
    forms = gold if isinstance(gold, tuple) else (gold,)
    return _norm(got) in {_norm(f) for f in forms}


def _run(text: str, min_score: float, score: float):
    from factcheck.services.extract import analyse
    from factcheck.text.sentences import split_sentences

    spans = split_sentences(text)
    return analyse("bench", text, None, min_score, spans=spans, scores=[score] * len(spans))


def _sentence_claims(claims, a: int, b: int):
    return [c for c in claims if c.start < b and c.end > a]


def _speaker(claims) -> str | None:
    return next((c.speaker for c in claims if c.speaker), None)


def _overlaps(a: int, b: int, spans) -> bool:
    return any(s < b and e > a for s, e in spans)


def measure() -> dict:
    """All figures for the code on ``sys.path``."""
    out: dict = {"news_dev": None, "cases": []}
    speaker_rows: list[dict] = []
    value_gold = value_hit = value_pred = value_ok = 0
    value_misses: list[str] = []
    value_false: list[str] = []
    if NEWS.exists():
        sentences = [json.loads(x) for x in (NEWS / "sentences.jsonl").read_text().splitlines() if x]
        claims_gold = [json.loads(x) for x in (NEWS / "claims.jsonl").read_text().splitlines() if x]
        kv_by_sentence: dict[tuple[str, str], list[str]] = {}
        for c in claims_gold:
            kvs = kv_by_sentence.setdefault((c["story"], c["sentence_key"]), [])
            kvs += [k for k in c["key_values"] if _IS_VALUE.search(k) and k not in kvs]
        for story in sorted({s["story"] for s in sentences}):
            text = (NEWS / "articles" / f"{story}.txt").read_text(encoding="utf-8")
            _, claims = _run(text, 0.0, 0.0)
            for s in (s for s in sentences if s["story"] == story):
                key = (story, s["sentence_key"])
                a = text.index(s["sentence"])
                b = a + len(s["sentence"])
                mine = _sentence_claims(claims, a, b)
                gold = SPEAKERS.get(key)
                got = _speaker(mine)
                speaker_rows.append({"sentence": f"{story}/{s['sentence_key']}", "gold": gold
                                     if not isinstance(gold, tuple) else gold[0], "got": got,
                                     "ok": _accepts(gold, got)})
                if key not in kv_by_sentence:
                    continue
                gold_spans = []
                for k in kv_by_sentence[key]:
                    i = s["sentence"].index(k)
                    gold_spans.append((a + i, a + i + len(k), k))
                also = [
                    (a + x.start(), a + x.end())
                    for k in ALSO_VALUES.get(key, [])
                    for x in re.finditer(re.escape(k), s["sentence"])
                ]
                # values inside the gold sentence (a merged neighbour's values are not its own)
                pred = [v for c in mine for v in c.key_values if a <= v.start and v.end <= b]
                pred = list({(v.start, v.end): v for v in pred}.values())
                for gs, ge, k in gold_spans:
                    value_gold += 1
                    if _overlaps(gs, ge, [(v.start, v.end) for v in pred]):
                        value_hit += 1
                    else:
                        value_misses.append(f"{story}/{s['sentence_key']}: {k}")
                for v in pred:
                    value_pred += 1
                    if _overlaps(v.start, v.end, [(g[0], g[1]) for g in gold_spans] + also):
                        value_ok += 1
                    else:
                        value_false.append(f"{story}/{s['sentence_key']}: {v.kind.value} {v.text!r}")
    case_speakers = case_values = case_claims = 0
    case_speakers_ok = case_values_ok = case_claims_ok = 0
    for case in CASES:
        text = case["text"]
        _, claims = _run(text, 0.0, 0.0)
        _, kept = _run(text, 0.5, 0.9)  # a high score: only boilerplate rules may drop a sentence
        from factcheck.text.sentences import split_sentences

        spans = split_sentences(text)
        results = []
        for needle, gold in case.get("speakers", []):
            i = text.index(needle)
            got = _speaker(_sentence_claims(claims, i, i + len(needle)))
            case_speakers += 1
            ok = _accepts(gold, got)
            case_speakers_ok += ok
            speaker_rows.append({"sentence": f"case/{needle}", "gold": gold, "got": got, "ok": ok})
            results.append({"speaker": needle, "gold": gold, "got": got, "ok": ok})
        for needle, gold_vals in case.get("values", []):
            i = text.index(needle)
            a, b = next((s, e) for s, e in spans if s <= i < e)
            got_vals = [(v.kind.value, v.value) for c in _sentence_claims(claims, a, b)
                        for v in c.key_values]
            got_vals = sorted(set(got_vals), key=lambda x: text.find(str(x)))
            want = sorted(gold_vals, key=str)
            got_sorted = sorted(got_vals, key=str)
            ok = want == got_sorted
            case_values += 1
            case_values_ok += ok
            results.append({"values of": needle, "gold": gold_vals, "got": got_vals, "ok": ok})
        for needle in case.get("not_claims", []):
            ok = not [c for c in kept if needle in c.text]
            case_claims += 1
            case_claims_ok += ok
            results.append({"not a claim": needle, "ok": ok})
        for needle in case.get("claims", []):
            ok = bool([c for c in kept if needle in c.text])
            case_claims += 1
            case_claims_ok += ok
            results.append({"claim": needle, "ok": ok})
        out["cases"].append({"name": case["name"], "results": results})
    attributed = [r for r in speaker_rows if r["gold"] is not None]
    out["speaker_accuracy"] = round(sum(r["ok"] for r in speaker_rows) / len(speaker_rows), 3)
    out["speaker_accuracy_attributed"] = round(sum(r["ok"] for r in attributed) / len(attributed), 3)
    out["speaker_sentences"] = len(speaker_rows)
    out["speaker_errors"] = [r for r in speaker_rows if not r["ok"]]
    if value_gold:
        out["news_dev"] = {
            "key_value_recall": round(value_hit / value_gold, 3),
            "key_value_precision": round(value_ok / max(1, value_pred), 3),
            "gold_values": value_gold,
            "extracted_values": value_pred,
            "missed": value_misses,
            "false_values": value_false,
        }
    out["case_checks"] = {
        "speakers": f"{case_speakers_ok}/{case_speakers}",
        "values": f"{case_values_ok}/{case_values}",
        "claims": f"{case_claims_ok}/{case_claims}",
    }
    return out


def export_rev(rev: str, dest: Path) -> Path:
    """The package at git ``rev`` (for the baseline column)."""
    tar = subprocess.run(["git", "-C", str(REPO), "archive", rev, "factcheck"], capture_output=True,
                         check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before-rev", default="7fb2bc5", help="baseline revision ('' to skip)")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure()))
        return
    if not NEWS.exists():
        print(f"note: {NEWS} not found; measuring the built-in cases only", file=sys.stderr)
    result = {"goal": f">= {GOAL} speaker accuracy and key-value precision/recall",
              "after": measure()}
    if args.before_rev:
        with tempfile.TemporaryDirectory() as tmp:
            old = export_rev(args.before_rev, Path(tmp))
            env = dict(os.environ, PYTHONPATH=str(old))
            proc = subprocess.run([sys.executable, __file__, "--measure-only"], env=env,
                                  capture_output=True, text=True, check=False)
            if proc.returncode == 0:
                result["before"] = json.loads(proc.stdout.strip().splitlines()[-1])
                result["before"]["revision"] = args.before_rev
            else:
                result["before"] = {"error": proc.stderr[-1500:]}
    summary = {}
    for side in ("before", "after"):
        r = result.get(side) or {}
        nd = r.get("news_dev") or {}
        summary[side] = {
            "speaker_accuracy": r.get("speaker_accuracy"),
            "speaker_accuracy_attributed": r.get("speaker_accuracy_attributed"),
            "key_value_precision": nd.get("key_value_precision"),
            "key_value_recall": nd.get("key_value_recall"),
            "case_checks": r.get("case_checks"),
        }
    result["summary"] = summary
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "extraction_quality.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
