"""`python -m napi_python stubs`: type stubs for an npm package's addon from its TypeScript
declarations, parsed by oxc-parser's addon loaded through napi_python itself.

Over the real declarations of installed packages (@node-rs/crc32's index.d.ts, @node-rs/bcrypt's
binding.d.ts, @napi-rs/webcodecs' classes) and a file covering the type mapping: specific
signatures, valid Python, mypy and pyright accepting a right use and rejecting a wrong one (which
pass without the stub), and the stubs committed in examples/typings being what it writes today.
Stubs and addons agree: mypy --strict and Python run one file over @napi-rs/pinyin and
@napi-rs/simple-git, whose enum objects arrive as JSObjects, every export of five packages'
stubs is checked against the loaded addon, and so, isolated and in-process, are objects with a
function-valued property (objects.node), namespaces of constants and overloads (koffi), Sets, and
each kind napi-rs declares for the Rust test addon. The generator runs as users run it, in a
subprocess.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MYPY_CACHE, ROOT, addon_path, napi_python_cli, oracle_node

from napi_python.stubgen.emit import write_stub
from napi_python.stubgen.parse import parse_text

NPM = ROOT / "tests" / "npm"
TYPINGS = ROOT / "examples" / "typings"
VENV_BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.needs_input(
        (NPM / "node_modules" / "oxc-parser").is_dir(),
        "tests/npm/node_modules/oxc-parser is absent: run scripts/npm-install",
    ),
    # The generator runs in subprocesses and loads its parser in-process whatever the suite's
    # mode: the in-process pass would run the very same thing again.
    pytest.mark.either_mode,
]


def stubs(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return napi_python_cli("stubs", *args, cwd=cwd, timeout=120)


def stub_of(package: str | Path) -> str:
    proc = stubs(package, "--path", NPM)
    assert proc.returncode == 0, proc.stderr
    ast.parse(proc.stdout)
    return proc.stdout


@pytest.fixture(scope="module")
def crc32() -> str:
    return stub_of("@node-rs/crc32")


@pytest.fixture(scope="module")
def bcrypt() -> str:
    return stub_of("@node-rs/bcrypt")


@pytest.fixture(scope="module")
def webcodecs() -> str:
    return stub_of("@napi-rs/webcodecs")


def test_crc32_exports_are_positional_functions_of_the_converted_types(crc32):
    assert "class Exports(TypedAddon, Protocol):" in crc32
    # number in: int or float; number out: an int when integral, else a float; Uint8Array in:
    # any bytes-like object; optional `T | undefined | null`: None.
    assert "def crc32(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ..." in crc32
    assert "def crc32c(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ..." in crc32
    assert "from typing_extensions import Buffer" in crc32
    assert "from napi_python import TypedAddon" in crc32


def test_bcrypt_stub_describes_the_binding_that_require_loads(bcrypt):
    # binding.d.ts (what `require` loads), not index.d.ts (the JS wrapper's options objects).
    assert "from its binding.d.ts" in bcrypt
    assert (
        "def hash(self, input: str | Buffer, cost: float | None, salt: str | Buffer | None, "
        "version: str | None, rejectLongPasswords: bool, signal: Any = ..., /) -> JSPromise[str]: ..."
    ) in bcrypt
    assert "def verifySync(self, input: str | Buffer, hash: str | Buffer, /) -> bool: ..." in bcrypt
    # JSDoc comments are docstrings.
    assert (
        "class ParsedHashOptions(TypedDict):\n"
        '    """Prefix and cost of a stored hash, read with the verifier\'s parser."""\n'
        "    version: str\n    cost: float"
    ) in bcrypt
    assert "def parseOptions(self, hash: str | Buffer, /) -> ParsedHashOptions: ..." in bcrypt
    assert "    @property\n    def DEFAULT_COST(self) -> int | float: ..." in bcrypt
    # A name Python would mangle in a class body is reached as addon["..."].
    assert "Reached as ``addon[name]`` only: __napiBindingTarget." in bcrypt
    # DOM types the file does not declare are Any, and the header says which.
    assert "Not declared in the file, so typed Any: AbortSignal." in bcrypt


def test_webcodecs_classes_have_constructors_methods_and_properties(webcodecs):
    decoder = webcodecs[webcodecs.index("\nclass VideoDecoder:") :]
    decoder = decoder[: decoder.index("\nclass ", 1)]
    assert '    """VideoDecoder - WebCodecs-compliant video decoder\n' in decoder
    assert "    def __init__(self, init: _VideoDecoderNewInit, /) -> None:\n" in decoder
    assert "    def decode(self, chunk: EncodedVideoChunk, /) -> None:" in decoder
    assert "    def flush(self) -> JSPromise[None]:" in decoder
    # A getter and its setter (declared set-first in the .d.ts) make one property.
    assert (
        "    @property\n    def ondequeue(self) -> Callable[[], Any] | None:\n"
        '        """Get the dequeue event handler (per WebCodecs spec)"""\n'
        "    @ondequeue.setter\n    def ondequeue(self, value: Callable[[], Any] | None) -> None: ..."
    ) in decoder
    # The callbacks of an init dictionary get the JS values as the stub's classes.
    assert "    output: Callable[[VideoFrame], object]" in webcodecs
    assert "class DemuxerTrackInfo(TypedDict):" in webcodecs
    assert "DemuxerState: TypeAlias = Literal['unloaded', 'ready', 'demuxing', 'ended', 'closed']" in webcodecs
    assert "    @property\n    def VideoDecoder(self) -> type[_Type_VideoDecoder]: ..." in webcodecs


