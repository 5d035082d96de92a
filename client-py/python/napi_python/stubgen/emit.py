"""A ``.pyi`` module from the AST of a ``.d.ts`` file: its types, its classes and an ``Exports``
protocol with one member per export, for ``cast("Exports", require(...))``.

What a declaration becomes (the types themselves: ``types``):

- ``export declare function f(...)``: a method of ``Exports``, its parameters positional-only
  (a JS function takes no keywords); several declarations of ``f`` are ``@overload``s;
- ``export declare const x: T``: a read-only property of ``Exports``; ``const g: typeof f``
  has ``f``'s signature;
- an interface or object type with properties only (napi-rs ``#[napi(object)]``): a
  ``TypedDict``, since such objects cross as dicts; one with methods or call signatures: a
  ``Protocol`` (its optional members read by subscription, an absent one being no attribute),
  which a parameter also accepts as a dict of its methods' callables (``_passed``;
  an interface of both kinds has the members it extends); one with a property that is or may be a function is a ``TypedDict`` as a
  parameter (a dict passes, its callables becoming functions) and, where it arrives, a
  ``Protocol`` read by subscription (``_keyed``): such an object is no plain data, a
  ``JSObject``, unless its optional function is absent; so is one holding such an object (a
  dict arrives, what it holds as it arrives), and an alias of either;
- a class: a class with its constructor as ``__init__``, its methods, static methods, getters
  and setters, and ``Exports.C`` is ``type[C]`` (calling the class constructs);
- an enum (napi-rs ``const enum``): its values' ``Literal`` type, and ``Exports.E`` is a
  ``Protocol`` reading each member by subscription, ``E["Red"]``: the enum object arrives as a
  ``JSObject`` when its members are not enumerable (napi-rs 3) and as a dict when they are
  plain properties, and subscription is what both answer alike (``_getitem``);
- a namespace: a ``Protocol`` of its exports, and ``Exports.N`` is that: its members as
  attributes when one is a function (the object is then a ``JSObject``), read by subscription
  when all are constants (a plain object of constants arrives as a dict, napi-rs's among them;
  one whose constants are not enumerable as a ``JSObject``);
- a type alias: a ``TypeAlias``;
- ``export default``: nothing (a JavaScript module's; the binary ``require`` loads has none).
"""

from __future__ import annotations

import ast

from .declarations import DeclarationWriter
from .docs import Docs, docstring
from .text import _IMPORTS, _camel, _counts, _indent, _name, _property
from .types import OUT, Node, child, children, is_identifier

__all__ = ["write_stub"]


