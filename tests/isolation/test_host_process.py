"""Defaults for every host (addon: addons/c/isolation.c): its output reaches Python
(`sys.stdout`/`sys.stderr`, or `logging`) without ever blocking it, nothing it started survives its teardown, it dies with the
Python process, it may not dump core or gain privileges, and it holds only the descriptors it
needs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import addon_path, gone

import napi_python
from napi_python import AddonCrashedError, Sandbox, _native, hostd_path

# What this module checks is the host process's own behaviour.
pytestmark = pytest.mark.isolated_only


def status_field(pid: int, name: str) -> str:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    raise KeyError(name)


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except FileNotFoundError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = {int(c) for c in f.read().split()}
            except FileNotFoundError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def test_output_reaches_logging_when_asked(load, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    addon = load("isolation", output="logging")
    addon.say("hello from stdout", False)
    addon.say("hello from stderr", True)
    napi_python.close(addon)  # the streams end with the host; every line is logged by then
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len([r for r in caplog.records if "hello from" in r.getMessage()]) < 2:
        time.sleep(0.01)
    levels = {r.getMessage().rsplit(": ", 1)[1]: r.levelno for r in caplog.records if "hello from" in r.getMessage()}
    assert levels == {"hello from stdout": logging.INFO, "hello from stderr": logging.WARNING}


def spewed(total: int) -> int:
    """The bytes isolation.c's spew(total) writes: whole lines until `total` is reached."""
    written = line = 0
    while written < total:
        written += len(f"spew line {line} {'.' * 48}\n")
        line += 1
    return written


@pytest.mark.parametrize("to_stderr", [False, True])
def test_100_mib_of_output_never_blocks_the_host(load, caplog, to_stderr):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    addon = load("isolation", output="logging")
    assert addon.spew(100 * 2**20, to_stderr) == spewed(100 * 2**20)  # every write went through
    assert addon.add(1, 2) == 3
    napi_python.close(addon)
    lines = [r for r in caplog.records if r.name == "napi_python.host"]
    # Capped: far fewer records than the 1.5 million lines written, and the drop is said.
    assert 0 < len(lines) < 200_000
    assert any("lines dropped" in r.getMessage() for r in lines)


def test_every_host_is_in_its_own_process_group_with_the_default_protections(load):
    addon = load("isolation")
    assert os.getpgid(napi_python.addon_info(addon).pid) == napi_python.addon_info(addon).pid
    assert {"no_core_dumps", "no_new_privs", "subreaper"} <= set(napi_python.addon_info(addon).protections)
    assert status_field(napi_python.addon_info(addon).pid, "NoNewPrivs") == "1"
    with open(f"/proc/{napi_python.addon_info(addon).pid}/limits") as f:
        core = next(line for line in f if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]


def test_the_host_holds_only_the_descriptors_it_needs(load):
    leaked = os.open("/dev/null", os.O_RDONLY)
    os.set_inheritable(leaked, True)
    try:
        addon = load("isolation")
        fds = {int(fd) for fd in os.listdir(f"/proc/{napi_python.addon_info(addon).pid}/fd")}
    finally:
        os.close(leaked)
    # 0-2, then the host's own: its socket (moved above 255, D108), the placeholders that fill the
    # numbers below, eventfds and the like; none of Python's.
    assert {0, 1, 2, 3} <= fds
    targets = {os.readlink(f"/proc/{napi_python.addon_info(addon).pid}/fd/{fd}") for fd in fds if fd > 3}
    assert "/dev/null" not in targets


def pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_nothing_a_fork_bomb_started_survives_the_teardown(load):
    addon = load("isolation")
    host = napi_python.addon_info(addon).pid
    assert addon.forkBomb(20) == 20
    # The bomb goes on forking after the call returns; wait until some of it has left the
    # process group (setsid, as daemons do), which a group kill alone would miss.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tree = descendants(host)
        if len(tree) >= 40 and sum(pgid(p) not in (host, None) for p in tree) >= 10:
            break
        time.sleep(0.01)
    else:
        pytest.fail(f"the bomb did not spread: {len(tree)} processes")
    napi_python.close(addon)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(gone(p) for p in tree):
        time.sleep(0.01)
    assert [p for p in tree if not gone(p)] == []


def assert_ends_soon(host: int) -> None:
    """The host is gone within 10 s of Python's death (polled: the kernel tells no one else)."""
    deadline = time.monotonic() + 10
    while not gone(host):
        assert time.monotonic() < deadline, "the host outlived Python"
        time.sleep(0.001)


