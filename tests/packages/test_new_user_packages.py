"""npm packages a new user tried as their READMEs show, through the raw binding, against node on
the same `.node` files: aws-crt (plain C: `process._rawDebug` at init), @datadog/native-appsec
(prebuildify's libc-tagged `prebuilds/linuxglibc-x64/`), @nomicfoundation/solidity-analyzer (a
platform package without os/cpu/libc), quickbit-native (typed-array queries on plain arrays),
keccak (node-addon-api's error from the last error info), and the V8 half-addons that register
through Node-API but call V8 (@datadog/native-metrics, deasync, @sentry/node-cpu-profiler).

The packages are pinned in tests/npm/package.json (scripts/npm-install).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import IN_PROCESS, fresh_copy, node_eval

import napi_python
from napi_python import AddonLoadError, JSError, js, resolve
from napi_python.machine import current_platform

NODE_MODULES = Path(__file__).resolve().parents[1] / "npm" / "node_modules"
PLATFORM = current_platform()

pytestmark = [
    pytest.mark.needs_input(
        NODE_MODULES.is_dir(), "tests/npm/node_modules is absent: run scripts/npm-install to install the npm addons"
    ),
    pytest.mark.skipif(PLATFORM != "linux-x64-gnu", reason="the files these tests name are linux-x64 glibc builds"),
]

AWS_CRT = NODE_MODULES / "aws-crt/dist/bin/linux-x64-glibc/aws-crt-nodejs.node"
QUICKBIT = NODE_MODULES / "quickbit-native/prebuilds/linux-x64/quickbit-native.node"
KECCAK = NODE_MODULES / "keccak/prebuilds/linux-x64/node.napi.glibc.node"
APPSEC = NODE_MODULES / "@datadog/native-appsec/prebuilds/linuxglibc-x64/node-napi.node"


@pytest.fixture
def open_addon():
    """`open_addon(path)`: the addon at `path`, isolated or in-process (from a copy of its own) as
    the mode says; closed after the test."""
    opened = []

    def _open(path: Path):
        assert path.is_file(), f"{path} missing: rerun scripts/npm-install"
        addon = (
            napi_python.load_addon(fresh_copy(str(path)), isolated=False)
            if IN_PROCESS
            else napi_python.load_addon(str(path))
        )
        opened.append(addon)
        return addon

    yield _open
    for addon in opened:
        napi_python.close(addon)


def node_json(script: str) -> object:
    return node_eval(script)


# ---------------------------------------------------------------------------------------------
# aws-crt: node's process members that addons reach
# ---------------------------------------------------------------------------------------------


def test_aws_crt_loads_and_its_checksums_match_node(open_addon):
    """Its init hands `process._rawDebug` to napi_create_threadsafe_function: without it the
    call fails and aws-crt's own assert aborts."""
    crt = open_addon(AWS_CRT)
    data = bytes(range(256)) * 4096  # 1 MiB
    expected = node_json(
        f"const crt = require({json.dumps(str(AWS_CRT))});"
        "const b = Buffer.alloc(1 << 20, 0).map((_, i) => i % 256);"
        "console.log(JSON.stringify([crt.checksums_crc32(b, undefined), crt.checksums_crc32c(b, undefined),"
        " crt.checksums_crc32(Buffer.from('hello'), 5)]))"
    )
    got = [
        crt.checksums_crc32(data, None),
        crt.checksums_crc32c(data, None),
        crt.checksums_crc32(b"hello", 5),
    ]
    assert got == expected


PROCESS_MEMBERS = ["_rawDebug", "hrtime", "uptime", "execArgv", "title", "nextTick", "emitWarning", "cwd"]


def test_the_process_members_addons_reach_are_there_as_in_node(open_addon):
    """`typeof process[name]`, `process.hrtime.bigint` and the shape of `hrtime()` as node 26 has
    them."""
    crt = open_addon(AWS_CRT)  # any addon: the globals are the host's
    process = js.global_this(crt).process
    got = {name: js.typeof(process[name]) for name in PROCESS_MEMBERS}
    got["hrtime.bigint"] = js.typeof(process.hrtime.bigint)
    got["hrtime()"] = [js.typeof(x) for x in process.hrtime()]
    got["uptime()"] = js.typeof(process.uptime())
    got["execArgv.length"] = len(process.execArgv)
    expected = node_json(
        f"const names = {json.dumps(PROCESS_MEMBERS)};"
        "const out = Object.fromEntries(names.map(n => [n, typeof process[n]]));"
        "out['hrtime.bigint'] = typeof process.hrtime.bigint;"
        "out['hrtime()'] = process.hrtime().map(x => typeof x);"
        "out['uptime()'] = typeof process.uptime();"
        "out['execArgv.length'] = process.execArgv.length;"
        "console.log(JSON.stringify(out))"
    )
    assert got == expected
    assert isinstance(process.hrtime.bigint(), int)
    first = process.hrtime()
    later = process.hrtime(first)
    assert later[0] >= 0 and 0 <= later[1] < 1e9


