"""A ``napi-hostd`` process and the addons loaded into it.

A ``Host`` is one process with one JavaScript heap. Every addon loaded into it gets its own
``napi_env`` (instance data, cleanup hooks, module version), as Node gives each addon, while
objects move freely between them: what one addon returns can be passed to another and arrives
as the same JS value. ``load_addon(path)`` without ``host=`` makes a host of its own for the addon.

The host supervises its process: after a crash, the next use of an export starts a fresh process
and loads every addon again in its original order (``RestartPolicy``).
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from .. import _native, cycles, fork_hooks
from ..addon import Addon
from ..errors import AddonClosedError, AddonCrashedError, AddonInitError, AddonLoadError, SandboxUnavailableError
from . import file_checks, loading, output_forwarding, supervision
from .hostd_program import hostd_path
from .loading import Setup
from .options import HostOptions
from .sandbox import RestartPolicy, Sandbox

__all__ = ["Host", "load_addon", "hostd_path"]


class Host:
    """One ``napi-hostd`` process; the addons loaded into it share its JavaScript heap.

    ``isolated=False`` runs the same host on a thread of this process instead: the same
    behaviour, no process, but a crash in an addon ends Python, and ``env``, ``timeout``,
    ``restart`` and ``sandbox`` are refused (``ValueError``).

    ``env`` adds environment variables for the process. ``timeout``: seconds any call may wait
    for it; past that the process is killed and the call raises ``AddonTimeoutError``.
    ``restart``: after the process died, the next use of an export starts a new one and loads
    every addon again, in load order (``RestartPolicy()``, the default, allows 3 restarts within
    5 s; ``False`` never restarts). ``sandbox``: ``True`` or a ``Sandbox`` confines it (on Linux;
    elsewhere ``SandboxUnavailableError`` before the process starts, see ``Sandbox``); a
    confined host reads only the directories in ``Sandbox(read=...)`` (and the system
    libraries), so the addons must live beneath them. ``output``: where the process's stdout
    and stderr go, line by line: ``"stdio"`` (the default) writes them to ``sys.stdout`` and
    ``sys.stderr``, as an in-process host's output goes; ``"logging"`` logs them to the logger
    ``napi_python.host`` (stdout at INFO, stderr at WARNING). ``distinct_nulls``: JS ``undefined``
    and ``null`` arrive as ``js.undefined`` and ``js.null`` instead of both as ``None``. ``close()`` (or leaving a ``with`` block)
    tears the addons down newest first: each addon's cleanup hooks, finalizers and instance
    data, then the next.

    ``js_thread`` (in-process only): which thread runs the host's JavaScript. ``"host"`` (the
    default), a thread of the host's own: a library with thread-local storage (every Rust addon)
    has every call relayed to it. ``"current"``, the thread that makes the host, as Node's one
    JS thread: its calls run directly, Rust addons too; what else runs JS (threadsafe-function
    calls, async work's completions, timers, promise settlements, other threads' calls, which go
    by message) waits until that thread is inside a call of the host's, ``run_events`` or a
    ``JSPromise``'s ``result()``/``exception()``, and runs there (see docs/python-api.md).
    """

    def __init__(
        self,
        *,
        isolated: bool = True,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        restart: bool | RestartPolicy = True,
        sandbox: bool | Sandbox | None = None,
        output: str = "stdio",
        distinct_nulls: bool = False,
        js_thread: str = "host",
    ) -> None:
        options = HostOptions(isolated, env, timeout, restart, sandbox, output, distinct_nulls, js_thread)
        self._setup(options, readable=[])

    @classmethod
    def _for_addon(cls, path: str, options: HostOptions) -> Host:
        """The host ``load_addon(path)`` makes for one addon: its sandbox may read the addon's
        own directory."""
        host = cls.__new__(cls)
        host._setup(options, readable=[os.path.dirname(path)])
        return host

    def _setup(self, options: HostOptions, readable: list[str]) -> None:
        self._sandbox = options.checked_sandbox()
        restart = options.restart if options.isolated else False
        self._isolated = options.isolated
        self._env = dict(options.env) if options.env else None
        self._timeout = options.timeout
        self._readable = readable
        self._output = options.output
        self._distinct_nulls = options.distinct_nulls
        self._js_thread = options.js_thread
        # Set once the running process's output was all forwarded (None in-process).
        self._output_done: threading.Event | None = None
        self._policy = RestartPolicy() if restart is True else restart or None
        self._restarts = supervision.Restarts(self._policy) if self._policy is not None else None
        # Reentrant: a crash noticed while this thread loads an addon reaches _host_died.
        self._lock = threading.RLock()
        self._down = False
        self._closed = False
        # Set in a forked child: the parent's process is not this one's to use (see
        # `_after_fork_in_child`); the next use of an export loads the addons again.
        self._forked = False
        # Every addon loaded, in order, with its handle: weak, as each Addon holds its host and a
        # cycle would keep the process running until Python's cycle collector ran. A restart
        # loads each path again, handle or not, to rebuild the same heap.
        self._loaded: list[tuple[str, weakref.ref[Addon]]] = []
        self._conn = self._spawn()
        # Only a host that started is closed at exit.
        _open_hosts[next(_host_numbers)] = self
        self._supervise()
        cycles.start()

    def _spawn(self) -> _native.Connection:
        """Starts a process and checks that the sandbox asked for is in force; or, in-process,
        a host thread."""
        if not self._isolated:
            try:
                conn = _native.Connection.start_in_process(self._js_thread == "current")
            except AddonCrashedError as e:
                raise AddonLoadError(f"the in-process host did not start: {e}") from e
            conn.set_distinct_nulls(self._distinct_nulls)
            return conn
        box = self._sandbox
        args = box.host_args(self._readable) if box is not None else []
        hostd = hostd_path()
        try:
            conn = _native.Connection.spawn(hostd, self._env, args, self._timeout)
        except OSError as e:
            # Not a program this machine runs (a broken or foreign binary), or vanished meanwhile.
            raise AddonLoadError(f"napi-hostd {hostd} could not be run: {e}") from e
        except AddonCrashedError as e:
            if box is not None:
                raise SandboxUnavailableError(f"napi-hostd could not set up the sandbox: {e}") from e
            raise AddonLoadError(f"napi-hostd {hostd} did not start: {e}") from e
        supervision.started(conn.pid)
        conn.set_distinct_nulls(self._distinct_nulls)
        self._output_done = output_forwarding.forward(conn, self._output)
        if box is not None:
            missing = [p for p in box.required() if p not in conn.protections]
            if missing:
                conn.close()
                raise SandboxUnavailableError(
                    f"napi-hostd could not put in force: {', '.join(missing)} (in force: {', '.join(conn.protections)})",
                    missing,
                )
        return conn

    def _supervise(self) -> None:
        if self._policy is not None:
            supervision.supervise(self._conn.pid, self)

    def load(self, path: str | os.PathLike[str], *, setup: Setup | None = None) -> Addon:
        """Loads the addon at ``path`` into this host, with an env of its own. ``setup(addon)``
        runs before it is returned and again whenever a restart loads it again (see
        ``load_addon``).

        Raises ``AddonLoadError`` when it cannot be loaded (the host and its other addons go
        on), ``AddonInitError`` when its init function threw, ``AddonSetupError`` when
        ``setup`` raised (this handle is then closed).
        """
        return self._load(file_checks.checked(path), setup=setup)

    def _load(self, path: str, owns_host: bool = False, setup: Setup | None = None) -> Addon:
        if setup is not None and not callable(setup):
            raise TypeError(f"setup must be a callable that takes the addon, not {type(setup).__name__}")
        with self._lock:
            if self._closed:
                raise AddonClosedError("the host was closed")
            self._check_readable(path)
            if self._down:
                self._revive()
            exports, members, module = loading.load_into(self._conn, path)
            options = self._load_options() if setup is None else {**self._load_options(), "setup": setup}
            recipe = functools.partial(load_addon, path, **options)
            addon = Addon(self, path, exports, members, module, recipe=recipe, owns_host=owns_host, setup=setup)
            self._loaded.append((path, weakref.ref(addon)))
        if setup is not None:
            try:
                loading.set_up(addon, setup, "loading it")
            except BaseException:
                addon._napi_close()
                raise
        return addon

    def _load_options(self) -> dict[str, Any]:
        """The ``load_addon`` options that make a host like this one (for an addon's recipe: an
        addon of a shared host travels alone, into a host of its own)."""
        if not self._isolated:
            return {"isolated": False, "distinct_nulls": self._distinct_nulls, "js_thread": self._js_thread}
        return {
            "env": self._env,
            "timeout": self._timeout,
            "restart": self._policy or False,
            "sandbox": self._sandbox,
            "output": self._output,
            "distinct_nulls": self._distinct_nulls,
        }

    def __reduce__(self) -> Any:
        raise TypeError(
            "a Host is a process of this machine and cannot be pickled: pickle its addons instead "
            "(an Addon pickles as what loads it again, into a host of the receiver's own)"
        )

    def _check_readable(self, path: str) -> None:
        box = self._sandbox
        if box is None or not box.confine:
            return
        allowed = [*self._readable, *box.read]
        if not any(file_checks.beneath(path, d) for d in allowed):
            raise AddonLoadError(
                f"{path} is outside what this host's sandbox may read ({', '.join(allowed) or 'nothing'}): "
                "add its directory to Sandbox(read=...)"
            )

    def _host_died(self, pid: int) -> None:
        """Called (from the exception hook) when a call found process ``pid`` dead: every addon
        drops its exports, so that the next use of one reaches ``_revive``."""
        with self._lock:
            if self._down or self._closed or self._conn.pid != pid:
                return
            self._down = True
            for addon in self.addons:
                addon._napi_drop_exports()

    def _revive(self) -> None:
        """Starts a new process and loads every addon again, in order, if the host died and the
        policy allows it; raises otherwise."""
        with self._lock:
            if self._closed:
                raise AddonClosedError("the host was closed")
            if not self._down:
                return
            old = self._conn.pid
            if not self._forked:
                self._count_restart(old)
            conn = self._spawn()
            try:
                reloaded = [(ref, loading.load_into(conn, path)) for path, ref in self._loaded]
            except BaseException:
                conn.close()
                raise
            supervision.replaced(old, conn.pid)
            self._conn = conn
            self._down = False
            self._forked = False
            self._supervise()
            addons: list[Addon] = []
            for ref, (exports, members, _) in reloaded:
                addon = ref()
                if addon is not None:
                    addon._napi_adopt(exports, members)
                    addons.append(addon)
            self._set_up_again(addons)
            for addon in addons:
                addon._napi_publish()

    def _set_up_again(self, addons: list[Addon]) -> None:
        """Runs each reloaded addon's setup, in load order, before any call but the setups' own
        (the others wait for this host's lock); a setup that fails leaves the host down."""
        try:
            for addon in addons:
                if addon._napi_setup is not None:
                    loading.set_up(addon, addon._napi_setup, "a restart loaded it again")
        except BaseException:
            supervision.release(self._conn.pid)
            self._down = True
            self._conn.close(0)
            raise

    def _count_restart(self, old: int) -> None:
        """Counts a restart after a crash of process ``old``, or raises when the policy allows
        no more."""
        assert self._restarts is not None, "only supervised hosts go down"
        self._restarts.count(old, self._names())

    def _after_fork_in_child(self) -> None:
        """In a forked child: the host process is the parent's, and so are the objects of it.
        An isolated host loads its addons again in a process of the child's own on the next use
        of an export (whatever its restart policy: the parent's host did not crash); the old
        proxies raise ``StaleObjectError``. An in-process host's thread does not exist in the
        child: its calls raise ``StaleObjectError`` saying so."""
        # A lock held by a thread of the parent stays held here, where that thread does not run.
        self._lock = threading.RLock()
        if not self._isolated or self._closed:
            return
        supervision.release(self._conn.pid)
        self._forked = True
        self._down = True
        for addon in self.addons:
            addon._napi_drop_exports()

    def _napi_live_conn(self) -> _native.Connection:
        """The connection `js` helpers given this host use, the process restarted first if it
        died (as the next use of an export would)."""
        self._revive()
        return self._conn

    @property
    def isolated(self) -> bool:
        """False for a host that runs on a thread of this process."""
        return self._isolated

    @property
    def direct_calls(self) -> bool:
        """True while calls may run on the calling thread instead of the host's: an in-process
        host none of whose addons has thread-local storage (such an addon may tell threads apart,
        as napi-rs addons do), or, on its JS thread, a ``js_thread="current"`` host. A call runs
        directly when no other runs at that moment."""
        return self._conn.direct_calls

    def run_events(self, timeout: float | None = 0.0) -> None:
        """On the JS thread of a ``js_thread="current"`` host: runs what waits for that thread
        (threadsafe-function calls, completions, due timers, other threads' calls), first
        waiting up to ``timeout`` seconds (``None``: until something comes) if nothing does.
        Anywhere else, returns at once: the host's own thread runs those."""
        self._conn.run_js_events(timeout)

    @property
    def pid(self) -> int:
        """The process id of the host: this process's for an in-process host."""
        return self._conn.pid

    @property
    def protections(self) -> list[str]:
        """The protections the host reported as in force (see ``Sandbox``)."""
        return self._conn.protections

    @property
    def addons(self) -> list[Addon]:
        """The addons loaded into this host whose handles are alive, in load order."""
        return [a for a in (ref() for _, ref in self._loaded) if a is not None]

    @property
    def alive(self) -> bool:
        """False once the process has died or the host was closed."""
        return self._conn.alive

    def collect_cycles(self) -> cycles.CyclesCollected:
        """Collects the cycles that pass through Python (a callable given to a JS object that
        refers to that object's proxy), then everything else the host no longer references, and
        runs the finalizers that came due. napi_python runs this for every open host after each
        of Python's full collections (``gc.collect()``, or the collector's own), on a thread of
        its own; call it to collect at a moment of your choosing. Raises ``AddonClosedError``
        once the host is closed."""
        with self._lock:
            if self._closed:
                raise AddonClosedError("the host was closed")
            if self._down:
                return cycles.CyclesCollected(0, 0, 0)
            conn = self._conn
        proxies, python, freed = conn.collect_cycles()
        return cycles.CyclesCollected(int(proxies), int(python), int(freed))

    def _collect_cycles_quietly(self) -> int:
        """``collect_cycles`` for the collector thread, answering how many Python objects the
        host let go of: a host that holds no Python object has no such cycle, and one closed,
        down or crashing meanwhile is not its business."""
        if self._closed or self._down or self._forked or not self._conn.alive or not self._conn.exported_count:
            return 0
        try:
            return int(self._conn.collect_cycles()[1])
        except Exception:  # the host's end is reported to whoever uses it next
            return 0

    def close(self) -> None:
        """Ends the host: each addon's cleanup hooks, finalizers and instance data run, the last
        loaded addon first. Idempotent."""
        self._close(CLOSE_GRACE)

    def _close(self, grace: float) -> None:
        """`close`, killing a process still tearing down after `grace` seconds."""
        with self._lock:
            self._closed = True
            supervision.release(self._conn.pid)
        started = time.monotonic()
        self._conn.close(grace)
        # The process's last output reaches sys.stdout (or logging) before close returns.
        done = self._output_done
        if done is not None and not output_forwarding.forwarding_here():
            done.wait(max(0.0, grace - (time.monotonic() - started)))

    def __enter__(self) -> Host:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _names(self) -> str:
        return ", ".join(os.path.basename(p) for p, _ in self._loaded) or "(no addons)"

    def __repr__(self) -> str:
        state = "" if self._conn.alive else " (closed)" if self._closed else " (down)"
        where = f"pid={self.pid}" if self._isolated else "in-process"
        return f"<Host {where} [{self._names()}]{state}>"


def load_addon(
    path: str | os.PathLike[str],
    *,
    host: Host | None = None,
    setup: Setup | None = None,
    isolated: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    restart: bool | RestartPolicy = True,
    sandbox: bool | Sandbox | None = None,
    output: str = "stdio",
    distinct_nulls: bool = False,
    js_thread: str = "host",
) -> Addon:
    """Loads the Node-API addon at ``path`` and returns its exports as an ``Addon``.

    With ``host``, the addon joins that ``Host`` (the options are the host's). Otherwise it gets
    a host of its own, made with these options (see ``Host``); closing the addon ends it.
    ``setup(addon)`` is what the program does to the addon before using it (an ``initialize``
    call, a library to open, types to declare): it runs before ``load_addon`` returns, and again
    each time a restart loads the addon into a fresh process, before any other call reaches it.
    ``AddonInitError`` (an ``AddonLoadError``) means the addon's init threw: its ``.error`` is
    the thrown value, and a host of its own lives on while that is referenced.
    ``AddonSetupError`` means ``setup`` raised. Any other load failure leaves no process behind.
    """
    options = HostOptions(isolated, env, timeout, restart, sandbox, output, distinct_nulls, js_thread)
    if host is not None:
        if options != HostOptions():
            raise TypeError("load_addon(path, host=...) takes its options from the Host")
        return host.load(path, setup=setup)
    p = file_checks.checked(path)
    own = Host._for_addon(p, options)
    try:
        return own._load(p, owns_host=True, setup=setup)
    except AddonInitError:
        # The error's proxies hold the connection: the process ends when they are dropped.
        raise
    except BaseException:
        own.close()
        raise


# In-process hosts not yet collected: closed at exit, so that their addons are torn down as a
# napi-hostd is when the Python process ends (cleanup hooks, finalizers, instance data).
# Every host not yet collected, by creation order, for closing them at exit.
_open_hosts: weakref.WeakValueDictionary[int, Host] = weakref.WeakValueDictionary()
_host_numbers = itertools.count()

cycles._hosts = lambda: list(_open_hosts.values())


# Seconds a host may take to tear down when closed, before its process is killed.
CLOSE_GRACE = 2.0


def close_open_hosts() -> None:
    """The ``atexit`` hook (registered after the one that keeps our threads out of a finalizing
    interpreter, so it runs before it): closes every host still open, newest first, so their
    addons tear down as at node's exit (cleanup hooks, finalizers, instance data) instead of a
    napi-hostd being killed with Python. The hosts share one grace period."""
    deadline = time.monotonic() + CLOSE_GRACE
    for host in reversed(list(_open_hosts.values())):
        host._close(max(0.0, deadline - time.monotonic()))


def _after_fork_in_child() -> None:
    """``os.register_at_fork``'s hook in a child: every host of the parent is the parent's."""
    for host in list(_open_hosts.values()):
        host._after_fork_in_child()


fork_hooks.after_fork_in_child(_after_fork_in_child)
