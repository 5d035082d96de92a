"""`load_addon(path, setup=fn)`: what the program does to an addon after loading it
(an `initialize(...)`, a library to open, types to declare) is run again whenever a restart
loads the addon into a fresh process, before any other call reaches it; a setup that raises is
an `AddonSetupError`, never a silently unconfigured addon (addons: addons/c/isolation.c, which
crashes on demand; koffi's own, whose declared types live in its host, are in test_koffi.py)."""

from __future__ import annotations

import pickle
import sys
import threading
import time
import warnings

import pytest
from conftest import IN_PROCESS, INSTALL_NPM, NPM, addon_path, fresh_copy, load_in_mode
from processes import assert_no_host_left, host_children

import napi_python
from napi_python import AddonCrashedError, AddonLoadError, AddonPool, AddonSetupError, Host, js, load_addon, require

ISOLATION = addon_path("isolation")


def mark_configured(addon) -> None:
    """A setup that leaves a mark in the host's heap (picklable: module-level)."""
    js.set(js.global_this(addon), "configured", js.object(addon, by="setup"))


def configured(addon) -> bool:
    return js.has(js.global_this(addon), "configured")


def test_setup_runs_before_load_addon_returns_in_either_mode():
    calls = []

    def setup(addon):
        calls.append(addon)
        mark_configured(addon)

    addon = load_in_mode(ISOLATION, setup=setup)
    try:
        assert calls == [addon]
        assert configured(addon)
    finally:
        napi_python.close(addon)


@pytest.mark.isolated_only
def test_a_restart_after_a_crash_replays_the_setup_before_the_call_that_restarted_it(load):
    events = []

    def setup(addon):
        events.append(("setup", addon.hostPid()))
        mark_configured(addon)

    addon = load("isolation", setup=setup)
    first = addon.hostPid()
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    # The call that finds the host down restarts it; the setup runs first, in the new process.
    addon.call(lambda: events.append(("call", addon.hostPid())))
    second = addon.hostPid()
    assert second != first
    assert events == [("setup", first), ("setup", second), ("call", second)]
    assert configured(addon)


@pytest.mark.isolated_only
def test_a_timeout_restart_replays_it_too(load):
    runs = []
    addon = load("isolation", timeout=1.0, setup=lambda a: runs.append(a.hostPid()))
    with pytest.raises(napi_python.AddonTimeoutError):
        addon.pause()
    assert addon.add(1, 2) == 3
    assert runs == [runs[0], addon.hostPid()] and runs[0] != runs[1]


@pytest.mark.isolated_only
def test_without_a_setup_a_restart_loses_what_the_program_did(load):
    # The defect the setup answers: the fresh host knows nothing of the old one's state.
    addon = load("isolation")
    mark_configured(addon)
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    assert not configured(addon)


def test_a_setup_that_raises_is_an_error_and_leaves_no_process():
    before = host_children()

    def setup(addon):
        raise RuntimeError("no database file")

    with pytest.raises(
        AddonSetupError, match=r"the setup of isolation\.node failed after loading it: RuntimeError: no database file"
    ) as info:
        load_in_mode(ISOLATION, setup=setup)
    assert isinstance(info.value, AddonLoadError)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert_no_host_left(before)


@pytest.mark.isolated_only
def test_a_setup_that_fails_after_a_restart_fails_the_call_and_the_next_call_tries_again(load):
    failing = [False]

    def setup(addon):
        mark_configured(addon)
        if failing[0]:
            raise OSError("the library is gone")

    addon = load("isolation", setup=setup)
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    failing[0] = True
    with pytest.raises(AddonSetupError, match="after a restart loaded it again: OSError: the library is gone"):
        addon.add(1, 2)
    failing[0] = False
    assert addon.add(1, 2) == 3  # a restart of its own, set up this time
    assert configured(addon)


def test_a_setup_must_be_callable():
    with pytest.raises(TypeError, match="setup must be a callable that takes the addon, not str"):
        load_in_mode(ISOLATION, setup="initialize")


