"""Cycles through Python and JavaScript, collected after Python's full collections.

A Python callable given to a JS object that its closure refers to through a proxy is a cycle
neither collector sees whole: the host holds the callable for the JS object, Python holds the
proxy that keeps the JS object. ``Host.collect_cycles()`` runs the collection that does (the
host marks, the client answers for Python's side); this module runs it for every open host after
each full collection of Python's (``gc.callbacks``, generation 2), but the one
``collect_python_only`` makes for a caller that runs the pass itself, at once (``js.gc``).

Not inside the callback itself: a collection can start at any allocation, on a thread that holds
a lock the host collection needs (the extension's tables, the JS lock in-process). The callback
only puts a token into a ``queue.SimpleQueue`` (reentrant, as a callback needs) and a thread of
its own collects. ``settle()`` waits for that, for tests and benchmarks.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from . import fork_hooks

# How many collections the callback asked for, and how many the collector finished.
_asked = 0
_done = 0
_finished = threading.Condition()
_tokens: queue.SimpleQueue[int] = queue.SimpleQueue()
_collector: threading.Thread | None = None
# Set on a thread whose full collection asks for no pass: its caller runs the pass itself.
_here = threading.local()


def _no_hosts() -> Iterable[Any]:
    return ()


# Set by the host module: the hosts to collect, alive and open.
_hosts: Callable[[], Iterable[Any]] = _no_hosts


def _after_collection(phase: str, info: dict[str, int]) -> None:
    """``gc.callbacks`` hook: after a full collection, asks the collector for a host pass."""
    global _asked
    if phase != "stop" or info.get("generation") != 2 or _collector is None:
        return
    if threading.current_thread() is _collector or getattr(_here, "passing", False):
        return  # its own garbage, or a caller's: the pass that caller runs now collects for it
    _asked += 1
    _tokens.put(_asked)


def _collect() -> None:
    global _done
    while True:
        token = _tokens.get()
        try:
            while True:  # requests that came meanwhile are served by this one pass
                token = max(token, _tokens.get_nowait())
        except queue.Empty:
            pass
        dropped = sum(host._collect_cycles_quietly() for host in list(_hosts()))
        if dropped:
            # What the hosts let go of may hold cycles of Python's alone (a bound method of an
            # object in one), which only its collector frees: one more pass, asked from here,
            # starts no host collection.
            gc.collect()
        with _finished:
            _done = max(_done, token)
            _finished.notify_all()


def collect_python_only() -> None:
    """Python's full collection, asking the collector thread for no host pass: for a caller
    that runs the pass itself, at once (`js.gc`)."""
    _here.passing = True
    try:
        gc.collect()
    finally:
        _here.passing = False


def start() -> None:
    """Starts the collector thread if it is not running (each new host asks)."""
    global _collector
    if _collector is not None and _collector.is_alive():
        return
    thread = threading.Thread(target=_collect, name="napi-python-cycles", daemon=True)
    thread.start()
    _collector = thread


def settle(timeout: float | None = 10.0) -> bool:
    """Waits until the host collections asked for by Python's full collections so far have run;
    False if ``timeout`` seconds passed first."""
    target = _asked
    with _finished:
        return _finished.wait_for(lambda: _done >= target, timeout)


def _after_fork_in_child() -> None:
    global _collector, _asked, _done
    _collector = None
    _asked = _done = 0


gc.callbacks.append(_after_collection)
fork_hooks.after_fork_in_child(_after_fork_in_child)


class CyclesCollected(NamedTuple):
    """What ``Host.collect_cycles`` did."""

    #: Proxies of JS objects let go of because only cycles held them.
    proxies: int
    #: Python objects the host no longer holds (the callables of those cycles among them).
    python: int
    #: JS objects freed.
    freed: int
