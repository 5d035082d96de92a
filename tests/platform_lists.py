"""Where each test runs, as tests/platforms.toml says: the files a platform's script runs, the npm
packages it installs, the tests left out there and why. tests/conftest.py skips by it; the
platform scripts print their lists with it:

    python3 tests/platform_lists.py run PLATFORM      the test files, one a line
    python3 tests/platform_lists.py select PLATFORM   its pytest -k expression (empty for none)
    python3 tests/platform_lists.py npm PLATFORM      NAME@VERSION of each npm package, one a line
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
LISTS = TESTS / "platforms.toml"


@dataclass(frozen=True)
class LeftOut:
    pattern: str  # a node id, `*` standing for any text
    why: str

    @property
    def whole_file(self) -> bool:
        return "::" not in self.pattern and "*" not in self.pattern

    def covers(self, nodeid: str) -> bool:
        """Whether this leaves out the test `nodeid` (relative to the checkout); a pattern without
        parameters covers each of the test's."""
        rx = re.compile(".*".join(map(re.escape, self.pattern.split("*"))))
        return any(rx.fullmatch(id) for id in (nodeid, nodeid.split("[", 1)[0]))


@cache
def platforms() -> dict[str, dict]:
    with open(LISTS, "rb") as f:
        return tomllib.load(f)


def current() -> str | None:
    """The platform this run is on: NAPI_PYTHON_TEST_PLATFORM, else `windows` on Windows, else
    none (Linux x86-64, where every test runs)."""
    name = os.environ.get("NAPI_PYTHON_TEST_PLATFORM") or ("windows" if sys.platform == "win32" else None)
    if name is not None and name not in platforms():
        raise ValueError(f"NAPI_PYTHON_TEST_PLATFORM={name} is none of {LISTS}'s: {', '.join(platforms())}")
    return name


def left_out(platform: str) -> list[LeftOut]:
    return [LeftOut(t, entry["why"]) for entry in platforms()[platform].get("left_out", []) for t in entry["tests"]]


def run_files(platform: str) -> list[str]:
    return list(platforms()[platform]["run"])


def npm_specs(platform: str) -> list[str]:
    """NAME@VERSION of each npm package the platform installs: tests/npm/package.json's pin when
    the entry names none."""
    pins = json.loads((TESTS / "npm" / "package.json").read_text(encoding="utf-8"))["dependencies"]
    specs = []
    for entry in platforms()[platform].get("npm", []):
        # A scoped name starts with `@`: a version follows a later one.
        specs.append(entry if entry.rfind("@") > 0 else f"{entry}@{pins[entry]}")
    return specs


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("run", "select", "npm") or argv[1] not in platforms():
        sys.stderr.write(__doc__.split("\n\n", 1)[1] + f"PLATFORM: one of {', '.join(platforms())}\n")
        return 2
    what, platform = argv
    lines = {"run": run_files, "npm": npm_specs}.get(what, lambda p: [platforms()[p].get("select", "")])(platform)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