MAPPING_DTS = """\
export declare const enum Color { Red = 0, Green = 1, Blue }
export declare const enum Mode { Fast = 'fast', Safe = 'safe' }
export declare enum Level { Low = 1, High }
export interface Point { x: number; y?: number; label: string | null; 'data-id'?: string }
export type Pair = [number, string]
export declare function big(a: bigint): bigint
export declare function later(p: Promise<string>): Promise<Array<number>>
export declare function each(items: number[], cb: (err: Error | null, value: number) => void): void
export declare function pick(c: Color, m?: Mode): Point
export declare function tuple(p: Pair): Pair
export declare function bytes(a: Float64Array, b: ArrayBuffer, c: Buffer): Uint8Array
export declare function record(r: Record<string, boolean>): Record<string, unknown>
export declare function when(d: Date): Date
export declare function variadic(first: string, ...rest: number[]): void
export declare function over(a: string): string
export declare function over(a: number, b: number): number
export declare function generic<T>(value: T): T
export declare function run(from: string): void
export declare function lambda(): void
export declare class Counter {
  constructor(start?: number)
  static zero(): Counter
  get value(): number
  set value(v: number)
  readonly label: string
  add(n: number): this
  private secret(): void
}
export declare namespace tools { function help(): string }
/** The version, "quoted" \\ and
 * on two lines. */
export declare const VERSION: string
export declare const close: number
declare function internal(): void
export { internal as exposed }
"""


@pytest.fixture(scope="module")
def mapping(tmp_path_factory) -> str:
    dts = tmp_path_factory.mktemp("dts") / "mapping.d.ts"
    dts.write_text(MAPPING_DTS)
    return stub_of(dts)


@pytest.mark.parametrize(
    "line",
    [
        # const enums: the values' Literal, and the enum object (a JSObject or a dict) read by
        # subscription.
        "Color: TypeAlias = Literal[0, 1, 2]",
        "Mode: TypeAlias = Literal['fast', 'safe']",
        # An enum that is not `const` is the same object at run time (napi-rs makes both alike).
        "Level: TypeAlias = Literal[1, 2]",
        "    @property\n    def Level(self) -> _LevelMembers: ...",
        "class _ColorMembers(Protocol):\n"
        '    """The members of the enum Color, read as ``Color["Member"]`` (the object is a JSObject or a dict)."""\n'
        "    @overload\n    def __getitem__(self, key: Literal['Red'], /) -> Literal[0]: ...\n"
        "    @overload\n    def __getitem__(self, key: Literal['Green'], /) -> Literal[1]: ...\n"
        "    @overload\n    def __getitem__(self, key: Literal['Blue'], /) -> Literal[2]: ...",
        # interfaces of data: TypedDicts (functional when a key is no identifier).
        "Point = TypedDict('Point', {'x': float, 'y': NotRequired[float], 'label': str | None, 'data-id': NotRequired[str]})",
        "Pair: TypeAlias = list[float | str]",
        "def big(self, a: BigInt, /) -> BigInt: ...",
        "def later(self, p: Awaitable[str], /) -> JSPromise[list[int | float]]: ...",
        # A callback gets JS values (OUT) and its result is ignored (void: object).
        "def each(self, items: list[float] | builtins.tuple[float, ...], cb: Callable[[JSObject | None, int | float], object], /) -> None: ...",
        # Exports' member `Color` hides the type `Color` in its class body: an alias reaches it.
        "def pick(self, c: _Type_Color, m: _Type_Mode | None = ..., /) -> Point: ...",
        "_Type_Color: TypeAlias = Color",
        "def tuple(self, p: Pair, /) -> Pair: ...",
        "def bytes(self, a: JSBuffer, b: JSBuffer, c: Buffer, /) -> JSBuffer: ...",
        "def record(self, r: dict[str, bool], /) -> dict[str, Any]: ...",
        "def when(self, d: datetime, /) -> datetime: ...",
        "def variadic(self, first: str, /, *rest: float) -> None: ...",
        "@overload\n    def over(self, a: str, /) -> str: ...\n    @overload\n    def over(self, a: float, b: float, /) -> int | float: ...",
        "def generic(self, value: Any, /) -> Any: ...",
        # A parameter named by a Python keyword is renamed (it is positional-only anyway).
        "def run(self, from_: str, /) -> None: ...",
        # classes: constructor, static method, property with setter, read-only field.
        "class Counter:\n    def __init__(self, start: float | None = ..., /) -> None: ...\n    @staticmethod\n"
        "    def zero() -> Counter: ...\n    @property\n    def value(self) -> int | float: ...\n"
        "    @value.setter\n    def value(self, value: float) -> None: ...\n    @property\n"
        "    def label(self) -> str: ...\n    def add(self, n: float, /) -> Any: ...",
        "class _ToolsNamespace(Protocol):\n    def help(self) -> str: ...",
        "    @property\n    def tools(self) -> _ToolsNamespace: ...",
        "    @property\n    def Color(self) -> _ColorMembers: ...",
        "    @property\n    def Counter(self) -> type[_Type_Counter]: ...",
        # JSDoc as a docstring, escaped.
        '    @property\n    def VERSION(self) -> str:\n        """The version, "quoted" \\\\ and\n        on two lines.\n        """',
        "    def exposed(self) -> None: ...",
        # An export named as Addon's attributes once were is an attribute like any other; one
        # named by a Python keyword is reached by subscription.
        "    @property\n    def close(self) -> int | float: ...",
        "Reached as ``addon[name]`` only: lambda.",
    ],
)
def test_typescript_types_map_to_what_the_conversions_give(mapping, line):
    assert line in mapping, mapping


