"""Generated stubs say what the conversions do: an array
parameter takes a list or a tuple and a record a dict, as only those cross as an array or a
plain object (a `range` or another Mapping crosses as an opaque object); an optional member of
an object with methods, which is no attribute when absent, is read by subscription, which
answers None then, in both modes. mypy --strict checks code against a generated stub, which
runs the generator as users do (oxc-parser's addon)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from conftest import INSTALL_NPM, MYPY_CACHE, NPM, napi_python_cli

from napi_python import js

# makeApi is objects.node's: {name: "api", getName() reads this.name}; nothing else is set. An
# export named `tuple` hides the builtin in the Exports class, whose parameters still use it.
DTS = """\
export interface Api { getName(): string; readonly name: string; nickname?: string; rename?(to: string): void }
export declare function makeApi(): Api
export declare function total(values: number[], weights: Record<string, number>): number
export declare function each(...items: number[]): void
export declare function tuple(p: string): string
"""
USE = """\
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from api import Exports

def use(m: "Exports") -> None:
    api = m.makeApi()
    name: str = api.getName() + api.name
    nickname: str | None = api["nickname"]
    rename = api["rename"]
    if rename is not None:
        rename("other")
    m.total([1.0, 2], {"a": 1.0})
    m.total((1.0, 2.0), {})
    m.each(1, 2.5)
    same: str = m.tuple("x")
"""
# Each line the stubs accepted before and the conversion or the object does not do, and what
# mypy --strict says of it now.
WRONG = {
    "a range for an array": ("m.total(range(3), {})", 'incompatible type "range"'),
    "a Mapping that is no dict for a record": (
        'm.total([1.0], types.MappingProxyType({"a": 1.0}))',
        'incompatible type "MappingProxyType',
    ),
    "an optional property read as an attribute": ("print(api.nickname)", 'has no attribute "nickname"'),
    "an optional method called as a method": ('api.rename("x")', 'has no attribute "rename"'),
}


def stub_of(folder: Path) -> tuple[Path, str]:
    """DTS written as `folder`/api.d.ts, and the stub `python -m napi_python stubs` writes of it."""
    if not (NPM / "node_modules" / "oxc-parser").is_dir():
        pytest.skip(f"{NPM}/node_modules/oxc-parser is absent: run {INSTALL_NPM}")
    dts = folder / "api.d.ts"
    dts.write_text(DTS)
    proc = napi_python_cli("stubs", dts, "--parser-path", NPM, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return dts, proc.stdout


@pytest.fixture(scope="module")
def stub(tmp_path_factory) -> str:
    return stub_of(tmp_path_factory.mktemp("dts"))[1]


def mypy(folder: Path, text: str, stub: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    (folder / "use.py").write_text(text, encoding="utf-8")
    (folder / "api.pyi").write_text(stub, encoding="utf-8")
    cmd = [sys.executable, "-m", "mypy", "--strict", f"--cache-dir={MYPY_CACHE}", "--config-file=", "use.py"]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.either_mode
def test_right_uses_type_check(stub, tmp_path):
    ok = mypy(tmp_path / "right", USE, stub)
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.either_mode
@pytest.mark.parametrize("wrong", list(WRONG))
def test_what_the_conversion_or_the_object_does_not_do_is_rejected(stub, tmp_path, wrong):
    line, refusal = WRONG[wrong]
    text = "import types\n" + USE + f"    {line}\n"
    bad = mypy(tmp_path / "wrong", text, stub)
    assert bad.returncode != 0 and refusal in bad.stdout, bad.stdout


class Weights(Mapping[str, float]):
    def __getitem__(self, key: str) -> float:
        return 1.0

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[str]:
        return iter(["a"])


def test_only_lists_and_tuples_cross_as_arrays_and_only_dicts_as_plain_objects(load):
    """What the stubs say, as the conversion does it (a subclass is its base's kind)."""
    g = js.global_this(load("values"))
    is_array, keys = g["Array"]["isArray"], g["Object"]["keys"]
    assert [is_array(v) for v in ([1], (1,), type("Items", (list,), {})([1]))] == [True, True, True]
    assert [is_array(v) for v in (range(3), iter([1]), "ab")] == [False, False, False]
    assert [keys(v) for v in ({"a": 1}, type("Named", (dict,), {})(a=1))] == [["a"], ["a"]]
    assert [keys(v) for v in (Weights(), types.MappingProxyType({"a": 1}))] == [[], []]


def test_an_absent_optional_member_is_no_attribute_and_reads_as_none_by_subscription(load):
    api = load("objects").makeApi()
    assert (api.getName(), api.name) == ("api", "api")
    assert api["nickname"] is None and api["rename"] is None
    with pytest.raises(AttributeError):
        api.nickname
    with pytest.raises(AttributeError):
        api.rename("x")


@pytest.mark.either_mode
def test_a_path_with_backslashes_makes_a_stub_python_reads(tmp_path):
    """A Windows path (C:\\users\\...) in the stub's docstring and its example: each backslash
    escaped, or `\\u` begins a unicode escape and the stub is no Python at all. On Linux a
    folder's name may hold a backslash too."""
    folder = tmp_path / ("users" if sys.platform == "win32" else "C:\\users\\new")
    folder.mkdir()
    dts, stub = stub_of(folder)
    doc = ast.get_docstring(ast.parse(stub), clean=False)
    assert doc is not None and f"napi_python stubs {dts}`" in doc
    example = re.search(r'require\((".*")\)\)', doc)
    assert example is not None and ast.literal_eval(example.group(1)) == str(dts)
