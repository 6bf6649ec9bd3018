"""Size-independent speed checks: how the cost per character grows with the input, not seconds."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def per_char_growth(fn: Callable[[str], object], unit: str, small: int, big: int, repeat: int = 3) -> float:
    """Cost per character of ``fn(unit * big)`` over that of ``fn(unit * small)``.

    Each is the best of ``repeat`` runs with the garbage collector paused, so a busy machine
    slows both sides alike and cannot fail the check. Work linear in the length gives about 1
    (a little more from caches); quadratic work gives about ``big / small``.
    """

    def best(text: str) -> float:
        gc.collect()
        gc.disable()
        try:
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn(text)
                runs.append(time.perf_counter() - t0)
        finally:
            gc.enable()
        return min(runs) / len(text)

    return best(unit * big) / best(unit * small)