def test_private_members_and_unexported_functions_stay_out(mapping):
    assert "secret" not in mapping
    assert "def internal" not in mapping


def test_the_committed_example_stubs_are_what_the_generator_writes(crc32, bcrypt, webcodecs):
    for name, text in (("node_rs_crc32", crc32), ("node_rs_bcrypt", bcrypt), ("napi_rs_webcodecs", webcodecs)):
        committed = (TYPINGS / f"{name}.pyi").read_text()
        assert committed == text, f"examples/typings/{name}.pyi is stale: regenerate it (see its header)"


def test_output_folder_gets_the_module_name(tmp_path):
    proc = stubs("@node-rs/crc32", "--path", NPM, "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "node_rs_crc32.pyi").read_text() == (TYPINGS / "node_rs_crc32.pyi").read_text()


def test_clear_errors_for_a_missing_package_and_bad_typescript(tmp_path):
    proc = stubs("no-such-package-xyz", "--path", NPM)
    assert proc.returncode == 2
    assert "cannot find the npm package 'no-such-package-xyz'" in proc.stderr
    bad = tmp_path / "bad.d.ts"
    bad.write_text("export declare function (: number\n")
    proc = stubs(bad, "--parser-path", NPM)
    assert proc.returncode == 2
    assert "bad.d.ts" in proc.stderr and "Traceback" not in proc.stderr


def test_a_declared_name_python_refuses_is_renamed_and_parsing_does_not_warn():
    # `$x` is a TS name: the stub named its alias `$x_`, and the class of an object parameter
    # `$x` of `add` `_Add$x`, and did not parse; and the parser was closed through the deprecated
    # Addon.close, which warned (an error under pytest). The fuzz target's finds (scripts/fuzz,
    # dts_reader).
    source = "export type $x = number;\nexport declare function add(a: number, $x: { b: number }): number;"
    program, comments, source = parse_text(source, NPM / "names.d.ts", [NPM])
    stub = write_stub(program, "Names.", comments, source)
    ast.parse(stub)
    assert "__x_: TypeAlias = float" in stub and "class _AddX(" in stub


TYPED = """\
from typing import TYPE_CHECKING, cast

from napi_python import TypedAddon, addon_info, close, require

if TYPE_CHECKING:
    from node_rs_crc32 import Exports

crc = cast("Exports", require("@node-rs/crc32"))
plain: TypedAddon = require("@node-rs/crc32")
{body}
"""
# The stub-less way: the Addon itself, every export Any.
UNTYPED = """\
from napi_python import require

crc = require("@node-rs/crc32")
{body}
"""
RIGHT = """\
value: float = crc.crc32("hello", crc.crc32c(b"x"))
path: str = addon_info(crc).path
with crc as same:
    close(same)
"""
WRONG = 'crc.crc32(42)\ncrc.crc33("hello")\n'


def check(tool: str, folder: Path, text: str, stubs: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """mypy --strict or pyright (strict) on ``text`` as folder/use.py, beside the crc32 stub (or
    the ``stubs`` given, by module name)."""
    folder.mkdir()
    (folder / "use.py").write_text(text)
    for module, stub in (stubs or {"node_rs_crc32": (TYPINGS / "node_rs_crc32.pyi").read_text()}).items():
        (folder / f"{module}.pyi").write_text(stub)
    if tool == "mypy":
        cmd = [sys.executable, "-m", "mypy", "--strict", f"--cache-dir={MYPY_CACHE}", "--config-file=", "use.py"]
    else:
        (folder / "pyrightconfig.json").write_text('{"typeCheckingMode": "strict"}')
        cmd = [str(VENV_BIN / "pyright"), "--pythonpath", sys.executable, "use.py"]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("tool", ["mypy", "pyright"])
def test_type_checkers_accept_right_calls_and_reject_wrong_ones_with_the_stub(tool, tmp_path):
    ok = check(tool, tmp_path / "right", TYPED.format(body=RIGHT))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = check(tool, tmp_path / "wrong", TYPED.format(body=WRONG))
    assert bad.returncode != 0
    assert "crc33" in bad.stdout
    assert '"int"' in bad.stdout or '"Literal[42]"' in bad.stdout, bad.stdout
    # Without the stub every export is Any: the same wrong calls pass.
    untyped = check(tool, tmp_path / "untyped", UNTYPED.format(body=WRONG))
    assert untyped.returncode == 0, untyped.stdout + untyped.stderr


# What napi-rs writes for the test addon's `Connection` (a static factory `new`, methods named as
# JS's and Python's helpers are) and what js_names.c exports: each declared by its own name.
NAMES_DTS = """\
export declare class Connection {
  static new(uri: string): Connection
  call(query: string): string
  apply(a: number, b: number): number
  bind(port: number): string
  close(): boolean
  path(): string
  get isOpen(): boolean
}
export declare function close(): unknown[]
export declare const path: string
export declare const exports: string
"""
NAMES_USE = """\
from typing import TYPE_CHECKING, cast

from napi_python import addon_info, close, load_addon

if TYPE_CHECKING:
    from js_names import Exports

m = cast("Exports", load_addon("js_names.node"))
c = m.Connection.new("db")
ran: str = c.call("q")
product: float = c.apply(3, 4)
bound: str = c.bind(80)
closed: bool = c.close()
where: str = c.path()
still_open: bool = c.isOpen
answer: list[object] = m.close()
text: str = m.path + m.exports
pid: int = addon_info(m).pid
close(m)
"""


@pytest.mark.parametrize("tool", ["mypy", "pyright"])
def test_names_like_pythons_helpers_are_declared_and_type_check_as_named(tool, tmp_path):
    dts = tmp_path / "names.d.ts"
    dts.write_text(NAMES_DTS)
    stub = stub_of(dts)
    assert "    @staticmethod\n    def new(uri: str, /) -> Connection: ..." in stub
    assert "def close(self) -> list[Any]: ..." in stub and "def path(self) -> str: ..." in stub
    ok = check(tool, tmp_path / "right", NAMES_USE, {"js_names": stub})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = check(tool, tmp_path / "wrong", NAMES_USE + "m.Connection.new(1)\nm.path()\n", {"js_names": stub})
    # Both wrong lines are reported: an int for the factory's string, a string called.
    first = NAMES_USE.count("\n") + 1
    assert bad.returncode != 0, bad.stdout
    assert f"use.py:{first}:" in bad.stdout and f"use.py:{first + 1}:" in bad.stdout, bad.stdout


# What users meet on real napi-rs 3 packages: the same file type-checked with the
# generated stubs and run against the addons, isolated and in-process.
AGREE_USE = """\
import sys
from typing import TYPE_CHECKING, cast

from napi_python import close, require

if TYPE_CHECKING:
    from napi_rs_pinyin import Exports as Pinyin
    from napi_rs_simple_git import Exports as Git

NPM = {npm!r}
REPO = {repo!r} + "-" + sys.argv[1]
isolated = sys.argv[1] == "isolated"
p = cast("Pinyin", require("@napi-rs/pinyin", paths=[NPM], isolated=isolated))
tone = p.PINYIN_STYLE["WithTone"]
words = p.pinyin("中文", {{"style": tone}})
assert words == ["zhōng", "wén"], words
letters: str = p.pinyinString("中文", {{"style": p.PINYIN_STYLE["FirstLetter"], "separator": ""}})
assert letters == "zw", letters
close(p)
g = cast("Git", require("@napi-rs/simple-git", paths=[NPM], isolated=isolated))
repo = g.Repository.init(REPO)
assert repo.isEmpty() is True
clean: int = g.RepositoryState["Clean"]
assert repo.state() == clean == 0
with open(REPO + "/new.txt", "w") as f:
    f.write("x")
[status] = repo.statuses()
untracked: bool = status["isWtNew"]
assert status.get("path") == "new.txt" and untracked, status
assert g.BranchType["Remote"] == 1
close(g)
print("ran")
"""
# What the TypedDict stubs allowed and the objects do not do.
AGREE_WRONG = 'p.PINYIN_STYLE.get("WithTone")\n'


@pytest.fixture(scope="module")
def napi_rs_3_stubs() -> dict[str, str]:
    return {"napi_rs_pinyin": stub_of("@napi-rs/pinyin"), "napi_rs_simple_git": stub_of("@napi-rs/simple-git")}


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "use.py", *args], cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )


