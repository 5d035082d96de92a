"""Every `js` helper that makes a value in a host, or asks one, is told which host by an anchor:
a proxy of that host, an `Addon` loaded into it, or the `Host` itself. Each helper is
called with each kind, and what it made or answered must belong to that very host (addon:
addons/c/values.c)."""

from __future__ import annotations

import pytest
from conftest import IN_PROCESS, addon_path, fresh_copy

import napi_python
from napi_python import AddonCrashedError, Host, js

ANCHORS = ["proxy", "addon", "host"]


@pytest.fixture
def host():
    with Host(isolated=not IN_PROCESS) as h:
        yield h


def anchor_of(kind: str, host: Host):
    addon = host.load(fresh_copy(addon_path("values")) if IN_PROCESS else addon_path("values"))
    return {"proxy": napi_python.addon_info(addon).exports, "addon": addon, "host": host}[kind]


def belongs_to(value, host: Host) -> bool:
    return value._napi_conn is host._conn


@pytest.mark.parametrize("kind", ANCHORS)
def test_symbols(host, kind):
    anchor = anchor_of(kind, host)
    made = js.symbol(anchor, "made")
    assert made.description == "made" and belongs_to(made, host)
    registered = js.symbol_for(anchor, "key")
    assert belongs_to(registered, host)
    assert registered == js.symbol_for(host, "key")  # the host's one registry


@pytest.mark.parametrize("kind", ANCHORS)
def test_objects_and_arrays(host, kind):
    anchor = anchor_of(kind, host)
    obj = js.object(anchor, {"a": 1}, b=2)
    assert (obj.a, obj.b) == (1, 2) and belongs_to(obj, host)
    items = js.array(anchor, [1, 2, 3])
    assert list(items) == [1, 2, 3] and belongs_to(items, host)


@pytest.mark.parametrize("kind", ANCHORS)
def test_global_this(host, kind):
    found = js.global_this(anchor_of(kind, host))
    assert belongs_to(found, host)
    assert js.strict_equals(found, js.global_this(host))


@pytest.mark.parametrize("kind", ANCHORS)
def test_gc(host, kind):
    anchor = anchor_of(kind, host)
    js.object(host, filler=list(range(10)))  # nothing holds it once the proxy is gone
    assert js.gc(anchor) >= 1


@pytest.mark.parametrize("kind", ANCHORS)
def test_alloc(host, kind):
    buf = js.alloc(anchor_of(kind, host), 16, "Float64Array")
    assert (buf.js_type, len(buf), buf.shared) == ("Float64Array", 2, True)
    assert belongs_to(buf, host)


@pytest.mark.isolated_only
@pytest.mark.parametrize("kind", ["addon", "host"])
def test_an_anchor_whose_host_died_restarts_it_as_an_export_would(host, kind):
    anchor = anchor_of(kind, host)
    crasher = host.load(addon_path("isolation"))
    with pytest.raises(AddonCrashedError):
        crasher.exitZero()
    obj = js.object(anchor, a=1)
    assert obj.a == 1 and belongs_to(obj, host) and host.alive


def test_what_is_no_anchor_is_refused_with_what_would_do():
    with pytest.raises(TypeError, match=r"alloc needs a JavaScript object \(a proxy\), an Addon or a Host"):
        js.alloc(object(), 8)
