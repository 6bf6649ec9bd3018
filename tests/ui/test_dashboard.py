"""The dashboard page (factcheck.ui.dashboard) and the Streamlit API it is written against."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def test_no_deprecated_width_argument_and_streamlit_is_bounded():
    # use_container_width is removed after 2025-12-31: the pages use width="stretch"/"content"
    for path in sorted((REPO / "factcheck" / "ui").rglob("*.py")):
        assert "use_container_width" not in path.read_text(encoding="utf-8"), path
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if re.match(r"streamlit\s*[<>=]", d))
    assert re.search(r"<\s*2\b", spec), f"streamlit needs an upper bound: {spec}"
    assert re.search(r">=\s*1\.52", spec), f"shortcuts/unsafe_allow_javascript need 1.52: {spec}"
