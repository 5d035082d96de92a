"""Exceptions: JavaScript errors as Python exceptions, and what can go wrong with a host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "AddonError",
    "AddonLoadError",
    "AddonNotFoundError",
    "AddonInitError",
    "AddonSetupError",
    "AddonCrashedError",
    "AddonTimeoutError",
    "AddonRestartLimitError",
    "AddonClosedError",
    "SandboxUnavailableError",
    "StaleObjectError",
    "JSError",
    "JSTypeError",
    "JSRangeError",
    "InstallError",
    "RegistryError",
    "IntegrityError",
    "UnsafeArchiveError",
]


class AddonError(Exception):
    """Base class for problems with an addon's host (not errors the addon throws)."""


class AddonLoadError(AddonError):
    """The addon could not be loaded: missing file, not a library, no entry point, init threw."""


class AddonNotFoundError(AddonLoadError):
    """``require`` found no Node-API binary for the package on this platform; ``searched``
    lists every place it looked, each with what it found there."""

    def __init__(self, message: str, searched: list[str] | None = None) -> None:
        super().__init__(message)
        self.searched = searched or []


class AddonInitError(AddonLoadError):
    """The addon's init function threw. ``error`` is the thrown value as a ``JSError`` (its
    ``value`` the thrown object itself, live in the host), as ``require()`` throws it in Node.
    The host stays up while the error (or a proxy from it) is referenced."""

    def __init__(self, message: str, error: JSError) -> None:
        super().__init__(message)
        self.error = error


class AddonSetupError(AddonLoadError):
    """The ``setup`` given to ``load_addon`` (or ``Host.load``, ``require``, ``AddonPool``)
    raised, after the first load or after a restart loaded the addon again: the addon is not
    served without it. The exception it raised is the ``__cause__``."""


class AddonCrashedError(AddonError):
    """The host process died (the addon crashed it, or it was killed).

    ``signal`` says what killed it, or is None. On Linux and macOS it is the signal's name
    (``"SIGSEGV"``, ``"SIGABRT"``). Windows has no signals: there it names the exception that ended
    the host, with its code, as the crash report does (``"an access violation (0xC0000005)"``,
    ``"a stack overflow (0xC00000FD)"``, a fail-fast ``"0xC0000409"``), or ``"abort() (exit code
    3)"`` for ``abort()``, which exits with code 3 there. ``exit_code`` is its exit status when it
    exited; ``stderr`` is the tail of what it wrote to standard error;
    ``limit`` is ``"memory"`` or ``"cpu"`` when the host most likely died of that resource limit;
    ``pid`` is the host's process id.
    """

    def __init__(
        self,
        message: str,
        *,
        signal: str | None = None,
        exit_code: int | None = None,
        stderr: str = "",
        limit: str | None = None,
        pid: int | None = None,
    ) -> None:
        super().__init__(message)
        self.signal = signal
        self.exit_code = exit_code
        self.stderr = stderr
        self.limit = limit
        self.pid = pid


class AddonTimeoutError(AddonError, TimeoutError):
    """A call took longer than the addon's ``timeout``; its host was killed with its process
    group. With a restart policy the addon is reloaded on the next call."""


class AddonRestartLimitError(AddonCrashedError):
    """The host crashed again after the restart policy's limit of restarts within its period;
    the addon is no longer restarted (as an OTP supervisor gives up)."""


class SandboxUnavailableError(AddonLoadError):
    """The sandbox asked for cannot be set up on this system (``missing`` names the protections
    the host could not put in force)."""

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


class AddonClosedError(AddonError):
    """The addon was closed; its objects can no longer be used."""


class StaleObjectError(AddonError):
    """A proxy names an object its host no longer has."""


class InstallError(Exception):
    """An npm package could not be installed (``python -m napi_python install``, ``npm.install``);
    the message says which and why. What was in place before stays in place."""


