"""tree-sitter from npm, driven from Python: the parser addon and a grammar addon in one Host.

`tree-sitter` (0.21) is a native binding plus JavaScript glue (its index.js) that users call.
The glue keeps syntax nodes on the JavaScript side as six numbers and moves them to and from
the binding through a Uint32Array the binding owns (`nodeTransferArray`): before a node method
it writes the node's numbers into the array ("marshal"), after one it reads the nodes the
binding wrote there ("unmarshal"). The array reaches Python as a `JSBuffer` over the host's
shared memory, so both are plain memoryview reads and writes here. This module does what that glue does, minimally, in Python:
`Parser.setLanguage`/`parse`, `Tree.rootNode`, and `SyntaxNode` with `type`, `toString()`,
`children`, `childCount`, `startIndex`, `endIndex` and `text`. Left out: the per-type node
classes with field getters, the tree's node cache (every node is unmarshalled afresh),
queries, cursors, editing.

The grammar (`tree-sitter-json`) is a second addon whose `language` export is an external the
parser recognises by type tag and reads the pointer of: both must live in one host.

    .venv/bin/python examples/tree_sitter_glue.py '{"a": [1, true]}'
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import napi_python
from napi_python import Addon, Host, js

NODE_MODULES = Path(__file__).resolve().parent.parent / "tests" / "npm" / "node_modules"

# index.js: NODE_FIELD_COUNT; node.cc: FIELD_COUNT_PER_NODE.
NODE_FIELD_COUNT = 6


def binding_path(package: Path) -> Path:
    """The `.node` file node-gyp-build would load for `package`: a local build, else the
    prebuild for this platform."""
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    for d in (package / "build" / "Release", package / "prebuilds" / f"{sys.platform}-{arch}"):
        found = sorted(d.glob("*.node")) if d.is_dir() else []
        if found:
            return found[0]
    raise FileNotFoundError(f"no binding for {package} (run scripts/npm-install)")


class TreeSitter:
    """The binding of the `tree-sitter` package, with the glue's helpers."""

    def __init__(self, binding: Addon) -> None:
        self.binding = binding
        self.node_methods: dict[str, Any] = binding.NodeMethods  # plain object of functions: a dict

    def transfer_array(self) -> memoryview:
        """The binding's Uint32Array, as a view of its memory (shared with the host, so writes
        reach the binding). Read afresh each time, as index.js does: the binding replaces the
        array when it needs a longer one."""
        transfer = js.get(napi_python.addon_info(self.binding).exports, "nodeTransferArray")
        if not transfer.shared:
            raise RuntimeError("the transfer array is not in shared memory: writes would not reach the binding")
        return memoryview(transfer)

    def unmarshal_node(self, value: Any, tree: Tree, offset: int = 0) -> SyntaxNode | None:
        """index.js unmarshalNode: `value` is the node's type id, its numbers are in the array."""
        if value is None:
            return None
        fields = tuple(self.transfer_array()[offset : offset + NODE_FIELD_COUNT])
        if fields[0] == 0 and fields[1] == 0:  # a null node id
            return None
        return SyntaxNode(tree, fields)

    def unmarshal_nodes(self, values: list[Any], tree: Tree) -> list[SyntaxNode | None]:
        """index.js unmarshalNodes: each node's numbers follow those of the nodes before it."""
        transfer = self.transfer_array()
        nodes: list[SyntaxNode | None] = []
        offset = 0
        for value in values:
            if value is None:
                nodes.append(None)
                continue
            nodes.append(SyntaxNode(tree, tuple(transfer[offset : offset + NODE_FIELD_COUNT])))
            offset += NODE_FIELD_COUNT
        return nodes

    def marshal_node(self, node: SyntaxNode) -> None:
        """index.js marshalNode: the node's numbers into the binding's array."""
        transfer = self.transfer_array()
        for i, field in enumerate(node.fields):
            transfer[i] = field


class Parser:
    """index.js's Parser: the native one, with `parse` taking a string."""

    def __init__(self, ts: TreeSitter) -> None:
        self._ts = ts
        self._native = ts.binding.Parser()

    def setLanguage(self, language: Addon) -> Parser:
        # The grammar's exports object; the binding reads its `language` external.
        self._native.setLanguage(napi_python.addon_info(language).exports)
        return self

    def parse(self, text: str) -> Tree:
        units = text.encode("utf-16-le")

        # The binding reads UTF-16 and asks for the text from a code-unit index on.
        def read(index: int, _position: Any) -> str:
            return units[2 * index :].decode("utf-16-le")

        return Tree(self._ts, self._native.parse(read, None, None, None), units)


class Tree:
    def __init__(self, ts: TreeSitter, native: Any, units: bytes) -> None:
        self._ts = ts
        self.native = native
        self._units = units

    @property
    def rootNode(self) -> SyntaxNode | None:
        return self._ts.unmarshal_node(self.native.rootNode(), self)

    def text(self, start: int, end: int) -> str:
        """index.js getTextFromString: the input between two code-unit indices."""
        return self._units[2 * start : 2 * end].decode("utf-16-le")


class SyntaxNode:
    """index.js's SyntaxNode: a tree and six numbers; every read marshals them first."""

    def __init__(self, tree: Tree, fields: tuple[int, ...]) -> None:
        self.tree = tree
        self.fields = fields

    def _call(self, method: str, *args: Any) -> Any:
        ts = self.tree._ts
        ts.marshal_node(self)
        return ts.node_methods[method](self.tree.native, *args)

    def _node_list(self, method: str) -> list[SyntaxNode | None]:
        return self.tree._ts.unmarshal_nodes(self._call(method), self.tree)

    type = property(lambda self: self._call("type"))
    childCount = property(lambda self: self._call("childCount"))
    startIndex = property(lambda self: self._call("startIndex"))
    endIndex = property(lambda self: self._call("endIndex"))
    children = property(lambda self: self._node_list("children"))

    @property
    def text(self) -> str:
        return self.tree.text(self.startIndex, self.endIndex)

    def toString(self) -> str:
        return str(self._call("toString"))

    __str__ = toString

    def __repr__(self) -> str:
        return f"<SyntaxNode {self.type} {self.startIndex}-{self.endIndex}>"


def open_json_parser(host: Host) -> Parser:
    """Loads tree-sitter and tree-sitter-json into `host`; a parser set to JSON."""
    ts = TreeSitter(host.load(binding_path(NODE_MODULES / "tree-sitter")))
    grammar = host.load(binding_path(NODE_MODULES / "tree-sitter-json"))
    return Parser(ts).setLanguage(grammar)


def walk(node: SyntaxNode | None, visit: Callable[[SyntaxNode, int], None], depth: int = 0) -> None:
    if node is None:
        return
    visit(node, depth)
    for child in node.children:
        walk(child, visit, depth + 1)


if __name__ == "__main__":
    source = sys.argv[1] if len(sys.argv) > 1 else '{"name": "napi-python", "tags": ["ffi", 3, null]}'
    with Host() as h:
        tree = open_json_parser(h).parse(source)
        print(tree.rootNode)
        walk(
            tree.rootNode,
            lambda n, d: print(f"{'  ' * d}{n.type} {n.text!r}" if n.childCount == 0 else f"{'  ' * d}{n.type}"),
        )