@pytest.mark.isolated_only
def test_each_addon_of_a_host_is_set_up_again_in_load_order():
    order = []
    with Host() as host:
        a = host.load(ISOLATION, setup=lambda addon: order.append("isolation"))
        b = host.load(addon_path("values"), setup=lambda addon: order.append("values"))
        with pytest.raises(AddonCrashedError):
            a.exitZero()
        assert b.toInt32(7) == [0, 7]  # (status, value); either addon's next use restarts them both
    assert order == ["isolation", "values", "isolation", "values"]


@pytest.mark.isolated_only
def test_every_member_of_a_pool_and_every_replacement_is_set_up():
    pids = []
    with AddonPool(ISOLATION, size=2, restart=False, setup=lambda a: pids.append(a.hostPid())) as pool:
        assert len(set(pids)) == 2
        with pytest.raises(AddonCrashedError):
            pool.submit("exitZero").result()
        assert sorted(pool.map("add", [1, 2, 3], [1, 1, 1])) == [2, 3, 4]
    assert len(set(pids)) == 3


@pytest.mark.isolated_only
def test_an_addon_pickles_with_its_setup():
    with load_addon(ISOLATION, setup=mark_configured) as addon:
        with pickle.loads(pickle.dumps(addon)) as copy:
            assert configured(copy)
            assert napi_python.addon_info(copy).pid != napi_python.addon_info(addon).pid


@pytest.mark.needs_input((NPM / "node_modules").is_dir(), f"{NPM}/node_modules is absent: run {INSTALL_NPM}")
def test_require_passes_the_setup_on():
    seen = []
    crc = require("@node-rs/crc32", paths=[str(NPM)], setup=seen.append, isolated=not IN_PROCESS)
    with crc:
        assert seen == [crc]
        assert crc.crc32c(b"hello") == 2591144780


def test_a_failed_setup_in_a_shared_host_closes_that_handle_only():
    with Host(isolated=not IN_PROCESS) as host:
        other = host.load(fresh_copy(ISOLATION) if IN_PROCESS else ISOLATION)
        with pytest.raises(AddonSetupError):
            host.load(addon_path("values"), setup=lambda addon: addon.noSuchExport())
        assert host.alive and other.add(1, 2) == 3
        assert [napi_python.addon_info(a).path for a in host.addons] == [napi_python.addon_info(other).path]


@pytest.mark.isolated_only
def test_a_forked_child_sets_up_the_host_of_its_own(load):
    from test_fork import in_child

    with warnings.catch_warnings():  # a fork with threads is what is tested
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        addon = load("isolation", setup=mark_configured)
        parent = addon.hostPid()
        answer = in_child(lambda: (addon.hostPid() != parent, configured(addon)))
    assert answer == "(True, True)"


def waiting_in(thread: threading.Thread, function: str) -> bool:
    """Whether ``thread`` is inside ``function`` now (its innermost Python frame)."""
    frame = sys._current_frames().get(thread.ident or -1)
    return frame is not None and frame.f_code.co_name == function


@pytest.mark.isolated_only
def test_another_threads_call_waits_for_the_setup_of_a_restarted_host(load):
    events = []
    other = threading.Thread(target=lambda: events.append(("other", addon.add(1, 2))))

    def setup(addon):
        if other.ident is None and events:  # the restart: another thread calls meanwhile
            other.start()
            deadline = time.monotonic() + 30
            # It reaches the host's lock, held for this setup, and waits there.
            while not waiting_in(other, "_revive"):
                assert time.monotonic() < deadline, "the other thread's call did not wait for the setup"
                time.sleep(0.001)
        events.append("set up")

    addon = load("isolation", setup=setup)
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    events.append(("restarting", addon.add(2, 2)))
    other.join(30)
    assert events[:2] == ["set up", "set up"]
    assert sorted(map(str, events[2:])) == ["('other', 3)", "('restarting', 4)"]
