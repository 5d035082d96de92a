"""What a child made by ``fork`` must reset: the hosts, threads and counters it inherits belong to
its parent."""

from __future__ import annotations

import os
from collections.abc import Callable


def after_fork_in_child(hook: Callable[[], None]) -> None:
    """Runs ``hook`` in every child this process forks from now on. Windows has no fork, and its
    ``os`` no ``register_at_fork``: a child there (multiprocessing's spawn, subprocess) is a new
    interpreter that imports the package afresh, inheriting nothing to reset."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=hook)
