"""What docs/python-api.md's first section says of output parameters, on the addon it names:
secp256k1's binding fills the object it is given (`ecdsaSign(output, msg32, seckey, data,
noncefn)` writes `output.recid` and into `output.signature`). A dict crosses as a copy: the
bytes of its buffer come back, the property the addon sets does not; an object made with
`js.object` is the addon's to fill. Node's answer, on the same binding, is the reference
(issue 79, item 8)."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from conftest import ROOT, load_in_mode, oracle_node

from napi_python import close, js, resolve

NPM = ROOT / "tests" / "npm"
MESSAGE = hashlib.sha256(b"napi-python").digest()
KEY = bytes(range(1, 33))

pytestmark = pytest.mark.needs_input(
    (NPM / "node_modules/secp256k1").is_dir(), "tests/npm/node_modules/secp256k1 is absent: run scripts/npm-install"
)


@pytest.fixture(scope="module")
def under_node() -> dict:
    script = (
        "const s = require('secp256k1');"
        "const [m, k] = JSON.parse(process.argv[1]).map(x => Uint8Array.from(x));"
        "const out = s.ecdsaSign(m, k);"
        "console.log(JSON.stringify({signature: Buffer.from(out.signature).toString('hex'), recid: out.recid}))"
    )
    proc = subprocess.run(
        [oracle_node(), "-e", script, json.dumps([list(MESSAGE), list(KEY)])],
        cwd=NPM,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


@pytest.fixture
def secp():
    binding = load_in_mode(resolve("secp256k1", paths=[NPM]))
    yield js.new(binding.Secp256k1)
    close(binding)


def test_a_dict_crosses_as_a_copy_its_buffer_written_back_its_new_property_not(secp, under_node):
    output = {"signature": bytearray(64), "recid": None}
    assert secp.ecdsaSign(output, MESSAGE, KEY, None, None) == 0
    assert output["signature"].hex() == under_node["signature"]
    assert output["recid"] is None


def test_an_object_made_with_js_object_is_filled_as_under_node(secp, under_node):
    output = js.object(secp, signature=js.alloc(secp, 64), recid=None)
    assert secp.ecdsaSign(output, MESSAGE, KEY, None, None) == 0
    assert (bytes(output.signature).hex(), output.recid) == (under_node["signature"], under_node["recid"])
