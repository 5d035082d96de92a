"""Stubs of what a binding really exports when a package's declarations describe its JavaScript
wrapper instead.

``require`` loads a package's binding, not its ``main`` JavaScript. When ``main`` is a wrapper
around another module of the package that loads the binary (@napi-rs/magic-string's ``index.js``
subclasses ``./binding``'s ``MagicString``, parses the JSON string the binding's
``generateDecodedMap`` returns, and hides ``toSourcemapString``), the package's ``index.d.ts``
types the wrapper: a stub written from it would promise an object where a string arrives and
leave out methods that are there. Nothing declares the binding itself, so the stub is read from
the binding's exports, loaded: their names and kinds (functions, classes with their methods,
accessors and static members, constants), every argument and result ``Any``; its docstring says
why.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import js
from ..addon import addon_info
from ..host import load_addon
from ..package_search import _read_package_json
from ..proxy import JSFunction, JSObject, JSSymbol
from ..values import BigInt

__all__ = ["JSWrapper", "js_wrapper", "binding_stub"]

# What a module that loads a binary says: a `.node` file, napi-rs's generated loader, or one of
# the loader packages.
_LOADS_BINARY = re.compile(
    r"""\.node['"`]|\bnativeBinding\b|require\(\s*['"](?:node-gyp-build|node-gyp-build-optional-packages|"""
    r"""pkg-prebuilds(?:/bindings)?|bindings|@mapbox/node-pre-gyp|node-pre-gyp)['"]"""
)
_REEXPORT = re.compile(r"""(?:['"]use strict['"];?)?module\.exports=require\((['"])(\.{1,2}/[^'"]+)\1\);?""")
_LOCAL_REQUIRE = re.compile(r"""require\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")


class JSWrapper:
    """A package whose declarations describe ``main``, a wrapper around ``loader``."""

    def __init__(self, main: str, loader: str) -> None:
        self.main = main
        self.loader = loader


def _module(base: Path, spec: str) -> Path | None:
    """The file Node's ``require(spec)`` from ``base`` names: as is, ``.js``, or ``index.js``."""
    target = base / spec
    for candidate in (target, target.with_name(target.name + ".js"), target / "index.js"):
        if candidate.is_file():
            return candidate
    return None


def _code(text: str) -> str:
    """``text`` without comments and blanks, for matching a one-statement module."""
    return re.sub(r"/\*.*?\*/|//[^\n]*|\s+", "", text, flags=re.S)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def js_wrapper(pkg: Path, dts: Path) -> JSWrapper | None:
    """The wrapper ``dts`` describes, when it is the declarations of the package's ``main`` (its
    ``types``, or ``index.d.ts``) and ``main`` loads no binary itself but requires a module of
    the package that does; None when the declarations are the binding's (napi-rs's generated
    loader as ``main``, or a ``binding.d.ts``)."""
    if dts.name == "binding.d.ts":
        return None
    main_field = _read_package_json(pkg).get("main")
    main = _module(pkg, main_field if isinstance(main_field, str) else "index.js")
    if main is None:
        return None
    text = _text(main)
    # `module.exports = require('./src/x.cjs')` (koffi's index.cjs) only passes another module on.
    passed_on = _REEXPORT.fullmatch(_code(text))
    while passed_on is not None and (target := _module(main.parent, passed_on[2])) is not None:
        main, text = target, _text(target)
        passed_on = _REEXPORT.fullmatch(_code(text))
    if _LOADS_BINARY.search(text):
        return None
    for spec in _LOCAL_REQUIRE.findall(text):
        loader = _module(main.parent, spec)
        if loader is not None and _LOADS_BINARY.search(_text(loader)):
            return JSWrapper(main.relative_to(pkg).as_posix(), spec)
    return None


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, BigInt):
        return "BigInt"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return "dict[str, Any]"
    if isinstance(value, list):
        return "list[Any]"
    return "Any"


_UNTYPED = "(self, *args: Any) -> Any: ..."


def _class_lines(name: str, cls: JSFunction) -> list[str]:
    proto = js.get(cls, "prototype")
    members = js.own_property_descriptors(proto) if isinstance(proto, JSObject) else {}
    body = ["def __init__(self, *args: Any) -> None: ..."]
    for key, d in members.items():
        if not isinstance(key, str) or not key.isidentifier() or key == "constructor":
            continue
        if "get" in d or "set" in d:
            body += ["@property", f"def {key}(self) -> Any: ..."]
        elif isinstance(d.get("value"), JSFunction):
            body.append(f"def {key}{_UNTYPED}")
    for key in js.keys(cls):
        if isinstance(key, str) and key.isidentifier() and key not in ("length", "name", "prototype"):
            static = js.get(cls, key)
            if isinstance(static, JSFunction):
                body += ["@staticmethod", f"def {key}(*args: Any) -> Any: ..."]
            else:
                body.append(f"{key}: ClassVar[{_value_type(static)}]")
    return [f"class {name}:", *(f"    {line}" for line in body), ""]


def binding_stub(binary: str, header: str) -> str:
    """The stub of the exports of the binding at ``binary``, loaded, with ``header`` as its
    docstring."""
    classes: list[str] = []
    exports: list[str] = []
    with load_addon(binary) as addon:
        value = addon_info(addon).exports
        entries = [(k, js.get(value, k)) for k in js.keys(value)] if isinstance(value, JSObject) else []
        for key, export in entries:
            if isinstance(key, JSSymbol) or not str(key).isidentifier() or str(key).startswith(("__", "_napi_")):
                continue
            name = str(key)
            if isinstance(export, JSFunction) and js.is_class(export):
                classes += _class_lines(name, export)
                exports.append(f"{name}: type[{name}]")
            elif isinstance(export, JSFunction):
                exports.append(f"def {name}{_UNTYPED}")
            else:
                exports.append(f"{name}: {_value_type(export)}")
    doc = '"""The exports of the addon: ``cast("Exports", require(...))``."""'
    body = "\n".join(classes + exports)
    typing = ["Any", *(["ClassVar"] if "ClassVar[" in body else []), "Protocol"]
    ours = [*(["BigInt"] if "BigInt" in body else []), "TypedAddon"]
    lines = [
        f'"""{header}\n"""',
        "",
        f"from typing import {', '.join(typing)}",
        "",
        f"from napi_python import {', '.join(ours)}",
        "",
        *classes,
        "class Exports(TypedAddon, Protocol):",
        f"    {doc}",
        *(f"    {line}" for line in exports),
    ]
    return "\n".join(lines) + "\n"