def typed_and_run(folder: Path, use: str, stubs: dict[str, str], printed: str) -> None:
    """`use`, with `stubs`, passes mypy --strict, then runs in both modes and prints `printed`."""
    typed = check("mypy", folder, use, stubs)
    assert typed.returncode == 0, typed.stdout + typed.stderr
    for mode in ("isolated", "inprocess"):
        ran = run(folder, mode)
        assert (ran.returncode, ran.stdout) == (0, printed), (mode, ran.stderr)


@pytest.mark.needs_input((NPM / "node_modules/@napi-rs/simple-git").is_dir(), "run scripts/npm-install")
def test_the_stubs_type_check_what_runs_and_reject_what_fails(tmp_path, napi_rs_3_stubs):
    """mypy --strict and Python, isolated and in-process, on the same file: what the stubs accept
    runs, and reading an enum object as a dict (``.get``), which the TypedDict stubs accepted, is
    rejected, as it fails when run (the object arrives as a JSObject)."""
    use = AGREE_USE.format(npm=str(NPM), repo=str(tmp_path / "repo"))
    typed = check("mypy", tmp_path / "right", use, napi_rs_3_stubs)
    assert typed.returncode == 0, typed.stdout + typed.stderr
    wrong = use.replace("close(p)\n", AGREE_WRONG + "close(p)\n")
    rejected = check("mypy", tmp_path / "wrong", wrong, napi_rs_3_stubs)
    assert rejected.returncode != 0 and '"_PINYIN_STYLEMembers" has no attribute "get"' in rejected.stdout, (
        rejected.stdout
    )
    for mode in ("isolated", "inprocess"):
        ran = run(tmp_path / "right", mode)
        assert (ran.returncode, ran.stdout) == (0, "ran\n"), (mode, ran.stderr)
        failed = run(tmp_path / "wrong", mode)
        assert failed.returncode == 1 and "AttributeError" in failed.stderr, (mode, failed.stderr)


