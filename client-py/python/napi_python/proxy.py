"""Proxies for objects that stay in the host: ``JSObject``, ``JSFunction``, ``JSSymbol``.

Attribute access, calls and construction go to the host. A class's method table is fetched once
per class and cached, so ``obj.method(x)`` costs one round trip.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Iterator

from . import _native

__all__ = ["JSObject", "JSFunction", "JSSymbol", "JSMethod"]

# Per connection: class prototype id -> {name: JSFunction | "accessor" | "data"}.
_class_members: "weakref.WeakKeyDictionary[_native.Connection, dict[int, dict[str, Any]]]" = weakref.WeakKeyDictionary()
_members_lock = threading.Lock()


def _members(obj: _native.JSRef) -> dict[str, Any]:
    proto = obj._class_proto
    if proto is None:
        return {}
    conn = obj._conn
    with _members_lock:
        per_conn = _class_members.setdefault(conn, {})
        found = per_conn.get(proto)
    if found is None:
        found = conn.describe_class(proto)
        with _members_lock:
            per_conn[proto] = found
    return found


class JSObject(_native.JSRef):
    """A JavaScript object that lives in the addon's host."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        member = _members(self).get(name)
        if isinstance(member, JSFunction):
            return JSMethod(self, member)
        value = self._conn.get(self, name)
        if isinstance(value, JSFunction) and not value.is_class:
            return JSMethod(self, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._conn.set(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._conn.delete(self, name)

    def __getitem__(self, key: Any) -> Any:
        return self._conn.get(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._conn.set(self, key, value)

    def __delitem__(self, key: Any) -> None:
        self._conn.delete(self, key)

    def __contains__(self, key: Any) -> bool:
        return bool(self._conn.has(self, key))

    def __len__(self) -> int:
        if self._kind != "array":
            raise TypeError(f"{self!r} has no length (only arrays do)")
        return int(self._conn.get(self, "length"))

    def __iter__(self) -> Iterator[Any]:
        if self._kind != "array":
            raise TypeError(f"{self!r} is not iterable (only arrays are)")
        for i in range(len(self)):
            yield self._conn.get(self, i)

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _native.JSRef) and other._id == self._id and other._conn is self._conn

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((id(self._conn), self._id))

    def __dir__(self) -> list[str]:
        own = [k for k in self._conn.own_keys(self) if isinstance(k, str)]
        return sorted(set(own) | set(_members(self)))

    def __repr__(self) -> str:
        return f"<JSObject {self._label or self._kind}>"


class JSFunction(JSObject):
    """A JavaScript function; a class made with ``napi_define_class`` constructs when called."""

    @property
    def is_class(self) -> bool:
        return self._kind == "class"

    def __call__(self, *args: Any) -> Any:
        if self._kind == "class":
            return self._conn.construct(self, args)
        return self._conn.call(self, None, args)

    def call(self, this: Any, *args: Any) -> Any:
        """``f.call(this, ...args)``."""
        return self._conn.call(self, this, args)

    def new(self, *args: Any) -> Any:
        """``new f(...args)``."""
        return self._conn.construct(self, args)

    def __repr__(self) -> str:
        what = "class" if self.is_class else "function"
        return f"<JSFunction {what} {self._label or '(anonymous)'}>"


class JSMethod:
    """A function read from an object, bound to it as ``this`` (like ``obj.f()`` in JS)."""

    __slots__ = ("__self__", "__func__")

    def __init__(self, this: JSObject, func: JSFunction) -> None:
        self.__self__ = this
        self.__func__ = func

    def __call__(self, *args: Any) -> Any:
        return self.__func__._conn.call(self.__func__, self.__self__, args)

    def __getattr__(self, name: str) -> Any:
        # `obj.f.call(...)`, `obj.f.new(...)`, `obj.f.length`: the function's own.
        return getattr(self.__func__, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSMethod) and other.__self__ == self.__self__ and other.__func__ == self.__func__

    def __hash__(self) -> int:
        return hash((self.__self__, self.__func__))

    def __repr__(self) -> str:
        return f"<JSMethod {self.__func__._label or '(anonymous)'} of {self.__self__!r}>"


class JSSymbol(_native.JSRef):
    """A JavaScript Symbol; equal only to itself."""

    @property
    def description(self) -> str:
        return self._label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSSymbol) and other._id == self._id and other._conn is self._conn

    def __hash__(self) -> int:
        return hash((id(self._conn), self._id))

    def __repr__(self) -> str:
        return f"JSSymbol({self._label!r})"
