"""Values made in a host: symbols, objects, arrays, its ``globalThis``; and Python values marked
for how JavaScript receives them (a function given its ``this``, a BigInt).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from ..proxy import JSObject, JSSymbol
from ..values import BigInt
from .anchor import required_connection


def symbol(addon: Any, description: str | None = None) -> JSSymbol:
    """``Symbol(description)`` in the addon's host."""
    return cast(JSSymbol, required_connection("symbol", addon).new_symbol(description))


def symbol_for(addon: Any, key: str) -> JSSymbol:
    """``Symbol.for(key)`` in the addon's host."""
    return cast(JSSymbol, required_connection("symbol_for", addon).symbol_for(key))


def object(addon: Any, props: dict[Any, Any] | None = None, **kw: Any) -> JSObject:
    """A plain object created in the addon's host and held by reference, so the addon's
    changes to it are visible here."""
    pairs = list((props or {}).items()) + list(kw.items())
    return cast(JSObject, required_connection("object", addon).new_object(pairs))


def array(addon: Any, items: Iterable[Any] = ()) -> JSObject:
    """An array created in the addon's host and held by reference."""
    return cast(JSObject, required_connection("array", addon).new_array(tuple(items)))


def global_this(addon: Any) -> JSObject:
    """The host's global object (``globalThis``): its ``Object``, ``Error``, ``Symbol``..."""
    return cast(JSObject, required_connection("global_this", addon).global_this())


class _ReceivesThis:
    """A callable that JavaScript calls with its ``this`` as the first argument."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Any) -> None:
        self._fn = fn

    def __call__(self, this: Any, *args: Any) -> Any:
        return self._fn(this, *args)

    def __repr__(self) -> str:
        return f"js.function({self._fn!r}, receives_this=True)"


def function(fn: Any, *, receives_this: bool = False) -> Any:
    """``fn`` as a JavaScript function. With ``receives_this=True`` it is called with the
    JavaScript ``this`` first: ``fn(this, *args)`` (plain callables never see ``this``)."""
    if not callable(fn):
        raise TypeError(f"{fn!r} is not callable")
    return _ReceivesThis(fn) if receives_this else fn


def bigint(n: int) -> BigInt:
    """``n`` as a BigInt."""
    return BigInt(n)