def _enum_members(protocol: ast.ClassDef) -> dict[str, object]:
    """An enum members Protocol's ``__getitem__`` overloads: key -> value."""
    out: dict[str, object] = {}
    for member in protocol.body:
        if isinstance(member, ast.FunctionDef) and member.name == "__getitem__":
            key = ast.literal_eval(member.args.posonlyargs[1].annotation.slice)
            out[key] = ast.literal_eval(member.returns.slice)
    return out


# Each real package's stub, and the kinds of export it has.
EXPORT_KINDS = {
    "@napi-rs/pinyin": {"function", "enum"},
    "@napi-rs/simple-git": {"function", "class", "enum"},
    "@node-rs/bcrypt": {"function", "constant"},
    "@node-rs/crc32": {"function"},
    "@napi-rs/webcodecs": {"function", "class"},
}


# What a constant's annotation promises, as isinstance reads it.
CONSTANT_TYPES: dict[str, type | tuple[type, ...]] = {"int | float": (int, float), "str": str, "bool": bool}


@pytest.mark.needs_input((NPM / "node_modules/@napi-rs/simple-git").is_dir(), "run scripts/npm-install")
@pytest.mark.parametrize("package", list(EXPORT_KINDS))
def test_every_export_arrives_as_the_stub_types_it(package):
    """Each member of ``Exports`` against what the addon gives: a function is a function, a class
    a class, a constant of the type its property says, every member of every enum object reads by
    subscription as its Literal says."""
    from napi_python import JSFunction, js, require

    tree = ast.parse(stub_of(package))
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    kinds: set[str] = set()
    with require(package, paths=[NPM]) as addon:
        for member in classes["Exports"].body:
            if not isinstance(member, ast.FunctionDef):
                continue
            value = addon[member.name]
            # The addon's functions come bound to its exports (as JS's `addon.f()` passes them).
            function = getattr(value, "__func__", value)
            returns = ast.unparse(member.returns) if member.returns else ""
            if not any(ast.unparse(d) == "property" for d in member.decorator_list):
                kinds.add("function")
                assert isinstance(function, JSFunction) and not js.is_class(function), member.name
            elif returns.startswith("type["):
                kinds.add("class")
                assert isinstance(function, JSFunction) and js.is_class(function), member.name
            elif returns.endswith("Members"):
                kinds.add("enum")
                members = _enum_members(classes[returns])
                assert members and {k: value[k] for k in members} == members, member.name
            else:
                kinds.add("constant")
                assert isinstance(value, CONSTANT_TYPES[returns]), (member.name, returns, value)
    assert kinds == EXPORT_KINDS[package]


# Objects whose types have properties only that arrive as JSObjects, and a namespace of constants
# that arrives as a dict: no package in tests/npm declares these kinds, so these are
# declarations of the test addon objects.node and of koffi's binary, as a package would write them.
OBJECTS_DTS = """\
interface Named { name: string }
/** What makeApi returns: a name, and a function that reads it from its object. */
export interface Api extends Named { getName: () => string }
export declare function makeApi(): Api
export declare function getNamed(target: Api, key: string): unknown[]
export declare function defineAll(target: {}, key: string): { value_0e0: number; method: () => unknown[] }
"""
KOFFI_DTS = """\
export declare namespace os { const errno: Record<string, number> }
export declare namespace node { const env: unknown; function poll(fd: number, callback: () => void): unknown }
"""
# A plain object holding one with a function property: a dict, whose value arrives as a JSObject
# (functions.node's call(fn, recv, ...args) answers fn's result).
HOLDERS_DTS = """\
export interface Api { name: string; getName: () => string }
export interface Holder { api: Api; label: string }
export type Held = Holder
export declare function call(fn: Function, recv: null, ...args: unknown[]): Held
"""
# An object type with methods is passed as a dict of callables (a Python object with those
# methods would pass as an opaque object, which has none).
READERS_DTS = """\
export interface Reader { name: string; read(): string }
export declare function getNamed(target: Reader, key: string): unknown[]
"""
# A Set arrives as a JSObject, and a Python set would go as an opaque object, not a Set.
SETS_DTS = "export declare function defineAll(target: Set<number>, key: string): Set<number>\n"
KOFFI = NPM / "node_modules/koffi"
ARRIVE_USE = """\
import sys
from typing import TYPE_CHECKING, cast

from napi_python import Host, close, js, require

if TYPE_CHECKING:
    from holders import Exports as Holders
    from koffi_ns import Exports as Koffi
    from objects import Exports as Objects
    from readers import Exports as Readers
    from sets import Exports as Sets

isolated = sys.argv[1] == "isolated"
# One host for both test addons: one's object is passed to the other.
host = Host(isolated=isolated)
o = cast("Objects", host.load({objects!r}))
api = o.makeApi()
name: str = api["getName"]()
assert name == api["name"] == "api", name
assert o.getNamed({{"name": "sent", "getName": lambda: "sent"}}, "name")[1] == "sent"
defined = o.defineAll({{}}, "k")
hidden: int | float = defined["value_0e0"]
assert hidden == 3 and defined["method"]()[1] == "m"
assert cast("Readers", o).getNamed({{"name": "dict", "read": lambda: "read"}}, "name")[1] == "dict"
numbers = cast("Sets", o).defineAll(js.new(js.global_this(o)["Set"], [1, 2]), "k")
assert 2 in numbers and len(numbers) == 2 and sorted(numbers) == [1, 2]
f = cast("Holders", host.load({functions!r}))
held = f.call(lambda api: {{"api": api, "label": "kept"}}, None, api)
assert type(held).__name__ == "dict" and held["label"] == "kept" and held["api"]["getName"]() == "api"
k = cast("Koffi", require("koffi", paths=[{npm!r}], isolated=isolated))
errno: int | float = k.os["errno"]["EACCES"]
assert errno == 13
assert callable(k.node.poll)
host.close()
close(k)
print("ran")
"""
# What the stubs accepted before and the objects do not do: the line, what mypy says of it now,
# and the error it raises when run.
ARRIVE_WRONG = {
    "an interface with a function property read as a dict": ('api.get("name")', "has no attribute", "AttributeError"),
    "an object type with a function property read as a dict": (
        'defined.get("value_0e0")',
        "has no attribute",
        "AttributeError",
    ),
    "a namespace of constants read by attribute": ("k.os.errno", "has no attribute", "AttributeError"),
    "a Set used as a Python set": ("numbers | {3}", "Unsupported left operand", "TypeError"),
    "what a dict holds read as a dict": ('held["api"].get("name")', "has no attribute", "AttributeError"),
}


