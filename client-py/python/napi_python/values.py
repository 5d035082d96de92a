"""Python stand-ins for JavaScript values that Python has no word for."""

from __future__ import annotations

__all__ = ["BigInt", "null", "undefined"]


class BigInt(int):
    """A JavaScript BigInt: an ``int`` that goes back into JavaScript as a BigInt."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"BigInt({int(self)})"

    # `int` prints through `__repr__`, which says BigInt(...): the digits are what `str`, f-strings,
    # `format`, `%d`, `json` and logging should show, as they do for JS's `String(3n)`.
    def __str__(self) -> str:
        return int.__repr__(self)

    def __format__(self, spec: str) -> str:
        return int.__format__(int(self), spec)


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"js.{self._name}"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return self._name


null = _Sentinel("null")
"""Sent to JavaScript as ``null`` (``None`` is sent as ``undefined``)."""

undefined = _Sentinel("undefined")
"""Sent to JavaScript as ``undefined``, explicitly."""
