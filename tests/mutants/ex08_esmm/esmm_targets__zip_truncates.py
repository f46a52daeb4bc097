"""Mistake: built row by row with zip, which stops at the shorter input: different lengths pass silently."""
import numpy as np
from solutions.ex08_esmm import build_esmm, build_naive_cvr  # noqa: F401


def esmm_targets(click, conversion):
    pairs = list(zip(click, conversion))
    for c, v in pairs:
        if c not in (0, 1) or v not in (0, 1) or c != c or v != v:
            raise ValueError("labels must be 0 or 1")
        if v > c:
            raise ValueError("conversion without click")
    return {"ctr": np.array([float(c) for c, _ in pairs], np.float32),
            "ctcvr": np.array([float(c) * float(v) for c, v in pairs], np.float32)}
