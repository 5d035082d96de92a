"""A ``.pyi`` module from the AST of a ``.d.ts`` file: its types, its classes and an ``Exports``
protocol with one member per export, for ``cast("Exports", require(...))``.

What a declaration becomes (the types themselves: ``types``):

- ``export declare function f(...)``: a method of ``Exports``, its parameters positional-only
  (a JS function takes no keywords); several declarations of ``f`` are ``@overload``s;
- ``export declare const x: T``: a read-only property of ``Exports``; ``const g: typeof f``
  has ``f``'s signature;
- an interface or object type with properties only (napi-rs ``#[napi(object)]``): a
  ``TypedDict``, since such objects cross as dicts; one with methods or call signatures: a
  ``Protocol``, which a parameter also accepts as a dict of its methods' callables (``_passed``;
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
from collections.abc import Iterator
from typing import Any

from .docs import Docs, docstring
from .types import (
    DATA,
    IN,
    OUT,
    Node,
    TypeMapper,
    child,
    children,
    is_identifier,
    may_be_jsobject,
    qualified_name,
    type_names,
    union,
)

__all__ = ["write_stub"]

# Where the names a stub uses come from.
_IMPORTS = {
    "Awaitable": "collections.abc",
    "Callable": "collections.abc",
    "Mapping": "collections.abc",
    "Sequence": "collections.abc",
    "datetime": "datetime",
    "Any": "typing",
    "ClassVar": "typing",
    "Literal": "typing",
    "Protocol": "typing",
    "TypedDict": "typing",
    "Never": "typing",
    "NotRequired": "typing",
    "TypeAlias": "typing",
    "overload": "typing",
    "Buffer": "typing_extensions",
    "BigInt": "napi_python",
    "JSBuffer": "napi_python",
    "JSFunction": "napi_python",
    "JSObject": "napi_python",
    "JSPromise": "napi_python",
    "JSSymbol": "napi_python",
    "TypedAddon": "napi_python",
}
_DECLARATIONS = (
    "TSInterfaceDeclaration",
    "TSTypeAliasDeclaration",
    "ClassDeclaration",
    "TSEnumDeclaration",
    "TSDeclareFunction",
    "VariableDeclaration",
    "TSModuleDeclaration",
)


def _name(node: Node | None) -> str | None:
    if node is None:
        return None
    if node["type"] == "Identifier":
        return str(node["name"])
    if node["type"] == "Literal" and isinstance(node.get("value"), str):
        return str(node["value"])
    return None


def _py_name(name: str) -> str:
    """A parameter or attribute name Python accepts (``from`` -> ``from_``)."""
    return name if is_identifier(name) and name != "self" else f"{name}_" if (name + "_").isidentifier() else "arg"


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_") if part)


class _Stub:
    def __init__(self, program: Node, docs: Docs) -> None:
        self.program = program
        self.docs = docs
        # The JSDoc of each top-level declaration (by id: the nodes are the AST's own), which
        # precedes its `export` keyword when it is exported.
        self.doc_of: dict[int, str | None] = {}
        # Python name -> lines of its declaration, in the order written.
        self.blocks: dict[str, list[str]] = {}
        self.declared: dict[str, str] = {}
        self.mapper = TypeMapper(self.declared, self._hoist)
        self.functions: dict[str, list[Node]] = {}
        # Exported value name -> what it is (its declaration node).
        self.exports: dict[str, Node] = {}
        self.skipped: list[str] = []
        # Member names of the class being written, and the aliases that reach around them.
        self.shadow: frozenset[str] = frozenset()
        self.aliases: dict[str, str] = {}

    # --- collecting ---

    def _top_level(self) -> Iterator[tuple[Node, bool]]:
        for statement in self.program["body"]:
            if statement["type"] == "ExportNamedDeclaration" and statement.get("declaration"):
                yield statement["declaration"], True
            elif statement["type"] in _DECLARATIONS:
                # Not exported: its types are still visible in the file.
                yield statement, False

    def collect(self) -> None:
        objects: dict[str, list[Node]] = {}
        aliases: dict[str, str] = {}
        for statement in self.program["body"]:
            decl = child(statement, "declaration") if statement["type"] == "ExportNamedDeclaration" else statement
            if decl is not None:
                doc = self.docs.before(statement)
                self.doc_of[id(decl)] = doc
                for d in children(decl, "declarations"):
                    self.doc_of[id(d)] = doc
        for decl, exported in self._top_level():
            kind = decl["type"]
            if kind == "VariableDeclaration":
                for d in decl["declarations"]:
                    name = _name(d["id"])
                    if name and exported:
                        self.exports[name] = d
                continue
            name = _name(decl.get("id"))
            if name is None:
                continue
            if kind == "TSDeclareFunction":
                self.functions.setdefault(name, []).append(decl)
                if exported:
                    self.exports[name] = decl
                continue
            if kind in ("ClassDeclaration", "TSModuleDeclaration", "TSEnumDeclaration") and exported:
                self.exports[name] = decl
            if kind != "TSModuleDeclaration":
                self.declared.setdefault(name, name if is_identifier(name) and name not in _IMPORTS else f"{name}_")
                members = self._members_of(decl)
                if members is not None and _properties_only(members):
                    objects[name] = members
                elif members is not None and _dict_can_pass(members):
                    self.mapper.passed[self.declared[name]] = f"_{self.declared[name]}Dict"
                elif kind == "TSTypeAliasDeclaration" and decl["typeAnnotation"]["type"] == "TSTypeReference":
                    aliases[name] = qualified_name(decl["typeAnnotation"]["typeName"])
        self._mark_arriving(objects, aliases)
        # export { a as b }: the value `a` under the name `b`.
        for statement in self.program["body"]:
            if statement["type"] == "ExportNamedDeclaration" and not statement.get("source"):
                for spec in children(statement, "specifiers"):
                    local, exported_name = _name(spec["local"]), _name(spec["exported"])
                    target = self._value(local)
                    if exported_name and target is not None:
                        self.exports[exported_name] = target

    def _mark_arriving(self, objects: dict[str, list[Node]], aliases: dict[str, str]) -> None:
        """Gives an arriving type (``TypeMapper.arriving``) to each object type of properties that
        may arrive as a ``JSObject``, to each whose properties hold one (a dict arrives, but what
        it holds is typed as it arrives), and to the aliases of those (``type A = B``)."""
        arriving = self.mapper.arriving
        marked = True
        while marked:
            marked = False
            for name, members in objects.items():
                py = self.declared[name]
                if py not in arriving and (may_be_jsobject(members) or self._holds_arriving(members)):
                    arriving[py] = f"_{py}Object"
                    marked = True
            for name, target in aliases.items():
                py, of = self.declared[name], self.declared.get(target)
                if py not in arriving and of in arriving:
                    arriving[py] = arriving[of]
                    marked = True

    def _members_of(self, decl: Node, seen: frozenset[str] = frozenset()) -> list[Node] | None:
        """The members of an interface with those of the interfaces it extends, or of a type
        alias of an object type (``type T = {...}``)."""
        members = _object_members(decl)
        if members is None:
            return None
        inherited: list[Node] = []
        for base in (_name(e["expression"]) for e in children(decl, "extends")):
            found = self._interface(base)
            if base and found is not None and base not in seen:
                inherited = _overridden(inherited, self._members_of(found, seen | {base}) or [])
        return _overridden(inherited, members)

    def _interface(self, name: str | None) -> Node | None:
        """The file's interface of that name."""
        return next(
            (d for d, _ in self._top_level() if d["type"] == "TSInterfaceDeclaration" and _name(d["id"]) == name),
            None,
        )

    def _holds_arriving(self, members: list[Node]) -> bool:
        arriving = {name for name, py in self.declared.items() if py in self.mapper.arriving}
        return any(name in arriving for m in members for name in type_names(m.get("typeAnnotation")))

    def _value(self, name: str | None) -> Node | None:
        for decl, _ in self._top_level():
            if decl["type"] == "VariableDeclaration":
                for d in decl["declarations"]:
                    if _name(d["id"]) == name:
                        return dict(d)
            elif _name(decl.get("id")) == name and decl["type"] != "TSInterfaceDeclaration":
                if decl["type"] != "TSTypeAliasDeclaration":
                    return dict(decl)
        return None

    # --- names in class bodies ---

    def _type(self, holder: Node | None, way: str, hint: str) -> str:
        return self._unshadow(self.mapper.annotation(holder, way, hint))

    def _unshadow(self, text: str) -> str:
        """``text`` with the names that the class being written defines as members (a method
        ``Color`` of ``Exports`` hides the module's type ``Color`` from annotations after it)
        read through module-level aliases (``_Type_Color: TypeAlias = Color``)."""
        if not self.shadow:
            return text
        tree = ast.parse(text, mode="eval")
        renamed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in self.shadow:
                alias = f"_Type_{node.id}"
                self.aliases.setdefault(alias, f"{alias}: TypeAlias = {node.id}")
                node.id = alias
                renamed = True
        return ast.unparse(tree) if renamed else text

    def _members(self, names: Iterator[str | None]) -> _Shadow:
        return _Shadow(self, frozenset(n for n in names if n))

    # --- declarations ---

    def declare_types(self) -> None:
        for decl, _ in self._top_level():
            kind, name = decl["type"], _name(decl.get("id"))
            if name is None or name not in self.declared:
                continue
            py = self.declared[name]
            if kind == "TSTypeAliasDeclaration" and py not in self.blocks:
                with self._generic(decl):
                    value = self.mapper.map(decl["typeAnnotation"], DATA, py)
                    self._arriving(py, decl)
                self.blocks[py] = [f"{py}: TypeAlias = {value}"]
            elif kind == "TSInterfaceDeclaration" and py not in self.blocks:
                with self._generic(decl):
                    # Only an interface is a base a TypedDict can have (an alias may be Any).
                    bases = [
                        self.declared[b]
                        for b in (_name(e["expression"]) for e in children(decl, "extends"))
                        if b in self.declared and self._interface(b) is not None
                    ]
                    members = decl["body"]["body"]
                    inherited = self._members_of(decl) or members
                    if not _properties_only(inherited):
                        # A Protocol cannot extend a TypedDict: it has the members it inherits.
                        members, bases = inherited, []
                    self.blocks[py] = self._object(py, members, bases, self.doc_of.get(id(decl)))
                    self._arriving(py, decl)
                    self._passed(py, decl)
            elif kind == "ClassDeclaration":
                with self._generic(decl):
                    self.blocks[py] = self._class(py, decl)
            elif kind == "TSEnumDeclaration":
                self._enum(py, decl)

    def _generic(self, decl: Node) -> _TypeParameters:
        return _TypeParameters(self.mapper, decl)

    def _hoist(self, members: list[Node], hint: str, way: str) -> str:
        """Declares an inline object type under a name made from where it appears."""
        base = "_" + _camel(hint)
        name, n = base, 1
        while name in self.blocks:
            n += 1
            name = f"{base}{n}"
        self.blocks[name] = []  # reserved before its members (which may hoist more)
        if way == OUT and _properties_only(members) and (may_be_jsobject(members) or self._holds_arriving(members)):
            self.blocks[name] = self._keyed(name, members, None)
        else:
            self.blocks[name] = self._object(name, members, [])
        return name

    def _arriving(self, py: str, decl: Node) -> None:
        """The type of the object ``decl`` declares where it arrives, if that is not its
        TypedDict (``TypeMapper.arriving``)."""
        name = self.mapper.arriving.get(py)
        members = self._members_of(decl)
        if name is not None and members is not None:
            self.blocks[name] = []
            self.blocks[name] = self._keyed(name, members, self.doc_of.get(id(decl)))

    def _keyed(self, name: str, members: list[Node], doc: str | None) -> list[str]:
        """A Protocol reading the properties ``members`` by subscription, ``obj["key"]``, which a
        ``JSObject`` and a dict both answer (an optional one a JSObject lacks reads as None)."""
        pairs: list[tuple[str, str]] = []
        for m in members:
            key = _name(m.get("key") or m)  # a property's key, or a constant's own name
            if key is not None:
                t = self._type(m, OUT, f"{name}{_camel(key)}")
                pairs.append((key, union([t, "None"]) if m.get("optional") else t))
        note = 'Read as ``obj["key"]`` (the object is a JSObject or a dict).'
        return [
            f"class {name}(Protocol):",
            *_indent([docstring(f"{doc}\n\n{note}" if doc else note), *_getitem(pairs)]),
        ]

    def _object(self, name: str, members: list[Node], bases: list[str], doc: str | None = None) -> list[str]:
        """A TypedDict when every member is a property (data crossing as a dict), else a Protocol."""
        if _properties_only(members):
            return self._typed_dict(name, members, bases, doc)
        with self._members(_name(m.get("key")) for m in members):
            return self._protocol(name, members, bases, doc)

    def _protocol(self, name: str, members: list[Node], bases: list[str], doc: str | None) -> list[str]:
        body: list[str] = [docstring(doc)] if doc else []
        signatures = _counts(
            "__call__" if m["type"] == "TSCallSignatureDeclaration" else _name(m.get("key"))
            for m in members
            if m["type"] in ("TSMethodSignature", "TSCallSignatureDeclaration")
        )
        for m in members:
            key = _name(m.get("key"))
            if m["type"] == "TSPropertySignature" and key and is_identifier(key):
                t = self._type(m, OUT if m.get("readonly") else DATA, f"{name}{_camel(key)}")
                if m.get("optional"):
                    t = union([t, "None"])
                if m.get("readonly"):
                    body += ["@property", f"def {key}(self) -> {t}: ..."]
                else:
                    body.append(f"{key}: {t}")
            elif m["type"] == "TSMethodSignature" and key and is_identifier(key) and m.get("kind") == "method":
                overload = signatures[key] > 1
                body.append(self._def(key, m, f"{name}{_camel(key)}", overload=overload, doc=self.docs.before(m)))
            elif m["type"] == "TSCallSignatureDeclaration":
                body.append(self._def("__call__", m, f"{name}Call", overload=signatures["__call__"] > 1))
        return [f"class {name}({', '.join([*bases, 'Protocol'])}):", *_indent(body or ["..."])]

    def _typed_dict(self, name: str, members: list[Node], bases: list[str], doc: str | None) -> list[str]:
        fields: list[tuple[str, str]] = []
        for m in members:
            key = _name(m["key"])
            if key is None:
                continue
            t = self._type(m, DATA, f"{name}{_camel(key)}")
            fields.append((key, f"NotRequired[{t}]" if m.get("optional") else t))
        return _typed_dict_lines(name, fields, bases, doc)

    def _passed(self, py: str, decl: Node) -> None:
        """The dict that passes for the object with methods ``decl`` declares (``TypeMapper.passed``):
        its methods as callables, which a dict carries as functions; a Python object with those
        methods would pass as an opaque object instead."""
        name = self.mapper.passed.get(py)
        members = self._members_of(decl)
        if name is None or members is None:
            return
        self.blocks[name] = []
        overloaded = _counts(_name(m.get("key")) for m in members if m["type"] == "TSMethodSignature")
        fields: list[tuple[str, str]] = []
        for m in members:
            key = _name(m["key"])
            if key is None or (m["type"] == "TSMethodSignature" and overloaded[key] > 1 and key in dict(fields)):
                continue
            hint = f"{name}{_camel(key)}"
            if m["type"] != "TSMethodSignature":
                t = self._type(m, DATA, hint)
            else:
                t = "Callable[..., Any]" if overloaded[key] > 1 else self.mapper.map(m, DATA, hint)
            fields.append((key, f"NotRequired[{t}]" if m.get("optional") else t))
        self.blocks[name] = _typed_dict_lines(name, fields, [], self.doc_of.get(id(decl)))

    def _enum(self, py: str, decl: Node) -> None:
        values: list[tuple[str, str]] = []
        previous: Any = -1
        for member in decl["body"]["members"]:
            key = _name(member["id"])
            init = member.get("initializer")
            # An uninitialised member is the previous number plus one, as in TS.
            value = (
                init.get("value")
                if init and init["type"] == "Literal"
                else previous + 1
                if isinstance(previous, int)
                else None
            )
            previous = value
            if key is not None and value is not None:
                values.append((key, repr(value)))
        literal = f"Literal[{', '.join(dict.fromkeys(v for _, v in values))}]" if values else "int"
        self.blocks[py] = [f"{py}: TypeAlias = {literal}"]
        members = f"_{py}Members"
        # Members that are not enumerable (napi-rs 3's, as in @napi-rs/pinyin) make the object a
        # JSObject (`E.Red` works, `E.get` does not); plain properties make it a dict (`E.Red`
        # does not work): subscription is the reading that works on either.
        doc = f'"""The members of the enum {py}, read as ``{py}["Member"]`` (the object is a JSObject or a dict)."""'
        typed = [(key, f"Literal[{value}]") for key, value in values]
        self.blocks[members] = [f"class {members}(Protocol):", *_indent([doc, *_getitem(typed)])]

    def _class(self, py: str, decl: Node) -> list[str]:
        with self._members(_name(m.get("key")) for m in decl["body"]["body"]):
            return self._class_body(py, decl)

    def _class_body(self, py: str, decl: Node) -> list[str]:
        body: list[str] = []
        superclass = decl.get("superClass")
        base = _name(superclass) if superclass else None
        bases = f"({self.declared[base]})" if base in self.declared else ""
        # Setters go right after their getter (Python's @x.setter needs the property first),
        # wherever TS declared them; one without a getter is write-only, which Python lacks.
        setters = {_name(m["key"]): m["value"] for m in decl["body"]["body"] if m.get("kind") == "set"}
        overloaded = _counts(
            _name(m["key"]) for m in decl["body"]["body"] if m.get("kind") in ("method", "constructor")
        )
        for m in decl["body"]["body"]:
            key = _name(m.get("key"))
            if m.get("computed") or key is None or m.get("accessibility") in ("private", "protected"):
                continue
            if m["type"] == "MethodDefinition":
                kind, fn = m["kind"], m["value"]
                if kind == "constructor":
                    body.append(
                        self._def(
                            "__init__",
                            fn,
                            f"{py}New",
                            result="None",
                            overload=overloaded[key] > 1,
                            doc=self.docs.before(m),
                        )
                    )
                elif not is_identifier(key):
                    continue
                elif kind == "get":
                    t = self._type(fn.get("returnType"), OUT, f"{py}{_camel(key)}")
                    body += _property(key, t, self.docs.before(m))
                    setter = setters.get(key)
                    if setter is not None:
                        params = children(setter, "params")
                        t = self._type(params[0] if params else None, IN, f"{py}{_camel(key)}")
                        body += [f"@{key}.setter", f"def {key}(self, value: {t}) -> None: ..."]
                elif kind == "set":
                    continue
                else:
                    body.append(
                        self._def(
                            key,
                            fn,
                            f"{py}{_camel(key)}",
                            static=m.get("static", False),
                            overload=overloaded[key] > 1,
                            doc=self.docs.before(m),
                        )
                    )
            elif m["type"] in ("PropertyDefinition", "TSAbstractPropertyDefinition") and is_identifier(key):
                readonly = m.get("readonly")
                t = self._type(m, OUT if readonly else DATA, f"{py}{_camel(key)}")
                if m.get("optional"):
                    t = union([t, "None"])
                if m.get("static"):
                    body.append(f"{key}: ClassVar[{t}]")
                elif readonly:
                    body += _property(key, t, self.docs.before(m))
                else:
                    body.append(f"{key}: {t}")
        doc = self.doc_of.get(id(decl))
        return [f"class {py}{bases}:", *_indent(([docstring(doc)] if doc else []) + body or ["..."])]

    # --- signatures ---

    def _def(
        self,
        name: str,
        fn: Node,
        hint: str,
        *,
        result: str | None = None,
        static: bool = False,
        overload: bool = False,
        doc: str | None = None,
    ) -> str:
        """``def name(self, a: T, b: U | None = ..., /, *rest: V) -> R: ...`` for a TS function."""
        with self._generic(fn):
            params: list[str] = [] if static else ["self"]
            positional = 0
            rest = None
            for i, p in enumerate(children(fn, "params")):
                if p["type"] == "TSParameterProperty":
                    p = p["parameter"]
                if p["type"] == "RestElement":
                    t = self._type(p, IN, f"{hint}{i}")
                    element = t[len("Sequence[") : -1] if t.startswith("Sequence[") else "Any"
                    rest = f"*{_py_name(_name(p['argument']) or 'args')}: {element}"
                    continue
                pname = _name(p) if p["type"] == "Identifier" else None
                if pname == "this":
                    continue
                t = self._type(p, IN, f"{hint}{_camel(pname or str(i))}")
                text = f"{_py_name(pname or f'arg{i}')}: {t}"
                if p.get("optional") or p["type"] == "AssignmentPattern":
                    text = f"{_py_name(pname or f'arg{i}')}: {union([t, 'None'])} = ..."
                params.append(text)
                positional += 1
            if positional:
                params.append("/")
            if rest:
                params.append(rest)
            returns = result or self._type(fn.get("returnType"), OUT, f"{hint}Result")
        decorators = ("@staticmethod\n" if static else "") + ("@overload\n" if overload else "")
        signature = f"{decorators}def {name}({', '.join(params)}) -> {returns}"
        return f"{signature}:\n    {docstring(doc, '    ')}" if doc else f"{signature}: ..."

    # --- the exports ---

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