class _Stub(DeclarationWriter):
    """The whole stub: its declarations, then the ``Exports`` protocol of what the addon exports."""

    def exports_protocol(self) -> list[str]:
        body: list[str] = []
        with self._members(iter(self.exports)):
            for name, decl in self.exports.items():
                # Addon keeps dunders and `_napi_` names for itself; every other export is an
                # attribute under its own name, as at run time.
                if name.startswith(("__", "_napi_")) or not is_identifier(name):
                    self.skipped.append(name)
                    continue
                body += self._export(name, decl)
        lines = ["class Exports(TypedAddon, Protocol):"]
        doc = '"""The exports of the addon: ``cast("Exports", require(...))``.'
        if self.skipped:
            doc += f"\n\nReached as ``addon[name]`` only: {', '.join(sorted(self.skipped))}."
        return lines + _indent([doc + '"""', *body])

    def _export(self, name: str, decl: Node) -> list[str]:
        kind = decl["type"]
        if kind == "TSDeclareFunction":
            decls = self.functions.get(_name(decl["id"]) or "", [decl])
            return [
                self._def(name, d, _camel(name), overload=len(decls) > 1, doc=self.doc_of.get(id(d))) for d in decls
            ]
        if kind == "ClassDeclaration":
            cls = self._unshadow(self.declared[_name(decl["id"]) or name])
            return ["@property", f"def {name}(self) -> type[{cls}]: ..."]
        if kind == "TSEnumDeclaration":
            return ["@property", f"def {name}(self) -> _{self.declared[_name(decl['id']) or name]}Members: ..."]
        if kind == "TSModuleDeclaration":
            return ["@property", f"def {name}(self) -> {self._namespace(name, decl)}: ..."]
        # A variable: `typeof f` has f's signature.
        ann = child(child(decl["id"], "typeAnnotation"), "typeAnnotation")
        if ann and ann["type"] == "TSTypeQuery":
            target = _name(child(ann, "exprName"))
            if target in self.functions:
                decls = self.functions[target]
                return [self._def(name, d, _camel(name), overload=len(decls) > 1) for d in decls]
        return _property(name, self._type(decl["id"], OUT, _camel(name)), self.doc_of.get(id(decl)))

    def _namespace(self, name: str, decl: Node) -> str:
        py = f"_{_camel(name)}Namespace"
        statements = children(child(decl, "body"), "body")
        inner = [child(s, "declaration") if s["type"] == "ExportNamedDeclaration" else s for s in statements]
        constants = [d for i in inner if i and i["type"] == "VariableDeclaration" for d in i["declarations"]]
        if not any(i and i["type"] in ("TSDeclareFunction", "ClassDeclaration") for i in inner):
            # Constants only: a plain object (napi-rs sets them as enumerable properties), which
            # arrives as a dict, unless they are not enumerable.
            self.blocks[py] = []
            self.blocks[py] = self._keyed(py, [d["id"] for d in constants], self.doc_of.get(id(decl)))
            return py
        names = (_name(child(i, "id")) for i in inner)
        with self._members(names):
            self.blocks[py] = [f"class {py}(Protocol):", *_indent(self._namespace_body(py, inner) or ["..."])]
        return py

    def _namespace_body(self, py: str, statements: list[Node | None]) -> list[str]:
        body: list[str] = []
        functions = _counts(_name(child(i, "id")) for i in statements if i and i["type"] == "TSDeclareFunction")
        for inner in statements:
            if inner and inner["type"] == "TSDeclareFunction":
                fname = _name(inner["id"])
                if fname and is_identifier(fname):
                    body.append(self._def(fname, inner, f"{py}{_camel(fname)}", overload=functions[fname] > 1))
            elif inner and inner["type"] == "VariableDeclaration":
                for d in inner["declarations"]:
                    vname = _name(d["id"])
                    if vname and is_identifier(vname):
                        t = self._type(d["id"], OUT, f"{py}{_camel(vname)}")
                        body += ["@property", f"def {vname}(self) -> {t}: ..."]
        return body


def _imports(body: str) -> list[str]:
    """The import lines for the names the stub's text uses (read from its Python AST)."""
    used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
    by_module: dict[str, list[str]] = {}
    for name, module in _IMPORTS.items():
        if name in used:
            by_module.setdefault(module, []).append(name)
    # Grouped as isort has it: the standard library, typing_extensions, napi_python.
    # `import builtins` (a builtin a member hides, read as builtins.tuple) before any `from`.
    groups: list[list[str]] = [["import builtins"] if "builtins" in used else [], [], []]
    for module in sorted(by_module):
        # isort's order by type: CONSTANTS, Classes, functions.
        names = sorted(by_module[module], key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
        group = 2 if module == "napi_python" else 1 if module == "typing_extensions" else 0
        groups[group].append(f"from {module} import {', '.join(names)}")
    return ["\n".join(g) for g in groups if g]


def write_stub(program: Node, header: str, comments: list[Node] | None = None, source: str = "") -> str:
    """The ``.pyi`` text for the declarations ``program``; ``header`` is its docstring. JSDoc
    ``comments`` (oxc's, with offsets into ``source``) become docstrings."""
    stub = _Stub(program, Docs(comments or [], source))
    stub.collect()
    stub.declare_types()
    exports = stub.exports_protocol()
    unused = {*stub.mapper.arriving.values(), *stub.mapper.passed.values()} - stub.mapper.arrived
    blocks = [lines for name, lines in stub.blocks.items() if lines and name not in unused]
    if stub.aliases:
        blocks.append(list(stub.aliases.values()))
    body = "\n\n".join("\n".join(b) for b in [*blocks, exports]) + "\n"
    if stub.mapper.unknown:
        header += "\n\nNot declared in the file, so typed Any: " + ", ".join(sorted(stub.mapper.unknown)) + "."
    # Escaped as any docstring: a Windows path in it (C:\users...) would begin a \u escape.
    parts = [docstring(header), *_imports(body), body]
    return "\n\n".join(p for p in parts if p)
