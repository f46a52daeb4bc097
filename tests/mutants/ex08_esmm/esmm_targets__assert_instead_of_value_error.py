"""Mistake: asserts instead of raising ValueError."""
import numpy as np
from solutions.ex08_esmm import build_esmm, build_naive_cvr  # noqa: F401


def esmm_targets(click, conversion):
    click = np.asarray(click, dtype=np.float32)
    conversion = np.asarray(conversion, dtype=np.float32)
    assert click.shape == conversion.shape, "lengths differ"
    assert np.isin(click, (0, 1)).all() and np.isin(conversion, (0, 1)).all(), "labels must be 0 or 1"
    assert not (conversion > click).any(), "conversion without click"
    return {"ctr": click, "ctcvr": click * conversion}
