"""The real `tree-sitter` and `tree-sitter-json` packages from npm (pinned in tests/npm, installed
by scripts/npm-install), loaded into one Host, parse JSON documents as they do under node.

tree-sitter's binding recognises the grammar's `language` external by its type tag and reads its
pointer, so the two addons must share a host. Its JavaScript glue is done in Python by
examples/tree_sitter_glue.py (including writing nodes into the binding's transfer array in the
host). Expected output comes from node at test time, requiring the same packages:
`tree.rootNode.toString()` and, node by node, type, text and depth of a walk of the tree, which
only comes out right if every node is marshalled into the binding before each call.
"""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT, node_eval

from napi_python import Host, JSTypeError, js

sys.path.insert(0, str(ROOT / "examples"))
import tree_sitter_glue as glue

pytestmark = pytest.mark.needs_input(
    (glue.NODE_MODULES / "tree-sitter").is_dir(), "tests/npm/node_modules has no tree-sitter: run scripts/npm-install"
)

DOCUMENTS = [
    '{"name": "napi-python", "version": 1.5e3, "tags": ["ffi", -3, null, true, false],\n'
    ' "nested": {"empty": {}, "list": [[], [1, [2, [3]]]]}, "escaped": "a\\"b\\\\c\\u00e9"}',
    '["x😀y", "é", {"k😀": "v"}]',  # text outside the BMP: UTF-16 indices differ from Python's
    '{"a": [1, 2,, ], "b" 3}',  # not JSON: ERROR and MISSING nodes
]

NODE_SCRIPT = """
const Parser = require(%(tree_sitter)s);
const JsonGrammar = require(%(tree_sitter_json)s);
const parser = new Parser();
parser.setLanguage(JsonGrammar);
const out = [];
for (const doc of %(documents)s) {
  const tree = parser.parse(doc);
  const nodes = [];
  const walk = (node, depth) => {
    nodes.push([node.type, node.childCount === 0 ? node.text : null, depth]);
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(tree.rootNode, 0);
  out.push([tree.rootNode.toString(), nodes]);
}
console.log(JSON.stringify(out));
"""


def parse_in_node() -> list:
    return node_eval(
        NODE_SCRIPT
        % {
            "tree_sitter": json.dumps(str(glue.NODE_MODULES / "tree-sitter")),
            "tree_sitter_json": json.dumps(str(glue.NODE_MODULES / "tree-sitter-json")),
            "documents": json.dumps(DOCUMENTS),
        }
    )


def parse_here(parser: glue.Parser, doc: str) -> list:
    tree = parser.parse(doc)
    nodes: list = []
    glue.walk(tree.rootNode, lambda n, d: nodes.append([n.type, n.text if n.childCount == 0 else None, d]))
    return [tree.rootNode.toString(), nodes]


def test_json_documents_parse_as_under_node():
    expected = parse_in_node()
    with Host() as host:
        parser = glue.open_json_parser(host)
        got = [parse_here(parser, doc) for doc in DOCUMENTS]
    assert [g[0] for g in got] == [e[0] for e in expected]  # tree.rootNode.toString()
    assert got == expected
    assert expected[0][0].startswith("(document (object (pair key: (string (string_content)) value: (string")
    assert "ERROR" in expected[2][0] or "MISSING" in expected[2][0]


def test_the_grammar_from_another_host_is_refused():
    # The parser reads the language's pointer: a grammar loaded elsewhere cannot be handed over.
    with Host() as parsers, Host() as grammars:
        ts = glue.TreeSitter(parsers.load(glue.binding_path(glue.NODE_MODULES / "tree-sitter")))
        grammar = grammars.load(glue.binding_path(glue.NODE_MODULES / "tree-sitter-json"))
        with pytest.raises(TypeError, match=r"load both addons into one napi_python\.Host"):
            glue.Parser(ts).setLanguage(grammar)


def test_a_language_without_the_type_tag_is_refused():
    with Host() as host:
        ts = glue.TreeSitter(host.load(glue.binding_path(glue.NODE_MODULES / "tree-sitter")))
        with pytest.raises(JSTypeError, match="Invalid language object"):
            ts.binding.Parser().setLanguage(js.object(ts.binding, {"language": js.object(ts.binding)}))
