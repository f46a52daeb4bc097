"""ex11_foundation_transfer: the reference passes, your file is graded, mutants are rejected, alternatives pass."""
from mtlrec.pytest_plugin import exercise_tests

globals().update(exercise_tests("ex11_foundation_transfer"))
