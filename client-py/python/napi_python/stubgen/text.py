"""Pieces of a stub's Python text, and the names in it: where each name a stub uses is imported
from, a TS node's name, a name Python accepts, indented blocks, properties and subscriptions."""

from __future__ import annotations

from collections.abc import Iterator

from .docs import docstring
from .types import Node, is_identifier

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
    """``text`` (a TS name, a file's) as a part of a class name: what Python refuses in a name
    (``-``, ``$``) separates words."""
    words = "".join(c if f"_{c}".isidentifier() else "_" for c in text).split("_")
    return "".join(part[:1].upper() + part[1:] for part in words if part)


def _getitem(pairs: list[tuple[str, str]]) -> list[str]:
    """``__getitem__`` of each key (its ``Literal``) to its type, overloaded when several."""
    overload = "@overload\n" if len(pairs) > 1 else ""
    return [f"{overload}def __getitem__(self, key: Literal[{key!r}], /) -> {t}: ..." for key, t in pairs]


def _typed_dict_lines(name: str, fields: list[tuple[str, str]], bases: list[str], doc: str | None) -> list[str]:
    """A TypedDict of ``fields`` (functional when a key is no identifier)."""
    if all(is_identifier(k) for k, _ in fields):
        body = ([docstring(doc)] if doc else []) + [f"{k}: {t}" for k, t in fields]
        return [f"class {name}({', '.join(bases or ['TypedDict'])}):", *_indent(body or ["..."])]
    items = ", ".join(f"{k!r}: {t}" for k, t in fields)
    return [f"{name} = TypedDict({name!r}, {{{items}}})"]


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
