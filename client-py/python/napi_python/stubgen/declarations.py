"""Writing the file's declarations: type aliases, interfaces, enums and classes."""

from __future__ import annotations

from typing import Any

from .collect import _properties_only
from .docs import docstring
from .objects import ObjectWriter
from .text import _camel, _counts, _getitem, _indent, _name, _property
from .types import DATA, IN, OUT, Node, children, is_identifier, union


class DeclarationWriter(ObjectWriter):
    """Writes the top-level type declarations, enums and classes."""

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
