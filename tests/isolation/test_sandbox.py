"""The sandbox (addon: addons/c/sandbox.c): sandboxed, an addon reaches no network,
starts no process, neither traces nor signals other processes, uses no io_uring, and reads or
writes nothing outside its allow-list, including from code that runs while it loads. Each probe
is first run unsandboxed, to show that it works and that the denial is the sandbox's doing.

Needs Landlock ABI 6 or later (Linux 6.12) and seccomp; on a kernel without them the host
cannot confine itself and these tests are skipped with the reason.
"""

from __future__ import annotations

import ctypes
import os
import socket

import pytest
from conftest import addon_path

import napi_python
from napi_python import AddonLoadError, Host, Sandbox, SandboxUnavailableError, load_addon


def _sandbox_available() -> str | None:
    try:
        with load_addon(addon_path("sandbox"), sandbox=True) as probe:
            probe.add(1, 1)
    except SandboxUnavailableError as e:
        return str(e)
    return None


_UNAVAILABLE = _sandbox_available()
pytestmark = [
    pytest.mark.skipif(_UNAVAILABLE is not None, reason=f"no sandbox on this kernel: {_UNAVAILABLE}"),
    pytest.mark.isolated_only,
]


@pytest.fixture
def free(load):
    return load("sandbox")


@pytest.fixture
def boxed(load):
    return load("sandbox", sandbox=True)


