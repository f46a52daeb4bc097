"""Checks, one module per exercise (`exNN_topic.py` with a PARTS dict), plus shared tools.

Shared tools here are numpy-only; the Keras ones live in `mtlrec.checks.keras_tools` so that a
numpy exercise is graded without importing TensorFlow.
"""

from __future__ import annotations

import numpy as np


def short(value, limit: int = 120) -> str:
    """A one-line, shortened repr for messages."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=3, threshold=12, separator=", ").replace("\n", "")
        text = f"array{text} (shape {value.shape}, dtype {value.dtype})"
    else:
        text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_array(value, what: str, *, shape=None, dtype_kind: str | None = None) -> np.ndarray:
    """Demand a numpy array (of `shape`, of a float/int kind) with finite values; message otherwise."""
    if not isinstance(value, np.ndarray):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a numpy array")
    if shape is not None and value.shape != tuple(shape):
        raise AssertionError(f"{what} returned shape {value.shape}; expected {tuple(shape)}")
    if dtype_kind == "f" and value.dtype.kind != "f":
        raise AssertionError(f"{what} returned dtype {value.dtype}; expected a float dtype (e.g. float32)")
    if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
        raise AssertionError(f"{what} returned NaN or infinite values: {short(value)}")
    return value
