"""koffi (npm, pinned in tests/npm), a C FFI built on Node-API: it loads and its basic calls into
libc answer as under node, isolated, in-process (NAPI_PYTHON_TEST_MODE=inprocess) and
sandboxed.

koffi 3 runs feature-test scripts in its init (tests/napi/test_run_script.py) and tells node from other
engines by what `napi_callback_info` points to: unless one of its first two words is the call's
`this` handle (as in node), it reads V8's own structures through it. Ours points to a
`CallbackInfo` laid out that way (server/napi/src/callback.rs); before that, koffi's init crashed
the host.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import IN_PROCESS, ROOT, load_in_mode, missing_input, node_eval, oracle_node

import napi_python
from napi_python import AddonCrashedError, JSError, Sandbox, js, load_addon

KOFFI = ROOT / "tests" / "npm" / "node_modules" / "@koromix" / "koffi-linux-x64" / "linux_x64" / "koffi.node"
WORDS = ["foo", "bar", "123", "foobar", "Foo", ""]
PRINTF = ("%d-%s-%.2f|%5s|\n", "int", 42, "str", "x", "double", 1.5, "str", "ab")


def koffi_path() -> str:
    if not KOFFI.exists():
        missing_input(f"{KOFFI} is not installed: run scripts/npm-install")
    return str(KOFFI)


@pytest.fixture(params=["plain", "sandboxed"])
def koffi(request):
    if request.param == "sandboxed":
        if IN_PROCESS:
            pytest.skip("the sandbox needs a host process of its own")
        addon = load_in_mode(koffi_path(), sandbox=Sandbox(read=[str(KOFFI.parent), "/lib", "/usr/lib"]))
    else:
        addon = load_in_mode(koffi_path())
    yield addon
    napi_python.close(addon)


def under_node(body: str):
    return node_eval(f"const koffi = require({koffi_path()!r}); const libc = koffi.load('libc.so.6'); {body}")


def test_strlen_and_a_struct_free_call_match_node(koffi):
    libc = koffi.load("libc.so.6")
    strlen = libc.func("size_t strlen(const char *)")
    abs_ = libc.func("int abs(int)")
    got = [strlen(w) for w in WORDS] + [abs_(-7), abs_(3)]
    expected = under_node(
        f"const strlen = libc.func('size_t strlen(const char *)'); const abs = libc.func('int abs(int)');"
        f"console.log(JSON.stringify([...{json.dumps(WORDS)}.map((w) => strlen(w)), abs(-7), abs(3)]));"
    )
    assert got == expected == [3, 3, 3, 6, 3, 0, 7, 3]


def test_qsort_calls_back_into_python_as_node_calls_back_into_js(koffi):
    """qsort sorts a JS array of C strings in place (`_Inout_`) through a comparator that koffi
    calls for each pair: here a Python function, under node a JS one."""
    libc = koffi.load("libc.so.6")
    koffi.proto("int SortCallback(const void *first, const void *second)")
    qsort = libc.func("void qsort(_Inout_ void *array, size_t count, size_t size, SortCallback *cb)")
    words = js.array(koffi, WORDS)
    calls = []

    def compare(a, b):
        first, second = koffi.decode(a, "char *"), koffi.decode(b, "char *")
        calls.append((first, second))
        return (first > second) - (first < second)

    qsort(getattr(koffi, "as")(words, "char **"), len(WORDS), koffi.sizeof("void *"), compare)
    expected = under_node(
        "koffi.proto('int SortCallback(const void *first, const void *second)');"
        "const qsort = libc.func('void qsort(_Inout_ void *array, size_t count, size_t size, SortCallback *cb)');"
        f"const words = {json.dumps(WORDS)}; let calls = 0;"
        "qsort(koffi.as(words, 'char **'), words.length, koffi.sizeof('void *'), (a, b) => {"
        " calls++; const x = koffi.decode(a, 'char *'), y = koffi.decode(b, 'char *'); return x < y ? -1 : x > y ? 1 : 0; });"
        "console.log(JSON.stringify([words, calls]));"
    )
    assert [list(words), len(calls)] == expected
    assert expected[0] == sorted(WORDS)


CHILD = """
import sys
from napi_python import close, load_addon
koffi = load_addon(sys.argv[1], isolated=sys.argv[2] == "isolated")
libc = koffi.load("libc.so.6")
printf = libc.func("int printf(const char *fmt, ...)")
fflush = libc.func("int fflush(void *)")
written = printf(*{printf})
fflush(None)
close(koffi)
print("returned", written)
"""


@pytest.mark.parametrize("mode", ["inprocess" if IN_PROCESS else "isolated"])
def test_variadic_printf_to_a_pipe_matches_node(mode):
    """printf through koffi's variadic call, in a child whose stdout is a pipe: the isolated
    host's output reaches the child's sys.stdout, the in-process addon writes to the
    child's own descriptor."""
    child = CHILD.replace("{printf}", repr(PRINTF))
    proc = subprocess.run(
        [sys.executable, "-c", child, koffi_path(), mode], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    node = subprocess.run(
        [
            oracle_node(),
            "-e",
            f"const koffi = require({koffi_path()!r}); const libc = koffi.load('libc.so.6');"
            "const printf = libc.func('int printf(const char *fmt, ...)');"
            f"const n = printf(...{json.dumps(PRINTF)}); libc.func('int fflush(void *)')(null);"
            "console.log('returned', n);",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout == node.stdout == "42-x-1.50|   ab|\nreturned 17\n"


# A setup declares what a program declares once: koffi keeps declared types in its
# host, which a restart replaces (the setup itself: tests/api/test_setup.py).
def declare_point(koffi) -> None:
    koffi.struct("Point", {"x": "int32_t", "y": "int32_t"})


def test_koffi_types_declared_in_the_setup_survive_a_crash():
    # koffi keeps the types a program declares in its host: after a restart, `Point` is an
    # unknown type unless the setup declares it again.
    koffi = load_in_mode(koffi_path(), setup=declare_point)
    try:
        assert koffi.sizeof("Point") == 8
        if IN_PROCESS:
            return  # no restart in-process
        libc = koffi.load("libc.so.6")
        with pytest.raises(AddonCrashedError):
            libc.func("void abort()")()
        assert koffi.sizeof("Point") == 8
    finally:
        napi_python.close(koffi)


@pytest.mark.isolated_only
def test_koffi_without_the_setup_forgets_its_types():
    koffi = load_addon(koffi_path())
    with koffi:
        koffi.struct("Point", {"x": "int32_t", "y": "int32_t"})
        libc = koffi.load("libc.so.6")
        with pytest.raises(AddonCrashedError):
            libc.func("void abort()")()
        with pytest.raises(JSError, match="Point"):
            koffi.sizeof("Point")
