"""`_native.configure`: the package hands the extension its classes and factories by name, and
a hook of the wrong kind is refused when it is registered, not misused at the first call that
needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_PROCESS, ROOT, addon_path

from napi_python import (
    Addon,
    BigInt,
    JSExternal,
    JSFunction,
    JSObject,
    JSPromise,
    JSSymbol,
    _native,
    errors,
    js,
    promise,
)
from napi_python.js.makers import _ReceivesThis


def package_hooks() -> dict[str, Any]:
    """The hooks `napi_python/__init__.py` registers."""
    return {
        "object_cls": JSObject,
        "function_cls": JSFunction,
        "symbol_cls": JSSymbol,
        "external_cls": JSExternal,
        "promise_class": lambda: JSPromise,
        "addon_cls": Addon,
        "bigint_cls": BigInt,
        "null": js.null,
        "undefined": js.undefined,
        "receives_this_cls": _ReceivesThis,
        "js_error": errors._js_error,
        "failure": errors._failure,
        "dead": errors._dead,
        "claimed": promise._claimed,
        "uncaught": promise._uncaught,
        "awaitable": promise._awaitable,
    }


def test_configure_takes_its_hooks_by_name_only():
    with pytest.raises(TypeError, match="positional"):
        _native.configure(*package_hooks().values())


def test_configure_requires_every_hook():
    hooks = package_hooks()
    del hooks["awaitable"]
    with pytest.raises(TypeError, match="awaitable"):
        _native.configure(**hooks)


@pytest.mark.parametrize(
    ("hook", "value", "complaint"),
    [
        ("object_cls", dict, "object_cls must be a subclass of JSRef, not dict"),
        ("object_cls", js.null, "object_cls"),
        # Functions are called through JSCallable's native call slot.
        ("function_cls", JSObject, "function_cls must be a subclass of JSCallable, not JSObject"),
        ("symbol_cls", str, "symbol_cls must be a subclass of JSRef"),
        ("promise_class", JSPromise.__name__, "promise_class must be callable, not str"),
        ("external_cls", dict, "external_cls must be a subclass of JSRef, not dict"),
        ("bigint_cls", float, "bigint_cls must be a subclass of int, not float"),
        ("receives_this_cls", _ReceivesThis(print), "receives_this_cls"),
        ("js_error", errors.JSError("not a factory"), "js_error must be callable, not JSError"),
        ("failure", None, "failure must be callable, not NoneType"),
        ("dead", "errors._dead", "dead must be callable, not str"),
        ("claimed", 1, "claimed must be callable"),
        ("uncaught", [], "uncaught must be callable"),
        ("awaitable", {}, "awaitable must be callable"),
        # None already stands for undefined; null must come back as itself.
        ("null", None, "null and undefined must be two objects, neither of them None"),
        ("undefined", js.null, "null and undefined must be two objects"),
    ],
)
def test_configure_refuses_a_hook_of_the_wrong_kind_by_its_name(hook, value, complaint):
    hooks = package_hooks()
    hooks[hook] = value
    with pytest.raises(TypeError, match=complaint):
        _native.configure(**hooks)


def test_a_second_configure_leaves_the_first_in_place(load):
    """A second registration (a reload of the package) changes nothing: objects keep arriving
    as the package's own proxies."""

    class OtherObject(JSObject):
        __slots__ = ()

    _native.configure(**{**package_hooks(), "object_cls": OtherObject})
    api = load("objects").makeApi()
    assert type(api) is JSObject


# Imports the extension alone and wraps its `configure`, so that the package's own registration
# passes `maker` as its `promise_class`; then imports the package and makes a promise.
FIRST_CONFIGURE = """
import sys, types
sys.modules["napi_python"] = stub = types.ModuleType("napi_python")
stub.__path__ = [{package!r}]
from napi_python import _native
del sys.modules["napi_python"]
configure = _native.configure
_native.configure = lambda **hooks: configure(**{{**hooks, "promise_class": {maker}}})
import napi_python
addon = napi_python.load_addon({addon!r}, isolated={isolated})
try:
    addon.deferred()
except TypeError as e:
    print(e)
"""


@pytest.mark.parametrize(
    ("maker", "complaint"),
    [
        ("lambda: 'JSPromise'", "configure: promise_class must return a class, not str"),
        ("lambda: dict", "configure: promise_class must be a subclass of JSRef, not dict"),
    ],
)
def test_a_promise_class_of_the_wrong_kind_is_refused_at_the_first_promise(maker, complaint):
    """The promise class is asked for at the first promise (its module is not imported before):
    what the hook answers is checked then, as the other classes are at registration."""
    import napi_python

    code = FIRST_CONFIGURE.format(
        package=str(Path(napi_python.__file__).parent),
        maker=maker,
        addon=addon_path("promises"),
        isolated=not IN_PROCESS,
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == complaint
