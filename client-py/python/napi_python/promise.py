"""``JSPromise``: a JavaScript Promise seen from Python.

Awaitable in any asyncio loop, with a blocking ``result(timeout=None)`` and
``add_done_callback`` for code without one. The first use subscribes to the promise in the host;
its settlement arrives through the host's event dispatcher, without polling, and asyncio futures
are settled on their own loops with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import itertools
import logging
import threading
from typing import Any, Callable, Generator

from . import _native
from .proxy import JSObject

__all__ = ["JSPromise", "uncaught_hook"]

_subscriptions = itertools.count(1)
# Settlements waiting for the host, by subscription id.
_waiting: dict[int, "_Settlement"] = {}
_lock = threading.Lock()


class _Settlement:
    """Where a promise's outcome lands, and who waits for it."""

    __slots__ = ("done", "ok", "value", "callbacks", "futures")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.callbacks: list[Callable[[], None]] = []
        self.futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = []

    def settle(self, ok: bool, value: Any) -> None:
        with _lock:
            self.ok, self.value = ok, value
            self.done.set()
            callbacks, self.callbacks = self.callbacks, []
            futures, self.futures = self.futures, []
        for loop, fut in futures:
            loop.call_soon_threadsafe(_settle_future, fut, ok, value)
        for cb in callbacks:
            cb()


def _settle_future(fut: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


class JSPromise(JSObject):
    """A JavaScript Promise (awaitable; ``result()`` blocks)."""

    def _settlement(self) -> _Settlement:
        try:
            return self.__dict__["_napi_settlement"]
        except KeyError:
            pass
        with _lock:
            existing = self.__dict__.get("_napi_settlement")
            if existing is not None:
                return existing
            s = _Settlement()
            self.__dict__["_napi_settlement"] = s
            sub = next(_subscriptions)
            _waiting[sub] = s
        try:
            self._conn.subscribe(self, sub)
        except BaseException:
            with _lock:
                _waiting.pop(sub, None)
            raise
        return s

    def done(self) -> bool:
        """Whether the promise has settled (as far as Python has heard)."""
        return self._settlement().done.is_set()

    def result(self, timeout: "float | None" = None) -> Any:
        """Blocks until the promise settles; its value, or raises its rejection."""
        s = self._settlement()
        if not s.done.wait(timeout):
            raise TimeoutError(f"{self!r} did not settle within {timeout} s")
        if s.ok:
            return s.value
        raise s.value

    def add_done_callback(self, fn: Callable[["JSPromise"], Any]) -> None:
        """Calls ``fn(promise)`` once it settles (at once if it has), on the host's event thread."""
        s = self._settlement()
        with _lock:
            if not s.done.is_set():
                s.callbacks.append(lambda: fn(self))
                return
        fn(self)

    def __await__(self) -> Generator[Any, None, Any]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        s = self._settlement()
        with _lock:
            if not s.done.is_set():
                s.futures.append((loop, fut))
                pending = True
            else:
                pending = False
        if not pending:
            _settle_future(fut, s.ok, s.value)
        return (yield from fut.__await__())

    def __repr__(self) -> str:
        return "<JSPromise>"


def _awaitable(conn: Any, obj: Any) -> "JSPromise | None":
    """A JS promise that settles when the Python awaitable ``obj`` does (None if ``obj`` is not
    one). Coroutines are scheduled on the running event loop, so they can only be passed from
    inside one; futures of either kind settle it from whatever thread completes them."""
    if isinstance(obj, concurrent.futures.Future):
        future: Any = obj
    elif isinstance(obj, asyncio.Future) or inspect.iscoroutine(obj) or inspect.isawaitable(obj):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise TypeError(f"{obj!r} can only be passed to an addon from inside a running asyncio event loop") from None
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


def _settled(subscription: int, ok: bool, value: Any) -> None:
    """A subscribed promise settled (called by the native event dispatcher)."""
    with _lock:
        s = _waiting.pop(subscription, None)
    if s is not None:
        s.settle(ok, value)


_log = logging.getLogger("napi_python")


def uncaught_hook(exc: BaseException) -> None:
    """Receives exceptions nothing in the host caught: thrown from an async-work completion, a
    threadsafe-function call or a finalizer (a Python exception raised by a callback there comes
    back as itself). By default they go to ``sys.unraisablehook``, which prints them with their
    traceback; ``napi_python.set_uncaught_hook`` installs another handler."""
    _native.write_unraisable(exc)


_hook: Callable[[BaseException], Any] = uncaught_hook


def set_uncaught_hook(hook: "Callable[[BaseException], Any] | None") -> None:
    """Installs ``hook`` for uncaught addon exceptions (None restores the default)."""
    global _hook
    _hook = hook if hook is not None else uncaught_hook


def _uncaught(exc: BaseException) -> None:
    _hook(exc)
