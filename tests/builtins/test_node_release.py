"""The host reports the node release the tests compare against: `process.version` and the
`process.versions` entries addons read (node, v8, uv, modules) are what the oracle node
(tests/node_oracle.py, Node 24) answers; napi_get_node_version's side is checked by the
conformance driver of node-api/test_general against `process.version`, and napi-rs choosing its
newer code paths by it here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from conftest import addon_path, node_eval

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


def napi_calls(addon: str, expression: str) -> tuple[object, list[str]]:
    """What `expression` (over the addon, named `a`) answers in-process, and the Node-API
    functions the call made, in order, from the host's call log."""
    script = (
        "import json\nfrom napi_python import close, load_addon\n"
        f"a = load_addon({addon_path(addon)!r}, isolated=False)\n"
        f"print(json.dumps({expression}))\nclose(a)\n"
    )
    env = {**os.environ, "NAPI_HOSTD_LOG": "napi_functions::entry=trace", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), re.findall(r'call="?(\w+)', done.stderr)


def test_napi_rs_takes_the_paths_it_takes_under_the_release_the_host_reports():
    """napi-rs built with `node_version_detect` (the test addon's `versioned` build) reads
    napi_get_node_version at load and sets a map's keys (`BTreeMap`, `HashMap`) with
    node_api_create_property_key_utf8 when it answers 20.18 or later, by its test
    `major >= 20 && minor >= 18`, which node 26.10 (the host's answer, as node's) fails: the
    call log shows the version read and the older path taken, giving the object node makes, as
    the plain build (Node-API 8, no detection) does."""
    words = ["a", "bcd", "naïve"]
    node = node_eval(
        f"const a = require({addon_path('rust_addon_versioned')!r});"
        f"console.log(JSON.stringify(a.wordLengths({json.dumps(words)})))"
    )
    got, calls = napi_calls("rust_addon_versioned", f"dict(a.wordLengths({words!r}))")
    assert got == node == {"a": 1, "bcd": 3, "naïve": 5}
    assert "napi_get_node_version" in calls
    assert "napi_create_string_utf8" in calls and "node_api_create_property_key_utf8" not in calls
    got, calls = napi_calls("rust_addon", f"dict(a.wordLengths({words!r}))")
    assert got == node
    assert calls and "node_api_create_property_key_utf8" not in calls
