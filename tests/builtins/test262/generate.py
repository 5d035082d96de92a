"""Generates cases.json, the test262 cases that fit the built-in differential table.

test262 (tc39/test262, the ECMAScript conformance suite) writes most of its checks as
`assert.sameValue(<call>, <expected>)`. Where <call> is a built-in reached by a path from the
global object, called with literal arguments (`Math.max(1, NaN)`) or through `.call` with a
literal receiver (`String.prototype.at.call("abc", -1)`), the call is one of the table's cases:
tests/builtins/test_test262_vs_node.py runs each through napi_python and under node and compares the
answers (node settles what test262 expects, and test262's expectation is not needed). Calls
with anything else (functions, variables, object literals, regexps) are left out.

Run: python tests/test262/generate.py /path/to/test262 > tests/test262/cases.json
(the commit used is recorded in the file; see tests/test262/README.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

# The built-ins the host has, as test262's directories name them.
DIRECTORIES = [
    "Array", "ArrayBuffer", "BigInt", "Boolean", "DataView", "Date", "Error", "JSON", "Map", "Math",
    "Number", "Object", "Proxy", "Reflect", "RegExp", "Set", "String", "Symbol", "TypedArray",
    "TypedArrayConstructors", "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent",
    "isFinite", "isNaN", "parseFloat", "parseInt",
]  # fmt: skip
# The global names a call may start from (test262's TypedArray helpers are not globals).
GLOBALS = (set(DIRECTORIES) - {"TypedArray", "TypedArrayConstructors"}) | {
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "String",
}  # fmt: skip
# Features the host does not have, or not in node 20: tests flagged with them are skipped.
SKIPPED_FEATURES = {"resizable-arraybuffer", "Array.fromAsync", "array-grouping", "set-methods", "Float16Array",
                    "uint8array-base64", "iterator-helpers", "RegExp.escape", "Math.sumPrecise", "upsert",
                    "arraybuffer-transfer", "promise-with-resolvers", "String.prototype.isWellFormed",
                    "String.prototype.toWellFormed", "regexp-v-flag", "json-parse-with-source",
                    "Array.prototype.includes", "Error.isError", "immutable-arraybuffer", "canonical-tz",
                    "Intl.Locale"}  # fmt: skip

PATH = r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
# `assert.sameValue(CALL, ...)`, `assert.compareArray(CALL, ...)`, and the throwing calls of
# `assert.throws(E, function() { CALL; })` / `assert.throws(E, () => CALL)`.
CALL = re.compile(
    r"(?:assert\.(?:sameValue|notSameValue|compareArray)\(\s*"
    r"|assert\.throws\(\s*\w+\s*,\s*(?:function\s*\(\s*\)\s*\{|\(\s*\)\s*=>\s*\{?)\s*)"
    r"(" + PATH + r")\s*\("
)

LITERAL_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
      | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<word>-?Infinity|NaN|undefined|null|true|false)
      | (?P<open>\[) | (?P<close>\]) | (?P<comma>,) | (?P<end>\))
    )""",
    re.VERBOSE,
)


class Unsupported(Exception):
    pass


def string_value(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body and '"' not in body:
        return body
    # JS escapes that JSON reads the same way; \x and \u{...} rewritten, others refused.
    body = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: "\\u00" + m.group(1), body)
    body = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: json.dumps(chr(int(m.group(1), 16)))[1:-1], body)
    body = body.replace("\\'", "'")
    if re.search(r"\\[^\"\\/bfnrtu]", body):
        raise Unsupported(text)
    if re.search(r'(?<!\\)"', body):
        body = re.sub(r'(?<!\\)"', '\\"', body)
    try:
        return json.loads('"' + body + '"')
    except ValueError as e:
        raise Unsupported(text) from e


