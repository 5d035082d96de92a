"""The package is built for the machine it runs on (x86-64 here, arm64 in scripts/arm64's
emulated root, docs/platforms.md): the host it carries, the test addons and the npm packages'
binaries that `require` picks are all of this machine's CPU, and the platform name it gives npm
is this machine's."""

from __future__ import annotations

import os
import platform
import sys

import pytest
from conftest import ROOT, addon_path, load_in_mode, missing_input

import napi_python
from napi_python import SandboxUnavailableError, load_addon
from napi_python.binary import elf
from napi_python.machine import current_platform

NPM = ROOT / "tests" / "npm"
# ELF's name of each CPU napi-python is built for, by Python's name of it.
ELF_MACHINE = {"x86_64": "x86-64", "aarch64": "aarch64"}
# scripts/arm64 says so when it runs the suite under qemu-user, which refuses a program's
# seccomp filter and Landlock rules (docs/platforms.md).
EMULATED = os.environ.get("NAPI_PYTHON_EMULATED") == "qemu-user"


def this_machine() -> str:
    return ELF_MACHINE[platform.machine()]


def test_the_interpreter_and_the_host_are_of_this_machine():
    assert elf.read(sys.executable).machine == this_machine()
    assert elf.read(napi_python.hostd_path()).machine == this_machine()


def test_npm_names_this_machine_as_node_does():
    arch = {"x86_64": "x64", "aarch64": "arm64"}[platform.machine()]
    assert current_platform() == f"linux-{arch}-gnu"


@pytest.mark.parametrize("name", ["values", "rust_addon"])
def test_the_test_addons_are_built_for_this_machine(name):
    assert elf.read(addon_path(name)).machine == this_machine()


@pytest.mark.parametrize("package", ["@node-rs/crc32", "sodium-native", "@serialport/bindings-cpp"])
def test_require_picks_the_binary_of_this_machine_and_it_answers(package):
    try:
        path = napi_python.resolve(package, paths=[NPM])
    except napi_python.AddonNotFoundError:
        missing_input(f"{package} is not installed in tests/npm/node_modules: run scripts/npm-install")
    assert elf.read(path).machine == this_machine()
    exported = {"@node-rs/crc32": "crc32c", "sodium-native": "crypto_generichash", "@serialport/bindings-cpp": "Poller"}
    with load_in_mode(path) as addon:
        assert callable(getattr(addon, exported[package]))
        if package == "@node-rs/crc32":
            assert addon.crc32c(b"hello") == 2591144780


@pytest.mark.isolated_only
@pytest.mark.skipif(not EMULATED, reason="under qemu-user only (scripts/arm64)")
def test_under_emulation_a_sandbox_is_refused_not_pretended():
    with pytest.raises(SandboxUnavailableError, match="landlock"):
        load_addon(addon_path("sandbox"), sandbox=True)
