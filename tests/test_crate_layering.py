"""The Rust crates import one another in layers, downwards only (issue 32).

Crates: each depends only on crates of lower layers (its `path` dependencies of every kind, as
`cargo metadata` reads them). Inside napi-runtime, the core (the heap and JS semantics) never
reaches into `builtins/`, which sits above it: only `realm.rs` (which installs the built-ins)
and `testing.rs` may. Python's own modules are checked by test_module_layering.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import ROOT

# Lowest first. A crate may depend on crates of earlier layers only.
LAYERS = [
    {"napi-protocol"},  # messages, values, the codec: no I/O
    {"napi-link"},  # rings, segments, descriptor passing, waiting
    {"napi-runtime"},  # heap, JS semantics, built-ins
    {"napi-script"},  # napi_run_script over oxc_parser
    {"napi-functions"},  # every extern "C" Node-API function
    {"napi-host"},  # serving requests on the JS thread
    {"napi-hostd"},  # the host process (and the process-tree lib the client shares)
    {"napi-python"},  # the Python extension
    # Tools nothing depends on: the fuzz targets (frame decoder, client), the napi-rs test addon.
    {"napi-link-fuzz", "napi-client-fuzz", "napi-test-addon"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}

RUNTIME_SRC = ROOT / "server" / "runtime" / "src"
# The runtime files allowed to use `builtins`: the realm installs them; the test helpers build
# realms; lib.rs declares the module.
MAY_USE_BUILTINS = {"realm.rs", "testing.rs"}


def crates() -> dict[str, tuple[Path, set[str]]]:
    """Every crate of the repository (the workspace, and crates with a workspace of their own
    such as the fuzz target): name -> (manifest, names of its path dependencies)."""
    manifests = subprocess.run(
        ["git", "ls-files", "*Cargo.toml"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found: dict[str, tuple[Path, set[str]]] = {}
    for manifest in manifests:
        if (ROOT / manifest).resolve() in {path for path, _ in found.values()}:
            continue
        meta = json.loads(
            subprocess.run(
                ["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path", manifest],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for package in meta["packages"]:
            deps = {d["name"] for d in package["dependencies"] if d.get("path")}
            found[package["name"]] = (Path(package["manifest_path"]).resolve(), deps)
    return found


def test_every_crate_has_a_layer():
    unplaced = sorted(set(crates()) - set(LAYER))
    assert unplaced == [], f"crates missing from LAYERS (place them): {unplaced}"


def test_crates_depend_only_on_lower_layers():
    found = crates()
    edges = [(name, dep) for name, (_, deps) in found.items() for dep in deps]
    assert ("napi-host", "napi-runtime") in edges, "cargo metadata named no path dependencies"
    upwards = [f"{name} -> {dep}" for name, dep in edges if LAYER.get(dep, len(LAYERS)) >= LAYER.get(name, -1)]
    assert upwards == [], "dependencies on a crate of the same or a higher layer: " + ", ".join(upwards)


def code_of(path: Path) -> str:
    """The Rust source at `path` without its comments (doc comments name `builtins/` files)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", text)


def uses_of_builtins(path: Path) -> list[str]:
    """The lines of `path` that name the `builtins` module (its declaration in lib.rs aside)."""
    return [
        line.strip()
        for line in code_of(path).splitlines()
        if re.search(r"\bbuiltins\b", line) and not re.fullmatch(r"\s*(pub\s+)?mod\s+builtins\s*;\s*", line)
    ]


def test_the_runtime_core_does_not_import_builtins():
    core = [
        p
        for p in sorted(RUNTIME_SRC.rglob("*.rs"))
        if p.relative_to(RUNTIME_SRC).parts[0] != "builtins" and p.name not in MAY_USE_BUILTINS
    ]
    assert len(core) > 10
    # The check sees a use where there is one: realm.rs installs the built-ins.
    assert uses_of_builtins(RUNTIME_SRC / "realm.rs")
    upwards = {str(p.relative_to(RUNTIME_SRC)): uses for p in core if (uses := uses_of_builtins(p))}
    assert upwards == {}, f"core runtime modules that reach into builtins/: {upwards}"
