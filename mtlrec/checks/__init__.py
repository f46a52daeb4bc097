"""Checks, one module per exercise (`exNN_topic.py` with a PARTS dict), plus shared tools.

Shared tools here are numpy-only; the Keras ones live in `mtlrec.checks.keras_tools` so that a
numpy exercise is graded without importing TensorFlow.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from pathlib import Path

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


_NOT_LEARNER_CODE = tuple(os.path.join(Path(p).resolve(), "") for p in {Path(__file__).parent.parent, *(
    sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))})


def learner_line(error: BaseException) -> str:
    """' (file.py, line N: code)' for the innermost frame of `error` outside mtlrec and the installed packages."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not str(Path(f.filename).resolve()).startswith(_NOT_LEARNER_CODE)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" ({Path(frame.filename).name}, line {frame.lineno}: {frame.line})"


def expect_value_error(function, args, what: str, why: str, kwargs: dict | None = None) -> None:
    """Demand that function(*args, **kwargs) raises ValueError; name an `assert` or another exception instead."""
    try:
        function(*args, **(kwargs or {}))
    except ValueError:
        return
    except AssertionError as error:
        raise AssertionError(
            f"{what} raised AssertionError{f' ({error})' if str(error) else ''}{learner_line(error)}; the docstring "
            f"asks for ValueError: {why}. Likely cause: an `assert`; write `raise ValueError(...)` instead "
            "(asserts are skipped under python -O and say nothing about the kind of mistake)") from None
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {error}{learner_line(error)}; expected "
                             f"ValueError: {why}") from None
    raise AssertionError(f"{what} did not raise ValueError; {why}")
