"""``JSPromise``: a JavaScript Promise seen from Python.

Awaitable in any asyncio loop, with a blocking ``result(timeout=None)`` and
``add_done_callback`` for code without one. A promise that comes as the answer of a call is
subscribed to by the host at once (D20); any other is subscribed on first use. The settlement
arrives through the host's event dispatcher, without polling; asyncio futures are settled on
their own loops with ``call_soon_threadsafe``. If the host goes away first, the promise fails
with the error that says why.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import threading
from collections.abc import Generator
from typing import Any, Callable

from . import _native
from .proxy import JSObject

__all__ = ["JSPromise", "uncaught_hook"]

_lock = threading.Lock()

# What a settlement tells its waiters: (fulfilled, value or exception).
_Waiter = Callable[[bool, Any], None]


class _Settlement:
    """Where a promise's outcome lands, and who waits for it."""

    __slots__ = ("ok", "subscribed", "value", "waiters")

    def __init__(self) -> None:
        self.ok: bool | None = None  # None while pending
        self.value: Any = None
        self.waiters: list[_Waiter] = []
        self.subscribed = False

    def settle(self, ok: bool, value: Any) -> None:
        """The outcome (called by the native layer; a second outcome is ignored)."""
        with _lock:
            if self.ok is not None:
                return
            self.ok, self.value = ok, value
            waiters, self.waiters = self.waiters, []
        for w in waiters:
            w(ok, value)

    def wait_with(self, waiter: _Waiter) -> bool:
        """Adds ``waiter`` unless the promise has settled already (then False)."""
        with _lock:
            if self.ok is None:
                self.waiters.append(waiter)
                return True
        return False

    def outcome(self) -> Any:
        if self.ok:
            return self.value
        raise self.value


def _settle_future(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


def _settlement_of(promise: JSPromise) -> _Settlement:
    s = promise.__dict__.get("_napi_settlement")
    if s is None:
        # dict.setdefault is atomic: two threads get the same settlement.
        s = promise.__dict__.setdefault("_napi_settlement", _Settlement())
    return s


def _claimed(promise: JSPromise) -> _Settlement:
    """The settlement of a promise the host subscribed to on its own (called by the native
    layer, which then settles it)."""
    s = _settlement_of(promise)
    s.subscribed = True
    return s


class JSPromise(JSObject):
    """A JavaScript Promise (awaitable; ``result()`` blocks)."""

    def _settlement(self) -> _Settlement:
        s = _settlement_of(self)
        if not s.subscribed:
            with _lock:
                first = not s.subscribed
                s.subscribed = True
            if first:
                self._conn.subscribe(self, s)
        return s

    def done(self) -> bool:
        """Whether the promise has settled (as far as Python has heard)."""
        return self._settlement().ok is not None

    def result(self, timeout: float | None = None) -> Any:
        """Blocks until the promise settles; its value, or raises its rejection."""
        s = self._settlement()
        if s.ok is None:
            event = threading.Event()
            if s.wait_with(lambda ok, value: event.set()) and not event.wait(timeout):
                raise TimeoutError(f"{self!r} did not settle within {timeout} s")
        return s.outcome()

    def add_done_callback(self, fn: Callable[[JSPromise], Any]) -> None:
        """Calls ``fn(promise)`` once it settles (at once if it has), on the thread that hears of
        the settlement: the host's event dispatcher, as a rule."""
        if not self._settlement().wait_with(lambda ok, value: fn(self)):
            fn(self)

    def __await__(self) -> Generator[Any, None, Any]:
        s = self._settlement()
        if s.ok is None:
            loop = asyncio.get_running_loop()
            fut: asyncio.Future[Any] = loop.create_future()

            def wake(ok: bool, value: Any) -> None:
                try:
                    loop.call_soon_threadsafe(_settle_future, fut, ok, value)
                except RuntimeError:  # the loop was closed: nothing awaits there any more
                    pass

            if s.wait_with(wake):
                return (yield from fut.__await__())
        return s.outcome()

    def __repr__(self) -> str:
        return "<JSPromise>"


def _awaitable(conn: Any, obj: Any) -> JSPromise | None:
    """A JS promise that settles when the Python awaitable ``obj`` does (None if ``obj`` is not
    one). Coroutines are scheduled on the running event loop, so they can only be passed from
    inside one; futures of either kind settle it from whatever thread completes them."""
    if isinstance(obj, concurrent.futures.Future):
        future: Any = obj
    elif isinstance(obj, asyncio.Future) or inspect.iscoroutine(obj) or inspect.isawaitable(obj):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise TypeError(
                f"{obj!r} can only be passed to an addon from inside a running asyncio event loop"
            ) from None
        future = asyncio.ensure_future(obj, loop=loop)
    else:
        return None
    promise, deferred = conn.new_deferred()

    def settle(done: Any) -> None:
        if done.cancelled():
            ok, value = False, asyncio.CancelledError("the Python awaitable was cancelled")
        elif done.exception() is not None:
            ok, value = False, done.exception()
        else:
            ok, value = True, done.result()
        try:
            conn.settle_deferred(int(deferred), ok, value)
        except Exception:
            _log.exception("could not settle the JS promise of a Python awaitable")

    future.add_done_callback(settle)
    return promise


_log = logging.getLogger("napi_python")


def uncaught_hook(exc: BaseException) -> None:
    """Receives exceptions nothing in the host caught: thrown from an async-work completion, a
    threadsafe-function call or a finalizer (a Python exception raised by a callback there comes
    back as itself). By default they go to ``sys.unraisablehook``, which prints them with their
    traceback; ``napi_python.set_uncaught_hook`` installs another handler."""
    _native.write_unraisable(exc)


_hook: Callable[[BaseException], Any] = uncaught_hook


def set_uncaught_hook(hook: Callable[[BaseException], Any] | None) -> None:
    """Installs ``hook`` for uncaught addon exceptions (None restores the default)."""
    global _hook
    _hook = hook if hook is not None else uncaught_hook


def _uncaught(exc: BaseException) -> None:
    _hook(exc)
