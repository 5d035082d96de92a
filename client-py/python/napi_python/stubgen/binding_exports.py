"""Stubs of what a binding really exports when a package's declarations describe its JavaScript
wrapper instead.

``require`` loads a package's binding, not its ``main`` JavaScript. When ``main`` is a wrapper
around another module of the package that loads the binary (@napi-rs/magic-string's ``index.js``
subclasses ``./binding``'s ``MagicString``, parses the JSON string the binding's
``generateDecodedMap`` returns, and hides ``toSourcemapString``), the package's ``index.d.ts``
types the wrapper: a stub written from it would promise an object where a string arrives and
leave out methods that are there.

So the declarations are fitted to the binding, loaded (``fit_to_binding``): an export or class
member the binding lacks is left out; one the wrapper's JavaScript defines again (a method in a
class body, ``module.exports.f = ...``) is the wrapper's, and the binding's own is declared
``(...args: any[]): any``; so is one only the binding has. The members the wrapper leaves alone
keep their declared types: they are the binding's, which the wrapper inherits or passes on.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .. import js
from ..addon import addon_info
from ..hosts.host import load_addon
from ..packages.search import _read_package_json
from ..proxy import JSFunction, JSObject
from .text import _name
from .types import Node, child, children

__all__ = ["JSWrapper", "js_wrapper", "binding_exports", "fit_to_binding", "UNTYPED_TEMPLATE"]

# What a module that loads a binary says: a `.node` file, napi-rs's generated loader, or one of
# the loader packages.
_LOADS_BINARY = re.compile(
    r"""\.node['"`]|\bnativeBinding\b|require\(\s*['"](?:node-gyp-build|node-gyp-build-optional-packages|"""
    r"""pkg-prebuilds(?:/bindings)?|bindings|@mapbox/node-pre-gyp|node-pre-gyp)['"]"""
)
_REEXPORT = re.compile(r"""(?:['"]use strict['"];?)?module\.exports=require\((['"])(\.{1,2}/[^'"]+)\1\);?""")
_LOCAL_REQUIRE = re.compile(r"""require\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")
# A method defined in a class body (`generateDecodedMap(options) {`), and an export assigned
# (`module.exports.compressSync = function`).
_METHOD = re.compile(r"^[ \t]+(?:static\s+)?(?:async\s+)?(?:get\s+|set\s+)?([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*\{", re.M)
_ASSIGNED = re.compile(r"\b(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=(?!=)")

# Declarations whose nodes stand for a member or export typed Any (parsed once per stub).
UNTYPED_TEMPLATE = (
    "export declare class Untyped { method(...args: any[]): any; static method(...args: any[]): any }\n"
    "export declare function untyped(...args: any[]): any\n"
    "export declare const value: any\n"
)


@dataclass(frozen=True)
class JSWrapper:
    """A package whose declarations describe ``main``, a wrapper around ``loader``."""

    main: str
    loader: str
    members: frozenset[str] = frozenset()
    assigned: frozenset[str] = frozenset()


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
            return JSWrapper(
                main.relative_to(pkg).as_posix(),
                spec,
                frozenset(_METHOD.findall(text)) - {"constructor", "if", "for", "while", "switch", "catch", "function"},
                frozenset(_ASSIGNED.findall(text)),
            )
    return None


@dataclass(frozen=True)
class BindingExport:
    """An export of the binding: a class (its prototype's methods and accessors, its static
    members), a function, or a value."""

    kind: str
    members: frozenset[str] = frozenset()
    statics: frozenset[str] = frozenset()


def binding_exports(binary: str) -> dict[str, BindingExport]:
    """The exports of the binding at ``binary``, loaded (in a host of its own)."""
    out: dict[str, BindingExport] = {}
    with load_addon(binary) as addon:
        value = addon_info(addon).exports
        for key in js.keys(value) if isinstance(value, JSObject) else []:
            if not isinstance(key, str):
                continue
            export = js.get(value, key)
            if isinstance(export, JSFunction) and js.is_class(export):
                proto = js.get(export, "prototype")
                members = js.own_property_descriptors(proto) if isinstance(proto, JSObject) else {}
                own = frozenset(k for k in members if isinstance(k, str) and k != "constructor")
                statics = frozenset(
                    k for k in js.keys(export) if isinstance(k, str) and k not in ("length", "name", "prototype")
                )
                out[key] = BindingExport("class", own, statics)
            else:
                out[key] = BindingExport("function" if isinstance(export, JSFunction) else "value")
    return out


def _bare(node: object) -> Any:
    """A template node, copied, without its offsets (which name another text: no doc comment
    may be taken for it)."""
    if isinstance(node, dict):
        items = cast("dict[str, object]", node).items()
        return {k: _bare(v) for k, v in items if k not in ("start", "end", "range", "loc")}
    if isinstance(node, list):
        return [_bare(v) for v in cast("list[object]", node)]
    return node


def _renamed(node: Node, name: str) -> Node:
    out: Node = _bare(node)
    target = child(out, "key") or child(out, "id")
    assert target is not None, "the templates' members and declarations have a name"
    target["name"] = name
    return out


def _key(member: Node) -> str | None:
    return None if member.get("computed") else _name(member.get("key"))


class _Templates:
    def __init__(self, template: Node) -> None:
        statements = [s["declaration"] for s in template["body"]]
        self.method, self.static = statements[0]["body"]["body"]
        self.cls, self.function, self.value = statements[0], statements[1], statements[2]

    def member(self, name: str, static: bool) -> Node:
        return _renamed(self.static if static else self.method, name)

    def export(self, name: str, export: BindingExport) -> Node:
        if export.kind == "class":
            cls = _renamed(self.cls, name)
            cls["body"]["body"] = [self.member(m, False) for m in sorted(export.members)] + [
                self.member(s, True) for s in sorted(export.statics)
            ]
            return {"type": "ExportNamedDeclaration", "declaration": cls, "specifiers": [], "source": None}
        if export.kind == "function":
            decl = _renamed(self.function, name)
        else:
            decl = copy.deepcopy(_bare(self.value))
            decl["declarations"][0]["id"]["name"] = name
        return {"type": "ExportNamedDeclaration", "declaration": decl, "specifiers": [], "source": None}


def _fit_class(decl: Node, export: BindingExport, wrapper: JSWrapper, make: _Templates, untyped: list[str]) -> None:
    cls = decl["id"]["name"]
    kept: list[Node] = []
    declared: set[str] = set()
    for member in decl["body"]["body"]:
        key = _key(member)
        static = bool(member.get("static"))
        if key is None or member.get("kind") == "constructor":
            kept.append(member)
            continue
        has = key in (export.statics if static else export.members)
        if not has:
            continue  # the wrapper's own
        declared.add(key)
        if key in wrapper.members:
            if key not in {_key(m) for m in kept}:
                kept.append(make.member(key, static))
                untyped.append(f"{cls}.{key}")
            continue
        kept.append(member)
    for key in sorted(export.members - declared):
        kept.append(make.member(key, False))
        untyped.append(f"{cls}.{key}")
    for key in sorted(export.statics - declared):
        kept.append(make.member(key, True))
        untyped.append(f"{cls}.{key}")
    decl["body"]["body"] = kept


def _declared_name(decl: Node) -> str | None:
    if decl["type"] == "VariableDeclaration":
        names = [_name(d.get("id")) for d in children(decl, "declarations")]
        return names[0] if len(names) == 1 else None
    return _name(decl.get("id"))


def fit_to_binding(
    program: Node, exports: dict[str, BindingExport], wrapper: JSWrapper, template: Node
) -> tuple[Node, list[str], list[str]]:
    """``program`` (the wrapper's declarations) fitted to the binding's ``exports``; with the
    names it types Any (members the wrapper defines again, or only the binding has) and the
    exports it leaves out (the wrapper's own)."""
    make = _Templates(template)
    body: list[Node] = []
    untyped: list[str] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for statement in program["body"]:
        decl = statement.get("declaration") if statement["type"] == "ExportNamedDeclaration" else None
        name = _declared_name(decl) if decl is not None else None
        if (
            decl is None
            or name is None
            or decl["type"] not in ("ClassDeclaration", "TSDeclareFunction", "VariableDeclaration")
        ):
            body.append(statement)
            continue
        export = exports.get(name)
        if export is None:
            dropped.append(name)
            continue
        if decl["type"] == "ClassDeclaration" and export.kind == "class":
            _fit_class(decl, export, wrapper, make, untyped)
        elif name in wrapper.assigned or (decl["type"] == "ClassDeclaration") != (export.kind == "class"):
            if name in seen:
                continue
            statement = make.export(name, export)
            untyped.append(name)
        body.append(statement)
        seen.add(name)
    # A name the file declares otherwise (an enum, an interface, a namespace) is not declared
    # again: the stub would define it twice.
    for statement in children(program, "body"):
        decl = child(statement, "declaration") if statement["type"] == "ExportNamedDeclaration" else statement
        if decl is not None and (other := _declared_name(decl)) is not None:
            seen.add(other)
        for spec in children(statement, "specifiers"):
            if (exported := _name(spec.get("exported"))) is not None:
                seen.add(exported)
    for name, export in exports.items():
        if name not in seen and name.isidentifier():
            body.append(make.export(name, export))
            untyped.append(name)
    return {**program, "body": body}, untyped, sorted(set(dropped))
