"""The differential Node-API fuzzer: programs of Node-API calls (addons/c/napi_calls.c reads them)
run under node 26 and under napi_python, isolated and in-process, and their transcripts compared
line by line. A program is bytes: an operation byte, then its operands (addons/c/napi_calls_ops.h
lists them); the generator here writes programs that are mostly valid, from a seed, so that a run
is the same each time.

    python client-py/fuzz/napi_calls.py run [SECONDS] [--seed N]   fuzz until SECONDS have passed
    python client-py/fuzz/napi_calls.py replay HEX|FILE...         run programs, show where they differ
    python client-py/fuzz/napi_calls.py show HEX|FILE              a program, an operation a line

A program's async work and threadsafe functions end after it returned: settle() gives their logs,
compared too. Programs that end their env (cleanup hooks, finalizers at teardown) are run by
napi_calls_teardown.py, and `run` draws some of them each round.

A difference is shrunk (operations removed while it stays) and printed with its program as hex;
its bytes are saved in build/fuzz/crashes/napi_calls/. Once fixed in the host, copy that file into
client-py/fuzz/corpus/napi_calls/ as found-WHAT; if node's behaviour is not to be followed, list it
in DELIBERATE below with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "build" / "addons" / "napi_calls.node"
# What the isolated host loads: under the sanitizer lane (scripts/sanitize) the addon built with
# AddressSanitizer and UBSan, which only its host can load; node and the in-process host keep ADDON.
ISOLATED_ADDON = Path(os.environ.get("NAPI_PYTHON_TEST_ADDONS") or ADDON.parent) / ADDON.name
NODE = ROOT / "build" / "node26" / "bin" / "node"
CORPUS = Path(__file__).resolve().parent / "corpus" / "napi_calls"
FAILURES = ROOT / "build" / "fuzz" / "crashes" / "napi_calls"
# A program's calls all run inside one JS call: more than this is a hang.
TIMEOUT = 20.0

OPS: list[tuple[str, str]] = re.findall(
    r'OP\((\w+), "([^"]*)"\)', (ROOT / "addons" / "c" / "napi_calls_ops.h").read_text()
)
OP_INDEX = {name: i for i, (name, _) in enumerate(OPS)}

# Node's behaviour napi_python does not follow on purpose: (a pattern of node's transcript line, a
# pattern of napi_python's, the reason). A line pair both match is not a difference.
DELIBERATE: list[tuple[str, str, str]] = [
    (
        r'name="TypeError" message="(Method |[^"]*requires that .this. be|[^"]*incompatible receiver)',
        r'name="TypeError" message=',
        "a built-in method called on the wrong kind of `this` throws a TypeError in both; the message"
        " is V8's own wording, napi_python's runtime words it its own way",
    ),
    (
        r'name="TypeError" message="\[object \w+\] ',
        r'name="TypeError" message="#<\w+> ',
        "V8 names some objects in a message as [object Date], napi_python's runtime as #<Date>",
    ),
    (
        r'name="TypeError" message="addon\.run is not a constructor"',
        r'name="TypeError" message="[^"]* is not a constructor"',
        "napi_new_instance of what is no constructor throws a TypeError in both; V8 names the JS"
        " expression of the call into the addon (`addon.run`), a host without JS source names the function",
    ),
    (
        r'name="SyntaxError" message="(Invalid or unexpected token|Unexpected |missing |Unterminated |Invalid regular|Only one underscore |Numeric separator)',
        r'name="SyntaxError" message=',
        "napi_run_script of what is no JS expression throws a SyntaxError in both; the message is V8's"
        " parser's wording, napi_python's host parses with a parser of its own",
    ),
]

# ---- reading programs ----


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk + bytes(n - len(chunk))  # the addon reads zeros past the end

    def byte(self) -> int:
        return self.take(1)[0]


def _operands(letters: str, r: _Reader) -> list[str]:
    shown = []
    for letter in letters:
        if letter in "drb npx":
            shown.append(f"{letter}{r.byte()}")
        elif letter == "i":
            shown.append(str(struct.unpack("<I", r.take(4))[0]))
        elif letter == "q":
            shown.append(str(struct.unpack("<Q", r.take(8))[0]))
        elif letter == "f":
            shown.append(repr(struct.unpack("<d", r.take(8))[0]))
        elif letter in "sw":
            head = r.byte()
            text = r.take((head & 15) * (2 if letter == "w" else 1))
            shown.append(f"{text!r}{'+auto' if head & 0x80 else ''}")
        elif letter == "a":
            shown.append("(" + ",".join(f"r{r.byte()}" for _ in range(r.byte() % 4)) + ")")
        elif letter == "W":
            sign, count = r.byte() & 1, r.byte() % 4
            shown.append(f"{'-' if sign else '+'}[{','.join(r.take(8)[::-1].hex() for _ in range(count))}]")
        elif letter == "D":
            shown.append("{" + ",".join(r.take(3).hex() for _ in range(r.byte() % 4)) + "}")
    return shown


def split(program: bytes) -> list[bytes]:
    """The program's operations, each as its bytes (the last perhaps cut short)."""
    r, spans = _Reader(program), []
    while r.at < len(program):
        start = r.at
        _operands(OPS[r.byte() % len(OPS)][1], r)
        spans.append(program[start : min(r.at, len(program))])
    return spans


