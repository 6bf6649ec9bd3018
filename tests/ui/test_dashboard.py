"""The dashboard page (factcheck.ui.dashboard) and the Streamlit API it is written against."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.conftest import REPO


def test_no_deprecated_width_argument_and_streamlit_is_bounded():
    # use_container_width is removed after 2025-12-31: the pages use width="stretch"/"content"
    for path in sorted((REPO / "factcheck" / "ui").rglob("*.py")):
        assert "use_container_width" not in path.read_text(encoding="utf-8"), path
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if re.match(r"streamlit\s*[<>=]", d))
    assert re.search(r"<\s*2\b", spec), f"streamlit needs an upper bound: {spec}"
    assert re.search(r">=\s*1\.52", spec), f"shortcuts/unsafe_allow_javascript need 1.52: {spec}"


@pytest.mark.slow
def test_dashboard_open_assignments_and_kappa_from_blind_pairs(app, db, ws):
    import sqlalchemy as sa
    from sklearn.metrics import cohen_kappa_score

    from factcheck.services.review import assign_claims, set_verdict
    from tests.ui.helpers import table

    with db.connect() as conn:
        ids = [int(i) for (i,) in conn.execute(sa.text("SELECT id FROM claims ORDER BY id LIMIT 5"))]
    first, second = ["True", "False", "False", "Half true"], ["True", "False", "Mostly false", "Half true"]
    for cid, a, b in zip(ids, first, second):
        set_verdict(ws, cid, a, "ana", "first", status="needs_second_review")
        set_verdict(ws, cid, b, "ben", "second", status="needs_second_review")
    set_verdict(ws, ids[4], "True", "ana", "not blind")  # two plain saves are not a blind pair
    set_verdict(ws, ids[4], "False", "ben", "not blind")
    assign_claims(ws, ids[:3], "cleo", "ed")
    assign_claims(ws, ids[3:], "dan", "ed")
    set_verdict(ws, ids[4], "False", "ed", "done", status="done")
    at = app("dashboard")
    assigned = table(at, "open assignments")
    assert dict(zip(assigned["reviewer"], assigned["open assignments"])) == {"cleo": 3, "dan": 1}
    kappa = table(at, "kappa").iloc[0]
    assert (kappa["reviewer A"], kappa["reviewer B"], kappa["claims in common"]) == ("ana", "ben", 4)
    assert kappa["kappa"] == f"{cohen_kappa_score(first, second):.2f}"
