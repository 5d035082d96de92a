"""Proxies for objects that stay in the host: ``JSObject``, ``JSFunction``, ``JSSymbol``.

Attribute access, calls and construction go to the host. A class's method table is fetched once
per class and cached, so ``obj.method(x)`` costs one round trip.

A proxy does not pickle (``TypeError`` saying what to pass instead): the object it stands for
lives in one host, which another process cannot reach. A ``JSBuffer`` pickles as its bytes.
"""

from __future__ import annotations

import copyreg
import os
from collections.abc import Iterator
from typing import Any, NoReturn

from . import _native

__all__ = ["JSObject", "JSFunction", "JSSymbol", "JSExternal"]

# Constructor names of the keyed collections: `in`, `len` and `bool` use `.has` and `.size`.
_KEYED = frozenset({"Map", "Set", "WeakMap", "WeakSet"})
# `dir` walks at most this many prototypes (a chain is finite, but a host could say otherwise).
_MAX_PROTOTYPES = 64


class JSObject(_native.JSRef):
    """A JavaScript object that lives in the addon's host."""

    # Attribute reads go through JSRef's native __getattribute__: class methods come bound
    # from a per-class method table cached natively, anything else is read from the host.
    __slots__ = ()

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
        proto = self._class_proto
        members = self._conn.describe_class(proto) if proto is not None else {}
        return sorted(set(own) | set(members))

    def __reduce__(self) -> NoReturn:
        _refuse_pickle(self)

    def __repr__(self) -> str:
        return f"<JSObject {self._label or self._kind}>"


class JSFunction(JSObject, _native.JSCallable):
    """A JavaScript function; a class made with ``napi_define_class`` constructs when called
    (the call itself is native: ``JSCallable.__call__``)."""

    __slots__ = ()

    @property
    def is_class(self) -> bool:
        return self._kind == "class"

    def call(self, this: Any, *args: Any) -> Any:
        """``f.call(this, ...args)``."""
        return self._conn.call(self, this, args)

    def new(self, *args: Any) -> Any:
        """``new f(...args)``."""
        return self._conn.construct(self, args)

    def __repr__(self) -> str:
        what = "class" if self.is_class else "function"
        return f"<JSFunction {what} {self._label or '(anonymous)'}>"


class JSExternal(JSObject):
    """A JavaScript External (``napi_create_external``): an opaque pointer of the addon's, with
    no properties. It keeps its identity and passes back as itself; ``js.is_external`` tells
    one from an empty object (``js.typeof`` answers ``"object"``, as JS does)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<JSExternal {self._id:#x}>"


class JSSymbol(_native.JSRef):
    """A JavaScript Symbol; equal only to itself."""

    # A symbol has no properties to read from the host.
    __getattribute__ = object.__getattribute__
    __slots__ = ()

    @property
    def description(self) -> str:
        return self._label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSSymbol) and other._id == self._id and other._conn is self._conn

    def __hash__(self) -> int:
        return hash((id(self._conn), self._id))

    def __reduce__(self) -> NoReturn:
        _refuse_pickle(self)

    def __repr__(self) -> str:
        return f"JSSymbol({self._label!r})"


def _refuse_pickle(proxy: Any) -> NoReturn:
    pid = proxy._conn.pid
    where = "an in-process host" if pid == os.getpid() else f"napi-hostd pid {pid}"
    raise TypeError(
        f"cannot pickle {proxy!r}: a JavaScript object lives in one host ({where}), which another process "
        "cannot reach. Pass plain values instead (str, int, float, bytes, lists, dicts; a JSBuffer pickles as "
        "its bytes), or the Addon itself (it pickles as what loads it again) and make the object there"
    )


def _reduce_buffer(buf: _native.JSBuffer) -> tuple[type[_native.JSBuffer], tuple[str, bytes]]:
    # A copy of the bytes, of the same JS type; it finds a host where it is next passed.
    return _native.JSBuffer, (buf.js_type, bytes(buf))


# The native types, which define no __reduce__ of their own.
copyreg.pickle(_native.JSBuffer, _reduce_buffer)
copyreg.pickle(_native.JSMethod, _refuse_pickle)