class RegistryError(InstallError):
    """The registry could not be reached, refused the request, has no such package or version,
    or answered something that is not a package document. ``status`` is the HTTP status when
    there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IntegrityError(InstallError):
    """A downloaded tarball does not have the digest the registry published for it (its
    ``dist.integrity``): it was not unpacked."""


class UnsafeArchiveError(InstallError):
    """A tarball holds an entry that would land outside the package's folder (an absolute path,
    a ``..`` component, a link pointing out) or unpacks to more than the limits allow: nothing
    of it was installed."""


class JSError(RuntimeError):
    """A JavaScript exception.

    ``name`` and ``message`` are the error's; ``code`` is its ``code`` property or None;
    ``props`` holds its other own enumerable properties; ``value`` is the thrown value itself
    (a proxy of the error object, or the primitive that was thrown).
    """

    def __init__(
        self,
        message: str,
        *,
        name: str = "Error",
        code: Any = None,
        value: Any = None,
        props: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{name}: {message}" if name else message)
        self.name = name
        self.message = message
        self.code = code
        self.value = value
        self.props = props or {}


class JSTypeError(JSError, TypeError):
    """A JavaScript ``TypeError``."""


class JSRangeError(JSError, ValueError):
    """A JavaScript ``RangeError``."""


_BY_NAME: dict[str, type[JSError]] = {"TypeError": JSTypeError, "RangeError": JSRangeError}


def _js_error(value: Any, name: str | None, message: str, code: Any, props: dict[str, Any]) -> JSError:
    """Builds the exception for a thrown JS value (called by the native layer)."""
    if name is None:
        # A thrown non-Error value: `throw 42`.
        return JSError(_js_string(value), name="", code=None, value=value, props={})
    cls = _BY_NAME.get(name, JSError)
    return cls(message, name=name, code=code, value=value, props=props)


def _js_string(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "undefined"
    return str(value)


def _failure(kind: str, message: str) -> Exception:
    """Builds the exception for a request the host refused (called by the native layer)."""
    if kind == "Load":
        return AddonLoadError(message)
    if kind == "StaleObject":
        return StaleObjectError(message)
    if kind == "JsThreadEnded":
        # No thread runs the in-process host's JS any more: closed to every call but close().
        return AddonClosedError(message)
    if kind == "TooLarge":
        # As sending one to JS does: a value over napi_python's size limit (MAX_VALUES).
        return ValueError(message)
    return AddonError(message)


# Called with the pid of a host that died; answers an exception to raise instead of the crash
# (the addon's restart policy uses it: after a restart, the old host's objects are stale).
_death_listener: Callable[[int], AddonError | None] | None = None


def _dead(
    kind: str, pid: int, message: str, signal: str | None, exit_code: int | None, stderr: str, limit: str | None
) -> AddonError:
    """Builds the exception for a host that cannot answer (called by the native layer)."""
    if kind == "closed":
        return AddonClosedError(message)
    if kind == "forked":
        # A forked child holds its parent's host: the objects of it are not the child's.
        return StaleObjectError(message)
    listener = _death_listener
    if listener is not None:
        instead = listener(pid)
        if instead is not None:
            return instead
    if kind == "timeout":
        return AddonTimeoutError(message)
    crashed = AddonCrashedError(message, signal=signal, exit_code=exit_code, stderr=stderr, limit=limit, pid=pid)
    if kind == "uncaught":
        crashed.__cause__ = _ended_by.get((pid, message))
    return crashed


# The exceptions that ended hosts (promise.py's `_uncaught`), by the pid and message their waiters are
# told: the cause of each AddonCrashedError raised for them. The last few are kept: a traceback
# holds its frames alive.
_ended_by: dict[tuple[int, str], BaseException] = {}
_ENDED_BY_KEPT = 16


def _remember_cause(pid: int, message: str, exc: BaseException) -> None:
    """Makes ``exc`` the cause of what the waiters of host ``pid``, ended with ``message``, raise."""
    while len(_ended_by) >= _ENDED_BY_KEPT:
        del _ended_by[next(iter(_ended_by))]
    _ended_by[(pid, message)] = exc
