"""Mistake: returns the labels as integers (int64), not floats."""
import numpy as np
from solutions.ex08_esmm import build_esmm, build_naive_cvr  # noqa: F401


def esmm_targets(click, conversion):
    click = np.asarray(click, dtype=np.float32)
    conversion = np.asarray(conversion, dtype=np.float32)
    if click.shape != conversion.shape:
        raise ValueError("lengths differ")
    if not (np.isin(click, (0, 1)).all() and np.isin(conversion, (0, 1)).all()):
        raise ValueError("labels must be 0 or 1")
    if (conversion > click).any():
        raise ValueError("conversion without click")
    return {"ctr": click.astype(np.int64), "ctcvr": (click * conversion).astype(np.int64)}