def show(program: bytes) -> str:
    """The program, an operation a line, as the addon reads it."""
    lines = []
    for n, span in enumerate(split(program)):
        name, letters = OPS[span[0] % len(OPS)]
        lines.append(f"{n:3} {name} {' '.join(_operands(letters, _Reader(span[1:])))}")
    return "\n".join(lines)


# ---- writing programs ----

_U32 = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 255]
_U64 = [0, 1, 2**31, 2**32, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1]
_DOUBLES = [0.0, -0.0, 1.5, -1.5, float("nan"), float("inf"), -float("inf"), 2.0**31, -(2.0**31) - 1,
            2.0**53 + 2, 1e300, 5e-324, 4294967295.0, 4294967296.5, 1e21, 8.64e15, 8.64e15 + 1]  # fmt: skip
_STRINGS = [b"", b"a", b"abc", "é".encode(), "😀".encode(), b"\xff\xfe", b"a\x00b", b"\xc3", b"\xed\xa0\x80",
            b"length", b"0", b"__proto__", b"\xe9t\xe9", b"4294967295", b"constructor", b"x y"]  # fmt: skip
_UNITS = [0x41, 0xE9, 0xD800, 0xDC00, 0xD83D, 0xDE00, 0, 0xFFFF, 0x30]
# Operations a program makes more of: values to work on, and catching what was thrown.
_WEIGHTS = {"object": 4, "array": 2, "int32": 2, "string_utf8": 3, "double": 2, "catch": 3, "open_scope": 2,
            "close_scope": 2, "set_named": 3, "get_named": 3, "set_property": 2, "get_property": 2, "call": 2,
            "function": 2, "create_reference": 2, "reference_value": 2, "describe": 2, "wrap": 2,
            "async_create": 2, "async_queue": 2, "tsfn_create": 2, "tsfn_call": 2}  # fmt: skip

_FOLLOW = {"async_create": ("async_queue", "async_cancel"), "tsfn_create": ("tsfn_call", "tsfn_thread", "tsfn_release")}


