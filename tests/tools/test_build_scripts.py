"""The build scripts of a checkout: a cross build keeps its outputs to places of its own (the
checkout's own package keeps the host it runs), and two builds of one checkout do not run at
once (scripts/build-lock). Each runs the real scripts in a copy of the checkout's scripts/ whose
cross-build root is a tiny one made here (a shell, `env` and their libraries from this machine):
the binds, the lock and the namespaces are scripts/arm64's and scripts/sid-root's own."""

import fcntl
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("arm64", "sid-root", "build-lock", "cargo-cache", "wheels", "node-tests", "stamp.sh")
BUNDLED = Path("client-py/python/napi_python/bin/napi-hostd")

pytestmark = [
    pytest.mark.either_mode,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("unshare") or not Path("/usr/include/node").is_dir(),
        reason="the cross-build root is entered as root (chroot, mounts), with node's headers bound in",
    ),
]


def tiny_root(root: Path) -> None:
    """A root holding what scripts/sid-root's `run` needs to run `env sh -c ...`: this machine's
    sh and env with the libraries each links, at the paths this machine has them."""
    files = set()
    for program in ("sh", "env"):
        path = shutil.which(program)
        assert path, f"no {program} on PATH"
        files.add(path)
        linked = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
        files.update(re.findall(r"(/\S+) \(0x", linked))
    for file in files:
        copy = root / file.lstrip("/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.realpath(file), copy)
    for program in ("sh", "env"):
        for folder in ("bin", "usr/bin"):
            (root / folder).mkdir(parents=True, exist_ok=True)
            if not (root / folder / program).exists():
                shutil.copy(os.path.realpath(shutil.which(program) or ""), root / folder / program)
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/resolv.conf").touch()
    (root / ".made").write_text("a tiny root made by tests/tools/test_build_scripts.py\n")


@pytest.fixture
def checkout(tmp_path):
    """A checkout with the real build scripts, its own package's host (a file saying which) and
    a tiny cross-build root."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    for name in SCRIPTS:
        shutil.copy2(ROOT / "scripts" / name, checkout / "scripts" / name)
    (checkout / BUNDLED).parent.mkdir(parents=True)
    (checkout / BUNDLED).write_text("the x86-64 host\n")
    tiny_workspace(checkout)
    tiny_root(checkout / "build/sid-cross")
    return checkout


def tiny_workspace(checkout: Path) -> None:
    """A one-crate workspace: what scripts/cargo-cache reads of a checkout (its crates, Cargo.lock)."""
    (checkout / "src").mkdir(parents=True, exist_ok=True)
    (checkout / "src/lib.rs").write_text("")
    (checkout / "Cargo.toml").write_text('[package]\nname = "tiny-crate"\nversion = "0.1.0"\nedition = "2021"\n')
    (checkout / "Cargo.lock").write_text("version = 4\n")


def script_env(cache: Path) -> dict[str, str]:
    """The environment the scripts run with: no lock held, a cache folder of the test's own."""
    held = ("NAPI_PYTHON_BUILD_LOCK", "NAPI_PYTHON_CARGO_CACHE")
    return {**{k: v for k, v in os.environ.items() if k not in held}, "NAPI_PYTHON_CACHE": str(cache)}


def run(checkout: Path, *command: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = script_env(checkout.parent / "cache")
    return subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=60, **kwargs)


# What a cross build of the extension does to the package's folder: its build script puts the
# host it bundles there (client-py/buildscript/bundle_hostd.rs). Then it says so and waits for a
# line: the test looks at the checkout while the build is under way.
BUNDLE = f"printf 'the arm64 host\\n' > {BUNDLED} && echo bundled && read line"


def cross_build(checkout: Path, *options: str) -> subprocess.Popen[str]:
    """A cross build started in the checkout, in a session of its own, once it bundled its host."""
    env = script_env(checkout.parent / "cache")
    command = ("scripts/arm64", "cross", *options, "sh", "-c", BUNDLE)
    build = subprocess.Popen(
        command, cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert build.stdout
    assert build.stdout.readline() == "bundled\n"
    return build


@pytest.mark.parametrize("profile", [None, "dist"])
def test_a_cross_build_bundles_its_host_in_a_folder_of_its_own_not_the_checkouts(checkout, profile):
    options = ("--profile", profile) if profile else ()
    with cross_build(checkout, *options) as build:
        # Meanwhile the checkout's own package runs the host it had.
        assert (checkout / BUNDLED).read_text() == "the x86-64 host\n"
        build.communicate("go on\n", timeout=60)
    assert build.returncode == 0
    assert (checkout / BUNDLED).read_text() == "the x86-64 host\n"
    bundled = checkout / "build/arm64/bundled" / (profile or "release") / "napi-hostd"
    assert bundled.read_text() == "the arm64 host\n"


def test_a_cross_build_interrupted_by_ctrl_c_leaves_the_checkouts_host(checkout):
    with cross_build(checkout) as build:
        os.killpg(build.pid, signal.SIGINT)
        build.communicate(timeout=60)
    assert build.returncode != 0
    assert (checkout / BUNDLED).read_text() == "the x86-64 host\n"


def held(checkout: Path):
    """The checkout's build lock, taken as scripts/build-lock takes it (flock on build/.build-lock)."""
    (checkout / "build").mkdir(exist_ok=True)
    lock = open(checkout / "build/.build-lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def started_waiting(checkout: Path, *command: str) -> subprocess.Popen[str]:
    """`command` started in the checkout, once it said it waits for the build lock."""
    env = script_env(checkout.parent / "cache")
    process = subprocess.Popen(command, cwd=checkout, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr
    line = process.stderr.readline()
    assert "waiting for another build of" in line, line
    return process


def test_a_second_cross_build_waits_for_the_first(checkout):
    lock = held(checkout)
    command = ("scripts/arm64", "cross", "sh", "-c", f"printf 'the arm64 host\\n' > {BUNDLED}")
    with started_waiting(checkout, *command) as process:
        try:
            # It waits in flock: nothing of it ran.
            assert not (checkout / "build/arm64/bundled").exists()
            assert process.poll() is None
        finally:
            lock.close()
        assert process.communicate(timeout=60)[1] == ""
        assert process.returncode == 0
    assert (checkout / "build/arm64/bundled/release/napi-hostd").read_text() == "the arm64 host\n"


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (("scripts/wheels", "--arch", "sparc"), "--arch takes x86_64 or aarch64"),
        (("scripts/node-tests", "--arch", "sparc"), "--arch takes x64 or arm64"),
    ],
)
def test_each_build_waits_for_the_lock_before_it_does_anything(checkout, command, refusal):
    lock = held(checkout)
    with started_waiting(checkout, *command) as process:
        lock.close()
        rest = process.communicate(timeout=60)[1]
    assert process.returncode == 2
    assert refusal in rest


def test_a_build_run_by_a_build_under_the_lock_does_not_wait_for_it(checkout):
    """scripts/test, scripts/wheels and scripts/arm64 setup run the other builds while they hold
    the lock: those take it as theirs."""
    done = run(checkout, "scripts/build-lock", "scripts/node-tests", "--arch", "sparc")
    assert done.returncode == 2
    assert "waiting" not in done.stderr
    assert "--arch takes x64 or arm64" in done.stderr


def dispatched_commands(script: str) -> list[str]:
    """The commands `scripts/SCRIPT` dispatches: the words of its last `case ${1:-} in`."""
    source = (ROOT / "scripts" / script).read_text()
    dispatch = source[source.rindex("\ncase ${1:-} in") :]
    return re.findall(r"^  ([a-z][a-z-]*)\)", dispatch, re.MULTILINE)


@pytest.mark.parametrize("script", ["windows", "macos"])
def test_each_command_of_a_cross_script_is_in_its_usage(script):
    commands = dispatched_commands(script)
    assert "clippy" in commands
    shown = subprocess.run([ROOT / "scripts" / script, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    for command in commands:
        assert re.search(rf"^  scripts/{script} {command}\b", shown.stderr, re.MULTILINE), (command, shown.stderr)
    wrong = subprocess.run([ROOT / "scripts" / script, "lint"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2
    assert wrong.stderr == shown.stderr
