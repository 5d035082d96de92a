"""Shared fixtures: where the built test addons are, and how to ask `node` for expected values."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "build" / "addons"


def addon_path(name: str) -> str:
    """The built test addon `name` (from addons/c/<name>.c, or `rust_addon`)."""
    path = ADDONS / f"{name}.node"
    if not path.exists():
        raise FileNotFoundError(f"{path} is not built: run addons/build.sh")
    return str(path)


def node_eval(script: str) -> object:
    """Runs `script` under node and returns the JSON it prints on its last line.

    Used to record what Node itself answers, so expected values come from Node, not from us.
    The script may `require()` test addons by absolute path (see `addon_path`).
    """
    proc = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"node failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def load():
    """`load(name)` loads a test addon isolated and closes it after the test."""
    from napi_python import load_addon

    opened = []

    def _load(name: str, **kwargs):
        a = load_addon(addon_path(name), **kwargs)
        opened.append(a)
        return a

    yield _load
    for a in opened:
        a.close()
