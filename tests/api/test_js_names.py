"""A JS name is reached by its own spelling: no attribute of napi_python's hides an export or a
property.

Two addons export what Python wrappers like to name their own attributes: the napi-rs test
addon's `Connection`, a class made only by a static factory `new` with methods `call`, `apply`,
`bind`, `close` and `path`; and addons/c/js_names.c, whose exports are named as `Addon`'s
attributes were (`close`, `path`, `pid`, `exports`...) and whose `tool` function has properties
`new`, `call` and `is_class`. Each is called by its natural spelling and compared with node on the
same .node file; the helpers those names once were are gone, so a name no export or property
has is missing as in JS; and what napi_python offers itself (`addon_info`, `close`, `js.call`, `js.new`,
`js.is_class`) cannot be hidden.
"""

from __future__ import annotations

import os
import warnings

import pytest
from conftest import IN_PROCESS, addon_path
from node_oracle import assert_same_as_node, case

import napi_python
from napi_python import Addon, AddonCrashedError, JSExternal, JSFunction, JSObject, JSSymbol, js

# Runs the same statements on a fresh Connection in node (`a` is the addon) and in Python.
CONNECTION_JS = (
    '(() => { const c = a.Connection.new("db"); '
    'return [c.call("q"), c.call("r"), c.apply(3, 4), c.bind(80), c.path(), c.isOpen, c.close(), c.close(), c.isOpen]; })()'
)


def _connection_py(a):
    c = a.Connection.new("db")
    return [c.call("q"), c.call("r"), c.apply(3, 4), c.bind(80), c.path(), c.isOpen, c.close(), c.close(), c.isOpen]


def test_a_class_made_by_a_static_factory_named_new_works_as_in_node(load):
    rust = load("rust_addon")
    assert_same_as_node(
        rust,
        [
            case(CONNECTION_JS, _connection_py),
            # The class has no JS constructor: `new` throws in both.
            case('new a.Connection("db")', lambda a: js.new(a.Connection, "db")),
            # The static method is called with the class as `this`, as in JS.
            case(
                'a.Connection.new.call(a.Connection, "x").path()',
                lambda a: a.Connection.new.call(a.Connection, "x").path(),
            ),
            case("typeof a.Connection.new", lambda a: js.typeof(a.Connection.new)),
        ],
        addon_path("rust_addon"),
    )
    assert js.is_class(rust.Connection) and not js.is_class(rust.Connection.new)


def test_exports_named_as_addons_old_attributes_are_the_exports(load):
    names = load("js_names")
    same = "r => r[1] === a"
    assert_same_as_node(
        names,
        [
            *(case(f"a.{n}()[0]", lambda a, n=n: getattr(a, n)()[0]) for n in ("close", "pid", "host", "protections")),
            # Called as `addon.f()`, an export gets the exports object as `this`, as in JS.
            *(
                case(
                    f"({same})(a.{n}())",
                    lambda a, n=n: js.strict_equals(getattr(a, n)()[1], napi_python.addon_info(a).exports),
                )
                for n in ("close", "pid")
            ),
            case(
                "[a.path, a.exports, a.registration, a.napi_version]",
                lambda a: [a.path, a.exports, a.registration, a.napi_version],
            ),
        ],
        addon_path("js_names"),
    )


def test_a_functions_own_properties_and_function_prototypes_methods(load):
    names = load("js_names")
    assert_same_as_node(
        names,
        [
            # The function's own `new`, `call` and `is_class`, with the function as `this`.
            case("a.tool.new()[0]", lambda a: a.tool.new()[0]),
            case("a.tool.new()[1] === a.tool", lambda a: js.strict_equals(a.tool.new()[1], a.tool)),
            case("a.tool.call()[0]", lambda a: a.tool.call()[0]),
            case("a.tool.is_class", lambda a: a.tool.is_class),
            # A plain function's are Function.prototype's.
            case('a.plain.call("x", 1)[0]', lambda a: a.plain.call("x", 1)[0]),
            case('typeof a.plain.call("x")[1]', lambda a: js.typeof(a.plain.call("x")[1])),
            case(
                "a.plain.apply(a, [])[1] === a",
                lambda a: js.strict_equals(a.plain.apply(a, [])[1], napi_python.addon_info(a).exports),
            ),
            case("a.plain.bind(a.tool)()[1] === a.tool", lambda a: js.strict_equals(a.plain.bind(a.tool)()[1], a.tool)),
            case("a.plain.call.name", lambda a: a.plain.call.name),
        ],
        addon_path("js_names"),
    )


def test_what_napi_python_offers_cannot_be_hidden(load):
    names = load("js_names")
    info = napi_python.addon_info(names)
    # (in-process, the suite loads a fresh copy of the file)
    assert os.path.basename(info.path) == "js_names.node" and info.napi_version == 8
    assert info.registration == "napi_register_module_v1"
    assert (info.pid == os.getpid()) == IN_PROCESS
    assert isinstance(info.protections, list) and info.host is not None
    assert js.keys(info.exports)[:4] == ["close", "pid", "host", "protections"]
    assert not info.closed
    tool = names.tool
    assert js.call(tool, names, 1)[0] == "tool" and js.strict_equals(js.call(tool, info.exports)[1], info.exports)
    assert not js.is_class(tool) and not js.is_class(1)
    napi_python.close(names)
    napi_python.close(names)  # idempotent
    assert info.closed
    with pytest.raises(napi_python.AddonClosedError):
        names.plain()
    with pytest.raises(TypeError, match="expected an Addon"):
        napi_python.close(tool)  # type: ignore[arg-type]


def test_the_names_of_the_old_helpers_are_js_names_alone(load):
    """What `Addon` and `JSFunction` once answered themselves (the package's first API) is now
    only what JS has under that name: nothing for an addon without such an export, JS's own
    `Function.prototype.call` for a function."""
    functions = load("functions")
    for name in ("path", "pid", "host", "protections", "napi_version", "registration", "exports", "close"):
        with pytest.raises(AttributeError, match=f"has no export '{name}'"):
            getattr(functions, name)
    rust = load("rust_addon")
    for name in ("is_class", "new"):
        with pytest.raises(AttributeError):
            getattr(rust.Counter, name)
    get_this = js.get(napi_python.addon_info(functions).exports, "getThis")
    o = js.object(functions, {"a": 1})
    assert js.strict_equals(get_this.call(o), o)  # JS's Function.prototype.call
    assert js.is_class(rust.Counter) and js.new(rust.Counter, 5).value == 5


@pytest.mark.skipif(IN_PROCESS, reason="crashes its host")
def test_an_export_named_as_an_old_attribute_comes_back_after_a_restart(load):
    names = load("js_names")
    with pytest.raises(AddonCrashedError):
        names.crash()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert names.path == "the addon's own path"  # the host restarted: the export, no warning
    assert names.close()[0] == "close"


def test_every_python_attribute_is_a_dunder_or_a_napi_name():
    """The convention that keeps JS names free: on a proxy or an Addon, a Python attribute is a
    dunder or starts with `_napi_`. A new helper named otherwise would hide a JS property."""
    own_names = {JSSymbol: {"description"}}  # JS's own Symbol.prototype.description
    for cls in (JSObject, JSFunction, JSExternal, JSSymbol, Addon):
        allowed = set().union(*(own_names.get(c, set()) for c in cls.__mro__))
        own = {n for n in dir(cls) if not (n.startswith("__") and n.endswith("__")) and not n.startswith("_napi_")}
        assert own <= allowed, (cls.__name__, sorted(own - allowed))
