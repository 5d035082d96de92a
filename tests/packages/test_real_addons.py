"""Real napi-rs addons from npm, loaded from their platform `.node` files through napi_python.

Packages (pinned in tests/npm/package.json + package-lock.json, installed by scripts/npm-install):
`@node-rs/crc32@1.10.8` and `@node-rs/bcrypt@2.0.0` with their platform packages (`-linux-x64-gnu`, or `-linux-arm64-gnu` on arm64).

Every expected value comes from `node` at test time, requiring the very same `.node` file
(`node_eval`). For crc32 the package's public functions are the binding's own (index.js
re-exports them). bcrypt 2.0.0 wraps its binding in JavaScript (api.cjs: options objects, error
mapping to ERR_INVALID_ARG_TYPE/ERR_OUT_OF_RANGE); loading the `.node` file gives the binding's
positional SYNC API, which is what we compare:
`hashSync(password, cost|null, salt|null, version|null, rejectLongPasswords: bool)`,
`verifySync(password, hash)`, `genSaltSync(cost, version?)`, `parseOptions(hash)`.
Hashes made on one side are also verified on the other, including through the npm package's
public API under node.

The module needs tests/npm/node_modules (scripts/npm-install; see conftest.missing_input).
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from conftest import node_eval
from node_oracle import NULL, assert_same_as_node, call, case

import napi_python
from napi_python.machine import current_platform

NPM = Path(__file__).resolve().parents[1] / "npm"
NODE_MODULES = NPM / "node_modules"
# The platform packages of this machine (napi-rs names them `<name>-linux-x64-gnu`, `-linux-arm64-gnu`).
PLATFORM = current_platform()
CRC32 = NODE_MODULES / "@node-rs" / f"crc32-{PLATFORM}" / f"crc32.{PLATFORM}.node"
BCRYPT = NODE_MODULES / "@node-rs" / f"bcrypt-{PLATFORM}" / f"bcrypt.{PLATFORM}.node"

pytestmark = pytest.mark.needs_input(
    NODE_MODULES.is_dir(), "tests/npm/node_modules is absent: run scripts/npm-install to install the npm addons"
)

HASH_RE = re.compile(r"^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$")
SALT_RE = re.compile(r"^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{22}$")


def _open(path: Path):
    from napi_python import load_addon

    assert path.is_file(), f"{path} missing: node_modules is incomplete, rerun scripts/npm-install"
    return load_addon(str(path))


@pytest.fixture
def crc():
    addon = _open(CRC32)
    yield addon
    napi_python.close(addon)


# Platforms bcrypt 2.0.0 names among its optional packages but npm never received a build for.
BCRYPT_NOT_PUBLISHED = {"linux-arm64-gnu"}


@pytest.fixture
def bcrypt():
    if PLATFORM in BCRYPT_NOT_PUBLISHED:
        pytest.skip(f"npm has no @node-rs/bcrypt-{PLATFORM}@2.0.0")
    addon = _open(BCRYPT)
    yield addon
    napi_python.close(addon)


def node_json(script: str) -> object:
    """node_eval with `crc` and `bc` (the platform bindings) and `pkg` (the bcrypt package).

    `bc` and `pkg` are loaded only when the script uses them: npm has no bcrypt for every platform
    crc32 has (none for linux-arm64-gnu), and the package's loader adds a `__napiBindingTarget`
    property to the (shared, cached) binding, which would change `bc`.
    """
    prelude = f"const crc = require({json.dumps(str(CRC32))});"
    if re.search(r"\bbc\b", script):
        prelude += f"const bc = require({json.dumps(str(BCRYPT))});"
    if "pkg" in script:
        prelude += f"const pkg = require({json.dumps(str(NODE_MODULES / '@node-rs' / 'bcrypt'))});"
    return node_eval(prelude + script)


# --------------------------------------------------------------------------------------------
# @node-rs/crc32
# --------------------------------------------------------------------------------------------


def test_crc32_exports_match_node(crc):
    from napi_python import js

    assert node_json("console.log(JSON.stringify(Reflect.ownKeys(crc)))") == ["crc32", "crc32c"]
    assert js.keys(napi_python.addon_info(crc).exports) == ["crc32", "crc32c"]
    # The package's public functions are the binding's own.
    assert (
        node_json(
            f"const p = require({json.dumps(str(NODE_MODULES / '@node-rs' / 'crc32'))});"
            "console.log(JSON.stringify(p.crc32 === crc.crc32 && p.crc32c === crc.crc32c))"
        )
        is True
    )


def test_crc32_and_crc32c_of_strings_and_bytes_match_node(crc):
    cases = []
    for fn in ("crc32", "crc32c"):
        cases += [
            call(fn, "hello"),
            call(fn, b"hello"),
            call(fn, ""),
            call(fn, b""),
            call(fn, "x"),
            call(fn, b"x"),
            call(fn, "123456789"),
            call(fn, "héllo😀"),
            call(fn, "héllo😀".encode()),
            call(fn, bytearray(b"hello")),
            call(fn, bytes(range(256))),
            call(fn, "hello world"),
        ]
    assert_same_as_node(crc, cases, str(CRC32))
    # The standard check values (CRC-32/ISO-HDLC and CRC-32C of "123456789").
    assert crc.crc32("123456789") == 0xCBF43926
    assert crc.crc32c("123456789") == 0xE3069283


def test_crc_of_a_str_equals_crc_of_its_utf8_bytes(crc):
    for fn in (crc.crc32, crc.crc32c):
        assert fn("x") == fn(b"x")
        assert fn("héllo😀") == fn("héllo😀".encode())
    assert crc.crc32("x") == 2363233923  # recorded under node: crc32("x")


def test_initial_state_continues_a_checksum_like_node(crc):
    assert_same_as_node(
        crc,
        [
            case('a.crc32("world", a.crc32("hello "))', lambda a: a.crc32("world", a.crc32("hello "))),
            case(
                'a.crc32c(Buffer.from("world"), a.crc32c("hello "))', lambda a: a.crc32c(b"world", a.crc32c("hello "))
            ),
            call("crc32", "hello", None),
            call("crc32", "hello", NULL),
            call("crc32", "hello", 0),
            call("crc32", "hello", 12345),
            call("crc32", "hello", -1),
            call("crc32", "hello", 2**32),
            call("crc32", "hello", 1.5),
            call("crc32c", "hello", 4294967295),
            call("crc32c", b"hello", 7),
        ],
        str(CRC32),
    )
    assert crc.crc32("world", crc.crc32("hello ")) == crc.crc32("hello world")
    assert crc.crc32c(b"world", crc.crc32c(b"hello ")) == crc.crc32c(b"hello world")


def test_crc_of_typed_arrays_views_and_large_buffers_match_node(crc):
    from napi_python import js

    assert_same_as_node(
        crc,
        [
            case(
                'a.crc32(new Uint8Array(Buffer.from("hello")))',
                lambda a: a.crc32(js.typedarray("Uint8Array", b"hello")),
            ),
            case('a.crc32(Buffer.from("xxhelloxx").subarray(2, 7))', lambda a: a.crc32(memoryview(b"xxhelloxx")[2:7])),
            case("a.crc32(Buffer.alloc(1 << 20, 0x61))", lambda a: a.crc32(b"a" * (1 << 20))),
            case("a.crc32c(Buffer.alloc(1 << 20, 0x61))", lambda a: a.crc32c(b"a" * (1 << 20))),
            case("a.crc32(new Uint16Array(3))", lambda a: a.crc32(js.typedarray("Uint16Array", bytes(6)))),
            case("a.crc32(new ArrayBuffer(3))", lambda a: a.crc32(js.arraybuffer(bytes(3)))),
        ],
        str(CRC32),
    )


def test_crc_wrong_argument_types_raise_nodes_error(crc):
    from napi_python import JSError

    assert_same_as_node(
        crc,
        [
            call("crc32", 5),
            call("crc32"),
            call("crc32", None),
            call("crc32", NULL),
            call("crc32", {}),
            call("crc32", [1, 2]),
            call("crc32", True),
            call("crc32", 2**60),
            call("crc32c", 5.5),
            call("crc32", "hello", "5"),
            call("crc32c", "hello", [1]),
        ],
        str(CRC32),
    )
    # Recorded under node 20 with @node-rs/crc32 1.10.8:
    with pytest.raises(JSError) as exc:
        crc.crc32(5)
    assert exc.value.name == "Error"
    assert exc.value.message == "Value is none of these types `TypedArray<u8>`, `String`, "
    assert exc.value.code == "InvalidArg"
    with pytest.raises(JSError) as exc:
        crc.crc32("hello", "5")
    assert exc.value.message == "Failed to convert napi value String into rust type `u32`"
    assert exc.value.code == "NumberExpected"


# --------------------------------------------------------------------------------------------
# @node-rs/bcrypt (the binding's sync API)
# --------------------------------------------------------------------------------------------

SALT16 = bytes([7] * 16)
ENCODED_SALT = "$2b$04$abcdefghijklmnopqrstuu"


def _typeof_hash_task(a):
    from napi_python import js

    return js.typeof(a.HashTask)


def test_bcrypt_exports_and_constants_match_node(bcrypt):
    from napi_python import js

    keys = node_json("console.log(JSON.stringify(Reflect.ownKeys(bc)))")
    assert js.keys(napi_python.addon_info(bcrypt).exports) == keys
    assert {"hashSync", "verifySync", "genSaltSync", "DEFAULT_COST"} <= set(keys)
    assert_same_as_node(
        bcrypt,
        [
            case("a.DEFAULT_COST", lambda a: a.DEFAULT_COST),
            case("a.BCRYPT_API_VERSION", lambda a: a.BCRYPT_API_VERSION),
            case("typeof a.HashTask", _typeof_hash_task),
        ],
        str(BCRYPT),
    )
    assert bcrypt.DEFAULT_COST == 12


def test_hash_sync_with_a_fixed_salt_matches_node(bcrypt):
    """With the salt given, bcrypt is deterministic: the hashes must be node's, byte for byte."""
    assert_same_as_node(
        bcrypt,
        [
            call("hashSync", "pw", 4, SALT16, None, False),
            call("hashSync", "pw", 4, SALT16, NULL, False),
            call("hashSync", b"pw", 4, SALT16, "2a", False),
            call("hashSync", "pw", 5, SALT16, "2y", False),
            call("hashSync", "pw", None, ENCODED_SALT, None, False),
            call("hashSync", "pw", NULL, ENCODED_SALT, NULL, False),
            call("hashSync", "pässwörd 😀", 4, SALT16, None, False),
            call("hashSync", "x" * 80, 4, bytes([1] * 16), None, False),
            call("hashSync", "", 4, SALT16, None, False),
        ],
        str(BCRYPT),
    )