def test_the_host_ends_when_python_is_killed_with_calls_pending(tmp_path):
    """By its parent-death signal (within 100 ms: tests/bench/bench_faults.py)."""
    script = textwrap.dedent(
        f"""
        import sys, threading
        from napi_python import addon_info, load_addon
        addon = load_addon({addon_path("isolation")!r})
        threading.Thread(target=addon.pause, daemon=True).start()
        print(addon_info(addon).pid, flush=True)
        threading.Event().wait()
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        host = int(proc.stdout.readline())
        assert not gone(host)
        proc.kill()
    assert_ends_soon(host)


def test_the_host_ends_when_python_is_killed_while_the_connection_stays_open(tmp_path):
    """The parent-death signal alone (the host arms it itself): a forked child of Python
    keeps the sockets open, so the host sees no hang-up and its watchdog stays quiet."""
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from napi_python import addon_info, load_addon
        addon = load_addon({addon_path("isolation")!r})
        def socket(fd):
            try:
                return os.readlink(f"/proc/self/fd/{{fd}}").startswith("socket:")
            except FileNotFoundError:  # the one listing the directory
                return False
        kept = [os.dup(int(fd)) for fd in os.listdir("/proc/self/fd") if socket(fd)]
        child = os.fork()
        if child == 0:
            time.sleep(60)
            os._exit(0)
        print(addon_info(addon).pid, child, flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        host, child = map(int, proc.stdout.readline().split())
        try:
            assert not gone(host)
            proc.kill()
            assert_ends_soon(host)
            assert not gone(child), "the sockets were not kept open"
        finally:
            os.kill(child, signal.SIGKILL)


def test_a_host_whose_client_died_as_it_started_exits():
    """`--parent`: a host started by a client that is gone by the time it arms its parent-death
    signal (its parent is then another process) exits at once."""
    someone_else = os.getppid()
    done = subprocess.run(
        [hostd_path(), "--ring", "5", "--parent", str(someone_else)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"the client (pid {someone_else}) exited while napi-hostd started" in done.stderr


@pytest.mark.parametrize(
    ("program", "why"), [("/nonexistent/napi-hostd", "No such file"), ("/etc/passwd", "Permission denied")]
)
def test_a_host_binary_that_cannot_run_says_why(program, why):
    """posix_spawn reports the child's failed exec to the caller."""
    with pytest.raises(OSError, match=f"cannot start {program}: {why}"):
        _native.Connection.spawn(program)


def tasks() -> int:
    return len(os.listdir("/proc/self/task"))


def descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_each_further_host_costs_python_one_thread_and_four_descriptors(load):
    """Python's side of an isolated host (README, Limits): its event dispatcher, and its
    two sockets and the pipes of its stdout and stderr. Starting hosts, reading their output
    and forwarding it are a thread each for all of them, there from the first host on."""
    load("isolation")
    threads_before, descriptors_before = tasks(), descriptors()
    for _ in range(20):
        load("isolation")
    assert tasks() - threads_before <= 20
    assert descriptors() - descriptors_before <= 4 * 20


def test_the_last_lines_of_every_host_are_forwarded_when_close_returns(load, caplog):
    """One thread forwards the output of every host; `close` still returns only once its
    host's last lines are out."""
    caplog.set_level(logging.INFO, logger="napi_python.host")
    addons = [load("isolation", output="logging") for _ in range(8)]
    for i, addon in enumerate(addons):
        addon.say(f"last words of host {i}", i % 2 == 1)
    for addon in addons:
        napi_python.close(addon)
    # Each host's forwarding ended with it, even where its last lines and its end were read
    # together (the forwarder looks again after every batch).
    assert all(napi_python.addon_info(addon).host._output_done.wait(10) for addon in addons)
    said = sorted(r.getMessage().rsplit(": ", 1)[1] for r in caplog.records if "last words" in r.getMessage())
    assert said == sorted(f"last words of host {i}" for i in range(8))


def test_a_malloc_bomb_under_a_memory_limit_names_the_limit(load):
    addon = load("isolation", sandbox=Sandbox(confine=False, memory=256 * 2**20), restart=False)
    assert "memory_limit" in napi_python.addon_info(addon).protections
    with pytest.raises(AddonCrashedError) as info:
        addon.mallocBomb(4096)
    assert info.value.limit == "memory"
    assert "memory limit of 256 MiB" in str(info.value)


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for napi-hostd")
def test_a_host_slower_to_start_than_the_call_timeout_still_starts(tmp_path, monkeypatch):
    """The call timeout bounds calls, not the host's start: a host that takes longer than it to
    greet (a loaded machine, wine, an emulator) starts all the same, and a call that outlasts the
    timeout still ends in `AddonTimeoutError`."""
    wrapper = tmp_path / "slow-napi-hostd"
    wrapper.write_text(f'#!/bin/sh\nsleep 1\nexec "{hostd_path()}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("NAPI_HOSTD", str(wrapper))
    host = napi_python.Host(isolated=True, timeout=0.3)
    try:
        addon = host.load(addon_path("isolation"))
        assert addon.add(20, 22) == 42
        with pytest.raises(napi_python.AddonTimeoutError):
            addon.pause()
    finally:
        host.close()
