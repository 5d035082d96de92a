"""The restart policy (addon: addons/c/isolation.c): an Addon whose host died comes
back on the next call in a fresh host; proxies from the old host raise StaleObjectError; more
than `max_restarts` restarts within `period` seconds and it stays down, as an OTP supervisor
gives up; `restart=False` turns restarting off."""

from __future__ import annotations

import pytest

import napi_python
from napi_python import (
    AddonCrashedError,
    AddonRestartLimitError,
    AddonTimeoutError,
    RestartPolicy,
    StaleObjectError,
    js,
)

# What this module checks is the host process's own behaviour.
pytestmark = pytest.mark.isolated_only


def test_the_next_call_after_a_crash_runs_in_a_fresh_host(load):
    addon = load("isolation")
    first = addon.hostPid()
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    assert addon.add(1, 2) == 3
    assert addon.hostPid() != first
    assert napi_python.addon_info(addon).pid == addon.hostPid()


def test_proxies_from_the_old_host_are_stale_after_the_restart(load):
    addon = load("isolation")
    old_add = addon.add
    held = js.object(addon, {"x": 1})
    with pytest.raises(AddonCrashedError):
        addon.stackOverflow()
    assert addon.add(2, 3) == 5
    with pytest.raises(StaleObjectError):
        old_add(1, 1)
    with pytest.raises(StaleObjectError):
        held.x


def test_a_buffer_of_the_old_host_is_stale_after_the_restart(load):
    addon = load("isolation")
    held = js.alloc(addon, 8)
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    assert addon.add(2, 3) == 5
    with pytest.raises(StaleObjectError):
        addon.add(held, 1)


def test_a_timeout_restarts_too(load):
    addon = load("isolation", timeout=0.3)
    with pytest.raises(AddonTimeoutError):
        addon.pause()
    assert addon.add(20, 22) == 42


def test_more_than_three_restarts_within_five_seconds_stop_the_restarts(load):
    addon = load("isolation")
    for _ in range(4):  # the first crash, then three crashes after three restarts
        with pytest.raises(AddonCrashedError):
            addon.exitZero()
    with pytest.raises(AddonRestartLimitError) as info:
        addon.add(1, 1)
    assert "3 restarts within 5 s" in str(info.value)
    with pytest.raises(AddonRestartLimitError):
        addon.add(1, 1)


def test_the_limits_are_configurable(load):
    addon = load("isolation", restart=RestartPolicy(max_restarts=1, period=60))
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    with pytest.raises(AddonRestartLimitError):
        addon.add(1, 1)


def test_restart_false_leaves_the_addon_down(load):
    addon = load("isolation", restart=False)
    with pytest.raises(AddonCrashedError):
        addon.exitZero()
    for _ in range(3):
        with pytest.raises(AddonCrashedError):
            addon.add(1, 2)
