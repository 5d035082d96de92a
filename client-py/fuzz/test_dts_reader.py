"""The ``.d.ts`` reader behind ``python -m napi_python stubs``: declarations an npm package ships,
parsed by oxc-parser (loaded in-process, as ``stubs`` loads it) and written as a ``.pyi`` stub.
Whatever the file declares (Python keywords and odd identifiers as names, every kind of type,
literal types and JSDoc holding quotes, backslashes and the ends of comments and docstrings), it
is refused with ``ParseError`` or becomes a stub Python parses: never another exception.
Declarations are drawn from a small grammar of TypeScript's, then perhaps damaged as text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fuzz_support import corpus_params, failure_kept, fuzzed
from hypothesis import given
from hypothesis import strategies as st

from napi_python.stubgen import ParseError
from napi_python.stubgen.emit import write_stub
from napi_python.stubgen.parse import parse_text

ROOT = Path(__file__).resolve().parents[2]
# oxc-parser, installed for the tests by scripts/npm-install.
PARSER = ROOT / "tests" / "npm"
pytestmark = pytest.mark.skipif(
    not (PARSER / "node_modules" / "oxc-parser").is_dir(), reason="tests/npm/node_modules/oxc-parser is absent"
)

_PYTHON_NAMES = ["None", "class", "def", "lambda", "from", "self", "cls", "async", "await", "print", "type"]
_STUB_NAMES = ["Exports", "Any", "List", "typing", "TYPE_CHECKING", "constructor", "default", "__init__"]
_names = st.sampled_from(["add", "_", "$x", "ñ", "a\u0301", *_PYTHON_NAMES, *_STUB_NAMES])
_strings = st.sampled_from(
    ['"a"', "'b'", '"\\\\"', '"\\"\\"\\""', "'\\u0041'", '"*/"', "`t`", '"\\n"', '"C:\\\\users"']
)
_literals = st.one_of(_strings, st.sampled_from(["0", "-1", "1e400", "0x10", "10n", "true", "null", "undefined"]))
_KEYWORD_TYPES = ["number", "string", "boolean", "bigint", "void", "any", "unknown", "never", "object", "symbol"]
_NAMED_TYPES = ["Buffer", "Uint8Array", "Date", "Function", "Promise<void>", "Array<number>", "Record<string, number>"]
_primitive = st.sampled_from([*_KEYWORD_TYPES, *_NAMED_TYPES, "Error"])
_types = st.recursive(
    st.one_of(_primitive, _literals, _names),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" | ".join),
        st.lists(inner, min_size=2, max_size=3).map(" & ".join),
        inner.map(lambda t: f"({t})[]"),
        st.lists(inner, max_size=3).map(lambda ts: f"[{', '.join(ts)}]"),
        st.tuples(_names, inner).map(lambda p: f"Promise<{p[1]}> | {p[0]}<{p[1]}>"),
        st.tuples(_names, inner, inner).map(lambda p: f"({p[0]}: {p[1]}) => {p[2]}"),
        st.lists(st.tuples(_names, st.booleans(), inner), max_size=3).map(
            lambda ms: "{ " + " ".join(f"{n}{'?' if o else ''}: {t};" for n, o, t in ms) + " }"
        ),
    ),
    max_leaves=8,
)
_docs = st.one_of(
    st.just(""),
    st.lists(
        st.sampled_from(["text", '"""', "'''", "\\", "\\u", "@param x", "@returns", "*", "\t", "é"]), max_size=5
    ).map(lambda parts: "/** " + " ".join(parts) + " */\n"),
)
_params = st.lists(
    st.tuples(_names, st.sampled_from(["", "?", "..."]), _types).map(
        lambda p: f"...{p[0]}: {p[2]}[]" if p[1] == "..." else f"{p[0]}{p[1]}: {p[2]}"
    ),
    max_size=3,
).map(", ".join)
_declarations = st.one_of(
    st.tuples(_docs, _names, _params, _types).map(lambda d: f"{d[0]}export declare function {d[1]}({d[2]}): {d[3]};"),
    st.tuples(_docs, _names, _types).map(lambda d: f"{d[0]}export declare const {d[1]}: {d[2]};"),
    st.tuples(_docs, _names, _types).map(lambda d: f"{d[0]}export type {d[1]} = {d[2]};"),
    st.tuples(_docs, _names, st.lists(st.tuples(_names, _types), max_size=3)).map(
        lambda d: f"{d[0]}export interface {d[1]} {{ " + " ".join(f"{n}: {t};" for n, t in d[2]) + " }"
    ),
    st.tuples(_docs, _names, _params, st.lists(st.tuples(_names, _params, _types), max_size=3)).map(
        lambda d: (
            f"{d[0]}export declare class {d[1]} {{ constructor({d[2]}); "
            + " ".join(f"{n}({p}): {t};" for n, p, t in d[3])
            + " }"
        )
    ),
    st.tuples(_names, st.lists(st.tuples(_names, _literals), max_size=3)).map(
        lambda d: f"export declare const enum {d[0]} {{ " + ", ".join(f"{n} = {v}" for n, v in d[1]) + " }"
    ),
)


@st.composite
def _files(draw: st.DrawFn) -> str:
    text = "\n".join(draw(st.lists(_declarations, min_size=1, max_size=6)))
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=4)) + text[at + draw(st.integers(0, 4)) :]
    return text


def check(text: str) -> None:
    with failure_kept("dts_reader", text.encode("utf-8", "surrogatepass")):
        try:
            program, comments, source = parse_text(text, PARSER / "fuzzed.d.ts", [PARSER])
        except ParseError:
            return
        stub = write_stub(program, "Fuzzed.", comments, source)
        ast.parse(stub)


@corpus_params("dts_reader")
def test_corpus(kept: Path) -> None:
    check(kept.read_text(encoding="utf-8"))


@fuzzed
@given(_files())
def test_declarations(text: str) -> None:
    check(text)
