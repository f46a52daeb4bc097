"""The environment check of notebook 00 and the README's troubleshooting: versions and pitfalls."""

from __future__ import annotations

import os
import platform
import sys


def problems() -> list[str]:
    """What stands in the way of this course's Keras 3 code, as sentences with the fix (empty: fine)."""
    found = []
    if sys.version_info < (3, 11):
        found.append(f"Python {platform.python_version()} is too old: use Python 3.11 to 3.13 "
                     "(Keras-RS needs 3.11; Python 3.10 reached its end of life in October 2026).")
    if os.environ.get("TF_USE_LEGACY_KERAS", "").strip() not in ("", "0", "false", "False"):
        found.append("TF_USE_LEGACY_KERAS is set, so tf.keras is Keras 2 (tf-keras): unset it "
                     "(`unset TF_USE_LEGACY_KERAS`, or remove it from your shell profile) and restart the kernel.")
    try:
        import keras
    except ImportError:
        found.append("Keras is not installed: run `pip install -r requirements.txt` in your virtual environment.")
        return found
    if _keras_rs_version() == "not installed":
        found.append("Keras-RS is not installed (lesson 12 uses it): run `pip install -r requirements.txt`.")
    if int(keras.__version__.split(".")[0]) < 3:
        found.append(f"Keras {keras.__version__} is Keras 2; this course needs Keras 3: "
                     "`pip install -U 'keras>=3.3,<4' 'tensorflow>=2.16'` (and uninstall tf-keras).")
    return found


def _keras_rs_version() -> str:
    """The installed Keras-RS version, or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version("keras-rs")
    except metadata.PackageNotFoundError:
        return "not installed"


def report() -> str:
    """Python, TensorFlow, Keras, backend and devices, then any problem with its fix."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    lines = [
        f"Python      {platform.python_version()} ({platform.system()} {platform.machine()})",
        f"TensorFlow  {tf.__version__}",
        f"Keras       {keras.__version__} (backend: {keras.backend.backend()})",
        f"Keras-RS    {_keras_rs_version()}",
        f"Devices     CPU" + (f" + {len(gpus)} GPU" if gpus else " only (fine: every lesson is sized for a laptop CPU)"),
    ]
    issues = problems()
    lines += ["", "Problems:", *[f"- {p}" for p in issues]] if issues else ["", "Environment OK."]
    return "\n".join(lines)