def test_hash_made_in_python_verifies_under_node_and_back(bcrypt):
    h = bcrypt.hashSync("correct horse", 4, None, None, False)
    m = HASH_RE.match(h)
    assert m and m.groups() == ("b", "04"), h
    assert bcrypt.verifySync("correct horse", h) is True
    assert bcrypt.verifySync("wrong horse", h) is False
    assert bcrypt.verifySync(b"correct horse", h.encode()) is True

    under_node = node_json(
        f"const h = {json.dumps(h)};"
        "console.log(JSON.stringify([bc.verifySync('correct horse', h), bc.verifySync('x', h),"
        " pkg.verifySync('correct horse', h), pkg.verifySync('wrong horse', h)]))"
    )
    assert under_node == [True, False, True, False]

    node_hash = node_json("console.log(JSON.stringify(pkg.hashSync('tr0ub4dor', { cost: 5 })))")
    assert HASH_RE.match(node_hash).groups() == ("b", "05")
    assert bcrypt.verifySync("tr0ub4dor", node_hash) is True
    assert bcrypt.verifySync("tr0ub4dor!", node_hash) is False
    assert bcrypt.parseOptions(node_hash) == {"version": "2b", "cost": 5}


def test_verify_sync_results_match_node(bcrypt):
    assert_same_as_node(
        bcrypt,
        [
            case(
                "a.verifySync('pw', a.hashSync('pw', 4, null, null, false))",
                lambda a: a.verifySync("pw", a.hashSync("pw", 4, None, None, False)),
            ),
            case(
                "a.verifySync('px', a.hashSync('pw', 4, null, null, false))",
                lambda a: a.verifySync("px", a.hashSync("pw", 4, None, None, False)),
            ),
            call("verifySync", "pw", "garbage"),
            call("verifySync", "pw", ""),
            call("verifySync", "hunter2", ENCODED_SALT),
            case(
                "a.verifySync(Buffer.from('pw'), Buffer.from(a.hashSync('pw', 4, null, null, false)))",
                lambda a: a.verifySync(b"pw", a.hashSync("pw", 4, None, None, False).encode()),
            ),
            case(
                "a.parseOptions(a.hashSync('pw', 5, null, '2y', false))",
                lambda a: a.parseOptions(a.hashSync("pw", 5, None, "2y", False)),
            ),
        ],
        str(BCRYPT),
    )


