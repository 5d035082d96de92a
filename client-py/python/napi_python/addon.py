"""Loading an addon into a host and using its exports."""

from __future__ import annotations

import atexit
import collections
import logging
import os
import shutil
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Mapping, Tuple

from . import _native, errors
from .errors import (
    AddonClosedError,
    AddonCrashedError,
    AddonError,
    AddonLoadError,
    AddonRestartLimitError,
    SandboxUnavailableError,
    StaleObjectError,
)
from .proxy import JSFunction
from .sandbox import RestartPolicy, Sandbox

__all__ = ["Addon", "load_addon", "hostd_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent

# The host's stdout (INFO) and stderr (WARNING) arrive here, one record per line.
_host_log = logging.getLogger("napi_python.host")

# A started host: its connection, the exports, their members by name, and the module's
# registration facts ({"version": 8, "registration": "napi_register_module_v1"}).
_Started = Tuple[_native.Connection, Any, "dict[str, Any]", "dict[str, Any]"]


def hostd_path() -> str:
    """Where the ``napi-hostd`` binary is: ``$NAPI_HOSTD``, else the one installed with this
    package, else the first on ``PATH``."""
    explicit = os.environ.get("NAPI_HOSTD")
    if explicit:
        return explicit
    bundled = _PACKAGE_DIR / "bin" / "napi-hostd"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("napi-hostd")
    if found:
        return found
    raise AddonLoadError(
        f"napi-hostd not found: looked in $NAPI_HOSTD, {bundled} and PATH (run the project's setup script)"
    )


class Addon:
    """A loaded addon: its exports as attributes.

    The exports are read once, when it loads. Close it with ``close()`` or use it as a context
    manager; its host process ends then. With a restart policy, an addon whose host died is
    loaded again in a fresh host on the next use of an export; objects from the old host raise
    ``StaleObjectError``.
    """

    def __init__(
        self,
        path: str,
        conn: _native.Connection,
        exports: Any,
        members: dict[str, Any],
        module: dict[str, Any],
        *,
        start: Callable[[], _Started] | None = None,
        restart: RestartPolicy | None = None,
    ) -> None:
        self._path = path
        self._start = start
        self._policy = restart
        self._restarts: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        # Set when the host died: the exports are gone from the instance dict, so the next
        # attribute read reaches __getattr__, which restarts.
        self._down = False
        self._closed = False
        self._gave_up: AddonError | None = None
        self._module = module
        self._adopt(conn, exports, members)

    def _adopt(self, conn: _native.Connection, exports: Any, members: dict[str, Any]) -> None:
        self._conn = conn
        self._exports = exports
        self._members = members
        # Exports live in the instance dict, so `addon.f` is a plain attribute read (it is on
        # every call's path). Names the class itself uses (`close`, `pid`...) stay the class's;
        # `addon["close"]` reaches such an export.
        for name, value in members.items():
            if not hasattr(type(self), name) and not name.startswith("_"):
                self.__dict__[name] = value
        if self._policy is not None:
            _supervised[conn.pid] = weakref.ref(self)

    def _host_died(self, pid: int) -> None:
        """Called (from the exception hook) when a call found host ``pid`` dead."""
        with self._lock:
            if self._down or self._closed or self._conn.pid != pid:
                return
            self._down = True
            for name in self._members:
                self.__dict__.pop(name, None)

    def _revive(self) -> None:
        """Restarts the host if it died and the policy allows it; raises otherwise."""
        with self._lock:
            if self._closed:
                raise AddonClosedError("the addon was closed")
            if not self._down:
                return
            if self._gave_up is not None:
                raise self._gave_up
            policy, start = self._policy, self._start
            assert policy is not None and start is not None
            now = time.monotonic()
            while self._restarts and now - self._restarts[0] > policy.period:
                self._restarts.popleft()
            old = self._conn.pid
            if len(self._restarts) >= policy.max_restarts:
                self._gave_up = AddonRestartLimitError(
                    f"{os.path.basename(self._path)}: napi-hostd died again after {len(self._restarts)} restarts "
                    f"within {policy.period:g} s; not restarting it any more",
                    pid=old,
                )
                _supervised.pop(old, None)
                raise self._gave_up
            self._restarts.append(now)
            conn, exports, members, _ = start()
            _supervised.pop(old, None)
            _superseded[old] = conn.pid
            self._down = False
            self._adopt(conn, exports, members)

    @property
    def path(self) -> str:
        return self._path

    @property
    def napi_version(self) -> int:
        """The Node-API version the module runs as: what its
        ``node_api_module_get_api_version_v1`` declares, or 8 when it exports none (as in Node)."""
        return int(self._module["version"])

    @property
    def registration(self) -> str:
        """How the module registered: ``"napi_register_module_v1"`` (an exported function) or
        ``"napi_module_register"`` (the legacy call from a library constructor)."""
        return str(self._module["registration"])

    @property
    def pid(self) -> int:
        """The host's process id."""
        return self._conn.pid

    @property
    def protections(self) -> list[str]:
        """The protections the host reported as in force (see ``Sandbox``)."""
        return self._conn.protections

    @property
    def exports(self) -> Any:
        """The exports value itself (a ``JSObject``, or whatever the module's init returned)."""
        if self._down:
            self._revive()
        return self._exports

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"addon {os.path.basename(self._path)} has no export {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        """The export ``name``, also when it is shadowed by an attribute of ``Addon``."""
        if self._down:
            self._revive()
        if name in self._members:
            return self._members[name]
        exports = self._exports
        if isinstance(exports, _native.JSRef) and self._conn.has(exports, name):
            return self._conn.get(exports, name)
        raise KeyError(name)

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __call__(self, *args: Any) -> Any:
        exports = self.exports
        if isinstance(exports, JSFunction):
            return exports(*args)
        raise TypeError(f"the exports of {os.path.basename(self._path)} are not a function")

    def close(self) -> None:
        """Ends the host, letting the addon run its cleanup hooks. Idempotent."""
        with self._lock:
            self._closed = True
            _supervised.pop(self._conn.pid, None)
        self._conn.close()

    def __enter__(self) -> "Addon":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "" if self._conn.alive else " (closed)" if self._closed else " (down)"
        return f"<Addon {os.path.basename(self._path)} pid={self.pid}{state}>"


# Hosts whose Addon restarts them, by pid; and hosts replaced by a restart (old pid -> new).
_supervised: dict[int, "weakref.ref[Addon]"] = {}
_superseded: dict[int, int] = {}


def _on_host_death(pid: int) -> AddonError | None:
    """The exception hook's listener: objects of a replaced host are stale; a supervised
    addon learns that its host died (so that its next call restarts it)."""
    new = _superseded.get(pid)
    if new is not None:
        return StaleObjectError(f"this object belonged to napi-hostd pid {pid}, which died; the addon now runs in pid {new}")
    ref = _supervised.get(pid)
    addon = ref() if ref is not None else None
    if addon is not None:
        addon._host_died(pid)
    return None


errors._death_listener = _on_host_death


# The output forwarder of each host, with its connection: ended before the interpreter finalizes.
_forwarders: "list[tuple[threading.Thread, weakref.ref[_native.Connection]]]" = []


@atexit.register
def _close_at_exit() -> None:
    """Closes the hosts still open and waits for their forwarders, before Python finalizes.

    A thread that wakes from native code while the interpreter finalizes is ended by
    CPython with pthread_exit, whose unwinding aborts the process when it meets Rust frames
    (a forwarder returning from `read_output`, the event dispatcher running a callback). Closed
    first, the hosts' output ends, so each forwarder returns to Python and finishes, and each
    dispatcher, finding its event socket closed, stops before calling Python again. The hosts
    would end at exit anyway; this way their cleanup hooks run, as in Node at exit.
    """
    for thread, conn_ref in _forwarders:
        conn = conn_ref()
        if conn is not None:
            conn.close(1.0)
        del conn
    for thread, _ in _forwarders:
        thread.join(2.0)


def _forward_output(conn_ref: "weakref.ref[_native.Connection]", pid: int) -> None:
    """Sends the host's output lines to logging until its stdout and stderr end."""
    while True:
        conn = conn_ref()
        if conn is None:
            return
        lines = conn.read_output(0.5)
        del conn
        if lines is None:
            return
        for stream, line in lines:
            level = logging.INFO if stream == "stdout" else logging.WARNING
            _host_log.log(level, "napi-hostd %d %s: %s", pid, stream, line)


def _start(path: str, env: Mapping[str, str] | None, timeout: float | None, sandbox: Sandbox | None) -> _Started:
    """Spawns a host, checks its protections, loads the addon; answers the connection, the
    exports and the members."""
    args = sandbox.host_args(path) if sandbox is not None else []
    try:
        conn = _native.Connection.spawn(hostd_path(), dict(env) if env else None, args, timeout)
    except AddonCrashedError as e:
        if sandbox is not None:
            raise SandboxUnavailableError(f"napi-hostd could not set up the sandbox: {e}") from e
        raise AddonLoadError(f"napi-hostd did not start: {e}") from e
    forwarder = threading.Thread(
        target=_forward_output, args=(weakref.ref(conn), conn.pid), name=f"napi-hostd-{conn.pid}-output", daemon=True
    )
    forwarder.start()
    _forwarders[:] = [(t, r) for t, r in _forwarders if t.is_alive()] + [(forwarder, weakref.ref(conn))]
    try:
        if sandbox is not None:
            missing = [p for p in sandbox.required() if p not in conn.protections]
            if missing:
                raise SandboxUnavailableError(
                    f"napi-hostd could not put in force: {', '.join(missing)} (in force: {', '.join(conn.protections)})",
                    missing,
                )
        exports, members, module = conn.load(path)
    except AddonLoadError:
        conn.close()
        raise
    except AddonCrashedError as e:
        conn.close()
        raise AddonLoadError(f"the host crashed while loading {path}: {e}") from e
    except BaseException:
        conn.close()
        raise
    return conn, exports, members, module


def load_addon(
    path: "str | os.PathLike[str]",
    *,
    isolated: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    restart: "bool | RestartPolicy" = True,
    sandbox: "bool | Sandbox | None" = None,
) -> Addon:
    """Loads the Node-API addon at ``path`` and returns its exports as an ``Addon``.

    ``isolated=True`` (the default) runs it in its own ``napi-hostd`` process, so a crash in the
    addon raises ``AddonCrashedError`` instead of killing Python. ``env`` adds environment
    variables for that process. ``timeout``: seconds any call may wait for the host; past it the
    host is killed and the call raises ``AddonTimeoutError``. ``restart``: after the host dies,
    reload the addon on the next call (``RestartPolicy()``, the default, allows 3 restarts within
    5 s; ``False`` never restarts). ``sandbox``: ``True`` or a ``Sandbox`` confines the host.
    """
    if not isolated:
        raise NotImplementedError("in-process mode (isolated=False) is not available yet; use isolated=True")
    p = os.path.abspath(os.fspath(path))
    if not os.path.exists(p):
        raise AddonLoadError(f"no such file: {p}")
    if not os.path.isfile(p):
        raise AddonLoadError(f"not a file: {p}")
    box = Sandbox() if sandbox is True else sandbox or None
    policy = RestartPolicy() if restart is True else restart or None

    def start() -> _Started:
        return _start(p, env, timeout, box)

    conn, exports, members, module = start()
    return Addon(p, conn, exports, members, module, start=start, restart=policy)
