"""Which host a ``js`` function asks: the one of the proxy, ``Addon`` or ``Host`` it is given
(an anchor).
"""

from __future__ import annotations

from typing import Any, cast

from .. import _native


def connection(*values: Any) -> _native.Connection | None:
    for v in values:
        if isinstance(v, _native.JSRef):
            return v._napi_conn
        live = getattr(v, "_napi_live_conn", None)  # an Addon or a Host
        if live is not None:
            return cast(_native.Connection, live())
        c = getattr(v, "_napi_conn", None)  # a JSBuffer, a JSMethod
        if isinstance(c, _native.Connection):
            return c
    return None


def required_connection(what: str, *values: Any) -> _native.Connection:
    conn = connection(*values)
    if conn is None:
        raise TypeError(f"{what} needs a JavaScript object (a proxy), an Addon or a Host to know which host to ask")
    return conn
