"""What docs/python-api.md's first section says of output parameters, on the addon it names:
secp256k1's binding fills the object it is given (`ecdsaSign(output, msg32, seckey, data,
noncefn)` writes `output.recid` and into `output.signature`). A dict crosses as a copy: the
bytes of its buffer come back, the property the addon sets does not; an object made with
`js.object` is the addon's to fill. Node's answer, on the same binding, is the reference."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from conftest import INSTALL_NPM, NPM, load_in_mode, oracle_node

from napi_python import close, js, resolve

MESSAGE = hashlib.sha256(b"napi-python").digest()
KEY = bytes(range(1, 33))

pytestmark = pytest.mark.needs_input(
    (NPM / "node_modules/secp256k1").is_dir(), f"{NPM}/node_modules/secp256k1 is absent: run {INSTALL_NPM}"
)


@pytest.fixture(scope="module")
def binding() -> str:
    """The path of secp256k1's binary for this platform (its prebuilds/ folder's)."""
    return resolve("secp256k1", paths=[NPM])


@pytest.fixture(scope="module")
def under_node(binding) -> dict:
    # The binding itself, called as Python calls it (no JS wrapper: on Windows, the packages
    # scripts/windows npm installs come without their JS dependencies).
    script = (
        "const s = new (require(process.argv[1]).Secp256k1)();"
        "const [m, k] = JSON.parse(process.argv[2]).map(x => Uint8Array.from(x));"
        "const out = {signature: new Uint8Array(64), recid: null};"
        "if (s.ecdsaSign(out, m, k, undefined, undefined) !== 0) throw new Error('ecdsaSign failed');"
        "console.log(JSON.stringify({signature: Buffer.from(out.signature).toString('hex'), recid: out.recid}))"
    )
    proc = subprocess.run(
        [oracle_node(), "-e", script, binding, json.dumps([list(MESSAGE), list(KEY)])],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


@pytest.fixture
def secp(binding):
    addon = load_in_mode(binding)
    yield js.new(addon.Secp256k1)
    close(addon)


def test_a_dict_crosses_as_a_copy_its_buffer_written_back_its_new_property_not(secp, under_node):
    output = {"signature": bytearray(64), "recid": None}
    assert secp.ecdsaSign(output, MESSAGE, KEY, None, None) == 0
    assert output["signature"].hex() == under_node["signature"]
    assert output["recid"] is None


def test_an_object_made_with_js_object_is_filled_as_under_node(secp, under_node):
    output = js.object(secp, signature=js.alloc(secp, 64), recid=None)
    assert secp.ecdsaSign(output, MESSAGE, KEY, None, None) == 0
    assert (bytes(output.signature).hex(), output.recid) == (under_node["signature"], under_node["recid"])
