"""The host reports the node release the tests compare against: `process.version` and the
`process.versions` entries addons read (node, v8, uv, modules) are what the oracle node
(tests/oracle_node.py, Node 24) answers; napi_get_node_version's side is checked by the
conformance driver of node-api/test_general against `process.version`."""

from __future__ import annotations

from conftest import node_eval

from napi_python import js


def test_process_answers_the_oracle_release(load):
    addon = load("values")
    # A plain object: it crosses to Python as a dict.
    process = js.get(js.global_this(addon), "process")
    node = node_eval(
        "console.log(JSON.stringify({version: process.version, release: process.release.name,"
        " versions: (({node, v8, uv, modules}) => ({node, v8, uv, modules}))(process.versions)}))"
    )
    assert process["version"] == node["version"]
    assert process["release"]["name"] == node["release"]
    assert {k: process["versions"][k] for k in node["versions"]} == node["versions"]
    assert process["versions"]["napi"] == "10"
