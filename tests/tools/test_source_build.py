"""A source build (`pip install ./client-py`, a cargo build of the workspace) needs a Rust
toolchain and a C compiler, nothing more (D63): libuv is compiled from its vendored
sources by napi-libuv's build script (`server/libuv/build.rs`) with the cc crate, and its
declarations are written by hand, so no crate of the build runs bindgen, which loads libclang.

The dependency graph is read from `cargo metadata` (every target, every kind of dependency), and
napi-libuv is built where no libclang can be loaded: a mount namespace of its own (unshare) with
every libclang hidden."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap

import pytest
from conftest import ROOT, missing_input

pytestmark = pytest.mark.either_mode

# The crates that load libclang: bindgen and its loader, clang-sys (which declares `links = "clang"`).
NEED_LIBCLANG = {"bindgen", "clang-sys"}


def resolved() -> tuple[dict[str, dict], dict[str, set[str]]]:
    """The workspace's resolved graph as Cargo.lock pins it: package name -> its metadata, and
    package name -> the names of its dependencies (normal, build and dev)."""
    proc = subprocess.run(
        [
            "cargo",
            "metadata",
            "--offline",
            "--locked",
            "--format-version",
            "1",
            "--manifest-path",
            str(ROOT / "Cargo.toml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    meta = json.loads(proc.stdout)
    by_id = {p["id"]: p for p in meta["packages"]}
    packages = {by_id[node["id"]]["name"]: by_id[node["id"]] for node in meta["resolve"]["nodes"]}
    deps = {
        by_id[node["id"]]["name"]: {by_id[dep["pkg"]]["name"] for dep in node["deps"]}
        for node in meta["resolve"]["nodes"]
    }
    return packages, deps


def test_no_crate_of_the_build_loads_libclang():
    packages, _ = resolved()
    assert {"napi-hostd", "napi-python", "pyo3"} <= set(packages), "the graph is the workspace's"
    assert NEED_LIBCLANG & set(packages) == set()
    assert [name for name, package in packages.items() if package.get("links") == "clang"] == []


def test_libuv_is_napi_libuvs_compiled_by_cc():
    """The one crate that builds a libuv (`links = "uv"`) is ours, and the host links it."""
    packages, deps = resolved()
    assert [name for name, package in packages.items() if package.get("links") == "uv"] == ["napi-libuv"]
    assert "cc" in deps["napi-libuv"]
    assert "napi-libuv" in deps["napi-host"]


# Runs its arguments in the namespace after hiding every libclang: the LLVM folders under an empty
# tmpfs, each libclang file under /dev/null (an empty file: it no longer loads); then checks that
# none of them loads.
HIDE_LIBCLANG = textwrap.dedent(
    r"""
    set -euo pipefail
    for dir in /usr/lib/llvm-* /usr/local/lib/llvm-*; do
      if [[ -d $dir ]]; then mount -t tmpfs none "$dir"; fi
    done
    for lib in /usr/lib/libclang*.so* /usr/lib/*/libclang*.so* /usr/local/lib/libclang*.so*; do
      if [[ -f $lib && ! -L $lib ]]; then mount --bind /dev/null "$lib"; fi
    done
    python3 - <<'EOF'
    import ctypes, glob
    for lib in glob.glob("/usr/lib/**/libclang*.so*", recursive=True) + glob.glob("/usr/local/lib/**/libclang*.so*", recursive=True):
        try:
            ctypes.CDLL(lib)
        except OSError:
            continue
        raise SystemExit(f"{lib} still loads")
    EOF
    exec "$@"
    """
)


def test_libuv_builds_where_no_libclang_loads(tmp_path):
    """What bindgen would fail at ("Unable to find libclang"): napi-libuv's build, in a fresh
    target folder, compiles libuv and checks its declarations with the C compiler alone."""
    if shutil.which("unshare") is None:
        missing_input("unshare (util-linux) is not installed")
    namespace = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        namespace.append("--map-root-user")
    build = ["cargo", "build", "--offline", "--locked", "--quiet", "-p", "napi-libuv", "--target-dir", str(tmp_path)]
    proc = subprocess.run(
        [*namespace, "bash", "-c", HIDE_LIBCLANG, "hide-libclang", *build],
        cwd=ROOT,
        env={**os.environ, "LIBCLANG_PATH": str(tmp_path / "no-libclang")},
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and "unshare failed" in proc.stderr:
        missing_input(f"a mount namespace of its own is not permitted here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    (out,) = (tmp_path / "debug" / "build").glob("napi-libuv-*/out")
    assert (out / "libuv.a").stat().st_size > 0
    assert "_Static_assert(UV_RUN_NOWAIT == 2" in (out / "declaration_checks.c").read_text()