class _Shadow:
    """While a class body is written: its member names, which hide module-level names."""

    def __init__(self, stub: _Stub, names: frozenset[str]) -> None:
        self.stub, self.names = stub, names
        self.saved = stub.shadow

    def __enter__(self) -> None:
        self.stub.shadow = self.names

    def __exit__(self, *exc: object) -> None:
        self.stub.shadow = self.saved


class _TypeParameters:
    """Within a generic declaration, its type parameters (``T``) read as Any."""

    def __init__(self, mapper: TypeMapper, decl: Node) -> None:
        self.mapper = mapper
        params = children(child(decl, "typeParameters"), "params")
        self.names = [_name(child(p, "name")) for p in params]
        self.saved: dict[str, str] = {}

    def __enter__(self) -> None:
        for n in self.names:
            if n:
                if n in self.mapper.declared:
                    self.saved[n] = self.mapper.declared[n]
                self.mapper.declared[n] = "Any"

    def __exit__(self, *exc: object) -> None:
        for n in self.names:
            if n:
                self.mapper.declared.pop(n, None)
        self.mapper.declared.update(self.saved)


def _getitem(pairs: list[tuple[str, str]]) -> list[str]:
    """``__getitem__`` of each key (its ``Literal``) to its type, overloaded when several."""
    overload = "@overload\n" if len(pairs) > 1 else ""
    return [f"{overload}def __getitem__(self, key: Literal[{key!r}], /) -> {t}: ..." for key, t in pairs]