@pytest.fixture
def unix_listener(tmp_path):
    path = str(tmp_path / "listener.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)
        s.listen(1)
        yield path


def test_the_handshake_reports_every_protection(boxed):
    assert {
        "seccomp",
        "landlock_filesystem",
        "landlock_network",
        "landlock_scopes",
        "no_capabilities",
        "no_new_privs",
    } <= set(napi_python.addon_info(boxed).protections)


def test_calls_work_in_the_sandbox(boxed):
    assert boxed.add(2, 3) == 5
    assert boxed.thread() == "ok"


@pytest.mark.parametrize("probe", ["tcp", "udp"])
def test_no_network(free, boxed, probe):
    assert getattr(free, probe)() == "ok"
    assert getattr(boxed, probe)() == "EPERM"


def test_no_pathname_unix_sockets(free, boxed, unix_listener):
    assert free.unixPath(unix_listener) == "ok"
    assert boxed.unixPath(unix_listener) == "EPERM"


def test_no_new_processes(free, boxed):
    assert free.fork() == "ok"
    assert boxed.fork() == "EPERM"
    assert boxed.exec() == "EPERM"
    assert boxed.add(1, 1) == 2  # still the same, live host


def test_no_ptrace_or_signals_to_other_processes(free, boxed, load):
    other = load("sandbox")
    assert free.kill(napi_python.addon_info(other).pid) == "ok"
    assert boxed.kill(napi_python.addon_info(other).pid) == "EPERM"
    assert boxed.kill(os.getpid()) == "EPERM"
    assert boxed.ptrace(napi_python.addon_info(other).pid) == "EPERM"


def test_no_io_uring(free, boxed):
    assert free.ioUring() == "ok"
    assert boxed.ioUring() == "EPERM"


def test_reads_only_its_own_directory_and_system_libraries(free, boxed, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    assert free.readFile(str(outside)) == "ok"
    assert boxed.readFile(str(outside)) == "EACCES"
    assert boxed.readFile("/etc/hostname") == "EACCES"
    assert boxed.readFile(addon_path("sandbox")) == "ok"
    assert boxed.readFile("/etc/ld.so.cache") == "ok"


def test_writes_nowhere_by_default(free, boxed, tmp_path):
    assert free.writeFile(str(tmp_path / "a")) == "ok"
    assert boxed.writeFile(str(tmp_path / "b")) == "EACCES"
    assert boxed.writeFile(os.path.join(os.path.dirname(addon_path("sandbox")), "c")) == "EACCES"


def test_the_allow_list_is_configurable(load, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "data").write_text("x")
    box = load("sandbox", sandbox=Sandbox(write=[str(tmp_path / "in")]))
    assert box.readFile(str(tmp_path / "in" / "data")) == "ok"
    assert box.writeFile(str(tmp_path / "in" / "new")) == "ok"
    assert box.writeFile(str(tmp_path / "elsewhere")) == "EACCES"


def test_code_that_runs_while_the_library_loads_is_confined(load, tmp_path):
    target = str(tmp_path / "written-at-load")
    free = load("sandbox", env={"NAPI_TEST_LOAD_PROBE": target})
    assert free.loadTimeWrite() == "ok"
    os.unlink(target)
    boxed = load("sandbox", sandbox=True, env={"NAPI_TEST_LOAD_PROBE": target})
    assert boxed.loadTimeWrite() == "EACCES"
    assert not os.path.exists(target)


def test_a_required_protection_that_is_missing_refuses_the_load(load):
    with pytest.raises(SandboxUnavailableError) as info:
        load("sandbox", sandbox=Sandbox(require=["landlock_filesystem", "a_protection_no_host_has"]))
    assert info.value.missing == ["a_protection_no_host_has"]


def test_a_shared_host_reads_the_directories_it_was_given(tmp_path):
    # A Host is made before its addons are known: they must live beneath Sandbox(read=...).
    addons = os.path.dirname(addon_path("sandbox"))
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    with Host(sandbox=Sandbox(read=[addons])) as h:
        p, c = h.load(addon_path("hosts_provider")), h.load(addon_path("hosts_consumer"))
        boxed = h.load(addon_path("sandbox"))
        assert c.thingName(p.makeThing("boxed")) == "boxed"
        assert boxed.readFile(str(secret)) == "EACCES"
        assert boxed.fork() == "EPERM"


def test_a_shared_host_refuses_an_addon_outside_what_it_may_read():
    with Host(sandbox=True) as h:
        with pytest.raises(AddonLoadError, match=r"outside what this host's sandbox may read.*Sandbox\(read="):
            h.load(addon_path("sandbox"))


# The holes an attack found. Each probe changes something to what it already is, so
# that it is harmless where it works (unsandboxed, shown first).


@pytest.mark.parametrize("probe", ["chmod", "chown", "utimes", "setxattr"])
def test_no_metadata_changes_outside_the_allow_list(free, boxed, tmp_path, probe):
    target = tmp_path / "theirs.txt"
    target.write_text("x")
    assert getattr(free, probe)(str(target)) == "ok"
    assert getattr(boxed, probe)(str(target)) == "EPERM"


@pytest.mark.parametrize("probe", ["prlimit", "setpriority", "setaffinity"])
def test_no_limits_priorities_or_cpus_of_other_processes(free, boxed, load, probe):
    other = load("sandbox")
    assert getattr(free, probe)(napi_python.addon_info(other).pid) == "ok"
    assert getattr(boxed, probe)(napi_python.addon_info(other).pid) == "EPERM"
    assert getattr(boxed, probe)(os.getpid()) == "EPERM"
    # Its own, still.
    assert getattr(boxed, probe)(0) == "ok"


@pytest.fixture
def sysv_segment():
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_private, ipc_creat, ipc_rmid = 0, 0o1000, 0
    shmid = libc.shmget(ipc_private, 4096, ipc_creat | 0o600)
    assert shmid >= 0, os.strerror(ctypes.get_errno())
    yield shmid
    libc.shmctl(shmid, ipc_rmid, None)


def test_no_sysv_shared_memory(free, boxed, sysv_segment):
    assert free.shmat(sysv_segment) == "ok"
    assert boxed.shmat(sysv_segment) == "EPERM"


def test_no_datagrams_to_pathname_sockets_through_a_socket_pair(free, boxed, tmp_path):
    path = str(tmp_path / "dgram.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind(path)
        assert free.datagramTo(path) == "ok"
        assert s.recv(1) == b"x"
        assert boxed.datagramTo(path) == "EPERM"


def test_no_file_watches(free, boxed, tmp_path):
    assert free.inotify(str(tmp_path)) == "ok"
    assert boxed.inotify(str(tmp_path)) == "EPERM"


def test_no_device_nodes_even_in_a_write_directory(load, free, tmp_path):
    assert free.mknod(str(tmp_path / "free-node")) == "ok"
    box = load("sandbox", sandbox=Sandbox(write=[str(tmp_path)]))
    assert box.writeFile(str(tmp_path / "plain")) == "ok"
    # seccomp refuses it before Landlock would (Linux 7.2 for arm64 let Landlock's rule pass it).
    assert box.mknod(str(tmp_path / "boxed-node")) == "EPERM"


def test_no_threads_in_new_namespaces(free, boxed):
    if os.geteuid() == 0:
        # Without privileges the kernel refuses it anyway.
        assert free.namespaceThread() == "ok"
    assert boxed.namespaceThread() == "EPERM"
    assert boxed.thread() == "ok"


def _capability_sets(status: str) -> dict[str, int]:
    return {line.split(":")[0]: int(line.split(":")[1], 16) for line in status.splitlines()}


def test_no_capabilities(free, boxed):
    boxed_caps = _capability_sets(boxed.capabilities())
    assert boxed_caps["CapEff"] == boxed_caps["CapPrm"] == boxed_caps["CapInh"] == boxed_caps["CapAmb"] == 0
    if os.geteuid() == 0:
        # Root: everything held unsandboxed; the bounding set emptied in the sandbox.
        assert _capability_sets(free.capabilities())["CapEff"] != 0
        assert boxed_caps["CapBnd"] == 0
