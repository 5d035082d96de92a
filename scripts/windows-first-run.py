"""The first run of napi-python on a Windows machine.

Everything for Windows is built on Linux and run there under wine 10, with python.org's embeddable
CPython 3.11-3.13 (scripts/windows, scripts/windows-python); nothing has run on a Windows machine
yet. Run this on one (x64, Windows 10 or later), from a clone, with python.org's CPython 3.11, 3.12
or 3.13:

    py -3.12 scripts\\windows-first-run.py WHEEL ADDONS

WHEEL is the win_amd64 wheel for that CPython that `scripts/windows wheels` builds on Linux
(build/windows/wheels/), ADDONS the folder of Windows test addons `scripts/windows addons` builds
(build/windows/addons/), both copied over. It prints each step's outcome and keeps its output in
build/windows-first-run/STEP.log: what docs/platforms.md's Windows section waits for before it says
more than "run under wine".

Steps, in build/windows-first-run/:
  1. a venv (the running CPython's) with the wheel installed by its pip, as a user installs it, and
     pytest at requirements-dev.txt's pins
  2. tests/installed/smoke.py from outside the checkout: a real npm addon, a crash arriving as
     AddonCrashedError and a restart, an asyncio call, in both modes
  3. the Windows suite, isolated and in-process: tests/platforms.toml's `windows` files, its left-out
     tests skipped with their reasons, against ADDONS, which build/windows/addons must be (copied there)

What a first run must look at besides the results, as wine cannot show it: that a job object ends
napi-hostd.exe when Python is killed (test_host_process.py's check, if it runs); that npm's
MSVC-built addons find their C runtime (vcruntime140.dll comes with python.org's CPython, beside
python.exe: a host in another folder may not find it); what an antivirus does to a fresh
napi-hostd.exe; paths over 260 characters; and how long a host takes to start.

`--here` installs into the running interpreter instead of a venv (python.org's embeddable build has
none: scripts/windows-python runs this so under wine, `--steps smoke`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "windows-first-run"
STEPS = ("install", "smoke", "suite")


def suite_files() -> list[str]:
    """The test files of the Windows suite, tests/platforms.toml's `windows` list (the tests left
    out of them tests/conftest.py skips on Windows, each with its reason)."""
    with open(ROOT / "tests" / "platforms.toml", "rb") as f:
        return list(tomllib.load(f)["windows"]["run"])


class Run:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def step(
        self, name: str, *cmd: str | os.PathLike[str], cwd: Path = ROOT, env: dict[str, str] | None = None
    ) -> bool:
        """Runs `cmd`, its output to WORK/NAME.log; says ok or FAILED."""
        log = WORK / f"{name.replace(' ', '-')}.log"
        with open(log, "w", encoding="utf-8") as out:
            code = subprocess.call([os.fspath(c) for c in cmd], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        print(f"{'ok    ' if code == 0 else 'FAILED'}  {name}" + ("" if code == 0 else f" (see {log})"), flush=True)
        if code:
            self.failed.append(name)
        return code == 0


def pins(*names: str) -> list[str]:
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.split("==")[0].strip() in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="the win_amd64 wheel for this CPython")
    parser.add_argument("addons", type=Path, help="the Windows test addons (build/windows/addons)")
    parser.add_argument("--here", action="store_true", help="install into this interpreter, not a venv")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"which of {', '.join(STEPS)} (all by default)")
    args = parser.parse_args()
    if sys.platform != "win32":
        raise SystemExit(
            "scripts/windows-first-run.py runs on Windows; on Linux, scripts/windows-python runs it under wine"
        )
    steps = set(args.steps.split(","))
    if not args.wheel.is_file() or args.wheel.suffix != ".whl":
        raise SystemExit(f"{args.wheel} is not a wheel (scripts/windows wheels builds them)")
    if not (args.addons / "values.node").is_file():
        raise SystemExit(f"{args.addons} holds no Windows test addons (scripts/windows addons builds them)")
    WORK.mkdir(parents=True, exist_ok=True)
    run = Run()
    python = Path(sys.executable)
    if not args.here:
        venv = WORK / "venv"
        if "install" in steps:
            run.step("venv", sys.executable, "-m", "venv", "--clear", venv)
        python = venv / "Scripts" / "python.exe"
    if "install" in steps:
        run.step(
            "install",
            python,
            "-m",
            "pip",
            "install",
            "--force-reinstall",
            args.wheel.resolve(),
            *pins("pytest", "pytest-timeout"),
            "colorama",
        )
    # Outside the checkout, so that the package comes from the installed wheel.
    env = {k: v for k, v in os.environ.items() if k not in ("NAPI_HOSTD", "NAPI_PYTHON_TEST_MODE", "PYTHONPATH")}
    if "smoke" in steps:
        run.step("smoke", python, ROOT / "tests" / "installed" / "smoke.py", args.addons.resolve(), cwd=WORK, env=env)
    if "suite" in steps:
        where = ROOT / "build" / "windows" / "addons"
        if args.addons.resolve() != where.resolve():
            shutil.copytree(args.addons, where, dirs_exist_ok=True)
        files = suite_files()
        for mode in ("isolated", "inprocess"):
            mode_env = {**env, "NAPI_PYTHON_TEST_MODE": mode}
            run.step(f"suite {mode}", python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files, env=mode_env)
    if run.failed:
        print(f"failed: {', '.join(run.failed)}; the logs are in {WORK}")
        return 1
    print(f"all passed; the logs are in {WORK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
