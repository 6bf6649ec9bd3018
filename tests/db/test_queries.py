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