def test_raw_debug_writes_its_line_to_stderr_at_once(capfd):
    """In-process whatever the mode: the host's stderr is then this process's, read here."""
    crt = napi_python.load_addon(fresh_copy(str(AWS_CRT)), isolated=False)
    try:
        capfd.readouterr()
        js.global_this(crt).process._rawDebug("aws-crt says", 42)
        assert capfd.readouterr().err == "aws-crt says 42\n"
    finally:
        napi_python.close(crt)


# ---------------------------------------------------------------------------------------------
# Layouts: prebuildify's libc-tagged folders, platform packages named for the platform,
# node-release folders
# ---------------------------------------------------------------------------------------------


def test_prebuildify_libc_tagged_folders_are_found_as_node_gyp_build_finds_them():
    for name in ("@datadog/native-appsec", "@datadog/native-metrics"):
        pkg = NODE_MODULES / name
        # The package's own node-gyp-build (3.x: 4.x reads no libc-tagged folder).
        expected = node_json(
            f"const pkg = {json.dumps(str(pkg))};"
            "const gyp = require(require.resolve('node-gyp-build', {paths: [pkg]}));"
            "console.log(JSON.stringify(gyp.path(pkg)))"
        )
        assert resolve(name, paths=[NODE_MODULES.parent]) == expected


def test_datadog_native_appsec_required_answers_as_under_node():
    with napi_python.require("@datadog/native-appsec", paths=[NODE_MODULES.parent], isolated=not IN_PROCESS) as waf:
        got = waf.DDWAF.version()
    expected = node_json(f"console.log(JSON.stringify(require({json.dumps(str(APPSEC))}).DDWAF.version()))")
    assert got == expected


def test_a_platform_package_named_for_the_platform_without_os_cpu_libc_is_required():
    source = 'pragma solidity ^0.8.0;\nimport "./a.sol";'
    with napi_python.require(
        "@nomicfoundation/solidity-analyzer", paths=[NODE_MODULES.parent], isolated=not IN_PROCESS
    ) as analyzer:
        got = js.to_python(analyzer.analyze(source)) if hasattr(js, "to_python") else analyzer.analyze(source)
    expected = node_json(
        f"console.log(JSON.stringify(require({json.dumps(str(NODE_MODULES / '@nomicfoundation/solidity-analyzer'))})"
        f".analyze({json.dumps(source)})))"
    )
    assert {k: list(got[k]) for k in expected} == expected


def test_deasync_resolves_to_the_running_node_releases_folder():
    """deasync's loader takes `bin/<platform>-node-<major>/` for the running node: the host
    answers as node 26."""
    path = resolve("deasync", paths=[NODE_MODULES.parent])
    assert Path(path).relative_to(NODE_MODULES / "deasync").as_posix() == "bin/linux-x64-node-26/deasync.node"


def test_sentry_cpu_profiler_resolves_to_the_build_for_the_hosts_node_abi():
    path = resolve("@sentry/node-cpu-profiler", paths=[NODE_MODULES.parent])
    assert Path(path).name == "sentry_cpu_profiler-linux-x64-glibc-147.node"


# ---------------------------------------------------------------------------------------------
# quickbit-native: typed-array queries on values that are not typed arrays
# ---------------------------------------------------------------------------------------------


