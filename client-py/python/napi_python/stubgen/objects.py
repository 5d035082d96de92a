"""Writing object types: a ``TypedDict`` of data, a ``Protocol`` of methods, the ``Protocol``
read by subscription of an object that arrives as a ``JSObject`` or a dict, and the dict that
passes for an object with methods."""

from __future__ import annotations

from .collect import Collector, _properties_only
from .docs import docstring
from .text import _camel, _counts, _getitem, _indent, _name, _typed_dict_lines
from .types import DATA, OUT, Node, is_identifier, may_be_jsobject, union


class ObjectWriter(Collector):
    """Writes the object types."""

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
        """A Protocol of the members: its properties as attributes and its methods as methods;
        its optional members (``x?:``, ``f?()``) read by subscription, ``obj["x"]``, which
        answers None for an absent one, where reading an absent attribute raises
        ``AttributeError`` (no stub could type that)."""
        body: list[str] = []
        # Key -> type (an overloaded optional method is read as its first declaration says).
        optional: dict[str, str] = {}
        signatures = _counts(
            "__call__" if m["type"] == "TSCallSignatureDeclaration" else _name(m.get("key"))
            for m in members
            if m["type"] in ("TSMethodSignature", "TSCallSignatureDeclaration")
        )
        for m in members:
            key = _name(m.get("key"))
            if m.get("optional") and key and m["type"] in ("TSPropertySignature", "TSMethodSignature"):
                hint = f"{name}{_camel(key)}"
                # A method arrives as the function its property holds.
                read = self._type(m, OUT, hint) if m["type"] == "TSPropertySignature" else self.mapper.map(m, OUT, hint)
                optional.setdefault(key, union([self._unshadow(read), "None"]))
            elif m["type"] == "TSPropertySignature" and key and is_identifier(key):
                t = self._type(m, OUT if m.get("readonly") else DATA, f"{name}{_camel(key)}")
                if m.get("readonly"):
                    body += ["@property", f"def {key}(self) -> {t}: ..."]
                else:
                    body.append(f"{key}: {t}")
            elif m["type"] == "TSMethodSignature" and key and is_identifier(key) and m.get("kind") == "method":
                overload = signatures[key] > 1
                body.append(self._def(key, m, f"{name}{_camel(key)}", overload=overload, doc=self.docs.before(m)))
            elif m["type"] == "TSCallSignatureDeclaration":
                body.append(self._def("__call__", m, f"{name}Call", overload=signatures["__call__"] > 1))
        if optional:
            note = 'Its optional members are read as ``obj["key"]``, None when absent (an absent one is no attribute).'
            doc = f"{doc}\n\n{note}" if doc else note
            body += _getitem(list(optional.items()))
        body = ([docstring(doc)] if doc else []) + body
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
