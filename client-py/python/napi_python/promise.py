"""``JSPromise``: a JavaScript Promise seen from Python, as a ``concurrent.futures.Future``.

Being a real ``Future``, it works wherever one does: ``result(timeout)``, ``exception()``,
``add_done_callback``, ``concurrent.futures.wait``/``as_completed``, ``asyncio.wrap_future``
and ``asyncio.wait`` (through ``wrap_future``), and ``await`` in any asyncio loop. A promise
that comes as the answer of a call is subscribed to by the host at once, sparing a request;
any other is subscribed on first use (the first look at its state). The settlement arrives
through the host's event dispatcher, or in-process often on the host thread itself, without
polling; done callbacks run on the thread it arrives on. If the host goes away first, the
promise fails with the error that says why.

JS work cannot be cancelled: a promise is a running future from the start, so ``cancel()``
returns False and changes nothing (``asyncio.wait_for`` on it cancels its own wrapper, not the
JS work, whose outcome is then ignored).
"""

from __future__ import annotations

import collections.abc
import concurrent.futures
import logging
import time
import types
from collections.abc import Callable, Generator
from concurrent.futures._base import FINISHED, RUNNING
from typing import Any, ClassVar, TypeVar, cast

from . import _native, errors
from .proxy import JSObject

__all__ = ["JSPromise", "uncaught_hook"]

_T = TypeVar("_T")

# What JSPromise keeps in its instance dict besides Future's own state.
_SUBSCRIBED = "_napi_subscribed"
_STATE = "_napi_state"


class _Settler:
    """What the native layer settles a promise through: ``settle(ok, value)`` when the host
    reports the outcome (a second outcome is ignored)."""

    __slots__ = ("promise",)

    def __init__(self, promise: JSPromise[Any]) -> None:
        self.promise = promise

    def settle(self, ok: bool, value: Any) -> None:
        self.promise._napi_settle(ok, value)


def _claimed(promise: JSPromise[Any]) -> _Settler:
    """The settler of a promise the host subscribed to on its own (called by the native layer,
    which then settles it)."""
    promise.__dict__[_SUBSCRIBED] = True
    return _Settler(promise)


