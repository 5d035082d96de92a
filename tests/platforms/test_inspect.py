"""`python -m napi_python inspect FILE.node`: registration style, declared Node-API version,
the Node-API functions a file imports or looks up (each with the host's state for it), what else
it needs that only node has, and its exports with their kinds, loaded in a sandboxed host.

The ELF reader is checked against binutils' `nm -D` on the same files where nm is installed; the
exports against what node sees when it requires the same file. `inspect_node_only.node`
(addons/c/inspect_node_only.c) needs V8 and node's C++ API, so it cannot load here.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import ROOT, addon_path, napi_python_cli, node_eval

from napi_python import hostd_path
from napi_python.binary import elf
from napi_python.inspection import host_exports, inspect_addon

pytestmark = pytest.mark.either_mode

CRC32 = ROOT / "tests" / "npm" / "node_modules" / "@node-rs" / "crc32-linux-x64-gnu" / "crc32.linux-x64-gnu.node"


def run_inspect(*args: str) -> subprocess.CompletedProcess:
    return napi_python_cli("inspect", *args, timeout=120)


def nm(path: str, *flags: str) -> set[str]:
    out = subprocess.run(["nm", "-D", *flags, path], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


@pytest.mark.needs_input(shutil.which("nm") is not None, "binutils' nm is not installed")
@pytest.mark.parametrize("name", ["bench", "lifecycle_legacy", "inspect_node_only", "rust_addon", "napi-hostd"])
def test_elf_reader_finds_the_symbols_nm_finds(name):
    path = hostd_path() if name == "napi-hostd" else addon_path(name)
    so = elf.read(path)
    assert {s.name for s in so.undefined} == nm(path, "--undefined-only")
    assert so.defined == nm(path, "--defined-only")
    assert (so.machine == "x86-64" and so.bits == 64) or so.machine != "x86-64"


def test_elf_reader_ties_versioned_imports_to_their_library():
    so = elf.read(addon_path("bench"))
    assert "libc.so.6" in so.needed
    versioned = [s for s in so.undefined if s.version]
    assert versioned and all(s.library == "libc.so.6" and s.version.startswith("GLIBC_") for s in versioned)
    with pytest.raises(elf.ElfError):
        elf.read(ROOT / "README.md")


@pytest.mark.parametrize(
    "name",
    [
        # Offsets and sizes the file gives: past 2**63 (seek raised ValueError), before the start
        # (OSError), a table of petabytes (read raised MemoryError), a string table that is no
        # section (IndexError). The fuzz target's finds (scripts/fuzz, binary_readers).
        "found-elf-offset-past-2-63.node",
        "found-elf-negative-seek.node",
        "found-elf-huge-table.node",
        "found-elf-link-out-of-range.node",
    ],
)
def test_elf_files_whose_tables_lie_are_refused_with_elf_error(name):
    with pytest.raises(elf.ElfError):
        elf.read(ROOT / "client-py" / "fuzz" / "corpus" / "binary_readers" / name)


def test_host_reports_every_function_it_exports():
    exports = host_exports()
    assert exports["napi_create_object"] == "implemented"
    assert set(exports) == nm(hostd_path(), "--defined-only") & set(exports) and len(exports) == 161


def test_registration_and_declared_version():
    v10 = inspect_addon(addon_path("lifecycle_v10"))
    assert (v10["registration"], v10["declares_version"], v10["load"]["napi_version"]) == (
        "napi_register_module_v1",
        True,
        10,
    )
    legacy = inspect_addon(addon_path("lifecycle_legacy"))
    assert legacy["registration"] == "napi_module_register"
    assert (legacy["declares_version"], legacy["load"]["napi_version"], legacy["load"]["registered_by"]) == (
        False,
        8,
        "napi_module_register",
    )
    out = run_inspect(addon_path("lifecycle_v10"))
    assert out.returncode == 0, out.stderr
    assert "  registration: napi_register_module_v1\n" in out.stdout
    assert "  Node-API version: 10 (declared by node_api_module_get_api_version_v1)\n" in out.stdout
    assert "Node-API version: 8 (declares none, so 8 as in Node)" in run_inspect(addon_path("lifecycle_legacy")).stdout


def test_imported_node_api_functions_with_their_state():
    report = inspect_addon(addon_path("bench"))
    imported = {f["name"]: f for f in report["napi_functions"]}
    assert set(imported) == {
        n for n in nm(addon_path("bench"), "--undefined-only") if n.startswith(("napi_", "node_api_"))
    }
    assert all(f["how"] == "imported" and f["state"] == "implemented" for f in imported.values())
    text = run_inspect(addon_path("bench")).stdout
    assert (
        "    napi_get_cb_info " in text
        and f"Node-API functions ({len(imported)}: {len(imported)} implemented):" in text
    )


def test_napi_rs_functions_looked_up_by_name_are_listed_too():
    # napi-rs 3 imports no Node-API symbol; it looks each one up with dlsym when it loads.
    report = inspect_addon(addon_path("rust_addon"))
    functions = {f["name"]: f for f in report["napi_functions"]}
    assert not nm(addon_path("rust_addon"), "--undefined-only") & set(functions)
    assert {"napi_create_function", "napi_define_class", "napi_get_cb_info"} <= set(functions)
    assert {f["how"] for f in functions.values()} == {"dlsym"}
    assert set(functions) <= set(host_exports())


def test_symbols_only_node_has_are_reported_and_the_load_error_shown():
    out = run_inspect(addon_path("inspect_node_only"))
    assert out.returncode == 1
    report = inspect_addon(addon_path("inspect_node_only"))
    assert "libuv" not in report["unresolved"], "the host provides libuv"
    v8 = report["unresolved"]["V8"]
    assert v8 in (
        ["v8::HeapProfiler::kUnknownObjectId", "v8::Isolate::GetCurrent()"],  # demangled with c++filt
        ["_ZN2v812HeapProfiler16kUnknownObjectIdE", "_ZN2v87Isolate10GetCurrentEv"],
    )
    assert len(report["unresolved"]["Node C++ API"]) == 1
    assert report["load"]["loaded"] is False
    # Refused before the dynamic linker sees it, naming what it imports of V8 and node.
    assert "registers through Node-API but also imports V8's or node's C++ API" in report["load"]["error"]
    assert "HeapProfiler" in report["load"]["error"]
    states = {f["name"]: f["state"] for f in report["napi_functions"]}
    assert states["napi_get_uv_event_loop"] == "implemented"
    assert "    V8 (2):\n" in out.stdout
    assert "  loading it failed: " in out.stdout


@pytest.mark.parametrize("name", ["classes", "rust_addon", "values"])
def test_exports_and_their_kinds_match_what_node_sees(name):
    path = addon_path(name)
    under_node = node_eval(
        f"const m = require({json.dumps(path)});"
        "const isClass = f => typeof f === 'function' && f.prototype !== undefined &&"
        "  Object.getOwnPropertyNames(f.prototype).length > 1;"
        "console.log(JSON.stringify(Reflect.ownKeys(m).map(k => [String(k), isClass(m[k]) ? 'class' : typeof m[k],"
        "  isClass(m[k]) ? Object.getOwnPropertyNames(m[k].prototype).filter(p => p !== 'constructor' &&"
        "    typeof Object.getOwnPropertyDescriptor(m[k].prototype, p).value === 'function').sort() : null])))"
    )
    report = inspect_addon(path)
    load = report["load"]
    assert load["loaded"] and load["sandboxed"] and "seccomp" in load["protections"]
    ours = []
    for e in load["exports"]:
        methods = None
        if e["kind"] == "class":
            part = next((p for p in e["detail"].split("; ") if p.startswith("methods: ")), "methods: ")
            methods = sorted(m for m in part[len("methods: ") :].split(", ") if m)
        ours.append([e["name"], e["kind"], methods])
    assert ours == under_node


def test_json_output_and_no_sandbox_and_not_an_elf_file(tmp_path):
    out = run_inspect(str(CRC32) if CRC32.exists() else addon_path("bench"), "--json", "--no-sandbox")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["load"]["sandboxed"] is False and report["registration"] == "napi_register_module_v1"
    assert report["unresolved"] == {} and report["missing_libraries"] == []
    junk = tmp_path / "junk.node"
    junk.write_text("not a library")
    bad = run_inspect(str(junk))
    assert bad.returncode == 2 and "is not an ELF file" in bad.stderr


def test_a_load_that_fails_in_the_sandbox_says_it_may_be_the_cause_and_how_to_go_without():
    path = addon_path("lifecycle_init_throws")
    out = run_inspect(path)
    assert out.returncode == 1
    assert "  loading it failed: " in out.stdout and "initialisation threw: Error: init failed" in out.stdout
    assert (
        "  it was loaded in inspect's sandbox, which may be the cause: there the addon may read only its own folder "
        "and the system's libraries, write nowhere, open no socket and start no process, and an addon that needs "
        "any of that while it loads fails as above. To inspect it without the sandbox (only an addon you trust: it "
        f"runs unconfined), run: python -m napi_python inspect --no-sandbox {path}\n"
    ) in out.stdout
    assert "sandbox_note" in inspect_addon(path)["load"]
    # Unconfined, or failing for a cause the sandbox has no part in (symbols only node has): no note.
    assert "sandbox_note" not in inspect_addon(path, sandbox=False)["load"]
    assert "inspect's sandbox" not in run_inspect(path, "--no-sandbox").stdout
    assert "sandbox_note" not in inspect_addon(addon_path("inspect_node_only"))["load"]
