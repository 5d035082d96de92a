"""The package's modules import one another in layers, downwards, without cycles.

The package is folders by concern (``LAYERS``, lowest first): a module imports the modules of its
own folder and those of lower layers, never those of its own layer's other folders or of a
higher one, so each folder can be read knowing only what lies below it. A cycle (``addon`` and
``host`` once imported each other) means two modules that only make sense together, loaded in an
order that happens to work. Every import statement counts, wherever it
is: inside a function, or under ``if TYPE_CHECKING:`` (a type checker follows it too), so
neither a local import nor a typing-only one hides a cycle. No file of the package is longer than
the Rust client's files may be (test_crate_layering.py counts both the same way).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_crate_layering import CLIENT_FILE_LINES, long_files

import napi_python

pytestmark = pytest.mark.either_mode

PACKAGE = napi_python.__name__

# The package's parts, lowest first: a module or a folder (subpackage) of the package, by name.
LAYERS: list[set[str]] = [
    # What every layer uses: the native extension, exceptions, stand-ins for JS values with no
    # Python word, this machine's platform, what a forked child resets.
    {"_native", "errors", "values", "machine", "fork_hooks"},
    # Reading binaries without loading them; a JS object's proxy; cycles through Python and JS.
    {"binary", "proxy", "cycles"},
    # The rest of the API of values: promises, an addon's exports, the js helpers.
    {"promise", "addon", "js"},
    # Host processes (or threads) and loading addons into them.
    {"hosts"},
    # npm packages on disk and require(); an addon across threads and processes.
    {"packages", "workers"},
    # The installer, stub generation, `inspect`, and the integrations that name their library.
    {"npm", "stubgen", "inspection", "dask", "ray"},
    # The package's public names, and the command line.
    {"__init__", "__main__"},
]


def part_of(module: str) -> str:
    """The part of the package (a name of ``LAYERS``) that ``module`` is or lies in."""
    return "__init__" if module == PACKAGE else module.removeprefix(PACKAGE + ".").split(".")[0]


def layer_of(module: str) -> int:
    part = part_of(module)
    return next(i for i, parts in enumerate(LAYERS) if part in parts)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """The imports of ``graph`` that go to another part of the same layer or to a higher one."""
    return sorted(
        f"{a} -> {b}"
        for a, targets in graph.items()
        for b in targets
        if part_of(a) != part_of(b) and layer_of(b) >= layer_of(a)
    )


def package_modules() -> dict[str, Path | None]:
    """Every module of the package, in every folder, imported (each must import on its own), by
    name, with its source (None for the native extension, which imports none of them)."""
    found: dict[str, Path | None] = {PACKAGE: Path(napi_python.__file__)}
    for info in pkgutil.walk_packages(napi_python.__path__, PACKAGE + "."):
        file = importlib.import_module(info.name).__file__
        found[info.name] = Path(file) if file is not None and file.endswith(".py") else None
    return found


def imported_modules(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that the module ``name`` (at ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            # `from . import host` imports the module `host`; `from .host import Host` and
            # `from . import load_addon` import the module that defines the name.
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                edges.add(submodule if submodule in modules else base)
    return {m for m in edges if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported_modules(name, path, set(modules)) if path else set() for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in import order, the first repeated at the end), or
    None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle is not None:
            return cycle
    return None


def test_the_package_modules_import_one_another_without_cycles():
    graph = import_graph()
    # Not vacuous: the graph holds the package's real imports.
    assert {"napi_python", "napi_python._native", "napi_python.addon", "napi_python.hosts.host"} <= graph.keys()
    assert "napi_python.addon" in graph["napi_python.hosts.host"]
    assert {"napi_python._native", "napi_python.proxy"} <= graph["napi_python.addon"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_package_modules_import_downwards():
    graph = import_graph()
    # Not vacuous: modules in folders are there, and every part of the package has its layer.
    assert {"napi_python.npm.install", "napi_python.js.reflection", "napi_python.packages.require"} <= graph.keys()
    assert {part_of(m) for m in graph} == set().union(*LAYERS)
    assert upward_imports(graph) == []


def test_an_upward_or_sideways_import_is_seen():
    host, addon, require = f"{PACKAGE}.hosts.host", f"{PACKAGE}.addon", f"{PACKAGE}.packages.require"
    assert upward_imports({addon: {host}}) == [f"{addon} -> {host}"]
    assert upward_imports({f"{PACKAGE}.workers.pool": {require}}) == [f"{PACKAGE}.workers.pool -> {require}"]
    assert upward_imports({host: {addon, f"{PACKAGE}.hosts.sandbox"}, PACKAGE: {host}}) == []


def test_the_cycle_finder_sees_cycles_of_every_form():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]


def test_imports_of_every_form_are_edges(tmp_path):
    """A typing-only import, a local one, an absolute one and `from . import name` all count."""
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .host import Host\n"
        "def f():\n"
        "    from . import js\n"
        "import napi_python.errors\n"
        "from . import load_addon\n"
    )
    modules = {PACKAGE, f"{PACKAGE}.host", f"{PACKAGE}.js", f"{PACKAGE}.errors", f"{PACKAGE}.mod"}
    assert imported_modules(f"{PACKAGE}.mod", source, modules) == {
        f"{PACKAGE}.host",
        f"{PACKAGE}.js",
        f"{PACKAGE}.errors",
        PACKAGE,
    }


def test_no_file_of_the_package_is_long(tmp_path):
    """The package's files stay under the line limit the client's Rust crates keep: one
    responsibility a file."""
    # Not vacuous: a file over the limit is seen, at any depth, and only source files count.
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "long.py").write_text("x = 1\n" * (CLIENT_FILE_LINES + 1))
    (tmp_path / "long.txt").write_text("x\n" * (CLIENT_FILE_LINES + 1))
    assert long_files(tmp_path, {".py", ".pyi"}) == [f"deep/long.py ({CLIENT_FILE_LINES + 1})"]
    long = long_files(Path(napi_python.__file__).parent, {".py", ".pyi"})
    assert long == [], f"files of over {CLIENT_FILE_LINES} lines (split them by responsibility): {long}"


def test_importing_the_package_leaves_out_what_only_some_calls_need():
    """`import napi_python` stays quick (about 50 ms of CPU, a tenth of a second less than with
    them): the npm installer's registry client, version ranges and unpacker, asyncio, pickle,
    the binary readers and the layouts of a package's binary are imported by the calls that use
    them, and so is shutil, which imports the
    compression modules (lzma, bz2) at once; the machine's CPU comes from os.uname, not from
    `platform`; records are named tuples, as `dataclasses` imports inspect, dis, ast and tokenize
    (a fifth of the import's instructions); promises and the pool, `concurrent.futures` classes
    whose module imports logging (a seventh), arrive with the first promise or pool, and
    `datetime` with the first date. tests/bench/bench_startup.py times what is left."""
    heavy = [
        "asyncio",
        "urllib.request",
        "ssl",
        "nodesemver",
        "tarfile",
        "pickle",
        "shutil",
        "lzma",
        "napi_python.npm",
        "napi_python.binary.elf",
        "napi_python.packages.layouts",
        "platform",
        "dataclasses",
        "inspect",
        "concurrent.futures",
        "logging",
        "napi_python.promise",
        "datetime",
    ]
    code = f"import sys, napi_python; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_finding_a_package_leaves_out_what_only_a_failed_search_needs():
    """`require` of a package that is there reads its layouts, but not the hints for a package
    that is not (they read install scripts, with shlex and `dataclasses`), nor the installer."""
    heavy = ["dataclasses", "inspect", "shlex", "napi_python.packages.install_hints", "napi_python.npm"]
    code = (
        "import sys, napi_python\n"
        f"napi_python.resolve('@node-rs/crc32', [{str(ROOT / 'tests' / 'npm')!r}])\n"
        f"print('napi_python.packages.layouts' in sys.modules, [m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "True []"
