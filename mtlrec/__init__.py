"""mtlrec: the course's support package (data, metrics, models, checks and grading).

Importing it is cheap (no TensorFlow) and silences TensorFlow's C++ log noise once, for every
notebook, test and command, before TensorFlow is first imported.
"""

import logging
import os

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # Python-side notices such as retracing warnings
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ INFO/WARNING lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner; results identical across runs

REFERENCE_ENV = "MTLREC_USE_REFERENCE"  # set to 1 to make notebooks use the reference solutions


def check(exercise: str, *, impl=None):
    """Grade one exercise from a notebook cell and print the statuses (see mtlrec.notebook)."""
    from mtlrec.notebook import check as _check

    return _check(exercise, impl=impl)


def hint(exercise: str, part: str):
    """Reveal the next hint of an exercise part (see mtlrec.notebook)."""
    from mtlrec.notebook import hint as _hint

    return _hint(exercise, part)


def use(exercise: str):
    """The functions of an exercise a notebook should run: yours where they pass, else the reference."""
    from mtlrec.notebook import use as _use

    return _use(exercise)