def test_quickbit_calls_on_plain_arrays_and_wrong_types_answer_as_node(open_addon):
    q = open_addon(QUICKBIT)
    # On a plain array quickbit reads the length of a typed-array query that failed without
    # looking at the status: node writes nothing there, so its answer is whatever the stack held
    # (0 in most runs, 1 in some). The host writes an empty view, so a field of no bits: 0, every
    # time. The other calls are compared with node's answers.
    assert q.quickbit_napi_get([1, 2], 0) == 0
    expected = node_json(
        f"const q = require({json.dumps(str(QUICKBIT))});"
        "q.quickbit_napi_get([1, 2], 0);"
        "const r = [q.quickbit_napi_get(Buffer.from([1]), 'x'),"
        " q.quickbit_napi_clear(Buffer.from([1]), [{field: 1}]), q.quickbit_napi_get(Buffer.from([0x80]), 0)];"
        "console.log(JSON.stringify(r.map(x => x === undefined ? '<undefined>' : x)))"
    )
    got = [
        q.quickbit_napi_get(js.buffer(b"\x01"), "x"),
        q.quickbit_napi_clear(js.buffer(b"\x01"), [{"field": 1}]),
        q.quickbit_napi_get(js.buffer(b"\x80"), 0),
    ]
    assert ["<undefined>" if x is None else x for x in got] == expected


# ---------------------------------------------------------------------------------------------
# keccak: node-addon-api makes its error from the last error info, read after further calls
# ---------------------------------------------------------------------------------------------


def test_keccak_initialize_with_a_string_throws_nodes_plain_error(open_addon):
    keccak = open_addon(KECCAK)
    expected = node_json(
        f"const K = require({json.dumps(str(KECCAK))});"
        "try { new K().initialize('x', null) } catch (e) { console.log(JSON.stringify([e.name, e.message])) }"
    )
    with pytest.raises(JSError) as e:
        keccak().initialize("x", js.null)
    assert [e.value.name, e.value.message] == expected == ["Error", "A number was expected"]


# ---------------------------------------------------------------------------------------------
# V8 half-addons: Node-API registration, V8 imports
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("@datadog/native-metrics", "v8::Isolate::GetCurrent()"),
        ("deasync", "v8::Isolate::GetCurrent()"),
        ("@sentry/node-cpu-profiler", "v8::"),
    ],
)
def test_an_addon_that_imports_v8_is_refused_at_load_naming_the_symbols(name, symbol):
    path = resolve(name, paths=[NODE_MODULES.parent])
    with pytest.raises(AddonLoadError) as e:
        napi_python.load_addon(path, isolated=not IN_PROCESS)
    message = str(e.value)
    assert "registers through Node-API but also imports V8's or node's C++ API" in message
    assert symbol in message or re.search(r"_ZN\w*2v8", message)
    if name == "@sentry/node-cpu-profiler":
        assert message.endswith("its name says it was built for node 26 (NODE_MODULE_VERSION 147)")


# ---------------------------------------------------------------------------------------------
# install: what npm installs, and what a skipped script is worth saying
# ---------------------------------------------------------------------------------------------


class _Documents:
    """A registry of package documents made from the installed packages' package.json files."""

    def document(self, name: str) -> dict:
        meta = json.loads((NODE_MODULES / name / "package.json").read_text())
        return {"name": name, "dist-tags": {"latest": meta["version"]}, "versions": {meta["version"]: meta}}


@pytest.mark.either_mode
def test_install_takes_an_optional_dependency_named_for_the_platform_that_declares_no_os_cpu_libc():
    """@nomicfoundation/solidity-analyzer's platform packages say nothing of where they run: npm
    installs them all; napi_python the one named for this platform."""
    from napi_python.npm.install import _platform_packages
    from napi_python.packages.platform_fit import Target

    name = "@nomicfoundation/solidity-analyzer"
    manifest = _Documents().document(name)["versions"]["0.1.2"]
    manifest["optionalDependencies"] = {
        dep: "0.1.2" for dep in manifest.get("optionalDependencies") or {} if (NODE_MODULES / dep).is_dir()
    }
    planned = _platform_packages(_Documents(), manifest, name, Target.parse(PLATFORM))
    assert [p.name for p in planned] == ["@nomicfoundation/solidity-analyzer-linux-x64-gnu"]


@pytest.mark.either_mode
def test_the_install_scripts_of_aws_crt_and_deasync_are_not_of_a_known_tool():
    """aws-crt's `node ./scripts/install.js` and deasync's `node ./build.js` keep the binary
    they ship: `install` says nothing of them (tests/packages/test_install.py checks the CLI)."""
    from napi_python.packages.install_scripts import skipped_scripts

    for name in ("aws-crt", "deasync"):
        pkg = NODE_MODULES / name
        scripts = skipped_scripts(pkg, json.loads((pkg / "package.json").read_text()))
        assert scripts and not any(s.known for s in scripts)
