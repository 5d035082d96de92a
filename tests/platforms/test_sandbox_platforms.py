"""`sandbox=` where no sandbox has been tested: on Windows it is refused, on
macOS unless the user accepts the untested Seatbelt profile, and on any other OS but Linux;
refused with the reason, before a host starts. The OS is faked (`machine.this_os`, the one
place the package asks), the host is a script that records each start and its arguments."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from conftest import addon_path

from napi_python import Host, Sandbox, SandboxUnavailableError, hostd_path, load_addon, machine
from napi_python.inspection import inspect_addon

SANDBOXES = [True, Sandbox(), Sandbox(confine=False, memory=1 << 30), Sandbox(read=["/tmp"], require=False)]


@pytest.fixture
def started(tmp_path, monkeypatch) -> Path:
    """The file a fake napi-hostd ($NAPI_HOSTD) appends its arguments to each time it starts,
    then exits; empty while no host started."""
    record = tmp_path / "starts"
    record.touch()
    hostd = tmp_path / "napi-hostd"
    hostd.write_text(f'#!/bin/sh\necho "$@" >> "{record}"\n')
    hostd.chmod(hostd.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("NAPI_HOSTD", str(hostd))
    return record


def fake_os(monkeypatch, name: str) -> None:
    monkeypatch.setattr(machine, "this_os", lambda: name)


@pytest.mark.parametrize("sandbox", [*SANDBOXES, Sandbox(untested_seatbelt=True)])
def test_windows_refuses_every_sandbox_saying_why_before_any_host_starts(monkeypatch, started, sandbox):
    fake_os(monkeypatch, "win32")
    with pytest.raises(SandboxUnavailableError) as raised:
        load_addon(addon_path("values"), sandbox=sandbox)
    message = str(raised.value)
    assert "refused on Windows" in message and "wine" in message
    for need in ("restricted token", "AppContainer", "job object"):
        assert need in message
    with pytest.raises(SandboxUnavailableError, match="refused on Windows"):
        Host(sandbox=sandbox)
    assert started.read_text() == ""


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_macos_refuses_a_sandbox_unless_the_untested_profile_is_accepted(monkeypatch, started, sandbox):
    fake_os(monkeypatch, "darwin")
    with pytest.raises(SandboxUnavailableError, match=r"not yet run on a Mac.*Sandbox\(untested_seatbelt=True\)"):
        load_addon(addon_path("values"), sandbox=sandbox)
    assert started.read_text() == ""


def test_on_macos_the_accepted_profile_reaches_the_host_as_a_flag(monkeypatch, started):
    fake_os(monkeypatch, "darwin")
    box = Sandbox(untested_seatbelt=True, memory=1 << 30)
    # The fake host exits at once: the load fails, after the host was started with the flag.
    with pytest.raises(SandboxUnavailableError, match="could not set up the sandbox"):
        load_addon(addon_path("values"), sandbox=box)
    args = started.read_text().split()
    assert {"--sandbox-untested-seatbelt", "--sandbox", "--memory"} <= set(args)
    assert box.required() == ["seatbelt", "memory_limit"]


def test_linux_never_hears_of_seatbelt(monkeypatch):
    fake_os(monkeypatch, "linux")
    args = Sandbox(untested_seatbelt=True).host_args()
    assert args[0] == "--sandbox" and "--sandbox-untested-seatbelt" not in args
    Sandbox().check_platform()
    assert "seccomp" in Sandbox(untested_seatbelt=True).required()


def test_an_os_without_a_sandbox_refuses_it(monkeypatch, started):
    fake_os(monkeypatch, "freebsd")
    with pytest.raises(SandboxUnavailableError, match="refused on freebsd: napi-python has no sandbox for it"):
        load_addon(addon_path("values"), sandbox=True)
    assert started.read_text() == ""


def test_no_sandbox_asked_for_is_never_refused(monkeypatch, started):
    """Only `sandbox=` is refused: a host without one starts on any OS (here the fake host,
    which exits at once)."""
    fake_os(monkeypatch, "win32")
    with pytest.raises(Exception, match="napi-hostd"):
        load_addon(addon_path("values"), sandbox=False)
    (args,) = started.read_text().splitlines()
    assert "--sandbox" not in args.split()


@pytest.mark.parametrize(
    "platform, name", [("linux", "linux"), ("darwin", "darwin"), ("win32", "win32"), ("freebsd14", "freebsd")]
)
def test_this_os_names_the_os_as_node_does(monkeypatch, platform, name):
    monkeypatch.setattr(sys, "platform", platform)
    assert machine.this_os() == name


def test_inspect_says_how_to_load_unconfined_where_the_sandbox_is_refused(monkeypatch):
    """(inspect reads the real host's exports: no fake host here.) A faked macOS, which loads an
    ELF addon as it loads Mach-O ones and refuses the default sandbox; a faked Windows inspects
    only Windows DLLs, where test_pe.py checks the same refusal under wine."""
    monkeypatch.setenv("NAPI_HOSTD", hostd_path())
    fake_os(monkeypatch, "darwin")
    load = inspect_addon(addon_path("values"))["load"]
    assert not load["loaded"] and "macOS" in load["error"] and "--no-sandbox" in load["error"], load
