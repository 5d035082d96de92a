"""The differential Node-API fuzzer's teardown programs (napi_calls.py runs the others): what an
env's end runs, in order, under node and under napi_python. The addon's teardown(program, path)
runs a program, and the env's end appends a line to the file at path for each cleanup hook, async
cleanup hook and finalizer it runs (addons/c/napi_calls_teardown.h); each program runs in a node
process of its own, which then exits, and in a napi_python host of its own, isolated and
in-process, which is then closed.

    python client-py/fuzz/napi_calls_teardown.py replay HEX|FILE...   show where programs differ
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from napi_calls import ADDON, ISOLATED_ADDON, NODE, TIMEOUT, Difference, Writer, first_difference, programs_named

CORPUS = Path(__file__).resolve().parent / "corpus" / "napi_calls_teardown"
# What a teardown program draws more of: hooks, and objects given finalizers.
_WEIGHTS = {"cleanup_hook": 6, "object": 4, "wrap": 4, "add_finalizer": 4, "external": 3, "external_buffer": 3,
            "external_arraybuffer": 3, "set_instance_data": 2, "detach": 2}  # fmt: skip

_NODE_TEARDOWN = """
const addon = require(process.argv[1]);
process.stdout.write(addon.teardown(Buffer.from(process.argv[2], 'hex'), process.argv[3]));
"""


def _read_log(path: Path) -> str:
    text = path.read_text() if path.is_file() else ""
    path.unlink(missing_ok=True)
    return text


def teardown_node(program: bytes, log: Path) -> str:
    """The program's transcript under node, then what node's exit ran (a process a program)."""
    proc = subprocess.run(
        # A promise a program rejected has no handler: node would end the process for it.
        [str(NODE), "--unhandled-rejections=none", "-e", _NODE_TEARDOWN, str(ADDON), program.hex(), str(log)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    ended = "" if proc.returncode == 0 else f"node ended with {proc.returncode}: {proc.stderr.strip()[-600:]}\n"
    return proc.stdout + "teardown:\n" + _read_log(log) + ended


def teardown_ours(program: bytes, log: Path, isolated: bool) -> str:
    """The same under napi_python: a host of its own (or an in-process copy), closed after."""
    from napi_python import AddonCrashedError, close, load_addon

    folder = Path(tempfile.mkdtemp(prefix="napi_calls-"))
    if isolated:
        addon = load_addon(str(ISOLATED_ADDON), timeout=TIMEOUT, restart=False)
    else:
        # One library dlopen'ed twice is one set of statics: each in-process load gets a copy.
        shutil.copy2(ADDON, folder / ADDON.name)
        addon = load_addon(str(folder / ADDON.name), isolated=False)
    try:
        transcript = str(addon.teardown(program, str(log)))
    except AddonCrashedError as e:
        transcript = f"crashed: {type(e).__name__}\n"
    finally:
        close(addon)
        shutil.rmtree(folder, ignore_errors=True)
    return transcript + "teardown:\n" + _read_log(log)


def teardown_differences(programs: list[bytes]) -> list[Difference]:
    """Each teardown program's first difference from node's, in either mode."""
    found = []
    with tempfile.TemporaryDirectory(prefix="napi_calls-teardown-") as folder:
        log = Path(folder) / "log"
        for program in programs:
            node = teardown_node(program, log)
            for mode, isolated in (("isolated, teardown", True), ("in-process, teardown", False)):
                d = first_difference(program, node, teardown_ours(program, log, isolated), mode)
                if d is not None:
                    found.append(d)
                    break
    return found


def teardown_burst(seed: int, count: int) -> list[bytes]:
    writer = Writer(seed, _WEIGHTS)
    return [writer.program() for _ in range(count)]


def kept_teardown_corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file()) if CORPUS.is_dir() else []


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "replay":
        print(__doc__, file=sys.stderr)
        return 2
    found = teardown_differences(programs_named(argv[1:]))
    for d in found:
        print(d)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
