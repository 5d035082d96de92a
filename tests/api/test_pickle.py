"""Pickling by recipe: an Addon pickles as what loads it again, a JSBuffer as
its bytes, and every other proxy refuses with a TypeError saying what to pass instead."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import operator
import os
import pickle

import processes
import pytest
from conftest import IN_PROCESS, INSTALL_NPM, NPM, addon_path

import napi_python
from napi_python import AddonPool, Host, js, require


def test_an_addon_pickles_as_what_loads_it_again(load):
    addon = load("isolation")
    copy = pickle.loads(pickle.dumps(addon))
    try:
        assert copy is not addon and napi_python.addon_info(copy).path == napi_python.addon_info(addon).path
        assert copy.add(2, 3) == 5
        # A host of its own: not the original's (in-process hosts share this process's pid).
        assert napi_python.addon_info(copy).host is not napi_python.addon_info(addon).host
        assert napi_python.addon_info(copy).host.isolated == napi_python.addon_info(addon).host.isolated
        if not IN_PROCESS:
            assert napi_python.addon_info(copy).pid != napi_python.addon_info(addon).pid
    finally:
        napi_python.close(copy)


def test_a_spawned_process_pool_worker_gets_its_own_copy(load):
    addon = load("isolation")
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=spawn) as ex:
        assert ex.submit(operator.methodcaller("add", 40, 2), addon).result(timeout=120) == 42
        worker_pid = ex.submit(os.getpid).result(timeout=60)
        host_pid = ex.submit(processes.host_pid, addon).result(timeout=60)
    assert worker_pid != os.getpid()
    # Isolated, the worker's copy has a napi-hostd of its own; in-process, it runs in the worker.
    assert host_pid == worker_pid if IN_PROCESS else host_pid not in (worker_pid, napi_python.addon_info(addon).pid)


@pytest.mark.isolated_only
def test_the_recipe_keeps_the_load_options():
    from napi_python import RestartPolicy, load_addon

    policy = RestartPolicy(max_restarts=1, period=9.0)
    addon = load_addon(addon_path("isolation"), env={"NAPI_PICKLE_TEST": "1"}, timeout=30, restart=policy)
    copy = pickle.loads(pickle.dumps(addon))
    try:
        assert napi_python.addon_info(copy).host._env == {"NAPI_PICKLE_TEST": "1"}
        assert napi_python.addon_info(copy).host._timeout == 30 and napi_python.addon_info(copy).host._policy == policy
    finally:
        napi_python.close(copy)
        napi_python.close(addon)


def test_an_addon_of_a_shared_host_travels_alone():
    with Host(isolated=not IN_PROCESS) as host:
        addon = host.load(addon_path("isolation"))
        copy = pickle.loads(pickle.dumps(addon))
        try:
            assert napi_python.addon_info(copy).host is not host and copy.add(1, 1) == 2
        finally:
            napi_python.close(copy)
        with pytest.raises(TypeError, match="pickle its addons instead"):
            pickle.dumps(host)


@pytest.mark.skipif(not (NPM / "node_modules").is_dir(), reason=f"{NPM}/node_modules is absent: run {INSTALL_NPM}")
def test_a_required_addon_pickles_as_its_package_name():
    crc = require("@node-rs/crc32", [NPM], isolated=not IN_PROCESS)
    data = pickle.dumps(crc)
    try:
        assert b"@node-rs/crc32" in data and b".node" not in data
        copy = pickle.loads(data)
        assert copy.crc32c(b"hello") == crc.crc32c(b"hello")
        napi_python.close(copy)
    finally:
        napi_python.close(crc)


def test_a_buffer_pickles_as_its_bytes(load):
    addon = load("buffers")
    made_here = js.typedarray("Uint16Array", memoryview(bytes(range(8))).cast("H"))
    from_host = js.alloc(addon, 6)
    memoryview(from_host)[:] = b"abcdef"
    for buf in (made_here, from_host, js.buffer(b"xyz"), js.arraybuffer(b"")):
        copy = pickle.loads(pickle.dumps(buf))
        assert copy.js_type == buf.js_type and bytes(copy) == bytes(buf)
        assert not copy.shared


def test_other_proxies_refuse_with_what_to_pass_instead(load):
    addon = load("isolation")
    obj = js.object(addon, {"f": addon.add})
    for proxy in (
        obj,
        addon.add,
        obj.f,
        js.array(addon, [1]),
        js.symbol(addon, "s"),
        napi_python.addon_info(addon).exports,
    ):
        with pytest.raises(TypeError, match=r"lives in one host .* Pass plain values"):
            pickle.dumps(proxy)


def test_a_pool_pickles_as_what_makes_it_again():
    options = {"isolated": False} if IN_PROCESS else {}
    with AddonPool(addon_path("isolation"), size=1, **options) as pool:
        copy = pickle.loads(pickle.dumps(pool))
        with copy:
            assert copy.size == 1
            if not IN_PROCESS:
                assert copy.pids != pool.pids
            assert copy.add(1, 2) == 3