@pytest.mark.needs_input(KOFFI.is_dir(), "run scripts/npm-install")
@pytest.mark.parametrize("wrong", list(ARRIVE_WRONG))
def test_objects_that_arrive_as_jsobjects_or_dicts_are_typed_as_they_arrive(tmp_path, wrong):
    """mypy --strict and Python, isolated and in-process, on the same file: what the stubs accept
    runs; what the stubs accepted before (a function-valued property's object read as a dict, a
    namespace of constants read by attribute) is rejected, as it fails when run."""
    (tmp_path / "dts").mkdir()
    stubs: dict[str, str] = {}
    for module, text in (
        ("objects", OBJECTS_DTS),
        ("koffi_ns", KOFFI_DTS),
        ("sets", SETS_DTS),
        ("holders", HOLDERS_DTS),
        ("readers", READERS_DTS),
    ):
        (tmp_path / "dts" / f"{module}.d.ts").write_text(text)
        stubs[module] = stub_of(tmp_path / "dts" / f"{module}.d.ts")
    use = ARRIVE_USE.format(objects=addon_path("objects"), functions=addon_path("functions"), npm=str(NPM))
    typed = check("mypy", tmp_path / "right", use, stubs)
    assert typed.returncode == 0, typed.stdout + typed.stderr
    line, refusal, error = ARRIVE_WRONG[wrong]
    bad = use.replace("host.close()\n", line + "\nhost.close()\n")
    rejected = check("mypy", tmp_path / "wrong", bad, stubs)
    assert rejected.returncode != 0 and refusal in rejected.stdout, rejected.stdout
    for mode in ("isolated", "inprocess"):
        ran = run(tmp_path / "right", mode)
        assert (ran.returncode, ran.stdout) == (0, "ran\n"), (mode, ran.stderr)
        failed = run(tmp_path / "wrong", mode)
        assert failed.returncode == 1 and f"{error}:" in failed.stderr, (mode, failed.stderr)


KOFFI_USE = """\
import sys
from typing import TYPE_CHECKING, cast

from napi_python import close, require

if TYPE_CHECKING:
    from koffi import Exports

k = cast("Exports", require("koffi", paths=[{npm!r}], isolated=sys.argv[1] == "isolated"))
size: int | float = k.sizeof("int")
libc = k.load("libc.so.6", {{}})
assert (size, libc.func("int abs(int)")(-5), libc.func("abs", "int", ["int"])(-7)) == (4, 5, 7)
errno: float = k.os["errno"]["EACCES"]
assert errno == 13 and k.os.get("errno") is not None
assert "default" not in dir(k)
close(k)
print("ran")
"""


@pytest.mark.needs_input(KOFFI.is_dir(), "run scripts/npm-install")
def test_overloaded_methods_of_interfaces_and_namespaces_type_check_and_run(tmp_path):
    """koffi's own declarations overload the methods of an interface (``LibraryHandle.func``), the
    call signatures of one (``decode``) and a namespace's functions (``node.poll``): each is an
    ``@overload``, else mypy refuses the stub itself. Its ``export default`` (of its JavaScript
    module) is no export of the binary, nor of the stub."""
    stub = stub_of("koffi")
    assert "def default" not in stub
    assert "    @overload\n    def func(self, definition: str, /) -> KoffiFunction: ..." in stub
    assert "    @overload\n    def poll(self, fd: float, callback: Callable[[Any], object], /) -> Any: ..." in stub
    typed_and_run(tmp_path / "right", KOFFI_USE.format(npm=str(NPM)), {"koffi": stub}, "ran\n")


