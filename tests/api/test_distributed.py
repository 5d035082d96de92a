"""Dask and Ray as their users use them: a real local cluster of worker processes, each
loading its own copy of the addon from its recipe; a worker whose host crashes mid-batch
completes the batch through the restart policy."""

from __future__ import annotations

import contextlib

import pytest
from conftest import IN_PROCESS, addon_path, load_in_mode

import napi_python
from napi_python import AddonCrashedError

INPUTS = 10_000
# One Dask task an input costs the scheduler about a millisecond on a quiet 2-CPU machine and
# several under load (81 s for 10,000 at a load average of 15): the map that makes a task of each
# input takes fewer, the bag (Dask's advice for small calls) all of them.
TASKS = 1_000


@pytest.fixture(scope="module")
def isolation():
    addon = load_in_mode(addon_path("isolation"))
    yield addon
    napi_python.close(addon)


# --- Dask ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    # The dashboard on a free port: None means dask's 8787, and a second run of the suite on the
    # machine (the other mode, another checkout's) holding it made the cluster fail to start.
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def dask_addon(dask_client, isolation):
    from napi_python.dask import AddonPlugin

    dask_client.register_plugin(AddonPlugin(isolation, name="isolation"))
    return "isolation"


def worker_host_pids(client) -> dict[str, int]:
    from napi_python.dask import worker_addon

    return client.run(lambda dask_worker: napi_python.addon_info(worker_addon("isolation", dask_worker)).pid)


def test_dask_client_map_makes_a_task_of_each_input(dask_client, dask_addon, isolation):
    from napi_python.dask import export

    futures = dask_client.map(export(dask_addon, "add"), range(TASKS), [1] * TASKS)
    assert dask_client.gather(futures) == [i + 1 for i in range(TASKS)]
    # Both workers took part, each with a copy of its own.
    assert len({w for ws in dask_client.who_has(futures).values() for w in ws}) == 2
    pids = worker_host_pids(dask_client).values()
    if not IN_PROCESS:
        assert len(set(pids)) == 2 and napi_python.addon_info(isolation).pid not in pids


def test_dask_bag_over_ten_thousand_inputs(dask_client, dask_addon):
    # Many small calls go in partitions (one task each), as Dask advises for small tasks.
    import dask.bag

    from napi_python.dask import export

    bag = dask.bag.from_sequence(range(INPUTS), npartitions=8).map(export(dask_addon, "add"), 1)
    assert bag.compute() == [i + 1 for i in range(INPUTS)]


@pytest.mark.isolated_only
def test_dask_batch_completes_when_a_worker_host_crashes(dask_client, dask_addon):
    from napi_python.dask import worker_addon

    def add_crashing_once(i: int) -> int:
        addon = worker_addon("isolation")
        if i == 50:
            with contextlib.suppress(AddonCrashedError):
                addon.exitZero()
        return addon.add(i, 1)

    before = worker_host_pids(dask_client)
    futures = dask_client.map(add_crashing_once, range(200))
    assert dask_client.gather(futures) == [i + 1 for i in range(200)]
    after = worker_host_pids(dask_client)
    assert sum(before[w] != after[w] for w in before) == 1


# --- Ray -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray", reason="ray is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def test_ray_tasks_use_one_copy_per_worker(ray_session, isolation):
    from napi_python.ray import per_process

    ray = ray_session
    addon = per_process(isolation)

    @ray.remote
    def add(a: int, b: int) -> tuple[int, int]:
        return addon().add(a, b), napi_python.addon_info(addon()).pid

    results = ray.get([add.remote(i, 1) for i in range(200)], timeout=120)
    assert [r for r, _ in results] == [i + 1 for i in range(200)]
    # At most one copy per worker process (Ray runs up to two at once here).
    assert 1 <= len({pid for _, pid in results}) <= 2


@pytest.mark.isolated_only
def test_ray_task_retried_after_its_host_crashed(ray_session, isolation):
    from napi_python.ray import per_process

    ray = ray_session
    addon = per_process(isolation)

    @ray.remote(max_retries=1, retry_exceptions=[AddonCrashedError])
    def crash_in_first_try(marker: str) -> int:
        import os

        if not os.path.exists(marker):
            open(marker, "w").close()
            addon().exitZero()
        return addon().add(20, 22)

    import tempfile

    with tempfile.TemporaryDirectory() as d:
        assert ray.get(crash_in_first_try.remote(f"{d}/tried"), timeout=120) == 42


def test_ray_actor_holds_a_napi_rs_class_instance(ray_session):
    from napi_python.ray import AddonActor

    ray = ray_session
    rust = load_in_mode(addon_path("rust_addon"))
    try:
        actor = AddonActor.remote(rust)
        counter = ray.get(actor.new.remote("Counter", 10), timeout=120)
        assert ray.get([actor.method.remote(counter, "increment") for _ in range(3)], timeout=60) == [11, 12, 13]
        assert ray.get(actor.get.remote(counter, "value"), timeout=60) == 13
        assert ray.get(actor.call.remote("addI32", 2, 3), timeout=60) == 5
        with pytest.raises(Exception, match="lives in one host"):
            ray.get(actor.call.remote("Counter", 1), timeout=60)
        ray.kill(actor)
    finally:
        napi_python.close(rust)
