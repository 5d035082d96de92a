"""What supervises hosts across the package: the restarts a policy still allows, which host
owns each process id, and which process replaced one that died (so that an object of the old
one raises ``StaleObjectError`` rather than reaching a stranger)."""

from __future__ import annotations

import collections
import time
import weakref
from typing import Protocol

from .. import errors
from ..errors import AddonError, AddonRestartLimitError, StaleObjectError
from .sandbox import RestartPolicy

__all__ = ["Restarts", "supervise", "release", "replaced"]


class Supervised(Protocol):
    def _host_died(self, pid: int) -> None: ...


class Restarts:
    """The restarts ``policy`` allowed within its period, and its verdict once it allows no
    more (kept: a host that gave up stays down)."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._times: collections.deque[float] = collections.deque()
        self._gave_up: AddonError | None = None

    def count(self, old: int, names: str) -> None:
        """Counts a restart after a crash of process ``old`` (the host of ``names``), or raises
        ``AddonRestartLimitError`` when the policy allows no more."""
        if self._gave_up is not None:
            raise self._gave_up
        policy = self.policy
        now = time.monotonic()
        while self._times and now - self._times[0] > policy.period:
            self._times.popleft()
        if len(self._times) >= policy.max_restarts:
            self._gave_up = AddonRestartLimitError(
                f"{names}: napi-hostd died again after {len(self._times)} restarts "
                f"within {policy.period:g} s; not restarting it any more",
                pid=old,
            )
            release(old)
            raise self._gave_up
        self._times.append(now)


# Hosts that restart, by pid; and processes replaced by a restart (old pid -> new).
_supervised: dict[int, weakref.ref[Supervised]] = {}
_superseded: dict[int, int] = {}


def supervise(pid: int, host: Supervised) -> None:
    """Tells ``host`` when process ``pid`` is found dead (the next use of an export restarts it)."""
    _supervised[pid] = weakref.ref(host)


def release(pid: int) -> None:
    """Stops watching process ``pid`` for its host (closed, given up, or replaced)."""
    _supervised.pop(pid, None)


def started(pid: int) -> None:
    """Process ``pid`` is a host just started: not the process of that number a restart once
    replaced (Windows gives a new process the number of one that ended moments before, and
    that host's death would otherwise be taken for a stale object's)."""
    _superseded.pop(pid, None)


def replaced(old: int, new: int) -> None:
    """Process ``new`` took over the addons of process ``old``, which died."""
    release(old)
    if new != old:  # the new process may have the dead one's number (see `started`)
        _superseded[old] = new


def _on_host_death(pid: int) -> AddonError | None:
    """The exception hook's listener: objects of a replaced process are stale; a supervised
    host learns that its process died (so that the next use of an export restarts it)."""
    new = _superseded.get(pid)
    if new is not None:
        return StaleObjectError(
            f"this object belonged to napi-hostd pid {pid}, which died; its addons now run in pid {new}"
        )
    ref = _supervised.get(pid)
    host = ref() if ref is not None else None
    if host is not None:
        host._host_died(pid)
    elif ref is not None:
        release(pid)
    return None


errors._death_listener = _on_host_death