# The declarations napi-rs 3 writes for the test addon rust_addon.node (addons/rust), and a file
# calling one export of each kind, each result annotated with the stub's type and checked at run
# time to be of that type: mypy --strict and Python, isolated and in-process, on the same file.
RUST_DTS = """\
export declare class Counter {
  constructor(initial?: number | undefined | null)
  static withStep(initial: number, step: number): Counter
  static describe(): string
  increment(): number
  get value(): number
  set value(v: number)
}
export interface Address { city: string; zip: string }
export interface Person { name: string; age: number; email?: string; address?: Address; tags: Array<string> }
export type Named = Person
export declare function makePerson(name: string, age: number, email?: string | undefined | null, city?: string | undefined | null): Person
export declare function birthday(p: Named): Named
export declare function sleepAdd(a: number, b: number, ms: number): Promise<number>
export declare function delayedNothing(ms: number): Promise<void>
export declare function asyncReverseBytes(data: Buffer): Promise<Buffer>
export declare function asyncXorBytes(data: Uint8Array, key: number): Promise<Uint8Array>
export declare function awaitPlusOne(value: Promise<number>): Promise<number>
export declare function mapWith(items: Array<number>, f: (arg: number) => number): Array<number>
export declare function callNTimes(n: number, f: (arg: number) => void): number
export declare function describePoint(f: (arg: { x: number; y: number }) => string, x: number, y: number): string
export declare function dateRoundTrip(date: Date): Date
export declare function findIndex(haystack: string, needle: string): number | null
export declare function doubleOrNull(n?: number | undefined | null): number | null
export declare function isEven(n: number): boolean
"""
RUST_USE = """\
from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

from napi_python import JSBuffer, JSFunction, JSObject, JSPromise, close, js, load_addon

if TYPE_CHECKING:
    from rust_addon import Exports, Named, Person

r = cast("Exports", load_addon({path!r}, isolated=sys.argv[1] == "isolated"))
assert isinstance(r.Counter, JSFunction) and js.is_class(r.Counter)
c = r.Counter(5)
c.value = 7
value: int | float = c.increment()
assert isinstance(c, JSObject) and value == c.value == 8 and isinstance(value, int)
stepped = r.Counter.withStep(1, 2)
assert stepped.increment() == 3 and r.Counter.describe().startswith("Counter")
person: Person = r.makePerson("ann", 30, None, "Oslo")
assert isinstance(person, dict) and "email" not in person and person["address"]["city"] == "Oslo"
older: Named = r.birthday(person)
assert older["age"] == 31 and older["tags"] == ["birthday"] and older.get("email") is None
total: JSPromise[int | float] = r.sleepAdd(1, 2, 0)
assert isinstance(total, JSPromise) and total.result(60) == 3
nothing: None = r.delayedNothing(0).result(60)
assert nothing is None
reversed_: JSBuffer = r.asyncReverseBytes(b"abc").result(60)
xored: JSBuffer = r.asyncXorBytes(bytearray(b"ab"), 1).result(60)
assert isinstance(reversed_, JSBuffer) and bytes(reversed_) == b"cba" and bytes(xored) == b"`c"
assert r.awaitPlusOne(r.sleepAdd(1, 1, 0)).result(60) == 3
mapped: list[int | float] = r.mapWith((1, 2), lambda n: n + 1)
assert mapped == [2, 3]
seen: list[int | float] = []
assert r.callNTimes(2, seen.append) == 2 and seen == [0, 1]
assert r.describePoint(lambda p: f"{{p['x']}},{{p['y']}}", 1, 2) == "1,2"
when = datetime(2020, 1, 2, tzinfo=timezone.utc)
back: datetime = r.dateRoundTrip(when)
assert back == when
missing: int | float | None = r.findIndex("abc", "z")
assert missing is None and r.findIndex("abc", "c") == 2
assert r.doubleOrNull(None) is None and r.doubleOrNull(2) == 4
even: bool = r.isEven(4)
assert even is True
close(r)
print("ran")
"""


def test_each_kind_of_napi_rs_export_arrives_as_its_stub_types_it(tmp_path):
    dts = tmp_path / "rust_addon.d.ts"
    dts.write_text(RUST_DTS)
    stub = stub_of(dts)
    use = RUST_USE.format(path=addon_path("rust_addon"))
    typed = check("mypy", tmp_path / "right", use, {"rust_addon": stub})
    assert typed.returncode == 0, typed.stdout + typed.stderr
    for mode in ("isolated", "inprocess"):
        ran = run(tmp_path / "right", mode)
        assert (ran.returncode, ran.stdout) == (0, "ran\n"), (mode, ran.stderr)


# Every package in tests/npm whose declarations the generator reads.
PACKAGES = {
    "koffi": "koffi",
    "lightningcss": "lightningcss",
    "napi_rs_pinyin": "@napi-rs/pinyin",
    "napi_rs_simple_git": "@napi-rs/simple-git",
    "napi_rs_webcodecs": "@napi-rs/webcodecs",
    "node_rs_bcrypt": "@node-rs/bcrypt",
    "node_rs_crc32": "@node-rs/crc32",
    "tailwindcss_oxide": "@tailwindcss/oxide",
}


# Interfaces extending interfaces of the other kind, declaring again what they inherit (as
# @napi-rs/canvas's DOMMatrix does its DOMMatrixReadOnly's members).
EXTENDS_DTS = """\
interface Point { x: number; y: number }
interface Shape extends Point { x: 0 | 1; area(): number }
export interface Square extends Shape { side: number; area(): number; area(scale: number): number }
export declare function square(s: Square): Square
"""