def number_value(text: str):
    neg = text.startswith("-")
    t = text[1:] if neg else text
    if t[:2].lower() in ("0x", "0o", "0b"):
        v = int(t[2:], {"x": 16, "o": 8, "b": 2}[t[1].lower()])
    elif re.fullmatch(r"\d+", t) and not (len(t) > 1 and t.startswith("0")):
        v = int(t)
    elif re.fullmatch(r"0\d+", t):
        raise Unsupported(text)  # legacy octal
    else:
        v = float(t)
    if isinstance(v, int) and abs(v) > 2**53:
        v = float(v)
    if neg:
        return -v if v != 0 else {"special": "-0"}
    return v


def parse_args(src: str, at: int):
    """The literal arguments starting at `at` (after the open parenthesis), as JSON-able values
    ({"special": ...} for undefined, NaN, the infinities and -0), and where the call ends."""
    args, stack = [], [[]]
    pos = at
    while True:
        m = LITERAL_TOKEN.match(src, pos)
        if not m:
            raise Unsupported(src[pos : pos + 20])
        pos = m.end()
        kind = m.lastgroup
        if kind == "end":
            if len(stack) != 1:
                raise Unsupported("unbalanced")
            args = stack[0]
            return args, pos
        if kind == "comma":
            continue
        if kind == "open":
            stack.append([])
            continue
        if kind == "close":
            if len(stack) == 1:
                raise Unsupported("unbalanced")
            inner = stack.pop()
            stack[-1].append(inner)
            continue
        text = m.group(kind)
        if kind == "num":
            value = number_value(text)
        elif kind == "str":
            value = string_value(text)
        else:
            value = {
                "Infinity": {"special": "Infinity"},
                "-Infinity": {"special": "-Infinity"},
                "NaN": {"special": "NaN"},
                "undefined": {"special": "undefined"},
                "null": None,
                "true": True,
                "false": False,
            }.get(text)
            if value is None and text != "null":
                raise Unsupported(text)
        stack[-1].append(value)


def constructor_like(part: str) -> bool:
    """A name inside a path that holds an object: `prototype` or a capitalised name (`NaN`,
    `MAX_VALUE` and lowercase names hold primitives or functions)."""
    return part == "prototype" or (part[:1].isupper() and not part.isupper() and part != "NaN")


def features(src: str) -> set[str]:
    m = re.search(r"features:\s*\[([^\]]*)\]", src)
    return {f.strip() for f in m.group(1).split(",")} if m else set()


def cases_in(path: Path, rel: str) -> list[dict]:
    src = path.read_text(encoding="utf-8", errors="replace")
    if features(src) & SKIPPED_FEATURES or re.search(r"flags:\s*\[[^\]]*(module|async|raw)", src):
        return []
    out = []
    for m in CALL.finditer(src):
        fn = m.group(1)
        if fn.split(".")[0] not in GLOBALS:
            continue
        # A method of a constant (`Number.NaN.toFixed`) is reached through a primitive, which
        # the table's paths (objects only) cannot do.
        if any(not constructor_like(part) for part in fn.split(".")[1:-1]):
            continue
        try:
            args, end = parse_args(src, m.end())
        except Unsupported:
            continue
        if not re.match(r"\s*(,|;?\s*\}?\s*\))", src[end:]):
            continue  # the call is part of a longer expression
        this = {"special": "undefined"}
        path_ = fn
        if fn.endswith(".call"):
            if not args:
                continue
            path_, this, args = fn[: -len(".call")], args[0], args[1:]
        elif "." in fn:
            this = {"global": fn.rsplit(".", 1)[0]}
        out.append({"file": rel, "path": path_, "this": this, "args": args})
    return out


def main() -> None:
    root = Path(sys.argv[1])
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    cases, seen = [], set()
    for d in DIRECTORIES:
        for path in sorted((root / "test" / "built-ins" / d).rglob("*.js")):
            rel = str(path.relative_to(root))
            for c in cases_in(path, rel):
                key = json.dumps([c["path"], c["this"], c["args"]], sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    cases.append(c)
    json.dump({"source": "https://github.com/tc39/test262", "commit": commit, "cases": cases}, sys.stdout, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
