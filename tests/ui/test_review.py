"""The review page's helpers that need no streamlit (factcheck.ui.review)."""

import pytest


def test_split_points_and_find_span():
    from factcheck.errors import InputError
    from factcheck.ui.review import find_span, split_points

    original = "Prices rose 5% and exports fell 2%."
    assert split_points(original, "Prices rose 5% | and exports fell 2%.") == [15]
    assert split_points(original, "Prices rose 5%|and exports|fell 2%.") == [15, 27]
    with pytest.raises(InputError):
        split_points(original, "Prices rose 6% | and exports fell 2%.")
    with pytest.raises(InputError):
        split_points(original, original)
    assert find_span("a b a b", "a b", 3) == (4, 7)
    assert find_span("abc", "zz", 0) is None