def _overridden(inherited: list[Node], members: list[Node]) -> list[Node]:
    """``members`` after the ``inherited`` ones they do not declare again."""
    keys = {_name(m.get("key")) for m in members}
    return [m for m in inherited if _name(m.get("key")) not in keys] + members


def _typed_dict_lines(name: str, fields: list[tuple[str, str]], bases: list[str], doc: str | None) -> list[str]:
    """A TypedDict of ``fields`` (functional when a key is no identifier)."""
    if all(is_identifier(k) for k, _ in fields):
        body = ([docstring(doc)] if doc else []) + [f"{k}: {t}" for k, t in fields]
        return [f"class {name}({', '.join(bases or ['TypedDict'])}):", *_indent(body or ["..."])]
    items = ", ".join(f"{k!r}: {t}" for k, t in fields)
    return [f"{name} = TypedDict({name!r}, {{{items}}})"]


def _object_members(decl: Node) -> list[Node] | None:
    """The members of an interface, or of a type alias of an object type (``type T = {...}``)."""
    if decl["type"] == "TSInterfaceDeclaration":
        return children(child(decl, "body"), "body")
    value = child(decl, "typeAnnotation")
    if decl["type"] == "TSTypeAliasDeclaration" and value is not None and value["type"] == "TSTypeLiteral":
        return children(value, "members")
    return None


