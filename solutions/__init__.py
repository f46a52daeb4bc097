"""Reference solutions: the same public functions, signatures and docstrings as exercises/."""