class JSPromise(JSObject, concurrent.futures.Future[_T]):
    """A JavaScript Promise: a ``concurrent.futures.Future`` (running from the start; see the
    module's doc for ``cancel()``) that is also awaitable in any asyncio loop."""

    # Python's own attribute lookup (Future keeps its state in the instance dict); the promise's
    # JS properties are read by `__getattr__` when that finds nothing (`p.then`), or `p["then"]`.
    __getattribute__ = object.__getattribute__

    def __init__(self, *_proxy_args: Any) -> None:  # pyright: ignore[reportInconsistentConstructor]
        # The native layer makes proxies as cls(conn, id, kind, class_proto, label), which
        # JSRef's constructor took.
        concurrent.futures.Future.__init__(self)  # pyright: ignore[reportUnknownMemberType]
        self.__dict__[_STATE] = RUNNING

    def __getattr__(self, name: str) -> Any:
        return _native.JSRef.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        # Future's own state (underscored names) stays in Python; other names are JS properties.
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            JSObject.__setattr__(self, name, value)

    # Every Future method, and concurrent.futures.wait/as_completed, look at `_state` first:
    # the first look subscribes to the promise, so that its outcome comes.
    @property
    def _state(self) -> str:  # pyright: ignore[reportIncompatibleVariableOverride]
        d = self.__dict__
        if _SUBSCRIBED not in d and d.get(_STATE) == RUNNING:
            settler = _Settler(self)
            # dict.setdefault is atomic: of two threads looking first, one subscribes. Set
            # before the request, so that a settlement arriving during it finds it set.
            if d.setdefault(_SUBSCRIBED, settler) is settler:
                self._napi_conn.subscribe(self, settler)
        return str(d[_STATE])

    @_state.setter
    def _state(self, state: str) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        self.__dict__[_STATE] = state

    def _napi_settle(self, ok: bool, value: Any) -> None:
        with self._condition:
            if self.__dict__[_STATE] == FINISHED:
                return
            if ok:
                self.set_result(value)
            else:
                self.set_exception(value)

    def result(self, timeout: float | None = None) -> _T:
        self._run_js_thread(timeout)
        return concurrent.futures.Future[_T].result(self, timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._run_js_thread(timeout)
        return concurrent.futures.Future[_T].exception(self, timeout)

    def _run_js_thread(self, timeout: float | None) -> None:
        """On the JS thread of a ``js_thread="current"`` host, whose work (this promise's
        settlement among it) runs only when that thread is in the host: runs it while waiting,
        up to ``timeout``, woken by the settlement whichever thread it comes on."""
        conn = self._napi_conn
        if self.done() or not conn.on_js_thread:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        self.add_done_callback(lambda _: conn.wake_js_thread())
        while not self.done():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            conn.run_js_events(left)

    def cancel(self) -> bool:
        """Returns False: the JS work behind a promise cannot be stopped (its promise is a
        running future). To stop waiting, use ``result(timeout)`` or ``asyncio.wait_for``."""
        return False

    def __await__(self) -> Generator[Any, None, _T]:
        # Settled already (quick async work often is): no asyncio future, no loop turn.
        if self.done():
            return self.result()
        # Imported here: asyncio takes a tenth of a second to import, and most programs never
        # await a promise (an awaiting one has imported it already).
        import asyncio

        conn = self._napi_conn
        if not conn.on_js_thread or conn.js_thread_fd is None:
            return (yield from asyncio.wrap_future(self).__await__())
        # The loop runs on the host's JS thread, whose work (this settlement among it) runs only
        # there: the loop watches the descriptor that says work waits, and runs it.
        with _JsThreadWatch(asyncio.get_running_loop(), conn):
            return (yield from asyncio.wrap_future(self).__await__())

    def __repr__(self) -> str:
        d = self.__dict__
        if d.get(_STATE) != FINISHED:
            return "<JSPromise pending>"
        return f"<JSPromise {'rejected' if d.get('_exception') is not None else 'fulfilled'}>"


class _JsThreadWatch:
    """An asyncio loop on a ``js_thread="current"`` host's JS thread runs the host's work while
    it waits: one reader of the host's descriptor per loop and host, however many awaits."""

    _counts: ClassVar[dict[tuple[int, int], int]] = {}

    def __init__(self, loop: Any, conn: Any) -> None:
        self.loop, self.conn, self.fd = loop, conn, conn.js_thread_fd
        self.key = (id(loop), self.fd)

    def __enter__(self) -> None:
        n = self._counts.get(self.key, 0)
        if n == 0:
            self.loop.add_reader(self.fd, self.conn.run_js_events, 0.0)
        self._counts[self.key] = n + 1

    def __exit__(self, *_exc: object) -> None:
        n = self._counts.pop(self.key) - 1
        if n:
            self._counts[self.key] = n
        else:
            self.loop.remove_reader(self.fd)


def _is_awaitable(obj: Any) -> bool:
    """``inspect.isawaitable`` (whose module takes 20 ms to import): a coroutine, a generator
    made a coroutine by ``types.coroutine``, or an object with ``__await__``."""
    if isinstance(obj, (types.CoroutineType, collections.abc.Awaitable)):
        return True
    return isinstance(obj, types.GeneratorType) and bool(obj.gi_code.co_flags & 0x100)  # CO_ITERABLE_COROUTINE


def _awaitable(conn: Any, obj: Any) -> JSPromise[Any] | None:
    """A JS promise that settles when the Python awaitable ``obj`` does (None if ``obj`` is not
    one). Coroutines are scheduled on the running event loop, so they can only be passed from
    inside one; futures of either kind settle it from whatever thread completes them."""
    future: Any
    if isinstance(obj, concurrent.futures.Future):
        future = cast("concurrent.futures.Future[object]", obj)
    elif _is_awaitable(obj):  # asyncio futures and coroutines included
        import asyncio  # imported already by whoever made the awaitable

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise TypeError(
                f"{obj!r} can only be passed to an addon from inside a running asyncio event loop"
            ) from None
        future = asyncio.ensure_future(obj, loop=loop)
    else:
        return None
    promise: JSPromise[Any]
    promise, deferred = conn.new_deferred()

    def settle(done: Any) -> None:
        if done.cancelled():
            import asyncio

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
    """The default for exceptions nothing in the host caught: thrown from an async-work
    completion, a threadsafe-function call, a libuv callback or a finalizer (a Python exception
    raised by a callback there comes back as itself). Such an exception ends node's process; here
    it goes to ``sys.unraisablehook``, which prints it with its traceback, and then ends its host:
    whatever waits on the host (a call, a promise's future) and each later use raises
    ``AddonCrashedError`` with the exception as its ``__cause__``, and an isolated host with a
    restart policy starts again on the next use, as after a crash. Nothing is left waiting for a
    host that will not answer. ``napi_python.set_uncaught_hook(handler)`` takes such exceptions
    instead, as a ``process.on("uncaughtException")`` listener does in node: the host then
    keeps running."""
    _native.write_unraisable(exc)


_hook: Callable[[BaseException], Any] = uncaught_hook


def set_uncaught_hook(hook: Callable[[BaseException], Any] | None) -> None:
    """Installs ``hook`` for uncaught addon exceptions, keeping their hosts running (None
    restores the default, which reports them and ends their hosts: see ``uncaught_hook``)."""
    global _hook
    _hook = hook if hook is not None else uncaught_hook


def _uncaught(exc: BaseException, conn: Any) -> None:
    """Called by the native layer with an exception nothing caught in the host of ``conn``."""
    hook = _hook
    hook(exc)
    if hook is uncaught_hook:
        # A JS error's str() names it already ("TypeError: ...").
        what = str(exc) if isinstance(exc, errors.JSError) else f"{type(exc).__name__}: {exc}"
        message = (
            f"the host was ended by an exception nothing caught, as node ends its process: {what} "
            "(napi_python.set_uncaught_hook installs a handler that keeps hosts running)"
        )
        errors._remember_cause(conn.pid, message, exc)
        conn.close(uncaught=message)
