"""The Rust crates import one another in layers, downwards only.

Crates: each depends only on crates of lower layers (its `path` dependencies of every kind, as
`cargo metadata` reads them). Files: inside each crate but the client, no two modules import
each other, directly or around a circle (`use crate::...` and `super::`). Inside napi-runtime,
the core (the heap and JS semantics) never reaches into `builtins/`, which sits above it: only
`testing.rs` may, and the crate root hands the built-ins to the realm it makes, so the realm
they fill knows nothing of them. The client's folders import in layers, and no two
of its files import each other, directly or around a circle: a Python type's data
lies below what converts and calls, its methods on top. Python's own modules are checked by
test_module_layering.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.either_mode

# Lowest first. A crate may depend on crates of earlier layers only.
LAYERS = [
    {"napi-protocol", "napi-libuv"},  # messages, values, the codec: no I/O; libuv, built from its C sources
    {"napi-link"},  # rings, segments, descriptor passing, waiting; what both ends share
    {"napi-runtime"},  # heap, JS semantics, built-ins
    {"napi-script"},  # napi_run_script over oxc_parser
    {"napi-functions"},  # every extern "C" Node-API function
    {"napi-host"},  # serving requests on the JS thread
    {"napi-hostd"},  # the host process
    {"napi-client"},  # the client with no language binding: starting a host, the link, sessions
    {"napi-python"},  # the Python extension, a binding on napi-client
    # Tools nothing depends on: the fuzz targets (scripts/fuzz), the napi-rs test addon.
    {"napi-protocol-fuzz", "napi-link-fuzz", "napi-client-fuzz", "napi-test-addon"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}

RUNTIME_SRC = ROOT / "server" / "runtime" / "src"
# The core modules of the runtime allowed to name `builtins`: the test helpers. The crate root
# (`Runtime::new`), above every module, hands `builtins::install` to `Realm::create`.
MAY_USE_BUILTINS = {"testing"}


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


# Crates whose source files import one another without cycles; the runtime's with its
# built-ins as one module, which the realm below them does not import. The client is checked by
# its layers of folders (`CLIENT_LAYERS`).
ACYCLIC_CRATES = ["protocol", "link", "server/runtime", "server/napi", "server/host", "server/hostd", "client"]

CLIENT_SRC = ROOT / "client-py" / "src"
CORE_SRC = ROOT / "client" / "src"

# The client's core (napi-client), lowest first: the link knows nothing of starting
# hosts for a caller or of sessions; a session is made of the others.
CORE_LAYERS = [
    {"exit_gate"},  # Rust threads and the end of the program
    {"link"},  # the link to one host: starting it, its rings and memory, what it may send
    {"start"},  # a host started and greeted, in either mode
    {"session"},  # requests of a program with no binding
]

# The client's top-level modules (folders, and the files at the root of src/), lowest first: a
# module imports only modules of its own layer or of lower ones. What the
# client keeps for a host (the data of its Python types) is below the conversions, which are
# below the calls; the events run calls, and the Python types' methods are the top, the only
# place that makes requests for Python. A type's data and its methods are two files: one below
# everything that holds or converts it, one on top.
# A folder of `CLIENT_SPLIT` is one place to find a thing whose parts lie in several layers:
# each of its files is a module of its own here (`proxy::object`).
CLIENT_LAYERS = [
    {"exit_gate"},  # Rust threads and interpreter exit: the GIL's side of napi_client's gate
    {"state", "proxy::object", "proxy::table"},  # a connection, proxies and buffers as data; the package's hooks
    {"values"},  # Python objects to and from protocol values
    {"calls", "proxy::operations"},  # requests, their two ways, and the Python calls a host makes back
    {"events"},  # what a host sends that no request caused
    {"python_types", "proxy::methods"},  # the classes' Python methods
]
# How a JS object behaves in Python: its data, its table, its requests and its Python methods.
CLIENT_SPLIT = frozenset({"proxy"})


def module_of(src: Path, path: Path, split: frozenset[str] = frozenset()) -> str:
    """The top-level module a source file belongs to: `channel` for `channel.rs` and for
    `channel/ending.rs` (a module's own submodules are part of it); `` for the crate's roots. In
    a folder of `split`, its file's own: `proxy::table` for `proxy/table.rs`."""
    parts = path.relative_to(src).parts
    if parts[0] in split and len(parts) > 1:
        return f"{parts[0]}::{parts[1].removesuffix('.rs')}"
    return "" if parts[0] in {"lib.rs", "main.rs"} else parts[0].removesuffix(".rs")


def split_paths(code: str, prefix: str, split: frozenset[str]) -> list[str]:
    """`paths_after`, with two segments for a folder of `split` (`proxy::table`)."""
    if not split:
        return paths_after(code, prefix)
    paths = full_paths(code, prefix)
    return list(dict.fromkeys("::".join(p[:2]) if p[0] in split and len(p) > 1 else p[0] for p in paths))


def paths_after(code: str, prefix: str) -> list[str]:
    """The first segments of the paths that follow `prefix` in `code`: `a` for `prefix::a::b`,
    and `a`, `b` for `prefix::{a::x, b}`, each once."""
    return list(dict.fromkeys(path[0] for path in full_paths(code, prefix)))


def full_paths(code: str, prefix: str) -> list[list[str]]:
    """The paths that follow `prefix` in `code`, as their segments, groups spread out:
    `[a, x]` and `[b]` for `prefix::{a::x, b}`."""
    found = []
    for m in re.finditer(r"(?<![\w:])" + re.escape(prefix) + r"::", code):
        found += path_at(code, m.end(), [])
    return found


def path_at(code: str, i: int, base: list[str]) -> list[list[str]]:
    """The paths that `code` spells from `i` on, each after `base`: one, or a group's."""
    segments = list(base)
    while m := re.match(r"\s*(\{|\w+)", code[i:]):
        if m.group(1) == "{":
            depth, start = 1, i + m.end()
            i = start
            while depth:
                depth += {"{": 1, "}": -1}.get(code[i], 0)
                i += 1
            inner, level, part, found = code[start : i - 1], 0, "", []
            for ch in inner + ",":
                level += {"{": 1, "}": -1}.get(ch, 0)
                if ch == "," and level == 0:
                    found += path_at(part, 0, segments) if part.strip() else []
                    part = ""
                else:
                    part += ch
            return found
        segments.append(m.group(1))
        i += m.end()
        if not (more := re.match(r"\s*::", code[i:])):
            break
        i += more.end()
    return [segments] if segments else []


TEST_MODULE = re.compile(
    r"#\[cfg\(test\)\]\s*(?:#\[path\s*=\s*\"([^\"]+)\"\]\s*)?(?:pub(?:\(crate\))?\s+)?mod\s+(\w+)\s*([;{])"
)


def without_tests(code: str) -> tuple[str, set[tuple[str, bool]]]:
    """`code` without its inline test modules (`#[cfg(test)] mod tests { ... }`), and the files of
    the test modules it declares in files of their own, each with whether a `#[path]` names it
    (`#[cfg(test)] #[path = "wire_tests.rs"] mod tests;`)."""
    files = set()
    while m := TEST_MODULE.search(code):
        if m.group(3) == ";":
            files.add((m.group(1), True) if m.group(1) else (f"{m.group(2)}.rs", False))
            code = code[: m.start()] + code[m.end() :]
            continue
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        code = code[: m.start()] + code[i:]
    return code, files


def file_of_test_module(declared_in: Path, name: str, by_path: bool) -> Path:
    """The file of test module `name` declared in `declared_in`: a `#[path]` is beside the
    declaring file; `mod tests;` is beside a crate root or `mod.rs`, else in the folder named
    after the declaring file."""
    if by_path or declared_in.name in {"lib.rs", "main.rs", "mod.rs"}:
        return declared_in.parent / name
    return declared_in.with_suffix("") / name


def module_graph(src: Path, split: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    """Which top-level modules of the crate at `src` each one names (`crate::x`, or `super::x`
    from a top-level file), its own submodules and tests aside."""
    files = [p for p in sorted(src.rglob("*.rs")) if p.relative_to(src).parts[0] != "bin"]
    codes = {p: without_tests(code_of(p)) for p in files}
    tests = {file_of_test_module(p, name, by_path) for p, (_, names) in codes.items() for name, by_path in names}
    files = [p for p in files if p not in tests]
    modules = {module_of(src, p, split) for p in files} - {""}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path in files:
        here = module_of(src, path, split)
        if not here:
            continue
        code = codes[path][0]
        named = split_paths(code, "crate", split)
        # `super::` leaves a submodule for its parent module (itself here); from a top-level
        # file it is the crate root, as `crate::` is. A `mod.rs` is its folder's module, one
        # level up from the files beside it.
        depth = len(path.relative_to(src).parts) - (path.name == "mod.rs")
        supers = "::".join(["super"] * depth)
        named += split_paths(code, supers, split)
        graph[here] |= {n for n in named if n in modules and n != here}
    return graph


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as the modules along it (the first again at the end), or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := walk(start)):
            return found
    return None


def test_the_client_graph_sees_its_imports():
    graph = module_graph(CLIENT_SRC, CLIENT_SPLIT)
    # A folder is one module, whichever of its files imports (`use crate::link::channel::..`).
    assert {"state", "values", "exit_gate"} <= graph["calls"]
    # A split folder's files are modules of their own, each in its layer.
    assert {"calls", "proxy::object", "proxy::operations"} <= graph["proxy::methods"]
    assert module_graph(CORE_SRC)["link"] == {"exit_gate"}, (
        "the link imports only the exit gate (its files: one another)"
    )
    # A test module in a file of its own is left out with its parent's tests.
    assert "wire_tests" not in module_graph(ROOT / "server" / "host" / "src")
    assert file_of_test_module(CORE_SRC / "link/inbound.rs", "tests.rs", False) == CORE_SRC / "link/inbound/tests.rs"


def test_super_paths_name_the_crate_root_only_from_the_top(tmp_path):
    """`super::x` in a folder's file names a sibling in that folder; `super::super::x` there, as
    `super::x` in a file at the root, names a top-level module."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "lib.rs").write_text("mod folder { pub mod inner; pub mod sibling; } mod top; mod other;")
    (tmp_path / "folder/inner.rs").write_text("use super::sibling::X; use super::super::top::Y;")
    (tmp_path / "folder/sibling.rs").write_text("pub struct X;")
    (tmp_path / "top.rs").write_text("pub struct Y; use super::other::Z;")
    (tmp_path / "other.rs").write_text("pub struct Z;")
    assert module_graph(tmp_path) == {"folder": {"top"}, "top": {"other"}, "other": set()}


def imports_upwards(graph: dict[str, set[str]], layers: list[set[str]]) -> list[str]:
    """The imports of `graph` from a module to one of a higher layer of `layers`."""
    layer = {name: i for i, names in enumerate(layers) for name in names}
    return sorted(f"{m} -> {n}" for m, names in graph.items() for n in names if layer[n] > layer[m])


def test_the_layer_check_sees_imports_upwards():
    layers = [{"a"}, {"b", "c"}]
    assert imports_upwards({"a": set(), "b": {"a", "c"}, "c": {"b"}}, layers) == []
    assert imports_upwards({"a": {"b"}, "b": set(), "c": set()}, layers) == ["a -> b"]


def test_every_client_module_has_a_layer():
    placed = set().union(*CLIENT_LAYERS)
    assert set(module_graph(CLIENT_SRC, CLIENT_SPLIT)) == placed, (
        "client modules missing from CLIENT_LAYERS, or gone from src/"
    )


def test_the_client_folders_import_downwards():
    upwards = imports_upwards(module_graph(CLIENT_SRC, CLIENT_SPLIT), CLIENT_LAYERS)
    assert upwards == [], "client modules that import a module of a higher layer: " + ", ".join(upwards)


def test_every_core_module_has_a_layer():
    assert set(module_graph(CORE_SRC)) == set().union(*CORE_LAYERS), "core modules missing from CORE_LAYERS"


def test_the_core_imports_downwards():
    graph = module_graph(CORE_SRC)
    assert {"start", "link", "exit_gate"} <= graph["session"], "the graph sees the core's imports"
    upwards = imports_upwards(graph, CORE_LAYERS)
    assert upwards == [], "core modules that import a module of a higher layer: " + ", ".join(upwards)


# What only the core does: starting a host, making a request (its id's chain and the
# news it carries), the life of a request on its channel (begun, then ended however its wait
# ends), the exchange of protocol messages (a request sent, its chain's messages waited for, the
# host's calls and questions answered, the event ring read and each event told apart), and the
# bookkeeping of promise settlements. The binding asks the core for all of them, and knows no
# message's layout.
CORE_ONLY = {
    "starts a host itself": re.compile(r"\bstart::(isolated|in_process)\b"),
    "begins a request on the channel": re.compile(r"\.begin\(\s*id\b"),
    "ends a request on the channel": re.compile(r"channel\.end\("),
    "guards a request's life with its own type": re.compile(r"\bstruct\s+InFlight\b"),
    "sends protocol messages": re.compile(r"\bClientMessage\b"),
    "waits on a chain for the host's messages": re.compile(r"\.(wait|poll)\(\s*chain\b"),
    "reads the event ring": re.compile(r"\b(next_event|buffered_event)\("),
    "matches what the host sent": re.compile(r"\bIncoming\b"),
    # A request's or a direct call's id, chain and news for the host (`session::exchange::new_request`).
    "makes a request or a direct call itself": re.compile(r"(?<![:\w])(Request|Call)\s*\{"),
    # A call of a function proxy is the core's whole (`session::direct::call_function`): its
    # id, chain and news, the JS lock, the fallback by message; the binding makes its values.
    "makes a direct call's parts itself": re.compile(r"\bnew_call\("),
    # What a settlement waits for and what is kept for a claim (`session::subscriptions`).
    "keeps promise settlements' tables itself": re.compile(r"\bstruct\s+(Subscriptions|Settlements)\b"),
    # The direct path of in-process hosts (`session::direct`): which way a request
    # goes, the JS lock's tries and waits, the fallback of a call turned away, and what the host
    # sent ahead of a direct call's reply.
    "routes a request to an in-process host itself": re.compile(r"\.route\("),
    "tries or waits for the JS lock itself": re.compile(r"\.(try_serve|wait_let_go|joins_line|held_here)\("),
    "turns a direct call into a request itself": re.compile(r"\bturned_away\("),
    "reads the host's messages": re.compile(r"\bServerMessage\b"),
    # The in-process host's share (`Channel::in_process`): what a binding needs of it has a
    # name of its own in the core (`isolated`, `on_host_thread`, `set_event_caller`,
    # `relay_counts`, `direct::takes_direct_calls`, `direct::give_back`).
    "asks the channel for its in-process host": re.compile(r"\.in_process\(\)"),
}


def test_the_binding_leaves_hosts_requests_and_messages_to_the_core():
    core = {
        name: [p for p in CORE_SRC.rglob("*.rs") if pattern.search(code_of(p))] for name, pattern in CORE_ONLY.items()
    }
    assert all(core.values()), f"the patterns find the core's own: {core}"
    found = sorted(
        f"{path.relative_to(CLIENT_SRC)} {what}"
        for path in CLIENT_SRC.rglob("*.rs")
        for what, pattern in CORE_ONLY.items()
        if pattern.search(code_of(path))
    )
    assert found == [], f"binding files that do the core's part: {found}"


# The host's modules that serve a turn: what they need of a direct caller (in-process) comes
# with the turn (`turn`), and they name nothing of the in-process door, which only hands them
# its calls; the door names none of them.
HOST_TURN_SERVING = {"serve", "dispatch", "python", "cycles", "turn"}


def test_the_host_serves_a_turn_without_naming_the_inprocess_door():
    graph = module_graph(ROOT / "server" / "host" / "src")
    assert "turn" in graph["dispatch"] and "turn" in graph["inprocess"], "the graph sees the host's imports"
    naming = sorted(m for m in HOST_TURN_SERVING if "inprocess" in graph[m])
    assert naming == [], f"host modules serving a turn that import the in-process door: {naming}"
    named = sorted(graph["inprocess"] & (HOST_TURN_SERVING - {"turn"}))
    assert named == [], f"what the in-process door imports of the modules serving a turn: {named}"


def test_the_binding_depends_on_the_host_only_through_the_core():
    """In-process calls go through the core: client-py lists no napi-host, and names
    none of its items but what `napi_client::inprocess` re-exports; the Node-API functions the
    addons it loads need still reach the extension's exports (tests/napi/test_symbols.py)."""
    found = crates()
    assert "napi-host" in found["napi-client"][1], "cargo metadata named the core's path dependencies"
    assert "napi-host" not in found["napi-python"][1], "client-py depends on napi-host itself"
    naming = sorted(str(p.relative_to(CLIENT_SRC)) for p in CLIENT_SRC.rglob("*.rs") if "napi_host" in code_of(p))
    assert naming == [], f"binding files that name napi_host: {naming}"


def test_the_core_has_no_python_in_it():
    """napi-client is usable, and tested, where no Python runs: neither it nor any
    crate it depends on names PyO3, and its source never mentions it."""
    manifest = ROOT / "client" / "Cargo.toml"
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--offline", "--manifest-path", str(manifest)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    nodes = {node["id"]: node for node in meta["resolve"]["nodes"]}
    names = {package["id"]: package["name"] for package in meta["packages"]}
    core = next(pid for pid, name in names.items() if name == "napi-client")
    seen, todo = set(), [core]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        # Normal and build dependencies only: what links into a program that uses the crate.
        todo += [d["pkg"] for d in nodes[pid]["deps"] if any(k["kind"] != "dev" for k in d["dep_kinds"])]
    reached = {names[pid] for pid in seen}
    assert "napi-host" in reached, "the walk follows dependencies"
    assert not {name for name in reached if name.startswith("pyo3")}, sorted(reached)
    mentions = sorted(str(p.relative_to(CORE_SRC)) for p in CORE_SRC.rglob("*.rs") if "pyo3" in code_of(p))
    assert mentions == [], f"core files that name pyo3: {mentions}"


def test_the_cycle_finder_finds_cycles():
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    assert paths_after("use crate::{a::X, b, c::{d, e}}; crate::f::g()", "crate") == ["a", "b", "c", "f"]


@pytest.mark.parametrize("crate", ACYCLIC_CRATES)
def test_source_files_import_without_cycles(crate):
    graph = module_graph(ROOT / crate / "src")
    assert len(graph) >= 3, graph
    cycle = a_cycle(graph)
    assert cycle is None, f"{crate}: modules that import one another in a cycle: {' -> '.join(cycle or [])}"


def module_files(src: Path) -> dict[tuple[str, ...], Path]:
    """The crate's source files (its tests aside) by module path: `("link", "channel")` for
    `link/channel.rs` (or `link/channel/mod.rs`), `()` for the crate's root."""
    files = {}
    for path in sorted(src.rglob("*.rs")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[0] == "bin":
            continue
        parts = parts[:-1] if parts[-1] == "mod" else parts
        files[() if parts in {("lib",), ("main",)} else parts] = path
    tests = {
        file_of_test_module(path, name, by_path)
        for path in files.values()
        for name, by_path in without_tests(code_of(path))[1]
    }
    return {module: path for module, path in files.items() if path not in tests}


def file_graph(src: Path, submodules: bool = False) -> dict[Path, set[Path]]:
    """Which of the crate's files each one names (`crate::a::b::X` names `a/b.rs`; `super::x`
    is resolved from the file's own module), itself aside; with `submodules`, also the files of
    its own submodules that it names by a bare path (`object::install` in `builtins/mod.rs`)."""
    files = module_files(src)
    graph: dict[Path, set[Path]] = {path: set() for path in files.values()}
    for module, path in files.items():
        code = without_tests(code_of(path))[0]
        named = full_paths(code, "crate")
        for depth in range(1, len(module) + 1):
            up = module[: len(module) - depth]
            named += [[*up, *p] for p in full_paths(code, "::".join(["super"] * depth)) if p[0] != "super"]
        if submodules:
            children = {m[-1] for m in files if m[:-1] == module and len(m) == len(module) + 1}
            named += [[*module, child, *p] for child in sorted(children) for p in full_paths(code, child)]
        for segments in named:
            segments = [s for s in segments if s != "self"]
            owner = next(
                (files[tuple(segments[:n])] for n in range(len(segments), 0, -1) if tuple(segments[:n]) in files), None
            )
            if owner is not None and owner != path:
                graph[path].add(owner)
    return graph


def named_file_graph(src: Path, submodules: bool = False) -> dict[str, set[str]]:
    """`file_graph(src)` with each file named by its path under `src`."""
    graph = file_graph(src, submodules=submodules)
    names = {path: str(path.relative_to(src)) for path in graph}
    return {names[p]: {names[q] for q in qs} for p, qs in graph.items()}


# The client's crates.
CLIENT_CRATES = [CORE_SRC, CLIENT_SRC]

# Crates of the client whose files import one another without a circle: a reader can
# tell which file owns what, and read each before those that use it.
FILES_WITHOUT_CIRCLES = [CORE_SRC, CLIENT_SRC]

# No file of the client's is longer than this: one responsibility a file.
CLIENT_FILE_LINES = 500


def test_the_file_graph_resolves_paths_to_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "lib.rs").write_text("mod a { pub mod b; pub mod c; } mod d;")
    (tmp_path / "a/b.rs").write_text("use super::c::X; use crate::{d::{self, Y}, a::c::Z};")
    (tmp_path / "a/c.rs").write_text("pub struct X; pub struct Z;")
    (tmp_path / "d.rs").write_text("pub struct Y; use super::a::c;")
    graph = {p.name: {q.name for q in names} for p, names in file_graph(tmp_path).items()}
    assert graph == {"lib.rs": set(), "b.rs": {"c.rs", "d.rs"}, "c.rs": set(), "d.rs": {"c.rs"}}
    binding = named_file_graph(CLIENT_SRC)
    # A type's data and its Python methods are two files, the methods' above the data's.
    assert "state/connection.rs" in binding["python_types/connection.rs"], binding["python_types/connection.rs"]
    assert {"calls/by_message.rs", "calls/direct_calls.rs"} <= binding["calls/requests.rs"]


@pytest.mark.parametrize("src", FILES_WITHOUT_CIRCLES, ids=lambda src: src.parent.name)
def test_the_clients_files_import_without_a_circle(src):
    graph = named_file_graph(src)
    assert sum(map(len, graph.values())) > 20, "the graph sees the files' imports"
    cycle = a_cycle(graph)
    assert cycle is None, f"files that import one another in a circle: {' -> '.join(cycle or [])}"


def test_the_file_graph_sees_a_module_name_its_submodules(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "lib.rs").write_text("mod a; mod b;")
    (tmp_path / "a.rs").write_text("mod c; pub fn f() { c::g(); b::h(); }")
    (tmp_path / "a/c.rs").write_text("pub fn g() { super::super::b::h(); }")
    (tmp_path / "b.rs").write_text("pub fn h() {}")
    graph = {p.name: {q.name for q in names} for p, names in file_graph(tmp_path, submodules=True).items()}
    # `b::h()` in a.rs is no path of a submodule of a's: an external crate's, as far as a.rs says.
    assert graph == {"lib.rs": set(), "a.rs": {"c.rs"}, "c.rs": {"b.rs"}, "b.rs": set()}


def test_the_runtimes_files_import_without_a_circle():
    """A folder's own file stands above the submodules it names (`builtins/mod.rs` installs each
    chapter of the built-ins): what the chapters share lies below them (`coerce.rs`, `define.rs`),
    and the realm they fill below that."""
    named = named_file_graph(RUNTIME_SRC, submodules=True)
    assert {"builtins/object.rs", "realm.rs"} <= named["builtins/mod.rs"], "the graph sees mod.rs name its chapters"
    cycle = a_cycle(named)
    assert cycle is None, f"runtime files that import one another in a circle: {' -> '.join(cycle or [])}"


def long_files(root: Path, suffixes: set[str]) -> list[str]:
    """The files below `root` whose name ends in one of `suffixes` and that are longer than
    `CLIENT_FILE_LINES`, each as `path (lines)`, the path relative to `root`."""
    return sorted(
        f"{path.relative_to(root)} ({n})"
        for path in root.rglob("*")
        if path.suffix in suffixes and (n := len(path.read_text().splitlines())) > CLIENT_FILE_LINES
    )


@pytest.mark.parametrize("src", CLIENT_CRATES, ids=lambda src: src.parent.name)
def test_no_file_of_the_client_is_long(src):
    long = long_files(src, {".rs"})
    assert long == [], f"files of over {CLIENT_FILE_LINES} lines (split them by responsibility): {long}"


VALUES_SRC = CLIENT_SRC / "values"

# The files of the client's values/, lowest first: a file imports only files of earlier
# layers. A Python object's conversion is decided in one file, the dispatch (`from_python.rs`:
# primitives, numbers, proxies, what goes by reference, and the recursion into containers); it
# hands an object down to the two files that only make values (a buffer's, `buffers.rs`; a
# container's walk, `containers.rs`, given the dispatch's choice for each element), which import
# nothing above them. The other direction
# (`to_python.rs`) and an in-process host's copies (`copies.rs`) sit above the converter they use.
VALUES_LAYERS = [
    {"keeping.rs", "dict_keys.rs", "dates.rs"},  # a sink that keeps refusals; dicts made and read; dates
    {"buffers.rs", "containers.rs"},  # a buffer's value; a container walked element by element
    {"from_python.rs"},  # the converter, `Converter`, and what each Python object becomes
    {"to_python.rs"},  # values from the host as Python objects
    {"copies.rs"},  # an in-process host's values walked straight into Python objects
]

# What the rest of the client may name in values/: the converter and the other direction. What a
# Python object becomes is asked of the converter, `Converter`, alone.
VALUES_DOORS = {
    "from_python.rs": {"Converter"},
    "to_python.rs": None,  # None: anything
    "copies.rs": None,
    "keeping.rs": None,
}


def test_every_values_file_has_a_layer():
    files = {p.name for p in VALUES_SRC.glob("*.rs")}
    assert files == set().union(*VALUES_LAYERS), "values/ files missing from VALUES_LAYERS, or gone"


def test_the_values_files_import_downwards_in_their_order():
    """A Python object's conversion goes down through values/: a reader reads the files bottom
    up, the dispatch above the files that make a buffer's or a container's value. A helper below
    the dispatch that imports it back, or a dispatch split into files that import each other,
    fails here; a new file must be given its place."""
    layer = {name: i for i, names in enumerate(VALUES_LAYERS) for name in names}
    graph = file_graph(CLIENT_SRC)
    imports = {
        (p.name, q.name) for p, qs in graph.items() for q in qs if p.parent == VALUES_SRC and q.parent == VALUES_SRC
    }
    assert ("from_python.rs", "buffers.rs") in imports, "the graph sees values/'s imports"
    not_down = sorted(f"{a} -> {b}" for a, b in imports if layer[b] >= layer[a])
    assert not_down == [], "values/ files that import a file of their own or a higher layer: " + ", ".join(not_down)


def test_the_rest_of_the_client_converts_python_objects_through_the_converter():
    """An argument enters values/ through one door, the converter (`Converter`): the call that once made
    its numbers itself (`primitives::number`) before handing the rest to the converter went back
    and forth between the two. No file outside values/ names a file of values/ that
    is not a door, nor anything of `from_python.rs` but `Converter`."""
    found = []
    for path in CLIENT_SRC.rglob("*.rs"):
        if path.parent == VALUES_SRC:
            continue
        for segments in full_paths(without_tests(code_of(path))[0], "crate"):
            if segments[:1] != ["values"] or len(segments) < 2:
                continue
            file, names = f"{segments[1]}.rs", segments[2:3]
            if file not in VALUES_DOORS or (VALUES_DOORS[file] is not None and not set(names) <= VALUES_DOORS[file]):
                found.append(f"{path.relative_to(CLIENT_SRC)}: crate::{'::'.join(segments)}")
    assert found == [], f"files that convert Python objects around the converter: {sorted(found)}"


def runtime_core_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The runtime's module graph (`builtins` one module of it), and the same without
    `builtins`: the core's."""
    graph = module_graph(RUNTIME_SRC)
    core = {m: names - {"builtins"} for m, names in graph.items() if m != "builtins"}
    return graph, core


def test_the_runtime_core_does_not_reach_into_builtins():
    graph, core = runtime_core_graph()
    assert len(core) > 20
    # The graph sees the built-ins build on the core (`super::super::realm` from builtins/,
    # `super::realm` from builtins/mod.rs).
    assert {"object", "realm", "value"} <= graph["builtins"]
    upwards = sorted(m for m in core if "builtins" in graph[m] and m not in MAY_USE_BUILTINS)
    assert upwards == [], f"core runtime modules that reach into builtins/: {upwards}"


RUNTIME_IMPL = re.compile(r"\bimpl\s+(?:[\w:]+::)?Runtime\s*\{")


def test_the_builtins_add_no_methods_to_the_runtime():
    """A method a built-in file added to `Runtime` would be called by name, which no path shows:
    the core could call into builtins/ unseen (missing.rs called `symbol_description` of
    builtins/symbol.rs so). The runtime's methods live in the core; the built-ins are functions."""
    assert RUNTIME_IMPL.search(code_of(RUNTIME_SRC / "gc.rs")), "the pattern sees an impl block"
    adding = sorted(
        str(p.relative_to(RUNTIME_SRC))
        for p in (RUNTIME_SRC / "builtins").rglob("*.rs")
        if RUNTIME_IMPL.search(without_tests(code_of(p))[0])
    )
    assert adding == [], f"built-in files with an `impl Runtime` (move the methods to the core): {adding}"


def test_the_runtime_core_imports_without_cycles():
    _, core = runtime_core_graph()
    assert {"heap", "object"} <= core["gc"], core["gc"]
    cycle = a_cycle(core)
    assert cycle is None, f"core runtime modules that import one another in a cycle: {' -> '.join(cycle or [])}"
