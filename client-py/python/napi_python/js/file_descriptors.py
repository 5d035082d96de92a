"""Open files handed to a host, for addons that take a file descriptor."""

from __future__ import annotations

from typing import Any

from .anchor import required_connection


def descriptor(addon: Any, fd: Any) -> int:
    """A number the addon's host knows for the open file of ``fd`` (a descriptor number, or an
    object with ``fileno()``), for an addon that takes a descriptor (a lock, an attribute):
    the descriptor itself goes to the host, which gets one of its own on the same open file
    (shared offset, status flags and ``flock`` locks), in both modes. A bare number would name
    nothing there (isolated, the host's numbers are not this process's). The host's descriptor
    stays open until ``js.close_descriptor(addon, number)`` or the host ends, whatever becomes
    of ``fd``; locks taken per process (``fcntl``) are the host's."""
    number = fd.fileno() if hasattr(fd, "fileno") else fd
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError(f"js.descriptor takes a descriptor number or an object with fileno(), not {fd!r}")
    return int(required_connection("descriptor", addon).adopt_descriptor(number))


def close_descriptor(addon: Any, number: int) -> bool:
    """Closes the host's descriptor that ``js.descriptor`` answered; True if it was open,
    False if it was closed already or is not one ``js.descriptor`` made."""
    return bool(required_connection("close_descriptor", addon).close_descriptor(number))
