"""A Rust program with no Python in it (client/examples/call.rs) loads a test addon through the
client's core and calls it, in both kinds of host, and prints what node prints for the same call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache

import pytest
from conftest import ROOT, addon_path, node_eval

# The example runs both kinds of host itself: once is enough.
pytestmark = pytest.mark.isolated_only

CALLS = [
    ("add", ["1", "2.5"], [1, 2.5]),
    ("echo", ["héllo, wörld"], ["héllo, wörld"]),
]


@cache
def example_program() -> str:
    """client/examples/call.rs, built with the features `cargo test --workspace --exclude
    napi-test-addon` resolves (scripts/test runs it first), so that it reuses that build: `cargo
    run -p napi-client` alone resolves fewer (napi-runtime's `testing`, syn's `visit-mut`) and
    compiled again most of the debug workspace (1.6 GB) for this one program."""
    cargo = shutil.which("cargo")
    assert cargo, "cargo is not on PATH (scripts/setup installs Rust)"
    cmd = [cargo, "build", "--quiet", "--workspace", "--exclude", "napi-test-addon", "--example", "call"]
    built = subprocess.run(
        [*cmd, "--message-format=json"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert built.returncode == 0, built.stderr
    messages = [json.loads(line) for line in built.stdout.splitlines() if line.startswith("{")]
    (program,) = [
        m["executable"] for m in messages if m.get("target", {}).get("name") == "call" and m.get("executable")
    ]
    return program


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [example_program(), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("mode", [[], ["--in-process"]], ids=["isolated", "in-process"])
@pytest.mark.parametrize(("function", "args", "js_args"), CALLS, ids=[c[0] for c in CALLS])
def test_the_rust_example_answers_as_node(mode, function, args, js_args):
    path = addon_path("bench")
    proc = run_example(*mode, path, function, *args)
    assert proc.returncode == 0, proc.stderr
    expected = node_eval(
        f"console.log(JSON.stringify(require({json.dumps(path)}).{function}(...{json.dumps(js_args)})))"
    )
    assert json.loads(proc.stdout) == expected


@pytest.mark.parametrize("mode", [[], ["--in-process"]], ids=["isolated", "in-process"])
def test_the_rust_example_reports_what_javascript_throws_as_node(mode):
    path = addon_path("bench")
    proc = run_example(*mode, path, "byteLength", "not a buffer")
    assert proc.returncode == 1
    thrown = node_eval(
        f"try {{ require({json.dumps(path)}).byteLength('not a buffer') }}"
        " catch (e) { console.log(JSON.stringify(`${e.name}: ${e.message}`)) }"
    )
    assert proc.stderr == f"error: {thrown}\n"


@pytest.mark.parametrize("mode", [[], ["--in-process"]], ids=["isolated", "in-process"])
def test_the_rust_example_names_what_is_wrong(mode, tmp_path):
    missing = run_example(*mode, str(tmp_path / "absent.node"), "add")
    assert missing.returncode == 1
    assert "absent.node" in missing.stderr
    unknown = run_example(*mode, addon_path("bench"), "nope")
    assert unknown.returncode == 1
    assert 'exports no function "nope"' in unknown.stderr
    assert run_example().returncode == 2
