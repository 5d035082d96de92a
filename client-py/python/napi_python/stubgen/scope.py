"""What a stub being written knows (the declared names, the blocks written so far), and how a
type or a signature is written where it appears: in a class body whose members hide module-level
names, or inside a generic declaration whose type parameters read as Any."""

from __future__ import annotations

import ast
import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterator

from .docs import Docs, docstring
from .text import _camel, _name, _py_name
from .types import IN, OUT, Node, TypeMapper, child, children, union


class StubBase(ABC):
    """The state of a stub being written; each layer above (collecting, objects, declarations,
    exports) adds what it writes."""

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

    @abstractmethod
    def _hoist(self, members: list[Node], hint: str, way: str) -> str:
        """Declares an inline object type under a name made from where it appears."""

    # --- names in class bodies ---

    def _type(self, holder: Node | None, way: str, hint: str) -> str:
        return self._unshadow(self.mapper.annotation(holder, way, hint))

    def _unshadow(self, text: str) -> str:
        """``text`` with the names that the class being written defines as members (a method
        ``Color`` of ``Exports`` hides the module's type ``Color`` from annotations after it)
        read through module-level aliases (``_Type_Color: TypeAlias = Color``), or a builtin's
        through its module (``builtins.tuple``: an alias of a generic builtin takes no type
        arguments)."""
        if not self.shadow:
            return text
        renamer = _Renamer(self.shadow)
        tree = renamer.visit(ast.parse(text, mode="eval"))
        for name in renamer.aliased:
            alias = f"_Type_{name}"
            self.aliases.setdefault(alias, f"{alias}: TypeAlias = {name}")
        return ast.unparse(tree) if renamer.renamed else text

    def _members(self, names: Iterator[str | None]) -> _Shadow:
        return _Shadow(self, frozenset(n for n in names if n))

    def _generic(self, decl: Node) -> _TypeParameters:
        return _TypeParameters(self.mapper, decl)

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
                    element = self._unshadow(self.mapper.rest_element(p, f"{hint}{i}"))
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


class _Renamer(ast.NodeTransformer):
    """Renames the ``shadow`` names of a type expression: a builtin to ``builtins.name``, any
    other to its alias ``_Type_name`` (listed in ``aliased``)."""

    def __init__(self, shadow: frozenset[str]) -> None:
        self.shadow = shadow
        self.aliased: list[str] = []
        self.renamed = False

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.shadow:
            return node
        self.renamed = True
        if node.id in vars(builtins):
            return ast.copy_location(ast.Attribute(ast.Name("builtins", ast.Load()), node.id, ast.Load()), node)
        self.aliased.append(node.id)
        return ast.copy_location(ast.Name(f"_Type_{node.id}", ast.Load()), node)


class _Shadow:
    """While a class body is written: its member names, which hide module-level names."""

    def __init__(self, stub: StubBase, names: frozenset[str]) -> None:
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