def test_gen_salt_sync_has_the_bcrypt_salt_format(bcrypt):
    s1, s2 = bcrypt.genSaltSync(4), bcrypt.genSaltSync(4)
    assert SALT_RE.match(s1).groups() == ("b", "04"), s1
    assert s1 != s2  # 16 random bytes each
    assert SALT_RE.match(bcrypt.genSaltSync(10, "2a")).groups() == ("a", "10")
    assert SALT_RE.match(bcrypt.genSaltSync(31, "2y")).groups() == ("y", "31")
    assert SALT_RE.match(bcrypt.genSaltSync(12, None)).groups() == ("b", "12")
    # node's salts have the same shape.
    node_salts = node_json("console.log(JSON.stringify([bc.genSaltSync(4), bc.genSaltSync(10, '2a')]))")
    assert SALT_RE.match(node_salts[0]).groups() == ("b", "04")
    assert SALT_RE.match(node_salts[1]).groups() == ("a", "10")
    # A salt made in Python hashes to the same value under node, and vice versa.
    ours = bcrypt.hashSync("pw", None, s1, None, False)
    theirs = node_json(f"console.log(JSON.stringify(bc.hashSync('pw', null, {json.dumps(s1)}, null, false)))")
    assert ours == theirs and ours.startswith(s1)
    assert bcrypt.hashSync("pw", None, node_salts[1], None, False) == node_json(
        f"console.log(JSON.stringify(bc.hashSync('pw', null, {json.dumps(node_salts[1])}, null, false)))"
    )


