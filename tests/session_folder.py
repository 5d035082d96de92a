"""The test session's temporary folder: the addon copies of in-process loads and the suite's npm
cache live there, and it goes when the session ends.

On Windows a session cannot remove its own folder: a loaded DLL cannot be deleted while its
process runs, and each in-process load is a copy (napi-rs's debug test addon is 60 MB). So each
session holds a lock on a file in its folder for as long as it runs (the OS lets it go when the
process ends, however it ends), and a session starting removes every earlier session's folder
whose lock it can take. Process ids cannot tell a live session from an ended one: wine reuses
them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from napi_python.npm.lock import lock_functions

PREFIX = "napi-python-tests-"
OWNER = ".owner"
# A folder without an owner file is an older suite's (named by process id), or one a session
# is creating this instant: removed only once it is older than this.
UNOWNED_AGE = 600.0

_held: list[int] = []


def _ended(folder: Path) -> bool:
    """Whether the session that made `folder` has ended (its owner's lock is free)."""
    take, release = lock_functions()
    try:
        fd = os.open(folder / OWNER, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > UNOWNED_AGE
        except FileNotFoundError:
            return False
    try:
        take(fd)
    except BlockingIOError:
        return False
    else:
        release(fd)
        return True
    finally:
        os.close(fd)


def remove_ended(parent: Path) -> list[Path]:
    """Removes the folders under `parent` of sessions that have ended; returns them."""
    removed = []
    for folder in parent.glob(PREFIX + "*"):
        if folder.is_dir() and _ended(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def make(parent: Path | None = None) -> Path:
    """This session's folder under `parent` (the temporary folder by default), locked until the
    process ends, after removing the folders of sessions that have ended."""
    parent = Path(parent or tempfile.gettempdir())
    remove_ended(parent)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    take, _ = lock_functions()
    fd = os.open(folder / OWNER, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    take(fd)
    _held.append(fd)
    return folder
