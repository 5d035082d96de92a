"""The output of every isolated host of this process, forwarded by one thread: to
``sys.stdout`` and ``sys.stderr`` as they are at each line (so pytest's capture and a redirected
stream get them), or to logging. The native side names the hosts that have lines waiting, so the
thread costs nothing per host, and the threads a process has do not grow with its hosts."""

from __future__ import annotations

import sys
import threading
import weakref
from typing import NamedTuple

from .. import _native, fork_hooks


class _Forwarded(NamedTuple):
    conn: weakref.ref[_native.Connection]
    pid: int
    output: str
    # Set once the host's stdout and stderr ended and every line was forwarded.
    done: threading.Event


_lock = threading.Lock()
_hosts: dict[int, _Forwarded] = {}
_thread: threading.Thread | None = None


def forward(conn: _native.Connection, output: str) -> threading.Event:
    """Forwards ``conn``'s output (``"stdio"`` or ``"logging"``) until its stdout and stderr
    end; answers an event set then."""
    global _thread
    done = threading.Event()
    with _lock:
        _hosts[conn.output_id] = _Forwarded(weakref.ref(conn), conn.pid, output, done)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_forward, name="napi-hostd-output", daemon=True)
            _thread.start()
    # Lines that came before it was registered are named again.
    conn.announce_output()
    return done


def forwarding_here() -> bool:
    """Whether this thread is the one forwarding (which must not wait for itself)."""
    return threading.current_thread() is _thread


def _forward() -> None:
    while True:
        ready = _native.hosts_with_output(0.5)
        if ready is None:
            return  # the interpreter is exiting
        for output_id in ready:
            with _lock:
                host = _hosts.get(output_id)
            if host is not None and not _forward_lines(host):
                with _lock:
                    _hosts.pop(output_id, None)
                host.done.set()


def _forward_lines(host: _Forwarded) -> bool:
    """Forwards the host's lines waiting; False once it has no more to come."""
    conn = host.conn()
    if conn is None:
        return False
    lines = conn.read_output(0)
    if lines:
        # More lines, or the end, may already wait behind these: named again, the host comes
        # back after the other hosts named (a flood from one does not hold up theirs).
        conn.announce_output()
    del conn
    if lines is None:
        return False
    _write(host, lines)
    return True


def _write(host: _Forwarded, lines: list[tuple[str, str]]) -> None:
    for stream, line in lines:
        if host.output == "logging":
            # The logger "napi_python.host": the host's stdout at INFO, its stderr at WARNING, a
            # record a line. `logging` is imported by the first host that asks for it.
            import logging

            level = logging.INFO if stream == "stdout" else logging.WARNING
            logging.getLogger("napi_python.host").log(level, "napi-hostd %d %s: %s", host.pid, stream, line)
            continue
        target = sys.stdout if stream == "stdout" else sys.stderr
        try:
            target.write(line + "\n")
        except (AttributeError, OSError, ValueError):
            pass  # no stream (pythonw), or a closed one: the line has nowhere to go


def _after_fork_in_child() -> None:
    """A forked child has no forwarding thread, and its hosts are new ones."""
    global _lock, _thread
    _lock = threading.Lock()
    _hosts.clear()
    _thread = None


fork_hooks.after_fork_in_child(_after_fork_in_child)
