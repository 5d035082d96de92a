"""The typed stub of the native extension matches what it really exports (mypy's stubtest), and
the package ships its typing marker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import napi_python

pytestmark = pytest.mark.either_mode


def test_native_stub_matches_the_extension():
    allowlist = Path(__file__).parent / "stubtest-allowlist.txt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "napi_python._native",
            "--allowlist",
            str(allowlist),
            "--ignore-unused-allowlist",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_is_marked_typed():
    assert (Path(napi_python.__file__).parent / "py.typed").exists()
