"""``AddonPool``: the same addon in several hosts, so that calls run in parallel.

One host runs one call at a time, as Node's main thread does; CPU-bound synchronous exports
(hashing, compression, image codecs) therefore scale with hosts, not threads. A pool hands each
call to an idle member, waiting for one when all are busy. A member whose host crashed is
replaced by a fresh one, so the pool keeps its size; the call that met the crash raises it, and
so do the calls that were waiting for that member (they held its objects).

The pool is a ``concurrent.futures.Executor``: ``submit``/``map`` hand the work to the pool's
threads, one per member, each of which takes an idle member per call.

Objects a member returned belong to that member's host: a call that passes one goes to that
member (waiting for it if it is busy), since another host could not use it.
"""

from __future__ import annotations

import concurrent.futures
import functools
import itertools
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import _native
from ..addon import Addon, addon_info, close
from ..errors import AddonClosedError, AddonCrashedError, AddonTimeoutError, StaleObjectError
from ..hosts import file_checks
from ..hosts.host import load_addon

__all__ = ["AddonPool"]

# A unit of work for the pool's threads: a future and what completes it; None tells a thread to end.
_WorkItem = tuple[concurrent.futures.Future[Any], Callable[[], Any]]


class AddonPool(concurrent.futures.Executor):
    """``size`` hosts (default: the number of CPUs) each running the addon at ``path``, loaded
    with ``load_addon``'s options (``isolated``, ``env``, ``timeout``, ``restart``, ``sandbox``).

    ``pool.name(*args)`` calls the export ``name`` on an idle member, on the calling thread.
    ``submit(name, *args)`` and ``map(name, *iterables)`` do it on the pool's threads (``name``
    may also be any callable, such as ``pool.name``, run as a ``ThreadPoolExecutor`` would).
    ``shutdown()`` (or leaving a ``with`` block) runs what was submitted, then closes every
    member; ``close()`` cancels what has not started instead.

    A pool pickles as what makes it again (the path, size and options).
    """

    def __init__(self, path: str | os.PathLike[str], size: int | None = None, **options: Any) -> None:
        if "host" in options:
            raise TypeError("an AddonPool makes its own hosts; it takes no host=")
        size = (os.cpu_count() or 1) if size is None else size
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self._path = file_checks.checked(path)
        self._options = options
        self._closed = False
        self._shutdown = False
        self._lock = threading.Lock()
        # The executor's threads, started on the first submit; they close the members when the
        # last of them ends after a shutdown.
        self._work: queue.SimpleQueue[_WorkItem | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._running_threads = 0
        # What the threads hold of the pool: a pool dropped without shutdown() ends them.
        self._ref = weakref.ref(self, functools.partial(_end_threads, self._work, self._threads))
        self._members: list[Addon] = []
        try:
            for _ in range(size):
                self._members.append(load_addon(self._path, **options))
        except BaseException:
            self.close()
            raise
        # Indices of idle members; each call takes one and puts it back.
        self._idle: queue.SimpleQueue[int] = queue.SimpleQueue()
        # Per member, held while a call runs on it (a call routed to a busy member waits here).
        self._busy = [threading.Lock() for _ in self._members]
        for i in range(size):
            self._idle.put(i)
        self._names = frozenset(dir(self._members[0]))
        self._exports: dict[str, Callable[..., Any]] = {}

    @property
    def size(self) -> int:
        return len(self._members)

    @property
    def pids(self) -> list[int]:
        """The members' process ids."""
        return [addon_info(m).pid for m in self._members]

    def __dir__(self) -> list[str]:
        return sorted(self._names)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"addon {os.path.basename(self._path)} has no export {name!r}")
        found = self._exports.get(name)
        if found is not None:
            return found

        def export(*args: Any) -> Any:
            return self._call(name, args)

        export.__name__ = export.__qualname__ = name
        self._exports[name] = export
        return export

    # --- calls on members -------------------------------------------------------------------

    def _owner(self, args: tuple[Any, ...]) -> tuple[int, Addon] | None:
        """The member whose host holds a JS object among ``args``, if any."""
        for a in args:
            conn = getattr(a, "_napi_conn", None)
            if isinstance(conn, _native.Connection):
                for i, m in enumerate(self._members):
                    if m._napi_conn is conn:
                        return i, m
                if not conn.alive:
                    raise StaleObjectError(f"{a!r} belonged to a member of {self!r} whose host died")
        return None

    def _call(self, name: str, args: tuple[Any, ...]) -> Any:
        if self._closed:
            raise AddonClosedError("the pool was closed")
        owner = self._owner(args)
        i = self._idle.get() if owner is None else owner[0]
        try:
            with self._busy[i]:
                if self._closed:
                    raise AddonClosedError("the pool was closed")
                member = self._members[i]
                if owner is not None and owner[1] is not member:
                    raise AddonCrashedError(
                        f"the member of {self!r} that held this call's objects crashed while the call waited for it"
                    )
                try:
                    return member[name](*args)
                except (AddonCrashedError, AddonTimeoutError):
                    self._replace(i, member)
                    raise
        finally:
            if owner is None:
                self._idle.put(i)

    def _replace(self, i: int, dead: Addon) -> None:
        """A fresh member in place of one whose host died (unless the pool is closing)."""
        with self._lock:
            if self._closed or self._members[i] is not dead:
                return
            close(dead)
            self._members[i] = load_addon(self._path, **self._options)

    # --- the Executor -----------------------------------------------------------------------

    def submit(self, fn: str | Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Runs the export named ``fn`` with ``args`` on an idle member (or calls ``fn(*args,
        **kwargs)`` when it is a callable) on one of the pool's threads; answers its future."""
        return self._schedule(functools.partial(self._target(fn), *args, **kwargs))

    def map(
        self,
        fn: str | Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
        progress: bool = False,
    ) -> Iterator[Any]:
        """Like ``Executor.map``: ``fn`` over the items of ``iterables`` in parallel, the results
        in the items' order; an item's exception is raised when its result is reached.

        ``chunksize`` items go to a pool thread as one piece of work (fewer hand-overs for many
        small calls). ``progress=True`` shows a ``tqdm`` progress bar of the items done."""
        if chunksize < 1:
            raise ValueError(f"chunksize must be at least 1, not {chunksize}")
        target = self._target(fn)
        chunks = _chunks(zip(*iterables, strict=False), chunksize)
        bar = _progress_bar() if progress else None
        # The pool's threads complete chunks at once: their updates of the bar take turns.
        bar_lock = threading.Lock()
        futures: list[concurrent.futures.Future[Any]] = []
        for chunk in chunks:
            f = self._schedule(functools.partial(_run_chunk, target, chunk))
            if bar is not None:
                with bar_lock:
                    bar.total += len(chunk)
                f.add_done_callback(functools.partial(_advance, bar, bar_lock, len(chunk)))
            futures.append(f)
        return _results(futures, timeout, bar)

    def _target(self, fn: str | Callable[..., Any]) -> Callable[..., Any]:
        if isinstance(fn, str):
            target: Callable[..., Any] = getattr(self, fn)
            return target
        if not callable(fn):
            raise TypeError(f"fn must be an export's name or a callable, not {type(fn).__name__}")
        return fn

    def _schedule(self, run: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._shutdown or self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if len(self._threads) < len(self._members):
                t = threading.Thread(
                    target=_serve, args=(self._ref, self._work), name=f"AddonPool-{len(self._threads)}", daemon=True
                )
                self._threads.append(t)
                self._running_threads += 1
                t.start()
            self._work.put((future, run))
        return future

    def _thread_ended(self) -> None:
        with self._lock:
            self._running_threads -= 1
            last = self._running_threads == 0
        if last:
            self._close_members()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more work is taken; with ``cancel_futures`` what has not started is cancelled.
        The members close when the work taken is done (``wait``: this call waits for that)."""
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
            if cancel_futures:
                while True:
                    try:
                        item = self._work.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            for _ in threads:
                self._work.put(None)
        if not threads:
            self._close_members()
        elif wait:
            for t in threads:
                if t is not threading.current_thread():
                    t.join()

    def close(self) -> None:
        """Cancels the work not started, waits for the calls running, and closes every member.
        Idempotent."""
        self.shutdown(wait=True, cancel_futures=True)
        self._close_members()

    def _close_members(self) -> None:
        with self._lock:
            self._shutdown = self._closed = True
            members, self._members = self._members, []
        for m in members:
            close(m)

    def __enter__(self) -> AddonPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True)

    def __reduce__(self) -> tuple[Callable[..., AddonPool], tuple[str, int]]:
        return functools.partial(AddonPool, **self._options), (self._path, len(self._busy))

    def __repr__(self) -> str:
        state = " (closed)" if self._closed else ""
        return f"<AddonPool {os.path.basename(self._path)} size={len(self._busy)}{state}>"


def _serve(pool: weakref.ref[AddonPool], work: queue.SimpleQueue[_WorkItem | None]) -> None:
    """A pool thread: runs work until told to end; the last to end after a shutdown closes the
    members."""
    while (item := work.get()) is not None:
        future, run = item
        if future.set_running_or_notify_cancel():
            try:
                result = run()
            except BaseException as e:
                future.set_exception(e)
            else:
                future.set_result(result)
        # Nothing of the work stays referenced while the thread waits for more.
        del item, future, run
    alive = pool()
    if alive is not None:
        alive._thread_ended()


def _end_threads(work: queue.SimpleQueue[_WorkItem | None], threads: list[threading.Thread], _: object) -> None:
    for _t in threads:
        work.put(None)


def _chunks(items: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _run_chunk(fn: Callable[..., Any], chunk: list[tuple[Any, ...]]) -> list[Any]:
    return [fn(*args) for args in chunk]


def _results(futures: list[concurrent.futures.Future[Any]], timeout: float | None, bar: Any) -> Iterator[Any]:
    """Each chunk's results in order; what has not started is cancelled if the caller stops early
    (as ``Executor.map`` does)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        futures.reverse()  # popped from the end, so that a result is not held once yielded
        while futures:
            f = futures.pop()
            yield from f.result(None if deadline is None else deadline - time.monotonic())
    finally:
        for f in futures:
            f.cancel()
        if bar is not None:
            bar.close()


def _progress_bar() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("map(..., progress=True) shows its progress with tqdm: pip install tqdm") from None
    return tqdm(total=0, unit="call")


def _advance(bar: Any, lock: threading.Lock, n: int, future: concurrent.futures.Future[Any]) -> None:
    if not future.cancelled():
        with lock:
            bar.update(n)
