"""Exceptions: JavaScript errors as Python exceptions, and what can go wrong with a host."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AddonError",
    "AddonLoadError",
    "AddonCrashedError",
    "AddonClosedError",
    "StaleObjectError",
    "JSError",
    "JSTypeError",
    "JSRangeError",
]


class AddonError(Exception):
    """Base class for problems with an addon's host (not errors the addon throws)."""


class AddonLoadError(AddonError):
    """The addon could not be loaded: missing file, not a library, no entry point, init threw."""


class AddonCrashedError(AddonError):
    """The host process died (the addon crashed it, or it was killed).

    ``signal`` names the signal that killed it (``"SIGSEGV"``) or is None; ``exit_code`` is its
    exit status when it exited; ``stderr`` is the tail of what it wrote to standard error.
    """

    def __init__(self, message: str, *, signal: str | None = None, exit_code: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.signal = signal
        self.exit_code = exit_code
        self.stderr = stderr


class AddonClosedError(AddonError):
    """The addon was closed; its objects can no longer be used."""


class StaleObjectError(AddonError):
    """A proxy names an object its host no longer has."""


class JSError(RuntimeError):
    """A JavaScript exception.

    ``name`` and ``message`` are the error's; ``code`` is its ``code`` property or None;
    ``props`` holds its other own enumerable properties; ``value`` is the thrown value itself
    (a proxy of the error object, or the primitive that was thrown).
    """

    def __init__(self, message: str, *, name: str = "Error", code: Any = None, value: Any = None, props: dict[str, Any] | None = None) -> None:
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


def _failure(kind: str, message: str) -> AddonError:
    """Builds the exception for a request the host refused (called by the native layer)."""
    if kind == "Load":
        return AddonLoadError(message)
    if kind == "StaleObject":
        return StaleObjectError(message)
    return AddonError(message)


def _dead(crashed: bool, message: str, signal: str | None, exit_code: int | None, stderr: str) -> AddonError:
    """Builds the exception for a host that cannot answer (called by the native layer)."""
    if not crashed:
        return AddonClosedError(message)
    return AddonCrashedError(message, signal=signal, exit_code=exit_code, stderr=stderr)
