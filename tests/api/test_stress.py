"""Many Python threads against one host at once: 8 threads each make 10,000 mixed operations —
plain calls, calls that call back into Python, and promises settled in the host and awaited in
Python — with no deadlock, no lost or duplicated result, and the host's memory bounded."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from conftest import rss_mib

import napi_python
from napi_python import js

THREADS = 8
OPERATIONS = 10_000


def test_eight_threads_of_mixed_calls_callbacks_and_promises(load):
    addon = load("bench")
    Promise = js.global_this(addon).Promise
    before = rss_mib(napi_python.addon_info(addon).pid)

    def worker(t: int) -> list[int]:
        results = []
        loop = asyncio.new_event_loop()
        for i in range(OPERATIONS):
            kind = i % 4
            if kind == 0:
                results.append(addon.add(i, t * 1_000_000))
            elif kind == 1:
                results.append(addon.callback(lambda i=i: i + t * 1_000_000))
            elif kind == 2:
                results.append(Promise.resolve(i + t * 1_000_000).result(timeout=60))
            else:

                async def awaited(i: int = i) -> int:
                    return await Promise.resolve(i).then(lambda v: v + t * 1_000_000)

                results.append(loop.run_until_complete(awaited()))
        loop.close()
        return results

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(worker, range(THREADS)))
    for t, results in enumerate(outcomes):
        assert results == [i + t * 1_000_000 for i in range(OPERATIONS)]
    js.gc(addon)
    assert rss_mib(napi_python.addon_info(addon).pid) - before < 100, "the host's memory kept growing"
