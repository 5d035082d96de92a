"""libuv in an in-process host whose JS thread is the thread that made it (`js_thread="current"`):
the host's own thread watches the loop and runs none of it; timers, pool completions and async
handles call back on the JS thread, when it runs events (tests/rust_addon/test_rust_js_thread.py
has the rest of that mode, with the napi-rs addon)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import addon_path, fresh_copy

from napi_python import Host


@pytest.fixture
def host():
    h = Host(isolated=False, js_thread="current")
    yield h
    h.close()


def calls_until_closed(host: Host, start: Any) -> list[tuple[Any, ...]]:
    """What the addon called back with, on which thread, once `start(callback)` ran, running
    events until its last call ("closed")."""
    seen: list[tuple[Any, ...]] = []
    start(lambda *args: seen.append((threading.get_ident(), *args)))
    while not seen or seen[-1][1] != "closed":
        host.run_events(10.0)
    return seen


def test_a_uv_timer_ticks_on_the_js_thread(host):
    uv = host.load(fresh_copy(addon_path("uv")))
    seen = calls_until_closed(host, lambda cb: uv.timer(5, 5, 3, cb))
    me = threading.get_ident()
    assert [(c[0] == me, c[1], c[2]) for c in seen] == [
        (True, "tick", 1),
        (True, "tick", 2),
        (True, "tick", 3),
        (True, "closed", 3),
    ]


def test_uv_async_sends_from_a_native_thread_arrive_on_the_js_thread(host):
    uv = host.load(fresh_copy(addon_path("uv")))
    seen = calls_until_closed(host, lambda cb: uv.asyncSends(100, cb))
    assert {c[0] for c in seen} == {threading.get_ident()}
    assert seen[-1][1] == "closed"