def test_every_packages_stub_passes_mypy_strict_itself(tmp_path):
    """A stub mypy refuses types nothing: interfaces extending an alias (lightningcss's
    ``BundleAsyncOptions``), extending one of the other kind (a Protocol cannot extend a TypedDict)
    and declaring again what they inherit, overloaded methods (koffi)."""
    (tmp_path / "extends.d.ts").write_text(EXTENDS_DTS)
    stubs = {module: stub_of(package) for module, package in PACKAGES.items()}
    stubs["extends"] = stub_of(tmp_path / "extends.d.ts")
    assert (
        "class Square(Protocol):\n    y: float\n    x: Literal[0, 1]\n    side: float\n    @overload"
        in stubs["extends"]
    )
    use = "".join(f"import {module}\n" for module in stubs)
    typed = check("mypy", tmp_path / "all", use, stubs)
    assert typed.returncode == 0, typed.stdout + typed.stderr


MAGIC = NPM / "node_modules/@napi-rs/magic-string"

# What require("@napi-rs/magic-string") gives, used as its binding stub types it: the binding's
# generateDecodedMap answers a JSON string (the wrapper parses it; index.d.ts types the parsed
# object), toSourcemapString is there (the wrapper hides it; index.d.ts leaves it out).
MAGIC_USE = """\
import json
import sys
from typing import TYPE_CHECKING, Any, cast

from napi_python import close, require

if TYPE_CHECKING:
    from napi_rs_magic_string import Exports

m = cast("Exports", require("@napi-rs/magic-string", paths=[{npm!r}], isolated=sys.argv[1] == "isolated"))
s = m.MagicString("var answer = 42")
s.overwrite(4, 10, "result", {{"contentOnly": False}})
options = {{"hires": False, "includeContent": True, "source": "in.js", "file": "out.js"}}
decoded: Any = s.generateDecodedMap(options)
assert isinstance(decoded, str) and json.loads(decoded)["sources"] == ["in.js"], decoded
mapped: Any = s.toSourcemapString(options)
assert json.loads(mapped)["version"] == 3
empty: bool = s.isEmpty()
text: str = s.toString()
assert empty is False
print(text, type(decoded).__name__, type(mapped).__name__)
close(m)
"""


@pytest.mark.needs_input(MAGIC.is_dir(), "run scripts/npm-install")
def test_declarations_of_a_js_wrapper_say_so_and_the_binding_is_typed_as_loaded(tmp_path):
    stub = stub_of("@napi-rs/magic-string")
    assert (
        "@napi-rs/magic-string@0.3.4's declarations (index.d.ts) describe its JavaScript wrapper (index.js,\n"
        "around ./binding), not the binding require() loads"
    ) in stub
    assert (
        "binding has them): MagicString.overwrite, MagicString.generateMap, MagicString.generateDecodedMap,\n"
        "MagicString.toSourcemapString, MagicString.toSourcemapUrl."
    ) in stub
    # The wrapper's own redefinitions and what only the binding has are Any; the members the
    # wrapper inherits keep their declared types.
    assert "    def generateDecodedMap(self, *args: Any) -> Any: ...\n" in stub
    assert "    def toSourcemapString(self, *args: Any) -> Any: ...\n" in stub
    assert "-> DecodedMap" not in stub
    assert "    def isEmpty(self) -> bool: ...\n" in stub and "    def toString(self) -> str: ...\n" in stub
    assert "    def remove(self, start: float, end: float, /) -> Any: ...\n" in stub
    # Under node, the same binding answers as the stub says, and the wrapper as index.d.ts says.
    node = subprocess.run(
        [
            oracle_node(),
            "-e",
            "const {MagicString: B} = require('@napi-rs/magic-string/binding');"
            "const {MagicString: W} = require('@napi-rs/magic-string');"
            "const o = {hires: false, includeContent: true, source: 'in.js', file: 'out.js'};"
            "const b = new B('var answer = 42'); b.overwrite(4, 10, 'result', {contentOnly: false});"
            "console.log(b.toString(), typeof b.generateDecodedMap(o), typeof b.toSourcemapString(o),"
            " typeof new W('x').generateDecodedMap(), typeof new W('x').toSourcemapString)",
        ],
        cwd=NPM,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert node.stdout == "var result = 42 string string object function\n"
    typed_and_run(
        tmp_path / "right", MAGIC_USE.format(npm=str(NPM)), {"napi_rs_magic_string": stub}, "var result = 42 str str\n"
    )


def test_a_module_that_only_passes_the_binding_on_is_no_wrapper(tmp_path):
    """koffi's index.cjs is `module.exports = require("./src/koffi/index.cjs")`, the module that
    loads the binary: its declarations are the binding's."""
    from napi_python.stubgen import declarations_file
    from napi_python.stubgen.binding_exports import js_wrapper

    koffi = NPM / "node_modules/koffi"
    wrapper = js_wrapper(MAGIC, declarations_file(str(MAGIC))[0])
    assert wrapper is not None and (wrapper.main, wrapper.loader) == ("index.js", "./binding")
    assert {"generateDecodedMap", "overwrite", "toSourcemapString"} <= wrapper.members
    assert js_wrapper(koffi, declarations_file(str(koffi))[0]) is None