class Writer:
    """Programs from one seed: mostly registers that hold values, some that do not."""

    def __init__(self, seed: int, weights: dict[str, int] | None = None) -> None:
        self.rng = random.Random(seed)
        self.names = [name for name, _ in OPS]
        self.weights = [(weights or _WEIGHTS).get(name, 1) for name in self.names]

    def program(self) -> bytes:
        rng, out = self.rng, bytearray()
        filled: list[int] = []
        for _ in range(rng.randint(3, 40)):
            op = rng.choices(range(len(OPS)), self.weights)[0]
            out.append(op if rng.random() < 0.95 else op + len(OPS) * rng.randint(0, 255 // len(OPS) - 1))
            start = len(out)
            for letter in OPS[op][1]:
                out += self._operand(letter, filled)
            # A work made is mostly queued, a function made mostly called: the same slot next.
            for then in _FOLLOW.get(OPS[op][0], ()):
                if rng.random() < 0.6:
                    out += bytes([OP_INDEX[then], out[start]]) + b"".join(
                        self._operand(letter, filled) for letter in OPS[OP_INDEX[then]][1][1:]
                    )
        if rng.random() < 0.05 and out:  # cut short: the addon reads zeros past the end
            del out[rng.randrange(len(out)) :]
        return bytes(out)

    def _register(self, filled: list[int]) -> int:
        if filled and self.rng.random() < 0.9:
            return self.rng.choice(filled)
        return self.rng.randrange(256)

    def _operand(self, letter: str, filled: list[int]) -> bytes:
        rng = self.rng
        if letter == "d":
            r = rng.randrange(16)
            filled.append(r)
            return bytes([r])
        if letter == "r":
            return bytes([self._register(filled)])
        if letter == "i":
            return struct.pack("<I", rng.choice(_U32) if rng.random() < 0.8 else rng.getrandbits(32))
        if letter == "q":
            return struct.pack("<Q", rng.choice(_U64) if rng.random() < 0.8 else rng.getrandbits(64))
        if letter == "f":
            return struct.pack("<d", rng.choice(_DOUBLES) if rng.random() < 0.8 else rng.uniform(-1e6, 1e6))
        if letter in "sw":
            auto = 0x80 if rng.random() < 0.15 else 0
            if letter == "s":
                text = (rng.choice(_STRINGS) + rng.choice(_STRINGS))[:15]
                return bytes([len(text) | auto]) + text
            units = [rng.choice(_UNITS) for _ in range(rng.randrange(6))]
            return bytes([len(units) | auto]) + b"".join(struct.pack("<H", u) for u in units)
        if letter == "a":
            n = rng.randrange(4)
            return bytes([n] + [self._register(filled) for _ in range(n)])
        if letter == "W":
            n = rng.randrange(4)
            return bytes([rng.randrange(2), n]) + b"".join(struct.pack("<Q", rng.choice(_U64)) for _ in range(n))
        if letter == "D":
            n = rng.randrange(4)
            # A quarter accessors (attributes' 0x08), half of them with a setter (0x10).
            items = [[rng.randrange(256), rng.randrange(8) | rng.choice((0, 0, 0, 0, 0, 0, 0x08, 0x18)),
                      self._register(filled) | (0x80 * (rng.random() < 0.2))]
                     for _ in range(n)]  # fmt: skip
            return bytes([n] + [b for item in items for b in item])
        if letter == "p" and rng.random() < 0.6:  # the same work or function again, mostly
            return b"\0"
        return bytes([rng.randrange(8) if letter in "npx" and rng.random() < 0.8 else rng.randrange(256)])


# ---- running programs ----

# Each program's transcript, then the logs of its async work and threadsafe functions, which
# settle() resolves with once the last of them ended (after the program returned to the loop).
_NODE_BATCH = """
const addon = require(process.argv[1]);
const programs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  for (const hex of programs) {
    const transcript = addon.run(Buffer.from(hex, 'hex'), false);
    process.stdout.write(JSON.stringify(transcript + await addon.settle()) + '\\n');
  }
})();
"""


def run_node(programs: list[bytes]) -> list[str]:
    """Each program's transcript under node, one node for the whole batch (and another for the
    rest after a program that crashed node: its transcript says how node ended)."""
    lines: list[str] = []
    while len(lines) < len(programs):
        rest = programs[len(lines) :]
        try:
            proc = subprocess.run(
                # A promise a program rejected has no handler: node would end the process for it.
                [str(NODE), "--unhandled-rejections=none", "-e", _NODE_BATCH, str(ADDON)],
                input=json.dumps([p.hex() for p in rest]),
                capture_output=True,
                text=True,
                timeout=TIMEOUT + 0.05 * len(rest),
                check=False,
            )
        except subprocess.TimeoutExpired as e:  # the program after the last transcript hung
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout or ""
            lines += [json.loads(line) for line in out.splitlines() if line.endswith('"')]
            lines.append("node hung")
            continue
        lines += [json.loads(line) for line in proc.stdout.splitlines()]
        if proc.returncode != 0:
            lines.append(f"node ended with {proc.returncode}: {proc.stderr.strip()[-600:]}")
    return lines


class Hosts:
    """The addon under napi_python, isolated and in-process (each loaded once for a batch)."""

    def __init__(self) -> None:
        self.copy_dir = Path(tempfile.mkdtemp(prefix="napi_calls-"))
        self.isolated = self._load(True)
        self.inprocess = self._load(False)
        # Programs with stale handles run in a host of their own: what a stale handle reaches it
        # may change (a tag on a built-in's prototype), which would carry into the programs
        # compared with node.
        self.stale = None

    def _load(self, isolated: bool):  # an Addon
        from napi_python import load_addon

        if isolated:
            return load_addon(str(ISOLATED_ADDON), timeout=TIMEOUT, restart=False)
        # One library dlopen'ed twice is one set of statics: each in-process load gets a copy.
        copy = Path(tempfile.mkdtemp(dir=self.copy_dir)) / ADDON.name
        shutil.copy2(ADDON, copy)
        return load_addon(str(copy), isolated=False)

    def run(self, program: bytes, isolated: bool, allow_stale: bool = False) -> str:
        """The transcript, or what went wrong as a line of its own: an isolated host that crashed
        is loaded again for the next program."""
        from napi_python import AddonCrashedError, close

        if allow_stale:
            self.stale = self.stale or self._load(True)
            addon = self.stale
        else:
            addon = self.isolated if isolated else self.inprocess
        try:
            transcript = str(addon.run(program, allow_stale))
            try:
                return transcript + str(addon.settle().result(timeout=TIMEOUT))
            except TimeoutError:
                return transcript + "settle() did not resolve"
        except AddonCrashedError as e:
            close(addon)
            if allow_stale:
                self.stale = None
            else:
                self.isolated = self._load(True)
            return f"crashed: {type(e).__name__}"

    def close(self) -> None:
        from napi_python import close

        close(self.isolated)
        close(self.inprocess)
        if self.stale is not None:
            close(self.stale)
        shutil.rmtree(self.copy_dir, ignore_errors=True)


@dataclass(frozen=True)
class Difference:
    program: bytes
    mode: str
    line: int
    node: str
    ours: str

    def __str__(self) -> str:
        return (
            f"napi_python ({self.mode}) differs from node 26 at line {self.line} of the transcript:\n"
            f"  node:        {self.node}\n  napi_python: {self.ours}\n"
            f"program (hex): {self.program.hex()}\n{show(self.program)}"
        )


def _deliberate(node: str, ours: str) -> bool:
    return any(re.search(a, node) and re.search(b, ours) for a, b, _ in DELIBERATE)


def first_difference(program: bytes, node: str, ours: str, mode: str) -> Difference | None:
    a, b = node.splitlines(), ours.splitlines()
    for n in range(max(len(a), len(b))):
        x = a[n] if n < len(a) else "(no line)"
        y = b[n] if n < len(b) else "(no line)"
        if x != y and not _deliberate(x, y):
            return Difference(program, mode, n, x, y)
    return None


def differences(programs: list[bytes], hosts: Hosts) -> list[Difference]:
    """Each program's first difference from node's transcript, in either mode."""
    found = []
    for program, node in zip(programs, run_node(programs), strict=False):
        for mode, isolated in (("isolated", True), ("in-process", False)):
            d = first_difference(program, node, hosts.run(program, isolated), mode)
            if d is not None:
                found.append(d)
                break
    return found


def _signature(d: Difference) -> tuple[str, str, str]:
    return d.mode, re.sub(r"^\d+ ", "", d.node), re.sub(r"^\d+ ", "", d.ours)


def shrink(d: Difference, hosts: Hosts) -> Difference:
    """The difference with every operation it does not need removed (one at a time, while the
    same lines still differ: each round one node run of every shorter candidate)."""
    while True:
        ops = split(d.program)
        candidates = [b"".join(ops[:i] + ops[i + 1 :]) for i in range(len(ops))]
        same = [c for c in differences(candidates, hosts) if _signature(c) == _signature(d)]
        if not same:
            return d
        d = min(same, key=lambda c: len(c.program))


def stale_outcomes(programs: Iterable[bytes], hosts: Hosts) -> tuple[list[tuple[bytes, str]], int]:
    """Programs run isolated with stale handles passed on (undefined in node): each must end in
    a transcript or a crash of the host, never a hang or another error. Returns those that did
    not, and how many calls were handed a stale handle."""
    from napi_python import AddonTimeoutError

    bad, stale = [], 0
    for program in programs:
        try:
            stale += hosts.run(program, isolated=True, allow_stale=True).count(" stale\n")
        except AddonTimeoutError as e:
            bad.append((program, f"hung: {e}"))
    return bad, stale


def save(program: bytes) -> Path:
    FAILURES.mkdir(parents=True, exist_ok=True)
    path = FAILURES / hashlib.sha256(program).hexdigest()[:16]
    path.write_bytes(program)
    return path


def kept_corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file()) if CORPUS.is_dir() else []


def burst(seed: int, count: int) -> list[bytes]:
    writer = Writer(seed)
    return [writer.program() for _ in range(count)]


def _report(found: list[Difference], hosts: Hosts, say: Callable[[str], None]) -> None:
    d = shrink(found[0], hosts)
    say(str(d))
    path = save(d.program)
    say(f"saved as {path}: once fixed, copy it to {CORPUS}/found-WHAT; or list it in DELIBERATE with the reason")


def programs_named(args: list[str]) -> list[bytes]:
    """Each argument's program: the file it names, else its bytes as hex."""
    return [_program(a) for a in args]


def _program(arg: str) -> bytes:
    try:
        if Path(arg).is_file():
            return Path(arg).read_bytes()
    except OSError:  # a name too long for a file: a program as hex
        pass
    return bytes.fromhex(arg)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "replay", "show"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "show":
        print(show(programs_named(argv[1:2])[0]))
        return 0
    hosts = Hosts()
    try:
        if argv[0] == "replay":
            found = differences(programs_named(argv[1:]), hosts)
            for d in found:
                print(d)
            return 1 if found else 0
        seconds = float(argv[1]) if len(argv) > 1 and not argv[1].startswith("-") else 60.0
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else random.randrange(2**32)
        until, rounds, total = time.monotonic() + seconds, 0, 0
        while time.monotonic() < until:
            programs = burst(seed + rounds, 200)
            found = differences(programs, hosts)
            bad, _ = stale_outcomes(programs, hosts)
            total += len(programs)
            if not found:  # and programs that end their env (a node and two hosts each)
                from napi_calls_teardown import teardown_burst, teardown_differences

                found = teardown_differences(teardown_burst(seed + rounds, 10))
            if found:
                print(f"seed {seed + rounds}:")
                _report(found, hosts, print)
                return 1
            if bad:
                print(f"seed {seed + rounds}: {bad[0][1]}\nprogram (hex): {bad[0][0].hex()}\n{show(bad[0][0])}")
                print(f"saved as {save(bad[0][0])}")
                return 1
            rounds += 1
        print(f"no difference: {total} programs from seeds {seed}..{seed + rounds - 1}, in both modes")
        return 0
    finally:
        hosts.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
