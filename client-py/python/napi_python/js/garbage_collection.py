"""Garbage collection in a host, when the program asks for it."""

from __future__ import annotations

from typing import Any

from .. import cycles
from .anchor import required_connection


def gc(addon: Any) -> int:
    """Collects, in the addon's host, every object nothing references (no Python proxy, no
    handle scope, no strong reference), cycles through Python included, and runs the finalizers
    that came due, each once. Returns how many objects were freed. Python proxies dropped before
    the call are released first.

    The host's pass over the cycles through Python runs here, before this returns: the full
    collection of Python's run first asks the collector thread for none, so no pass of its
    lets go later of what the host held for nothing when this returned (a function sent
    after it and called)."""
    # Proxies in reference cycles only die in Python's own collection.
    cycles.collect_python_only()
    _proxies, python, freed = required_connection("gc", addon).collect_cycles()
    if python:
        # What the host let go of may hold cycles of Python's alone (a bound method of an
        # object in one), which only its collector frees.
        cycles.collect_python_only()
    return int(freed)