def _dict_can_pass(members: list[Node]) -> bool:
    """Whether a dict can stand for an object type with methods: properties and methods only (a
    call signature needs the object itself to be a function)."""
    return all(m["type"] in ("TSPropertySignature", "TSMethodSignature") and not m.get("computed") for m in members)


def _properties_only(members: list[Node]) -> bool:
    """Whether the object type is written as a TypedDict: properties only."""
    return all(m["type"] == "TSPropertySignature" and not m.get("computed") for m in members)


def _property(name: str, type_: str, doc: str | None) -> list[str]:
    """A read-only property, with its docstring."""
    if doc:
        return ["@property", f"def {name}(self) -> {type_}:\n    {docstring(doc, '    ')}"]
    return ["@property", f"def {name}(self) -> {type_}: ..."]


def _counts(names: Iterator[str | None]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return counts


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line if line else line for text in lines for line in text.split("\n")]


def _imports(body: str) -> list[str]:
    """The import lines for the names the stub's text uses (read from its Python AST)."""
    used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
    by_module: dict[str, list[str]] = {}
    for name, module in _IMPORTS.items():
        if name in used:
            by_module.setdefault(module, []).append(name)
    # Grouped as isort has it: the standard library, typing_extensions, napi_python.
    groups: list[list[str]] = [[], [], []]
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
    parts = [f'"""{header}\n"""', *_imports(body), body]
    return "\n\n".join(p for p in parts if p)
