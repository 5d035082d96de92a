"""Collecting a ``.d.ts`` file's declarations before any is written: what is exported, which
object types are plain data, which arrive as ``JSObject``s and which a dict passes for."""

from __future__ import annotations

from collections.abc import Iterator

from .scope import StubBase
from .text import _IMPORTS, _name
from .types import Node, child, children, is_identifier, may_be_jsobject, qualified_name, type_names

_DECLARATIONS = (
    "TSInterfaceDeclaration",
    "TSTypeAliasDeclaration",
    "ClassDeclaration",
    "TSEnumDeclaration",
    "TSDeclareFunction",
    "VariableDeclaration",
    "TSModuleDeclaration",
)


class Collector(StubBase):
    """Reads the file's declarations into the stub's state before anything is written."""

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
                self.declared.setdefault(name, _type_name(name))
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


def _type_name(name: str) -> str:
    """The Python name of a declared type: its own, else with ``_`` after it (a keyword, a name the
    stub imports), else with every character Python refuses as ``_`` (``$x``, a valid TS name)."""
    if is_identifier(name) and name not in _IMPORTS:
        return name
    if is_identifier(f"{name}_"):
        return f"{name}_"
    return "_" + "".join(c if f"_{c}".isidentifier() else "_" for c in name) + "_"


def _overridden(inherited: list[Node], members: list[Node]) -> list[Node]:
    """``members`` after the ``inherited`` ones they do not declare again."""
    keys = {_name(m.get("key")) for m in members}
    return [m for m in inherited if _name(m.get("key")) not in keys] + members


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
