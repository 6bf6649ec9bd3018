"""Dashboard queries (factcheck.db.queries): agreement between reviewers."""


def test_kappa_from_latest_verdicts():
    import math

    import pandas as pd

    from factcheck.db.queries import agreement, reviewed_per_reviewer

    latest = pd.DataFrame(
        [("ana", 1, "True"), ("ana", 2, "False"), ("ben", 1, "True"), ("ben", 2, "True"),
         ("cy", 3, "False")],
        columns=["reviewer", "claim_id", "label"],
    )
    pairs = agreement(latest, ["True", "False"])
    assert len(pairs) == 1  # cy shares no claim with anyone
    row = pairs.iloc[0]
    assert row["claims in common"] == 2 and row["agreement"] == 0.5 and math.isclose(row["kappa"], 0.0)
    same = agreement(latest[latest.claim_id == 1], ["True", "False"])
    assert math.isnan(same.iloc[0]["kappa"])  # one label throughout: kappa undefined
    assert list(reviewed_per_reviewer(latest)["reviewer"]) == ["ana", "ben", "cy"]


def test_queue_is_sorted_by_score_in_both_modes(real_ws):
    """Claims extracted in focused and in thorough mode share one queue, most check-worthy first."""
    from factcheck.db.queries import queue, queue_ids
    from factcheck.io.readers import Document
    from factcheck.ml.checkworthy import operating_points
    from factcheck.services.extract import extract_document
    from tests.conftest import SAMPLE_ARTICLE

    points = operating_points()
    extract_document(real_ws, Document(text=SAMPLE_ARTICLE.read_text(), title="sample"),
                     min_score=points["focused"])
    extract_document(real_ws, Document(
        text="Officials said the budget is $42 million, up 12% from last year. It was a long day. "
             "The mayor said unemployment fell to 3.1% in June, the lowest since 2019.", title="other"),
        min_score=points["thorough"])
    rows = queue(real_ws)
    assert len(set(rows["article"])) == 2
    scores = list(rows["score"])
    assert scores == sorted(scores, reverse=True)
    assert list(rows["claim_id"]) == queue_ids(real_ws)


def test_queue_search_ignores_case_in_any_script(fake_ws):
    """SQLite's lower() folds ASCII only; the search must not (both databases)."""
    from factcheck.db.queries import QueueFilter, queue
    from factcheck.models import Article, Claim, ClaimType

    text = "Les ÉMISSIONS de Zürich ont baissé de 12 % en 2024. Der Stadtrat ÄNDERTE den Plan."
    claims = [Claim(article_id="fr", sentence_index=0, start=0, end=51, text=text[:51],
                    type=ClaimType.other, score=0.9),
              Claim(article_id="fr", sentence_index=1, start=52, end=len(text), text=text[52:],
                    type=ClaimType.other, score=0.8)]
    fake_ws.store.save_extraction(Article(id="fr", title="Klima in ZÜRICH", text=text), [], claims)

    def found(words: str) -> list[str]:
        return list(queue(fake_ws, QueueFilter(text=words))["claim"])

    assert found("émissions") == [text[:51]]
    assert found("änderte plan") == [text[52:]]
    assert found("zürich") == [text[:51], text[52:]]  # the title counts too
    assert found("ZÜRICH émissions") == [text[:51]]
    assert found("émission%") == []  # LIKE wildcards are literal
