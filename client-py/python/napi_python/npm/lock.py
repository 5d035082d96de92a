"""The install lock: one install at a time into a ``node_modules`` folder, across processes.

An exclusive lock on a file beside the packages, taken without blocking and retried until
``wait`` seconds have passed: ``flock`` on Linux and macOS, ``msvcrt.locking`` of the file's first
byte on Windows (Python has no ``fcntl`` there; the module is imported only on the OS that has it,
so that ``import napi_python`` works everywhere). The OS holds either lock for the process, and
lets it go when the process ends, however it ends.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InstallError
from ..machine import this_os

__all__ = ["InstallLock", "lock_functions"]

# The errnos of Windows' C runtime for a byte locked by another process: EACCES, and
# EDEADLOCK, which LK_NBLCK gives after its one try (Linux numbers EDEADLOCK otherwise); and 0,
# wine's: its C runtime fails LK_NBLCK on a held byte without setting errno.
_WINDOWS_HELD = (0, 13, 36)


def _flock() -> tuple[Callable[[int], None], Callable[[int], None]]:
    fcntl: Any = importlib.import_module("fcntl")

    def take(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    return take, release


def _msvcrt() -> tuple[Callable[[int], None], Callable[[int], None]]:
    msvcrt: Any = importlib.import_module("msvcrt")

    # msvcrt.locking locks bytes from the file's current position: always the first one (a
    # lock may lie beyond the end of the file, which stays empty).
    def take(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as e:
            # Held by another process: EACCES (or EDEADLOCK, which LK_NBLCK says after its
            # one try); anything else is a real failure.
            if e.errno in _WINDOWS_HELD:
                raise BlockingIOError(e.errno, "the install lock is held") from e
            raise

    def release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    return take, release


def lock_functions(os_name: str | None = None) -> tuple[Callable[[int], None], Callable[[int], None]]:
    """``(take, release)`` of an exclusive lock on an open file for ``os_name`` (this OS by
    default, as node names it): ``take`` raises ``BlockingIOError`` when another holds it."""
    return _msvcrt() if (os_name or this_os()) == "win32" else _flock()


class InstallLock:
    """The lock on ``path`` (created if missing), waited for up to ``wait`` seconds, then an
    ``InstallError`` naming the folder."""

    def __init__(self, path: Path, wait: float) -> None:
        self.path = path
        self.wait = wait
        self._fd = -1
        self._take, self._release = lock_functions()

    def __enter__(self) -> InstallLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        self._fd = os.open(self.path, flags, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                self._take(self._fd)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self._fd)
                    raise InstallError(
                        f"another install into {self.path.parent} has held {self.path.name} for {self.wait:g} s"
                    ) from None
                # Neither lock can be waited on with a timeout: look again shortly.
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        try:
            self._release(self._fd)
        finally:
            os.close(self._fd)
