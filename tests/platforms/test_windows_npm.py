"""npm on Windows, run by a Windows CPython (scripts/windows-python suite, under wine):
`python -m napi_python install` picks what npm picks there (napi-rs' `win32-x64-msvc` platform
package, the `prebuilds/win32-x64` folders of node-gyp-build and cmake-napi packages) into
Windows' cache folder, `%LOCALAPPDATA%\\napi-python`; `require` finds them; and they answer as
node does. Node's answers are node 26's on Linux for the same calls on the same versions'
linux-x64 builds (tests/packages/test_real_addons.py and tests/packages/test_uv_packages.py make those calls
against node at every run; client/tests/windows_npm.rs makes these through the Rust core).

The packages come from npm's registry, as a user's do (scripts/windows npm fetches the same
versions for the Rust tests). Elsewhere this file is skipped: Linux's npm path is
tests/packages/test_install.py and tests/packages/test_require.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import npm_calls
import pytest
from conftest import IN_PROCESS

import napi_python
from napi_python import JSTypeError

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="npm as a Windows CPython runs it")

ROOT = Path(__file__).resolve().parents[2]
PINS = json.loads((ROOT / "tests" / "npm" / "package.json").read_text())["dependencies"]
# Windows' alone (scripts/windows pins them for the Rust tests the same way).
PACKAGES = [
    f"@node-rs/crc32@{PINS['@node-rs/crc32']}",
    f"sodium-native@{PINS['sodium-native']}",
    f"@serialport/bindings-cpp@{PINS['@serialport/bindings-cpp']}",
    "bufferutil@4.0.9",
]
DEADLINE = 60.0


@pytest.fixture(scope="module")
def local_app_data(tmp_path_factory):
    """A %LOCALAPPDATA% of the module's own (its path with a space and a non-ASCII letter, as a
    user's profile may have), where `install`, run as a user runs it, puts the packages: the
    suite's own cache folder (NAPI_PYTHON_CACHE, tests/conftest.py) is set aside meanwhile."""
    folder = tmp_path_factory.mktemp("app data é")
    saved = {name: os.environ.pop(name, None) for name in ("LOCALAPPDATA", "NAPI_PYTHON_CACHE")}
    os.environ["LOCALAPPDATA"] = str(folder)
    try:
        ran = subprocess.run(
            [sys.executable, "-m", "napi_python", "install", *PACKAGES],
            capture_output=True,
            text=True,
            timeout=600,
            env=os.environ,
        )
        assert ran.returncode == 0, f"install failed:\n{ran.stdout}\n{ran.stderr}"
        yield folder
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def require(name: str):
    return napi_python.require(name, isolated=not IN_PROCESS)


def test_install_picks_what_npm_picks_on_windows_into_local_app_data(local_app_data):
    modules = local_app_data / "napi-python" / "node_modules"
    # napi-rs: the platform package npm's optionalDependencies resolve to on win32 x64, and no other.
    crc = sorted(p.name for p in (modules / "@node-rs").iterdir())
    assert crc == ["crc32", "crc32-win32-x64-msvc"], crc
    assert (modules / "@node-rs" / "crc32-win32-x64-msvc" / "crc32.win32-x64-msvc.node").is_file()
    # node-gyp-build and cmake-napi: the prebuilds of every platform ship in the package.
    for package, binary in [
        ("sodium-native", "sodium-native.node"),
        ("bufferutil", "bufferutil.node"),
        ("@serialport/bindings-cpp", "@serialport+bindings-cpp.node"),
    ]:
        assert (modules / package / "prebuilds" / "win32-x64" / binary).is_file(), package


def test_require_finds_each_windows_build(local_app_data):
    for name, binary in [
        ("@node-rs/crc32", "crc32.win32-x64-msvc.node"),
        ("sodium-native", "sodium-native.node"),
        ("bufferutil", "bufferutil.node"),
        ("@serialport/bindings-cpp", "@serialport+bindings-cpp.node"),
    ]:
        addon = require(name)
        try:
            path = Path(napi_python.addon_info(addon).path)
            assert path.name == binary and path.is_relative_to(local_app_data), path
        finally:
            napi_python.close(addon)


def test_crc32_answers_as_node(local_app_data):
    crc = require("@node-rs/crc32")
    try:
        assert crc.crc32("hello world") == 222_957_957
        assert crc.crc32c("hello world") == 3_381_945_770
        assert crc.crc32("world", crc.crc32("hello ")) == 222_957_957
        assert crc.crc32c(b"hello world") == 3_381_945_770
    finally:
        napi_python.close(crc)


def test_sodium_hashes_as_node_in_the_call_and_on_the_libuv_pool_awaited_from_asyncio(local_app_data):
    node = "bed572dccbf47feda422d319111870a34a3756888cc14f30bac9392e4cc30d09"
    sodium = require("sodium-native")
    try:
        assert sodium.crypto_pwhash_SALTBYTES == 16
        assert npm_calls.pwhash(sodium) == node
        err, hashed = npm_calls.pwhash_async(sodium, DEADLINE)
        assert err in (None, 0)
        assert hashed == node
    finally:
        napi_python.close(sodium)


def test_bufferutil_masks_as_node(local_app_data):
    bufferutil = require("bufferutil")
    try:
        out = bytearray(13)
        bufferutil.mask(b"hello world", b"\x01\x02\x03\x04", out, 2, 11)
        assert out.hex() == "000069676f686e22746b736e67"
        masked = bytearray(out[2:])
        bufferutil.unmask(masked, b"\x01\x02\x03\x04")
        assert masked == b"hello world"
    finally:
        napi_python.close(bufferutil)


def test_serialport_checks_and_opens_as_node(local_app_data):
    serial = require("@serialport/bindings-cpp")
    try:
        with pytest.raises(JSTypeError, match="First argument must be a string"):
            serial.open(1)
        with pytest.raises(JSTypeError, match="Third argument must be a function"):
            serial.open("no-such-port", {})
        opened: list[object] = []
        called = threading.Event()

        def done(err=None, *_rest):
            opened.append(err)
            called.set()

        serial.open("COM99", npm_calls.SERIAL_OPEN_OPTIONS, done)
        assert called.wait(DEADLINE), "the callback did not come"
        assert opened[0].message == "Opening COM99: File not found"
    finally:
        napi_python.close(serial)
