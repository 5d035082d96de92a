"""TypeScript types (TS-ESTree nodes) as the Python types napi_python's conversions give.

A type reads differently by the way a value crosses (by value or by reference): ``IN`` for what Python passes
to the addon (parameters: a ``number`` accepts an ``int`` or a ``float``, a ``Uint8Array``
any bytes-like object, a ``Promise`` any awaitable), ``OUT`` for what the addon gives back
(returns: a ``number`` arrives as an ``int`` when integral, a ``Uint8Array`` as a ``JSBuffer``,
a ``Promise`` as a ``JSPromise``), and ``DATA`` for types named once for both ways (type
aliases, fields of objects passed as dicts). A callback's parameters come from JS and its
result goes back, so a function type flips the way.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterator
from typing import Any, cast

__all__ = [
    "IN",
    "OUT",
    "DATA",
    "TypeMapper",
    "child",
    "children",
    "flip",
    "is_identifier",
    "may_be_jsobject",
    "type_names",
]

IN = "in"
OUT = "out"
DATA = "data"

Node = dict[str, Any]

# Typed arrays that a bytes-like Python value converts to (it becomes a Buffer, a Uint8Array).
_BYTES_ARRAYS = frozenset({"Buffer", "Uint8Array", "Uint8ClampedArray"})
# The other binary types: made with js.typedarray / js.arraybuffer, arrive as JSBuffer.
_OTHER_BINARY = frozenset(
    {
        "Int8Array",
        "Int16Array",
        "Uint16Array",
        "Int32Array",
        "Uint32Array",
        "Float16Array",
        "Float32Array",
        "Float64Array",
        "BigInt64Array",
        "BigUint64Array",
        "ArrayBuffer",
        "SharedArrayBuffer",
        "DataView",
        "ArrayBufferView",
        "TypedArray",
    }
)
_ARRAYS = frozenset({"Array", "ReadonlyArray"})


def child(node: Node | None, key: str) -> Node | None:
    """The node under ``key`` (None when absent or null)."""
    value = node.get(key) if node else None
    return cast(Node, value) if isinstance(value, dict) else None


def children(node: Node | None, key: str) -> list[Node]:
    """The list of nodes under ``key`` ([] when absent or null)."""
    value = node.get(key) if node else None
    return cast("list[Node]", value) if isinstance(value, list) else []


def flip(way: str) -> str:
    return {IN: OUT, OUT: IN}.get(way, way)


def is_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def union(parts: list[str]) -> str:
    """``A | B`` without repeats; ``Any`` swallows the rest; ``None`` goes last."""
    unique: list[str] = []
    for part in parts:
        for p in _split_union(part):
            if p not in unique:
                unique.append(p)
    if "Any" in unique:
        return "Any"
    # Literal['a'] | Literal['b'] reads better as Literal['a', 'b'], in the first one's place.
    literals = [p[len("Literal[") : -1] for p in unique if p.startswith("Literal[")]
    if len(literals) > 1:
        first = next(i for i, p in enumerate(unique) if p.startswith("Literal["))
        unique = [p for p in unique if not p.startswith("Literal[")]
        unique.insert(first, f"Literal[{', '.join(literals)}]")
    if "None" in unique:
        unique = [p for p in unique if p != "None"] + ["None"]
    return " | ".join(unique) if unique else "Never"


def _split_union(text: str) -> list[str]:
    """The top-level members of a union text (``|`` outside brackets)."""
    parts: list[str] = []
    depth = start = 0
    for i, c in enumerate(text):
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


class TypeMapper:
    """Maps TS type nodes to Python type expressions, in the context of one declarations file.

    ``declared`` maps the file's type names (interfaces, aliases, classes, enums) to their Python
    names; ``hoist(members, hint, way)`` declares an inline object type (``{ a: number }``) as a
    named TypedDict or Protocol and returns its name. ``arriving`` maps the Python name of an
    object type that may arrive as a ``JSObject`` (``may_be_jsobject``) to the type it has when it
    arrives (OUT), and ``passed`` the name of an object type with methods to the dict that passes
    for it (IN, DATA). Names the file does not declare (DOM types, other packages' types) become
    ``Any`` and are collected in ``unknown``."""

    def __init__(self, declared: dict[str, str], hoist: Callable[[list[Node], str, str], str]) -> None:
        self.declared = declared
        self.hoist = hoist
        self.arriving: dict[str, str] = {}
        # Likewise, for an object type with methods, the dict that passes for it (IN, DATA).
        self.passed: dict[str, str] = {}
        # The arriving and passed types a stub refers to (the others are left out).
        self.arrived: set[str] = set()
        self.unknown: set[str] = set()
        # What the file's `export declare function f` names are, for `typeof f`.
        self.functions: dict[str, Node] = {}

    def annotation(self, holder: Node | None, way: str, hint: str) -> str:
        """The type of a node carrying ``typeAnnotation`` (a parameter, a property), or of a
        ``TSTypeAnnotation`` itself (a function's ``returnType``); Any without one."""
        if holder is not None and holder["type"] != "TSTypeAnnotation":
            holder = holder.get("typeAnnotation")
        if not holder:
            return "Any"
        return self.map(holder["typeAnnotation"], way, hint)

    def map(self, node: Node, way: str, hint: str) -> str:
        kind = node["type"]
        simple = _KEYWORDS.get(kind)
        if simple is not None:
            return simple[way] if isinstance(simple, dict) else simple
        method = getattr(self, "_" + kind, None)
        if method is None:
            # Conditional, mapped, indexed-access, import() and infer types: beyond a stub.
            return "Any"
        result: str = method(node, way, hint)
        return result

    def _TSParenthesizedType(self, node: Node, way: str, hint: str) -> str:
        return self.map(node["typeAnnotation"], way, hint)

    def _TSUnionType(self, node: Node, way: str, hint: str) -> str:
        return union([self.map(t, way, f"{hint}{i}") for i, t in enumerate(node["types"])])

    def _TSIntersectionType(self, node: Node, way: str, hint: str) -> str:
        # `A & B` of object types is an object with both's members, which a TypedDict cannot
        # say without naming it; `string & {}` (a branded string) is its first part.
        first = node["types"][0]
        if first["type"] in ("TSStringKeyword", "TSNumberKeyword", "TSBooleanKeyword"):
            return self.map(first, way, hint)
        return "Any"

    def _TSLiteralType(self, node: Node, way: str, hint: str) -> str:
        literal = node["literal"]
        if literal["type"] == "TemplateLiteral":
            return "str"
        if literal["type"] == "UnaryExpression":  # -1
            value = literal["argument"].get("value")
            return f"Literal[-{value}]" if isinstance(value, int) else "float"
        value = literal.get("value")
        if isinstance(value, bool) or isinstance(value, (str, int)):
            return f"Literal[{value!r}]"
        if isinstance(value, float):
            return f"Literal[{int(value)}]" if value.is_integer() else "float"
        return "Any"

    def _TSTemplateLiteralType(self, node: Node, way: str, hint: str) -> str:
        return "str"

    def _TSArrayType(self, node: Node, way: str, hint: str) -> str:
        return self._sequence(self.map(node["elementType"], way, hint), way)

    def _sequence(self, element: str, way: str) -> str:
        # A list or tuple (or a subclass) passes as an array, and nothing else does: a range or
        # another Sequence passes as an opaque object. An array arrives as a list.
        return f"list[{element}] | tuple[{element}, ...]" if way == IN else f"list[{element}]"

    def rest_element(self, param: Node, hint: str) -> str:
        """The type of each argument a rest parameter (``...rest: T[]``) takes: ``T`` as it
        passes; Any when the parameter's type is not written as an array."""
        node = child(param.get("typeAnnotation"), "typeAnnotation")
        while node is not None and node["type"] in ("TSParenthesizedType", "TSTypeOperator"):
            node = node["typeAnnotation"] if node.get("operator", "readonly") == "readonly" else None
        if node is not None and node["type"] == "TSArrayType":
            return self.map(node["elementType"], IN, hint)
        if node is not None and node["type"] == "TSTypeReference":
            name = qualified_name(node["typeName"])
            args = children(child(node, "typeArguments"), "params")
            if (name in _ARRAYS or name == "Iterable") and name not in self.declared:
                return self.map(args[0], IN, hint) if args else "Any"
        return "Any"

    def _TSTupleType(self, node: Node, way: str, hint: str) -> str:
        elements = [self.map(_tuple_element(e), way, hint) for e in node["elementTypes"]]
        if way == IN and elements:
            return f"tuple[{', '.join(elements)}]"
        return f"list[{union(elements)}]"

    def _TSTypeOperator(self, node: Node, way: str, hint: str) -> str:
        if node["operator"] == "readonly":
            return self.map(node["typeAnnotation"], way, hint)
        if node["operator"] == "keyof":
            return "str"
        return "JSSymbol"  # unique symbol

    def _TSFunctionType(self, node: Node, way: str, hint: str) -> str:
        # A Python callable passed to the addon is called with JS values (OUT) and its result
        # goes to JS (IN): the other way round from the function's own place.
        inner = flip(way)
        params = children(node, "params")
        result = self.annotation(node.get("returnType"), flip(inner), f"{hint}Result")
        if result == "None" and way != OUT:
            # A JS caller ignores the result of a `=> void` callback: any Python result goes.
            result = "object"
        if any(p["type"] == "RestElement" or p.get("optional") for p in params):
            return f"Callable[..., {result}]"
        types = [self.annotation(p, inner, f"{hint}Arg{i}") for i, p in enumerate(params)]
        return f"Callable[[{', '.join(types)}], {result}]"

    _TSConstructorType = _TSFunctionType
    # A method of an object type, as the function its property holds.
    _TSMethodSignature = _TSFunctionType

    def _TSTypeLiteral(self, node: Node, way: str, hint: str) -> str:
        members = node["members"]
        if len(members) == 1 and members[0]["type"] == "TSIndexSignature":
            # { [key: string]: T }: a dict.
            value = self.annotation(members[0], way, hint)
            # Both ways a dict: only a dict (or a subclass) passes as a plain object; another
            # Mapping passes as an opaque object.
            return f"dict[str, {value}]"
        if not members:
            return "dict[str, Any]"
        return self.hoist(members, hint, way)

    def _TSTypeQuery(self, node: Node, way: str, hint: str) -> str:
        # `typeof f`: handled where a constant is declared that way (it becomes f's signature).
        return "Any"

    def _TSTypeReference(self, node: Node, way: str, hint: str) -> str:
        name = qualified_name(node["typeName"])
        args = children(child(node, "typeArguments"), "params")
        if name in self.declared:
            py = self.declared[name]
            if way == OUT and py in self.arriving:
                self.arrived.add(self.arriving[py])
                return self.arriving[py]
            if way != OUT and py in self.passed:
                self.arrived.add(self.passed[py])
                return f"{py} | {self.passed[py]}"
            return py
        if name in _BYTES_ARRAYS:
            return "Buffer" if way in (IN, DATA) else "JSBuffer"
        if name in _OTHER_BINARY:
            return "JSBuffer"
        if name == "Promise" or name == "PromiseLike":
            value = self.map(args[0], way, hint) if args else "Any"
            return f"JSPromise[{value}]" if way == OUT else f"Awaitable[{value}]"
        if name in _ARRAYS or (name == "Iterable" and way == IN):
            return self._sequence(self.map(args[0], way, hint) if args else "Any", way)
        if name == "Record" and len(args) == 2:
            value = self.map(args[1], way, hint)
            return f"dict[str, {value}]"
        if name == "Date":
            return "datetime"
        if name in ("Map", "Set", "WeakMap", "WeakSet", "Object", "Error", "TypeError", "RangeError"):
            # Objects that stay in the host: proxies (a Python set passes as an opaque object, not
            # a Set; make one with js.new).
            return "JSObject"
        if name == "Function":
            return "Callable[..., Any]" if way == IN else "JSFunction"
        if name in ("Partial", "Readonly", "Required", "NonNullable") and args:
            return self.map(args[0], way, hint)
        self.unknown.add(name)
        return "Any"


def may_be_jsobject(members: list[Node]) -> bool:
    """Whether an object type of these properties may arrive as a ``JSObject`` although it has
    no methods: a property that is (or may be) a function makes the object no plain data, so
    it does not arrive as a dict (a dict goes the other way, its callables becoming functions)."""
    return any(_may_be_function(child(m.get("typeAnnotation"), "typeAnnotation")) for m in members)


def type_names(node: object) -> Iterator[str]:
    """The names of the types a type node refers to, at any depth (``Array<Api>``: Array, Api)."""
    if isinstance(node, dict):
        item = cast(Node, node)
        if item.get("type") == "TSTypeReference":
            yield qualified_name(item["typeName"])
        for value in item.values():
            yield from type_names(value)
    elif isinstance(node, list):
        for value in cast("list[object]", node):
            yield from type_names(value)


def _may_be_function(node: Node | None) -> bool:
    if node is None:
        return False
    kind = node["type"]
    if kind in ("TSFunctionType", "TSConstructorType"):
        return True
    if kind == "TSParenthesizedType":
        return _may_be_function(child(node, "typeAnnotation"))
    if kind == "TSUnionType":
        return any(_may_be_function(t) for t in children(node, "types"))
    return kind == "TSTypeReference" and qualified_name(node["typeName"]) == "Function"


def _tuple_element(node: Node) -> Node:
    # [a: number, b?: string] and [...rest: T[]] wrap their types.
    if node["type"] in ("TSNamedTupleMember",):
        inner: Node = node["elementType"]
        return inner
    if node["type"] in ("TSOptionalType", "TSRestType"):
        wrapped: Node = node["typeAnnotation"]
        return wrapped
    return node


def qualified_name(name: Node) -> str:
    if name["type"] == "TSQualifiedName":
        return f"{qualified_name(name['left'])}.{name['right']['name']}"
    return str(name.get("name", "?"))


# Types that read the same whatever the context, or differ by way only.
_KEYWORDS: dict[str, str | dict[str, str]] = {
    "TSStringKeyword": "str",
    "TSBooleanKeyword": "bool",
    # A number arrives as an int when integral and safe, else a float; an int or a float goes.
    "TSNumberKeyword": {IN: "float", OUT: "int | float", DATA: "float"},
    # A BigInt arrives as BigInt (an int); to send one, pass a BigInt (js.bigint(n)): a small
    # int would go as a number.
    "TSBigIntKeyword": "BigInt",
    "TSVoidKeyword": "None",
    "TSUndefinedKeyword": "None",
    "TSNullKeyword": "None",
    "TSAnyKeyword": "Any",
    "TSUnknownKeyword": "Any",
    "TSNeverKeyword": "Never",
    "TSObjectKeyword": "Any",
    "TSSymbolKeyword": "JSSymbol",
    "TSThisType": "Any",
    "TSIntrinsicKeyword": "Any",
}