def test_bcrypt_wrong_arguments_raise_nodes_error(bcrypt):
    assert_same_as_node(
        bcrypt,
        [
            call("hashSync", 123, 4, None, None, False),
            call("hashSync", NULL, 4, None, None, False),
            call("hashSync", {}, 4, None, None, False),
            call("hashSync"),
            call("hashSync", "pw", "4", None, None, False),
            call("hashSync", "pw", 3, None, None, False),
            call("hashSync", "pw", 32, None, None, False),
            call("hashSync", "pw", 4, b"short", None, False),
            call("hashSync", "pw", 4, None, None),
            call("hashSync", "pw", 4, None, "2x", False),
            call("hashSync", "x" * 80, 4, None, None, True),
            call("verifySync", 1, "garbage"),
            call("verifySync", "pw", 5),
            call("verifySync", "pw"),
            call("genSaltSync"),
            call("genSaltSync", "4"),
            call("genSaltSync", 3),
            call("genSaltSync", 32),
            call("genSaltSync", 4.5),
            call("genSaltSync", 10, "2x"),
            call("genSaltSync", 4, 5),
            call("parseOptions", "nope"),
        ],
        str(BCRYPT),
    )


def test_bcrypt_error_messages_recorded_under_node(bcrypt):
    """Literal messages node 20 gives for @node-rs/bcrypt-linux-x64-gnu 2.0.0 (the binding)."""
    from napi_python import JSError

    expected = [
        (
            lambda: bcrypt.hashSync(123, 4, None, None, False),
            "Value is none of these types `String`, `TypedArray<u8>`, ",
            "InvalidArg",
        ),
        (lambda: bcrypt.genSaltSync(3), "cost must be an integer between 4 and 31", "InvalidArg"),
        (lambda: bcrypt.genSaltSync("4"), "Failed to convert napi value String into rust type `f64`", "NumberExpected"),
        (
            lambda: bcrypt.genSaltSync(4, 5),
            "Failed to convert JavaScript value `Number 5 ` into rust type `String`",
            "StringExpected",
        ),
        (
            lambda: bcrypt.hashSync("pw", 4, None, None),
            "Failed to convert napi value into rust type `bool`",
            "BooleanExpected",
        ),
    ]
    for f, message, code in expected:
        with pytest.raises(JSError) as exc:
            f()
        assert not isinstance(exc.value, (TypeError, ValueError))
        assert (exc.value.name, exc.value.message, exc.value.code) == ("Error", message, code)


def test_bcrypt_async_api_awaits_like_node(bcrypt):
    """The async API (napi-rs AsyncTask: async work plus a promise) in asyncio; a hash made here
    verifies under node, and several hashes in flight at once all complete."""
    from napi_python import js

    async def main():
        h = await bcrypt.hash("correct horse", 4, js.null, "2b", False)
        ok = await bcrypt.verify("correct horse", h)
        bad = await bcrypt.verify("wrong horse", h)
        salt = await bcrypt.genSalt(4, "2b")
        many = await asyncio.gather(*(bcrypt.hash(f"pw{i}", 4, js.null, "2b", False) for i in range(6)))
        return h, ok, bad, salt, many

    h, ok, bad, salt, many = asyncio.run(main())
    assert ok is True and bad is False
    assert re.fullmatch(r"\$2b\$04\$[./A-Za-z0-9]{22}", salt)
    assert node_json(f"console.log(JSON.stringify(bc.verifySync('correct horse', {json.dumps(h)})))") is True
    checks = node_json(
        "console.log(JSON.stringify(" + json.dumps(many) + ".map((h, i) => bc.verifySync('pw' + i, h))))"
    )
    assert checks == [True] * 6
