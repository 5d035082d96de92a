"""``AddonPool``: the same addon in several hosts, so that calls from many Python threads run in
parallel (issue 7).

One host runs one call at a time, as Node's main thread does; CPU-bound synchronous exports
(hashing, compression, image codecs) therefore scale with hosts, not threads. A pool hands each
call to an idle member, waiting for one when all are busy. A member whose host crashed is
replaced by a fresh one, so the pool keeps its size; the call that met the crash raises it.

Objects a member returned belong to that member's host: a call that passes one goes to that
member (waiting for it if it is busy), since another host could not use it.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any, Callable

from . import _native
from .addon import Addon
from .errors import AddonClosedError, AddonCrashedError, AddonTimeoutError
from .host import _addon_file, load_addon

__all__ = ["AddonPool"]


class AddonPool:
    """``size`` hosts (default: the number of CPUs) each running the addon at ``path``, loaded
    with ``load_addon``'s options (``env``, ``timeout``, ``restart``, ``sandbox``).

    ``pool.name(*args)`` calls the export ``name`` on an idle member. ``close()`` (or leaving a
    ``with`` block) closes every member.
    """

    def __init__(self, path: str | os.PathLike[str], size: int | None = None, **options: Any) -> None:
        if "host" in options:
            raise TypeError("an AddonPool makes its own hosts; it takes no host=")
        size = (os.cpu_count() or 1) if size is None else size
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self._path = _addon_file(path)
        self._options = options
        self._closed = False
        self._lock = threading.Lock()
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
        return [m.pid for m in self._members]

    def __dir__(self) -> list[str]:
        return sorted(self._names)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"addon {os.path.basename(self._path)} has no export {name!r}")
        export = self._exports.get(name)
        if export is None:

            def export(*args: Any) -> Any:
                return self._call(name, args)

            export.__name__ = export.__qualname__ = name
            self._exports[name] = export
        return export

    def _owner(self, args: tuple[Any, ...]) -> int | None:
        """The member whose host holds a JS object among ``args``, if any."""
        for a in args:
            conn = getattr(a, "_conn", None)
            if isinstance(conn, _native.Connection):
                for i, m in enumerate(self._members):
                    if m._conn is conn:
                        return i
        return None

    def _call(self, name: str, args: tuple[Any, ...]) -> Any:
        if self._closed:
            raise AddonClosedError("the pool was closed")
        owner = self._owner(args)
        i = self._idle.get() if owner is None else owner
        try:
            with self._busy[i]:
                member = self._members[i]
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
            dead.close()
            self._members[i] = load_addon(self._path, **self._options)

    def close(self) -> None:
        """Closes every member. Idempotent."""
        with self._lock:
            self._closed = True
            members, self._members = self._members, []
        for m in members:
            m.close()

    def __enter__(self) -> AddonPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " (closed)" if self._closed else ""
        return f"<AddonPool {os.path.basename(self._path)} size={len(self._members)}{state}>"
